//! End-to-end tests of `rewasm vet`, `rewasm key`, `rewasm sign`, `rewasm
//! verify` and `rewasm vectors`, with the built-in plugins (which ship test
//! vectors) and the hostile fixture; and of `check_vectors`, the check hot
//! swap runs on every new module version.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use rewasm_runtime::{
    check_vectors, vectors, EngineOptions, Grants, RewardEngine, SandboxLimits, VetFailure,
};
use serde_json::Value;

const BUILTINS: [&str; 6] = [
    "math-accuracy",
    "format",
    "iou",
    "length-bonus",
    "chart-code",
    "consistency",
];

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir()
        .join(format!("rewasm-vet-test-{}", std::process::id()))
        .join(name);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// `rewasm` with a REWASM_HOME shared by the tests of this file (so the
/// compile cache is too).
fn rewasm() -> Command {
    rewasm_in(&scratch("home"))
}

fn rewasm_in(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rewasm"));
    c.env("REWASM_HOME", home);
    c
}

fn run(cmd: &mut Command) -> (Output, String, String) {
    let out = cmd.output().expect("run rewasm");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (out, stdout, stderr)
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("read report");
    serde_json::from_str(&text).expect("report is JSON")
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check `{name}` in {report}"))
}

fn builtin_bytes(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../plugins/dist")
        .join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_builtin_passes_vet_with_its_shipped_vectors() {
    let dir = scratch("builtins");
    for name in BUILTINS {
        let report_path = dir.join(format!("{name}.vet.json"));
        let (out, stdout, stderr) = run(rewasm().args(["vet", name, "--report"]).arg(&report_path));
        assert!(out.status.success(), "{name}:\n{stdout}\n{stderr}");
        assert!(stdout.contains("vetting PASSED"), "{stdout}");
        let report = read_json(&report_path);
        assert_eq!(report["passed"], true);
        let shipped = report["module"]["vectors_shipped"].as_u64().expect("count");
        assert!(shipped >= 8, "{name} ships {shipped} vectors");
        let cases = report["vectors"].as_array().expect("vectors");
        assert_eq!(cases.len() as u64, shipped);
        assert!(cases
            .iter()
            .all(|c| c["passed"] == true && c["source"] == "shipped"));
        for name in [
            "wit_version",
            "imports_vs_capabilities",
            "vectors",
            "determinism",
            "robustness",
            "resource_profile",
        ] {
            assert_eq!(check(&report, name)["status"], "passed", "{name}");
        }
        let profile = &report["profile"];
        assert!(profile["peak_memory_bytes"].as_u64().expect("peak") > 0);
        assert!(profile["fuel_per_sample"].as_f64().expect("fuel") > 0.0);
        assert!(profile["samples_per_sec_batch_64"].as_f64().expect("rate") > 0.0);
        let probes = report["robustness"].as_array().expect("probes");
        assert!(probes.len() >= 8 && probes.iter().all(|p| p["passed"] == true));
    }
}

#[test]
fn a_wrong_vector_fails_vetting_and_names_the_case() {
    let dir = scratch("wrong-vector");
    let cases = dir.join("cases.jsonl");
    std::fs::write(
        &cases,
        concat!(
            r#"{"name": "band-right", "config": {"mode": "band", "unit": "chars", "band_min": 1}, "sample": {"completion": "abc"}, "expect": {"value": 1.0}}"#,
            "\n",
            r#"{"name": "deliberately-wrong", "config": {"mode": "band", "unit": "chars", "band_min": 1}, "sample": {"completion": "abc"}, "expect": {"value": 0.25}}"#,
            "\n"
        ),
    )
    .expect("write cases");
    let report_path = dir.join("r.json");
    let (out, stdout, stderr) = run(rewasm()
        .args(["vet", "length-bonus", "--quick", "--cases"])
        .arg(&cases)
        .arg("--report")
        .arg(&report_path));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("FAIL") && stdout.contains("deliberately-wrong"),
        "{stdout}"
    );
    assert!(!stdout.contains("case `band-right`"), "{stdout}");
    let report = read_json(&report_path);
    assert_eq!(report["passed"], false);
    assert_eq!(check(&report, "vectors")["status"], "failed");
    let wrong = report["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .find(|c| c["name"] == "deliberately-wrong")
        .expect("the case is reported");
    assert_eq!(wrong["passed"], false);
    assert_eq!(wrong["source"], "cases");
    assert_eq!(wrong["got"]["value"], 1.0);
    assert!(wrong["problem"].as_str().expect("problem").contains("0.25"));

    // A malformed cases file is an error naming its line.
    std::fs::write(
        &cases,
        "{\"name\": \"x\", \"sample\": {}, \"expect\": {}}\n",
    )
    .expect("write");
    let (out, _, stderr) = run(rewasm()
        .args(["vet", "length-bonus", "--quick", "--cases"])
        .arg(&cases));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("cases.jsonl:1"), "{stderr}");
}

