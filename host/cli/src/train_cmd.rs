//! `rewasm train --config RUN.toml`: GRPO with the run's Wasm reward set.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rewasm_api::RewardFn;
use rewasm_runtime::{RewardEngine, RewardSet};
use rewasm_trainer::grpo::config::TrainConfig;
use rewasm_trainer::grpo::metrics::StepMetrics;
use rewasm_trainer::grpo::rollout::TrainReward;
use rewasm_trainer::grpo::trainer::{PolicySource, TrainObserver, Trainer};
use rewasm_trainer::Device;

use crate::generate_cmd::{resolve_model, set_threads};

#[derive(Args)]
pub struct TrainArgs {
    /// The run file (see the README for every key).
    #[arg(long)]
    config: PathBuf,
    /// Continue the run from the newest checkpoint in its output_dir.
    #[arg(long)]
    resume: bool,
    /// Print one line per logged step instead of a progress bar.
    #[arg(long)]
    no_progress: bool,
    /// Overrides the run file's output_dir.
    #[arg(long)]
    output_dir: Option<PathBuf>,
    /// Overrides the run file's max_steps.
    #[arg(long)]
    max_steps: Option<u64>,
    /// Overrides the run file's save_steps.
    #[arg(long)]
    save_steps: Option<u64>,
}

/// The device a config asks for; `auto` is the first GPU when there is one.
pub fn pick_device(name: &str) -> anyhow::Result<Device> {
    if name == "auto" {
        return Ok(if rewasm_trainer::cuda_available() {
            Device::Cuda(0)
        } else {
            Device::Cpu
        });
    }
    Ok(name.parse()?)
}

/// Loads the reward set's plugins for the trainer.
pub fn load_rewards(path: &std::path::Path) -> anyhow::Result<Vec<TrainReward>> {
    let engine = RewardEngine::new()?;
    let set = RewardSet::load(&engine, path)?;
    Ok(set
        .into_rewards()
        .into_iter()
        .map(|r| TrainReward {
            name: r.spec.name.clone(),
            weight: r.spec.weight,
            digest: r.plugin.digest().to_string(),
            reward: r as Arc<dyn RewardFn>,
        })
        .collect())
}

/// Shows steps on a progress bar (or as lines) and remembers them.
pub struct Progress {
    bar: Option<ProgressBar>,
    logging_steps: u64,
}

impl Progress {
    pub fn new(total: u64, done: u64, show_bar: bool, logging_steps: u64) -> Self {
        let bar = show_bar.then(|| {
            let pb = ProgressBar::new(total);
            pb.set_style(
                ProgressStyle::with_template(
                    "{spinner} step {pos}/{len} [{bar:30}] {elapsed_precise} (eta {eta}) {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            pb.set_position(done);
            pb
        });
        Progress { bar, logging_steps }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish();
        }
    }
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.3}"))
}

fn step_line(m: &StepMetrics) -> String {
    let errors: usize = m.rewards.values().map(|r| r.errors).sum();
    format!(
        "reward {} ± {}  kl {:.4}  len {:.1}  {:.0} tok/s  {:.1} s/step{}",
        fmt_opt(m.reward_mean),
        fmt_opt(m.reward_std),
        m.kl,
        m.completion_length_mean,
        m.tokens_per_s,
        m.step_s,
        if errors > 0 {
            format!("  reward errors {errors}")
        } else {
            String::new()
        }
    )
}

impl TrainObserver for Progress {
    fn on_step(&mut self, m: &StepMetrics) {
        let line = step_line(m);
        match &self.bar {
            Some(b) => {
                b.set_position(m.step);
                b.set_message(line.clone());
                if m.step.is_multiple_of(self.logging_steps.max(1)) && self.logging_steps > 1 {
                    b.println(format!("step {}: {line}", m.step));
                }
            }
            None => {
                if m.step.is_multiple_of(self.logging_steps.max(1)) {
                    eprintln!("step {}: {line}", m.step);
                }
            }
        }
    }

    fn on_message(&mut self, message: &str) {
        match &self.bar {
            Some(b) => b.println(message),
            None => eprintln!("{message}"),
        }
    }
}

/// Sets up and runs a configured run; returns the trainer (for its paths)
/// and the metrics of the steps run.
pub fn train(
    cfg: TrainConfig,
    resume: bool,
    show_bar: bool,
) -> anyhow::Result<(Trainer, Vec<StepMetrics>)> {
    set_threads(cfg.threads)?;
    let device = pick_device(&cfg.device)?;
    let source =
        PolicySource::from_spec(&cfg.model, |n| resolve_model(n).map_err(|e| e.to_string()))?;
    let rewards = load_rewards(&cfg.rewards)
        .with_context(|| format!("loading the reward set {}", cfg.rewards.display()))?;
    let logging = cfg.logging_steps;
    let max = cfg.max_steps;
    let mut trainer = Trainer::new(cfg, source, rewards, device, resume)?;
    eprintln!(
        "training on {device}; metrics -> {}{}",
        trainer.metrics_path().display(),
        if resume {
            format!(" (resumed at step {})", trainer.step())
        } else {
            String::new()
        }
    );
    let mut progress = Progress::new(max, trainer.step(), show_bar, logging);
    let metrics = trainer.run(&mut progress)?;
    progress.finish();
    Ok((trainer, metrics))
}

pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    let mut cfg = TrainConfig::read(&args.config)?;
    if let Some(d) = args.output_dir {
        cfg.output_dir = d;
    }
    if let Some(n) = args.max_steps {
        anyhow::ensure!(n >= 1, "--max-steps must be at least 1");
        cfg.max_steps = n;
    }
    if let Some(n) = args.save_steps {
        cfg.save_steps = n;
    }
    let out = cfg.output_dir.clone();
    let (_, metrics) = train(cfg, args.resume, !args.no_progress)?;
    if let Some(last) = metrics.last() {
        eprintln!("step {}: {}", last.step, step_line(last));
    }
    eprintln!("done: {} (metrics.jsonl, checkpoints/)", out.display());
    Ok(())
}
