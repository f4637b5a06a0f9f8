//! The inputs vetting throws at a module: realistic samples, and the odd
//! ones a training run produces sooner or later (empty, random, huge,
//! malformed, exotic Unicode, deep nesting, odd batch sizes).
//!
//! Everything is generated from fixed seeds, so two vet runs send the same
//! bytes and their reports compare.

use rewasm_api::Sample;

/// One call of a probe: samples, and optionally the raw metadata text to
/// lower instead of each sample's JSON (to send text that is not JSON).
pub(crate) struct ProbeCall {
    pub(crate) samples: Vec<Sample>,
    pub(crate) raw_metadata: Option<Vec<String>>,
}

/// A named group of calls.
pub(crate) struct Probe {
    pub(crate) name: &'static str,
    pub(crate) calls: Vec<ProbeCall>,
}

fn sample(id: &str, completion: &str, reference: Option<&str>) -> Sample {
    Sample {
        id: id.to_string(),
        group: Some("vet".into()),
        prompt: "Solve the problem and put the final answer in \\boxed{}.".into(),
        completion: completion.to_string(),
        completion_tokens: completion.split_whitespace().count().min(u32::MAX as usize) as u32,
        reference: reference.map(str::to_string),
        metadata: serde_json::json!({"correct": true, "image_width": 640, "image_height": 480}),
        images: Vec::new(),
        step: 0,
    }
}

