use std::path::PathBuf;

/// Errors loading or configuring rewards (per-sample scoring failures are
/// [`rewasm_api::RewardError`] values instead).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause (in the message, so not also a `source()`).
        cause: std::io::Error,
    },
    /// The reward-set file is not valid TOML or has unknown keys.
    #[error("{path}: {message}")]
    RewardSetSyntax {
        /// The reward-set file.
        path: PathBuf,
        /// The parser's message (names the key and line).
        message: String,
    },
    /// The reward set is well-formed but wrong (duplicate names, bad limits...).
    #[error("{path}: reward `{reward}`: {message}")]
    RewardSetInvalid {
        /// The reward-set file.
        path: PathBuf,
        /// The reward's name.
        reward: String,
        /// What is wrong.
        message: String,
    },
    /// `plugin = "..."` is neither a built-in nor an existing file.
    #[error("unknown plugin `{0}`: not a built-in ({builtins}) and no such file", builtins = crate::builtin_names().join(", "))]
    UnknownPlugin(String),
    /// The bytes are not a Wasm component wasmtime can compile.
    #[error("{origin}: not a valid Wasm component: {message}")]
    InvalidComponent {
        /// Where the bytes came from.
        origin: String,
        /// wasmtime's message.
        message: String,
    },
    /// The component implements a WIT version this host does not support.
    #[error("{origin}: component exports {found}, but this host supports only {WIT_PACKAGE}/reward@{supported}", WIT_PACKAGE = crate::WIT_PACKAGE)]
    UnsupportedWitVersion {
        /// Where the bytes came from.
        origin: String,
        /// The export the component has.
        found: String,
        /// The version this host implements.
        supported: String,
    },
    /// The component does not export the reward interface at all.
    #[error("{origin}: not a rewasm reward component (no `{WIT_PACKAGE}/reward` export; exports: {exports})", WIT_PACKAGE = crate::WIT_PACKAGE)]
    NotAReward {
        /// Where the bytes came from.
        origin: String,
        /// What it exports instead.
        exports: String,
    },
    /// Instantiating or linking the component failed.
    #[error("{origin}: cannot instantiate: {message}")]
    Instantiate {
        /// Where the bytes came from.
        origin: String,
        /// The cause.
        message: String,
    },
    /// The plugin rejected its config.
    #[error("reward `{reward}`: configure() rejected the config: {message}")]
    Configure {
        /// The reward's name.
        reward: String,
        /// The plugin's message.
        message: String,
    },
    /// A call made while loading (info, configure) failed in the sandbox.
    #[error("reward `{reward}`: {call}() failed: {failure}")]
    LoadCall {
        /// The reward's name.
        reward: String,
        /// The export called.
        call: &'static str,
        /// The sandbox failure (in the message, so not also a `source()`).
        failure: rewasm_api::RewardError,
    },
    /// wasmtime could not be set up.
    #[error("engine: {0}")]
    Engine(String),
    /// A module store file is damaged.
    #[error("{path}: {message}")]
    Store {
        /// The stored file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A digest is not 64 hex digits.
    #[error("`{0}` is not a sha256 digest (64 hex digits)")]
    BadDigest(String),
    /// `plugin = "sha256:..."` names a module no store holds.
    #[error("module sha256:{digest} is in none of the module stores ({stores})")]
    NotStored {
        /// The digest asked for.
        digest: String,
        /// The stores searched.
        stores: String,
    },
    /// A module's digest is not the one the lock file pins.
    #[error("{lock}: reward `{reward}` is locked to sha256 {expected}, but its module is {found}")]
    Drift {
        /// The lock file.
        lock: PathBuf,
        /// The reward.
        reward: String,
        /// The pinned digest.
        expected: String,
        /// The digest of the module found.
        found: String,
    },
    /// `--locked` cannot be honoured (no lock file, reward missing from it).
    #[error("{lock}: {message}")]
    Locked {
        /// The lock file.
        lock: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A module was refused by vetting (capabilities, test vectors).
    #[error("reward `{reward}`: vetting refused the module: {message}")]
    VetRefused {
        /// The reward.
        reward: String,
        /// Why.
        message: String,
    },
    /// A signature or key was refused (see [`crate::SignatureError`]).
    #[error(transparent)]
    Signature(#[from] crate::SignatureError),
    /// An `oci://` reference does not parse, or cannot be used as given.
    #[error("invalid OCI reference `{reference}`: {message}")]
    OciReference {
        /// The reference as written.
        reference: String,
        /// What is wrong with it.
        message: String,
    },
    /// An OCI registry could not be reached (refused, unknown host, timeout).
    #[error("cannot reach registry {registry}: {cause}")]
    OciUnreachable {
        /// `HOST[:PORT]`.
        registry: String,
        /// The cause, e.g. `connection refused`.
        cause: String,
    },
    /// An OCI registry answered with an error, or with something that is
    /// not a Wasm OCI artifact.
    #[error("registry {registry}: {message}")]
    OciRegistry {
        /// `HOST[:PORT]`.
        registry: String,
        /// The request and the registry's error, or what is wrong.
        message: String,
    },
    /// Content from a registry does not hash to the digest naming it.
    #[error(
        "{what}: expected {expected}, but the registry sent bytes hashing to {found}; refused"
    )]
    OciDigestMismatch {
        /// What was fetched, and from where.
        what: String,
        /// The digest asked for, `sha256:<hex>`.
        expected: String,
        /// The digest of what came.
        found: String,
    },
    /// The registry needs https and this build has no TLS.
    #[error("registry {registry} is reached over https, which this build does not support: rebuild with `--features rewasm-runtime/oci-tls`, or set REWASM_OCI_INSECURE=1 if it serves plain http")]
    OciHttpsUnsupported {
        /// `HOST[:PORT]`.
        registry: String,
    },
    /// Test vectors (`rewasm:vectors` or a `--cases` file) or a vet report
    /// are malformed.
    #[error("{origin}: {message}")]
    VetInput {
        /// The file and line, or the module.
        origin: String,
        /// What is wrong.
        message: String,
    },
}
