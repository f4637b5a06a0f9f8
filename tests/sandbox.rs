//! The sandbox contract, exercised with the hostile WAT fixture
//! (plugins/fixtures/hostile.wat): every misbehaviour becomes its own typed
//! error, the host survives, and the next call on the same reward succeeds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rewasm_api::{ErrorKind, RewardError, Sample};
use rewasm_runtime::{
    Capability, EngineOptions, Error, Grants, InstanceMode, Plugin, PluginOptions,
    QuarantinePolicy, RewardEngine, SandboxLimits,
};
use rewasm_tests::{component_from_wat, fixture, hostile_component};

const TIMEOUT_MS: u64 = 100;

fn engine() -> Arc<RewardEngine> {
    RewardEngine::with_options(EngineOptions {
        cache: None,
        ..EngineOptions::default()
    })
    .expect("engine")
}

fn hostile(engine: &Arc<RewardEngine>, opts: PluginOptions) -> Plugin {
    Plugin::load_with(engine, "hostile", "hostile.wat", &hostile_component(), opts)
        .expect("load hostile")
}

fn limits() -> SandboxLimits {
    SandboxLimits {
        timeout_ms: TIMEOUT_MS,
        memory_mb: 64,
        fuel: None,
    }
}

fn samples(first: &str, n: usize) -> Vec<Sample> {
    (0..n)
        .map(|i| Sample {
            id: i.to_string(),
            completion: if i == 0 {
                first.to_string()
            } else {
                "ok".to_string()
            },
            metadata: serde_json::Value::Null,
            ..Sample::default()
        })
        .collect()
}

/// Runs one misbehaviour on a batch of 3, checks every sample got the
/// expected kind, then checks the same plugin scores a good batch.
fn misbehave(plugin: &Plugin, op: &str, kind: ErrorKind) -> (RewardError, Duration) {
    let start = Instant::now();
    let out = plugin.score_batch(&samples(op, 3));
    let took = start.elapsed();
    assert_eq!(out.len(), 3, "{op}: one result per sample");
    let first = out[0]
        .clone()
        .expect_err(&format!("{op}: expected an error, got {:?}", out[0]));
    for r in &out {
        let e = r
            .as_ref()
            .expect_err("every sample of a failed call gets the error");
        assert_eq!(e.kind(), kind, "{op}: {e}");
    }
    let next = plugin.score_batch(&samples("ok", 2));
    for r in next {
        assert_eq!(r.expect("next call succeeds").value, 1.0, "{op}: next call");
    }
    (first, took)
}

#[test]
fn every_misbehaviour_becomes_its_typed_error_and_the_next_call_works() {
    let engine = engine();
    for mode in [InstanceMode::Fresh, InstanceMode::Reuse] {
        let plugin = hostile(
            &engine,
            PluginOptions {
                limits: limits(),
                mode,
                ..PluginOptions::default()
            },
        );

        let (e, took) = misbehave(&plugin, "Loop", ErrorKind::Timeout);
        assert_eq!(
            e,
            RewardError::Timeout {
                timeout_ms: TIMEOUT_MS
            }
        );
        assert!(
            took >= Duration::from_millis(TIMEOUT_MS),
            "stopped early: {took:?}"
        );
        // Deadline + one 1 ms epoch tick, with generous room for a loaded CI box.
        assert!(
            took < Duration::from_millis(TIMEOUT_MS + 400),
            "timeout took {took:?}"
        );

        let (e, _) = misbehave(&plugin, "Recurse", ErrorKind::Trap);
        assert!(e.message().contains("stack overflow"), "{e}");

        let (e, _) = misbehave(&plugin, "Memory", ErrorKind::OutOfMemory);
        assert_eq!(e, RewardError::OutOfMemory { limit_mb: 64 });

        let (e, _) = misbehave(&plugin, "Trap", ErrorKind::Trap);
        assert!(e.message().contains("unreachable"), "{e}");

        let (e, _) = misbehave(&plugin, "Wrong count", ErrorKind::InvalidOutput);
        assert!(e.message().contains("4 results for 3 samples"), "{e}");

        let (e, _) = misbehave(&plugin, "NaN", ErrorKind::InvalidOutput);
        assert!(e.message().contains("NaN"), "{e}");

        let (e, _) = misbehave(&plugin, "Huge note", ErrorKind::InvalidOutput);
        assert!(e.message().contains("note of 8388608 bytes"), "{e}");

        let (e, _) = misbehave(&plugin, "Judge, please", ErrorKind::Trap);
        assert!(
            e.message().contains("capability `judge` is not granted"),
            "{e}"
        );
    }
}

