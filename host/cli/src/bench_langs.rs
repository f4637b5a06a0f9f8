//! `rewasm bench langs`: the keywords example built in each guest language
//! (`plugins/examples/keywords/{rust,c,python,js}`), side by side with the
//! Rust build: rebuild time after an edit, component size, first load
//! (compile) and cached load (compiled artifact from the disk cache), and
//! per-sample cost at batch 256 on a fresh instance per batch. All numbers
//! come from this run; the ratios are against the Rust build's.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use rewasm_runtime::{
    Capability, ComponentCache, EngineOptions, Grants, Plugin, PluginOptions, RewardEngine, Sample,
    SandboxLimits,
};

use crate::plugin::build::build;
use crate::plugin::project::{Lang, Project};

#[derive(Args)]
pub struct LangsArgs {
    /// The example's folder (one project per language inside).
    #[arg(long, default_value = "plugins/examples/keywords")]
    examples: PathBuf,
    /// Batches of 256 per measurement.
    #[arg(long, default_value_t = 20)]
    iters: usize,
    /// Loads per load measurement (each on a new engine).
    #[arg(long, default_value_t = 3)]
    loads: usize,
    /// Only these languages (default: all four; Rust is always measured).
    #[arg(long, value_enum, value_delimiter = ',')]
    langs: Vec<Lang>,
}

const BATCH: usize = 256;

const CONFIG: &str = r#"{"keywords": ["gradient", ["learning rate", "step size"], ["loss", "objective"], "batch", ["overfitting", "overfit"], "regularization"], "forbidden": ["i think", "maybe"]}"#;

/// A deterministic batch of ~600-byte completions that cover some groups.
fn samples() -> Vec<Sample> {
    let phrases = [
        "the gradient of the loss",
        "a smaller learning rate",
        "the step size shrinks",
        "each batch of samples",
        "the objective falls",
        "we overfit the data",
        "regularization helps",
        "maybe not",
        "I think so",
        "café au lait",
        "state-of-the-art results",
        "on the validation set",
    ];
    (0..BATCH)
        .map(|i| {
            let mut text = String::new();
            let mut k = i;
            while text.len() < 600 {
                text.push_str(phrases[k % phrases.len()]);
                text.push_str(if k % 3 == 0 { ". " } else { ", and " });
                k = k * 7 + 3;
            }
            Sample {
                id: i.to_string(),
                completion: text,
                ..Sample::default()
            }
        })
        .collect()
}

struct Row {
    lang: Lang,
    build: Duration,
    size: usize,
    first_load: Duration,
    cached_load: Duration,
    per_sample: Duration,
}

