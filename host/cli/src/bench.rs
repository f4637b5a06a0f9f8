//! `rewasm bench`: rewards measured against baselines run in the same
//! process or run. Figures go to BENCHMARKS.md with the command.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Subcommand;
use rewasm_api::Sample;
use rewasm_plugin_sdk::Reward;
use rewasm_runtime::{
    InstanceMode, ModuleSource, Plugin, PluginOptions, RewardEngine, SandboxLimits,
};
use serde_json::{json, Value};

use crate::input::read_rows;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// math-accuracy (Wasm) vs Python math-verify 0.9.0 on the same
    /// completions: throughput ratio and verdict agreement.
    Math {
        /// Completions with references (rewasm score input format).
        #[arg(long, default_value = "benches/data/math_completions.jsonl")]
        input: PathBuf,
        /// Hostile answers, scored by math-accuracy only (math-verify spends
        /// its full timeout on each).
        #[arg(long, default_value = "benches/data/math_hostile.jsonl")]
        hostile: PathBuf,
        /// Python with math-verify installed (benches/math-verify/setup.sh).
        #[arg(long, default_value = "benches/math-verify/.venv/bin/python")]
        python: PathBuf,
        /// The baseline script.
        #[arg(long, default_value = "benches/math-verify/run_math_verify.py")]
        script: PathBuf,
        /// Write the full report as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// iou and format as Wasm components vs the same Rust compiled natively,
    /// batch 256, one thread.
    Native {
        /// Batches per measurement.
        #[arg(long, default_value_t = 200)]
        iters: usize,
    },
    /// A fresh instance per batch vs reusing one instance, batch 256.
    Instance {
        /// Batches per measurement.
        #[arg(long, default_value_t = 200)]
        iters: usize,
    },
    /// Decode tokens/s of real models at batch 1 and 64, next to the
    /// weight-read floor (weight bytes / measured memory bandwidth).
    Decode(crate::bench_decode::DecodeArgs),
    /// Hot swap: new module to serving (cached and uncached artifact), and
    /// scoring p50/p99 with and without a swap every 10 ms.
    Swap(crate::bench_swap::SwapArgs),
    /// The keywords example in Rust, C, Python and JS: rebuild time,
    /// component size, first and cached load, per-sample cost at batch 256,
    /// each next to the Rust build's.
    Langs(crate::bench_langs::LangsArgs),
    /// chart-code as a Wasm component vs the same Rust compiled natively,
    /// on reference/candidate groups of plotting code.
    Chart(crate::bench_chart::ChartArgs),
}

pub fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Math {
            input,
            hostile,
            python,
            script,
            json,
        } => bench_math(&input, &hostile, &python, &script, json),
        BenchCommand::Native { iters } => bench_native(iters),
        BenchCommand::Instance { iters } => bench_instance(iters),
        BenchCommand::Decode(args) => crate::bench_decode::run(args),
        BenchCommand::Swap(args) => crate::bench_swap::run(args),
        BenchCommand::Langs(args) => crate::bench_langs::run(args),
        BenchCommand::Chart(args) => crate::bench_chart::run(args),
    }
}

const BATCH: usize = 256;

/// A natively compiled plugin's `score_batch`.
type NativeBatch = dyn Fn(
    &[rewasm_plugin_sdk::Sample],
) -> Vec<Result<rewasm_plugin_sdk::Score, rewasm_plugin_sdk::RewardError>>;

fn builtin(engine: &Arc<RewardEngine>, name: &str, mode: InstanceMode) -> anyhow::Result<Plugin> {
    let src = ModuleSource::resolve(name, Path::new("."))?;
    let bytes = src.bytes()?;
    let limits = SandboxLimits {
        timeout_ms: 60_000,
        memory_mb: 512,
        fuel: None,
    };
    Ok(Plugin::load_with(
        engine,
        name,
        &src.origin(),
        &bytes,
        PluginOptions {
            limits,
            mode,
            ..Default::default()
        },
    )?)
}

/// Median times of `iters` runs each of `a` and `b`, interleaved (a, b, a,
/// b, ...) so both see the same machine load, after a few warm-up runs.
fn paired_median(iters: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (Duration, Duration) {
    for _ in 0..3 {
        a();
        b();
    }
    let time = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        t.elapsed()
    };
    let (mut ta, mut tb): (Vec<Duration>, Vec<Duration>) = (0..iters.max(1))
        .map(|_| (time(&mut a), time(&mut b)))
        .unzip();
    ta.sort();
    tb.sort();
    (ta[ta.len() / 2], tb[tb.len() / 2])
}

