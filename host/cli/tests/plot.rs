//! End-to-end tests of `rewasm plot`: a metrics.jsonl in, a PNG whose
//! curves are really there out.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rewasm-plot-test-{}", std::process::id()))
        .join(name);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

fn plot(metrics: &PathBuf, png: &PathBuf) -> (Output, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .arg("plot")
        .arg(metrics)
        .arg("-o")
        .arg(png)
        .output()
        .expect("run rewasm");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (out, stderr)
}

/// A run of `steps` steps: reward rising from 0.2 to 0.8 with a wobble, two
/// rewards, KL growing from 0, and a resume that repeats steps 20 to 25.
fn metrics_jsonl(steps: u64) -> String {
    let mut lines = Vec::new();
    let row = |s: u64| {
        let t = s as f64 / steps as f64;
        let reward = 0.2 + 0.6 * t + 0.05 * (s as f64 * 1.7).sin();
        serde_json::json!({
            "step": s,
            "reward_mean": reward,
            "reward_std": 0.15,
            "rewards": {
                "format": {"mean": (reward + 0.2).min(1.0), "std": 0.1, "errors": 0},
                "accuracy": {"mean": reward - 0.1, "std": 0.2, "errors": 0},
            },
            "kl": 0.02 * t * t,
            "loss": 0.1,
            "completion_length_mean": 180.0 - 60.0 * t,
            "completion_length_max": 256,
            "lr": 1e-6,
        })
        .to_string()
    };
    for s in 1..=25 {
        lines.push(row(s));
    }
    lines.push(r#"{"event": "resume", "step": 20}"#.to_string());
    for s in 20..=steps {
        lines.push(row(s));
    }
    lines.join("\n") + "\n"
}

/// The PNG's size and its RGB rows.
fn decode(png: &PathBuf) -> (u32, u32, Vec<Vec<[u8; 3]>>) {
    let decoder = png::Decoder::new(BufReader::new(File::open(png).expect("open png")));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("png frame");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let rows = buf[..info.buffer_size()]
        .chunks(info.line_size)
        .map(|line| line.chunks(3).map(|p| [p[0], p[1], p[2]]).collect())
        .collect();
    (info.width, info.height, rows)
}

/// The reward mean's blue (31, 119, 180) and the darker blue of its
/// smoothed line, including their anti-aliased edges, but not the pale band
/// or any other series' colour.
fn is_reward_blue(p: [u8; 3]) -> bool {
    let [r, g, b] = p.map(i32::from);
    b > r + 80 && b > g + 30
}

#[test]
fn plot_draws_the_reward_curve_across_the_top_panel() {
    let dir = scratch("curves");
    let metrics = dir.join("metrics.jsonl");
    std::fs::write(&metrics, metrics_jsonl(100)).expect("write metrics");
    let png = dir.join("curves.png");
    let (out, stderr) = plot(&metrics, &png);
    assert!(out.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("curves.png"));

    let (width, height, rows) = decode(&png);
    assert_eq!((width, height), (1200, 900));
    let blue_columns = |ys: std::ops::Range<usize>| {
        (0..width as usize)
            .filter(|&x| ys.clone().any(|y| is_reward_blue(rows[y][x])))
            .count()
    };
    // The reward panel is the top half; the curve spans most of its width
    // (a legend swatch alone would cover a few dozen columns).
    let top = blue_columns(0..height as usize * 45 / 100);
    assert!(
        top > 700,
        "reward blue in only {top} columns of the top panel"
    );
    let bottom = blue_columns(height as usize * 55 / 100..height as usize);
    assert_eq!(bottom, 0, "reward blue below the reward panel");
    // The background is white and most of the picture is background.
    let white = rows.iter().flatten().filter(|&&p| p == [255; 3]).count();
    assert!(white > (width * height) as usize / 2);
}

#[test]
fn plot_names_the_file_and_line_of_a_bad_row() {
    let dir = scratch("bad");
    let metrics = dir.join("metrics.jsonl");
    std::fs::write(
        &metrics,
        "{\"step\": 1, \"reward_mean\": 0.5}\n{\"step\": 2, \"reward_mean\": 0.6}\n{\"step\": 3, \"reward_m\n",
    )
    .expect("write metrics");
    let png = dir.join("curves.png");
    let (out, stderr) = plot(&metrics, &png);
    assert!(!out.status.success());
    assert!(stderr.contains("metrics.jsonl:3"), "{stderr}");
    assert!(!png.exists(), "no picture from a bad file");
}

#[test]
fn plot_draws_a_single_step() {
    let dir = scratch("single");
    let metrics = dir.join("metrics.jsonl");
    std::fs::write(
        &metrics,
        "{\"step\": 0, \"reward_mean\": 1.0, \"kl\": null}\n",
    )
    .expect("write metrics");
    let png = dir.join("one.png");
    let (out, stderr) = plot(&metrics, &png);
    assert!(out.status.success(), "{stderr}");
    let (width, height, rows) = decode(&png);
    assert_eq!((width, height), (1200, 900));
    let blue = rows[..450]
        .iter()
        .flatten()
        .filter(|&&p| is_reward_blue(p))
        .count();
    assert!(blue > 20, "the one step is marked");
}
