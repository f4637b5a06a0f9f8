//! `rewasm score`: a reward set over a JSONL of completions.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rewasm_api::{ErrorKind, RewardError, Score};
use rewasm_runtime::{
    LiveOptions, LiveRewardSet, LoadContext, LockFile, RewardEngine, RewardSet, ScoredRow,
    SwapEvent,
};
use serde_json::{json, Map, Value};

use crate::input::{read_rows, stream_rows, BadLine, Row};

#[derive(Args)]
pub struct ScoreArgs {
    /// The reward-set TOML file.
    #[arg(long)]
    rewards: PathBuf,
    /// Input JSONL: {"id", "prompt", "completion", "reference", "metadata", "group"} per line;
    /// `-` reads standard input.
    #[arg(long)]
    input: PathBuf,
    /// Output JSONL (default: stdout). Rows are written as they are scored.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Score the good rows even when some lines are malformed (exit code is
    /// still non-zero).
    #[arg(long)]
    keep_going: bool,
    /// No progress bar.
    #[arg(long)]
    no_progress: bool,
    /// Keep scoring a stream (`--input -` for stdin) while the reward-set
    /// file and its modules may change: a change is compiled and vetted off
    /// the hot path and serves from the next batch; each output row names
    /// the module digests that scored it (`reward_sha256`).
    #[arg(long)]
    watch: bool,
    /// Refuse modules whose sha256 differs from SET.lock (`rewasm lock`).
    #[arg(long)]
    locked: bool,
}

/// Rows scored per round; output is flushed after each.
const CHUNK: usize = 512;

/// The reward set of a scoring run, live under `--watch`.
fn start_rewards(args: &ScoreArgs) -> anyhow::Result<LiveRewardSet> {
    let engine = RewardEngine::new()?;
    let lock = if args.locked {
        Some((
            LockFile::path_for(&args.rewards),
            LockFile::read_for(&args.rewards)?,
        ))
    } else {
        None
    };
    let live = LiveRewardSet::start(
        &engine,
        LoadContext {
            local_judge: Some(crate::chat_model::local_judge_factory()),
            ..LoadContext::for_file(&args.rewards)
        },
        LiveOptions {
            watch: args.watch,
            lock,
            on_event: Some(Arc::new(|e: &SwapEvent| eprintln!("rewards: {e}"))),
            ..LiveOptions::default()
        },
    )?;
    for r in live.current().set.rewards() {
        if let Some(w) = r.plugin.missing_grants_warning() {
            eprintln!("warning: {w}");
        }
    }
    Ok(live)
}

