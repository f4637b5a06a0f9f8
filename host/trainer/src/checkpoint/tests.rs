//! Checkpoint save/load behaviour on a real filesystem, one scratch
//! directory per test.

use super::*;

/// A fresh directory under the system temp dir, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("rewasm-checkpoint-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn save_text(root: &Path, step: u64, keep: usize, text: &str) -> PathBuf {
    save(root, step, keep, |d| {
        fs::write(d.join("model.bin"), text)?;
        fs::write(d.join("state.json"), format!("{{\"step\":{step}}}"))
    })
    .unwrap()
}

fn names(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(checkpoints_dir(root))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

fn steps(root: &Path) -> Vec<u64> {
    list(root).unwrap().iter().map(|c| c.step).collect()
}

#[test]
fn round_trip() {
    let s = Scratch::new("round-trip");
    let dir = save(&s.0, 40, 3, |d| {
        fs::write(d.join("model.safetensors"), b"hello")?;
        fs::create_dir(d.join("rng"))?;
        fs::write(d.join("rng/cpu.bin"), [1u8, 2, 3])
    })
    .unwrap();
    assert_eq!(dir, s.0.join("checkpoints/step-00000040"));

    let ck = latest(&s.0).unwrap().expect("a checkpoint");
    assert_eq!(ck.step, 40);
    assert_eq!(ck.dir, dir);
    assert!(ck.skipped.is_empty());
    assert_eq!(ck.manifest.format, 1);
    assert_eq!(ck.manifest.step, 40);
    let files: Vec<&str> = ck.manifest.files.keys().map(String::as_str).collect();
    assert_eq!(files, ["model.safetensors", "rng/cpu.bin"]);
    let model = &ck.manifest.files["model.safetensors"];
    assert_eq!(model.bytes, 5);
    // sha256("hello")
    assert_eq!(
        model.sha256,
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
    assert_eq!(fs::read(ck.file("rng/cpu.bin")).unwrap(), [1, 2, 3]);
    ck.verify().unwrap();

    // The manifest on disk is what `latest` returned.
    let on_disk: Manifest = serde_json::from_slice(&fs::read(dir.join(MANIFEST)).unwrap()).unwrap();
    assert_eq!(on_disk, ck.manifest);
    assert_eq!(names(&s.0), ["step-00000040"]);
    assert_eq!(latest_verified(&s.0).unwrap().map(|c| c.step), Some(40));
}

#[test]
fn empty_root_has_no_checkpoint() {
    let s = Scratch::new("empty");
    assert!(latest(&s.0).unwrap().is_none());
    assert!(list(&s.0).unwrap().is_empty());
}

#[test]
fn keep_last_prunes_oldest() {
    let s = Scratch::new("keep-last");
    for step in 1..=5 {
        save_text(&s.0, step * 10, 2, "w");
    }
    assert_eq!(steps(&s.0), [40, 50]);
    assert_eq!(names(&s.0), ["step-00000040", "step-00000050"]);

    let all = Scratch::new("keep-all");
    for step in 1..=4 {
        save_text(&all.0, step, 0, "w");
    }
    assert_eq!(steps(&all.0), [1, 2, 3, 4]);
}

#[test]
fn the_step_just_saved_is_kept_even_when_older() {
    let s = Scratch::new("keep-saved");
    save_text(&s.0, 50, 1, "a");
    save_text(&s.0, 60, 1, "b");
    save_text(&s.0, 30, 1, "c");
    assert_eq!(steps(&s.0), [30, 60]);
}

#[test]
fn stale_temporaries_of_other_processes_are_removed() {
    let s = Scratch::new("stale");
    save_text(&s.0, 5, 2, "w");
    let ckdir = checkpoints_dir(&s.0);
    // A process killed after writing its manifest, before the rename: a
    // complete-looking directory that must still never be loaded.
    let dead = ckdir.join(".tmp-step-00000009-4000000000");
    fs::create_dir(&dead).unwrap();
    let ck5 = latest(&s.0).unwrap().unwrap();
    for name in ck5.manifest.files.keys() {
        fs::copy(ck5.file(name), dead.join(name)).unwrap();
    }
    let mut m = ck5.manifest.clone();
    m.step = 9;
    fs::write(dead.join(MANIFEST), serde_json::to_vec(&m).unwrap()).unwrap();
    let half_deleted = ckdir.join(".trash-step-00000001-4000000000");
    fs::create_dir(&half_deleted).unwrap();
    let ours = ckdir.join(format!(".tmp-step-00000008-{}", std::process::id()));
    fs::create_dir(&ours).unwrap();

    assert_eq!(latest(&s.0).unwrap().unwrap().step, 5);
    assert_eq!(steps(&s.0), [5]);

    save_text(&s.0, 6, 2, "w");
    assert!(!dead.exists());
    assert!(!half_deleted.exists());
    assert!(ours.exists(), "a temporary of this process is not stale");
}

#[test]
fn truncated_newest_falls_back_and_reports() {
    let s = Scratch::new("truncated");
    save_text(&s.0, 1, 0, "one");
    save_text(&s.0, 2, 0, "two");
    let three = save_text(&s.0, 3, 0, "three");
    fs::write(three.join("model.bin"), "thr").unwrap();

    let ck = latest(&s.0).unwrap().unwrap();
    assert_eq!(ck.step, 2);
    assert_eq!(fs::read_to_string(ck.file("model.bin")).unwrap(), "two");
    assert_eq!(ck.skipped.len(), 1);
    assert_eq!(ck.skipped[0].dir, three);
    match &ck.skipped[0].reason {
        CheckpointError::Mismatch {
            file,
            expected,
            found,
            ..
        } => {
            assert_eq!(file, "model.bin");
            assert_eq!(expected, "5 bytes");
            assert_eq!(found, "3 bytes");
        }
        other => panic!("expected a size mismatch, got {other:?}"),
    }
    assert_eq!(steps(&s.0), [1, 2]);
}

#[test]
fn garbage_manifest_falls_back_and_reports() {
    let s = Scratch::new("garbage");
    save_text(&s.0, 1, 0, "one");
    let two = save_text(&s.0, 2, 0, "two");
    fs::write(two.join(MANIFEST), "{\"format\": 1, \"ste").unwrap();
    let ck = latest(&s.0).unwrap().unwrap();
    assert_eq!(ck.step, 1);
    assert!(matches!(
        &ck.skipped[..],
        [Skipped { dir, reason: CheckpointError::BadManifest { .. } }] if *dir == two
    ));
}

#[test]
fn same_size_corruption_needs_the_hash_check() {
    let s = Scratch::new("bitflip");
    save_text(&s.0, 1, 0, "one");
    let two = save_text(&s.0, 2, 0, "two");
    fs::write(two.join("model.bin"), "twx").unwrap();

    assert_eq!(latest(&s.0).unwrap().unwrap().step, 2);
    let unverified = latest(&s.0).unwrap().unwrap();
    assert!(matches!(
        unverified.verify(),
        Err(CheckpointError::Mismatch { ref expected, .. }) if expected.starts_with("sha256 ")
    ));
    let ck = latest_verified(&s.0).unwrap().unwrap();
    assert_eq!(ck.step, 1);
    assert_eq!(ck.skipped.len(), 1);
}

#[test]
fn all_broken_is_an_error_not_a_fresh_start() {
    let s = Scratch::new("all-broken");
    let one = save_text(&s.0, 1, 0, "one");
    fs::remove_file(one.join("state.json")).unwrap();
    match latest(&s.0) {
        Err(CheckpointError::NoneUsable { skipped, .. }) => {
            assert_eq!(skipped.len(), 1);
            assert!(matches!(skipped[0].reason, CheckpointError::Io { .. }));
        }
        other => panic!("expected NoneUsable, got {other:?}"),
    }
}

#[test]
fn manifests_that_lie_are_rejected() {
    let s = Scratch::new("lying");
    let one = save_text(&s.0, 1, 0, "one");
    let good = fs::read(one.join(MANIFEST)).unwrap();
    let mut m: Manifest = serde_json::from_slice(&good).unwrap();

    let entry = m.files.remove("model.bin").unwrap();
    m.files.insert("../outside".into(), entry.clone());
    fs::write(one.join(MANIFEST), serde_json::to_vec(&m).unwrap()).unwrap();
    assert!(matches!(
        latest(&s.0),
        Err(CheckpointError::NoneUsable { .. })
    ));

    m.files.remove("../outside");
    m.files.insert("model.bin".into(), entry);
    m.step = 2;
    fs::write(one.join(MANIFEST), serde_json::to_vec(&m).unwrap()).unwrap();
    let err = latest(&s.0).unwrap_err().to_string();
    assert!(
        err.contains("step 2 in a directory named for step 1"),
        "{err}"
    );

    m.step = 1;
    m.format = 2;
    fs::write(one.join(MANIFEST), serde_json::to_vec(&m).unwrap()).unwrap();
    let err = latest(&s.0).unwrap_err().to_string();
    assert!(err.contains("format 2 (this build reads 1)"), "{err}");

    fs::write(one.join(MANIFEST), &good).unwrap();
    assert_eq!(latest(&s.0).unwrap().unwrap().step, 1);
}

#[test]
fn resaving_a_step_replaces_it() {
    let s = Scratch::new("resave");
    save_text(&s.0, 1, 0, "one");
    save_text(&s.0, 2, 0, "first");
    save_text(&s.0, 2, 0, "second!");
    let ck = latest_verified(&s.0).unwrap().unwrap();
    assert_eq!(ck.step, 2);
    assert_eq!(fs::read_to_string(ck.file("model.bin")).unwrap(), "second!");
    assert_eq!(names(&s.0), ["step-00000001", "step-00000002"]);
}

#[test]
fn a_kill_between_the_two_renames_leaves_the_prev_copy_loadable() {
    let s = Scratch::new("prev");
    save_text(&s.0, 1, 0, "one");
    let two = save_text(&s.0, 2, 0, "two");
    let prev = checkpoints_dir(&s.0).join("step-00000002.prev");
    fs::rename(&two, &prev).unwrap();

    let ck = latest_verified(&s.0).unwrap().unwrap();
    assert_eq!((ck.step, &ck.dir), (2, &prev));

    // Both present and the plain one broken: the .prev copy is used.
    fs::create_dir(&two).unwrap();
    for entry in fs::read_dir(&prev).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), two.join(entry.file_name())).unwrap();
    }
    fs::write(two.join("model.bin"), "t").unwrap();
    let ck = latest(&s.0).unwrap().unwrap();
    assert_eq!((ck.step, &ck.dir), (2, &prev));
    assert_eq!(ck.skipped.len(), 1);
    assert_eq!(ck.skipped[0].dir, two);

    // A later save of the step leaves a single plain copy.
    save_text(&s.0, 2, 0, "again");
    assert_eq!(names(&s.0), ["step-00000001", "step-00000002"]);
    let ck = latest_verified(&s.0).unwrap().unwrap();
    assert_eq!(fs::read_to_string(ck.file("model.bin")).unwrap(), "again");
}

