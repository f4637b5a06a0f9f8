//! Sharing reward modules through OCI registries.
//!
//! A module is pushed as a **Wasm OCI artifact** (the CNCF TAG-Runtime
//! layout that wkg and other component tools read): an image manifest
//! (`application/vnd.oci.image.manifest.v1+json`) whose config is
//! `application/vnd.wasm.config.v0+json` (`architecture: "wasm"`,
//! `os: "wasip2"`, `layerDigests`, the component's imports and exports) and
//! whose one layer, `application/wasm`, is the component.
//!
//! Its signature and vet report travel in a second manifest (artifactType
//! `application/vnd.rewasm.attachments.v1`) whose `subject` is the module's
//! manifest, tagged `sha256-<hex of that manifest>.rewasm`: the referrers
//! tag schema, so registries without the referrers API (Debian's registry
//! 2.8) hold it too.
//!
//! [`pull`] checks every blob against its digest, keeps the module in a
//! [`ModuleStore`] (attachments as `sig` and `vet.json`) and records which
//! manifest and module the reference resolved to under
//! `STORE/oci/HOST_PORT/REPO/`, so a pinned reference (`@sha256:`) pulled
//! once is served from the store afterwards, registry up or down.
//!
//! Transport: plain http for loopback hosts (and any host with
//! `REWASM_OCI_INSECURE=1`), https otherwise, which needs the `oci-tls`
//! feature. No login yet: registries that want credentials are refused
//! with a message saying so.

mod artifact;
mod reference;
mod registry;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use artifact::{
    attachments_tag, ATTACHMENTS_ARTIFACT_TYPE, MANIFEST_MEDIA_TYPE, SIGNATURE_MEDIA_TYPE,
    VET_REPORT_MEDIA_TYPE, WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE,
};
pub use reference::OciRef;

use artifact::{Descriptor, Manifest, EMPTY_CONFIG};
use registry::Registry;

use crate::{Error, ModuleStore};

/// The store attachment kind of a module's signature.
pub const SIGNATURE_ATTACHMENT: &str = "sig";
/// The store attachment kind of a module's vet report.
pub const VET_REPORT_ATTACHMENT: &str = "vet.json";

/// The largest module pulled.
const MAX_MODULE: u64 = 1 << 30;
/// The largest config, signature or vet report pulled.
const MAX_SMALL_BLOB: u64 = 16 << 20;

/// What [`push`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The reference pushed to, pinned to the new manifest.
    pub reference: OciRef,
    /// The module manifest's digest, `sha256:<hex>`.
    pub manifest_digest: String,
    /// The module's digest as [`ModuleStore`] names it (64 hex digits).
    pub module_digest: String,
    /// Whether a signature was attached.
    pub signature: bool,
    /// Whether a vet report was attached.
    pub vet_report: bool,
}

/// What [`pull`] got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    /// The reference pulled, pinned to the manifest it resolved to.
    pub reference: OciRef,
    /// The module manifest's digest, `sha256:<hex>`.
    pub manifest_digest: String,
    /// The module's digest as [`ModuleStore`] names it (64 hex digits).
    pub module_digest: String,
    /// The store file holding the module.
    pub path: PathBuf,
    /// The module's bytes.
    pub bytes: Vec<u8>,
    /// The signature that came with it (opaque bytes).
    pub signature: Option<Vec<u8>>,
    /// The vet report that came with it (opaque bytes).
    pub vet_report: Option<Vec<u8>>,
    /// True when the registry was not asked: a pinned reference already in
    /// the store.
    pub from_cache: bool,
}

