//! `rewasm generate`: one completion from a model.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Args;
use rewasm_trainer::{generate_until, CausalLm, Device, Message, SamplingConfig, Tokenizer};

#[derive(Args)]
pub struct GenerateArgs {
    /// A model pulled with `rewasm model pull` (by name) or a Hugging Face folder.
    #[arg(long)]
    model: String,
    /// The prompt.
    #[arg(long)]
    prompt: String,
    /// Wrap the prompt as a user message in the model's chat template.
    #[arg(long)]
    chat: bool,
    /// Always take the most likely token.
    #[arg(long)]
    greedy: bool,
    #[arg(long, default_value_t = 256)]
    max_new_tokens: usize,
    #[arg(long, default_value_t = 1.0)]
    temperature: f64,
    /// 0 keeps every token.
    #[arg(long, default_value_t = 0)]
    top_k: usize,
    #[arg(long, default_value_t = 1.0)]
    top_p: f64,
    #[arg(long, default_value_t = 0)]
    seed: i64,
    /// Stop a completion once its text contains this string (repeatable);
    /// the printed text ends before it.
    #[arg(long)]
    stop: Vec<String>,
    /// cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// CPU threads for libtorch (default: libtorch's choice, all cores).
    #[arg(long)]
    threads: Option<i32>,
}

/// Sets libtorch's CPU thread count when asked to.
pub fn set_threads(threads: Option<i32>) -> anyhow::Result<()> {
    match threads {
        Some(n) if n < 1 => bail!("--threads must be at least 1, got {n}"),
        Some(n) => rewasm_trainer::set_cpu_threads(n),
        None => {}
    }
    Ok(())
}

/// `text` cut before the earliest stop string in it.
pub fn cut_at_stop<'a>(text: &'a str, stops: &[String]) -> &'a str {
    let end = stops
        .iter()
        .filter(|s| !s.is_empty())
        .filter_map(|s| text.find(s.as_str()))
        .min()
        .unwrap_or(text.len());
    &text[..end]
}

/// A folder path, or a name under `$REWASM_HOME/models`.
pub fn resolve_model(name_or_path: &str) -> anyhow::Result<PathBuf> {
    let as_path = PathBuf::from(name_or_path);
    if as_path.join("config.json").is_file() {
        return Ok(as_path);
    }
    let pulled = rewasm_runtime::rewasm_home()
        .join("models")
        .join(name_or_path);
    if pulled.join("config.json").is_file() {
        return Ok(pulled);
    }
    bail!(
        "model `{name_or_path}`: not a folder with config.json, and not pulled (looked in {}); try `rewasm model pull {name_or_path}`",
        pulled.display()
    )
}

pub fn run(args: GenerateArgs) -> anyhow::Result<()> {
    let device: Device = args.device.parse()?;
    set_threads(args.threads)?;
    let dir = resolve_model(&args.model)?;
    let tok = Tokenizer::load(&dir)?;
    let t0 = Instant::now();
    let model =
        CausalLm::load(&dir, device).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let load_s = t0.elapsed().as_secs_f64();
    let (text, special) = if args.chat {
        (
            tok.apply_chat_template(&[Message::new("user", &args.prompt)], true)?,
            false,
        )
    } else {
        (args.prompt.clone(), true)
    };
    let prompt_ids = tok.encode(&text, special)?;
    if args.temperature <= 0.0 && !args.greedy {
        bail!("--temperature must be positive (use --greedy for argmax decoding)");
    }
    let cfg = SamplingConfig {
        max_new_tokens: args.max_new_tokens,
        greedy: args.greedy,
        temperature: args.temperature,
        top_k: args.top_k,
        top_p: args.top_p,
        eos_ids: rewasm_trainer::eos_ids(&dir, model.config(), &tok),
        seed: args.seed,
    };
    let t1 = Instant::now();
    let stop = tok.stop_checker(&args.stop);
    let out = generate_until(&model, std::slice::from_ref(&prompt_ids), &cfg, &stop)
        .pop()
        .context("no output")?;
    let gen_s = t1.elapsed().as_secs_f64();
    let ids: Vec<i64> = out
        .ids
        .iter()
        .copied()
        .filter(|i| !cfg.eos_ids.contains(i))
        .collect();
    println!("{}", cut_at_stop(&tok.decode(&ids)?, &args.stop));
    eprintln!(
        "{} prompt tokens, {} generated in {:.2} s ({:.1} tok/s) on {device}; model loaded in {:.2} s",
        prompt_ids.len(),
        out.ids.len(),
        gen_s,
        out.ids.len() as f64 / gen_s.max(1e-9),
        load_s
    );
    Ok(())
}
