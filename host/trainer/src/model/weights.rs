use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tch::nn::VarStore;
use tch::Tensor;

/// Weights that do not fit the model.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    #[error("{path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("{dir}: no model.safetensors or model.safetensors.index.json")]
    NoWeights { dir: PathBuf },
    #[error("weights are missing {count} tensor(s) the model needs, e.g. `{first}`")]
    Missing { count: usize, first: String },
    #[error("tensor `{name}` has shape {found:?} in the checkpoint, the model needs {expected:?}")]
    Shape {
        name: String,
        found: Vec<i64>,
        expected: Vec<i64>,
    },
}

/// The safetensors files of a Hugging Face folder: one file, or the shards
/// named by `model.safetensors.index.json`.
pub(crate) fn safetensors_files(dir: &Path) -> Result<Vec<PathBuf>, WeightsError> {
    let single = dir.join("model.safetensors");
    if single.is_file() {
        return Ok(vec![single]);
    }
    let index = dir.join("model.safetensors.index.json");
    if !index.is_file() {
        return Err(WeightsError::NoWeights {
            dir: dir.to_path_buf(),
        });
    }
    let read_err = |message: String| WeightsError::Read {
        path: index.clone(),
        message,
    };
    let text = std::fs::read_to_string(&index).map_err(|e| read_err(e.to_string()))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| read_err(e.to_string()))?;
    let map = v["weight_map"]
        .as_object()
        .ok_or_else(|| read_err("no `weight_map` object".into()))?;
    let mut files: Vec<PathBuf> = map
        .values()
        .filter_map(|f| f.as_str())
        .map(|f| dir.join(f))
        .collect();
    files.sort();
    files.dedup();
    Ok(files)
}

/// Copies checkpoint tensors into the variables of `vs` by name, converting
/// dtype and device. Every variable must be found with its exact shape;
/// checkpoint tensors the model does not use (rotary caches...) are ignored.
pub fn load_into(vs: &VarStore, files: &[PathBuf]) -> Result<(), WeightsError> {
    let mut wanted: HashMap<String, Tensor> = vs.variables();
    for file in files {
        let tensors = Tensor::read_safetensors(file).map_err(|e| WeightsError::Read {
            path: file.clone(),
            message: e.to_string(),
        })?;
        for (name, t) in tensors {
            let Some(var) = wanted.remove(&name) else {
                continue;
            };
            if var.size() != t.size() {
                return Err(WeightsError::Shape {
                    name,
                    found: t.size(),
                    expected: var.size(),
                });
            }
            tch::no_grad(|| {
                let mut var = var;
                var.copy_(&t.to_kind(var.kind()).to_device(var.device()));
            });
        }
    }
    if !wanted.is_empty() {
        let mut names: Vec<String> = wanted.into_keys().collect();
        names.sort();
        return Err(WeightsError::Missing {
            count: names.len(),
            first: names[0].clone(),
        });
    }
    Ok(())
}
