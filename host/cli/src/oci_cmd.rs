//! `rewasm push` and `rewasm pull`: share reward modules through an OCI
//! registry, as Wasm OCI artifacts with their signature and vet report
//! attached.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use rewasm_runtime::oci::{self, OciRef};
use rewasm_runtime::{ModuleSource, ModuleStore};

#[derive(clap::Args)]
pub struct PushArgs {
    /// The module: a .wasm component file or a built-in reward name.
    module: String,
    /// Where to: oci://HOST[:PORT]/REPO[:TAG] (the tag defaults to `latest`).
    reference: String,
    /// A signature file to attach [default: MODULE.sig, when it exists].
    #[arg(long, value_name = "FILE")]
    sig: Option<PathBuf>,
    /// A vet report to attach [default: MODULE.vet.json, when it exists].
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Attach nothing, even when the sidecar files exist.
    #[arg(long, conflicts_with_all = ["sig", "report"])]
    no_attachments: bool,
}

#[derive(clap::Args)]
pub struct PullArgs {
    /// oci://HOST[:PORT]/REPO[:TAG][@sha256:HEX]; a pinned reference pulled
    /// before is served from the module store without the registry.
    reference: String,
    /// Also write the module to FILE (and its attachments to FILE.sig and
    /// FILE.vet.json).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn push(args: PushArgs) -> anyhow::Result<()> {
    let reference = OciRef::parse(&args.reference)?;
    let source = ModuleSource::resolve(&args.module, Path::new("."))?;
    let bytes = source.bytes()?;
    if !is_component(&bytes) {
        bail!("{}: not a Wasm component", source.origin());
    }
    let sidecar = |explicit: &Option<PathBuf>, suffix: &str| -> Option<PathBuf> {
        if args.no_attachments {
            return None;
        }
        explicit.clone().or_else(|| {
            let file = source.file()?;
            let mut name = file.as_os_str().to_owned();
            name.push(suffix);
            Some(PathBuf::from(name)).filter(|p| p.is_file())
        })
    };
    let sig_file = sidecar(&args.sig, ".sig");
    let report_file = sidecar(&args.report, ".vet.json");
    let read = |p: &Option<PathBuf>| -> anyhow::Result<Option<Vec<u8>>> {
        p.as_ref()
            .map(|p| std::fs::read(p).with_context(|| format!("{}", p.display())))
            .transpose()
    };
    let sig = read(&sig_file)?;
    let report = read(&report_file)?;

    let pushed = oci::push(&reference, &bytes, sig.as_deref(), report.as_deref())?;
    println!("pushed     {}", pushed.reference);
    println!(
        "module     sha256:{} ({} bytes)",
        pushed.module_digest,
        bytes.len()
    );
    println!("signature  {}", attached(&sig_file));
    println!("vet report {}", attached(&report_file));
    Ok(())
}

pub fn pull(args: PullArgs) -> anyhow::Result<()> {
    let reference = OciRef::parse(&args.reference)?;
    let store = ModuleStore::default_location();
    let pulled = oci::pull(&reference, &store)?;
    println!(
        "module     sha256:{} ({} bytes)",
        pulled.module_digest,
        pulled.bytes.len()
    );
    println!("reference  {}", pulled.reference);
    println!(
        "stored     {}{}",
        pulled.path.display(),
        if pulled.from_cache {
            " (from cache; the registry was not asked)"
        } else {
            ""
        }
    );
    println!(
        "signature  {}",
        if pulled.signature.is_some() {
            "yes"
        } else {
            "none"
        }
    );
    println!(
        "vet report {}",
        if pulled.vet_report.is_some() {
            "yes"
        } else {
            "none"
        }
    );
    if let Some(out) = &args.out {
        let write = |path: &Path, bytes: &[u8]| {
            std::fs::write(path, bytes).with_context(|| format!("{}", path.display()))
        };
        write(out, &pulled.bytes)?;
        let with = |suffix: &str, bytes: &Option<Vec<u8>>| -> anyhow::Result<()> {
            if let Some(bytes) = bytes {
                let mut name = out.as_os_str().to_owned();
                name.push(suffix);
                write(Path::new(&name), bytes)?;
            }
            Ok(())
        };
        with(".sig", &pulled.signature)?;
        with(".vet.json", &pulled.vet_report)?;
        println!("written    {}", out.display());
    }
    Ok(())
}

fn attached(file: &Option<PathBuf>) -> String {
    match file {
        Some(p) => format!("attached ({})", p.display()),
        None => "none".into(),
    }
}

/// A component binary: `\0asm`, a version, then layer 1.
fn is_component(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && bytes[..4] == *b"\0asm" && bytes[6..8] == [1, 0]
}
