//! The test vectors shipped in the component (`vectors.jsonl`) hold natively
//! too, so a wrong expectation shows up in `cargo test` before `rewasm vet`.
//! Batches are per case: none of them reaches the judge.

use consistency::Consistency;
use rewasm_plugin_sdk::{Reward, RewardError, Sample};
use serde_json::Value;

fn check(case: &Value) -> Result<(), String> {
    let config = case
        .get("config")
        .map_or_else(|| "{}".to_string(), Value::to_string);
    let reward = Consistency::configure(&config).map_err(|e| format!("configure: {e}"))?;
    let s = &case["sample"];
    let text = |k: &str| s.get(k).and_then(Value::as_str).map(str::to_string);
    let sample = Sample {
        completion: text("completion").unwrap_or_default(),
        reference: text("reference"),
        metadata: s
            .get("metadata")
            .map_or_else(|| "null".to_string(), Value::to_string),
        ..Sample::default()
    };
    let expect = &case["expect"];
    match (
        reward.score(&sample),
        expect.get("error").and_then(Value::as_str),
    ) {
        (Ok(score), None) => {
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-9;
            if let Some(v) = expect.get("value").and_then(Value::as_f64) {
                if !close(score.value, v) {
                    return Err(format!("value {} != {v} ({score:?})", score.value));
                }
            }
            for (name, want) in expect
                .get("parts")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let want = want.as_f64().ok_or("part is not a number")?;
                match score.part(name) {
                    Some(got) if close(got, want) => {}
                    got => return Err(format!("part {name}: {got:?} != {want} ({score:?})")),
                }
            }
            Ok(())
        }
        (Err(e), Some(kind)) => {
            let (got_kind, message) = match &e {
                RewardError::InvalidInput(m) => ("invalid-input", m),
                RewardError::Unsupported(m) => ("unsupported", m),
                RewardError::Internal(m) => ("internal", m),
            };
            let wanted = expect
                .get("message_contains")
                .and_then(Value::as_str)
                .unwrap_or("");
            if got_kind != kind || !message.contains(wanted) {
                return Err(format!("want {kind} containing {wanted:?}, got {e:?}"));
            }
            Ok(())
        }
        (got, _) => Err(format!("want {expect}, got {got:?}")),
    }
}

#[test]
fn every_vector_holds_natively() {
    let text = include_str!("../vectors.jsonl");
    let mut failures = Vec::new();
    let mut count = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).expect("vector is JSON");
        count += 1;
        // Cases without a config run under the config the module is vetted
        // with, which may be either mode.
        if !case["config"]["mode"].is_string() {
            failures.push(format!("{}: names no mode in its config", case["name"]));
            continue;
        }
        if let Err(e) = check(&case) {
            failures.push(format!("{}: {e}", case["name"]));
        }
    }
    assert!(count >= 30, "only {count} vectors");
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