/// Pushes `module` to `reference` (a tag; `latest` when none is given) as a
/// Wasm OCI artifact, with the signature and vet report given attached.
/// Blobs the registry already has are not uploaded again; the same bytes
/// always give the same manifest digest.
pub fn push(
    reference: &OciRef,
    module: &[u8],
    signature: Option<&[u8]>,
    vet_report: Option<&[u8]>,
) -> Result<Pushed, Error> {
    if reference.is_pinned() {
        return Err(Error::OciReference {
            reference: reference.to_string(),
            message: "push takes a tag, not a digest (the digest comes from what is pushed)".into(),
        });
    }
    let reference = OciRef {
        tag: Some(reference.tag.clone().unwrap_or_else(|| "latest".into())),
        ..reference.clone()
    };
    let registry = Registry::new(&reference)?;
    let art = artifact::module_artifact(module);
    registry.put_blob(module)?;
    registry.put_blob(&art.config)?;
    let manifest_digest = registry.put_manifest(reference.manifest_reference(), &art.manifest)?;

    let mut layers: Vec<(&str, &[u8])> = Vec::new();
    if let Some(sig) = signature {
        layers.push((SIGNATURE_MEDIA_TYPE, sig));
    }
    if let Some(report) = vet_report {
        layers.push((VET_REPORT_MEDIA_TYPE, report));
    }
    if !layers.is_empty() {
        registry.put_blob(EMPTY_CONFIG)?;
        for (_, bytes) in &layers {
            registry.put_blob(bytes)?;
        }
        let subject = Descriptor::of(MANIFEST_MEDIA_TYPE, &art.manifest);
        let manifest = artifact::attachments_manifest(subject, &layers);
        registry.put_manifest(&attachments_tag(&manifest_digest), &manifest)?;
    }
    Ok(Pushed {
        reference: reference.pinned(&manifest_digest),
        module_digest: bare(&art.layer.digest).to_string(),
        manifest_digest,
        signature: signature.is_some(),
        vet_report: vet_report.is_some(),
    })
}

/// Pulls the module `reference` names into `store` (usually
/// [`ModuleStore::default_location`]), with its signature and vet report as
/// store attachments `sig` and `vet.json`.
///
/// Every manifest and blob is checked against its digest (a pinned
/// reference's manifest against the pin) and refused, naming the digest,
/// when it does not match. A pinned reference pulled before is served from
/// the store without asking the registry (`from_cache`); anything else
/// needs the registry, and an unreachable one is an
/// [`Error::OciUnreachable`] naming it and the cause.
pub fn pull(reference: &OciRef, store: &ModuleStore) -> Result<Pulled, Error> {
    let index = RefIndex::new(store, reference);
    if let Some(pinned) = &reference.digest {
        if let Some(entry) = index.read(&RefIndex::manifest_key(pinned)) {
            if let Some(bytes) = store.get(&entry.module_digest)? {
                return Ok(Pulled {
                    reference: reference.clone(),
                    path: store.path(&entry.module_digest),
                    signature: store.attachment(&entry.module_digest, SIGNATURE_ATTACHMENT)?,
                    vet_report: store.attachment(&entry.module_digest, VET_REPORT_ATTACHMENT)?,
                    manifest_digest: entry.manifest_digest,
                    module_digest: entry.module_digest,
                    bytes,
                    from_cache: true,
                });
            }
        }
    }

    let registry = Registry::new(reference)?;
    let manifest_bytes = registry
        .get_manifest(reference.manifest_reference())?
        .ok_or_else(|| not_artifact(reference, "no such manifest".into()))?;
    let manifest_digest = artifact::digest_of(&manifest_bytes);
    if let Some(pinned) = &reference.digest {
        if *pinned != manifest_digest {
            return Err(Error::OciDigestMismatch {
                what: format!("manifest of {reference}"),
                expected: pinned.clone(),
                found: manifest_digest,
            });
        }
    }
    let (config, layer) = module_descriptors(reference, &manifest_bytes)?;
    let config = registry.get_blob(&config, "config", MAX_SMALL_BLOB)?;
    check_config(reference, &config, &layer)?;
    let module_digest = bare(&layer.digest).to_string();
    crate::store::check_digest(&module_digest)?;

    let bytes = match store.get(&module_digest) {
        Ok(Some(bytes)) => bytes,
        _ => registry.get_blob(&layer, "module", MAX_MODULE)?,
    };
    store.put(&bytes)?;

    let (signature, vet_report) = pull_attachments(&registry, reference, &manifest_digest)?;
    if let Some(sig) = &signature {
        store.put_attachment(&module_digest, SIGNATURE_ATTACHMENT, sig)?;
    }
    if let Some(report) = &vet_report {
        store.put_attachment(&module_digest, VET_REPORT_ATTACHMENT, report)?;
    }

    let entry = RefEntry {
        manifest_digest: manifest_digest.clone(),
        module_digest: module_digest.clone(),
    };
    index.write(&RefIndex::manifest_key(&manifest_digest), &entry)?;
    if let (Some(tag), None) = (&reference.tag, &reference.digest) {
        index.write(&RefIndex::tag_key(tag), &entry)?;
    }
    Ok(Pulled {
        reference: reference.pinned(&manifest_digest),
        path: store.path(&module_digest),
        manifest_digest,
        module_digest,
        bytes,
        signature,
        vet_report,
        from_cache: false,
    })
}