#[test]
fn hostile_module_fails_vetting_without_crashing_the_host() {
    let dir = scratch("hostile");
    let module = dir.join("hostile.wasm");
    std::fs::write(&module, rewasm_tests::hostile_component()).expect("write");
    let report_path = dir.join("hostile.vet.json");
    let (out, stdout, stderr) = run(rewasm()
        .arg("vet")
        .arg(&module)
        .args(["--timeout-ms", "200", "--report"])
        .arg(&report_path));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("vetting FAILED"), "{stdout}");
    let report = read_json(&report_path);
    assert_eq!(report["passed"], false);
    assert_eq!(check(&report, "wit_version")["status"], "passed");
    // It imports `judge` without asking for the capability.
    let imports = check(&report, "imports_vs_capabilities");
    assert_eq!(imports["status"], "failed");
    assert!(imports["problems"][0]
        .as_str()
        .expect("problem")
        .contains("judge"));
    // Its default path is deterministic...
    assert_eq!(check(&report, "determinism")["status"], "passed");
    // ...but ordinary completions trigger its loops, bombs and traps.
    let robustness = check(&report, "robustness");
    assert_eq!(robustness["status"], "failed");
    let probes = report["robustness"].as_array().expect("probes");
    let short = probes
        .iter()
        .find(|p| p["name"] == "short completions (one per call)")
        .expect("short probe");
    assert_eq!(short["passed"], false);
    for kind in ["timeout", "out-of-memory", "trap", "invalid-output"] {
        assert!(
            short["errors"][kind].as_u64().unwrap_or(0) > 0,
            "{kind} in {short}"
        );
    }
    // The host stayed up: the report names everything it checked.
    assert_eq!(report["checks"].as_array().expect("checks").len(), 7);
}

