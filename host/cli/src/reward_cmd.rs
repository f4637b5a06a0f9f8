//! `rewasm reward swap --run DIR NAME SOURCE` (hot swap in a running
//! `rewasm train`) and `rewasm lock SET.toml`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use rewasm_runtime::{builtin_names, LoadContext, LockFile};

use crate::train_cmd::control_dir;

#[derive(Subcommand)]
pub enum RewardCommand {
    /// Swap one reward of a running `rewasm train` to another module. The
    /// run compiles and vets it off the hot path and serves it from its next
    /// step; a module that fails leaves the old one serving.
    Swap(SwapArgs),
}

#[derive(Args)]
pub struct SwapArgs {
    /// The run's output_dir.
    #[arg(long = "run")]
    run: PathBuf,
    /// The reward's name in the set.
    name: String,
    /// The new module: a .wasm path, a built-in name, or sha256:<hex> (a
    /// module of the run's or the user's module store).
    source: String,
    /// Seconds to wait for the run to publish (or refuse) the swap.
    #[arg(long, default_value_t = 900)]
    timeout: u64,
    /// Return once the request is queued, without waiting.
    #[arg(long)]
    no_wait: bool,
}

#[derive(Args)]
pub struct LockArgs {
    /// The reward-set TOML file; SET.lock is written beside it.
    set: PathBuf,
}

pub fn run(cmd: RewardCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RewardCommand::Swap(args) => swap(args),
    }
}

/// The pid of the process serving the run's control folder, if it is alive.
fn serving_pid(control: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(control.join("live.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let pid = v["pid"].as_u64()? as u32;
    Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
}

/// A path becomes absolute (the run resolves it, from another folder);
/// built-in names and digests stay as they are.
fn resolve_source(source: &str) -> anyhow::Result<String> {
    if source.starts_with("sha256:")
        || source.starts_with("oci://")
        || builtin_names().contains(&source)
    {
        return Ok(source.to_string());
    }
    let p = Path::new(source);
    if !p.is_file() {
        bail!(
            "{source}: no such file (and not a built-in: {})",
            builtin_names().join(", ")
        );
    }
    Ok(std::fs::canonicalize(p)
        .with_context(|| format!("cannot resolve {source}"))?
        .display()
        .to_string())
}

fn swap(args: SwapArgs) -> anyhow::Result<ExitCode> {
    let control = control_dir(&args.run);
    let Some(pid) = serving_pid(&control) else {
        bail!(
            "no run is serving {}: {} is missing or its process has ended (start the run with `rewasm train`)",
            args.run.display(),
            control.join("live.json").display()
        );
    };
    let source = resolve_source(&args.source)?;
    let id = format!(
        "{}-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis()),
        std::process::id()
    );
    let body = serde_json::json!({"id": id, "reward": args.name, "source": source});
    let tmp = control.join(format!("{id}.request.tmp"));
    std::fs::write(&tmp, body.to_string())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, control.join(format!("{id}.swap.json")))
        .with_context(|| format!("cannot queue the request in {}", control.display()))?;
    eprintln!(
        "queued: `{}` -> {source} (run pid {pid}, request {id})",
        args.name
    );
    if args.no_wait {
        return Ok(ExitCode::SUCCESS);
    }
    let answer_path = control.join(format!("{id}.result.json"));
    let t = Instant::now();
    let answer: serde_json::Value = loop {
        if let Ok(text) = std::fs::read_to_string(&answer_path) {
            let _ = std::fs::remove_file(&answer_path);
            break serde_json::from_str(&text)
                .with_context(|| format!("{}: unreadable answer", answer_path.display()))?;
        }
        if serving_pid(&control).is_none() {
            bail!("the run stopped before answering request {id}");
        }
        if t.elapsed() > Duration::from_secs(args.timeout) {
            bail!(
                "no answer after {} s; the request stays queued and is taken at the run's next step boundary",
                args.timeout
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let msg = answer["message"].as_str().unwrap_or("");
    if answer["ok"] == true {
        println!(
            "swapped `{}` to sha256:{}: serving from step {} (rewards v{}); {msg}",
            args.name,
            answer["digest"].as_str().unwrap_or("?"),
            answer["boundary"].as_u64().map_or(0, |b| b + 1),
            answer["generation"].as_u64().unwrap_or(0),
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("refused; the old module keeps serving: {msg}");
        Ok(ExitCode::from(1))
    }
}

pub fn lock(args: LockArgs) -> anyhow::Result<ExitCode> {
    let lock = LockFile::create(&args.set, &LoadContext::for_file(&args.set))?;
    let path = lock.write_for(&args.set)?;
    for r in &lock.reward {
        println!("{:<20} sha256:{}  {}", r.name, r.sha256, r.source);
    }
    eprintln!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}
