//! End-to-end tests of `rewasm data`: the files it writes, their
//! determinism, the ground truth they carry, and that `rewasm score` takes
//! them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn rewasm() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rewasm"));
    c.env("REWASM_HOME", scratch("home"));
    c
}

/// A fresh (removed, not created) folder for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir()
        .join(format!("rewasm-data-test-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.parent().expect("parent")).expect("scratch dir");
    d
}

fn run(cmd: &mut Command) -> (Output, String) {
    let out = cmd.output().expect("run rewasm");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (out, stderr)
}

/// Runs `rewasm data KIND --out DIR ARGS --no-progress`, which must succeed.
fn make(kind: &str, dir: &Path, args: &[&str]) {
    let (out, stderr) = run(rewasm()
        .args(["data", kind, "--out"])
        .arg(dir)
        .args(args)
        .arg("--no-progress"));
    assert!(out.status.success(), "rewasm data {kind}: {stderr}");
}

fn rows(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("data.jsonl"))
        .expect("data.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON row"))
        .collect()
}

/// Decodes an 8-bit RGB PNG: (width, height, pixels).
fn decode(path: &Path) -> (u32, u32, Vec<u8>) {
    let file = std::io::BufReader::new(std::fs::File::open(path).expect("open png"));
    let mut reader = png::Decoder::new(file).read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png data");
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn nums<T: serde::de::DeserializeOwned>(v: &Value) -> T {
    serde_json::from_value(v.clone()).expect("numbers")
}

#[test]
fn boxes_are_byte_identical_for_a_seed() {
    let (a, b, c) = (scratch("det-a"), scratch("det-b"), scratch("det-c"));
    let args = [
        "--count", "8", "--seed", "11", "--width", "160", "--height", "128",
    ];
    make("boxes", &a, &args);
    make("boxes", &b, &args);
    make(
        "boxes",
        &c,
        &[
            "--count", "8", "--seed", "12", "--width", "160", "--height", "128",
        ],
    );
    let jsonl = |d: &Path| std::fs::read(d.join("data.jsonl")).expect("jsonl");
    assert_eq!(jsonl(&a), jsonl(&b));
    assert_ne!(jsonl(&a), jsonl(&c), "another seed, other rows");
    for (i, row) in rows(&a).iter().enumerate() {
        let name = format!("images/{i:05}.png");
        assert_eq!(row["images"], serde_json::json!([name]));
        assert_eq!(
            std::fs::read(a.join(&name)).expect("png"),
            std::fs::read(b.join(&name)).expect("png"),
            "{name}"
        );
    }
    let images = std::fs::read_dir(a.join("images")).expect("images").count();
    assert_eq!(images, 8, "one image per row, no temporary files left");
}

/// Checks one row's image against its metadata: size, background outside
/// the shapes, and a reference box that is tight around the target.
fn check_box_row(dir: &Path, row: &Value) -> bool {
    let meta = &row["metadata"];
    let (w, h, px) = decode(&dir.join(row["images"][0].as_str().expect("image")));
    assert_eq!(
        (w, h),
        (nums(&meta["image_width"]), nums(&meta["image_height"]))
    );
    let at = |x: u32, y: u32| -> [u8; 3] {
        let i = ((y * w + x) * 3) as usize;
        [px[i], px[i + 1], px[i + 2]]
    };
    let bg: [u8; 3] = nums(&meta["background"]["rgb"]);
    let plain = meta["background"]["texture"] == "plain";
    let shapes = meta["shapes"].as_array().expect("shapes");
    let boxes: Vec<[u32; 4]> = shapes.iter().map(|s| nums(&s["box"])).collect();
    let target = meta["target"].as_u64().expect("target") as usize;
    let reference: [u32; 4] =
        serde_json::from_str(row["reference"].as_str().expect("reference")).expect("a box");
    assert_eq!(
        reference, boxes[target],
        "the reference is the target's box"
    );

    // Outside every shape's box there is only background: exactly on a
    // plain one, within the texture's depth (14) on a textured one.
    let inside = |x: u32, y: u32| {
        boxes
            .iter()
            .any(|b| x >= b[0] && x < b[2] && y >= b[1] && y < b[3])
    };
    for y in 0..h {
        for x in 0..w {
            if inside(x, y) {
                continue;
            }
            let p = at(x, y);
            let off = (0..3).map(|c| bg[c].abs_diff(p[c])).max().unwrap_or(0);
            assert!(
                off <= if plain { 0 } else { 14 },
                "row {}: pixel ({x}, {y}) = {p:?} outside every box, background {bg:?}",
                row["id"]
            );
        }
    }
    // The target's own colour fills part of its box, and on a plain
    // background every edge of the box touches a drawn pixel.
    let [x1, y1, x2, y2] = reference;
    assert!(x1 < x2 && y1 < y2 && x2 <= w && y2 <= h);
    let colour: [u8; 3] = nums(&shapes[target]["rgb"]);
    let solid = (y1..y2)
        .flat_map(|y| (x1..x2).map(move |x| (x, y)))
        .filter(|&(x, y)| at(x, y) == colour)
        .count();
    let area = ((x2 - x1) * (y2 - y1)) as usize;
    assert!(
        solid * 5 >= area,
        "row {}: {solid} of {area} pixels in the target's colour",
        row["id"]
    );
    if plain {
        let drawn = |x: u32, y: u32| at(x, y) != bg;
        assert!((y1..y2).any(|y| drawn(x1, y)), "left edge of {reference:?}");
        assert!(
            (y1..y2).any(|y| drawn(x2 - 1, y)),
            "right edge of {reference:?}"
        );
        assert!((x1..x2).any(|x| drawn(x, y1)), "top edge of {reference:?}");
        assert!(
            (x1..x2).any(|x| drawn(x, y2 - 1)),
            "bottom edge of {reference:?}"
        );
    }
    plain
}

#[test]
fn boxes_images_decode_and_reference_boxes_are_tight() {
    let dir = scratch("tight");
    make(
        "boxes",
        &dir,
        &[
            "--count", "30", "--seed", "5", "--width", "192", "--height", "144",
        ],
    );
    let rows = rows(&dir);
    assert_eq!(rows.len(), 30);
    let plain = rows.iter().filter(|r| check_box_row(&dir, r)).count();
    assert!(plain >= 3, "some scenes are on a plain background: {plain}");
    for r in &rows {
        let shapes = r["metadata"]["shapes"].as_array().expect("shapes");
        assert!((2..=6).contains(&shapes.len()));
        // No overlap by default: boxes are disjoint.
        let boxes: Vec<[u32; 4]> = shapes.iter().map(|s| nums(&s["box"])).collect();
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                assert!(
                    a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1],
                    "{a:?} {b:?}"
                );
            }
        }
    }
}

