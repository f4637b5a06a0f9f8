//! Data-driven cases: each `tests/cases/*.json` holds a config, a
//! completion, a reference, optional metadata, and either `expect`
//! (`value` and/or `parts`, compared to 1e-9) or `error` (text the
//! `invalid-input` message must contain).

use std::fs;
use std::path::Path;

use iou::Iou;
use rewasm_plugin_sdk::{Reward, RewardError, Sample};
use serde_json::Value;

fn run_case(path: &Path) -> Result<(), String> {
    let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
    let case: Value = serde_json::from_str(&text).map_err(|e| format!("bad case file: {e}"))?;
    let config = case
        .get("config")
        .cloned()
        .unwrap_or(Value::Object(Default::default()))
        .to_string();
    let reward = Iou::configure(&config).map_err(|e| format!("configure: {e}"))?;
    let field = |k: &str| case.get(k).and_then(Value::as_str).map(str::to_string);
    let sample = Sample {
        completion: field("completion").ok_or("no completion")?,
        reference: field("reference"),
        metadata: case
            .get("metadata")
            .map_or_else(|| "null".to_string(), Value::to_string),
        ..Sample::default()
    };
    let result = reward.score(&sample);

    if let Some(want) = case.get("error").and_then(Value::as_str) {
        return match result {
            Err(RewardError::InvalidInput(m)) if m.contains(want) => Ok(()),
            other => Err(format!(
                "want invalid-input containing {want:?}, got {other:?}"
            )),
        };
    }
    let score = result.map_err(|e| format!("unexpected error: {e}"))?;
    let expect = case
        .get("expect")
        .ok_or("case has neither expect nor error")?;
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    if let Some(v) = expect.get("value").and_then(Value::as_f64) {
        if !close(score.value, v) {
            return Err(format!("value {} != {v} ({score:?})", score.value));
        }
    }
    if let Some(parts) = expect.get("parts").and_then(Value::as_object) {
        for (name, v) in parts {
            let want = v.as_f64().ok_or(format!("part {name} is not a number"))?;
            match score.part(name) {
                Some(got) if close(got, want) => {}
                got => return Err(format!("part {name}: {got:?} != {want} ({score:?})")),
            }
        }
    }
    Ok(())
}

#[test]
fn every_case_passes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .expect("tests/cases exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 10,
        "expected the case files, found {}",
        paths.len()
    );
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|p| run_case(p).err().map(|e| format!("{}: {e}", p.display())))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
