//! Hot swap: live reward sets under load, file watching, control requests,
//! vetting refusals, locks and restore.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rewasm_api::Sample;
use rewasm_runtime::{
    LiveOptions, LiveRewardSet, LoadContext, LockFile, ModuleStore, Plugin, PluginOptions,
    RewardEngine, SwapEvent,
};

fn engine() -> Arc<RewardEngine> {
    RewardEngine::new().expect("engine")
}

fn dist(name: &str) -> Vec<u8> {
    let p = rewasm_tests::repo_root().join(format!("plugins/dist/{name}.wasm"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn tempdir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "rewasm-live-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("test setup");
    d
}

/// A set with one reward `r` whose module is the file `r.wasm` in `dir`.
fn write_set(dir: &Path, module: &[u8]) -> PathBuf {
    std::fs::write(dir.join("r.wasm"), module).expect("test setup");
    let set = dir.join("rewards.toml");
    std::fs::write(&set, "[[reward]]\nname = \"r\"\nplugin = \"r.wasm\"\n").expect("test setup");
    set
}

fn samples() -> Vec<Sample> {
    let completions = [
        "<think>a b c</think><answer>4</answer>",
        "the the the the the the the the",
        "",
        "42",
        "a fairly long completion that goes on and on and on with many words",
        "<answer>x</answer>",
    ];
    completions
        .iter()
        .enumerate()
        .map(|(i, c)| Sample {
            id: format!("s{i}"),
            completion: c.to_string(),
            completion_tokens: c.split_whitespace().count() as u32 * 3,
            metadata: serde_json::Value::Null,
            ..Sample::default()
        })
        .collect()
}

/// What a module gives for `samples()`, loaded on its own.
fn expected(engine: &Arc<RewardEngine>, bytes: &[u8]) -> Vec<f64> {
    let p = Plugin::load_with(engine, "r", "expected", bytes, PluginOptions::default())
        .expect("test setup");
    p.score_batch(&samples())
        .into_iter()
        .map(|r| r.expect("reference scoring").value)
        .collect()
}

fn wait_for<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let t = Instant::now();
    while t.elapsed() < timeout {
        if let Some(v) = f() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

#[test]
fn five_hundred_swaps_under_load_lose_and_misattribute_nothing() {
    let engine = engine();
    let dir = tempdir("load");
    let (a, b) = (dist("format"), dist("length-bonus"));
    std::fs::write(dir.join("b.wasm"), &b).unwrap();
    let set = write_set(&dir, &a);
    let want: Arc<HashMap<String, Vec<f64>>> = Arc::new(HashMap::from([
        (digest(&a), expected(&engine, &a)),
        (digest(&b), expected(&engine, &b)),
    ]));
    assert_ne!(
        want[&digest(&a)],
        want[&digest(&b)],
        "the two versions must score the batch differently for the test to mean anything"
    );
    let live = Arc::new(
        LiveRewardSet::start(
            &engine,
            LoadContext::for_file(&set),
            LiveOptions {
                watch: false,
                ..LiveOptions::default()
            },
        )
        .unwrap(),
    );
    let done = Arc::new(AtomicBool::new(false));
    let batch = samples();

    // Readers score with whatever version serves, without publishing: their
    // calls are in flight while versions change under them.
    fn check(
        live: &LiveRewardSet,
        batch: &[Sample],
        want: &HashMap<String, Vec<f64>>,
    ) -> Result<String, String> {
        let v = live.current();
        let (name, d) = v.set.digests().remove(0);
        assert_eq!(name, "r");
        let rows = v.set.score(batch);
        for (i, row) in rows.iter().enumerate() {
            let got = row.rewards[0]
                .1
                .as_ref()
                .map_err(|e| format!("failed: {e}"))?;
            if got.value != want[&d][i] {
                return Err(format!(
                    "misattributed: sample {i} scored {} under {d}, which gives {}",
                    got.value, want[&d][i]
                ));
            }
        }
        Ok(d)
    }
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (live, done, batch) = (live.clone(), done.clone(), batch.clone());
            let want = want.clone();
            std::thread::spawn(move || {
                let mut n = 0usize;
                while !done.load(Ordering::SeqCst) {
                    check(&live, &batch, &want).unwrap();
                    n += 1;
                }
                n
            })
        })
        .collect();

    // The swapper offers the other version as soon as the last one serves;
    // this thread publishes at every batch boundary and scores.
    let swapper = {
        let (live, dir) = (live.clone(), dir.clone());
        std::thread::spawn(move || {
            let mut swaps = 0;
            for i in 0..520 {
                let src = if i % 2 == 0 { "b.wasm" } else { "r.wasm" };
                live.swap("r", dir.join(src).to_str().unwrap()).unwrap();
                swaps += 1;
                while live.has_pending() {
                    std::thread::yield_now();
                }
            }
            swaps
        })
    };
    let mut published = 0u64;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut boundary = 0u64;
    while !swapper.is_finished() {
        if let Some(v) = live.publish(boundary) {
            published += 1;
            assert_eq!(v.generation, published);
        }
        let d = check(&live, &batch, &want).unwrap();
        *seen.entry(d).or_default() += 1;
        boundary += 1;
    }
    let swaps = swapper.join().unwrap();
    live.publish(boundary);
    done.store(true, Ordering::SeqCst);
    let reader_batches: usize = readers.into_iter().map(|r| r.join().unwrap()).sum();
    assert_eq!(swaps, 520);
    assert!(published >= 500, "published {published} versions");
    assert_eq!(seen.len(), 2, "both versions served: {seen:?}");
    assert!(reader_batches > 0);
    let events = live.drain_events();
    assert!(events
        .iter()
        .all(|e| matches!(e, SwapEvent::Published { .. })));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_changed_module_file_is_picked_up_and_a_broken_one_refused() {
    let engine = engine();
    let dir = tempdir("watch");
    let (a, b) = (dist("format"), dist("length-bonus"));
    let set = write_set(&dir, &a);
    let mut live = LiveRewardSet::start(
        &engine,
        LoadContext::for_file(&set),
        LiveOptions {
            debounce: Duration::from_millis(100),
            ..LiveOptions::default()
        },
    )
    .unwrap();
    assert_eq!(live.current().set.digests()[0].1, digest(&a));

    // A new module: compiled off the hot path, served after publish.
    std::fs::write(dir.join("r.wasm"), &b).unwrap();
    let v = wait_for(Duration::from_secs(20), || live.publish(1)).expect("swap published");
    assert_eq!(v.set.digests()[0].1, digest(&b));
    assert_eq!(v.generation, 1);

    // Garbage: refused with its reason, the old version keeps serving.
    std::fs::write(dir.join("r.wasm"), b"not wasm").unwrap();
    let ev = wait_for(Duration::from_secs(20), || {
        live.drain_events()
            .into_iter()
            .find(|e| matches!(e, SwapEvent::Rejected { .. }))
    })
    .expect("refusal reported");
    let text = ev.to_string();
    assert!(
        text.contains("`r`") && text.contains("not a Wasm component"),
        "{text}"
    );
    assert!(live.publish(2).is_none());
    assert_eq!(live.current().set.digests()[0].1, digest(&b));

    // A set file that does not parse changes nothing and says why.
    std::fs::write(
        &set,
        "[[reward]]\nname = \"r\"\nplugin = 'r.wasm'\nwieght = 2\n",
    )
    .unwrap();
    let ev = wait_for(Duration::from_secs(20), || {
        live.drain_events()
            .into_iter()
            .find(|e| matches!(e, SwapEvent::SetError { .. }))
    })
    .expect("set error reported");
    assert!(ev.to_string().contains("wieght"), "{ev}");

    // Fixed file and module: the new weight and module serve.
    std::fs::write(dir.join("r.wasm"), &a).unwrap();
    std::fs::write(
        &set,
        "[[reward]]\nname = \"r\"\nplugin = 'r.wasm'\nweight = 2\n",
    )
    .unwrap();
    let v = wait_for(Duration::from_secs(20), || live.publish(3)).expect("second swap");
    assert_eq!(v.set.digests()[0].1, digest(&a));
    assert_eq!(v.set.rewards()[0].spec.weight, 2.0);
    live.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn control_requests_are_answered_at_the_boundary_that_publishes_them() {
    let engine = engine();
    let dir = tempdir("control");
    let control = dir.join("control");
    std::fs::create_dir_all(&control).unwrap();
    let (a, b) = (dist("format"), dist("length-bonus"));
    let set = write_set(&dir, &a);
    std::fs::write(dir.join("b.wasm"), &b).unwrap();
    let live = LiveRewardSet::start(
        &engine,
        LoadContext::for_file(&set),
        LiveOptions {
            watch: false,
            control_dir: Some(control.clone()),
            ..LiveOptions::default()
        },
    )
    .unwrap();
    assert!(control.join("live.json").is_file());
    let req = |id: &str, reward: &str, source: &str| {
        let body = serde_json::json!({"id": id, "reward": reward, "source": source});
        std::fs::write(control.join(format!("{id}.swap.json")), body.to_string()).unwrap();
    };
    let answer = |id: &str| -> Option<serde_json::Value> {
        let text = std::fs::read_to_string(control.join(format!("{id}.result.json"))).ok()?;
        Some(serde_json::from_str(&text).unwrap())
    };
    // Unknown reward: answered at once.
    req("x1", "nope", dir.join("b.wasm").to_str().unwrap());
    let a1 = wait_for(Duration::from_secs(10), || answer("x1")).expect("answer");
    assert_eq!(a1["ok"], false);
    assert!(a1["message"].as_str().unwrap().contains("no such reward"));
    // A good swap: loaded, then answered when published at step 7.
    req("x2", "r", dir.join("b.wasm").to_str().unwrap());
    wait_for(Duration::from_secs(20), || live.has_pending().then_some(())).expect("prepared");
    assert!(answer("x2").is_none(), "answered before it serves");
    live.publish(7).unwrap();
    let a2 = answer("x2").expect("answered at publish");
    assert_eq!(a2["ok"], true);
    assert_eq!(a2["boundary"], 7);
    assert_eq!(a2["digest"], digest(&b));
    drop(live);
    assert!(!control.join("live.json").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn vetting_refuses_ungranted_capabilities_and_lock_drift() {
    let engine = engine();
    let dir = tempdir("vet");
    let a = dist("format");
    let set = write_set(&dir, &a);
    // The hostile fixture imports `judge`, which the set does not grant.
    std::fs::write(dir.join("hostile.wasm"), rewasm_tests::hostile_component()).unwrap();
    std::fs::write(dir.join("b.wasm"), dist("length-bonus")).unwrap();
    let ctx = LoadContext::for_file(&set);
    let lock = LockFile::create(&set, &ctx).unwrap();
    let lock_path = lock.write_for(&set).unwrap();
    assert_eq!(lock_path, dir.join("rewards.lock"));
    let live = LiveRewardSet::start(
        &engine,
        ctx,
        LiveOptions {
            watch: false,
            lock: Some((lock_path.clone(), LockFile::read(&lock_path).unwrap())),
            ..LiveOptions::default()
        },
    )
    .unwrap();
    let err = live
        .swap("r", dir.join("hostile.wasm").to_str().unwrap())
        .unwrap_err()
        .to_string();
    // Under the lock the drift is caught first; without it, the capability.
    assert!(err.contains("locked to sha256"), "{err}");
    let err = live
        .swap("r", dir.join("b.wasm").to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`r`")
            && err.contains(&digest(&a))
            && err.contains(&digest(&dist("length-bonus"))),
        "{err}"
    );
    assert!(!live.has_pending());
    assert_eq!(live.current().set.digests()[0].1, digest(&a));

    let unlocked = LiveRewardSet::start(
        &engine,
        LoadContext::for_file(&set),
        LiveOptions {
            watch: false,
            ..LiveOptions::default()
        },
    )
    .unwrap();
    let err = unlocked
        .swap("r", dir.join("hostile.wasm").to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("capabilities") && err.contains("judge"),
        "{err}"
    );
    assert!(!unlocked.has_pending());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_snapshot_restores_the_digests_that_served() {
    let engine = engine();
    let dir = tempdir("restore");
    let (a, b) = (dist("format"), dist("length-bonus"));
    let set = write_set(&dir, &a);
    std::fs::write(dir.join("b.wasm"), &b).unwrap();
    let run_store = ModuleStore::new(dir.join("run/modules"));
    let opts = || LiveOptions {
        watch: false,
        run_store: Some(run_store.clone()),
        ..LiveOptions::default()
    };
    let live = LiveRewardSet::start(&engine, LoadContext::for_file(&set), opts()).unwrap();
    live.swap("r", dir.join("b.wasm").to_str().unwrap())
        .unwrap();
    live.publish(3).unwrap();
    let snap = live.snapshot();
    drop(live);
    assert_eq!(snap.reward[0].plugin, format!("sha256:{}", digest(&b)));
    // The module file is gone; the run store still has it.
    std::fs::remove_file(dir.join("b.wasm")).unwrap();
    let back = LiveRewardSet::restore(&engine, LoadContext::for_file(&set), opts(), snap).unwrap();
    assert_eq!(back.current().set.digests()[0].1, digest(&b));
    assert!(back.differs_from_file(), "the file still names a");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn signatures_and_shipped_vectors_are_enforced_on_load_and_on_swap() {
    use rewasm_runtime::{signature_path, ModuleSignature, RewardSet, SecretKey};
    let engine = engine();
    let dir = tempdir("sign");
    let (a, b) = (dist("format"), dist("length-bonus"));
    let (good, other) = (
        SecretKey::generate().unwrap(),
        SecretKey::generate().unwrap(),
    );
    let sign = |path: &Path, key: &SecretKey| {
        let bytes = std::fs::read(path).unwrap();
        ModuleSignature::sign(key, &digest(&bytes))
            .unwrap()
            .write(&signature_path(path))
            .unwrap();
    };
    std::fs::write(dir.join("r.wasm"), &a).unwrap();
    sign(&dir.join("r.wasm"), &good);
    let set = dir.join("rewards.toml");
    std::fs::write(
        &set,
        format!(
            "require_signature = true\ntrusted_keys = [\"{}\"]\n\n[[reward]]\nname = \"r\"\nplugin = \"r.wasm\"\n",
            good.public_key()
        ),
    )
    .unwrap();
    RewardSet::load(&engine, &set).expect("a signed module by a trusted key loads");

    let live = LiveRewardSet::start(
        &engine,
        LoadContext::for_file(&set),
        LiveOptions {
            watch: false,
            ..LiveOptions::default()
        },
    )
    .unwrap();
    let refused = |file: &str| {
        let e = live
            .swap("r", dir.join(file).to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(!live.has_pending(), "{file}");
        assert_eq!(live.current().set.digests()[0].1, digest(&a), "{file}");
        e
    };
    // Unsigned.
    std::fs::write(dir.join("unsigned.wasm"), &b).unwrap();
    let e = refused("unsigned.wasm");
    assert!(e.contains("not signed"), "{e}");
    // Signed, by a key nobody trusts.
    std::fs::write(dir.join("other.wasm"), &b).unwrap();
    sign(&dir.join("other.wasm"), &other);
    let e = refused("other.wasm");
    assert!(e.contains("not a trusted key"), "{e}");
    // Signed by the trusted key, then changed.
    std::fs::write(dir.join("tampered.wasm"), &b).unwrap();
    sign(&dir.join("tampered.wasm"), &good);
    let mut t = b.clone();
    t.extend_from_slice(&[0, 2, 1, b'x']);
    std::fs::write(dir.join("tampered.wasm"), &t).unwrap();
    let e = refused("tampered.wasm");
    assert!(e.contains("changed after signing"), "{e}");
    // Signed and trusted, but its own test vectors fail: vetting refuses it.
    let bad = rewasm_runtime::vectors::embed(
        &b,
        br#"{"name": "wrong-on-purpose", "sample": {"completion": "x", "completion_tokens": 1}, "expect": {"value": 0.5}}"#,
    )
    .unwrap();
    std::fs::write(dir.join("badvec.wasm"), &bad).unwrap();
    sign(&dir.join("badvec.wasm"), &good);
    let e = refused("badvec.wasm");
    assert!(
        e.contains("vetting refused") && e.contains("wrong-on-purpose"),
        "{e}"
    );
    // Signed, trusted, vectors pass: served.
    std::fs::write(dir.join("ok.wasm"), &b).unwrap();
    sign(&dir.join("ok.wasm"), &good);
    live.swap("r", dir.join("ok.wasm").to_str().unwrap())
        .unwrap();
    assert_eq!(live.publish(1).unwrap().set.digests()[0].1, digest(&b));

    // Loading a set whose module was changed after signing fails, naming it.
    std::fs::write(dir.join("r.wasm"), &t).unwrap();
    let e = RewardSet::load(&engine, &set)
        .err()
        .expect("refused")
        .to_string();
    assert!(
        e.contains("`r`") && e.contains("changed after signing"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
