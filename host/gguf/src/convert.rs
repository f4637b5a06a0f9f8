//! Turning a GGUF file's tensors into Hugging Face named, f32, row-major tensors.

use crate::config::ModelParams;
use crate::dequant::Tensor;
use crate::error::{Error, Result};
use crate::file::{GgufFile, TensorInfo};
use crate::names::{hf_name, Projection};
use crate::permute::unpermute_rows;

/// Dequantizes one tensor and returns it under its Hugging Face name, with the llama Q/K row
/// permutation undone. `Ok(None)` for tensors with no Hugging Face counterpart.
pub fn hf_tensor(
    file: &GgufFile,
    params: &ModelParams,
    info: &TensorInfo,
) -> Result<Option<(String, Tensor)>> {
    let Some(mapped) = hf_name(&info.name) else {
        return Ok(None);
    };
    let mut tensor = file.dequantize_info(info)?;
    let n_head = match mapped.projection {
        Projection::Query => params.head_count,
        Projection::Key => params.head_count_kv,
        Projection::Other => 0,
    };
    if n_head != 0 && params.architecture.qk_permuted() {
        let rows = tensor.shape.first().copied().unwrap_or(1);
        let cols = tensor.shape.iter().skip(1).product();
        tensor.data =
            unpermute_rows(&tensor.data, rows, cols, n_head as usize).ok_or_else(|| {
                Error::Shape {
                    tensor: info.name.clone(),
                    message: format!(
                        "shape {:?} does not split into {n_head} heads for the RoPE un-permutation",
                        tensor.shape
                    ),
                }
            })?;
    }
    Ok(Some((mapped.name, tensor)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_image::{image, RawTensor};
    use crate::value::Value;

    fn model(arch: &str) -> GgufFile {
        let k = |s: &str| format!("{arch}.{s}");
        let names = [
            k("block_count"),
            k("embedding_length"),
            k("feed_forward_length"),
            k("attention.head_count"),
            k("attention.head_count_kv"),
            k("context_length"),
            k("attention.layer_norm_rms_epsilon"),
            k("vocab_size"),
        ];
        let meta = vec![
            ("general.architecture", Value::String(arch.into())),
            (names[0].as_str(), Value::U32(1)),
            (names[1].as_str(), Value::U32(4)),
            (names[2].as_str(), Value::U32(8)),
            (names[3].as_str(), Value::U32(2)),
            (names[4].as_str(), Value::U32(1)),
            (names[5].as_str(), Value::U32(16)),
            (names[6].as_str(), Value::F32(1e-6)),
            (names[7].as_str(), Value::U32(32)),
        ];
        let rows = |n: usize| -> Vec<u8> {
            (0..n * 4)
                .flat_map(|i| ((i / 4) as f32).to_le_bytes())
                .collect()
        };
        let tensors = vec![
            // 4 rows of 4; row r holds the value r everywhere.
            RawTensor {
                name: "blk.0.attn_q.weight".into(),
                dims: vec![4, 4],
                type_id: 0,
                data: rows(4),
            },
            RawTensor {
                name: "blk.0.attn_v.weight".into(),
                dims: vec![4, 4],
                type_id: 0,
                data: rows(4),
            },
            RawTensor {
                name: "rope_freqs.weight".into(),
                dims: vec![4],
                type_id: 0,
                data: rows(1),
            },
        ];
        GgufFile::from_bytes(image(&meta, &tensors)).expect("parses")
    }

    fn row_ids(t: &Tensor) -> Vec<f32> {
        t.data.chunks(4).map(|r| r[0]).collect()
    }

    #[test]
    fn llama_q_is_unpermuted_and_renamed() {
        let f = model("llama");
        let p = ModelParams::from_gguf(&f).expect("params");
        let q = f.tensor("blk.0.attn_q.weight").expect("q").clone();
        // Two heads of dim 2: each head's half is 1 wide, so the reordering is the identity.
        let (name, t) = hf_tensor(&f, &p, &q).expect("ok").expect("mapped");
        assert_eq!(name, "model.layers.0.self_attn.q_proj.weight");
        assert_eq!(t.shape, vec![4, 4]);
        assert_eq!(row_ids(&t), vec![0.0, 1.0, 2.0, 3.0]);
        let rope = f.tensor("rope_freqs.weight").expect("rope").clone();
        assert!(hf_tensor(&f, &p, &rope).expect("ok").is_none());
    }

    #[test]
    fn llama_q_rows_are_reordered_when_heads_are_wide() {
        let mut f = model("llama");
        // One head of dim 4: GGUF rows [0,1,2,3] -> HF rows [0,2,1,3].
        f.metadata
            .insert("llama.attention.head_count".into(), Value::U32(1));
        f.metadata
            .insert("llama.attention.head_count_kv".into(), Value::U32(1));
        let p = ModelParams::from_gguf(&f).expect("params");
        let q = f.tensor("blk.0.attn_q.weight").expect("q").clone();
        let (_, t) = hf_tensor(&f, &p, &q).expect("ok").expect("mapped");
        assert_eq!(row_ids(&t), vec![0.0, 2.0, 1.0, 3.0]);
        let v = f.tensor("blk.0.attn_v.weight").expect("v").clone();
        let (_, t) = hf_tensor(&f, &p, &v).expect("ok").expect("mapped");
        assert_eq!(row_ids(&t), vec![0.0, 1.0, 2.0, 3.0]);
    }

    #[test]
    fn qwen2_q_is_not_permuted() {
        let mut f = model("qwen2");
        f.metadata
            .insert("qwen2.attention.head_count".into(), Value::U32(1));
        f.metadata
            .insert("qwen2.attention.head_count_kv".into(), Value::U32(1));
        let p = ModelParams::from_gguf(&f).expect("params");
        let q = f.tensor("blk.0.attn_q.weight").expect("q").clone();
        let (_, t) = hf_tensor(&f, &p, &q).expect("ok").expect("mapped");
        assert_eq!(row_ids(&t), vec![0.0, 1.0, 2.0, 3.0]);
    }
}
