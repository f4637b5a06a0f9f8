//! A checkpoint writer killed with SIGKILL at arbitrary moments never leaves
//! a latest checkpoint that loads wrong.
//!
//! The test binary re-runs itself as the writer: with `REWASM_CKPT_CHILD`
//! set, `child_writer` saves checkpoints forever (re-saving the step it
//! resumed from first, so replacing an existing step is killed too); the
//! parent kills it at varied moments, checks what is on disk, and starts it
//! again on the same directory.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use rewasm_trainer::checkpoint::{self, Checkpoint};

const CHILD_ENV: &str = "REWASM_CKPT_CHILD";
const KEEP_LAST: usize = 2;
const ROUNDS: usize = 15;
const MIB: usize = 1 << 20;

/// The files of step `step`: two of 2–8 MiB of pseudo-random bytes, so a
/// save takes long enough to be killed midway, and a small state file.
fn content(step: u64) -> Vec<(&'static str, Vec<u8>)> {
    let model_len = 2 * MIB + (step as usize * 1_234_567) % (6 * MIB);
    let optim_len = 2 * MIB + (step as usize * 7_654_321) % (6 * MIB);
    vec![
        ("model.bin", bytes(step, 1, model_len)),
        ("optimizer.bin", bytes(step, 2, optim_len)),
        (
            "state.json",
            format!("{{\"step\":{step},\"rng\":{}}}", step.wrapping_mul(0x9e37)).into_bytes(),
        ),
    ]
}

fn total_len(step: u64) -> usize {
    content(step).iter().map(|(_, d)| d.len()).sum()
}

