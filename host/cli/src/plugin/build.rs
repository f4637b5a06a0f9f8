//! `rewasm build [DIR]`: install the language's toolchain if it is missing,
//! build the component, embed the project's test vectors, and vet it.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Args;
use indicatif::HumanBytes;
use rewasm_runtime::vectors::{self, parse_cases};
use rewasm_runtime::{module_digest, vet, RewardEngine, VetOptions};

use super::project::Project;

#[derive(Args)]
pub struct BuildArgs {
    /// The plugin project (the folder with rewasm-plugin.toml).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Where to write the component (default: DIR/dist/NAME.wasm).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Skip vetting the built module.
    #[arg(long)]
    no_vet: bool,
}

/// What a build produced.
#[derive(Debug)]
pub struct Built {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub vectors: usize,
    pub took: std::time::Duration,
}

pub fn run(args: BuildArgs) -> anyhow::Result<ExitCode> {
    let project = Project::open(&args.dir)?;
    let built = build(&project, args.out.as_deref())?;
    println!(
        "built {} ({}, {} plugin, {} test vectors, sha256:{}) in {:.1} s",
        built.path.display(),
        HumanBytes(built.bytes.len() as u64),
        project.manifest.lang,
        built.vectors,
        module_digest(&built.bytes),
        built.took.as_secs_f64()
    );
    if args.no_vet {
        return Ok(ExitCode::SUCCESS);
    }
    let engine = RewardEngine::new()?;
    let opts = VetOptions {
        origin: built.path.display().to_string(),
        config_json: "{}".to_string(),
        limits: rewasm_runtime::SandboxLimits::default(),
        grants: None,
        extra_cases: Vec::new(),
        quick: false,
    };
    let report = vet(&engine, &built.bytes, &opts)?;
    crate::vet_cmd::print_table(&report);
    if report.passed {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "error: {} was built but does not pass vetting",
            built.path.display()
        );
        Ok(ExitCode::from(1))
    }
}

/// Builds `project` into `out` (default `dist/NAME.wasm`).
pub fn build(project: &Project, out: Option<&Path>) -> anyhow::Result<Built> {
    let started = Instant::now();
    let name = &project.manifest.name;
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| project.dir.join("dist").join(format!("{name}.wasm")));
    // Read and check the vectors first: a typo there should not cost a build.
    let vectors = match project.vectors()? {
        Some(path) => {
            let text =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let cases = parse_cases(&text, &path.display().to_string())?;
            Some((text, cases.len()))
        }
        None => None,
    };
    project.write_generated()?;
    let gen = project.generated();
    let raw = gen.join("out").join(format!("{name}.wasm"));
    std::fs::create_dir_all(gen.join("out"))?;
    let _ = std::fs::remove_file(&raw);

    let mut cmd = Command::new("bash");
    cmd.arg(gen.join("toolchain.sh"))
        .arg("build")
        .arg(absolute(&project.dir)?)
        .arg(absolute(&raw)?);
    if std::env::var_os("REWASM_TOOLCHAINS").is_none() {
        cmd.env(
            "REWASM_TOOLCHAINS",
            rewasm_runtime::rewasm_home().join("toolchains"),
        );
    }
    let status = cmd
        .status()
        .context("cannot run bash (rewasm build runs the toolchain scripts with it)")?;
    if !status.success() {
        bail!(
            "the {} build of {} failed ({status}); its output is above",
            project.manifest.lang,
            project.dir.display()
        );
    }
    let bytes =
        std::fs::read(&raw).with_context(|| format!("the build wrote no {}", raw.display()))?;
    if !(bytes.len() >= 8 && bytes[..4] == *b"\0asm" && bytes[4..8] == [0x0d, 0, 0x01, 0]) {
        bail!("{} is not a Wasm component", raw.display());
    }
    let (bytes, count) = match vectors {
        Some((text, count)) => (vectors::embed(&bytes, &text)?, count),
        None => (bytes, 0),
    };
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let tmp = out.with_extension("wasm.tmp");
    std::fs::write(&tmp, &bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &out).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(Built {
        path: out,
        bytes,
        vectors: count,
        took: started.elapsed(),
    })
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))
}
