//! `rewasm data boxes`: grounding rows for the `iou` reward.
//!
//! Each row is a scene of shapes, a referring expression that picks out
//! one of them alone, and that shape's tight pixel box as the reference in
//! the `iou` plugin's format (`[x1, y1, x2, y2]`, pixel edges, end
//! exclusive).

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;
use serde_json::{json, Value};

use super::draw::{image, shape_boxes, PixelBox};
use super::output::DatasetWriter;
use super::referring::{describe, Query};
use super::rng::Rng;
use super::scene::{random_scene, Scene, SceneOptions};

#[derive(Args)]
pub struct BoxesArgs {
    /// The folder to write: DIR/data.jsonl and DIR/images/NNNNN.png.
    #[arg(long)]
    out: PathBuf,
    /// Rows to make.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    count: u64,
    /// Seed; the same seed (and options) gives the same files, byte for byte.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Image width in pixels.
    #[arg(long, default_value_t = 384, value_parser = clap::value_parser!(u32).range(64..=4096))]
    width: u32,
    /// Image height in pixels.
    #[arg(long, default_value_t = 384, value_parser = clap::value_parser!(u32).range(64..=4096))]
    height: u32,
    /// Fewest shapes in a scene.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=12))]
    min_shapes: u8,
    /// Most shapes in a scene.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=12))]
    max_shapes: u8,
    /// Largest IoU allowed between two shapes' frames; 0 keeps shapes apart.
    /// The target is always drawn on top, so its box stays whole.
    #[arg(long, default_value_t = 0.0)]
    max_overlap: f64,
    /// Replace the dataset in a non-empty --out (data.jsonl and numbered
    /// images; other files are kept).
    #[arg(long)]
    force: bool,
    /// No progress bar.
    #[arg(long)]
    no_progress: bool,
}

/// Keeps the row streams of `boxes` apart from other generators'.
const SALT: u64 = 0x0062_6f78_6573; // "boxes"

/// Scenes drawn for one row before giving up.
const TRIES: usize = 200;

pub fn run(args: BoxesArgs) -> Result<()> {
    if args.min_shapes > args.max_shapes {
        bail!(
            "--min-shapes ({}) is more than --max-shapes ({})",
            args.min_shapes,
            args.max_shapes
        );
    }
    if !(0.0..=0.9).contains(&args.max_overlap) {
        bail!(
            "--max-overlap must be in [0, 0.9], got {}",
            args.max_overlap
        );
    }
    let opts = SceneOptions {
        width: args.width,
        height: args.height,
        min_shapes: args.min_shapes as usize,
        max_shapes: args.max_shapes as usize,
        max_overlap: args.max_overlap,
    };
    let mut out = DatasetWriter::create(
        &args.out,
        args.count,
        args.force,
        !args.no_progress,
        "boxes",
    )?;
    for index in 0..args.count {
        let (scene, boxes, target, query) = row_scene(args.seed, index, &opts)?;
        let name = out.image_name(index);
        let mut order: Vec<usize> = (0..scene.shapes.len()).filter(|&i| i != target).collect();
        order.push(target);
        out.write_png(&name, scene.width, scene.height, &image(&scene, &order)?)?;
        out.write_row(&row(
            args.seed, index, &name, &scene, &boxes, target, &query,
        ))?;
    }
    let path = out.finish()?;
    eprintln!("wrote {} rows to {}", args.count, path.display());
    Ok(())
}

/// Row `index`'s scene, its shapes' boxes, the target and its description.
fn row_scene(
    seed: u64,
    index: u64,
    opts: &SceneOptions,
) -> Result<(Scene, Vec<PixelBox>, usize, Query)> {
    let mut rng = Rng::for_row(seed, SALT, index);
    for _ in 0..TRIES {
        let Some(scene) = random_scene(&mut rng, opts) else {
            continue;
        };
        let boxes = shape_boxes(&scene)?;
        let mut targets: Vec<usize> = (0..scene.shapes.len()).collect();
        rng.shuffle(&mut targets);
        for target in targets {
            if let Some(query) = describe(&mut rng, &scene.shapes, &boxes, target) {
                return Ok((scene, boxes, target, query));
            }
        }
    }
    bail!(
        "row {index}: no scene of {}-{} shapes fit a {}x{} image with a shape that can be \
         described uniquely in {TRIES} tries; use fewer shapes or a larger image",
        opts.min_shapes,
        opts.max_shapes,
        opts.width,
        opts.height
    )
}

fn row(
    seed: u64,
    index: u64,
    image: &str,
    scene: &Scene,
    boxes: &[PixelBox],
    target: usize,
    query: &Query,
) -> Value {
    let expression = query.text();
    let [x1, y1, x2, y2] = boxes[target];
    let shapes: Vec<Value> = scene
        .shapes
        .iter()
        .zip(boxes)
        .map(|(s, b)| {
            json!({
                "kind": s.kind.name(),
                "color": s.colour.name,
                "rgb": s.colour.rgb,
                "size": s.size.name(),
                "box": b,
            })
        })
        .collect();
    json!({
        "id": format!("boxes-{index:05}"),
        "prompt": prompt(&expression, scene.width, scene.height),
        "reference": format!("[{x1}, {y1}, {x2}, {y2}]"),
        "images": [image],
        "metadata": {
            "task": "grounding",
            "source": "rewasm data boxes",
            "seed": seed,
            "index": index,
            "image_width": scene.width,
            "image_height": scene.height,
            "expression": expression,
            "query": query.to_json(),
            "target": target,
            "background": {
                "color": scene.background.name,
                "rgb": scene.background.rgb,
                "texture": scene.texture.name(),
            },
            "shapes": shapes,
        },
    })
}

/// Asks for the box in the form the `iou` plugin reads: a bare
/// `[x1, y1, x2, y2]` in pixels inside `<answer>`.
fn prompt(expression: &str, width: u32, height: u32) -> String {
    format!(
        "The image is {width}x{height} pixels. Find {expression}. Answer with its bounding box \
         in pixel coordinates as [x1, y1, x2, y2] (top-left corner, then bottom-right corner) \
         inside <answer></answer>."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_reproducible_and_their_target_is_described_uniquely() {
        let opts = SceneOptions {
            width: 160,
            height: 120,
            min_shapes: 2,
            max_shapes: 6,
            max_overlap: 0.0,
        };
        for index in 0..20 {
            let (scene, boxes, target, query) = row_scene(9, index, &opts).expect("row");
            assert_eq!(query.matches(&scene.shapes, &boxes), [target]);
            let again = row_scene(9, index, &opts).expect("row");
            assert_eq!(
                (again.1, again.2, again.3),
                (boxes.clone(), target, query.clone())
            );
            let r = row(9, index, "images/x.png", &scene, &boxes, target, &query);
            let reference: Vec<u32> =
                serde_json::from_str(r["reference"].as_str().expect("string"))
                    .expect("a JSON list");
            assert_eq!(reference, boxes[target]);
            assert!(r["prompt"]
                .as_str()
                .expect("prompt")
                .contains(&query.text()));
        }
    }
}
