//! `rewasm bench swap`: how long a hot swap takes, from a new module to
//! serving, with the compiled artifact cached and not; and what swapping
//! every few milliseconds does to scoring latency (p50/p99 against the same
//! loop without swaps, in the same process).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use rewasm_api::Sample;
use rewasm_runtime::{
    ComponentCache, EngineOptions, LiveOptions, LiveRewardSet, LoadContext, ModuleSource,
    RewardEngine,
};

use crate::input::read_rows;

#[derive(Args)]
pub struct SwapArgs {
    /// Swaps timed per case.
    #[arg(long, default_value_t = 30)]
    reps: usize,
    /// Scoring batches per latency run.
    #[arg(long, default_value_t = 1000)]
    batches: usize,
    /// Samples per scoring batch.
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
    /// Swap period during the loaded run, in milliseconds.
    #[arg(long, default_value_t = 10)]
    swap_every_ms: u64,
    /// Rows scored (rewasm score input format).
    #[arg(long, default_value = "benches/data/math_completions.jsonl")]
    input: PathBuf,
}

/// `bytes` with a custom section appended: another module (another digest)
/// that behaves the same.
fn variant(bytes: &[u8], tag: u64) -> Vec<u8> {
    fn leb(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        }
    }
    let name = b"rewasm-bench-variant";
    let payload = tag.to_le_bytes();
    let mut body = Vec::new();
    leb(name.len(), &mut body);
    body.extend_from_slice(name);
    body.extend_from_slice(&payload);
    let mut out = bytes.to_vec();
    out.push(0);
    leb(body.len(), &mut out);
    out.extend_from_slice(&body);
    out
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

struct SwapTimes {
    prepare: Duration,
    publish: Duration,
}

/// Swaps `reps` fresh variants in, timing prepare (read, compile or load
/// from the cache, vet) and publish. With `again`, the same variants are
/// swapped a second time and only that pass is timed.
fn time_swaps(
    live: &LiveRewardSet,
    dir: &Path,
    base: &[u8],
    reps: usize,
    first_tag: u64,
) -> anyhow::Result<Vec<SwapTimes>> {
    let mut out = Vec::new();
    for k in 0..reps {
        let path = dir.join(format!("v{}.wasm", first_tag + k as u64));
        if !path.is_file() {
            std::fs::write(&path, variant(base, first_tag + k as u64))?;
        }
        let t0 = Instant::now();
        live.swap("acc", path.to_str().unwrap_or_default())?;
        let t1 = Instant::now();
        live.publish(k as u64)
            .ok_or_else(|| anyhow::anyhow!("nothing to publish"))?;
        let t2 = Instant::now();
        out.push(SwapTimes {
            prepare: t1 - t0,
            publish: t2 - t1,
        });
    }
    Ok(out)
}

fn start(engine: &Arc<RewardEngine>, set: &Path, watch: bool) -> anyhow::Result<LiveRewardSet> {
    Ok(LiveRewardSet::start(
        engine,
        LoadContext::for_file(set),
        LiveOptions {
            watch,
            ..LiveOptions::default()
        },
    )?)
}

