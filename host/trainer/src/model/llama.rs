//! The Llama architecture (Touvron et al., 2023), which Qwen2 shares apart
//! from biases on the q/k/v projections: RMSNorm, rotary position embeddings
//! (rotate-half form), grouped-query attention, SwiGLU MLP, and tied or
//! separate output embeddings. Variable names mirror the Hugging Face
//! checkpoints, so weights load by name.

use std::path::Path;

use tch::nn::{self, Init, VarStore};
use tch::{Kind, Tensor};

use super::weights::{load_into, safetensors_files};
use super::{ModelConfig, WeightsError};
use crate::Device;

struct Linear {
    weight: Tensor,
    bias: Option<Tensor>,
}

impl Linear {
    fn new(p: nn::Path, input: usize, output: usize, bias: bool) -> Self {
        let weight = p.var(
            "weight",
            &[output as i64, input as i64],
            Init::Randn {
                mean: 0.0,
                stdev: 0.02,
            },
        );
        let bias = bias.then(|| p.var("bias", &[output as i64], Init::Const(0.0)));
        Linear { weight, bias }
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        x.linear(&self.weight, self.bias.as_ref())
    }
}

struct RmsNorm {
    weight: Tensor,
    eps: f64,
}

impl RmsNorm {
    fn new(p: nn::Path, size: usize, eps: f64) -> Self {
        RmsNorm {
            weight: p.var("weight", &[size as i64], Init::Const(1.0)),
            eps,
        }
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        // Normalise in f32 whatever the weights' dtype, as the reference does.
        let kind = x.kind();
        let xf = x.to_kind(Kind::Float);
        let var = xf.pow_tensor_scalar(2).mean_dim(-1, true, Kind::Float);
        (xf * (var + self.eps).rsqrt()).to_kind(kind) * &self.weight
    }
}

struct Attention {
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    heads: i64,
    kv_heads: i64,
    head_dim: i64,
}

struct Mlp {
    gate: Linear,
    up: Linear,
    down: Linear,
}

struct Layer {
    attn: Attention,
    mlp: Mlp,
    input_norm: RmsNorm,
    post_norm: RmsNorm,
}

/// Keys and values of past positions, per layer (`[batch, kv_heads, len, head_dim]`).
#[derive(Default)]
pub struct KvCache {
    layers: Vec<Option<(Tensor, Tensor)>>,
}

impl KvCache {
    /// Positions cached so far.
    pub fn len(&self) -> i64 {
        self.layers
            .first()
            .and_then(|l| l.as_ref())
            .map_or(0, |(k, _)| k.size()[2])
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps only the rows `index` (e.g. sequences still generating).
    pub fn select_rows(&mut self, index: &Tensor) {
        for (k, v) in self.layers.iter_mut().flatten() {
            *k = k.index_select(0, index);
            *v = v.index_select(0, index);
        }
    }
}

/// A causal language model: token ids in, next-token logits out.
pub struct CausalLm {
    cfg: ModelConfig,
    vs: VarStore,
    embed: Tensor,
    layers: Vec<Layer>,
    norm: RmsNorm,
    lm_head: Option<Tensor>,
    inv_freq: Tensor,
    device: Device,
}

impl CausalLm {
    /// A model with random weights (normal, std 0.02), seeded.
    pub fn random(cfg: &ModelConfig, device: Device, seed: i64) -> Result<Self, WeightsError> {
        tch::manual_seed(seed);
        Self::build(cfg, device)
    }

    /// Loads a Hugging Face folder (`config.json` + safetensors, sharded or not).
    pub fn load(
        dir: &Path,
        device: Device,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let cfg = ModelConfig::read(&dir.join("config.json"))?;
        let model = Self::build(&cfg, device)?;
        load_into(&model.vs, &safetensors_files(dir)?)?;
        Ok(model)
    }

