//! `rewasm vet`: run every vetting check on a module, print a table, and
//! optionally write (and sign) the JSON report.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use rewasm_runtime::vectors::parse_cases;
use rewasm_runtime::{vet, CheckStatus, RewardEngine, SecretKey, VetOptions, VetReport};

use crate::sign_cmd::ModuleArg;

#[derive(Args)]
pub struct VetArgs {
    /// A built-in reward name or a path to a .wasm component.
    module: String,
    /// More test cases (JSONL, the format of shipped vectors).
    #[arg(long, value_name = "CASES")]
    cases: Option<PathBuf>,
    /// Write the JSON report here (default when signing: MODULE.vet.json).
    #[arg(long, value_name = "OUT")]
    report: Option<PathBuf>,
    /// Sign the report with this secret key.
    #[arg(long, value_name = "KEY")]
    sign: Option<PathBuf>,
    /// Config (a JSON object) for cases without their own and for the other checks.
    #[arg(long, value_name = "JSON")]
    config: Option<String>,
    /// Only the quick checks: WIT version, imports, vectors, determinism.
    #[arg(long)]
    quick: bool,
    /// Wall-clock deadline of each call, in ms.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    timeout_ms: u64,
}

pub fn run(args: VetArgs) -> anyhow::Result<ExitCode> {
    let module = ModuleArg::resolve(&args.module)?;
    let config_json = match &args.config {
        Some(text) => {
            let v: serde_json::Value =
                serde_json::from_str(text).context("--config is not JSON")?;
            if !v.is_object() {
                bail!("--config must be a JSON object");
            }
            v.to_string()
        }
        None => "{}".to_string(),
    };
    let extra_cases = match &args.cases {
        Some(path) => {
            let text = std::fs::read(path).with_context(|| path.display().to_string())?;
            parse_cases(&text, &path.display().to_string())?
        }
        None => Vec::new(),
    };
    let key = args.sign.as_deref().map(SecretKey::read).transpose()?;
    let limits = rewasm_runtime::SandboxLimits {
        timeout_ms: args.timeout_ms,
        ..Default::default()
    };
    limits.validate().map_err(anyhow::Error::msg)?;
    let opts = VetOptions {
        origin: module.origin.clone(),
        config_json,
        limits,
        grants: None,
        extra_cases,
        quick: args.quick,
    };
    let engine = RewardEngine::new()?;
    let mut report = vet(&engine, &module.bytes, &opts)?;
    print_table(&report);

    let report_path = args.report.clone().or_else(|| {
        key.as_ref().map(|_| {
            let mut s = module.sidecar_base.clone().into_os_string();
            s.push(".vet.json");
            PathBuf::from(s)
        })
    });
    if let Some(key) = &key {
        report.sign(key);
    }
    if let Some(path) = &report_path {
        report.write(path)?;
        println!(
            "report: {}{}",
            path.display(),
            key.as_ref().map_or(String::new(), |k| format!(
                " (signed by {})",
                k.public_key()
            ))
        );
    }
    Ok(if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn print_table(r: &VetReport) {
    let m = &r.module;
    println!("vet {}", m.origin);
    println!("  sha256   {} ({} bytes)", m.sha256, m.size);
    if let (Some(name), Some(version)) = (&m.name, &m.version) {
        println!(
            "  module   {name} {version}, exports {}",
            m.wit_export.as_deref().unwrap_or("?")
        );
    }
    println!(
        "  imports  {}",
        if m.imports.is_empty() {
            "none".to_string()
        } else {
            m.imports.join(", ")
        }
    );
    println!(
        "  grants   {}",
        if m.needs_granting.is_empty() {
            "none needed".to_string()
        } else {
            m.needs_granting
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    println!();
    let width = r.checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in &r.checks {
        println!("  {}  {:width$}  {}", c.status.label(), c.name, c.summary);
        for p in c.problems.iter().take(10) {
            println!("        - {p}");
        }
        if c.problems.len() > 10 {
            println!("        - ... and {} more", c.problems.len() - 10);
        }
    }
    let failed: Vec<_> = r.vectors.iter().filter(|c| !c.passed).collect();
    if !failed.is_empty() {
        println!();
        println!("  failed cases:");
        for c in failed {
            println!("    {} ({}): got {}", c.name, c.source, c.got.describe());
        }
    }
    println!();
    let verdict = if r.passed { "PASSED" } else { "FAILED" };
    let skipped = r
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Skipped)
        .count();
    if skipped > 0 {
        println!("vetting {verdict} ({skipped} check(s) skipped)");
    } else {
        println!("vetting {verdict}");
    }
}
