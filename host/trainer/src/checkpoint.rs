//! Atomic checkpoint directories.
//!
//! A checkpoint is one directory, `OUTPUT/checkpoints/step-00000040/`,
//! holding whatever files the caller wrote (model, optimizer, sampler state,
//! RNG, reward digests) and a `manifest.json` that names each file with its
//! size and sha256:
//!
//! ```text
//! OUTPUT/checkpoints/
//!   step-00000030/            complete: files + manifest.json
//!   step-00000040/
//!     model.safetensors
//!     manifest.json           {"format": 1, "step": 40, "files": {...}, "created_unix": ...}
//!   .tmp-step-00000050-4242/  a save in progress (or killed), never read
//! ```
//!
//! The directory is built under a `.tmp-*` name and renamed into place only
//! after every file and the manifest are fsynced, so a process killed at any
//! moment leaves either a complete checkpoint or a temporary directory that
//! readers ignore and the next save removes. Old checkpoints leave the same
//! way: renamed to `.trash-*` first, then deleted, so a half-deleted one is
//! never seen under a step name.
//!
//! Re-saving a step that exists (a resumed run that fell back to an older
//! checkpoint) moves the old directory to `step-N.prev` before the new one
//! takes its name; readers accept `step-N.prev` when `step-N` is missing or
//! broken, so there is no moment without a loadable copy of that step.
//!
//! One writer per output directory is assumed: temporary names carry the
//! writer's pid so that a save removes only what other (crashed) processes
//! left behind.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The manifest's file name inside a checkpoint directory; callers may not
/// write a file of this name.
pub const MANIFEST: &str = "manifest.json";
/// The manifest format this module writes and reads.
pub const FORMAT: u32 = 1;

const CHECKPOINTS: &str = "checkpoints";
const PREV_SUFFIX: &str = ".prev";
const TMP_PREFIX: &str = ".tmp-";
const TRASH_PREFIX: &str = ".trash-";

/// What `manifest.json` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    pub step: u64,
    /// Keyed by path relative to the checkpoint directory, `/`-separated.
    pub files: BTreeMap<String, FileEntry>,
    pub created_unix: u64,
}

/// One file of a checkpoint as it was when saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub bytes: u64,
    /// Lowercase hex.
    pub sha256: String,
}

/// A complete checkpoint found on disk.
#[derive(Debug)]
pub struct Checkpoint {
    pub step: u64,
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// Newer (or same-step) checkpoint directories that [`latest`] passed
    /// over to reach this one, with the reason; the trainer should report
    /// them. Always empty from [`list`].
    pub skipped: Vec<Skipped>,
}

/// A checkpoint directory that could not be used.
#[derive(Debug)]
pub struct Skipped {
    pub dir: PathBuf,
    pub reason: CheckpointError,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint I/O failed on {}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("bad checkpoint manifest {}: {reason}", path.display())]
    BadManifest { path: PathBuf, reason: String },
    #[error("checkpoint file {} ({file}): expected {expected}, found {found}", path.display())]
    Mismatch {
        path: PathBuf,
        file: String,
        expected: String,
        found: String,
    },
    /// Checkpoint directories exist but none is complete: resuming would
    /// silently start over, so this is an error rather than `None`.
    #[error("no usable checkpoint in {}: {}", root.display(), describe(skipped))]
    NoneUsable {
        root: PathBuf,
        skipped: Vec<Skipped>,
    },
}

fn describe(skipped: &[Skipped]) -> String {
    skipped
        .iter()
        .map(|s| format!("{}: {}", s.dir.display(), chain(&s.reason)))
        .collect::<Vec<_>>()
        .join("; ")
}

fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        out.push_str(": ");
        out.push_str(&e.to_string());
        source = e.source();
    }
    out
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> CheckpointError + '_ {
    move |source| CheckpointError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Checkpoint {
    /// The path of one of the checkpoint's files (`name` as in the manifest).
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Re-hashes every file against the manifest.
    pub fn verify(&self) -> Result<(), CheckpointError> {
        check_files(&self.dir, &self.manifest, true)
    }
}