/// Realistic samples of the kinds the built-in rewards see: math answers,
/// R1-formatted reasoning, boxes, plain prose.
pub(crate) fn typical_samples() -> Vec<Sample> {
    vec![
        sample(
            "t1",
            "We add 3 and 4, so the answer is \\boxed{7}.",
            Some("7"),
        ),
        sample(
            "t2",
            "<think>\n3/4 of 12 is 9.\n</think>\n<answer>\n9\n</answer>",
            Some("9"),
        ),
        sample("t3", "Answer: 1/2", Some("\\frac{1}{2}")),
        sample("t4", "The final result is #### 1,234", Some("1234")),
        sample(
            "t5",
            "<think>The dog is on the left.</think><answer>[10, 20, 110, 220]</answer>",
            Some("[12, 18, 108, 230]"),
        ),
        sample(
            "t6",
            r#"```json
[{"bbox_2d": [0, 0, 50, 50], "label": "cat"}, {"bbox_2d": [60, 60, 100, 100], "label": "dog"}]
```"#,
            Some(r#"[{"bbox_2d": [0, 0, 48, 52], "label": "cat"}]"#),
        ),
        sample(
            "t7",
            "I am not sure, but it might be x^2 + 2x + 1, i.e. \\boxed{(x+1)^2}.",
            Some("x^2+2x+1"),
        ),
        sample("t8", "no idea", Some("42")),
    ]
}

/// A tiny deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn one(samples: Vec<Sample>) -> ProbeCall {
    ProbeCall {
        samples,
        raw_metadata: None,
    }
}

/// The robustness probes, in the order they run.
pub(crate) fn probes() -> Vec<Probe> {
    let mut rng = Rng(0x7665_7420_7265_7761);
    let mut out = Vec::new();

    out.push(Probe {
        name: "empty batch (0 samples)",
        calls: vec![one(Vec::new())],
    });

    let mut empty = sample("empty", "", None);
    empty.prompt.clear();
    empty.group = None;
    empty.metadata = serde_json::Value::Null;
    empty.completion_tokens = 0;
    let mut empty_ref = empty.clone();
    empty_ref.id = "empty-reference".into();
    empty_ref.reference = Some(String::new());
    out.push(Probe {
        name: "empty strings",
        calls: vec![one(vec![empty]), one(vec![empty_ref])],
    });

    // Short completions a policy really produces, one per call (each is the
    // first sample of its batch, where a module's special cases usually look).
    let shorts = [
        "",
        "0",
        "42",
        "Let me think step by step.",
        "The answer is \\boxed{2}.",
        "Maybe 3?",
        "No.",
        "Hmm, wait.",
        "Therefore x = 5",
        "Wait, I made a mistake.",
        "Just guessing: 7",
        "<think>\n</think>\n<answer>\n</answer>",
        "[0, 0, 10, 10]",
        "I cannot answer that.",
        "Result: 12",
        "Answer: 1/2",
    ];
    out.push(Probe {
        name: "short completions (one per call)",
        calls: shorts
            .iter()
            .enumerate()
            .map(|(i, c)| one(vec![sample(&format!("short-{i}"), c, Some("2"))]))
            .collect(),
    });

    let random: Vec<Sample> = (0..16)
        .map(|i| {
            let n = 1 + rng.below(4096);
            let completion = String::from_utf8_lossy(&rng.bytes(n)).into_owned();
            let m = rng.below(64);
            let reference = String::from_utf8_lossy(&rng.bytes(m)).into_owned();
            let mut s = sample(&format!("random-{i}"), &completion, Some(&reference));
            let p = rng.below(256);
            s.prompt = String::from_utf8_lossy(&rng.bytes(p)).into_owned();
            s.completion_tokens = rng.next() as u32;
            s.step = rng.next();
            s
        })
        .collect();
    out.push(Probe {
        name: "random bytes",
        calls: vec![one(random)],
    });

    let malformed = [
        "{",
        "not json",
        "",
        "[1, 2",
        "{\"correct\": }",
        "\u{0}",
        "{\"correct\": true, \"correct\": false}",
        "1e99999",
    ];
    out.push(Probe {
        name: "malformed metadata JSON",
        calls: vec![ProbeCall {
            samples: malformed
                .iter()
                .enumerate()
                .map(|(i, _)| sample(&format!("bad-metadata-{i}"), "\\boxed{2}", Some("2")))
                .collect(),
            raw_metadata: Some(malformed.iter().map(|m| m.to_string()).collect()),
        }],
    });

    let odd_metadata = [
        serde_json::json!("a string"),
        serde_json::json!([1, 2, 3]),
        serde_json::json!(-1.5e300),
        serde_json::json!({"correct": "yes", "image_width": -1, "image_height": "tall",
                           "input_width": 0, "input_height": 1e308}),
        serde_json::json!({"correct": null, "image_width": 1e-300, "image_height": 3}),
        nested_arrays(200),
    ];
    out.push(Probe {
        name: "unexpected metadata values",
        calls: vec![one(odd_metadata
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                let mut s = sample(
                    &format!("odd-metadata-{i}"),
                    "[1, 2, 3, 4]",
                    Some("[1, 2, 3, 4]"),
                );
                s.metadata = m;
                s
            })
            .collect())],
    });

    let unicode = [
        "e\u{301}\u{301}\u{301} \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467} \\boxed{\u{2212}3}",
        "\u{202E}\\boxed{12}\u{202C} \u{FEFF}\u{FFFD}\u{FFFF}",
        "\u{0}\u{0}\u{0}",
        "\u{10FFFF}\u{E000}\u{1D7D8}\u{1D7D9}",
        "\u{ff11}\u{ff12} \u{0661}\u{0662} \u{00bd} \u{221e} \u{221a}2",
        "<think>\u{3000}</think>\u{2028}<answer>\u{2029}</answer>",
    ];
    let mut zalgo = String::from("\\boxed{");
    for i in 0..4000u32 {
        zalgo.push(char::from_u32(0x300 + i % 0x70).unwrap_or('a'));
    }
    zalgo.push('}');
    let mut unicode_samples: Vec<Sample> = unicode
        .iter()
        .enumerate()
        .map(|(i, c)| sample(&format!("unicode-{i}"), c, Some("\u{2212}3 \u{00bd}")))
        .collect();
    unicode_samples.push(sample("unicode-combining", &zalgo, Some("\u{301}")));
    out.push(Probe {
        name: "unicode edge cases",
        calls: vec![one(unicode_samples)],
    });

    let mut deep = Vec::new();
    for (i, c) in [
        format!("{}{}", "{".repeat(10_000), "}".repeat(10_000)),
        format!(
            "\\boxed{{{}1{}}}",
            "\\frac{".repeat(500),
            "}{2}".repeat(500)
        ),
        "[".repeat(20_000),
        format!("{}x{}", "(".repeat(5_000), ")".repeat(5_000)),
        "<think>".repeat(2_000),
        format!("\\boxed{{{}}}", "2^".repeat(3_000) + "2"),
    ]
    .iter()
    .enumerate()
    {
        deep.push(sample(&format!("deep-{i}"), c, Some("1")));
    }
    out.push(Probe {
        name: "deep nesting",
        calls: vec![one(deep)],
    });

    let line = "Let me think about this step by step and check each case again. ";
    let mut huge = line.repeat((1 << 20) / line.len() + 1);
    huge.truncate(1 << 20);
    huge.push_str(" \\boxed{2}");
    let mut huge_sample = sample("huge", &huge, Some("2"));
    huge_sample.completion_tokens = 262_144;
    let huge_ref = sample("huge-reference", "\\boxed{2}", Some(&"1+".repeat(1 << 18)));
    out.push(Probe {
        name: "huge completion (1 MiB)",
        calls: vec![one(vec![huge_sample]), one(vec![huge_ref])],
    });

    let typical = typical_samples();
    let big: Vec<Sample> = (0..257)
        .map(|i| {
            let mut s = typical[i % typical.len()].clone();
            s.id = format!("batch-{i}");
            s.group = Some(format!("g{}", i / 8));
            s
        })
        .collect();
    out.push(Probe {
        name: "batches of 1 and 257",
        calls: vec![one(vec![big[0].clone()]), one(big)],
    });

    out
}

fn nested_arrays(depth: usize) -> serde_json::Value {
    let mut v = serde_json::json!(1);
    for _ in 0..depth {
        v = serde_json::Value::Array(vec![v]);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_are_deterministic_and_cover_the_sizes() {
        let a = probes();
        let b = probes();
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.name, y.name);
            let xs: Vec<&Sample> = x.calls.iter().flat_map(|c| &c.samples).collect();
            let ys: Vec<&Sample> = y.calls.iter().flat_map(|c| &c.samples).collect();
            assert_eq!(xs, ys);
        }
        let sizes: Vec<usize> = a
            .iter()
            .flat_map(|p| p.calls.iter().map(|c| c.samples.len()))
            .collect();
        for n in [0, 1, 257] {
            assert!(sizes.contains(&n), "a call of {n} samples");
        }
        let huge = a
            .iter()
            .flat_map(|p| p.calls.iter().flat_map(|c| &c.samples))
            .map(|s| s.completion.len())
            .max()
            .unwrap();
        assert!(huge >= 1 << 20);
    }
}