#[test]
fn boxes_with_overlap_keep_the_target_whole() {
    let dir = scratch("overlap");
    make(
        "boxes",
        &dir,
        &[
            "--count",
            "20",
            "--seed",
            "2",
            "--width",
            "160",
            "--height",
            "160",
            "--max-overlap",
            "0.4",
            "--min-shapes",
            "4",
        ],
    );
    for row in rows(&dir) {
        let meta = &row["metadata"];
        let (w, _, px) = decode(&dir.join(row["images"][0].as_str().expect("image")));
        let target = meta["target"].as_u64().expect("target") as usize;
        let shape = &meta["shapes"][target];
        let colour: [u8; 3] = nums(&shape["rgb"]);
        let [x1, y1, x2, y2]: [u32; 4] = nums(&shape["box"]);
        // Drawn last, the target is not covered: its colour reaches each
        // half of its box.
        let count = |xa: u32, xb: u32, ya: u32, yb: u32| {
            (ya..yb)
                .flat_map(|y| (xa..xb).map(move |x| (x, y)))
                .filter(|&(x, y)| {
                    let i = ((y * w + x) * 3) as usize;
                    px[i..i + 3] == colour
                })
                .count()
        };
        let (mx, my) = ((x1 + x2) / 2, (y1 + y2) / 2);
        assert!(
            count(x1, mx, y1, y2) > 0 && count(mx, x2, y1, y2) > 0,
            "{}",
            row["id"]
        );
        assert!(
            count(x1, x2, y1, my) > 0 && count(x1, x2, my, y2) > 0,
            "{}",
            row["id"]
        );
    }
}

