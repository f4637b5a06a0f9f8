//! `rewasm push` / `rewasm pull` against a real registry (Debian's
//! docker-registry, started by scripts/registry.sh on 127.0.0.1): the Wasm
//! OCI layout on the wire, attachments, pulls by tag and by digest, the
//! store cache when the registry is down, and tampered blobs refused.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("oci-test-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// A registry of our own, stopped (and its storage deleted) on drop, so a
/// failing test does not leave it running.
struct Registry {
    dir: PathBuf,
    addr: String,
}

impl Registry {
    fn start(name: &str) -> Registry {
        let dir = scratch(&format!("registry-{name}"));
        let out = script(&dir, "start");
        let addr = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(
            out.status.success() && addr.starts_with("127.0.0.1:"),
            "scripts/registry.sh start failed: {}{}",
            addr,
            String::from_utf8_lossy(&out.stderr)
        );
        Registry { dir, addr }
    }

    fn storage(&self) -> PathBuf {
        self.dir.join("storage")
    }

    fn stop(&self) {
        let out = script(&self.dir, "stop");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = script(&self.dir, "stop");
    }
}

fn script(dir: &Path, action: &str) -> Output {
    Command::new(root().join("scripts/registry.sh"))
        .arg(action)
        .env("REWASM_REGISTRY_DIR", dir)
        .output()
        .expect("run scripts/registry.sh")
}

/// Runs `rewasm ARGS` with its own `REWASM_HOME`; (success, stdout, stderr).
fn rewasm(home: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args(args)
        .env("REWASM_HOME", home)
        .env_remove("REWASM_OCI_INSECURE")
        .output()
        .expect("run rewasm");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// The value of the `key   value` line of rewasm's output.
fn field<'a>(stdout: &'a str, key: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(key).filter(|rest| rest.starts_with(' ')))
        .unwrap_or_else(|| panic!("no `{key}` line in:\n{stdout}"))
        .trim()
}

/// A plain HTTP/1.0 GET, so the test sees exactly what the registry holds.
fn http_get(addr: &str, path: &str, accept: &str) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).expect("connect to registry");
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: {addr}\r\nAccept: {accept}\r\n\r\n"
    )
    .expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, raw[split + 4..].to_vec())
}

fn builtin_module() -> Vec<u8> {
    let path = root().join("plugins/dist/length-bonus.wasm");
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (scripts/build-plugins.sh builds it)",
            path.display()
        )
    })
}

