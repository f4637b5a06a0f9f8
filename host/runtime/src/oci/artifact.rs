//! The documents of a reward module in a registry: the Wasm OCI artifact
//! (CNCF TAG-Runtime layout, which wkg and other component tools read) and
//! rewasm's attachments manifest (signature and vet report).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// OCI image manifest, the only manifest kind rewasm writes or reads.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The config of a Wasm OCI artifact.
pub const WASM_CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The one layer of a Wasm OCI artifact: the component's bytes.
pub const WASM_LAYER_MEDIA_TYPE: &str = "application/wasm";
/// `artifactType` of the manifest carrying a module's signature and vet report.
pub const ATTACHMENTS_ARTIFACT_TYPE: &str = "application/vnd.rewasm.attachments.v1";
/// The signature layer (rewasm's signature JSON, opaque here).
pub const SIGNATURE_MEDIA_TYPE: &str = "application/vnd.rewasm.signature.v1+json";
/// The vet report layer (rewasm's vet report JSON, opaque here).
pub const VET_REPORT_MEDIA_TYPE: &str = "application/vnd.rewasm.vet-report.v1+json";
/// The OCI "empty" config of an artifact manifest: the two bytes `{}`.
pub const EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
pub(crate) const EMPTY_CONFIG: &[u8] = b"{}";

/// A content descriptor: what a manifest says about one blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

impl Descriptor {
    pub fn of(media_type: &str, bytes: &[u8]) -> Self {
        Descriptor {
            media_type: media_type.to_string(),
            digest: digest_of(bytes),
            size: bytes.len() as u64,
            annotations: None,
        }
    }
}

/// An OCI image manifest. Unknown fields are ignored on read: other tools
/// add their own.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Manifest {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    pub config: Descriptor,
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
}

/// The config blob of a Wasm OCI artifact.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WasmConfig {
    /// Fixed at the Unix epoch, so pushing the same bytes twice gives the
    /// same manifest digest (and the attachments tag stays valid).
    pub created: String,
    pub architecture: String,
    /// `wasip2` for a component, `wasip1` for a core module.
    pub os: String,
    pub layer_digests: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<ComponentInfo>,
}

/// The `component` field of the config: the component's top-level import
/// and export names.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ComponentInfo {
    pub exports: Vec<String>,
    pub imports: Vec<String>,
}

/// The blobs and manifest of a module ready to push.
pub(crate) struct ModuleArtifact {
    pub config: Vec<u8>,
    pub manifest: Vec<u8>,
    pub layer: Descriptor,
}

/// Builds the config and manifest of a Wasm OCI artifact for `module`.
pub(crate) fn module_artifact(module: &[u8]) -> ModuleArtifact {
    let layer = Descriptor::of(WASM_LAYER_MEDIA_TYPE, module);
    let component = component_info(module);
    let config = WasmConfig {
        created: "1970-01-01T00:00:00Z".into(),
        architecture: "wasm".into(),
        os: if component.is_some() {
            "wasip2"
        } else {
            "wasip1"
        }
        .into(),
        layer_digests: vec![layer.digest.clone()],
        component,
    };
    let config = to_json(&config);
    let manifest = Manifest {
        schema_version: 2,
        media_type: Some(MANIFEST_MEDIA_TYPE.into()),
        artifact_type: None,
        config: Descriptor::of(WASM_CONFIG_MEDIA_TYPE, &config),
        layers: vec![layer.clone()],
        subject: None,
    };
    ModuleArtifact {
        manifest: to_json(&manifest),
        config,
        layer,
    }
}

/// The attachments manifest of the module manifest `subject`: one layer per
/// attachment given, `(media type, bytes)`.
pub(crate) fn attachments_manifest(subject: Descriptor, layers: &[(&str, &[u8])]) -> Vec<u8> {
    to_json(&Manifest {
        schema_version: 2,
        media_type: Some(MANIFEST_MEDIA_TYPE.into()),
        artifact_type: Some(ATTACHMENTS_ARTIFACT_TYPE.into()),
        config: Descriptor::of(EMPTY_MEDIA_TYPE, EMPTY_CONFIG),
        layers: layers
            .iter()
            .map(|(media_type, bytes)| Descriptor::of(media_type, bytes))
            .collect(),
        subject: Some(subject),
    })
}

