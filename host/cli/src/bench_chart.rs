//! `rewasm bench chart`: the chart-code reward as the built-in Wasm
//! component vs the same Rust (`chart-code` and `rewasm-chart`) compiled
//! natively, on the same deterministic reference/candidate batch, in one
//! process: per-batch time, samples/s, the ratio, and the largest score
//! difference between the two.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Args;
use rewasm_api::Sample;
use rewasm_plugin_sdk::Reward;
use rewasm_runtime::{
    InstanceMode, ModuleSource, Plugin, PluginOptions, RewardEngine, SandboxLimits,
};
use serde_json::Value;

#[derive(Args)]
pub struct ChartArgs {
    /// Reference/candidate pairs per batch (8 candidates share a reference,
    /// like a GRPO group).
    #[arg(long, default_value_t = 64)]
    pairs: usize,
    /// Batches per measurement (median reported).
    #[arg(long, default_value_t = 10)]
    iters: usize,
}

const HEADER: &str = "import matplotlib.pyplot as plt\nimport numpy as np\n";

/// Reference programs: line, bars, scatter, pie, histogram, subplots with a
/// fill.
fn references() -> Vec<String> {
    [
        "x = np.linspace(0, 10, 40)\nfig, ax = plt.subplots(figsize=(8, 5))\nax.plot(x, np.sin(x), label='sin')\nax.plot(x, np.cos(x), '--', label='cos')\nax.set_title('Waves')\nax.set_xlabel('t')\nax.set_ylabel('v')\nax.legend()\nax.grid(True)\n",
        "labels = ['Q1', 'Q2', 'Q3', 'Q4']\nvals = [12, 18, 9, 15]\nbars = plt.bar(labels, vals, color=['tab:blue', 'tab:orange', 'tab:green', 'tab:red'])\nplt.bar_label(bars)\nplt.title('Revenue by quarter')\nplt.ylabel('M$')\n",
        "x = np.arange(30)\ny = (x * 7) % 11\nplt.scatter(x, y, c=y, cmap='viridis')\nplt.title('Residues')\n",
        "plt.pie([35, 25, 20, 20], labels=['A', 'B', 'C', 'D'], autopct='%1.1f%%')\nplt.title('Share')\n",
        "data = [(i * 37) % 23 for i in range(200)]\nplt.hist(data, bins=12, color='teal', alpha=0.7)\nplt.xlabel('value')\nplt.ylabel('count')\n",
        "fig, axs = plt.subplots(1, 2, figsize=(10, 4))\nx = np.arange(8)\naxs[0].plot(x, x ** 1.5, color='navy')\naxs[0].fill_between(x, x ** 1.5 - 2, x ** 1.5 + 2, color='navy', alpha=0.2)\naxs[1].barh(['a', 'b', 'c'], [3, 5, 4])\naxs[0].set_title('growth')\naxs[1].set_title('parts')\n",
    ]
    .iter()
    .map(|b| format!("{HEADER}{b}"))
    .collect()
}

/// Eight candidates for a reference: identical, retitled, a value changed,
/// recoloured, another chart type, fenced in prose, a syntax error, a
/// runtime error.
fn candidates(reference: &str) -> Vec<String> {
    vec![
        reference.to_string(),
        reference.replacen("title('", "title('New ", 1),
        reference
            .replacen("12", "14", 1)
            .replacen("35", "30", 1)
            .replacen("10", "9", 1),
        reference
            .replacen("teal", "orange", 1)
            .replacen("navy", "crimson", 1)
            .replacen("tab:red", "black", 1),
        reference
            .replacen(".plot(", ".scatter(", 1)
            .replacen("plt.bar(", "plt.barh(", 1)
            .replacen(".hist(", ".plot(", 1),
        format!("Here is the code:\n```python\n{reference}```\n"),
        format!("{reference}plt.plot([1, 2\n"),
        format!("{reference}plt.plot(missing)\n"),
    ]
}