/// A host sample as the plugin SDK's type, for natively run baselines.
pub(crate) fn to_sdk(s: &Sample) -> rewasm_plugin_sdk::Sample {
    rewasm_plugin_sdk::Sample {
        id: s.id.clone(),
        group: s.group.clone(),
        prompt: s.prompt.clone(),
        completion: s.completion.clone(),
        completion_tokens: s.completion_tokens,
        reference: s.reference.clone(),
        metadata: s.metadata.to_string(),
        step: s.step,
    }
}

/// Deterministic box-grounding samples: 1-4 ground-truth boxes, predictions
/// jittered, in Qwen2.5-VL JSON.
fn iou_samples(n: usize) -> Vec<Sample> {
    let mut rng = 0x2545F4914F6CDD1Du64;
    let mut next = move |m: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % m
    };
    (0..n)
        .map(|i| {
            let k = 1 + next(4) as usize;
            let mut gt = Vec::new();
            let mut pred = Vec::new();
            for j in 0..k {
                let (x, y) = (next(800) as i64, next(600) as i64);
                let (w, h) = (20 + next(200) as i64, 20 + next(200) as i64);
                gt.push(json!({"bbox_2d": [x, y, x + w, y + h], "label": format!("obj{j}")}));
                let mut d = |r: u64| next(2 * r + 1) as i64 - r as i64;
                pred.push(json!({"bbox_2d": [x + d(10), y + d(10), x + w + d(10), y + h + d(10)], "label": format!("obj{j}")}));
            }
            Sample {
                id: i.to_string(),
                completion: format!("<think>I see {k} objects.</think><answer>{}</answer>", Value::Array(pred)),
                reference: Some(Value::Array(gt).to_string()),
                metadata: Value::Null,
                ..Sample::default()
            }
        })
        .collect()
}

fn format_samples(n: usize) -> Vec<Sample> {
    (0..n)
        .map(|i| {
            let reasoning: String = (0..(20 + i % 40))
                .map(|w| format!("step{} ", (w * 7 + i) % 13))
                .collect();
            let completion = match i % 4 {
                0 => format!("<think>{reasoning}</think><answer>\\boxed{{{i}}}</answer>"),
                1 => format!("<think>{reasoning}</think>\n<answer>{i}</answer>"),
                2 => format!("{reasoning} so {i}"),
                _ => format!("<think>{reasoning}<think>again</think><answer>{i}</answer>"),
            };
            Sample {
                id: i.to_string(),
                completion,
                metadata: Value::Null,
                ..Sample::default()
            }
        })
        .collect()
}

fn bench_native(iters: usize) -> anyhow::Result<()> {
    let engine = RewardEngine::new()?;
    println!("wasm vs native, batch {BATCH}, one thread, median of {iters} batches");
    println!(
        "{:<8} {:>14} {:>14} {:>8}",
        "reward", "native us/batch", "wasm us/batch", "ratio"
    );
    let cases: [(&str, Vec<Sample>); 2] = [
        ("iou", iou_samples(BATCH)),
        ("format", format_samples(BATCH)),
    ];
    for (name, samples) in cases {
        let plugin = builtin(&engine, name, InstanceMode::Fresh)?;
        let sdk: Vec<rewasm_plugin_sdk::Sample> = samples.iter().map(to_sdk).collect();
        // Native: the same crate, configured the same way, called directly.
        let run_native: Box<NativeBatch> = match name {
            "iou" => {
                let r = plugin_iou::Iou::configure("{}").map_err(|e| anyhow::anyhow!("{e}"))?;
                Box::new(move |s| r.score_batch(s))
            }
            _ => {
                let r =
                    plugin_format::Format::configure("{}").map_err(|e| anyhow::anyhow!("{e}"))?;
                Box::new(move |s| r.score_batch(s))
            }
        };
        let check: Vec<f64> = run_native(&sdk)
            .into_iter()
            .map(|s| s.map(|s| s.value).unwrap_or(f64::NAN))
            .collect();
        let (native, wasm) = paired_median(
            iters,
            || {
                std::hint::black_box(run_native(std::hint::black_box(&sdk)));
            },
            || {
                std::hint::black_box(plugin.score_batch(std::hint::black_box(&samples)));
            },
        );
        let got: Vec<f64> = plugin
            .score_batch(&samples)
            .into_iter()
            .map(|s| s.map(|s| s.value).unwrap_or(f64::NAN))
            .collect();
        if got
            .iter()
            .zip(&check)
            .any(|(a, b)| a.to_bits() != b.to_bits())
        {
            bail!("{name}: wasm and native scores differ");
        }
        println!(
            "{:<8} {:>14.1} {:>14.1} {:>7.2}x",
            name,
            native.as_secs_f64() * 1e6,
            wasm.as_secs_f64() * 1e6,
            wasm.as_secs_f64() / native.as_secs_f64()
        );
    }
    Ok(())
}

