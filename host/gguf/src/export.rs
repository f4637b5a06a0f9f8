//! Writing a GGUF model out as a Hugging Face model folder.
//!
//! The folder holds `config.json`, `model.safetensors` (every mapped tensor dequantized to f32,
//! Hugging Face names, llama Q/K un-permuted), `tokenizer.json`, `tokenizer_config.json` and
//! `generation_config.json`. It is built in a sibling `<out>.tmp-<pid>` folder and renamed into
//! place at the end, so an interrupted export leaves no half-written `out`. Tensors are
//! dequantized and written one at a time.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};

use crate::config::ModelParams;
use crate::convert::hf_tensor;
use crate::error::{Error, Result};
use crate::file::GgufFile;
use crate::names::hf_name;
use crate::safetensors::f32_header;
use crate::tokenizer::hf_tokenizer;

/// What [`export_hf_folder`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSummary {
    /// The finished folder.
    pub folder: PathBuf,
    /// Tensors written to `model.safetensors`.
    pub tensors: usize,
    /// Size of `model.safetensors` in bytes.
    pub safetensors_bytes: u64,
    /// GGUF tensors with no Hugging Face counterpart (e.g. `rope_freqs.weight`), not written.
    pub skipped: Vec<String>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |error| Error::Io {
        source_name: path.display().to_string(),
        error,
    }
}

