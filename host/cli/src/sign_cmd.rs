//! `rewasm key generate`, `rewasm sign`, `rewasm verify` and `rewasm
//! vectors`: keys, module signatures, and the test vectors a module ships.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use rewasm_runtime::vectors;
use rewasm_runtime::{
    module_digest, signature_path, trusted_keys_from_user_config, ModuleSignature, ModuleSource,
    PublicKey, SecretKey, VetReport,
};

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Generate an Ed25519 key pair: NAME.key (secret, mode 0600) and
    /// NAME.pub (`ed25519:<hex>`, what reward sets list in `trusted_keys`).
    Generate {
        /// Path and name of the pair, without extension.
        #[arg(long, value_name = "NAME")]
        out: PathBuf,
    },
}

#[derive(Args)]
pub struct SignArgs {
    /// The module: a path to a .wasm component (or a built-in name).
    module: String,
    /// The secret key file (from `rewasm key generate`).
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// Where to write the signature (default: MODULE.sig).
    #[arg(long, value_name = "SIG")]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The module whose signature to check (with --report: the module the
    /// report must be about).
    module: Option<String>,
    /// The signature file (default: MODULE.sig).
    #[arg(long, value_name = "SIG")]
    sig: Option<PathBuf>,
    /// A trusted key, `ed25519:<hex>` or a .pub file (repeatable); the keys in
    /// $REWASM_HOME/trusted_keys are trusted too.
    #[arg(long = "trust", value_name = "KEY")]
    trust: Vec<String>,
    /// Check a signed vet report instead of a module signature.
    #[arg(long, value_name = "REPORT")]
    report: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum VectorsCommand {
    /// Write a copy of MODULE that ships the test cases of VECTORS (JSONL) in
    /// its `rewasm:vectors` custom section (replacing any it had).
    Embed {
        /// The component.
        module: PathBuf,
        /// The cases, one JSON object per line.
        vectors: PathBuf,
        /// The component to write (may be MODULE itself).
        #[arg(short = 'o', long, value_name = "OUT")]
        out: PathBuf,
    },
    /// Print the test cases a module ships (JSONL).
    Show {
        /// A built-in reward name or a path to a .wasm component.
        module: String,
    },
}

/// A module named on the command line: its bytes, how to name it, and the
/// path its sidecar files (`.sig`, `.vet.json`) go beside.
pub struct ModuleArg {
    pub origin: String,
    pub bytes: Vec<u8>,
    pub sidecar_base: PathBuf,
}

impl ModuleArg {
    /// A path, or a built-in name (whose sidecars go in the current folder).
    pub fn resolve(arg: &str) -> anyhow::Result<Self> {
        let source = ModuleSource::resolve(arg, Path::new("."))?;
        let bytes = source.bytes()?.into_owned();
        let sidecar_base = match &source {
            ModuleSource::File(p) => p.clone(),
            _ => PathBuf::from(arg),
        };
        Ok(ModuleArg {
            origin: source.origin(),
            bytes,
            sidecar_base,
        })
    }

    pub fn digest(&self) -> String {
        module_digest(&self.bytes)
    }
}

pub fn key(cmd: KeyCommand) -> anyhow::Result<()> {
    match cmd {
        KeyCommand::Generate { out } => {
            let secret = with_extension(&out, "key");
            let public = with_extension(&out, "pub");
            if public.exists() {
                bail!("{} exists; not overwriting a key", public.display());
            }
            let key = SecretKey::generate()?;
            key.write_new(&secret)?;
            std::fs::write(&public, format!("{}\n", key.public_key()))
                .with_context(|| public.display().to_string())?;
            println!("{}", key.public_key());
            eprintln!(
                "wrote {} (secret, keep it private) and {}",
                secret.display(),
                public.display()
            );
            Ok(())
        }
    }
}

pub fn sign(args: SignArgs) -> anyhow::Result<()> {
    let module = ModuleArg::resolve(&args.module)?;
    let key = SecretKey::read(&args.key)?;
    let sig = ModuleSignature::sign(&key, &module.digest())?;
    let out = args
        .out
        .unwrap_or_else(|| signature_path(&module.sidecar_base));
    sig.write(&out)?;
    eprintln!(
        "signed {} (sha256 {}) with {} -> {}",
        module.origin,
        module.digest(),
        sig.key,
        out.display()
    );
    Ok(())
}

pub fn verify(args: VerifyArgs) -> anyhow::Result<()> {
    let mut trusted = trusted_keys_from_user_config();
    for t in &args.trust {
        let key = if t.starts_with("ed25519:") {
            PublicKey::parse(t)?
        } else {
            PublicKey::read(Path::new(t))?
        };
        if !trusted.contains(&key) {
            trusted.push(key);
        }
    }
    if let Some(path) = &args.report {
        let report = VetReport::read(path)?;
        let signer = report
            .verify_signature(&trusted)
            .with_context(|| format!("{}: signature refused", path.display()))?;
        if let Some(m) = &args.module {
            let module = ModuleArg::resolve(m)?;
            if module.digest() != report.module.sha256 {
                bail!(
                    "{} is about module sha256:{}, but {} is sha256:{}",
                    path.display(),
                    report.module.sha256,
                    module.origin,
                    module.digest()
                );
            }
        }
        println!(
            "ok: vet report on {} (sha256 {}) signed by {signer}; vetting {}",
            report.module.origin,
            report.module.sha256,
            if report.passed { "passed" } else { "FAILED" }
        );
        return Ok(());
    }
    let Some(m) = &args.module else {
        bail!("name a module to verify (or --report REPORT)");
    };
    let module = ModuleArg::resolve(m)?;
    let sig_path = args
        .sig
        .clone()
        .unwrap_or_else(|| signature_path(&module.sidecar_base));
    let signer = ModuleSignature::read(&sig_path)
        .and_then(|sig| sig.verify(&module.digest(), &trusted))
        .with_context(|| format!("{}: signature refused", module.origin))?;
    println!(
        "ok: {} (sha256 {}) signed by {signer}",
        module.origin,
        module.digest()
    );
    Ok(())
}

pub fn vectors(cmd: VectorsCommand) -> anyhow::Result<()> {
    match cmd {
        VectorsCommand::Embed {
            module,
            vectors: cases,
            out,
        } => {
            let bytes = std::fs::read(&module).with_context(|| module.display().to_string())?;
            let jsonl = std::fs::read(&cases).with_context(|| cases.display().to_string())?;
            let parsed = vectors::parse_cases(&jsonl, &cases.display().to_string())?;
            let with = vectors::embed(&bytes, &jsonl)
                .with_context(|| format!("{}: cannot embed", module.display()))?;
            std::fs::write(&out, &with).with_context(|| out.display().to_string())?;
            eprintln!(
                "wrote {} ({} bytes, {} test case(s) in `{}`)",
                out.display(),
                with.len(),
                parsed.len(),
                vectors::SECTION_NAME
            );
            Ok(())
        }
        VectorsCommand::Show { module } => {
            let module = ModuleArg::resolve(&module)?;
            match vectors::extract(&module.bytes) {
                Some(jsonl) => {
                    print!("{}", String::from_utf8_lossy(jsonl));
                    Ok(())
                }
                None => bail!("{} ships no test vectors", module.origin),
            }
        }
    }
}

fn with_extension(base: &Path, ext: &str) -> PathBuf {
    let mut s = base.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}