fn bench_instance(iters: usize) -> anyhow::Result<()> {
    let engine = RewardEngine::new()?;
    println!("fresh instance per batch vs one reused instance, batch {BATCH}, one thread, median of {iters} batches");
    println!(
        "{:<14} {:>12} {:>12} {:>8}",
        "reward", "reuse us", "fresh us", "ratio"
    );
    let math: Vec<Sample> = (0..BATCH)
        .map(|i| Sample {
            id: i.to_string(),
            completion: format!(
                "We compute step by step. {} so the answer is \\boxed{{\\frac{{{}}}{{4}}}}",
                "x ".repeat(200),
                i
            ),
            reference: Some(format!("{}", i as f64 / 4.0)),
            metadata: Value::Null,
            ..Sample::default()
        })
        .collect();
    let cases: [(&str, Vec<Sample>); 3] = [
        ("math-accuracy", math),
        ("iou", iou_samples(BATCH)),
        ("format", format_samples(BATCH)),
    ];
    for (name, samples) in cases {
        let fresh = builtin(&engine, name, InstanceMode::Fresh)?;
        let reuse = builtin(&engine, name, InstanceMode::Reuse)?;
        let (tr, tf) = paired_median(
            iters,
            || {
                std::hint::black_box(reuse.score_batch(&samples));
            },
            || {
                std::hint::black_box(fresh.score_batch(&samples));
            },
        );
        println!(
            "{:<14} {:>12.1} {:>12.1} {:>7.3}x",
            name,
            tr.as_secs_f64() * 1e6,
            tf.as_secs_f64() * 1e6,
            tf.as_secs_f64() / tr.as_secs_f64()
        );
    }
    Ok(())
}