pub fn run(args: SwapArgs) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("rewasm-bench-swap-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let result = run_in(&args, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_in(args: &SwapArgs, dir: &Path) -> anyhow::Result<()> {
    let base = ModuleSource::resolve("math-accuracy", Path::new("."))?
        .bytes()?
        .into_owned();
    std::fs::write(dir.join("a.wasm"), &base)?;
    let set = dir.join("set.toml");
    std::fs::write(&set, "[[reward]]\nname = \"acc\"\nplugin = \"a.wasm\"\n")?;
    // A cache of our own, empty at the start: the first pass compiles, the
    // second loads what the first stored.
    let engine = RewardEngine::with_options(EngineOptions {
        cache: Some(ComponentCache::new(dir.join("cache"))),
        ..EngineOptions::default()
    })?;
    let live = start(&engine, &set, false)?;
    let reps = args.reps.max(1);
    let uncached = time_swaps(&live, dir, &base, reps, 1000)?;
    let cached = time_swaps(&live, dir, &base, reps, 1000)?;
    // Back and forth between two versions this engine loaded recently.
    let mut recent = Vec::new();
    for _ in 0..reps.div_ceil(2) {
        recent.extend(time_swaps(&live, dir, &base, 2, 2000)?);
    }
    drop(live);

    println!(
        "## Hot swap latency (math-accuracy, {} KiB component, {reps} swaps each)\n",
        base.len() / 1024
    );
    println!("| Case | Prepare (read, compile/load, vet) median | Publish median | Max publish |");
    println!("|---|---|---|---|");
    for (name, t) in [
        ("uncached (compiles)", &uncached),
        ("compiled artifact in the disk cache", &cached),
        ("recent version, still in memory", &recent),
    ] {
        let prep = median(t.iter().map(|s| s.prepare).collect());
        let publ = median(t.iter().map(|s| s.publish).collect());
        let max_pub = t.iter().map(|s| s.publish).max().unwrap_or_default();
        println!(
            "| {name} | {:.3} ms | {:.4} ms | {:.4} ms |",
            ms(prep),
            ms(publ),
            ms(max_pub)
        );
    }

    // File change to serving through the watcher (debounce included).
    let live = start(&engine, &set, true)?;
    let mut watched = Vec::new();
    for k in 0..reps.min(10) {
        let bytes = std::fs::read(dir.join(format!("v{}.wasm", 1000 + k)))?;
        std::thread::sleep(Duration::from_millis(50));
        let t0 = Instant::now();
        std::fs::write(dir.join("a.wasm"), &bytes)?;
        loop {
            if live.publish(k as u64).is_some() {
                watched.push(t0.elapsed());
                break;
            }
            anyhow::ensure!(
                t0.elapsed() < Duration::from_secs(30),
                "the watcher never swapped"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
    }
    drop(live);
    println!(
        "\nFile written -> serving through the watcher (cached artifact, default 200 ms debounce, 20 ms poll): median {:.1} ms over {} changes\n",
        ms(median(watched.clone())),
        watched.len()
    );

    // Scoring latency with and without swapping.
    let (rows, _) = read_rows(&args.input)?;
    anyhow::ensure!(!rows.is_empty(), "{}: no rows", args.input.display());
    let batch: Vec<Sample> = rows
        .iter()
        .cycle()
        .take(args.batch_size)
        .map(|r| r.sample.clone())
        .collect();
    std::fs::write(dir.join("a.wasm"), &base)?;
    std::fs::write(dir.join("b.wasm"), variant(&base, 7))?;
    let live = Arc::new(start(&engine, &set, false)?);
    // Runs with and without swaps alternate, so drift (caches, clocks,
    // the other core) falls on both alike.
    let swaps = Arc::new(AtomicU64::new(0));
    let (mut base_lat, mut busy) = (Vec::new(), Vec::new());
    let per_run = (args.batches / 4).max(1);
    for round in 0..8 {
        if round % 2 == 0 {
            base_lat.extend(score_loop(&live, &batch, per_run, None)?);
        } else {
            busy.extend(score_loop(
                &live,
                &batch,
                per_run,
                Some((
                    dir,
                    Duration::from_millis(args.swap_every_ms),
                    swaps.clone(),
                )),
            )?);
        }
    }
    let (mut b, mut s) = (base_lat, busy);
    let (b50, b99) = (pct(&mut b, 0.5), pct(&mut b, 0.99));
    let (s50, s99) = (pct(&mut s, 0.5), pct(&mut s, 0.99));
    println!(
        "## Scoring latency, batch {} of math-accuracy, {} batches with and {} without swaps (alternating runs of {per_run})\n",
        args.batch_size, s.len(), b.len()
    );
    println!("| Run | p50 | p99 |");
    println!("|---|---|---|");
    println!("| no swaps | {:.3} ms | {:.3} ms |", ms(b50), ms(b99));
    println!(
        "| swapping every {} ms ({} swaps requested, {} published) | {:.3} ms | {:.3} ms |",
        args.swap_every_ms,
        swaps.load(Ordering::SeqCst),
        PUBLISHED.load(Ordering::SeqCst),
        ms(s50),
        ms(s99)
    );
    println!(
        "\np99 with swaps / p99 without: {:.2}x; p50: {:.2}x",
        s99.as_secs_f64() / b99.as_secs_f64(),
        s50.as_secs_f64() / b50.as_secs_f64()
    );
    Ok(())
}

/// Versions published by the scoring loops.
static PUBLISHED: AtomicU64 = AtomicU64::new(0);

/// Scores `n` batches, publishing at every boundary; with `swapper`, a thread
/// alternates the module between a.wasm and b.wasm every period meanwhile.
fn score_loop(
    live: &Arc<LiveRewardSet>,
    batch: &[Sample],
    n: usize,
    swapper: Option<(&Path, Duration, Arc<AtomicU64>)>,
) -> anyhow::Result<Vec<Duration>> {
    let stop = Arc::new(AtomicBool::new(false));
    let handle = swapper.map(|(dir, period, count)| {
        let (live, stop) = (live.clone(), stop.clone());
        let paths = [dir.join("b.wasm"), dir.join("a.wasm")];
        std::thread::spawn(move || {
            let mut i = 0usize;
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(period);
                // Through the set's own (lower-priority) thread, as the
                // watcher and `rewasm reward swap` do.
                live.request_swap("acc", paths[i % 2].to_str().unwrap_or_default());
                i += 1;
                count.fetch_add(1, Ordering::SeqCst);
            }
        })
    });
    let mut lat = Vec::with_capacity(n);
    for k in 0..n {
        let t = Instant::now();
        if live.publish(k as u64).is_some() {
            PUBLISHED.fetch_add(1, Ordering::SeqCst);
        }
        let v = live.current();
        let rows = v.set.score(batch);
        lat.push(t.elapsed());
        let failed = rows.iter().filter(|r| r.rewards[0].1.is_err()).count();
        anyhow::ensure!(failed == 0, "{failed} samples failed in batch {k}");
    }
    stop.store(true, Ordering::SeqCst);
    if let Some(h) = handle {
        let _ = h.join();
    }
    Ok(lat)
}
