//! `rewasm demo`: the README's main command. GRPO on SmolLM2-135M-Instruct
//! (pulled on first use) with the built-in math-accuracy, format and
//! length-bonus plugins, on a bundled arithmetic task; sized for about ten
//! minutes on two CPU cores, and bigger on a GPU. It writes the run's
//! files, metrics, a checkpoint and the plot, then prints the first- and
//! last-quarter reward and where everything is.

mod task;

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use rewasm_trainer::grpo::config::TrainConfig;
use rewasm_trainer::grpo::metrics::StepMetrics;
use rewasm_trainer::Device;

use crate::train_cmd::{pick_device, train};

/// The model the demo trains.
pub const MODEL: &str = "smollm2-135m-instruct";
/// Rows in the bundled task, and the seed they are drawn from.
const TASK_ROWS: usize = 400;
const TASK_SEED: u64 = 2026;

const RUN_CPU: &str = include_str!("../../../examples/demo/run.toml");
const RUN_GPU: &str = include_str!("../../../examples/demo/run-gpu.toml");
const REWARDS: &str = include_str!("../../../examples/demo/rewards.toml");

#[derive(Args)]
pub struct DemoArgs {
    /// Where the run goes [default: runs/demo, or runs/demo-2, -3, ... when
    /// that already holds a run].
    #[arg(long)]
    output_dir: Option<PathBuf>,
    /// cpu, cuda, cuda:N or auto (a GPU when there is one).
    #[arg(long, default_value = "auto")]
    device: String,
    /// Overrides the number of steps (CPU: 24, GPU: 100).
    #[arg(long)]
    max_steps: Option<u64>,
    /// Continue the run in --output-dir from its newest checkpoint.
    #[arg(long, requires = "output_dir")]
    resume: bool,
    /// Print one line per logged step instead of a progress bar.
    #[arg(long)]
    no_progress: bool,
    /// CPU threads for libtorch (default: every core).
    #[arg(long)]
    threads: Option<i32>,
}

/// The first free `BASE/runs/demo`, `BASE/runs/demo-2`, ... (a folder
/// without metrics or checkpoints counts as free).
fn fresh_output_dir(base: &Path) -> PathBuf {
    let used = |p: &Path| p.join("checkpoints").exists() || p.join("metrics.jsonl").exists();
    let mut n = 1;
    loop {
        let p = if n == 1 {
            base.join("runs/demo")
        } else {
            base.join(format!("runs/demo-{n}"))
        };
        if !used(&p) {
            return p;
        }
        n += 1;
    }
}

