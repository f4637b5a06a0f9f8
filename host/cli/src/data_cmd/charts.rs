//! `rewasm data charts`: chart-to-code rows for the `chart-code` reward.
//!
//! Each row's image is drawn by running its reference code through
//! `rewasm_chart::run` and `rewasm_chart::render`, so the picture and the
//! code always agree; code the interpreter refuses stops the run (a bug in
//! the generator, never a row with a broken reference).

use std::path::PathBuf;

use anyhow::{anyhow, Result};
use clap::Args;
use serde_json::{json, Value};

use super::chart_code::chart_code;
use super::chart_spec::{random_chart, ChartSpec};
use super::output::DatasetWriter;
use super::rng::Rng;

#[derive(Args)]
pub struct ChartsArgs {
    /// The folder to write: DIR/data.jsonl and DIR/images/NNNNN.png.
    #[arg(long)]
    out: PathBuf,
    /// Rows to make.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    count: u64,
    /// Seed; the same seed (and options) gives the same files, byte for byte.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Image width in pixels (the code's figsize is width/50 inches).
    #[arg(long, default_value_t = 320, value_parser = clap::value_parser!(u32).range(64..=4096))]
    width: u32,
    /// Image height in pixels (the code's figsize is height/50 inches).
    #[arg(long, default_value_t = 240, value_parser = clap::value_parser!(u32).range(64..=4096))]
    height: u32,
    /// Replace the dataset in a non-empty --out (data.jsonl and numbered
    /// images; other files are kept).
    #[arg(long)]
    force: bool,
    /// No progress bar.
    #[arg(long)]
    no_progress: bool,
}

/// Keeps the row streams of `charts` apart from other generators'.
const SALT: u64 = 0x6368_6172_7473; // "charts"

pub fn run(args: ChartsArgs) -> Result<()> {
    let mut out = DatasetWriter::create(
        &args.out,
        args.count,
        args.force,
        !args.no_progress,
        "charts",
    )?;
    for index in 0..args.count {
        let spec = random_chart(
            &mut Rng::for_row(args.seed, SALT, index),
            args.width,
            args.height,
        );
        let code = chart_code(&spec);
        let rgb = draw(&code, args.width, args.height)
            .map_err(|e| anyhow!("row {index}: the generated code does not run: {e}\n{code}"))?;
        let name = out.image_name(index);
        out.write_png(&name, args.width, args.height, &rgb)?;
        out.write_row(&row(args.seed, index, &name, &args, &spec, code))?;
    }
    let path = out.finish()?;
    eprintln!("wrote {} rows to {}", args.count, path.display());
    Ok(())
}

/// Runs the code and renders its figure as opaque RGB (over white).
fn draw(code: &str, width: u32, height: u32) -> Result<Vec<u8>, rewasm_chart::ChartError> {
    let scene = rewasm_chart::run(code)?;
    let image = rewasm_chart::render(&scene, width, height);
    Ok(image
        .rgba
        .chunks_exact(4)
        .flat_map(|p| {
            let a = p[3] as u32;
            let over_white = |c: u8| ((c as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
            [over_white(p[0]), over_white(p[1]), over_white(p[2])]
        })
        .collect())
}

fn row(
    seed: u64,
    index: u64,
    image: &str,
    args: &ChartsArgs,
    spec: &ChartSpec,
    code: String,
) -> Value {
    let kinds: Vec<Value> = spec
        .axes
        .iter()
        .map(|a| serde_json::to_value(&a.plot).map_or(Value::Null, |p| p["kind"].clone()))
        .collect();
    json!({
        "id": format!("charts-{index:05}"),
        "prompt": prompt(args.width, args.height),
        "reference": code,
        "images": [image],
        "metadata": {
            "task": "chart-to-code",
            "source": "rewasm data charts",
            "seed": seed,
            "index": index,
            "image_width": args.width,
            "image_height": args.height,
            "kinds": kinds,
            "spec": spec,
        },
    })
}

/// Asks for code in the form the `chart-code` reward reads: one fenced
/// `python` block in the documented matplotlib subset.
fn prompt(width: u32, height: u32) -> String {
    format!(
        "The image is a {width}x{height} pixel chart drawn with matplotlib. Write Python code \
         that reproduces it: the same layout, chart types, data, colours, titles, axis labels \
         and legend. Use matplotlib.pyplot with literal data (no files, no random numbers) and \
         answer with one ```python code block."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_code_runs_and_draws_its_spec() {
        for index in 0..300 {
            let spec = random_chart(&mut Rng::for_row(1, SALT, index), 320, 240);
            let code = chart_code(&spec);
            let scene = rewasm_chart::run(&code).unwrap_or_else(|e| panic!("{e}\n{code}"));
            assert_eq!(scene.figsize, spec.figsize);
            assert_eq!(scene.suptitle, spec.suptitle);
            assert_eq!(scene.axes.len(), spec.axes.len(), "{code}");
            for (drawn, wanted) in scene.axes.iter().zip(&spec.axes) {
                assert_eq!(drawn.title, wanted.title);
                assert_eq!(drawn.xlabel, wanted.xlabel);
                assert_eq!(drawn.ylabel, wanted.ylabel);
                assert_eq!(drawn.grid, wanted.grid);
                assert_eq!(drawn.legend.is_some(), wanted.legend, "{code}");
                let kind = serde_json::to_value(&wanted.plot).expect("json")["kind"].clone();
                assert_eq!(drawn.series[0].kind.name(), kind, "{code}");
            }
        }
    }
}