fn load(
    engine: &Arc<RewardEngine>,
    bytes: &[u8],
    origin: &str,
) -> anyhow::Result<(Plugin, Duration)> {
    let opts = PluginOptions {
        limits: SandboxLimits {
            timeout_ms: 60_000,
            ..SandboxLimits::default()
        },
        grants: Grants::new([Capability::Wasi]),
        config_json: CONFIG.to_string(),
        ..PluginOptions::default()
    };
    let t = Instant::now();
    let plugin = Plugin::load_with(engine, "keywords", origin, bytes, opts)?;
    Ok((plugin, t.elapsed()))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn measure(
    lang: Lang,
    dir: &Path,
    args: &LangsArgs,
    scratch: &Path,
) -> anyhow::Result<(Row, Vec<String>)> {
    let project = Project::open(dir)?;
    // The first build installs the toolchain if needed and fills the
    // dependency caches; the timed one follows an edit (C, Python and JS
    // builds redo everything anyway; cargo needs the source touched).
    build(&project, None)?;
    if lang == Lang::Rust {
        let entry = dir.join("src/lib.rs");
        let text = std::fs::read(&entry).with_context(|| entry.display().to_string())?;
        std::fs::write(&entry, &text)?;
    }
    let built = build(&project, None)?;
    let origin = built.path.display().to_string();

    let mut first = Vec::new();
    let mut cached = Vec::new();
    for i in 0..args.loads.max(1) {
        // A new cache folder: the first engine compiles and stores, a second
        // engine (nothing in memory) loads from the disk cache.
        let cache = scratch.join(format!("{lang}-{i}"));
        let options = || EngineOptions {
            cache: Some(ComponentCache::new(cache.clone())),
            ..EngineOptions::default()
        };
        let (_, t) = load(
            &RewardEngine::with_options(options())?,
            &built.bytes,
            &origin,
        )?;
        first.push(t);
        let (_, t) = load(
            &RewardEngine::with_options(options())?,
            &built.bytes,
            &origin,
        )?;
        cached.push(t);
    }

    let engine = RewardEngine::new()?;
    let (plugin, _) = load(&engine, &built.bytes, &origin)?;
    let batch = samples();
    let results = plugin.score_batch(&batch); // warm-up, and the results compared below
    let summary: Vec<String> = results
        .iter()
        .map(|r| match r {
            Ok(s) => format!("{:x} {:?}", s.value.to_bits(), s.note),
            Err(e) => format!("error {e}"),
        })
        .collect();
    let t = Instant::now();
    for _ in 0..args.iters.max(1) {
        let r = plugin.score_batch(&batch);
        anyhow::ensure!(
            r.iter().all(|r| r.is_ok()),
            "{lang}: a sample failed: {:?}",
            r.iter().find(|r| r.is_err())
        );
    }
    let per_sample = t.elapsed() / (args.iters.max(1) * BATCH) as u32;
    Ok((
        Row {
            lang,
            build: built.took,
            size: built.bytes.len(),
            first_load: median(first),
            cached_load: median(cached),
            per_sample,
        },
        summary,
    ))
}

pub fn run(args: LangsArgs) -> anyhow::Result<()> {
    let mut langs: Vec<Lang> = if args.langs.is_empty() {
        Lang::ALL.to_vec()
    } else {
        args.langs.clone()
    };
    langs.retain(|l| *l != Lang::Rust);
    langs.insert(0, Lang::Rust);
    let scratch = std::env::temp_dir().join(format!("rewasm-bench-langs-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let result = run_in(&args, &langs, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn run_in(args: &LangsArgs, langs: &[Lang], scratch: &Path) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    let mut reference: Option<Vec<String>> = None;
    for &lang in langs {
        eprintln!("bench langs: {lang}");
        let (row, summary) = measure(lang, &args.examples.join(lang.as_str()), args, scratch)
            .with_context(|| format!("the {lang} build"))?;
        match &reference {
            None => reference = Some(summary),
            Some(want) => anyhow::ensure!(
                *want == summary,
                "{lang} scores the benchmark batch differently from rust"
            ),
        }
        rows.push(row);
    }
    let rust = &rows[0];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "keywords example, batch {BATCH}, {} batches; loads: median of {} (new engine each; cached = compiled artifact from the disk cache)",
        args.iters, args.loads
    );
    println!(
        "| language | rebuild after an edit | component | first load (compile) | cached load | per sample, batch {BATCH} |"
    );
    println!("|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {:.2} s ({:.1}x) | {:.1} KB ({:.2}x) | {:.1} ms ({:.1}x) | {:.2} ms ({:.1}x) | {:.1} µs ({:.1}x) |",
            r.lang,
            r.build.as_secs_f64(),
            r.build.as_secs_f64() / rust.build.as_secs_f64(),
            r.size as f64 / 1e3,
            r.size as f64 / rust.size as f64,
            ms(r.first_load),
            ms(r.first_load) / ms(rust.first_load),
            ms(r.cached_load),
            ms(r.cached_load) / ms(rust.cached_load),
            r.per_sample.as_secs_f64() * 1e6,
            r.per_sample.as_secs_f64() / rust.per_sample.as_secs_f64(),
        );
    }
    println!(
        "all {} builds gave identical values and notes on the batch",
        rows.len()
    );
    Ok(())
}