/// A query from the metadata, evaluated independently of the generator:
/// the indices of the shapes it picks out.
fn query_matches(query: &Value, shapes: &[Value]) -> Vec<usize> {
    let admits = |q: &Value, s: &Value| {
        ["kind", "color", "size"]
            .iter()
            .all(|k| q[*k].is_null() || q[*k] == s[*k])
    };
    let matching = |q: &Value| -> Vec<usize> {
        (0..shapes.len())
            .filter(|&i| admits(q, &shapes[i]))
            .collect()
    };
    let bx = |i: usize| -> [f64; 4] { nums(&shapes[i]["box"]) };
    let candidates = matching(query);
    if let Some(e) = query["extreme"].as_str() {
        if candidates.len() < 2 {
            return Vec::new();
        }
        let key = |i: usize| {
            let b = bx(i);
            let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
            match e {
                "leftmost" => cx,
                "rightmost" => -cx,
                "topmost" => cy,
                "bottommost" => -cy,
                other => panic!("extreme {other}"),
            }
        };
        return candidates
            .iter()
            .copied()
            .filter(|&i| candidates.iter().all(|&j| j == i || key(i) + 8.0 <= key(j)))
            .collect();
    }
    if let Some(rel) = query["relation"].as_str() {
        let anchors = matching(&query["anchor"]);
        assert_eq!(anchors.len(), 1, "the anchor is unique");
        let a = bx(anchors[0]);
        return candidates
            .into_iter()
            .filter(|&i| {
                let b = bx(i);
                i != anchors[0]
                    && match rel {
                        "left of" => b[2] <= a[0],
                        "right of" => b[0] >= a[2],
                        "above" => b[3] <= a[1],
                        "below" => b[1] >= a[3],
                        other => panic!("relation {other}"),
                    }
            })
            .collect();
    }
    candidates
}

#[test]
fn referring_expressions_pick_out_the_target_alone() {
    let dir = scratch("refer");
    make(
        "boxes",
        &dir,
        &[
            "--count", "60", "--seed", "8", "--width", "192", "--height", "192",
        ],
    );
    let mut forms = HashMap::new();
    for row in rows(&dir) {
        let meta = &row["metadata"];
        let shapes = meta["shapes"].as_array().expect("shapes");
        let target = meta["target"].as_u64().expect("target") as usize;
        let query = &meta["query"];
        assert_eq!(
            query_matches(query, shapes),
            [target],
            "{}: {}",
            row["id"],
            meta["expression"]
        );
        let expression = meta["expression"].as_str().expect("expression");
        assert!(row["prompt"].as_str().expect("prompt").contains(expression));
        for key in ["kind", "color", "size"] {
            if let Some(word) = query[key].as_str() {
                assert!(expression.contains(word), "{expression} says {word}");
            }
        }
        let form = if query["extreme"].is_string() {
            "extreme"
        } else if query["relation"].is_string() {
            "relation"
        } else {
            "attributes"
        };
        *forms.entry(form).or_insert(0) += 1;
    }
    assert_eq!(
        forms.len(),
        3,
        "every form of expression comes up: {forms:?}"
    );
}

/// Writes `name` in `dir`: the data rows with a completion each.
fn with_completions(dir: &Path, name: &str, completion: impl Fn(&Value) -> String) -> PathBuf {
    let mut text = String::new();
    for mut row in rows(dir) {
        row["completion"] = Value::String(completion(&row));
        text.push_str(&row.to_string());
        text.push('\n');
    }
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write completions");
    path
}