#[test]
fn push_pull_by_tag_and_digest_then_from_cache_when_the_registry_is_down() {
    let registry = Registry::start("share");
    let work = scratch("share-work");
    let module = builtin_module();
    let module_file = work.join("length-bonus.wasm");
    std::fs::write(&module_file, &module).expect("write module");
    // The signature is picked up as a sidecar, the report given by flag.
    let sig = br#"{"signature":"not checked by push or pull"}"#;
    let report = br#"{"vet":"report"}"#;
    std::fs::write(work.join("length-bonus.wasm.sig"), sig).expect("write sig");
    std::fs::write(work.join("report.json"), report).expect("write report");

    let tagged = format!("oci://{}/rewards/length-bonus:1.0", registry.addr);
    let home_push = scratch("home-push");
    let (ok, out, err) = rewasm(
        &home_push,
        &[
            "push",
            module_file.to_str().expect("utf-8 path"),
            &tagged,
            "--report",
            work.join("report.json").to_str().expect("utf-8 path"),
        ],
    );
    assert!(ok, "push failed: {err}");
    let pinned = field(&out, "pushed").to_string();
    let (ref_part, manifest_digest) = pinned.split_once('@').expect("pushed ref has @sha256:");
    assert_eq!(ref_part, tagged);
    assert!(manifest_digest.starts_with("sha256:") && manifest_digest.len() == 71);
    let module_digest = field(&out, "module")
        .split_whitespace()
        .next()
        .expect("digest")
        .strip_prefix("sha256:")
        .expect("sha256:")
        .to_string();
    assert!(field(&out, "signature").starts_with("attached"), "{out}");
    assert!(field(&out, "vet report").starts_with("attached"), "{out}");

    // On the wire: the Wasm OCI artifact layout.
    let oci_manifest = "application/vnd.oci.image.manifest.v1+json";
    let (status, body) = http_get(
        &registry.addr,
        "/v2/rewards/length-bonus/manifests/1.0",
        oci_manifest,
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let manifest: Value = serde_json::from_slice(&body).expect("manifest JSON");
    assert_eq!(manifest["schemaVersion"], 2);
    assert_eq!(manifest["mediaType"], oci_manifest);
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.wasm.config.v0+json"
    );
    let layers = manifest["layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0]["mediaType"], "application/wasm");
    assert_eq!(layers[0]["digest"], format!("sha256:{module_digest}"));
    assert_eq!(layers[0]["size"], module.len());
    let config_digest = manifest["config"]["digest"]
        .as_str()
        .expect("config digest");
    let (status, body) = http_get(
        &registry.addr,
        &format!("/v2/rewards/length-bonus/blobs/{config_digest}"),
        "*/*",
    );
    assert_eq!(status, 200);
    let config: Value = serde_json::from_slice(&body).expect("config JSON");
    assert_eq!(config["architecture"], "wasm");
    assert_eq!(config["os"], "wasip2");
    assert_eq!(config["layerDigests"][0], format!("sha256:{module_digest}"));
    let exports = config["component"]["exports"].as_array().expect("exports");
    assert!(
        exports.iter().any(|e| e == "rewasm:reward/reward@0.1.0"),
        "{config}"
    );
    // The attachments, tagged after the module manifest, point back at it.
    let (status, body) = http_get(
        &registry.addr,
        &format!(
            "/v2/rewards/length-bonus/manifests/{}.rewasm",
            manifest_digest.replace(':', "-")
        ),
        oci_manifest,
    );
    assert_eq!(status, 200);
    let attachments: Value = serde_json::from_slice(&body).expect("attachments JSON");
    assert_eq!(
        attachments["artifactType"],
        "application/vnd.rewasm.attachments.v1"
    );
    assert_eq!(attachments["subject"]["digest"], manifest_digest);

    // Pull by tag into a fresh home.
    let home_tag = scratch("home-tag");
    let out_file = work.join("pulled.wasm");
    let (ok, out, err) = rewasm(
        &home_tag,
        &[
            "pull",
            &tagged,
            "--out",
            out_file.to_str().expect("utf-8 path"),
        ],
    );
    assert!(ok, "pull by tag failed: {err}");
    assert_eq!(
        field(&out, "module").split_whitespace().next(),
        Some(&*format!("sha256:{module_digest}"))
    );
    assert_eq!(field(&out, "reference"), pinned);
    assert!(!out.contains("from cache"), "{out}");
    assert_eq!(field(&out, "signature"), "yes");
    assert_eq!(field(&out, "vet report"), "yes");
    assert_eq!(std::fs::read(&out_file).expect("pulled file"), module);
    assert_eq!(
        std::fs::read(work.join("pulled.wasm.sig")).expect("sig"),
        sig
    );
    assert_eq!(
        std::fs::read(work.join("pulled.wasm.vet.json")).expect("report"),
        report
    );
    let stored = home_tag
        .join("modules/sha256")
        .join(format!("{module_digest}.wasm"));
    assert_eq!(field(&out, "stored"), stored.display().to_string());
    assert_eq!(std::fs::read(&stored).expect("stored module"), module);
    let attachment = |home: &Path, kind: &str| {
        std::fs::read(
            home.join("modules/sha256")
                .join(format!("{module_digest}.{kind}")),
        )
        .expect("stored attachment")
    };
    assert_eq!(attachment(&home_tag, "sig"), sig);
    assert_eq!(attachment(&home_tag, "vet.json"), report);

    // Pull by digest into another fresh home: from the registry first, then
    // from the store.
    let home_digest = scratch("home-digest");
    let (ok, out, err) = rewasm(&home_digest, &["pull", &pinned]);
    assert!(ok, "pull by digest failed: {err}");
    assert!(!out.contains("from cache"), "{out}");
    assert_eq!(field(&out, "reference"), pinned);
    assert_eq!(attachment(&home_digest, "sig"), sig);
    let (ok, out, err) = rewasm(&home_digest, &["pull", &pinned]);
    assert!(ok, "second pull by digest failed: {err}");
    assert!(
        field(&out, "stored").ends_with("(from cache; the registry was not asked)"),
        "{out}"
    );

    // Registry down: the pinned ref still comes from the store (it was
    // pulled by tag into home_tag, which recorded the manifest digest);
    // anything unpinned or never pulled fails, naming the registry.
    registry.stop();
    let again = work.join("again.wasm");
    let (ok, out, err) = rewasm(
        &home_tag,
        &[
            "pull",
            &pinned,
            "--out",
            again.to_str().expect("utf-8 path"),
        ],
    );
    assert!(ok, "cached pull failed: {err}");
    assert!(out.contains("from cache"), "{out}");
    assert_eq!(field(&out, "signature"), "yes");
    assert_eq!(std::fs::read(&again).expect("cached copy"), module);
    let refused = format!(
        "error: cannot reach registry {}: connection refused",
        registry.addr
    );
    let (ok, _, err) = rewasm(&home_tag, &["pull", &tagged]);
    assert!(!ok);
    assert_eq!(err.trim(), refused);
    let (ok, _, err) = rewasm(&scratch("home-never"), &["pull", &pinned]);
    assert!(!ok);
    assert_eq!(err.trim(), refused);

    // A reward set naming the pinned reference scores from the cached copy
    // while the registry is down; in a home that never pulled it, loading
    // the set fails with the same clear error.
    let set = work.join("oci-set.toml");
    std::fs::write(
        &set,
        format!("[[reward]]\nname = \"shared\"\nplugin = \"{pinned}\"\n"),
    )
    .expect("write set");
    let rows = work.join("rows.jsonl");
    std::fs::write(
        &rows,
        "{\"id\": 1, \"completion\": \"<think>a</think><answer>4</answer>\", \"reference\": \"4\", \"completion_tokens\": 8}\n",
    )
    .expect("write rows");
    let args = [
        "score",
        "--no-progress",
        "--rewards",
        set.to_str().expect("utf-8 path"),
        "--input",
        rows.to_str().expect("utf-8 path"),
    ];
    let (ok, out, err) = rewasm(&home_tag, &args);
    assert!(ok, "scoring with the cached module failed: {err}");
    let row: serde_json::Value = serde_json::from_str(out.trim()).expect("one output row");
    assert!(row["rewards"]["shared"]["value"].is_number(), "{out}");
    let (ok, _, err) = rewasm(&scratch("home-never-set"), &args);
    assert!(!ok);
    assert!(err.contains(&refused["error: ".len()..]), "{err}");
}

#[test]
fn a_tampered_blob_is_refused_naming_its_digest() {
    let registry = Registry::start("tamper");
    let work = scratch("tamper-work");
    let module_file = work.join("m.wasm");
    std::fs::write(&module_file, builtin_module()).expect("write module");
    let tagged = format!("oci://{}/rewards/tampered:v1", registry.addr);
    let (ok, out, err) = rewasm(
        &scratch("tamper-home-push"),
        &["push", module_file.to_str().expect("utf-8 path"), &tagged],
    );
    assert!(ok, "push failed: {err}");
    assert_eq!(field(&out, "signature"), "none");
    let digest = field(&out, "module")
        .split_whitespace()
        .next()
        .expect("digest")
        .to_string();
    let hex = digest.strip_prefix("sha256:").expect("sha256:");

    // Corrupt the module blob in the registry's own storage.
    let data = registry
        .storage()
        .join("docker/registry/v2/blobs/sha256")
        .join(&hex[..2])
        .join(hex)
        .join("data");
    let mut bytes = std::fs::read(&data).expect("stored blob");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&data, bytes).expect("tamper");

    let home = scratch("tamper-home-pull");
    let (ok, _, err) = rewasm(&home, &["pull", &tagged]);
    assert!(!ok, "a tampered module was accepted");
    assert!(err.contains(&digest) && err.contains("refused"), "{err}");
    assert!(
        !home
            .join("modules/sha256")
            .join(format!("{hex}.wasm"))
            .exists(),
        "the tampered bytes were stored"
    );
}
