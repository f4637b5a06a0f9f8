//! GGUF tensor names to Hugging Face (transformers `LlamaForCausalLM` / `Qwen2ForCausalLM`) names.

/// Which rotary-embedding permutation, if any, applies to a tensor (see [`crate::permute`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// `self_attn.q_proj` weight or bias.
    Query,
    /// `self_attn.k_proj` weight or bias.
    Key,
    Other,
}

/// A mapped name and what kind of projection the tensor is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HfName {
    pub name: String,
    pub projection: Projection,
}

/// Maps a llama/qwen2 GGUF tensor name to its Hugging Face name; `None` for tensors with no
/// Hugging Face counterpart (e.g. `rope_freqs.weight`) or names this crate does not know.
pub fn hf_name(gguf: &str) -> Option<HfName> {
    let other = |name: &str| {
        Some(HfName {
            name: name.to_owned(),
            projection: Projection::Other,
        })
    };
    match gguf {
        "token_embd.weight" => return other("model.embed_tokens.weight"),
        "output_norm.weight" => return other("model.norm.weight"),
        "output.weight" => return other("lm_head.weight"),
        _ => {}
    }
    let rest = gguf.strip_prefix("blk.")?;
    let (layer, rest) = rest.split_once('.')?;
    let layer: u32 = layer.parse().ok()?;
    let (module, suffix) = rest.rsplit_once('.')?;
    if suffix != "weight" && suffix != "bias" {
        return None;
    }
    let (hf_module, projection) = match module {
        "attn_q" => ("self_attn.q_proj", Projection::Query),
        "attn_k" => ("self_attn.k_proj", Projection::Key),
        "attn_v" => ("self_attn.v_proj", Projection::Other),
        "attn_output" => ("self_attn.o_proj", Projection::Other),
        "ffn_gate" => ("mlp.gate_proj", Projection::Other),
        "ffn_up" => ("mlp.up_proj", Projection::Other),
        "ffn_down" => ("mlp.down_proj", Projection::Other),
        "attn_norm" => ("input_layernorm", Projection::Other),
        "ffn_norm" => ("post_attention_layernorm", Projection::Other),
        _ => return None,
    };
    Some(HfName {
        name: format!("model.layers.{layer}.{hf_module}.{suffix}"),
        projection,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(g: &str) -> Option<String> {
        hf_name(g).map(|n| n.name)
    }

    #[test]
    fn maps_every_llama_and_qwen2_tensor() {
        let cases = [
            ("token_embd.weight", "model.embed_tokens.weight"),
            ("output_norm.weight", "model.norm.weight"),
            ("output.weight", "lm_head.weight"),
            (
                "blk.0.attn_q.weight",
                "model.layers.0.self_attn.q_proj.weight",
            ),
            (
                "blk.12.attn_k.weight",
                "model.layers.12.self_attn.k_proj.weight",
            ),
            (
                "blk.3.attn_v.weight",
                "model.layers.3.self_attn.v_proj.weight",
            ),
            (
                "blk.3.attn_output.weight",
                "model.layers.3.self_attn.o_proj.weight",
            ),
            ("blk.3.attn_q.bias", "model.layers.3.self_attn.q_proj.bias"),
            ("blk.3.attn_k.bias", "model.layers.3.self_attn.k_proj.bias"),
            ("blk.3.attn_v.bias", "model.layers.3.self_attn.v_proj.bias"),
            (
                "blk.29.ffn_gate.weight",
                "model.layers.29.mlp.gate_proj.weight",
            ),
            ("blk.29.ffn_up.weight", "model.layers.29.mlp.up_proj.weight"),
            (
                "blk.29.ffn_down.weight",
                "model.layers.29.mlp.down_proj.weight",
            ),
            (
                "blk.1.attn_norm.weight",
                "model.layers.1.input_layernorm.weight",
            ),
            (
                "blk.1.ffn_norm.weight",
                "model.layers.1.post_attention_layernorm.weight",
            ),
        ];
        for (g, hf) in cases {
            assert_eq!(name(g).as_deref(), Some(hf), "{g}");
        }
    }

    #[test]
    fn marks_query_and_key_projections() {
        let p = |g| hf_name(g).map(|n| n.projection);
        assert_eq!(p("blk.0.attn_q.weight"), Some(Projection::Query));
        assert_eq!(p("blk.0.attn_q.bias"), Some(Projection::Query));
        assert_eq!(p("blk.0.attn_k.weight"), Some(Projection::Key));
        assert_eq!(p("blk.0.attn_v.weight"), Some(Projection::Other));
    }

    #[test]
    fn unknown_names_are_not_mapped() {
        for g in [
            "rope_freqs.weight",
            "blk.x.attn_q.weight",
            "blk.0.attn_q.scale",
            "blk.0.ffn_gate_exps.weight",
            "blk.0",
            "",
        ] {
            assert_eq!(name(g), None, "{g}");
        }
    }
}
