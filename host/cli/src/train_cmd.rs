//! `rewasm train --config RUN.toml`: GRPO with the run's Wasm reward set.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rewasm_api::RewardFn;
use rewasm_runtime::{
    LiveOptions, LiveRewardSet, LoadContext, LockFile, ModuleStore, RewardEngine, RewardSetFile,
    SwapEvent, Version,
};
use rewasm_trainer::grpo::config::TrainConfig;
use rewasm_trainer::grpo::metrics::StepMetrics;
use rewasm_trainer::grpo::rollout::TrainReward;
use rewasm_trainer::grpo::trainer::{
    checkpoint_reward_state, PolicySource, RewardUpdate, TrainObserver, Trainer,
};
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
    /// Refuse any reward module whose sha256 differs from the set's lock
    /// file (`rewasm lock SET.toml` writes it), at start and on every swap.
    #[arg(long)]
    locked: bool,
    /// Do not watch the reward-set file and its modules (swaps through
    /// `rewasm reward swap --run` still work).
    #[arg(long)]
    no_watch: bool,
}

/// How `train` runs besides the run file.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Continue from the newest checkpoint.
    pub resume: bool,
    /// A progress bar rather than lines.
    pub show_bar: bool,
    /// Refuse modules that drift from the set's lock file.
    pub locked: bool,
    /// Watch the reward-set file and its modules.
    pub watch: bool,
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

/// The trainer's view of a version of the live reward set.
pub fn train_rewards(version: &Version) -> Vec<TrainReward> {
    version
        .set
        .rewards()
        .iter()
        .map(|r| TrainReward {
            name: r.spec.name.clone(),
            weight: r.spec.weight,
            digest: r.plugin.digest().to_string(),
            reward: r.clone() as Arc<dyn RewardFn>,
        })
        .collect()
}

/// Where a run's swap requests go (`rewasm reward swap --run DIR`).
pub fn control_dir(output_dir: &Path) -> PathBuf {
    output_dir.join("control")
}

/// Starts the run's live reward set: the set file as it is now, or, on
/// resume, the modules the checkpoint names (kept in the run's module store).
fn start_rewards(
    cfg: &TrainConfig,
    opts: RunOptions,
    sink: &EventSink,
) -> anyhow::Result<LiveRewardSet> {
    let engine = RewardEngine::new()?;
    let control = control_dir(&cfg.output_dir);
    std::fs::create_dir_all(&control)
        .with_context(|| format!("cannot create {}", control.display()))?;
    let lock = if opts.locked {
        let path = LockFile::path_for(&cfg.rewards);
        Some((path, LockFile::read_for(&cfg.rewards)?))
    } else {
        None
    };
    let sink = sink.clone();
    let live_opts = LiveOptions {
        watch: opts.watch,
        control_dir: Some(control),
        run_store: Some(ModuleStore::new(cfg.output_dir.join("modules"))),
        lock,
        on_event: Some(Arc::new(move |e: &SwapEvent| sink.show(e))),
        ..LiveOptions::default()
    };
    let ctx = LoadContext {
        local_judge: Some(crate::chat_model::local_judge_factory()),
        ..LoadContext::for_file(&cfg.rewards)
    };
    let snapshot = if opts.resume {
        checkpoint_reward_state(&cfg.output_dir)?
    } else {
        None
    };
    let live = match snapshot {
        Some(json) => {
            let file: RewardSetFile = serde_json::from_value(json)
                .context("the checkpoint's reward set is not readable")?;
            let live = LiveRewardSet::restore(&engine, ctx, live_opts, file)?;
            if live.differs_from_file() {
                eprintln!(
                    "note: {} changed since the checkpoint; serving the checkpoint's reward modules \
                     (edit the file again or use `rewasm reward swap` to switch)",
                    cfg.rewards.display()
                );
            }
            live
        }
        None => LiveRewardSet::start(&engine, ctx, live_opts)?,
    };
    for r in live.current().set.rewards() {
        if let Some(w) = r.plugin.missing_grants_warning() {
            eprintln!("warning: {w}");
        }
    }
    Ok(live)
}

/// Shows swap events as they happen: above the progress bar when there is
/// one, and the last refusal on the bar's line until the next publication.
#[derive(Clone, Default)]
pub struct EventSink {
    bar: Arc<Mutex<Option<ProgressBar>>>,
    note: Arc<Mutex<String>>,
}