/// `root/checkpoints`, where [`save`] puts checkpoint directories.
pub fn checkpoints_dir(root: &Path) -> PathBuf {
    root.join(CHECKPOINTS)
}

fn step_name(step: u64) -> String {
    format!("step-{step:08}")
}

/// Saves the checkpoint for `step` under `root/checkpoints/` and returns its
/// directory.
///
/// `write` gets an empty directory to fill with regular files (subdirectories
/// allowed, symlinks not, `manifest.json` reserved). Afterwards every file is
/// hashed and fsynced, the manifest written, and the directory renamed into
/// place. Then the `keep_last` newest complete checkpoints are kept (0 keeps
/// all; the one just saved is always kept), older ones removed, and
/// temporary directories of other processes deleted. When pruning fails the
/// new checkpoint is nonetheless in place.
pub fn save(
    root: &Path,
    step: u64,
    keep_last: usize,
    write: impl FnOnce(&Path) -> io::Result<()>,
) -> Result<PathBuf, CheckpointError> {
    let dir = checkpoints_dir(root);
    create_dir_durable(&dir).map_err(io_at(&dir))?;
    let pid = std::process::id();
    let name = step_name(step);

    let tmp = dir.join(format!("{TMP_PREFIX}{name}-{pid}"));
    if exists(&tmp) {
        // Left by an earlier failed save of this same process.
        fs::remove_dir_all(&tmp).map_err(io_at(&tmp))?;
    }
    fs::create_dir(&tmp).map_err(io_at(&tmp))?;
    let staged = write(&tmp)
        .map_err(io_at(&tmp))
        .and_then(|()| seal(&tmp, step));
    if let Err(e) = staged {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }

    let target = dir.join(&name);
    let prev = dir.join(format!("{name}{PREV_SUFFIX}"));
    if exists(&target) && exists(&prev) {
        // Keep one copy that loads until the new one is in place: the newer
        // `target` unless it is the broken one.
        if open(&target, step, false).is_err() && open(&prev, step, false).is_ok() {
            discard(&dir, &target, pid)?;
        } else {
            discard(&dir, &prev, pid)?;
        }
    }
    if exists(&target) {
        fs::rename(&target, &prev).map_err(io_at(&target))?;
        sync_dir(&dir).map_err(io_at(&dir))?;
    }
    fs::rename(&tmp, &target).map_err(io_at(&target))?;
    sync_dir(&dir).map_err(io_at(&dir))?;

    prune(&dir, step, keep_last, pid)?;
    Ok(target)
}

