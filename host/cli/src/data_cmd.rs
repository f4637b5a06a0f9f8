//! `rewasm data boxes|charts`: synthetic multimodal datasets, written as
//! `DIR/data.jsonl` plus `DIR/images/NNNNN.png`.
//!
//! Rows are prompts (`id`, `prompt`, `reference`, `images`, `metadata`):
//! `rewasm train` reads them as they are, and `rewasm score` needs a
//! `completion` added to each. Every row draws from its own random stream
//! (seed, generator, row index), so the files are the same, byte for byte,
//! for a seed and options.

mod boxes;
mod chart_code;
mod chart_spec;
mod charts;
mod draw;
mod output;
mod referring;
mod rng;
mod scene;

use anyhow::Result;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum DataCommand {
    /// Scenes of shapes (2-6 by default), each row asking for one shape by a referring
    /// expression that fits it alone, with its tight pixel box as the
    /// reference (grounding for the `iou` reward).
    Boxes(boxes::BoxesArgs),
    /// Charts of random specs (line, bar, barh, scatter, pie, hist,
    /// fill_between; 1-2 subplots), each row asking for the matplotlib code
    /// that draws it, with that code as the reference (chart-to-code for
    /// the `chart-code` reward). Images are rendered from the code.
    Charts(charts::ChartsArgs),
}

pub fn run(cmd: DataCommand) -> Result<()> {
    match cmd {
        DataCommand::Boxes(args) => boxes::run(args),
        DataCommand::Charts(args) => charts::run(args),
    }
}
