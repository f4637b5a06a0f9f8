//! Ed25519 signatures of reward modules (and of vet reports).
//!
//! A module signature is a small JSON file beside the module, `MODULE.sig`:
//! ```json
//! {"version":1,"module_sha256":"<hex>","key":"ed25519:<hex>","signature":"<hex>"}
//! ```
//! The signed message is `b"rewasm module signature v1\0"` followed by the
//! module's sha256 in lowercase hex, so a signature names exactly one module
//! and cannot be replayed as a signature of anything else (a vet report is
//! signed under its own prefix).
//!
//! Keys: `rewasm key generate --out NAME` writes `NAME.key` (the secret,
//! mode 0600, one line `rewasm-ed25519-secret-key <64 hex>`) and `NAME.pub`
//! (one line `ed25519:<64 hex>`). Public keys are written `ed25519:<hex>`
//! everywhere: in `.pub` files, in reward sets' `trusted_keys`, and in
//! `$REWASM_HOME/trusted_keys` (one per line, `#` starts a comment).

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// Prefix of the message a module signature signs (then the hex digest).
const MODULE_DOMAIN: &[u8] = b"rewasm module signature v1\0";
/// First word of a secret key file.
const SECRET_KEY_TAG: &str = "rewasm-ed25519-secret-key";
/// Prefix of a public key's text form.
const PUBLIC_KEY_PREFIX: &str = "ed25519:";

/// Why a signature (or a key) was refused. Each refusal is its own variant,
/// so a caller can tell "nobody signed this" from "somebody tampered with it".
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// The module has no signature file.
    #[error("{origin}: not signed (no signature file)")]
    Unsigned {
        /// The module, or the signature file that is missing.
        origin: String,
    },
    /// The signature names another module: the bytes changed after signing.
    #[error("the signature is for module sha256:{signed}, but the module is sha256:{actual} (its bytes changed after signing)")]
    DigestMismatch {
        /// The digest the signature names.
        signed: String,
        /// The digest of the module at hand.
        actual: String,
    },
    /// The signature does not verify under the key it names.
    #[error("the signature does not verify under its key {key} (the signature or the signed data was altered)")]
    BadSignature {
        /// The key the signature names.
        key: PublicKey,
    },
    /// A valid signature, by a key nobody said to trust.
    #[error("signed by {key}, which is not a trusted key (trust it in the reward set's `trusted_keys` or in $REWASM_HOME/trusted_keys)")]
    UntrustedKey {
        /// The signer's key.
        key: PublicKey,
    },
    /// A signature, key or trusted-keys file that cannot be read as one.
    #[error("{origin}: {message}")]
    Malformed {
        /// The file or text.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// A key or signature file could not be read or written.
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause (in the message, so not also a `source()`).
        cause: std::io::Error,
    },
    /// The operating system gave no randomness for a new key.
    #[error("cannot generate a key: {0}")]
    Random(String),
}

/// An Ed25519 public key, written `ed25519:<64 hex>`. Holds the 32 bytes of
/// a point checked when the key was made (small, so errors that name a key
/// stay small).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    /// Parses `ed25519:<64 hex>` (surrounding whitespace allowed).
    pub fn parse(text: &str) -> Result<Self, SignatureError> {
        let text = text.trim();
        let bad = |message: String| SignatureError::Malformed {
            origin: format!("public key `{}`", shorten(text)),
            message,
        };
        let hex_part = text
            .strip_prefix(PUBLIC_KEY_PREFIX)
            .ok_or_else(|| bad(format!("expected `{PUBLIC_KEY_PREFIX}<64 hex digits>`")))?;
        let bytes: [u8; 32] = decode_hex(hex_part)
            .ok_or_else(|| bad(format!("expected `{PUBLIC_KEY_PREFIX}` and 64 hex digits")))?;
        VerifyingKey::from_bytes(&bytes)
            .map(|_| PublicKey(bytes))
            .map_err(|_| bad("not a valid Ed25519 point".into()))
    }

    /// Reads a `.pub` file (its first non-comment line).
    pub fn read(path: &Path) -> Result<Self, SignatureError> {
        let text = read_text(path)?;
        let line = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .find(|l| !l.is_empty())
            .ok_or_else(|| SignatureError::Malformed {
                origin: path.display().to_string(),
                message: "no public key in the file".into(),
            })?;
        Self::parse(line).map_err(|e| SignatureError::Malformed {
            origin: path.display().to_string(),
            message: e.to_string(),
        })
    }

    /// Whether `signature` is this key's signature of `domain` + `message`.
    pub(crate) fn verifies(&self, domain: &[u8], message: &[u8], signature: &[u8; 64]) -> bool {
        let mut signed = Vec::with_capacity(domain.len() + message.len());
        signed.extend_from_slice(domain);
        signed.extend_from_slice(message);
        VerifyingKey::from_bytes(&self.0).is_ok_and(|key| {
            key.verify_strict(&signed, &Signature::from_bytes(signature))
                .is_ok()
        })
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PUBLIC_KEY_PREFIX}{}", hex::encode(self.0))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for PublicKey {
    type Err = SignatureError;
    fn from_str(s: &str) -> Result<Self, SignatureError> {
        Self::parse(s)
    }
}