#[test]
fn a_failed_write_leaves_nothing() {
    let s = Scratch::new("failed-write");
    save_text(&s.0, 1, 0, "one");
    let err = save(&s.0, 2, 0, |d| {
        fs::write(d.join("model.bin"), "partial")?;
        Err(io::Error::other("disk full"))
    })
    .unwrap_err();
    assert!(matches!(err, CheckpointError::Io { .. }));
    assert_eq!(names(&s.0), ["step-00000001"]);

    let err = save(&s.0, 3, 0, |d| fs::write(d.join(MANIFEST), "{}")).unwrap_err();
    assert!(chain(&err).contains("manifest.json is written by"), "{err}");
    assert_eq!(names(&s.0), ["step-00000001"]);
}

#[test]
fn names_are_classified() {
    assert_eq!(
        classify("step-00000040"),
        Entry::Step {
            step: 40,
            prev: false
        }
    );
    assert_eq!(
        classify("step-123456789.prev"),
        Entry::Step {
            step: 123_456_789,
            prev: true
        }
    );
    assert_eq!(
        classify(".tmp-step-00000040-77"),
        Entry::Tmp { pid: Some(77) }
    );
    assert_eq!(classify(".trash-step-1-2"), Entry::Trash);
    assert_eq!(classify("step-"), Entry::Other);
    assert_eq!(classify("step-12a"), Entry::Other);
    assert_eq!(classify("step-+12"), Entry::Other);
    assert_eq!(classify("notes.txt"), Entry::Other);
}

#[test]
fn write_atomic_replaces_whole_files() {
    let s = Scratch::new("write-atomic");
    let path = s.0.join("run.json");
    write_atomic(&path, b"{\"a\":1}").unwrap();
    write_atomic(&path, b"{}").unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"{}");
    let entries: Vec<_> = fs::read_dir(&s.0).unwrap().collect();
    assert_eq!(entries.len(), 1, "no temporary file left behind");
    assert!(write_atomic(&s.0.join("missing/run.json"), b"x").is_err());
}
