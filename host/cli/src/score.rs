//! `rewasm score`: a reward set over a JSONL of completions.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rewasm_api::{ErrorKind, RewardError, Score};
use rewasm_runtime::{RewardEngine, RewardSet, ScoredRow};
use serde_json::{json, Map, Value};

use crate::input::{read_rows, Row};

#[derive(Args)]
pub struct ScoreArgs {
    /// The reward-set TOML file.
    #[arg(long)]
    rewards: PathBuf,
    /// Input JSONL: {"id", "prompt", "completion", "reference", "metadata", "group"} per line.
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
}

/// Rows scored per round; output is flushed after each.
const CHUNK: usize = 512;

pub fn run(args: ScoreArgs) -> anyhow::Result<ExitCode> {
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

    let engine = RewardEngine::new()?;
    let set = RewardSet::load(&engine, &args.rewards)?;
    for r in set.rewards() {
        let missing = r.plugin.missing_grants();
        if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|c| c.as_str()).collect();
            eprintln!(
                "warning: reward `{}` asks for capabilities not granted: {} (calls to them will fail)",
                r.spec.name,
                names.join(", ")
            );
        }
    }

    let mut out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };

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
            serde_json::to_writer(&mut out, &output_row(row, s))?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        bar.inc(chunk.len() as u64);
        all.extend(scored);
    }
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    print_summary(&set, &all, secs);

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

fn output_row(row: &Row, scored: &ScoredRow) -> Value {
    let mut rewards = Map::new();
    for (name, res) in &scored.rewards {
        rewards.insert(name.clone(), reward_json(res));
    }
    json!({ "id": row.id, "total": scored.total, "rewards": rewards })
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