#[test]
fn a_granted_capability_is_callable() {
    let engine = engine();
    let plugin = hostile(
        &engine,
        PluginOptions {
            limits: limits(),
            grants: Grants::new([Capability::Judge]),
            ..PluginOptions::default()
        },
    );
    let out = plugin.score_batch(&samples("Judge, please", 2));
    for r in out {
        assert_eq!(r.expect("judge granted").value, 0.5);
    }
}

/// A judge that takes its time and counts what it was asked.
struct SlowJudge {
    delay: Duration,
    asked: std::sync::Mutex<Vec<(String, Duration)>>,
}

impl rewasm_runtime::JudgeBackend for SlowJudge {
    fn answer(
        &self,
        requests: &[rewasm_runtime::JudgeRequest],
        deadline: Instant,
    ) -> Vec<Result<String, String>> {
        let left = deadline.saturating_duration_since(Instant::now());
        for r in requests {
            self.asked
                .lock()
                .expect("lock")
                .push((r.prompt.clone(), left));
        }
        std::thread::sleep(self.delay);
        requests.iter().map(|_| Ok("fine".to_string())).collect()
    }
    fn describe(&self) -> String {
        "slow".into()
    }
}

#[test]
fn judge_time_counts_against_the_reward_deadline() {
    let engine = engine();
    let slow = Arc::new(SlowJudge {
        delay: Duration::from_millis(3 * TIMEOUT_MS),
        asked: Default::default(),
    });
    let plugin = hostile(
        &engine,
        PluginOptions {
            limits: limits(),
            grants: Grants::new([Capability::Judge]),
            judge: Some(rewasm_runtime::Judge::new(slow.clone())),
            ..PluginOptions::default()
        },
    );
    // The judge is handed what is left of the call's deadline, and a judge
    // slower than that makes the call time out.
    let out = plugin.score_batch(&samples("Judge, please", 2));
    for r in &out {
        assert_eq!(
            r.as_ref().expect_err("too slow").kind(),
            ErrorKind::Timeout,
            "{out:?}"
        );
    }
    let asked = slow.asked.lock().expect("lock").clone();
    assert_eq!(asked.len(), 1, "one request per call: {asked:?}");
    assert!(asked[0].1 <= Duration::from_millis(TIMEOUT_MS), "{asked:?}");

    // A quick judge under the same limits: the call succeeds.
    let quick = Arc::new(SlowJudge {
        delay: Duration::ZERO,
        asked: Default::default(),
    });
    let plugin = hostile(
        &engine,
        PluginOptions {
            limits: limits(),
            grants: Grants::new([Capability::Judge]),
            judge: Some(rewasm_runtime::Judge::new(quick.clone())),
            ..PluginOptions::default()
        },
    );
    for r in plugin.score_batch(&samples("Judge, please", 2)) {
        assert_eq!(r.expect("judged in time").value, 0.5);
    }
    assert_eq!(quick.asked.lock().expect("lock").len(), 1);
}

#[test]
fn fuel_budget_stops_a_loop_deterministically() {
    let engine = engine();
    let plugin = hostile(
        &engine,
        PluginOptions {
            limits: SandboxLimits {
                timeout_ms: 60_000,
                memory_mb: 64,
                fuel: Some(1_000_000),
            },
            ..PluginOptions::default()
        },
    );
    let out = plugin.score_batch(&samples("Loop", 1));
    assert_eq!(out[0], Err(RewardError::FuelExhausted { fuel: 1_000_000 }));
    assert_eq!(out[0].as_ref().unwrap_err().kind(), ErrorKind::Timeout);
    assert_eq!(
        plugin.score_batch(&samples("ok", 1))[0]
            .as_ref()
            .map(|s| s.value),
        Ok(1.0)
    );
}

#[test]
fn a_reward_that_keeps_failing_is_quarantined_then_retried() {
    let engine = engine();
    let plugin = hostile(
        &engine,
        PluginOptions {
            limits: limits(),
            quarantine: QuarantinePolicy {
                failures: 3,
                skip: 2,
                max_skip: 8,
            },
            ..PluginOptions::default()
        },
    );
    for _ in 0..3 {
        assert_eq!(
            plugin.score_batch(&samples("Trap", 1))[0]
                .as_ref()
                .unwrap_err()
                .kind(),
            ErrorKind::Trap
        );
    }
    // Two calls are skipped without running the plugin, even good ones.
    for _ in 0..2 {
        let e = plugin.score_batch(&samples("ok", 1)).remove(0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Quarantined, "{e}");
    }
    assert_eq!(
        plugin.score_batch(&samples("ok", 1))[0]
            .as_ref()
            .map(|s| s.value),
        Ok(1.0)
    );
    assert_eq!(plugin.quarantine_stats(), (1, 2));
}