fn samples(n: usize) -> Vec<Sample> {
    let refs = references();
    let mut out = Vec::with_capacity(n);
    let mut r = 0;
    while out.len() < n {
        let reference = &refs[r % refs.len()];
        for (k, c) in candidates(reference).into_iter().enumerate() {
            if out.len() == n {
                break;
            }
            out.push(Sample {
                id: format!("{r}-{k}"),
                group: Some(format!("g{r}")),
                completion: c,
                reference: Some(reference.clone()),
                metadata: Value::Null,
                ..Sample::default()
            });
        }
        r += 1;
    }
    out
}

fn load(engine: &Arc<RewardEngine>) -> anyhow::Result<Plugin> {
    let src = ModuleSource::resolve("chart-code", Path::new("."))?;
    let bytes = src.bytes()?;
    // Generous limits: this measures throughput, not the sandbox.
    let limits = SandboxLimits {
        timeout_ms: 120_000,
        memory_mb: 1024,
        fuel: None,
    };
    Ok(Plugin::load_with(
        engine,
        "chart-code",
        &src.origin(),
        &bytes,
        PluginOptions {
            limits,
            mode: InstanceMode::Fresh,
            ..Default::default()
        },
    )?)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub fn run(args: ChartArgs) -> anyhow::Result<()> {
    let n = args.pairs.max(1);
    let batch = samples(n);
    let sdk: Vec<rewasm_plugin_sdk::Sample> = batch.iter().map(crate::bench::to_sdk).collect();
    let engine = RewardEngine::new()?;
    let plugin = load(&engine)?;
    let native = chart_code::ChartCode::configure("{}").map_err(|e| anyhow::anyhow!("{e}"))?;

    let native_values: Vec<Option<f64>> = native
        .score_batch(&sdk)
        .into_iter()
        .map(|r| r.ok().map(|s| s.value))
        .collect();
    let wasm_values: Vec<Option<f64>> = plugin
        .score_batch(&batch)
        .into_iter()
        .map(|r| r.ok().map(|s| s.value))
        .collect();
    let mut max_diff = 0.0f64;
    for (k, (a, b)) in native_values.iter().zip(&wasm_values).enumerate() {
        match (a, b) {
            (Some(a), Some(b)) => max_diff = max_diff.max((a - b).abs()),
            (None, None) => {}
            _ => bail!("sample {k}: native and wasm disagree on success ({a:?} vs {b:?})"),
        }
    }
    let scored = native_values.iter().filter(|v| v.is_some()).count();

    // Interleaved so both see the same machine load; one warm-up each.
    std::hint::black_box(native.score_batch(&sdk));
    std::hint::black_box(plugin.score_batch(&batch));
    let (mut tn, mut tw) = (Vec::new(), Vec::new());
    for _ in 0..args.iters.max(1) {
        let t = Instant::now();
        std::hint::black_box(native.score_batch(std::hint::black_box(&sdk)));
        tn.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(plugin.score_batch(std::hint::black_box(&batch)));
        tw.push(t.elapsed());
    }
    let (native_t, wasm_t) = (median(tn), median(tw));
    let per_s = |d: Duration| n as f64 / d.as_secs_f64();
    println!(
        "chart-code: {n} pairs per batch ({} references, 8 candidates each; {scored} scores, {} errors), median of {} batches, one thread",
        n.div_ceil(8),
        n - scored,
        args.iters.max(1)
    );
    println!("{:<8} {:>12} {:>12}", "", "ms/batch", "samples/s");
    println!(
        "{:<8} {:>12.1} {:>12.1}",
        "native",
        native_t.as_secs_f64() * 1e3,
        per_s(native_t)
    );
    println!(
        "{:<8} {:>12.1} {:>12.1}",
        "wasm",
        wasm_t.as_secs_f64() * 1e3,
        per_s(wasm_t)
    );
    println!(
        "wasm / native time: {:.2}x",
        wasm_t.as_secs_f64() / native_t.as_secs_f64()
    );
    println!("largest |wasm - native| score difference: {max_diff:.2e}");
    Ok(())
}