#[test]
fn keys_sign_and_verify_modules() {
    let home = scratch("sign-home");
    let dir = scratch("sign");
    let (out, stdout, stderr) = run(rewasm_in(&home)
        .args(["key", "generate", "--out"])
        .arg(dir.join("alice")));
    assert!(out.status.success(), "{stderr}");
    let alice = stdout.trim().to_string();
    assert!(
        alice.starts_with("ed25519:") && alice.len() == 8 + 64,
        "{alice}"
    );
    let secret = std::fs::read_to_string(dir.join("alice.key")).expect("secret key");
    assert!(secret.starts_with("rewasm-ed25519-secret-key "));
    assert_eq!(
        std::fs::read_to_string(dir.join("alice.pub"))
            .expect("pub")
            .trim(),
        alice
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("alice.key"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A second generate does not overwrite the key.
    let (out, _, _) = run(rewasm_in(&home)
        .args(["key", "generate", "--out"])
        .arg(dir.join("alice")));
    assert!(!out.status.success());
    let (out, _, _) = run(rewasm_in(&home)
        .args(["key", "generate", "--out"])
        .arg(dir.join("bob")));
    assert!(out.status.success());

    let module = dir.join("format.wasm");
    let bytes = builtin_bytes("format");
    std::fs::write(&module, &bytes).expect("write module");
    let (out, _, stderr) = run(rewasm_in(&home)
        .arg("sign")
        .arg(&module)
        .arg("--key")
        .arg(dir.join("alice.key")));
    assert!(out.status.success(), "{stderr}");
    let sig: Value = read_json(&dir.join("format.wasm.sig"));
    assert_eq!(sig["version"], 1);
    assert_eq!(sig["key"], alice.as_str());
    assert_eq!(
        sig["module_sha256"].as_str().expect("digest"),
        rewasm_runtime::module_digest(&bytes)
    );

    let verify = |trust: &str| {
        run(rewasm_in(&home)
            .arg("verify")
            .arg(&module)
            .arg("--trust")
            .arg(dir.join(trust)))
    };
    let (out, stdout, stderr) = verify("alice.pub");
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.starts_with("ok:") && stdout.contains(&alice),
        "{stdout}"
    );

    // Signed by a key nobody trusts: refused, naming the signer.
    let (out, _, stderr) = verify("bob.pub");
    assert!(!out.status.success());
    assert!(
        stderr.contains("not a trusted key") && stderr.contains(&alice),
        "{stderr}"
    );

    // $REWASM_HOME/trusted_keys is trusted too.
    std::fs::write(home.join("trusted_keys"), format!("# alice\n{alice}\n")).expect("write");
    let (out, _, stderr) = run(rewasm_in(&home).arg("verify").arg(&module));
    assert!(out.status.success(), "{stderr}");
    std::fs::remove_file(home.join("trusted_keys")).expect("rm");

    // Tampered bytes: refused.
    let mut tampered = bytes.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    std::fs::write(&module, &tampered).expect("tamper");
    let (out, _, stderr) = verify("alice.pub");
    assert!(!out.status.success());
    assert!(stderr.contains("changed after signing"), "{stderr}");

    // An unsigned module: refused as unsigned.
    std::fs::remove_file(dir.join("format.wasm.sig")).expect("rm sig");
    std::fs::write(&module, &bytes).expect("restore");
    let (out, _, stderr) = verify("alice.pub");
    assert!(!out.status.success());
    assert!(stderr.contains("not signed"), "{stderr}");

    // A garbage signature file: refused as malformed.
    std::fs::write(dir.join("format.wasm.sig"), "{\"version\": 1}").expect("garbage");
    let (out, _, stderr) = verify("alice.pub");
    assert!(!out.status.success());
    assert!(stderr.contains("not a rewasm module signature"), "{stderr}");
}

#[test]
fn a_signed_report_verifies_and_a_modified_one_does_not() {
    let home = scratch("report-home");
    let dir = scratch("report");
    let (out, _, stderr) = run(rewasm_in(&home)
        .args(["key", "generate", "--out"])
        .arg(dir.join("vetter")));
    assert!(out.status.success(), "{stderr}");
    let module = dir.join("length-bonus.wasm");
    std::fs::write(&module, builtin_bytes("length-bonus")).expect("write");
    let (out, stdout, stderr) = run(rewasm_in(&home)
        .arg("vet")
        .arg(&module)
        .arg("--quick")
        .arg("--sign")
        .arg(dir.join("vetter.key")));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    // Signing without --report writes the sidecar MODULE.vet.json.
    let report_path = dir.join("length-bonus.wasm.vet.json");
    let report = read_json(&report_path);
    assert!(report["signature"]["signature"].is_string());
    assert_eq!(
        report["signature"]["module_sha256"],
        report["module"]["sha256"]
    );

    let verify = |path: &Path, module: Option<&Path>| {
        let mut cmd = rewasm_in(&home);
        cmd.arg("verify").arg("--report").arg(path);
        if let Some(m) = module {
            cmd.arg(m);
        }
        cmd.arg("--trust").arg(dir.join("vetter.pub"));
        run(&mut cmd)
    };
    let (out, stdout, stderr) = verify(&report_path, Some(&module));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("vetting passed"), "{stdout}");

    // The report is about this module, not another.
    let other = dir.join("format.wasm");
    std::fs::write(&other, builtin_bytes("format")).expect("write");
    let (out, _, stderr) = verify(&report_path, Some(&other));
    assert!(!out.status.success());
    assert!(stderr.contains("is about module"), "{stderr}");

    // Any change to the signed content breaks the signature.
    let text = std::fs::read_to_string(&report_path).expect("read");
    let changed = dir.join("changed.vet.json");
    let flipped = text.replacen("\"passed\": true", "\"passed\": false", 1);
    assert_ne!(flipped, text);
    std::fs::write(&changed, flipped).expect("write");
    let (out, _, stderr) = verify(&changed, None);
    assert!(!out.status.success());
    assert!(stderr.contains("does not verify"), "{stderr}");
}