    fn build(cfg: &ModelConfig, device: Device) -> Result<Self, WeightsError> {
        let tdev = device.to_tch().map_err(|e| WeightsError::Read {
            path: "device".into(),
            message: e.to_string(),
        })?;
        let mut vs = VarStore::new(tdev);
        let root = vs.root();
        let (h, hd) = (cfg.hidden_size, cfg.head_dim());
        let model = &root / "model";
        let embed = (&model / "embed_tokens").var(
            "weight",
            &[cfg.vocab_size as i64, h as i64],
            Init::Randn {
                mean: 0.0,
                stdev: 0.02,
            },
        );
        let layers = (0..cfg.num_hidden_layers)
            .map(|i| {
                let p = &model / "layers" / i;
                let a = &p / "self_attn";
                let m = &p / "mlp";
                Layer {
                    attn: Attention {
                        q: Linear::new(
                            &a / "q_proj",
                            h,
                            cfg.num_attention_heads * hd,
                            cfg.qkv_bias(),
                        ),
                        k: Linear::new(&a / "k_proj", h, cfg.kv_heads() * hd, cfg.qkv_bias()),
                        v: Linear::new(&a / "v_proj", h, cfg.kv_heads() * hd, cfg.qkv_bias()),
                        o: Linear::new(
                            &a / "o_proj",
                            cfg.num_attention_heads * hd,
                            h,
                            cfg.o_bias(),
                        ),
                        heads: cfg.num_attention_heads as i64,
                        kv_heads: cfg.kv_heads() as i64,
                        head_dim: hd as i64,
                    },
                    mlp: Mlp {
                        gate: Linear::new(&m / "gate_proj", h, cfg.intermediate_size, false),
                        up: Linear::new(&m / "up_proj", h, cfg.intermediate_size, false),
                        down: Linear::new(&m / "down_proj", cfg.intermediate_size, h, false),
                    },
                    input_norm: RmsNorm::new(&p / "input_layernorm", h, cfg.rms_norm_eps),
                    post_norm: RmsNorm::new(&p / "post_attention_layernorm", h, cfg.rms_norm_eps),
                }
            })
            .collect();
        let norm = RmsNorm::new(&model / "norm", h, cfg.rms_norm_eps);
        let lm_head = (!cfg.tie_word_embeddings).then(|| {
            (&root / "lm_head").var(
                "weight",
                &[cfg.vocab_size as i64, h as i64],
                Init::Randn {
                    mean: 0.0,
                    stdev: 0.02,
                },
            )
        });
        if device.dtype() != Kind::Float {
            vs.set_kind(device.dtype());
        }
        let exponents = Tensor::arange_start_step(0, hd as i64, 2, (Kind::Float, tdev)) / hd as f64;
        let inv_freq = Tensor::from(cfg.rope_theta)
            .to_device(tdev)
            .pow(&exponents)
            .reciprocal();
        Ok(CausalLm {
            cfg: cfg.clone(),
            vs,
            embed,
            layers,
            norm,
            lm_head,
            inv_freq,
            device,
        })
    }

    /// The config.
    pub fn config(&self) -> &ModelConfig {
        &self.cfg
    }

    /// The variables (for optimizers and checkpoints).
    pub fn var_store(&self) -> &VarStore {
        &self.vs
    }

    /// Converts every weight to `kind` in place (training keeps f32).
    pub fn set_kind(&mut self, kind: Kind) {
        if self.vs.kind() != kind {
            self.vs.set_kind(kind);
        }
    }

    /// Stops gradients for every weight (a frozen reference model).
    pub fn freeze(&mut self) {
        self.vs.freeze();
    }

    /// Copies every weight from `other`, a model of the same config.
    pub fn copy_weights_from(&mut self, other: &CausalLm) -> Result<(), WeightsError> {
        self.vs.copy(&other.vs).map_err(|e| WeightsError::Read {
            path: "model copy".into(),
            message: e.to_string(),
        })
    }

    /// Bytes of all weights in their device dtype: what one decode step
    /// reads at least (tied embeddings count once).
    pub fn weight_bytes(&self) -> u64 {
        self.vs
            .variables()
            .values()
            .map(|t| t.numel() as u64 * t.kind().elt_size_in_bytes() as u64)
            .sum()
    }

    /// Where the model runs.
    pub fn device(&self) -> Device {
        self.device
    }

    /// Logits `[batch, new, vocab]` (f32) for `ids` `[batch, new]`.
    ///
    /// `attention_mask` `[batch, past + new]` is 1 for real tokens and 0 for
    /// (left) padding; positions count real tokens only, so a padded row
    /// sees the same positions as the same row alone. With a cache, `ids`
    /// continue what it holds and are appended to it.
    pub fn forward(
        &self,
        ids: &Tensor,
        attention_mask: &Tensor,
        cache: Option<&mut KvCache>,
    ) -> Tensor {
        self.logits(&self.hidden_states(ids, attention_mask, cache))
    }

    /// Logits (f32) of final hidden states `[.., hidden]` from
    /// [`hidden_states`](Self::hidden_states): the output projection alone,
    /// so a caller that needs some positions only projects those.
    pub fn logits(&self, hidden: &Tensor) -> Tensor {
        let head = self.lm_head.as_ref().unwrap_or(&self.embed);
        hidden.matmul(&head.tr()).to_kind(Kind::Float)
    }