impl Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// An Ed25519 secret key. Its `Debug` does not show the key.
pub struct SecretKey(SigningKey);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({})", self.public_key())
    }
}

impl SecretKey {
    /// A new key from the operating system's randomness.
    pub fn generate() -> Result<Self, SignatureError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| SignatureError::Random(e.to_string()))?;
        let key = SecretKey(SigningKey::from_bytes(&seed));
        seed.fill(0);
        Ok(key)
    }

    /// Parses the text of a `.key` file: `rewasm-ed25519-secret-key <64 hex>`.
    pub fn parse(text: &str, origin: &str) -> Result<Self, SignatureError> {
        let bad = |message: &str| SignatureError::Malformed {
            origin: origin.to_string(),
            message: message.to_string(),
        };
        let mut words = text.split_whitespace();
        if words.next() != Some(SECRET_KEY_TAG) {
            return Err(bad(&format!(
                "not a rewasm secret key (expected `{SECRET_KEY_TAG} <64 hex digits>`)"
            )));
        }
        let seed: [u8; 32] = words
            .next()
            .and_then(decode_hex)
            .ok_or_else(|| bad("the secret key is not 64 hex digits"))?;
        if words.next().is_some() {
            return Err(bad("unexpected text after the secret key"));
        }
        Ok(SecretKey(SigningKey::from_bytes(&seed)))
    }

    /// Reads a `.key` file.
    pub fn read(path: &Path) -> Result<Self, SignatureError> {
        Self::parse(&read_text(path)?, &path.display().to_string())
    }

    /// The `.key` file text.
    pub fn to_text(&self) -> String {
        format!("{SECRET_KEY_TAG} {}\n", hex::encode(self.0.to_bytes()))
    }

    /// Writes the key to a new file readable only by its owner (0600 on
    /// Unix). An existing file is never overwritten.
    pub fn write_new(&self, path: &Path) -> Result<(), SignatureError> {
        use std::io::Write;
        let io = |cause| SignatureError::Io {
            path: path.to_path_buf(),
            cause,
        };
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(path).map_err(io)?;
        f.write_all(self.to_text().as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// Signs `domain` + `message`.
    pub(crate) fn sign_raw(&self, domain: &[u8], message: &[u8]) -> [u8; 64] {
        let mut signed = Vec::with_capacity(domain.len() + message.len());
        signed.extend_from_slice(domain);
        signed.extend_from_slice(message);
        self.0.sign(&signed).to_bytes()
    }
}

/// The contents of a `MODULE.sig` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleSignature {
    /// Format version, 1.
    pub version: u32,
    /// sha256 of the signed module, lowercase hex.
    pub module_sha256: String,
    /// The signer's public key.
    pub key: PublicKey,
    /// The Ed25519 signature, hex.
    #[serde(with = "hex_signature")]
    pub signature: [u8; 64],
}