/// Checks the manifest is a Wasm OCI artifact and returns its config and
/// its one `application/wasm` layer.
fn module_descriptors(
    reference: &OciRef,
    manifest: &[u8],
) -> Result<(Descriptor, Descriptor), Error> {
    let manifest: Manifest = serde_json::from_slice(manifest)
        .map_err(|e| not_artifact(reference, format!("the manifest does not parse: {e}")))?;
    if let Some(media_type) = manifest.media_type.as_deref() {
        if media_type != MANIFEST_MEDIA_TYPE {
            return Err(not_artifact(
                reference,
                format!("the manifest is a {media_type}, not an OCI image manifest"),
            ));
        }
    }
    if manifest.config.media_type != WASM_CONFIG_MEDIA_TYPE {
        return Err(not_artifact(
            reference,
            format!(
                "its config is {}, not {WASM_CONFIG_MEDIA_TYPE}",
                manifest.config.media_type
            ),
        ));
    }
    let config = manifest.config;
    let mut wasm = manifest
        .layers
        .into_iter()
        .filter(|l| l.media_type == WASM_LAYER_MEDIA_TYPE);
    match (wasm.next(), wasm.next()) {
        (Some(layer), None) => Ok((config, layer)),
        (None, _) => Err(not_artifact(
            reference,
            format!("it has no {WASM_LAYER_MEDIA_TYPE} layer"),
        )),
        (Some(_), Some(_)) => Err(not_artifact(
            reference,
            format!("it has more than one {WASM_LAYER_MEDIA_TYPE} layer"),
        )),
    }
}

/// The config must say `architecture: "wasm"` and, when it lists layer
/// digests, list the module's.
fn check_config(reference: &OciRef, config: &[u8], layer: &Descriptor) -> Result<(), Error> {
    let config: serde_json::Value = serde_json::from_slice(config)
        .map_err(|e| not_artifact(reference, format!("its config does not parse: {e}")))?;
    if config["architecture"] != "wasm" {
        return Err(not_artifact(
            reference,
            format!(
                "its config says architecture {}, not \"wasm\"",
                config["architecture"]
            ),
        ));
    }
    if let Some(digests) = config["layerDigests"].as_array() {
        if !digests.iter().any(|d| *d == layer.digest.as_str()) {
            return Err(not_artifact(
                reference,
                format!("its config's layerDigests do not list {}", layer.digest),
            ));
        }
    }
    Ok(())
}

/// The signature and vet report attached to `manifest_digest`, if any.
type Attachments = (Option<Vec<u8>>, Option<Vec<u8>>);

fn pull_attachments(
    registry: &Registry,
    reference: &OciRef,
    manifest_digest: &str,
) -> Result<Attachments, Error> {
    let tag = attachments_tag(manifest_digest);
    let Some(bytes) = registry.get_manifest(&tag)? else {
        return Ok((None, None));
    };
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| not_artifact(reference, format!("attachments `{tag}` do not parse: {e}")))?;
    let subject = manifest.subject.as_ref().map(|s| s.digest.as_str());
    if subject != Some(manifest_digest) {
        return Err(not_artifact(
            reference,
            format!(
                "attachments `{tag}` are for {}, not for {manifest_digest}",
                subject.unwrap_or("no subject")
            ),
        ));
    }
    let mut signature = None;
    let mut vet_report = None;
    for layer in &manifest.layers {
        let (slot, what) = match layer.media_type.as_str() {
            SIGNATURE_MEDIA_TYPE => (&mut signature, "signature"),
            VET_REPORT_MEDIA_TYPE => (&mut vet_report, "vet report"),
            _ => continue,
        };
        *slot = Some(registry.get_blob(layer, what, MAX_SMALL_BLOB)?);
    }
    Ok((signature, vet_report))
}