/// Hashes and fsyncs what the caller wrote, then writes the manifest.
fn seal(tmp: &Path, step: u64) -> Result<(), CheckpointError> {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    collect(tmp, "", &mut files, &mut dirs)?;

    let mut entries = BTreeMap::new();
    for (name, path) in files {
        let file = File::open(&path).map_err(io_at(&path))?;
        let (bytes, sha256) = hash(&file).map_err(io_at(&path))?;
        // The caller's writes may still sit in the page cache.
        file.sync_all().map_err(io_at(&path))?;
        entries.insert(name, FileEntry { bytes, sha256 });
    }

    let manifest = Manifest {
        format: FORMAT,
        step,
        files: entries,
        created_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    };
    let path = tmp.join(MANIFEST);
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| CheckpointError::BadManifest {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let mut file = File::create(&path).map_err(io_at(&path))?;
    file.write_all(&json).map_err(io_at(&path))?;
    file.sync_all().map_err(io_at(&path))?;

    // `collect` lists subdirectories deepest first; the renamed directory
    // itself comes last.
    for d in dirs.iter().chain(std::iter::once(&tmp.to_path_buf())) {
        sync_dir(d).map_err(io_at(d))?;
    }
    Ok(())
}

fn collect(
    dir: &Path,
    prefix: &str,
    files: &mut Vec<(String, PathBuf)>,
    dirs: &mut Vec<PathBuf>,
) -> Result<(), CheckpointError> {
    let invalid = |path: &Path, kind: io::ErrorKind, msg: &str| CheckpointError::Io {
        path: path.to_path_buf(),
        source: io::Error::new(kind, msg.to_string()),
    };
    let mut entries = fs::read_dir(dir)
        .and_then(|it| it.collect::<io::Result<Vec<_>>>())
        .map_err(io_at(dir))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let Some(base) = entry.file_name().to_str().map(str::to_owned) else {
            return Err(invalid(
                &path,
                io::ErrorKind::InvalidData,
                "checkpoint file names must be UTF-8",
            ));
        };
        let name = format!("{prefix}{base}");
        if name == MANIFEST {
            return Err(invalid(
                &path,
                io::ErrorKind::InvalidInput,
                "manifest.json is written by checkpoint::save",
            ));
        }
        let kind = entry.file_type().map_err(io_at(&path))?;
        if kind.is_dir() {
            collect(&path, &format!("{name}/"), files, dirs)?;
            dirs.push(path);
        } else if kind.is_file() {
            files.push((name, path));
        } else {
            return Err(invalid(
                &path,
                io::ErrorKind::InvalidInput,
                "checkpoints hold regular files and directories only",
            ));
        }
    }
    Ok(())
}

fn hash(mut reader: impl Read) -> io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((total, hex::encode(hasher.finalize())))
}

/// The newest complete checkpoint, checking that each file exists with the
/// size the manifest gives. Broken newer ones are passed over and listed in
/// [`Checkpoint::skipped`]; `Ok(None)` means there are no checkpoint
/// directories at all, [`CheckpointError::NoneUsable`] that all are broken.
pub fn latest(root: &Path) -> Result<Option<Checkpoint>, CheckpointError> {
    find_latest(root, false)
}

/// Like [`latest`], but also re-hashes every file of each candidate.
pub fn latest_verified(root: &Path) -> Result<Option<Checkpoint>, CheckpointError> {
    find_latest(root, true)
}

fn find_latest(root: &Path, verify: bool) -> Result<Option<Checkpoint>, CheckpointError> {
    let dir = checkpoints_dir(root);
    let mut skipped = Vec::new();
    for (step, candidates) in scan(&dir)?.into_iter().rev() {
        for candidate in candidates {
            match open(&candidate, step, verify) {
                Ok(manifest) => {
                    return Ok(Some(Checkpoint {
                        step,
                        dir: candidate,
                        manifest,
                        skipped,
                    }))
                }
                Err(reason) => skipped.push(Skipped {
                    dir: candidate,
                    reason,
                }),
            }
        }
    }
    if skipped.is_empty() {
        Ok(None)
    } else {
        Err(CheckpointError::NoneUsable { root: dir, skipped })
    }
}

/// The complete checkpoints (sizes checked, not hashes), oldest first, one
/// per step.
pub fn list(root: &Path) -> Result<Vec<Checkpoint>, CheckpointError> {
    let mut out = Vec::new();
    for (step, candidates) in scan(&checkpoints_dir(root))? {
        if let Some((dir, manifest)) = candidates
            .into_iter()
            .find_map(|c| open(&c, step, false).ok().map(|m| (c, m)))
        {
            out.push(Checkpoint {
                step,
                dir,
                manifest,
                skipped: Vec::new(),
            });
        }
    }
    Ok(out)
}

/// What a name in `checkpoints/` is.
#[derive(Debug, PartialEq, Eq)]
enum Entry {
    Step { step: u64, prev: bool },
    Tmp { pid: Option<u32> },
    Trash,
    Other,
}