/// Converts the GGUF file at `gguf` into a Hugging Face folder at `out`.
///
/// An existing `out` that is a file or a non-empty folder is an [`Error::OutputExists`] unless
/// `force` is set; with `force` it is removed just before the finished folder is renamed into
/// place. `progress(done, total)` is called after each tensor.
pub fn export_hf_folder(
    gguf: &Path,
    out: &Path,
    force: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ExportSummary> {
    let file = GgufFile::open(gguf)?;
    let params = ModelParams::from_gguf(&file)?;
    let tokenizer = hf_tokenizer(&file)?;

    let occupied = match fs::read_dir(out) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        // A file (or something unreadable) is in the way.
        Err(_) => out.exists(),
    };
    if occupied && !force {
        return Err(Error::OutputExists {
            path: out.display().to_string(),
        });
    }

    let file_name = out.file_name().ok_or_else(|| Error::Io {
        source_name: out.display().to_string(),
        error: std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "output path has no folder name",
        ),
    })?;
    let mut tmp_name = file_name.to_owned();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = out.with_file_name(tmp_name);
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    fs::create_dir_all(&tmp).map_err(io(&tmp))?;

    let result = write_folder(&file, &params, &tokenizer, &tmp, progress).and_then(|summary| {
        if occupied {
            if out.is_dir() {
                fs::remove_dir_all(out).map_err(io(out))?;
            } else {
                fs::remove_file(out).map_err(io(out))?;
            }
        }
        fs::rename(&tmp, out).map_err(io(out))?;
        Ok(ExportSummary {
            folder: out.to_owned(),
            ..summary
        })
    });
    if result.is_err() {
        // Best effort: the error being returned matters more than a failed cleanup.
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

fn write_folder(
    file: &GgufFile,
    params: &ModelParams,
    tokenizer: &crate::tokenizer::HfTokenizer,
    dir: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ExportSummary> {
    let write_json = |name: &str, value: &Json| -> Result<()> {
        let path = dir.join(name);
        let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
        text.push('\n');
        fs::write(&path, text).map_err(io(&path))
    };
    write_json("config.json", &params.hf_config())?;
    write_json("tokenizer.json", &tokenizer.tokenizer)?;
    write_json("tokenizer_config.json", &tokenizer.config)?;
    write_json(
        "generation_config.json",
        &json!({
            "bos_token_id": tokenizer.bos_token_id,
            "eos_token_id": tokenizer.eos_token_id,
            "pad_token_id": tokenizer.pad_token_id,
        }),
    )?;

    let mut planned = Vec::new();
    let mut skipped = Vec::new();
    for info in &file.tensors {
        match hf_name(&info.name) {
            Some(mapped) => planned.push((info, mapped.name, info.shape())),
            None => skipped.push(info.name.clone()),
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (info, name, _) in &planned {
        if !seen.insert(name.as_str()) {
            return Err(Error::Shape {
                tensor: info.name.clone(),
                message: format!("maps to {name:?}, which another tensor already maps to"),
            });
        }
    }

    let layout: Vec<(String, Vec<usize>)> = planned
        .iter()
        .map(|(_, name, shape)| (name.clone(), shape.clone()))
        .collect();
    let (header, data_len) = f32_header(&layout);
    let path = dir.join("model.safetensors");
    let err = io(&path);
    let mut w = BufWriter::new(File::create(&path).map_err(&err)?);
    w.write_all(&header).map_err(&err)?;
    let total = planned.len();
    let mut bytes = Vec::new();
    for (done, (info, name, shape)) in planned.iter().enumerate() {
        let Some((_, tensor)) = hf_tensor(file, params, info)? else {
            // hf_name matched above, so hf_tensor maps it too.
            return Err(Error::TensorNotFound(name.clone()));
        };
        if &tensor.shape != shape || tensor.data.len() != shape.iter().product::<usize>() {
            return Err(Error::Shape {
                tensor: info.name.clone(),
                message: format!(
                    "dequantized to {} values of shape {:?}, expected shape {shape:?}",
                    tensor.data.len(),
                    tensor.shape
                ),
            });
        }
        bytes.clear();
        bytes.extend(tensor.data.iter().flat_map(|v| v.to_le_bytes()));
        w.write_all(&bytes).map_err(&err)?;
        progress(done + 1, total);
    }
    let f = w.into_inner().map_err(|e| err(e.into_error()))?;
    f.sync_all().map_err(&err)?;
    Ok(ExportSummary {
        folder: dir.to_owned(),
        tensors: total,
        safetensors_bytes: header.len() as u64 + data_len,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_image::{image, RawTensor};
    use crate::value::Value;

    fn strings(items: &[&str]) -> Value {
        Value::Array(items.iter().map(|s| Value::String((*s).into())).collect())
    }

    fn f32_bytes(values: impl IntoIterator<Item = f32>) -> Vec<u8> {
        values.into_iter().flat_map(f32::to_le_bytes).collect()
    }

    /// A one-layer llama with one 4-wide head (so the Q rows really are reordered), tied head.
    fn tiny_gguf(dir: &Path, unsupported_tensor: bool) -> PathBuf {
        let meta = vec![
            ("general.architecture", Value::String("llama".into())),
            ("llama.block_count", Value::U32(1)),
            ("llama.embedding_length", Value::U32(4)),
            ("llama.feed_forward_length", Value::U32(8)),
            ("llama.attention.head_count", Value::U32(1)),
            ("llama.attention.head_count_kv", Value::U32(1)),
            ("llama.context_length", Value::U32(32)),
            ("llama.attention.layer_norm_rms_epsilon", Value::F32(1e-5)),
            ("tokenizer.ggml.model", Value::String("gpt2".into())),
            ("tokenizer.ggml.pre", Value::String("smollm".into())),
            (
                "tokenizer.ggml.tokens",
                strings(&["<|end|>", "<|start|>", "a", "b", "ab", "Ġ"]),
            ),
            (
                "tokenizer.ggml.token_type",
                Value::Array([3, 3, 1, 1, 1, 1].map(Value::I32).to_vec()),
            ),
            ("tokenizer.ggml.merges", strings(&["a b"])),
            ("tokenizer.ggml.bos_token_id", Value::U32(1)),
            ("tokenizer.ggml.eos_token_id", Value::U32(0)),
        ];
        let mut tensors = vec![
            RawTensor {
                name: "token_embd.weight".into(),
                dims: vec![4, 6],
                type_id: 0,
                data: f32_bytes((0..24).map(|i| i as f32)),
            },
            RawTensor {
                // Row r holds r everywhere.
                name: "blk.0.attn_q.weight".into(),
                dims: vec![4, 4],
                type_id: 0,
                data: f32_bytes((0..16).map(|i| (i / 4) as f32)),
            },
            RawTensor {
                name: "output_norm.weight".into(),
                dims: vec![4],
                type_id: 0,
                data: f32_bytes([1.0, 2.0, 3.0, 4.0]),
            },
            RawTensor {
                name: "rope_freqs.weight".into(),
                dims: vec![2],
                type_id: 0,
                data: f32_bytes([0.5, 0.25]),
            },
        ];
        if unsupported_tensor {
            // ggml I8 (id 24) has no dequantizer here.
            tensors.push(RawTensor {
                name: "blk.0.attn_k.weight".into(),
                dims: vec![4, 4],
                type_id: 24,
                data: vec![1; 16],
            });
        }
        let path = dir.join("tiny.gguf");
        fs::write(&path, image(&meta, &tensors)).expect("writes");
        path
    }

    /// Reads a safetensors file back: name -> (shape, values), checking the layout rules.
    fn read_safetensors(path: &Path) -> Vec<(String, Vec<usize>, Vec<f32>)> {
        let bytes = fs::read(path).expect("reads");
        let n = u64::from_le_bytes(bytes[..8].try_into().expect("8")) as usize;
        assert_eq!((8 + n) % 8, 0, "data section is 8-byte aligned");
        let header: Json = serde_json::from_slice(&bytes[8..8 + n]).expect("json");
        let data = &bytes[8 + n..];
        let mut out = Vec::new();
        let mut end = 0;
        for (name, entry) in header.as_object().expect("object") {
            if name == "__metadata__" {
                assert_eq!(entry["format"], "pt");
                continue;
            }
            assert_eq!(entry["dtype"], "F32");
            let shape: Vec<usize> = entry["shape"]
                .as_array()
                .expect("shape")
                .iter()
                .map(|d| d.as_u64().expect("dim") as usize)
                .collect();
            let begin = entry["data_offsets"][0].as_u64().expect("begin") as usize;
            let stop = entry["data_offsets"][1].as_u64().expect("end") as usize;
            assert_eq!(begin, end, "{name}: contiguous");
            assert_eq!(stop - begin, shape.iter().product::<usize>() * 4, "{name}");
            end = stop;
            let values = data[begin..stop]
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().expect("4")))
                .collect();
            out.push((name.clone(), shape, values));
        }
        assert_eq!(end, data.len(), "data section fully covered");
        out
    }

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("rewasm-gguf-export-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    #[test]
    fn tiny_model_exports_to_a_complete_folder() {
        let dir = scratch("tiny");
        let gguf = tiny_gguf(&dir, false);
        let out = dir.join("hf");
        let mut calls = Vec::new();
        let summary =
            export_hf_folder(&gguf, &out, false, &mut |d, t| calls.push((d, t))).expect("exports");
        assert_eq!(summary.tensors, 3);
        assert_eq!(summary.skipped, vec!["rope_freqs.weight".to_owned()]);
        assert_eq!(calls, vec![(1, 3), (2, 3), (3, 3)]);

        let mut names: Vec<String> = fs::read_dir(&dir)
            .expect("lists")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, vec!["hf", "tiny.gguf"], "no temporary folder left");
        let mut files: Vec<String> = fs::read_dir(&out)
            .expect("lists")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(
            files,
            vec![
                "config.json",
                "generation_config.json",
                "model.safetensors",
                "tokenizer.json",
                "tokenizer_config.json"
            ]
        );
        let safetensors = out.join("model.safetensors");
        assert_eq!(
            fs::metadata(&safetensors).expect("stat").len(),
            summary.safetensors_bytes
        );

        let tensors = read_safetensors(&safetensors);
        let names: Vec<&str> = tensors.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "model.embed_tokens.weight",
                "model.layers.0.self_attn.q_proj.weight",
                "model.norm.weight"
            ]
        );
        assert_eq!(tensors[0].1, vec![6, 4]);
        assert_eq!(tensors[0].2, (0..24).map(|i| i as f32).collect::<Vec<_>>());
        assert_eq!(tensors[1].1, vec![4, 4]);
        let q_rows: Vec<f32> = tensors[1].2.chunks(4).map(|r| r[0]).collect();
        assert_eq!(q_rows, vec![0.0, 2.0, 1.0, 3.0], "llama Q un-permuted");
        assert_eq!(tensors[2].2, vec![1.0, 2.0, 3.0, 4.0]);

        let read = |name: &str| -> Json {
            serde_json::from_str(&fs::read_to_string(out.join(name)).expect("reads")).expect("json")
        };
        assert_eq!(read("config.json")["hidden_size"], 4);
        assert_eq!(read("config.json")["tie_word_embeddings"], true);
        assert_eq!(read("generation_config.json")["eos_token_id"], 0);
        assert_eq!(read("tokenizer_config.json")["bos_token"], "<|start|>");
        assert_eq!(read("tokenizer.json")["model"]["vocab"]["ab"], 4);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn existing_output_is_kept_unless_forced() {
        let dir = scratch("force");
        let gguf = tiny_gguf(&dir, false);
        let out = dir.join("hf");
        fs::create_dir_all(&out).expect("mkdir");
        fs::write(out.join("keep.txt"), "mine").expect("writes");
        let err = export_hf_folder(&gguf, &out, false, &mut |_, _| {}).expect_err("refuses");
        assert!(matches!(err, Error::OutputExists { .. }), "{err}");
        assert!(out.join("keep.txt").exists());

        export_hf_folder(&gguf, &out, true, &mut |_, _| {}).expect("forced");
        assert!(!out.join("keep.txt").exists());
        assert!(out.join("model.safetensors").exists());

        // An empty folder is simply replaced.
        let empty = dir.join("empty");
        fs::create_dir_all(&empty).expect("mkdir");
        export_hf_folder(&gguf, &empty, false, &mut |_, _| {}).expect("into empty folder");
        assert!(empty.join("config.json").exists());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn failure_leaves_nothing_behind() {
        let dir = scratch("fail");
        let gguf = tiny_gguf(&dir, true);
        let out = dir.join("hf");
        let mut written = 0;
        let err = export_hf_folder(&gguf, &out, false, &mut |d, _| written = d).expect_err("I8");
        assert!(matches!(err, Error::UnsupportedDequant { .. }), "{err}");
        assert_eq!(written, 3, "failed after writing three tensors");
        let left: Vec<_> = fs::read_dir(&dir).expect("lists").collect();
        assert_eq!(left.len(), 1, "only the input remains");
        let _ = fs::remove_dir_all(&dir);
    }
}
