//! `rewasm plot`: the training curves of a `metrics.jsonl` as a PNG.
//!
//! The drawing is done here, down to a bitmap font and anti-aliased lines,
//! because the machines this runs on have no fonts to rely on; the `png`
//! crate only encodes the pixels.

mod axis;
mod canvas;
mod figure;
mod font;
mod metrics;

use std::path::{Path, PathBuf};

use anyhow::Context;

#[derive(clap::Args)]
pub struct PlotArgs {
    /// The metrics.jsonl a training run wrote.
    metrics: PathBuf,
    /// The PNG to write.
    #[arg(short = 'o', long, default_value = "curves.png")]
    output: PathBuf,
}

pub fn run(args: PlotArgs) -> anyhow::Result<()> {
    plot_file(&args.metrics, &args.output)?;
    println!("wrote {}", args.output.display());
    Ok(())
}

/// Draws reward, KL and completion-length curves from `metrics` (a trainer's
/// metrics.jsonl) into the PNG `output`. A file with no steps yet still gives
/// a picture, with "no data" in its panels.
pub fn plot_file(metrics: &Path, output: &Path) -> anyhow::Result<()> {
    let rows = metrics::read(metrics)?;
    let canvas = figure::render(&rows, &metrics.display().to_string());
    canvas
        .save_png(output)
        .with_context(|| format!("writing {}", output.display()))
}
