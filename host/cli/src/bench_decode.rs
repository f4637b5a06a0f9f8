//! `rewasm bench decode`: decode tokens/s of real models at several batch
//! sizes, next to the weight-read floor measured in the same run.
//!
//! One decode step reads every weight once, so at batch B a step can go no
//! faster than weight bytes / memory bandwidth, i.e. at most
//! B x bandwidth / weight bytes tokens/s. The bandwidth is measured here, by
//! summing a 256 MiB buffer on the same device.

use std::time::Instant;

use clap::Args;
use rewasm_trainer::{
    generate, measure_read_bandwidth, synchronize, CausalLm, Device, Message, SamplingConfig,
    Tokenizer,
};

use crate::generate_cmd::{resolve_model, set_threads};

#[derive(Args)]
pub struct DecodeArgs {
    /// Models (pulled names or folders).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "smollm2-135m-instruct,qwen2.5-coder-0.5b-instruct"
    )]
    models: Vec<String>,
    /// Batch sizes.
    #[arg(long, value_delimiter = ',', default_value = "1,64")]
    batch: Vec<usize>,
    /// Tokens generated per row (no early stop).
    #[arg(long, default_value_t = 32)]
    new_tokens: usize,
    /// Timed repetitions per point (the median is reported).
    #[arg(long, default_value_t = 3)]
    reps: usize,
    /// cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// CPU threads for libtorch.
    #[arg(long)]
    threads: Option<i32>,
}

/// Median wall seconds of `reps` runs of `f`, after one warm-up run.
fn median_secs(device: Device, reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    synchronize(device);
    let mut t: Vec<f64> = (0..reps.max(1))
        .map(|_| {
            let s = Instant::now();
            f();
            synchronize(device);
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

pub fn run(args: DecodeArgs) -> anyhow::Result<()> {
    let device: Device = args.device.parse()?;
    set_threads(args.threads)?;
    anyhow::ensure!(args.new_tokens >= 2, "--new-tokens must be at least 2");
    let bw = measure_read_bandwidth(device, 5)?;
    println!(
        "device {device}, memory read bandwidth {:.1} GB/s (sum of 256 MiB, median of 5); {} new tokens per row, median of {} runs",
        bw / 1e9,
        args.new_tokens,
        args.reps
    );
    println!(
        "{:<30} {:>6} {:>10} {:>12} {:>12} {:>8}",
        "model", "batch", "weights MB", "decode tok/s", "floor tok/s", "of floor"
    );
    for name in &args.models {
        let dir = resolve_model(name)?;
        let tok = Tokenizer::load(&dir)?;
        let model =
            CausalLm::load(&dir, device).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        let prompt = tok.apply_chat_template(
            &[Message::new(
                "user",
                "Write a short story about a robot who learns to paint.",
            )],
            true,
        )?;
        let ids = tok.encode(&prompt, false)?;
        let bytes = model.weight_bytes() as f64;
        for &b in &args.batch {
            let prompts = vec![ids.clone(); b.max(1)];
            let cfg = |n: usize| SamplingConfig {
                max_new_tokens: n,
                temperature: 1.0,
                seed: 1,
                // No EOS: every row decodes the full budget.
                eos_ids: Vec::new(),
                ..SamplingConfig::default()
            };
            // Prefill plus one token, then prefill plus N: the difference is
            // N - 1 decode steps.
            let one = median_secs(device, args.reps, || {
                generate(&model, &prompts, &cfg(1));
            });
            let full = median_secs(device, args.reps, || {
                generate(&model, &prompts, &cfg(args.new_tokens));
            });
            let decode_s = (full - one).max(1e-9);
            let tps = (b * (args.new_tokens - 1)) as f64 / decode_s;
            let floor = b as f64 * bw / bytes;
            println!(
                "{:<30} {:>6} {:>10.1} {:>12.1} {:>12.1} {:>7.1}%",
                name,
                b,
                bytes / 1e6,
                tps,
                floor,
                100.0 * tps / floor
            );
        }
    }
    Ok(())
}
