//! The folder a dataset goes to: `data.jsonl` plus `images/NNNNN.png`.
//!
//! Each image is written to a temporary name and renamed, then its row is
//! appended to `data.jsonl` and flushed, so a row never names an image that
//! is not complete and an interrupted run keeps every row it finished.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;

/// The JSONL file inside the output folder.
pub const DATA_FILE: &str = "data.jsonl";
/// The folder of images inside the output folder.
pub const IMAGES_DIR: &str = "images";

/// Writes one dataset, row by row.
pub struct DatasetWriter {
    dir: PathBuf,
    jsonl: File,
    digits: usize,
    bar: ProgressBar,
}

impl DatasetWriter {
    /// Prepares `dir` for `count` rows. A folder that holds anything is
    /// refused unless `force`, which removes only what a dataset consists of
    /// (`data.jsonl` and numbered PNGs under `images/`) and keeps the rest.
    pub fn create(dir: &Path, count: u64, force: bool, progress: bool, what: &str) -> Result<Self> {
        if dir.exists() {
            if !dir.is_dir() {
                bail!("--out `{}` exists and is not a folder", dir.display());
            }
            let entries = fs::read_dir(dir)
                .with_context(|| format!("cannot read --out `{}`", dir.display()))?
                .count();
            if entries > 0 {
                if !force {
                    bail!(
                        "--out `{}` is not empty ({entries} entries); choose an empty or new \
                         folder, or pass --force to replace the dataset in it",
                        dir.display()
                    );
                }
                remove_dataset(dir)?;
            }
        }
        fs::create_dir_all(dir.join(IMAGES_DIR))
            .with_context(|| format!("cannot create `{}`", dir.join(IMAGES_DIR).display()))?;
        let jsonl_path = dir.join(DATA_FILE);
        let jsonl = File::create(&jsonl_path)
            .with_context(|| format!("cannot create `{}`", jsonl_path.display()))?;
        let digits = count.saturating_sub(1).to_string().len().max(5);
        let bar = if progress {
            let bar = ProgressBar::with_draw_target(Some(count), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:40}] {pos}/{len} rows ({per_sec}, eta {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message(what.to_string());
            bar
        } else {
            ProgressBar::hidden()
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            jsonl,
            digits,
            bar,
        })
    }

    /// The path, relative to the folder, of row `index`'s image.
    pub fn image_name(&self, index: u64) -> String {
        format!("{IMAGES_DIR}/{index:0width$}.png", width = self.digits)
    }

    /// Encodes an RGB image as PNG under `name` (from [`Self::image_name`]).
    pub fn write_png(&self, name: &str, width: u32, height: u32, rgb: &[u8]) -> Result<()> {
        let path = self.dir.join(name);
        let tmp = path.with_extension("png.tmp");
        let bytes = encode_png(width, height, rgb)?;
        fs::write(&tmp, bytes).with_context(|| format!("cannot write `{}`", tmp.display()))?;
        fs::rename(&tmp, &path).with_context(|| format!("cannot write `{}`", path.display()))?;
        Ok(())
    }

    /// Appends one row (its images already written) and flushes it.
    pub fn write_row(&mut self, row: &Value) -> Result<()> {
        let mut line = serde_json::to_vec(row)?;
        line.push(b'\n');
        self.jsonl
            .write_all(&line)
            .and_then(|_| self.jsonl.flush())
            .with_context(|| format!("cannot write `{}`", self.dir.join(DATA_FILE).display()))?;
        self.bar.inc(1);
        Ok(())
    }

    /// Syncs the JSONL and clears the bar; returns its path.
    pub fn finish(self) -> Result<PathBuf> {
        self.bar.finish_and_clear();
        self.jsonl.sync_all()?;
        Ok(self.dir.join(DATA_FILE))
    }
}

/// Removes an earlier dataset from `dir`: `data.jsonl` and the numbered
/// PNGs (and leftover temporary files) in `images/`.
fn remove_dataset(dir: &Path) -> Result<()> {
    let jsonl = dir.join(DATA_FILE);
    if jsonl.exists() {
        fs::remove_file(&jsonl).with_context(|| format!("cannot remove `{}`", jsonl.display()))?;
    }
    let images = dir.join(IMAGES_DIR);
    if !images.is_dir() {
        return Ok(());
    }
    for entry in fs::read_dir(&images)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let stem = name
            .strip_suffix(".png")
            .or_else(|| name.strip_suffix(".png.tmp"))
            .unwrap_or("");
        if !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit()) && path.is_file() {
            fs::remove_file(&path)
                .with_context(|| format!("cannot remove `{}`", path.display()))?;
        }
    }
    Ok(())
}

/// An 8-bit RGB PNG; the same pixels give the same bytes.
pub fn encode_png(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Balanced);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(bytes)
}