fn classify(name: &str) -> Entry {
    if let Some(rest) = name.strip_prefix(TMP_PREFIX) {
        let pid = rest.rsplit_once('-').and_then(|(_, p)| p.parse().ok());
        return Entry::Tmp { pid };
    }
    if name.starts_with(TRASH_PREFIX) {
        return Entry::Trash;
    }
    let Some(rest) = name.strip_prefix("step-") else {
        return Entry::Other;
    };
    let (digits, prev) = match rest.strip_suffix(PREV_SUFFIX) {
        Some(d) => (d, true),
        None => (rest, false),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Entry::Other;
    }
    match digits.parse() {
        Ok(step) => Entry::Step { step, prev },
        Err(_) => Entry::Other,
    }
}

fn read_entries(dir: &Path) -> Result<Vec<(String, Entry)>, CheckpointError> {
    let it = match fs::read_dir(dir) {
        Ok(it) => it,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_at(dir)(e)),
    };
    let mut out = Vec::new();
    for entry in it {
        let entry = entry.map_err(io_at(dir))?;
        if let Some(name) = entry.file_name().to_str() {
            out.push((name.to_owned(), classify(name)));
        }
    }
    Ok(out)
}

/// Candidate directories per step, `step-N` before `step-N.prev`.
fn scan(dir: &Path) -> Result<BTreeMap<u64, Vec<PathBuf>>, CheckpointError> {
    let mut by_step: BTreeMap<u64, Vec<(bool, PathBuf)>> = BTreeMap::new();
    for (name, entry) in read_entries(dir)? {
        if let Entry::Step { step, prev } = entry {
            by_step
                .entry(step)
                .or_default()
                .push((prev, dir.join(name)));
        }
    }
    Ok(by_step
        .into_iter()
        .map(|(step, mut c)| {
            c.sort();
            (step, c.into_iter().map(|(_, p)| p).collect())
        })
        .collect())
}

/// Reads and checks one candidate directory.
fn open(dir: &Path, step: u64, verify: bool) -> Result<Manifest, CheckpointError> {
    let path = dir.join(MANIFEST);
    let text = fs::read(&path).map_err(io_at(&path))?;
    let bad = |reason: String| CheckpointError::BadManifest {
        path: path.clone(),
        reason,
    };
    // The format first, so that a newer manifest is reported as such rather
    // than as unknown fields.
    #[derive(Deserialize)]
    struct Format {
        format: u32,
    }
    let format = serde_json::from_slice::<Format>(&text).map_err(|e| bad(e.to_string()))?;
    if format.format != FORMAT {
        return Err(bad(format!(
            "format {} (this build reads {FORMAT})",
            format.format
        )));
    }
    let manifest: Manifest = serde_json::from_slice(&text).map_err(|e| bad(e.to_string()))?;
    if manifest.step != step {
        return Err(bad(format!(
            "step {} in a directory named for step {step}",
            manifest.step
        )));
    }
    for (name, entry) in &manifest.files {
        if !safe_name(name) {
            return Err(bad(format!("file name {name:?} leaves the directory")));
        }
        let hex_ok = entry.sha256.len() == 64
            && entry
                .sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !hex_ok {
            return Err(bad(format!(
                "{name}: sha256 is not 64 lowercase hex digits"
            )));
        }
    }
    check_files(dir, &manifest, verify)?;
    Ok(manifest)
}

