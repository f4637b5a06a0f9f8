//! The built-in rewards, compiled to components by the project's build step,
//! loaded and run through the real runtime.

use std::sync::Arc;

use rewasm_api::{ErrorKind, Sample};
use rewasm_runtime::{builtin_names, ModuleSource, Plugin, PluginOptions, RewardEngine, RewardSet};

fn engine() -> Arc<RewardEngine> {
    RewardEngine::new().expect("engine")
}

fn sample(id: &str, completion: &str, reference: Option<&str>) -> Sample {
    Sample {
        id: id.into(),
        completion: completion.into(),
        reference: reference.map(str::to_string),
        metadata: serde_json::Value::Null,
        ..Sample::default()
    }
}

fn builtin(engine: &Arc<RewardEngine>, name: &str, config: &str) -> Plugin {
    let src = ModuleSource::resolve(name, std::path::Path::new(".")).expect("builtin");
    let bytes = src.bytes().expect("bytes");
    Plugin::load_with(
        engine,
        name,
        &src.origin(),
        &bytes,
        PluginOptions {
            config_json: config.into(),
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_builtin_loads_and_names_itself() {
    let engine = engine();
    let names = builtin_names();
    assert_eq!(
        names,
        vec![
            "math-accuracy",
            "format",
            "iou",
            "length-bonus",
            "consistency",
            "chart-code"
        ]
    );
    for name in names {
        let p = builtin(&engine, name, "{}");
        assert_eq!(p.info().name, name);
        assert!(
            p.exports()
                .iter()
                .any(|e| e == "rewasm:reward/reward@0.1.0"),
            "{name}: {:?}",
            p.exports()
        );
        // Only consistency asks a judge; no built-in imports anything else.
        let judge = "rewasm:reward/judge@0.1.0";
        assert!(
            p.imports()
                .iter()
                .all(|i| i == "rewasm:reward/types@0.1.0" || (name == "consistency" && i == judge)),
            "{name} imports only what it needs: {:?}",
            p.imports()
        );
        assert_eq!(
            p.imports().iter().any(|i| i == judge),
            name == "consistency",
            "{name}: {:?}",
            p.imports()
        );
        serde_json::from_str::<serde_json::Value>(&p.info().config_schema).expect("schema is JSON");
    }
}

#[test]
fn math_accuracy_scores_in_the_sandbox() {
    let engine = engine();
    let p = builtin(&engine, "math-accuracy", "{}");
    let out = p.score_batch(&[
        sample("a", "so the answer is \\boxed{\\frac{1}{2}}", Some("0.5")),
        sample("b", "#### 1,000", Some("1000")),
        sample("c", "\\boxed{3}", Some("4")),
        sample("d", "\\boxed{3}", Some("\\frac{")),
    ]);
    assert_eq!(out[0].as_ref().map(|s| s.value), Ok(1.0));
    assert_eq!(out[1].as_ref().map(|s| s.value), Ok(1.0));
    assert_eq!(out[2].as_ref().map(|s| s.value), Ok(0.0));
    let e = out[3]
        .as_ref()
        .expect_err("an unparsable reference is an error, not a 0");
    assert_eq!(e.kind(), ErrorKind::Guest, "{e}");
}

#[test]
fn a_reward_set_of_builtins_scores_groups_in_parallel_with_weights() {
    let dir = std::env::temp_dir().join(format!("rewasm-builtins-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("set.toml");
    std::fs::write(
        &path,
        r#"
[[reward]]
name = "acc"
plugin = "math-accuracy"
weight = 2.0

[[reward]]
name = "iou"
plugin = "iou"
weight = 0.0
"#,
    )
    .expect("write set");
    let engine = engine();
    let set = RewardSet::load(&engine, &path).expect("load set");
    let mut samples = Vec::new();
    for g in 0..20 {
        for k in 0..8 {
            let mut s = sample(
                &format!("{g}-{k}"),
                &format!("\\boxed{{{}}}", k % 2),
                Some("1"),
            );
            s.group = Some(g.to_string());
            samples.push(s);
        }
    }
    let rows = set.score(&samples);
    assert_eq!(rows.len(), 160);
    for (i, row) in rows.iter().enumerate() {
        let acc = row.rewards[0].1.as_ref().expect("acc scored").value;
        assert_eq!(acc, if i % 2 == 1 { 1.0 } else { 0.0 });
        // iou has weight 0: its failure (no box reference) does not void the total.
        assert!(row.rewards[1].1.is_err());
        assert_eq!(row.total, Some(2.0 * acc));
    }
}