fn bench_math(
    input: &Path,
    hostile: &Path,
    python: &Path,
    script: &Path,
    json_out: Option<PathBuf>,
) -> anyhow::Result<()> {
    let (rows, bad) = read_rows(input)?;
    if let Some(b) = bad.first() {
        bail!("{}:{}: {}", input.display(), b.line, b.message);
    }
    if !python.exists() {
        bail!(
            "{} not found: run benches/math-verify/setup.sh first",
            python.display()
        );
    }
    let engine = RewardEngine::new()?;
    let plugin = builtin(&engine, "math-accuracy", InstanceMode::Fresh)?;
    let samples: Vec<Sample> = rows.iter().map(|r| r.sample.clone()).collect();

    // Warm up once (compile caches, page faults), then time one pass on one thread.
    let _ = plugin.score_batch(&samples[..samples.len().min(BATCH)]);
    let t = Instant::now();
    let ours: Vec<Option<bool>> = samples
        .chunks(BATCH)
        .flat_map(|c| plugin.score_batch(c))
        .map(|r| r.ok().map(|s| s.value == 1.0))
        .collect();
    let ours_secs = t.elapsed().as_secs_f64();

    eprintln!(
        "running math-verify on {} rows (about {} s)...",
        rows.len(),
        rows.len() / 200
    );
    let out = Command::new(python)
        .arg(script)
        .arg("--input")
        .arg(input)
        .output()
        .with_context(|| format!("run {} {}", python.display(), script.display()))?;
    if !out.status.success() {
        bail!(
            "math-verify baseline failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mv: Value =
        serde_json::from_slice(&out.stdout).context("math-verify output is not JSON")?;
    let mv_rate = mv["samples_per_cpu_second"]
        .as_f64()
        .context("samples_per_cpu_second")?;
    let verdicts = &mv["verdicts"];

    let mut agree = Agreement::default();
    let mut agree_cmp = Agreement::default();
    let mut truth_ours = Agreement::default();
    let mut truth_mv = Agreement::default();
    let mut disagreements = Vec::new();
    for (row, o) in rows.iter().zip(&ours) {
        let m = verdicts
            .get(&row.sample.id)
            .and_then(|v| v.as_f64())
            .map(|v| v == 1.0);
        let comparable = row.sample.metadata["comparable"].as_bool().unwrap_or(false);
        agree.add(*o, m);
        if comparable {
            agree_cmp.add(*o, m);
            if o.is_some() && m.is_some() && o != &m && disagreements.len() < 20 {
                disagreements.push(json!({"id": row.sample.id, "ours": o, "math_verify": m,
                    "reference": row.sample.reference, "tail": tail(&row.sample.completion, 120)}));
            }
        }
        if let Some(truth) = row.sample.metadata["truth"].as_str() {
            let t = Some(truth == "correct");
            truth_ours.add(*o, t);
            truth_mv.add(m, t);
        }
    }

    // Hostile answers: our verdict and the slowest per-sample time.
    let mut hostile_report = Value::Null;
    if hostile.exists() {
        let (hrows, _) = read_rows(hostile)?;
        let mut worst = Duration::ZERO;
        for r in &hrows {
            let t = Instant::now();
            let _ = plugin.score_batch(std::slice::from_ref(&r.sample));
            worst = worst.max(t.elapsed());
        }
        hostile_report = json!({"rows": hrows.len(), "slowest_ms": worst.as_secs_f64() * 1e3});
    }

    let ours_rate = rows.len() as f64 / ours_secs;
    let report = json!({
        "rows": rows.len(),
        "math_accuracy_wasm_samples_per_s": ours_rate,
        "math_verify_samples_per_cpu_s": mv_rate,
        "speedup": ours_rate / mv_rate,
        "agreement_all": agree.json(),
        "agreement_comparable": agree_cmp.json(),
        "accuracy_vs_truth_ours": truth_ours.json(),
        "accuracy_vs_truth_math_verify": truth_mv.json(),
        "hostile": hostile_report,
        "disagreements_comparable": disagreements,
        "gold_parse_failures": mv["gold_parse_failures"],
    });
    println!("rows                          {}", rows.len());
    println!(
        "math-accuracy (wasm, 1 thread) {:>10.0} samples/s",
        ours_rate
    );
    println!(
        "math-verify 0.9.0 (python)     {:>10.0} samples/CPU-s",
        mv_rate
    );
    println!(
        "speedup                        {:>10.1}x",
        ours_rate / mv_rate
    );
    println!("verdict agreement, comparable  {}", agree_cmp.line());
    println!("verdict agreement, all rows    {}", agree.line());
    println!(
        "vs truth labels: ours {}, math-verify {}",
        truth_ours.line(),
        truth_mv.line()
    );
    if !hostile_report.is_null() {
        println!(
            "hostile rows: {} , slowest {:.2} ms",
            hostile_report["rows"],
            hostile_report["slowest_ms"].as_f64().unwrap_or(0.0)
        );
    }
    if let Some(p) = json_out {
        std::fs::write(&p, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("write {}", p.display()))?;
    }
    Ok(())
}

fn tail(s: &str, n: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars[chars.len().saturating_sub(n)..].iter().collect()
}

#[derive(Default)]
struct Agreement {
    same: usize,
    differ: usize,
    missing: usize,
}

impl Agreement {
    fn add(&mut self, a: Option<bool>, b: Option<bool>) {
        match (a, b) {
            (Some(x), Some(y)) if x == y => self.same += 1,
            (Some(_), Some(_)) => self.differ += 1,
            _ => self.missing += 1,
        }
    }
    fn rate(&self) -> f64 {
        self.same as f64 / (self.same + self.differ).max(1) as f64
    }
    fn line(&self) -> String {
        format!(
            "{:.2}% ({} agree, {} differ, {} without a verdict)",
            100.0 * self.rate(),
            self.same,
            self.differ,
            self.missing
        )
    }
    fn json(&self) -> Value {
        json!({"rate": self.rate(), "agree": self.same, "differ": self.differ, "no_verdict": self.missing})
    }
}