    /// The final (normed) hidden states `[batch, new, hidden]`: everything
    /// [`forward`](Self::forward) does but the output projection.
    // `x = x + h`, not `x += h`: an in-place add would overwrite a tensor
    // autograd saved for the backward pass.
    #[allow(clippy::assign_op_pattern)]
    pub fn hidden_states(
        &self,
        ids: &Tensor,
        attention_mask: &Tensor,
        cache: Option<&mut KvCache>,
    ) -> Tensor {
        let (b, t) = (ids.size()[0], ids.size()[1]);
        let past = cache.as_ref().map_or(0, |c| c.len());
        let s = past + t;
        let mask_i = attention_mask.to_kind(Kind::Int64);
        let positions = (mask_i.cumsum(1, Kind::Int64) - 1)
            .clamp_min(0)
            .narrow(1, past, t);
        let (cos, sin) = self.rope(&positions);

        // Query i (absolute past + i) sees key j when j <= past + i and key
        // j is real; each query also sees itself so padding rows stay finite.
        let dev = ids.device();
        let q_pos = Tensor::arange_start(past, s, (Kind::Int64, dev)).view([1, 1, t, 1]);
        let k_pos = Tensor::arange(s, (Kind::Int64, dev)).view([1, 1, 1, s]);
        let causal = k_pos.le_tensor(&q_pos);
        let real = mask_i.gt(0).view([b, 1, 1, s]);
        let mask = causal
            .logical_and(&real)
            .logical_or(&k_pos.eq_tensor(&q_pos));

        let mut x = Tensor::embedding(&self.embed, ids, -1, false, false);
        let mut cache = cache;
        if let Some(c) = cache.as_deref_mut() {
            c.layers.resize_with(self.layers.len(), || None);
        }
        for (i, layer) in self.layers.iter().enumerate() {
            let slot = cache.as_deref_mut().map(|c| &mut c.layers[i]);
            let h = layer
                .attn
                .forward(&layer.input_norm.forward(&x), &cos, &sin, &mask, slot);
            x = x + h;
            let m = &layer.mlp;
            let n = layer.post_norm.forward(&x);
            x = x + m
                .down
                .forward(&(m.gate.forward(&n).silu() * m.up.forward(&n)));
        }
        self.norm.forward(&x)
    }

    /// cos and sin `[batch, 1, new, head_dim]` for positions `[batch, new]`.
    fn rope(&self, positions: &Tensor) -> (Tensor, Tensor) {
        let angles = positions.to_kind(Kind::Float).unsqueeze(-1) * self.inv_freq.view([1, 1, -1]);
        let angles = Tensor::cat(&[&angles, &angles], -1).unsqueeze(1);
        let kind = self.device.dtype();
        (angles.cos().to_kind(kind), angles.sin().to_kind(kind))
    }
}

fn rotate_half(x: &Tensor) -> Tensor {
    let half = x.size()[3] / 2;
    Tensor::cat(&[&x.narrow(3, half, half).neg(), &x.narrow(3, 0, half)], 3)
}

impl Attention {
    fn forward(
        &self,
        x: &Tensor,
        cos: &Tensor,
        sin: &Tensor,
        mask: &Tensor,
        cache: Option<&mut Option<(Tensor, Tensor)>>,
    ) -> Tensor {
        let (b, t) = (x.size()[0], x.size()[1]);
        let split = |y: Tensor, heads: i64| y.view([b, t, heads, self.head_dim]).transpose(1, 2);
        let q = split(self.q.forward(x), self.heads);
        let k = split(self.k.forward(x), self.kv_heads);
        let v = split(self.v.forward(x), self.kv_heads);
        let q = &q * cos + rotate_half(&q) * sin;
        let mut k = &k * cos + rotate_half(&k) * sin;
        let mut v = v;
        if let Some(slot) = cache {
            if let Some((pk, pv)) = slot.as_ref() {
                k = Tensor::cat(&[pk, &k], 2);
                v = Tensor::cat(&[pv, &v], 2);
            }
            *slot = Some((k.shallow_clone(), v.shallow_clone()));
        }
        let out =
            Tensor::scaled_dot_product_attention(&q, &k, &v, Some(mask), 0.0, false, None, true);
        self.o.forward(
            &out.transpose(1, 2)
                .reshape([b, t, self.heads * self.head_dim]),
        )
    }
}
