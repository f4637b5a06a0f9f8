//! The embedded test vectors, checked natively (vet checks them again on
//! the built component).

use chart_code::ChartCode;
use rewasm_plugin_sdk::{Reward, RewardError, Sample};
use serde_json::Value;

#[test]
fn vectors_hold_natively() {
    for line in include_str!("../vectors.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        let v: Value = serde_json::from_str(line).unwrap();
        let name = v["name"].as_str().unwrap();
        let config = v
            .get("config")
            .map(|c| c.to_string())
            .unwrap_or_else(|| "{}".into());
        let s = &v["sample"];
        let sample = Sample::new(
            s["completion"].as_str().unwrap_or(""),
            s["reference"].as_str(),
        );
        let expect = &v["expect"];
        let result = ChartCode::configure(&config).and_then(|r| r.score(&sample));
        if let Some(kind) = expect["error"].as_str() {
            let e = result.expect_err(name);
            let got = match &e {
                RewardError::InvalidInput(_) => "invalid-input",
                RewardError::Unsupported(_) => "unsupported",
                RewardError::Internal(_) => "internal",
            };
            assert_eq!(got, kind, "{name}: {e}");
            if let Some(m) = expect["message_contains"].as_str() {
                assert!(e.to_string().contains(m), "{name}: {e}");
            }
            continue;
        }
        let score = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let tol = expect["tolerance"].as_f64().unwrap_or(1e-9);
        match expect["value"].as_f64() {
            Some(want) => assert!(
                (score.value - want).abs() <= tol,
                "{name}: {} != {want}",
                score.value
            ),
            None => println!("{name}: value {}", score.value),
        }
        for (part, want) in expect["parts"].as_object().unwrap() {
            let got = score.part(part).unwrap();
            assert!(
                (got - want.as_f64().unwrap()).abs() <= tol,
                "{name}: {part} = {got}"
            );
        }
    }
}