#[test]
fn vectors_embed_and_show_for_any_component() {
    let dir = scratch("embed");
    let module = dir.join("hostile.wasm");
    std::fs::write(&module, rewasm_tests::hostile_component()).expect("write");
    let cases = dir.join("cases.jsonl");
    let text = concat!(
        r#"{"name": "plain", "sample": {"completion": "ok", "reference": "1"}, "expect": {"value": 1.0}}"#,
        "\n",
        r#"{"name": "nan", "config": {"batch": 2}, "sample": {"completion": "N"}, "expect": {"error": "invalid-output"}}"#,
        "\n"
    );
    std::fs::write(&cases, text).expect("write cases");
    let out_module = dir.join("with-vectors.wasm");
    let (out, _, stderr) = run(rewasm()
        .args(["vectors", "embed"])
        .arg(&module)
        .arg(&cases)
        .arg("-o")
        .arg(&out_module));
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("2 test case(s)"), "{stderr}");
    let (out, stdout, _) = run(rewasm().args(["vectors", "show"]).arg(&out_module));
    assert!(out.status.success());
    assert_eq!(stdout, text);
    let (out, _, stderr) = run(rewasm().args(["vectors", "show"]).arg(&module));
    assert!(!out.status.success());
    assert!(stderr.contains("ships no test vectors"), "{stderr}");

    // The shipped cases run, each config in its own batch (the fixture acts
    // on a batch's first completion): both pass (vetting still fails on
    // imports).
    let report_path = dir.join("r.json");
    let (_, stdout, _) = run(rewasm()
        .arg("vet")
        .arg(&out_module)
        .arg("--quick")
        .arg("--report")
        .arg(&report_path));
    let report = read_json(&report_path);
    assert_eq!(check(&report, "vectors")["status"], "passed", "{stdout}");
    assert_eq!(report["module"]["vectors_shipped"], 2);

    // Cases that do not parse are refused before anything is written.
    std::fs::write(&cases, "not json\n").expect("write");
    let (out, _, stderr) = run(rewasm()
        .args(["vectors", "embed"])
        .arg(&module)
        .arg(&cases)
        .arg("-o")
        .arg(dir.join("never.wasm")));
    assert!(!out.status.success());
    assert!(stderr.contains("cases.jsonl:1"), "{stderr}");
    assert!(!dir.join("never.wasm").exists());
}

fn engine() -> Arc<RewardEngine> {
    RewardEngine::with_options(EngineOptions {
        cache: Some(rewasm_runtime::ComponentCache::new(
            scratch("home").join("cache"),
        )),
        ..EngineOptions::default()
    })
    .expect("engine")
}

#[test]
fn check_vectors_passes_builtins_quickly_and_names_failed_cases() {
    let engine = engine();
    let limits = SandboxLimits::default();
    for name in BUILTINS {
        let bytes = builtin_bytes(name);
        let shipped = vectors::shipped_cases(&bytes).expect("shipped cases").len();
        assert!(shipped > 0, "{name} ships vectors");
        // The first call may compile; the second is what hot swap pays.
        assert_eq!(
            check_vectors(&engine, &bytes, &limits, &Grants::none()).expect(name),
            shipped
        );
        let start = std::time::Instant::now();
        check_vectors(&engine, &bytes, &limits, &Grants::none()).expect(name);
        let took = start.elapsed();
        eprintln!("check_vectors({name}) with a warm cache: {took:?}");
        assert!(took.as_millis() < 2000, "{name}: {took:?}");
    }

    // A new version whose logic changed fails its shipped vectors.
    let bytes = builtin_bytes("length-bonus");
    let wrong = r#"{"name": "band-broken", "config": {"mode": "band", "unit": "chars", "band_min": 1}, "sample": {"completion": "abc"}, "expect": {"value": 2.0}}"#;
    let swapped = vectors::embed(&bytes, format!("{wrong}\n").as_bytes()).expect("embed");
    match check_vectors(&engine, &swapped, &limits, &Grants::none()) {
        Err(VetFailure::Vectors { total, failed }) => {
            assert_eq!((total, failed.len()), (1, 1));
            assert_eq!(failed[0].name, "band-broken");
        }
        other => panic!("{other:?}"),
    }

    // Undeclared imports are refused.
    let hostile = rewasm_tests::hostile_component();
    match check_vectors(&engine, &hostile, &limits, &Grants::none()) {
        Err(VetFailure::Imports(problems)) => assert!(problems[0].contains("judge")),
        other => panic!("{other:?}"),
    }
    // Garbage is a load failure, not a panic.
    assert!(matches!(
        check_vectors(
            &engine,
            b"\0asm\x0d\0\x01\0garbage",
            &limits,
            &Grants::none()
        ),
        Err(VetFailure::Load(_))
    ));
}