/// splitmix64, seeded from the step and the file.
fn bytes(step: u64, file: u64, len: usize) -> Vec<u8> {
    let mut state =
        step.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ file.wrapping_mul(0xD1B5_4A32_D192_ED03);
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Writes in chunks so that a kill can land in the middle of a file.
fn write_chunked(path: &Path, data: &[u8]) -> io::Result<()> {
    let mut file = fs::File::create(path)?;
    for chunk in data.chunks(256 * 1024) {
        file.write_all(chunk)?;
    }
    Ok(())
}

/// Not a test on its own: the writer process that the kill test starts.
#[test]
fn child_writer() {
    let Some(root) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let root = PathBuf::from(root);
    // Resume like `--resume`: redo the latest step, then go on.
    let mut step = checkpoint::latest(&root)
        .expect("latest checkpoint in child")
        .map_or(1, |c| c.step);
    let stdout = io::stdout();
    loop {
        writeln!(stdout.lock(), "{MARK}saving {step}").expect("stdout");
        checkpoint::save(&root, step, KEEP_LAST, |dir| {
            for (name, data) in content(step) {
                write_chunked(&dir.join(name), &data)?;
            }
            writeln!(io::stdout().lock(), "{MARK}written {step}")
        })
        .expect("save in child");
        writeln!(stdout.lock(), "{MARK}saved {step}").expect("stdout");
        step += 1;
    }
}

/// A running child writer and the lines it printed, with when they arrived.
struct Writer {
    child: Child,
    lines: Receiver<(Instant, String)>,
    last: String,
}

impl Writer {
    fn spawn(root: &Path) -> Self {
        let mut child = Command::new(std::env::current_exe().expect("current_exe"))
            .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, root)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn child writer");
        let stdout = child.stdout.take().expect("child stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send((Instant::now(), line)).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            last: String::new(),
        }
    }

    /// Waits for the `count`-th line starting with `word` (`saving`,
    /// `written`, `saved`) and returns when it arrived and its step.
    fn await_line(&mut self, word: &str, count: usize) -> (Instant, u64) {
        let mut seen = 0;
        loop {
            match self.lines.recv_timeout(Duration::from_secs(120)) {
                Ok((at, line)) => {
                    // libtest prints `test child_writer ... ` without a newline
                    // first, so progress is found by its mark, not at the start.
                    let Some((_, progress)) = line.split_once(MARK) else {
                        continue;
                    };
                    let mut words = progress.split(' ');
                    let hit = words.next() == Some(word);
                    let step = words.next().and_then(|w| w.parse().ok());
                    self.last = progress.to_owned();
                    if hit {
                        seen += 1;
                        if seen == count {
                            return (at, step.expect("step in progress line"));
                        }
                    }
                }
                Err(e) => {
                    let status = self.child.try_wait().ok().flatten();
                    panic!("child writer stopped before `{word}` #{count} ({e}); exit {status:?}");
                }
            }
        }
    }

    /// Polls until the child's save of `step` has written its manifest into
    /// its temporary directory, or has finished.
    fn await_manifest(&mut self, root: &Path, step: u64) {
        let tmp = checkpoint::checkpoints_dir(root)
            .join(format!(".tmp-step-{step:08}-{}", self.child.id()))
            .join(checkpoint::MANIFEST);
        let deadline = Instant::now() + Duration::from_secs(120);
        while !tmp.exists() {
            while let Ok((_, line)) = self.lines.try_recv() {
                if let Some((_, progress)) = line.split_once(MARK) {
                    self.last = progress.to_owned();
                    if self.last.starts_with("saved") {
                        return;
                    }
                }
            }
            assert!(Instant::now() < deadline, "no manifest for step {step}");
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// SIGKILLs the child and returns its last progress line.
    fn kill(&mut self) -> String {
        self.child.kill().expect("SIGKILL child");
        self.child.wait().expect("reap child");
        for (_, line) in self.lines.iter() {
            if let Some((_, progress)) = line.split_once(MARK) {
                self.last = progress.to_owned();
            }
        }
        std::mem::take(&mut self.last)
    }
}

impl Drop for Writer {
    /// A failing assertion must not leave a writer looping forever.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Marks the child's progress lines: `saving N`, `written N` (the caller's
/// files are written; hashing, manifest, rename and pruning follow), `saved N`.
const MARK: &str = "ckpt-progress: ";

#[derive(Debug)]
enum Kill {
    /// After the child's line (`saving`, `written`), at this fraction of the
    /// rest of the save as round 0 timed it.
    Into(&'static str, f64),
    /// This many microseconds after the manifest appears in the child's
    /// temporary directory: the fsyncs, renames and pruning.
    AfterManifest(u64),
}

/// Names what was on disk at the kill, to tell which phase it hit.
fn phase(root: &Path, child_pid: u32, last_line: &str) -> &'static str {
    let dir = checkpoint::checkpoints_dir(root);
    let names: Vec<String> = fs::read_dir(&dir)
        .expect("read checkpoints dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let own = format!("-{child_pid}");
    let tmp = names
        .iter()
        .find(|n| n.starts_with(".tmp-") && n.ends_with(&own));
    let prev = names.iter().any(|n| n.ends_with(".prev"));
    let trash = names
        .iter()
        .any(|n| n.starts_with(".trash-") && n.ends_with(&own));
    match tmp {
        Some(_) if prev => "re-save: old copy moved to .prev, new not yet renamed",
        Some(t) if dir.join(t).join(checkpoint::MANIFEST).exists() => {
            "manifest written, before rename"
        }
        Some(_) if last_line.starts_with("written") => "hashing and fsyncing files",
        Some(_) => "caller writing files",
        None if prev || trash => "renamed into place, pruning",
        None => "between saves",
    }
}

fn assert_content(ck: &Checkpoint) {
    let expected = content(ck.step);
    let names: Vec<&str> = ck.manifest.files.keys().map(String::as_str).collect();
    let mut want: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    want.sort_unstable();
    assert_eq!(names, want, "files of step {}", ck.step);
    for (name, data) in expected {
        let got = fs::read(ck.file(name)).expect("read checkpoint file");
        assert!(got == data, "{name} of step {} differs", ck.step);
    }
}

#[test]
fn kill_9_during_saves_leaves_a_loadable_latest_checkpoint() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("checkpoint_kill");
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(&root).expect("create test dir");

    // When to kill, per round, during which save of the run (the first
    // re-saves the resumed step).
    let plan = [
        Kill::Into("saving", 0.0),
        Kill::Into("saving", 0.3),
        Kill::Into("written", 0.0),
        Kill::AfterManifest(0),
        Kill::Into("written", 0.5),
        Kill::AfterManifest(100),
        Kill::Into("saving", 0.6),
        Kill::AfterManifest(300),
        Kill::Into("written", 0.9),
        Kill::AfterManifest(1000),
        Kill::Into("saving", 0.95),
        Kill::AfterManifest(3000),
        Kill::Into("written", 1.0),
        Kill::AfterManifest(10_000),
        Kill::AfterManifest(30_000),
    ];
    assert_eq!(plan.len(), ROUNDS);
    let mut phases: BTreeMap<&str, usize> = BTreeMap::new();
    let mut last_step = 0;
    let mut last_dir = String::new();
    let mut whole_save = Duration::ZERO;
    let mut after_write = Duration::ZERO;
    for (round, kill) in plan.into_iter().enumerate() {
        let mut writer = Writer::spawn(&root);
        if round == 0 {
            // Something must exist before the first kill for the check to
            // mean anything; the first save also sets the kill delays.
            let (saving, first) = writer.await_line("saving", 1);
            let (written, _) = writer.await_line("written", 1);
            let (saved, _) = writer.await_line("saved", 1);
            // Per byte, since the steps' sizes differ.
            let bytes = total_len(first) as f64;
            whole_save = (saved - saving).div_f64(bytes);
            after_write = (saved - written).div_f64(bytes);
        }
        let nth = 1 + round % 3;
        match kill {
            Kill::Into(anchor, fraction) => {
                let per_byte = if anchor == "saving" {
                    whole_save
                } else {
                    after_write
                };
                let (_, step) = writer.await_line(anchor, nth);
                std::thread::sleep(per_byte.mul_f64(fraction * total_len(step) as f64));
            }
            Kill::AfterManifest(micros) => {
                let (_, step) = writer.await_line("written", nth);
                writer.await_manifest(&root, step);
                std::thread::sleep(Duration::from_micros(micros));
            }
        }
        let pid = writer.child.id();
        let last_line = writer.kill();
        let hit = phase(&root, pid, &last_line);
        *phases.entry(hit).or_default() += 1;

        let ck = checkpoint::latest_verified(&root)
            .expect("latest_verified after kill")
            .expect("a checkpoint after kill");
        eprintln!(
            "round {round}: {kill:?} of save #{nth}: last line `{last_line}`, {hit}; latest step {}",
            ck.step
        );
        assert!(
            ck.skipped.is_empty(),
            "a kill left a broken checkpoint directory: {:?}",
            ck.skipped
        );
        assert!(
            ck.step >= last_step,
            "latest went back from {last_step} to {}",
            ck.step
        );
        last_step = ck.step;
        last_dir = ck
            .dir
            .file_name()
            .expect("dir name")
            .to_string_lossy()
            .into_owned();
        assert_content(&ck);
        for older in checkpoint::list(&root).expect("list") {
            assert_content(&older);
        }
    }
    eprintln!(
        "a save took {:?}/MiB, {:?}/MiB of it after the caller's writes",
        whole_save * MIB as u32,
        after_write * MIB as u32
    );
    eprintln!("kills by phase: {phases:?}");

    // A save by another process clears whatever the kills left behind.
    let next = last_step + 1;
    checkpoint::save(&root, next, KEEP_LAST, |dir| {
        for (name, data) in content(next) {
            fs::write(dir.join(name), data)?;
        }
        Ok(())
    })
    .expect("save after the kills");
    let mut left: Vec<String> = fs::read_dir(checkpoint::checkpoints_dir(&root))
        .expect("read checkpoints dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    // The newest checkpoint from before stays under whatever name it had
    // (`step-N.prev` when the last kill fell between the two renames).
    assert_eq!(left, [last_dir, format!("step-{next:08}")]);
    let _ = fs::remove_dir_all(&root);
}