impl ModuleSignature {
    /// Signs the module whose sha256 is `module_digest` (64 hex digits).
    pub fn sign(key: &SecretKey, module_digest: &str) -> Result<Self, SignatureError> {
        let digest = normalise_digest(module_digest)?;
        Ok(ModuleSignature {
            version: 1,
            signature: key.sign_raw(MODULE_DOMAIN, digest.as_bytes()),
            module_sha256: digest,
            key: key.public_key(),
        })
    }

    /// Parses a signature file's bytes; `origin` names it in errors.
    pub fn parse(bytes: &[u8], origin: &str) -> Result<Self, SignatureError> {
        let bad = |message: String| SignatureError::Malformed {
            origin: origin.to_string(),
            message,
        };
        let sig: ModuleSignature = serde_json::from_slice(bytes)
            .map_err(|e| bad(format!("not a rewasm module signature: {e}")))?;
        if sig.version != 1 {
            return Err(bad(format!(
                "signature format version {} (this host reads version 1)",
                sig.version
            )));
        }
        normalise_digest(&sig.module_sha256).map_err(|e| bad(e.to_string()))?;
        Ok(sig)
    }

    /// Reads a signature file. A missing file is [`SignatureError::Unsigned`].
    pub fn read(path: &Path) -> Result<Self, SignatureError> {
        match std::fs::read(path) {
            Ok(bytes) => Self::parse(&bytes, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(SignatureError::Unsigned {
                origin: path.display().to_string(),
            }),
            Err(cause) => Err(SignatureError::Io {
                path: path.to_path_buf(),
                cause,
            }),
        }
    }

    /// The signature file's text (one line of JSON and a newline).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Writes the signature file (replacing an older one).
    pub fn write(&self, path: &Path) -> Result<(), SignatureError> {
        crate::store::write_atomically(path, self.to_json().as_bytes()).map_err(|e| match e {
            crate::Error::Io { path, cause } => SignatureError::Io { path, cause },
            other => SignatureError::Malformed {
                origin: path.display().to_string(),
                message: other.to_string(),
            },
        })
    }

    /// Checks this signature against the module at hand and the keys the
    /// caller trusts, and returns the signer's key. In this order: the
    /// signature must name `module_digest` ([`SignatureError::DigestMismatch`]),
    /// verify under the key it names ([`SignatureError::BadSignature`]), and
    /// that key must be in `trusted` ([`SignatureError::UntrustedKey`]).
    pub fn verify(
        &self,
        module_digest: &str,
        trusted: &[PublicKey],
    ) -> Result<PublicKey, SignatureError> {
        let actual = normalise_digest(module_digest)?;
        if !self.module_sha256.eq_ignore_ascii_case(&actual) {
            return Err(SignatureError::DigestMismatch {
                signed: self.module_sha256.to_ascii_lowercase(),
                actual,
            });
        }
        if !self
            .key
            .verifies(MODULE_DOMAIN, actual.as_bytes(), &self.signature)
        {
            return Err(SignatureError::BadSignature { key: self.key });
        }
        if !trusted.contains(&self.key) {
            return Err(SignatureError::UntrustedKey { key: self.key });
        }
        Ok(self.key)
    }
}

/// The sha256 of a module's bytes, lowercase hex: what signatures, pins,
/// lock files and vet reports name it by.
pub fn module_digest(bytes: &[u8]) -> String {
    crate::cache::sha256_hex(bytes)
}

/// Where a module file's signature lives: `MODULE.sig` (the whole file name
/// plus `.sig`, e.g. `reward.wasm.sig`).
pub fn signature_path(module: &Path) -> PathBuf {
    let mut name = module.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

/// Verifies a module's bytes against its sidecar signature file (see
/// [`signature_path`]) and the trusted keys; returns the signer's key. What
/// loading a reward set with `require_signature` does for a module file.
pub fn verify_module(
    bytes: &[u8],
    signature_file: &Path,
    trusted: &[PublicKey],
) -> Result<PublicKey, SignatureError> {
    ModuleSignature::read(signature_file)?.verify(&crate::cache::sha256_hex(bytes), trusted)
}

/// The keys listed in `$REWASM_HOME/trusted_keys` (one `ed25519:<hex>` per
/// line, `#` starts a comment). A missing file trusts nothing. Lines that are
/// not keys are skipped with a warning on stderr: an unreadable entry only
/// ever trusts less.
pub fn trusted_keys_from_user_config() -> Vec<PublicKey> {
    let path = crate::rewasm_home().join("trusted_keys");
    match read_trusted_keys(&path) {
        Ok(keys) => keys,
        Err(e) => {
            eprintln!("warning: {e}");
            lenient_trusted_keys(&path)
        }
    }
}

/// Reads a trusted-keys file strictly: every non-comment line must be a key.
/// A missing file is an empty list.
pub fn read_trusted_keys(path: &Path) -> Result<Vec<PublicKey>, SignatureError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(cause) => {
            return Err(SignatureError::Io {
                path: path.to_path_buf(),
                cause,
            })
        }
    };
    let mut keys = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let key = PublicKey::parse(line).map_err(|e| SignatureError::Malformed {
            origin: format!("{}:{}", path.display(), i + 1),
            message: e.to_string(),
        })?;
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    Ok(keys)
}