#[test]
fn an_unsupported_wit_version_is_refused_naming_both_versions() {
    let engine = engine();
    let bytes =
        component_from_wat(&fixture("hostile.wat"), "0.2.0").expect("componentize for 0.2.0");
    let err = match Plugin::load(&engine, "future.wasm", &bytes) {
        Err(e) => e,
        Ok(_) => panic!("a 0.2.0 component must be refused"),
    };
    assert!(matches!(err, Error::UnsupportedWitVersion { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("rewasm:reward/reward@0.2.0") && msg.contains("rewasm:reward/reward@0.1.0"),
        "{msg}"
    );
}

#[test]
fn garbage_and_core_modules_are_refused_with_a_clear_error() {
    let engine = engine();
    let err = Plugin::load(&engine, "junk.wasm", b"definitely not wasm")
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("junk.wasm") && err.to_string().contains("not a Wasm component"),
        "{err}"
    );
    let core = wat::parse_str("(module)").expect("wat");
    let err = Plugin::load(&engine, "core.wasm", &core)
        .err()
        .expect("refused");
    assert!(err.to_string().contains("core module"), "{err}");
}

#[test]
fn info_and_interface_are_read_at_load() {
    let engine = engine();
    let plugin = hostile(&engine, PluginOptions::default());
    assert_eq!(plugin.info().name, "hostile");
    assert_eq!(plugin.info().version, "0.1.0");
    assert!(plugin
        .exports()
        .iter()
        .any(|e| e == "rewasm:reward/reward@0.1.0"));
    assert!(plugin
        .imports()
        .iter()
        .any(|i| i == "rewasm:reward/judge@0.1.0"));
    assert_eq!(plugin.digest().len(), 64);
}

#[test]
fn the_compiled_component_cache_is_used_on_the_second_load() {
    let dir = std::env::temp_dir().join(format!("rewasm-cache-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let engine = RewardEngine::with_options(EngineOptions {
        cache: Some(rewasm_runtime::ComponentCache::new(&dir)),
        ..EngineOptions::default()
    })
    .expect("engine");
    let bytes = hostile_component();
    let first = Plugin::load(&engine, "h", &bytes).expect("first load");
    assert!(!first.from_cache());
    let second = Plugin::load(&engine, "h", &bytes).expect("second load");
    assert!(second.from_cache());
    assert_eq!(
        second.score_batch(&samples("ok", 1))[0]
            .as_ref()
            .map(|s| s.value),
        Ok(1.0)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wasi_is_denied_unless_granted_and_then_deterministic() {
    let engine = engine();
    let bytes = rewasm_tests::wasi_random_component();
    let load = |grants| {
        Plugin::load_with(
            &engine,
            "wasi",
            "wasi-random.wat",
            &bytes,
            PluginOptions {
                grants,
                ..Default::default()
            },
        )
        .expect("load")
    };

    let denied = load(Grants::none());
    assert_eq!(denied.missing_grants(), vec![Capability::Wasi]);
    let e = denied
        .score_batch(&samples("x", 1))
        .remove(0)
        .expect_err("WASI is not granted");
    assert_eq!(e.kind(), ErrorKind::Trap, "{e}");
    assert!(
        e.message()
            .contains("wasi:random/random@0.2.0#get-random-u64")
            && e.message().contains("`wasi`"),
        "{e}"
    );

    let granted = load(Grants::new([Capability::Wasi]));
    assert!(granted.missing_grants().is_empty());
    let first: Vec<f64> = granted
        .score_batch(&samples("x", 3))
        .into_iter()
        .map(|r| r.expect("scored").value)
        .collect();
    let again: Vec<f64> = granted
        .score_batch(&samples("x", 3))
        .into_iter()
        .map(|r| r.expect("scored").value)
        .collect();
    assert_eq!(
        first, again,
        "same input, same output: randomness comes from a fixed seed"
    );
    assert!(
        first[0] != first[1] || first[1] != first[2],
        "the generator still varies within a call: {first:?}"
    );
    // The clock is frozen at 2026-01-01T00:00:00Z.
    let clock = granted
        .score_batch(&samples("Clock", 1))
        .remove(0)
        .expect("scored")
        .value;
    assert_eq!(clock, 1_767_225_600.0);
}