impl EventSink {
    fn show(&self, e: &SwapEvent) {
        let line = format!("rewards: {e}");
        {
            let mut note = self.note.lock().unwrap_or_else(|p| p.into_inner());
            *note = match e {
                SwapEvent::Published { generation, .. } => format!("rewards v{generation}"),
                SwapEvent::Rejected { reward, reason, .. } => {
                    format!("swap of {reward} refused: {}", first_line(reason))
                }
                SwapEvent::SetError { message } => {
                    format!("reward set not reloaded: {}", first_line(message))
                }
            };
        }
        match &*self.bar.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(b) => b.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn note(&self) -> String {
        self.note.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

fn first_line(s: &str) -> &str {
    let l = s.lines().next().unwrap_or("");
    match l.char_indices().nth(100) {
        Some((i, _)) => &l[..i],
        None => l,
    }
}

/// Shows steps on a progress bar (or as lines) and remembers them.
pub struct Progress {
    bar: Option<ProgressBar>,
    logging_steps: u64,
    live: Option<LiveRewardSet>,
    events: EventSink,
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
        Progress {
            bar,
            logging_steps,
            live: None,
            events: EventSink::default(),
        }
    }

    /// Publishes the live set's swaps at step boundaries and shows its events.
    fn with_rewards(mut self, live: LiveRewardSet, events: EventSink) -> Self {
        *events.bar.lock().unwrap_or_else(|p| p.into_inner()) = self.bar.clone();
        self.live = Some(live);
        self.events = events;
        self
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
                let note = self.events.note();
                b.set_message(if note.is_empty() {
                    line.clone()
                } else {
                    format!("{line}  | {note}")
                });
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

    fn before_step(&mut self, next_step: u64) -> Option<RewardUpdate> {
        let live = self.live.as_ref()?;
        let version = live.publish(next_step - 1)?;
        Some(RewardUpdate {
            rewards: train_rewards(&version),
            state: serde_json::to_value(live.snapshot()).ok(),
        })
    }
}

/// Sets up and runs a configured run; returns the trainer (for its paths)
/// and the metrics of the steps run.
pub fn train(
    cfg: TrainConfig,
    resume: bool,
    show_bar: bool,
) -> anyhow::Result<(Trainer, Vec<StepMetrics>)> {
    train_with(
        cfg,
        RunOptions {
            resume,
            show_bar,
            locked: false,
            watch: true,
        },
    )
}

/// [`train`] with every option.
pub fn train_with(
    cfg: TrainConfig,
    opts: RunOptions,
) -> anyhow::Result<(Trainer, Vec<StepMetrics>)> {
    let resume = opts.resume;
    set_threads(cfg.threads)?;
    let device = pick_device(&cfg.device)?;
    let source =
        PolicySource::from_spec(&cfg.model, |n| resolve_model(n).map_err(|e| e.to_string()))?;
    std::fs::create_dir_all(&cfg.output_dir)
        .with_context(|| format!("cannot create {}", cfg.output_dir.display()))?;
    let events = EventSink::default();
    let live = start_rewards(&cfg, opts, &events)
        .with_context(|| format!("loading the reward set {}", cfg.rewards.display()))?;
    let rewards = train_rewards(&live.current());
    let state = serde_json::to_value(live.snapshot()).ok();
    let logging = cfg.logging_steps;
    let max = cfg.max_steps;
    let mut trainer = Trainer::new(cfg, source, rewards, device, resume)?;
    trainer.set_reward_state(state);
    eprintln!(
        "training on {device}; metrics -> {}{}",
        trainer.metrics_path().display(),
        if resume {
            format!(" (resumed at step {})", trainer.step())
        } else {
            String::new()
        }
    );
    let mut progress =
        Progress::new(max, trainer.step(), opts.show_bar, logging).with_rewards(live, events);
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
    let (_, metrics) = train_with(
        cfg,
        RunOptions {
            resume: args.resume,
            show_bar: !args.no_progress,
            locked: args.locked,
            watch: !args.no_watch,
        },
    )?;
    if let Some(last) = metrics.last() {
        eprintln!("step {}: {}", last.step, step_line(last));
    }
    eprintln!("done: {} (metrics.jsonl, checkpoints/)", out.display());
    Ok(())
}