fn safe_name(name: &str) -> bool {
    name != MANIFEST
        && !name.contains('\\')
        && name
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

fn check_files(dir: &Path, manifest: &Manifest, verify: bool) -> Result<(), CheckpointError> {
    for (name, entry) in &manifest.files {
        let path = dir.join(name);
        let mismatch = |expected: String, found: String| CheckpointError::Mismatch {
            path: path.clone(),
            file: name.clone(),
            expected,
            found,
        };
        let meta = fs::symlink_metadata(&path).map_err(io_at(&path))?;
        if !meta.is_file() {
            return Err(mismatch("a regular file".into(), "something else".into()));
        }
        if meta.len() != entry.bytes {
            return Err(mismatch(
                format!("{} bytes", entry.bytes),
                format!("{} bytes", meta.len()),
            ));
        }
        if verify {
            let file = File::open(&path).map_err(io_at(&path))?;
            let (bytes, sha256) = hash(file).map_err(io_at(&path))?;
            if bytes != entry.bytes {
                return Err(mismatch(
                    format!("{} bytes", entry.bytes),
                    format!("{bytes} bytes"),
                ));
            }
            if sha256 != entry.sha256 {
                return Err(mismatch(
                    format!("sha256 {}", entry.sha256),
                    format!("sha256 {sha256}"),
                ));
            }
        }
    }
    Ok(())
}

/// Removes temporary directories of other processes and trash, keeps the
/// `keep_last` newest complete checkpoints plus `saved`, and removes the
/// rest: older complete ones, broken ones older than every kept one, and
/// `.prev` copies whose step is complete again.
fn prune(dir: &Path, saved: u64, keep_last: usize, pid: u32) -> Result<(), CheckpointError> {
    let mut steps: BTreeMap<u64, Vec<PathBuf>> = BTreeMap::new();
    for (name, entry) in read_entries(dir)? {
        let path = dir.join(&name);
        match entry {
            Entry::Tmp { pid: Some(p) } if p == pid => {}
            Entry::Tmp { .. } => discard(dir, &path, pid)?,
            Entry::Trash => remove_any(&path)?,
            Entry::Step { step, .. } => steps.entry(step).or_default().push(path),
            Entry::Other => {}
        }
    }

    let mut complete_plain = BTreeSet::new();
    let mut complete = BTreeSet::new();
    for (&step, candidates) in &mut steps {
        candidates.sort();
        for c in candidates.iter() {
            if open(c, step, false).is_ok() {
                complete.insert(step);
                if !is_prev(c) {
                    complete_plain.insert(step);
                }
            }
        }
    }
    let mut keep: BTreeSet<u64> = if keep_last == 0 {
        complete.clone()
    } else {
        complete.iter().rev().take(keep_last).copied().collect()
    };
    keep.insert(saved);
    let oldest_kept = keep.first().copied().unwrap_or(saved);

    for (step, candidates) in steps {
        let drop_step = if keep.contains(&step) {
            false
        } else if complete.contains(&step) {
            true
        } else {
            // Broken: evidence worth keeping unless outside the window.
            keep_last > 0 && step < oldest_kept
        };
        for c in candidates {
            if drop_step || (is_prev(&c) && complete_plain.contains(&step)) {
                discard(dir, &c, pid)?;
            }
        }
    }
    Ok(())
}

fn is_prev(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(PREV_SUFFIX))
}

/// Takes a directory out of the step namespace in one rename, then deletes
/// it, so a kill midway leaves only trash.
fn discard(dir: &Path, path: &Path, pid: u32) -> Result<(), CheckpointError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let trash = dir.join(format!("{TRASH_PREFIX}{name}-{pid}"));
    if exists(&trash) {
        remove_any(&trash)?;
    }
    fs::rename(path, &trash).map_err(io_at(path))?;
    remove_any(&trash)
}

fn remove_any(path: &Path) -> Result<(), CheckpointError> {
    let result = match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) => Err(e),
    };
    match result {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_at(path)(e)),
        _ => Ok(()),
    }
}

fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// Creates `dir` and any missing parents, fsyncing the parents of what was
/// created so the new directories survive a power cut.
fn create_dir_durable(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut missing = Vec::new();
    let mut p = dir;
    while !exists(p) {
        missing.push(p.to_path_buf());
        match p.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => p = parent,
            _ => break,
        }
    }
    fs::create_dir_all(dir)?;
    for m in missing.iter().rev() {
        sync_dir(parent_or_cwd(m))?;
    }
    Ok(())
}

fn parent_or_cwd(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Replaces `path` with `bytes` so that readers see the old or the new
/// content, never a mix: a temporary file in the same directory, fsync,
/// rename, fsync of the directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let Some(name) = path.file_name() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} names no file", path.display()),
        ));
    };
    let parent = parent_or_cwd(path);
    let tmp = parent.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_dir(parent)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests;