/// The run file as written into the run folder: `output_dir` points at
/// the folder itself, so `rewasm train --config DIR/run.toml --resume`
/// continues it.
fn run_file_for_folder(template: &str) -> String {
    template
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("output_dir") {
                "output_dir = \".\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The bundled task as JSONL: the same rows as examples/demo/data.jsonl
/// (a test keeps the two equal).
fn task_jsonl() -> String {
    task::rows(TASK_ROWS, TASK_SEED)
        .iter()
        .map(|r| format!("{r}\n"))
        .collect()
}

/// Writes run.toml, rewards.toml and data.jsonl into `dir` (kept as they
/// are on --resume, so a resumed run trains on what it started with).
fn write_run_files(dir: &Path, run: &str, resume: bool) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let data = task_jsonl();
    let files = [
        ("run.toml", run_file_for_folder(run)),
        ("rewards.toml", REWARDS.to_string()),
        ("data.jsonl", data),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        if resume && path.exists() {
            continue;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(dir.join("run.toml"))
}

/// Mean of `f` over the first and the last quarter of `rows` (at least one
/// row each); `None` where no row has a value.
fn quarters(
    rows: &[StepMetrics],
    f: impl Fn(&StepMetrics) -> Option<f64>,
) -> (Option<f64>, Option<f64>) {
    let q = (rows.len() / 4).max(1).min(rows.len());
    let mean = |part: &[StepMetrics]| {
        let v: Vec<f64> = part.iter().filter_map(&f).collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    (mean(&rows[..q]), mean(&rows[rows.len() - q..]))
}

fn fmt(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:+.3}"))
}

/// The summary printed at the end: first- vs last-quarter means of the
/// total and of each reward.
pub fn summary(rows: &[StepMetrics]) -> String {
    let Some(last) = rows.last() else {
        return "no steps were run".into();
    };
    let q = (rows.len() / 4).max(1);
    let (first_total, last_total) = quarters(rows, |m| m.reward_mean);
    let mut out = format!(
        "reward, mean of the first quarter (steps {}-{}) -> last quarter (steps {}-{}): {} -> {}\n",
        rows[0].step,
        rows[q - 1].step,
        rows[rows.len() - q].step,
        last.step,
        fmt(first_total),
        fmt(last_total),
    );
    for name in last.rewards.keys() {
        let (a, b) = quarters(rows, |m| m.rewards.get(name).and_then(|r| r.mean));
        out += &format!("  {name:<12} {} -> {}\n", fmt(a), fmt(b));
    }
    out
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let device = pick_device(&args.device)?;
    let out = args
        .output_dir
        .clone()
        .unwrap_or_else(|| fresh_output_dir(Path::new("")));
    let run = match device {
        Device::Cpu => RUN_CPU,
        Device::Cuda(_) => RUN_GPU,
    };
    crate::model_cmd::ensure_pulled(MODEL, !args.no_progress)?;
    let run_file = write_run_files(&out, run, args.resume)?;
    let mut cfg = TrainConfig::read(&run_file)?;
    cfg.device = device.to_string();
    if let Some(n) = args.max_steps {
        anyhow::ensure!(n >= 1, "--max-steps must be at least 1");
        cfg.max_steps = n;
    }
    if args.threads.is_some() {
        cfg.threads = args.threads;
    }
    eprintln!(
        "demo: GRPO on {MODEL}, {} steps of {} prompts x {} completions; run files in {}",
        cfg.max_steps,
        cfg.prompts_per_step,
        cfg.num_generations,
        out.display()
    );
    let (trainer, _) = train(cfg, args.resume, !args.no_progress)?;
    let metrics = trainer.metrics_path().to_path_buf();
    let rows = rewasm_trainer::grpo::metrics::read_steps(&metrics)
        .with_context(|| format!("reading {}", metrics.display()))?;
    let plot = out.join("curves.png");
    crate::plot::plot_file(&metrics, &plot)?;
    let checkpoint = rewasm_trainer::checkpoint::latest(&out)?
        .map(|c| c.dir.display().to_string())
        .unwrap_or_else(|| "none".into());
    print!("{}", summary(&rows));
    println!("metrics:    {}", metrics.display());
    println!("checkpoint: {checkpoint}");
    println!("plot:       {}", plot.display());
    println!(
        "run files:  {} (continue with: rewasm demo --resume --output-dir {})",
        out.join("run.toml").display(),
        out.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_copy_of_a_run_file_points_at_itself() {
        for run in [RUN_CPU, RUN_GPU] {
            let text = run_file_for_folder(run);
            let cfg = TrainConfig::parse(&text, Path::new("runs/demo/run.toml")).expect("parses");
            assert_eq!(cfg.output_dir, PathBuf::from("runs/demo"));
            assert_eq!(cfg.dataset, PathBuf::from("runs/demo/data.jsonl"));
            assert_eq!(cfg.rewards, PathBuf::from("runs/demo/rewards.toml"));
        }
    }

    #[test]
    fn the_bundled_data_is_what_the_generator_makes() {
        let made = task_jsonl();
        if std::env::var_os("REWASM_WRITE_DEMO_DATA").is_some() {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo/data.jsonl");
            std::fs::write(&path, &made).expect("writing examples/demo/data.jsonl");
            return;
        }
        assert!(
            made == include_str!("../../../examples/demo/data.jsonl"),
            "examples/demo/data.jsonl differs from the generator; rewrite it with \
             `REWASM_WRITE_DEMO_DATA=1 cargo test -p rewasm demo`"
        );
    }

    #[test]
    fn a_used_run_folder_is_not_reused() {
        let base =
            std::env::temp_dir().join(format!("rewasm-demo-fresh-dir-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        assert_eq!(fresh_output_dir(&base), base.join("runs/demo"));
        std::fs::create_dir_all(base.join("runs/demo")).expect("mkdir");
        assert_eq!(
            fresh_output_dir(&base),
            base.join("runs/demo"),
            "empty counts as free"
        );
        std::fs::write(base.join("runs/demo/metrics.jsonl"), "").expect("write");
        assert_eq!(fresh_output_dir(&base), base.join("runs/demo-2"));
        std::fs::create_dir_all(base.join("runs/demo-2/checkpoints")).expect("mkdir");
        assert_eq!(fresh_output_dir(&base), base.join("runs/demo-3"));
    }

    #[test]
    fn quarters_split_the_rows() {
        let row = |step: u64, r: f64| {
            let mut m: StepMetrics = serde_json::from_value(serde_json::json!({
                "step": step, "reward_mean": r, "reward_std": 0.0, "rewards": {},
                "kl": 0.0, "loss": 0.0, "clip_fraction": 0.0, "entropy": 0.0,
                "completion_length_mean": 0.0, "completion_length_max": 0,
                "truncated_fraction": 0.0, "zero_variance_fraction": 0.0,
                "tokens_per_s": 0.0, "step_s": 0.0, "generation_s": 0.0, "reward_s": 0.0,
                "reward_wait_s": 0.0, "train_s": 0.0, "lr": 0.0, "grad_norm": 0.0,
                "rounds": 1, "reward_sha256": {}
            }))
            .expect("row");
            m.step = step;
            m
        };
        let rows: Vec<_> = (1..=8).map(|s| row(s, s as f64)).collect();
        assert_eq!(quarters(&rows, |m| m.reward_mean), (Some(1.5), Some(7.5)));
        let one = [row(1, 2.0)];
        assert_eq!(quarters(&one, |m| m.reward_mean), (Some(2.0), Some(2.0)));
        assert!(
            summary(&rows).contains("+1.500 -> +7.500"),
            "{}",
            summary(&rows)
        );
    }
}
