//! Cosine mode against values computed once in Python by
//! `cosine_reference.py` (kept beside this file), with TRL's default
//! parameters and the length in words.

use length_bonus::LengthBonus;
use rewasm_plugin_sdk::{Reward, Sample};

// (length, correct, reward)
const REFERENCE: &[(usize, bool, f64)] = &[
    (0, true, 1.0),
    (1, true, 0.9999987663004646),
    (100, true, 0.9877641290737884),
    (333, true, 0.8752266563401775),
    (500, true, 0.75),
    (750, true, 0.5732233047033631),
    (999, true, 0.5000012336995354),
    (1000, true, 0.5),
    (1500, true, 0.5),
    (0, false, -1.0),
    (1, false, -0.9999987663004646),
    (100, false, -0.9877641290737884),
    (333, false, -0.8752266563401775),
    (500, false, -0.75),
    (750, false, -0.5732233047033631),
    (999, false, -0.5000012336995354),
    (1000, false, -0.5),
    (1500, false, -0.5),
];

#[test]
fn cosine_matches_the_python_reference() {
    let reward = LengthBonus::configure(r#"{"mode": "cosine", "unit": "words"}"#).unwrap();
    for &(len, correct, expected) in REFERENCE {
        let sample = Sample {
            metadata: format!(r#"{{"correct": {correct}}}"#),
            ..Sample::new(&"w ".repeat(len), None)
        };
        let got = reward.score(&sample).unwrap();
        assert!(
            (got.value - expected).abs() < 1e-12,
            "len {len} correct {correct}: {} vs {expected}",
            got.value
        );
        assert_eq!(got.part("length"), Some(len as f64));
    }
}