fn not_artifact(reference: &OciRef, message: String) -> Error {
    // The registry is in the error's own prefix; name the rest.
    let full = reference.to_string();
    let name = full
        .strip_prefix(&format!("oci://{}/", reference.registry))
        .unwrap_or(&full);
    Error::OciRegistry {
        registry: reference.registry.clone(),
        message: format!("{name}: {message}"),
    }
}

/// `hex` of `sha256:hex`.
fn bare(digest: &str) -> &str {
    digest.strip_prefix("sha256:").unwrap_or(digest)
}

/// Which manifest and module a reference resolved to, one small JSON file
/// per tag or manifest digest under `STORE/oci/HOST_PORT/REPO/`, in
/// `_tags/` and `_manifests/` (names a repository segment cannot have, so
/// they never clash with a nested repository).
struct RefIndex {
    dir: PathBuf,
}

#[derive(Debug, Serialize, Deserialize)]
struct RefEntry {
    manifest_digest: String,
    module_digest: String,
}

impl RefIndex {
    fn new(store: &ModuleStore, reference: &OciRef) -> Self {
        let registry: String = reference
            .registry
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        RefIndex {
            dir: store
                .dir()
                .join("oci")
                .join(registry)
                .join(Path::new(&reference.repository)),
        }
    }

    fn manifest_key(digest: &str) -> PathBuf {
        Path::new("_manifests").join(digest.replacen(':', "-", 1))
    }

    fn tag_key(tag: &str) -> PathBuf {
        Path::new("_tags").join(tag)
    }

    fn read(&self, key: &Path) -> Option<RefEntry> {
        let text = std::fs::read(self.dir.join(key)).ok()?;
        serde_json::from_slice(&text).ok()
    }

    fn write(&self, key: &Path, entry: &RefEntry) -> Result<(), Error> {
        let json = serde_json::to_vec_pretty(entry).unwrap_or_default();
        crate::store::write_atomically(&self.dir.join(key), &json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_registry_is_named_with_its_cause() {
        // Port 9 on loopback: nothing listens there on a test machine.
        let store = ModuleStore::new(
            std::env::temp_dir().join(format!("rewasm-oci-unreachable-{}", std::process::id())),
        );
        let r = OciRef::parse("oci://127.0.0.1:9/rewards/x:1").expect("ref");
        let err = pull(&r, &store).expect_err("nothing listens").to_string();
        assert_eq!(err, "cannot reach registry 127.0.0.1:9: connection refused");
        let err = push(&r, b"bytes", None, None)
            .expect_err("nothing listens")
            .to_string();
        assert!(
            err.starts_with("cannot reach registry 127.0.0.1:9"),
            "{err}"
        );
    }

    #[test]
    fn https_without_tls_support_says_so_and_pushing_a_digest_is_refused() {
        if cfg!(feature = "oci-tls") || std::env::var_os("REWASM_OCI_INSECURE").is_some() {
            return;
        }
        let store = ModuleStore::new(std::env::temp_dir().join("rewasm-oci-never-written"));
        let r = OciRef::parse("oci://registry.example/x:1").expect("ref");
        let err = pull(&r, &store).expect_err("https").to_string();
        assert!(
            err.contains("registry.example") && err.contains("https"),
            "{err}"
        );
        let pinned = r.pinned(&format!("sha256:{}", "a".repeat(64)));
        let err = push(&pinned, b"x", None, None)
            .expect_err("pinned")
            .to_string();
        assert!(err.contains("push takes a tag"), "{err}");
    }

    #[test]
    fn index_keys_stay_inside_the_repository_folder() {
        let store = ModuleStore::new("/s");
        let r = OciRef::parse("oci://[::1]:5000/a/b:t").expect("ref");
        let index = RefIndex::new(&store, &r);
        assert_eq!(index.dir, Path::new("/s/oci/___1__5000/a/b"));
        assert_eq!(
            index.dir.join(RefIndex::manifest_key("sha256:ab")),
            Path::new("/s/oci/___1__5000/a/b/_manifests/sha256-ab")
        );
        assert_eq!(
            index.dir.join(RefIndex::tag_key("t")),
            Path::new("/s/oci/___1__5000/a/b/_tags/t")
        );
    }
}