/// Scores `input` with one built-in reward named after its plugin.
fn score_with(plugin: &str, dir: &Path, input: &Path) -> (Output, Vec<Value>, String) {
    let set = dir.join(format!("{plugin}.toml"));
    std::fs::write(
        &set,
        format!("[[reward]]\nname = \"{plugin}\"\nplugin = \"{plugin}\"\n"),
    )
    .expect("write set");
    let (out, stderr) = run(rewasm()
        .args(["score", "--no-progress", "--rewards"])
        .arg(&set)
        .arg("--input")
        .arg(input));
    let rows = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("score row"))
        .collect();
    (out, rows, stderr)
}

#[test]
fn score_gives_the_reference_box_full_marks_and_a_shifted_box_less() {
    let dir = scratch("score");
    make("boxes", &dir, &["--count", "10", "--seed", "4"]);
    let exact = with_completions(&dir, "exact.jsonl", |r| {
        format!(
            "<answer>{}</answer>",
            r["reference"].as_str().expect("reference")
        )
    });
    let (out, scored, stderr) = score_with("iou", &dir, &exact);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(scored.len(), 10);
    for s in &scored {
        assert_eq!(s["rewards"]["iou"]["value"], 1.0, "{s}");
    }
    let shifted = with_completions(&dir, "shifted.jsonl", |r| {
        let [x1, y1, x2, y2]: [u32; 4] =
            serde_json::from_str(r["reference"].as_str().expect("reference")).expect("box");
        format!(
            "<answer>[{}, {}, {}, {}]</answer>",
            x1 + 6,
            y1 + 3,
            x2 + 6,
            y2 + 3
        )
    });
    let (out, scored, stderr) = score_with("iou", &dir, &shifted);
    assert!(out.status.success(), "{stderr}");
    for s in &scored {
        let v = s["rewards"]["iou"]["value"].as_f64().expect("value");
        assert!(v > 0.0 && v < 1.0, "{s}");
    }

    // A row whose image is gone is an error naming the file and the line.
    std::fs::remove_file(dir.join("images/00002.png")).expect("remove");
    let (out, _, stderr) = score_with("iou", &dir, &exact);
    assert!(!out.status.success());
    assert!(
        stderr.contains("exact.jsonl:3:") && stderr.contains("00002.png"),
        "{stderr}"
    );
}

#[test]
fn data_refuses_a_non_empty_out_and_a_bad_count() {
    let dir = scratch("refuse");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("notes.txt"), "mine").expect("write");
    let (out, stderr) = run(rewasm()
        .args(["data", "boxes", "--count", "2", "--out"])
        .arg(&dir));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("is not empty") && stderr.contains("--force"),
        "{stderr}"
    );
    assert!(!dir.join("data.jsonl").exists());

    make("boxes", &dir, &["--count", "3", "--force"]);
    make("boxes", &dir, &["--count", "2", "--force", "--seed", "1"]);
    assert_eq!(rows(&dir).len(), 2);
    assert_eq!(
        std::fs::read_dir(dir.join("images"))
            .expect("images")
            .count(),
        2,
        "the old images went"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).expect("kept"),
        "mine"
    );

    for count in ["0", "-1", "many"] {
        let (out, stderr) = run(rewasm()
            .args(["data", "boxes", &format!("--count={count}"), "--out"])
            .arg(scratch("bad-count")));
        assert!(!out.status.success());
        assert!(stderr.contains("--count"), "{stderr}");
    }
}

#[test]
fn charts_are_byte_identical_and_drawn_from_their_code() {
    let (a, b) = (scratch("charts-a"), scratch("charts-b"));
    make("charts", &a, &["--count", "40", "--seed", "6"]);
    make("charts", &b, &["--count", "40", "--seed", "6"]);
    assert_eq!(
        std::fs::read(a.join("data.jsonl")).expect("jsonl"),
        std::fs::read(b.join("data.jsonl")).expect("jsonl")
    );
    let mut kinds = std::collections::BTreeSet::new();
    for row in rows(&a) {
        let name = row["images"][0].as_str().expect("image");
        let png = std::fs::read(a.join(name)).expect("png");
        assert_eq!(png, std::fs::read(b.join(name)).expect("png"), "{name}");
        let (w, h, px) = decode(&a.join(name));
        assert_eq!((w, h), (320, 240));
        // The image is what the reference code draws.
        let code = row["reference"].as_str().expect("code");
        let scene =
            rewasm_chart::run(code).unwrap_or_else(|e| panic!("{}: {e}\n{code}", row["id"]));
        let image = rewasm_chart::render(&scene, w, h);
        let opaque: Vec<u8> = image
            .rgba
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        assert!(
            image.rgba.chunks_exact(4).all(|p| p[3] == 255),
            "renders are opaque"
        );
        assert!(
            opaque == px,
            "{}: the image is not the code's render",
            row["id"]
        );
        for k in row["metadata"]["kinds"].as_array().expect("kinds") {
            kinds.insert(k.as_str().expect("kind").to_string());
        }
        assert!(row["prompt"]
            .as_str()
            .expect("prompt")
            .contains("```python"));
    }
    assert_eq!(kinds.len(), 7, "every chart kind comes up: {kinds:?}");
}