fn lenient_trusted_keys(path: &Path) -> Vec<PublicKey> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut keys = Vec::new();
    for line in text.lines() {
        if let Ok(key) = PublicKey::parse(line.split('#').next().unwrap_or("")) {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

/// Lowercase 64-hex-digit digest, or an error.
pub(crate) fn normalise_digest(digest: &str) -> Result<String, SignatureError> {
    if digest.len() == 64 && digest.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(digest.to_ascii_lowercase())
    } else {
        Err(SignatureError::Malformed {
            origin: format!("digest `{}`", shorten(digest)),
            message: "not a sha256 digest (64 hex digits)".into(),
        })
    }
}

fn decode_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let bytes = hex::decode(text).ok()?;
    bytes.try_into().ok()
}

fn read_text(path: &Path) -> Result<String, SignatureError> {
    std::fs::read_to_string(path).map_err(|cause| SignatureError::Io {
        path: path.to_path_buf(),
        cause,
    })
}

fn shorten(text: &str) -> String {
    let mut s: String = text.chars().take(80).collect();
    if s.len() < text.len() {
        s.push_str("...");
    }
    s
}

/// Serde of a 64-byte signature as 128 hex digits.
pub(crate) mod hex_signature {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(sig: &[u8; 64], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(sig))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
        let text = String::deserialize(d)?;
        super::decode_hex(&text)
            .ok_or_else(|| serde::de::Error::custom("the signature is not 128 hex digits"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(bytes: &[u8]) -> String {
        crate::cache::sha256_hex(bytes)
    }

    #[test]
    fn sign_verify_round_trip_through_the_file_format() {
        let key = SecretKey::generate().unwrap();
        let d = digest(b"module");
        let sig = ModuleSignature::sign(&key, &d).unwrap();
        let text = sig.to_json();
        assert!(
            text.starts_with("{\"version\":1,\"module_sha256\":\""),
            "{text}"
        );
        let back = ModuleSignature::parse(text.as_bytes(), "x.sig").unwrap();
        assert_eq!(back, sig);
        let signer = back.verify(&d, &[key.public_key()]).unwrap();
        assert_eq!(signer, key.public_key());
        // The digest may be given in upper case.
        assert!(back
            .verify(&d.to_ascii_uppercase(), &[key.public_key()])
            .is_ok());
    }

    #[test]
    fn tampered_module_is_a_digest_mismatch() {
        let key = SecretKey::generate().unwrap();
        let sig = ModuleSignature::sign(&key, &digest(b"module")).unwrap();
        let err = sig
            .verify(&digest(b"module!"), &[key.public_key()])
            .unwrap_err();
        assert!(
            matches!(err, SignatureError::DigestMismatch { .. }),
            "{err}"
        );
        // Rewriting the named digest to match does not help: the signature breaks.
        let mut forged = sig.clone();
        forged.module_sha256 = digest(b"module!");
        let err = forged
            .verify(&digest(b"module!"), &[key.public_key()])
            .unwrap_err();
        assert!(matches!(err, SignatureError::BadSignature { .. }), "{err}");
    }

    #[test]
    fn wrong_key_is_untrusted_and_a_swapped_key_is_a_bad_signature() {
        let signer = SecretKey::generate().unwrap();
        let other = SecretKey::generate().unwrap();
        let d = digest(b"module");
        let sig = ModuleSignature::sign(&signer, &d).unwrap();
        let err = sig.verify(&d, &[other.public_key()]).unwrap_err();
        match &err {
            SignatureError::UntrustedKey { key } => assert_eq!(*key, signer.public_key()),
            e => panic!("{e}"),
        }
        assert!(err.to_string().contains(&signer.public_key().to_string()));
        let err = sig.verify(&d, &[]).unwrap_err();
        assert!(matches!(err, SignatureError::UntrustedKey { .. }));
        let mut swapped = sig;
        swapped.key = other.public_key();
        let err = swapped.verify(&d, &[other.public_key()]).unwrap_err();
        assert!(matches!(err, SignatureError::BadSignature { .. }), "{err}");
    }

    #[test]
    fn garbage_signature_files_are_malformed() {
        for garbage in [
            &b""[..],
            b"not json",
            b"{}",
            b"{\"version\":2,\"module_sha256\":\"00\",\"key\":\"ed25519:00\",\"signature\":\"00\"}",
            b"\xff\xfe",
        ] {
            let err = ModuleSignature::parse(garbage, "x.sig").unwrap_err();
            assert!(
                matches!(err, SignatureError::Malformed { ref origin, .. } if origin == "x.sig"),
                "{err}"
            );
        }
        let key = SecretKey::generate().unwrap();
        let good = ModuleSignature::sign(&key, &digest(b"m"))
            .unwrap()
            .to_json();
        let extra = good.replace("{\"version\"", "{\"extra\":1,\"version\"");
        assert!(ModuleSignature::parse(extra.as_bytes(), "x").is_err());
        let short = good.replace("\"signature\":\"", "\"signature\":\"0");
        assert!(ModuleSignature::parse(short.as_bytes(), "x").is_err());
        let missing = std::env::temp_dir().join("rewasm-no-such-file.sig");
        assert!(matches!(
            ModuleSignature::read(&missing),
            Err(SignatureError::Unsigned { .. })
        ));
    }

    #[test]
    fn key_texts_round_trip_and_bad_ones_are_refused() {
        let key = SecretKey::generate().unwrap();
        let back = SecretKey::parse(&key.to_text(), "k").unwrap();
        assert_eq!(back.public_key(), key.public_key());
        assert!(!format!("{key:?}").contains(&hex::encode(key.0.to_bytes())));
        let pubtext = key.public_key().to_string();
        assert!(pubtext.starts_with("ed25519:") && pubtext.len() == 8 + 64);
        assert_eq!(PublicKey::parse(&pubtext).unwrap(), key.public_key());
        assert!(PublicKey::parse(&pubtext[8..]).is_err());
        assert!(PublicKey::parse("ed25519:zz").is_err());
        assert!(SecretKey::parse(&pubtext, "k").is_err());
        assert!(SecretKey::parse("rewasm-ed25519-secret-key 00", "k").is_err());
    }

    #[test]
    fn trusted_keys_file_skips_comments_and_names_bad_lines() {
        let dir = std::env::temp_dir().join(format!("rewasm-sign-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = SecretKey::generate().unwrap().public_key();
        let b = SecretKey::generate().unwrap().public_key();
        let path = dir.join("trusted_keys");
        std::fs::write(&path, format!("# team keys\n{a}  # alice\n\n{b}\n{a}\n")).unwrap();
        assert_eq!(read_trusted_keys(&path).unwrap(), vec![a, b]);
        std::fs::write(&path, format!("{a}\nnot-a-key\n")).unwrap();
        let err = read_trusted_keys(&path).unwrap_err().to_string();
        assert!(err.contains(":2"), "{err}");
        assert_eq!(lenient_trusted_keys(&path), vec![a]);
        assert!(read_trusted_keys(&dir.join("none")).unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn secret_key_file_is_private_and_not_overwritten() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("rewasm-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.key");
        let key = SecretKey::generate().unwrap();
        key.write_new(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(key.write_new(&path).is_err());
        assert_eq!(
            SecretKey::read(&path).unwrap().public_key(),
            key.public_key()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