pub fn run(args: ScoreArgs) -> anyhow::Result<ExitCode> {
    if args.watch {
        return watch(args);
    }
    let (rows, bad) = read_rows(&args.input)?;
    for b in &bad {
        eprintln!("{}:{}: {}", args.input.display(), b.line, b.message);
    }
    if !bad.is_empty() && !args.keep_going {
        anyhow::bail!(
            "{} malformed line(s) in {} (first at line {}); nothing was scored (use --keep-going to score the rest)",
            bad.len(),
            args.input.display(),
            bad[0].line
        );
    }

    let live = start_rewards(&args)?;
    let version = live.current();
    let set = &version.set;
    let mut out = open_output(&args)?;

    let bar = if args.no_progress {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(rows.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} scoring [{bar:40}] {pos}/{len} rows ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let start = Instant::now();
    let mut all: Vec<ScoredRow> = Vec::with_capacity(rows.len());
    for chunk in chunks(&rows) {
        let samples: Vec<_> = chunk.iter().map(|r| r.sample.clone()).collect();
        let scored = set.score(&samples);
        for (row, s) in chunk.iter().zip(&scored) {
            serde_json::to_writer(&mut out, &output_row(row, s, None))?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        bar.inc(chunk.len() as u64);
        all.extend(scored);
    }
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    print_summary(set, &all, secs);
    print_judge(&live);

    Ok(if bad.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Splits rows into rounds of about CHUNK, never cutting a run of rows that
/// share a group.
fn chunks(rows: &[Row]) -> Vec<&[Row]> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let mut end = (start + CHUNK).min(rows.len());
        while end < rows.len()
            && rows[end].sample.group.is_some()
            && rows[end].sample.group == rows[end - 1].sample.group
        {
            end += 1;
        }
        out.push(&rows[start..end]);
        start = end;
    }
    out
}

fn open_output(args: &ScoreArgs) -> anyhow::Result<Box<dyn Write>> {
    Ok(match &args.output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// `--watch`: rows are scored as they arrive, in batches of what is there
/// (at most CHUNK); swaps publish between batches.
fn watch(args: ScoreArgs) -> anyhow::Result<ExitCode> {
    let live = start_rewards(&args)?;
    let mut out = open_output(&args)?;
    let rx = stream_rows(&args.input)?;
    let bar = if args.no_progress {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} scoring {pos} rows ({per_sec}) {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let start = Instant::now();
    let mut all: Vec<ScoredRow> = Vec::new();
    let mut bad = 0usize;
    let mut batch_no = 0u64;
    let mut ended = false;
    while !ended {
        // Block for the first row, then take whatever else is there.
        let mut batch: Vec<Row> = Vec::new();
        let mut take = |item: Result<Row, BadLine>, batch: &mut Vec<Row>| match item {
            Ok(r) => batch.push(r),
            Err(b) => {
                bad += 1;
                bar.suspend(|| eprintln!("{}:{}: {}", args.input.display(), b.line, b.message));
            }
        };
        match rx.recv() {
            Ok(item) => take(item, &mut batch),
            Err(_) => break,
        }
        while batch.len() < CHUNK {
            match rx.try_recv() {
                Ok(item) => take(item, &mut batch),
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    // Keep a group whole: wait briefly for the rest of it.
                    if batch.last().is_some_and(|r| r.sample.group.is_some()) {
                        match rx.recv_timeout(Duration::from_millis(50)) {
                            Ok(item) => take(item, &mut batch),
                            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => break,
                            Err(_) => {
                                ended = true;
                                break;
                            }
                        }
                    } else {
                        break;
                    }
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    ended = true;
                    break;
                }
            }
        }
        if batch.is_empty() {
            continue;
        }
        live.publish(batch_no);
        batch_no += 1;
        let version = live.current();
        let digests: Map<String, Value> = version
            .set
            .digests()
            .into_iter()
            .map(|(n, d)| (n, json!(d)))
            .collect();
        let samples: Vec<_> = batch.iter().map(|r| r.sample.clone()).collect();
        let scored = version.set.score(&samples);
        for (row, s) in batch.iter().zip(&scored) {
            serde_json::to_writer(&mut out, &output_row(row, s, Some(&digests)))?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        bar.inc(batch.len() as u64);
        bar.set_message(format!("rewards v{}", version.generation));
        all.extend(scored);
    }
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    print_summary(&live.current().set, &all, secs);
    print_judge(&live);
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!("{bad} malformed line(s) were skipped");
        ExitCode::from(1)
    })
}

fn output_row(row: &Row, scored: &ScoredRow, digests: Option<&Map<String, Value>>) -> Value {
    let mut rewards = Map::new();
    for (name, res) in &scored.rewards {
        rewards.insert(name.clone(), reward_json(res));
    }
    let mut v = json!({ "id": row.id, "total": scored.total, "rewards": rewards });
    if let Some(d) = digests {
        v["reward_sha256"] = Value::Object(d.clone());
    }
    v
}

fn reward_json(res: &Result<Score, RewardError>) -> Value {
    match res {
        Ok(s) => {
            let parts: Map<String, Value> =
                s.parts.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            let mut obj = json!({ "value": s.value, "parts": parts });
            if let Some(n) = &s.note {
                obj["note"] = json!(n);
            }
            obj
        }
        Err(e) => json!({ "error": { "kind": e.kind().as_str(), "message": e.message() } }),
    }
}

/// What the set's judge did, when it has one.
fn print_judge(live: &LiveRewardSet) {
    if let Some(j) = live.judge() {
        let s = j.stats();
        eprintln!(
            "  judge ({}): {} request(s), {} answered from the cache, {} error(s)",
            j.describe(),
            s.requests,
            s.cache_hits,
            s.errors
        );
    }
}

fn print_summary(set: &RewardSet, rows: &[ScoredRow], secs: f64) {
    let n = rows.len();
    eprintln!(
        "scored {n} rows with {} reward(s) in {:.2} s ({:.0} rows/s)",
        set.rewards().len(),
        secs,
        n as f64 / secs.max(1e-9)
    );
    let stats = RewardSet::stats(rows);
    for (reward, (name, st)) in set.rewards().iter().zip(stats) {
        let errors: Vec<String> = ErrorKind::ALL
            .iter()
            .filter_map(|k| st.errors.get(k).map(|c| format!("{k}={c}")))
            .collect();
        eprintln!(
            "  {name:<20} mean {:>8.4} over {:>6} ok   errors: {}   [{} {}]",
            st.mean,
            st.ok,
            if errors.is_empty() {
                "none".to_string()
            } else {
                errors.join(" ")
            },
            reward.plugin.info().name,
            &reward.plugin.digest()[..12],
        );
        let (times, skipped) = reward.plugin.quarantine_stats();
        if times > 0 {
            eprintln!("  {name:<20} was quarantined {times} time(s); {skipped} call(s) skipped");
        }
    }
    let totals: Vec<f64> = rows.iter().filter_map(|r| r.total).collect();
    if !totals.is_empty() {
        let mean = totals.iter().sum::<f64>() / totals.len() as f64;
        eprintln!(
            "  {:<20} mean {:>8.4} over {:>6} rows ({} without a total)",
            "total",
            mean,
            totals.len(),
            n - totals.len()
        );
    }
}