#[test]
fn score_gives_the_reference_code_the_top_chart_score() {
    let dir = scratch("chart-score");
    make("charts", &dir, &["--count", "8", "--seed", "3"]);
    let exact = with_completions(&dir, "exact.jsonl", |r| {
        format!("```python\n{}```", r["reference"].as_str().expect("code"))
    });
    let (out, scored, stderr) = score_with("chart-code", &dir, &exact);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(scored.len(), 8);
    for s in &scored {
        assert_eq!(s["rewards"]["chart-code"]["value"], 1.0, "{s}");
    }
    // Other colours score less.
    let recoloured = with_completions(&dir, "recoloured.jsonl", |r| {
        let code = r["reference"].as_str().expect("code");
        let mut out = String::new();
        let mut rest = code;
        while let Some(i) = rest.find("\"#") {
            out.push_str(&rest[..i]);
            out.push_str("\"#000000");
            rest = &rest[i + 8..];
        }
        out.push_str(rest);
        out
    });
    let (out, scored, stderr) = score_with("chart-code", &dir, &recoloured);
    assert!(out.status.success(), "{stderr}");
    for s in &scored {
        let v = s["rewards"]["chart-code"]["value"].as_f64().expect("value");
        assert!(v < 1.0, "{s}");
    }
}

/// The shipped examples: their data is what `rewasm data` makes for the seed
/// their READMEs name, and their completions score as the READMEs say.
#[test]
fn the_grounding_and_chart_examples_are_reproducible_and_score_as_documented() {
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for (kind, example, args) in [
        (
            "boxes",
            "grounding",
            &[
                "--count", "6", "--seed", "7", "--width", "256", "--height", "256",
            ][..],
        ),
        (
            "charts",
            "chart-to-code",
            &["--count", "4", "--seed", "3"][..],
        ),
    ] {
        let dir = scratch(example);
        make(kind, &dir, args);
        let shipped = examples.join(example).join("data");
        assert_eq!(
            std::fs::read(dir.join("data.jsonl")).expect("made"),
            std::fs::read(shipped.join("data.jsonl")).expect("shipped"),
            "{example}: data.jsonl differs from `rewasm data {kind}`"
        );
    }
    let score = |example: &str| -> Vec<f64> {
        let dir = examples.join(example);
        let out = rewasm()
            .args(["score", "--no-progress", "--rewards"])
            .arg(dir.join("rewards.toml"))
            .arg("--input")
            .arg(dir.join("data/completions.jsonl"))
            .output()
            .expect("run score");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| {
                let row: Value = serde_json::from_str(l).expect("row");
                row["total"]
                    .as_f64()
                    .unwrap_or_else(|| panic!("no total: {row}"))
            })
            .collect()
    };
    let near = |got: &[f64], want: &[f64]| {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 5e-4, "got {got:?}, README says {want:?}");
        }
    };
    near(&score("grounding"), &[1.0, 1.0, 0.595, 0.0, 0.0, 0.647]);
    let charts = score("chart-to-code");
    near(&charts, &[1.0, 0.909, 0.736, 0.0]);
    // identical > small change > another chart type > broken code
    assert!(charts.windows(2).all(|w| w[0] > w[1]), "{charts:?}");
}