/// The tag of the attachments of the manifest `sha256:<hex>`: the
/// referrers tag schema (`sha256-<hex>`) with a `.rewasm` suffix, for
/// registries without the referrers API.
pub fn attachments_tag(manifest_digest: &str) -> String {
    format!("{}.rewasm", manifest_digest.replacen(':', "-", 1))
}

/// `sha256:<hex>` of `bytes`.
pub(crate) fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", crate::cache::sha256_hex(bytes))
}

fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing these plain structs cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

/// The top-level import and export names of a component; `None` for a core
/// module or bytes that do not parse.
pub(crate) fn component_info(bytes: &[u8]) -> Option<ComponentInfo> {
    use wasmparser::{Encoding, Parser, Payload};
    let mut info = ComponentInfo::default();
    // parse_all walks nested modules and components too; each starts with
    // a Version and closes with an End.
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.ok()? {
            Payload::Version { encoding, .. } => {
                if depth == 0 && encoding != Encoding::Component {
                    return None;
                }
                depth += 1;
            }
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 1 => {
                for import in reader {
                    info.imports.push(import.ok()?.name.name.to_string());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 1 => {
                for export in reader {
                    info.exports.push(export.ok()?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Some(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_artifact_follows_the_wasm_oci_layout() {
        let component = wat::parse_str(
            r#"(component
                (import "rewasm:reward/host@0.1.0" (instance))
                (core module $m (func (export "f")))
                (core instance $i (instantiate $m))
                (func $f (canon lift (core func $i "f")))
                (instance $r (export "f" (func $f)))
                (export "rewasm:reward/reward@0.1.0" (instance $r)))"#,
        )
        .expect("wat");
        let a = module_artifact(&component);
        let m: serde_json::Value = serde_json::from_slice(&a.manifest).expect("json");
        assert_eq!(m["schemaVersion"], 2);
        assert_eq!(m["mediaType"], MANIFEST_MEDIA_TYPE);
        assert_eq!(m["config"]["mediaType"], WASM_CONFIG_MEDIA_TYPE);
        assert_eq!(m["config"]["digest"], digest_of(&a.config));
        assert_eq!(m["layers"].as_array().map(Vec::len), Some(1));
        assert_eq!(m["layers"][0]["mediaType"], WASM_LAYER_MEDIA_TYPE);
        assert_eq!(m["layers"][0]["digest"], digest_of(&component));
        assert_eq!(m["layers"][0]["size"], component.len());
        let c: serde_json::Value = serde_json::from_slice(&a.config).expect("json");
        assert_eq!(c["architecture"], "wasm");
        assert_eq!(c["os"], "wasip2");
        assert_eq!(c["layerDigests"][0], digest_of(&component));
        assert_eq!(c["component"]["imports"][0], "rewasm:reward/host@0.1.0");
        assert_eq!(c["component"]["exports"][0], "rewasm:reward/reward@0.1.0");
        // Same bytes, same manifest: pushes are reproducible.
        assert_eq!(module_artifact(&component).manifest, a.manifest);

        let core = wat::parse_str("(module)").expect("wat");
        let c: serde_json::Value =
            serde_json::from_slice(&module_artifact(&core).config).expect("json");
        assert_eq!(c["os"], "wasip1");
        assert!(c.get("component").is_none());
    }

    #[test]
    fn attachments_point_at_their_subject() {
        let subject = Descriptor::of(MANIFEST_MEDIA_TYPE, b"manifest");
        let m = attachments_manifest(subject.clone(), &[(SIGNATURE_MEDIA_TYPE, b"sig")]);
        let m: Manifest = serde_json::from_slice(&m).expect("json");
        assert_eq!(m.artifact_type.as_deref(), Some(ATTACHMENTS_ARTIFACT_TYPE));
        assert_eq!(m.subject, Some(subject.clone()));
        assert_eq!(m.config.digest, digest_of(b"{}"));
        assert_eq!(m.layers[0].media_type, SIGNATURE_MEDIA_TYPE);
        assert_eq!(
            attachments_tag(&subject.digest),
            format!("sha256-{}.rewasm", &subject.digest[7..])
        );
    }
}
