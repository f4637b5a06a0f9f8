//! AdamW (Loshchilov & Hutter, 2019) with its state in plain named tensors,
//! so checkpoints can store and restore it exactly; global-norm gradient
//! clipping; and the learning-rate schedules of Hugging Face's Trainer.

use tch::nn::VarStore;
use tch::{Kind, Tensor};

use super::config::LrScheduler;

/// AdamW hyper-parameters.
#[derive(Debug, Clone, Copy)]
pub struct AdamWConfig {
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

/// AdamW over every variable of a [`VarStore`], in name order. Moments are
/// kept in f32 whatever the weights' dtype.
pub struct AdamW {
    cfg: AdamWConfig,
    names: Vec<String>,
    params: Vec<Tensor>,
    m: Vec<Tensor>,
    v: Vec<Tensor>,
    steps: i64,
}

impl AdamW {
    /// An optimizer with zero moments for `vs`'s variables.
    pub fn new(vs: &VarStore, cfg: AdamWConfig) -> Self {
        let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        let zeros = |t: &Tensor| t.zeros_like().to_kind(Kind::Float);
        AdamW {
            cfg,
            m: vars.iter().map(|(_, t)| zeros(t)).collect(),
            v: vars.iter().map(|(_, t)| zeros(t)).collect(),
            names: vars.iter().map(|(n, _)| n.clone()).collect(),
            params: vars.into_iter().map(|(_, t)| t).collect(),
            steps: 0,
        }
    }

    /// Updates taken so far.
    pub fn steps(&self) -> i64 {
        self.steps
    }

    /// Clears every gradient.
    pub fn zero_grad(&mut self) {
        for p in &mut self.params {
            p.zero_grad();
        }
    }

    /// Scales gradients so their global L2 norm is at most `max_norm`;
    /// returns the norm before clipping.
    pub fn clip_grad_norm(&mut self, max_norm: f64) -> f64 {
        let norm = tch::no_grad(|| {
            self.params
                .iter()
                .map(|p| p.grad())
                .filter(|g| g.defined())
                .map(|g| {
                    g.to_kind(Kind::Double)
                        .square()
                        .sum(Kind::Double)
                        .double_value(&[])
                })
                .sum::<f64>()
                .sqrt()
        });
        if norm.is_finite() && norm > max_norm {
            let scale = max_norm / (norm + 1e-6);
            tch::no_grad(|| {
                for p in &self.params {
                    let mut g = p.grad();
                    if g.defined() {
                        let _ = g.g_mul_scalar_(scale);
                    }
                }
            });
        }
        norm
    }

    /// One update with learning rate `lr`. Variables without gradients are
    /// left alone.
    pub fn step(&mut self, lr: f64) {
        self.steps += 1;
        let (b1, b2) = (self.cfg.beta1, self.cfg.beta2);
        let bias1 = 1.0 - b1.powi(self.steps as i32);
        let bias2 = 1.0 - b2.powi(self.steps as i32);
        tch::no_grad(|| {
            for ((p, m), v) in self.params.iter_mut().zip(&mut self.m).zip(&mut self.v) {
                let g = p.grad();
                if !g.defined() {
                    continue;
                }
                let g = g.to_kind(Kind::Float);
                let _ = m.g_mul_scalar_(b1);
                let _ = m.g_add_(&(&g * (1.0 - b1)));
                let _ = v.g_mul_scalar_(b2);
                let _ = v.g_add_(&(g.square() * (1.0 - b2)));
                let denom = (&*v / bias2).sqrt() + self.cfg.eps;
                let update = (&*m / bias1) / denom;
                let mut w = p.to_kind(Kind::Float);
                if self.cfg.weight_decay > 0.0 {
                    w = &w * (1.0 - lr * self.cfg.weight_decay);
                }
                let w = w - update * lr;
                p.copy_(&w.to_kind(p.kind()));
            }
        });
    }

    /// The moments as named tensors (`m.NAME`, `v.NAME`) for a checkpoint.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::with_capacity(2 * self.names.len());
        for (i, n) in self.names.iter().enumerate() {
            out.push((format!("m.{n}"), self.m[i].shallow_clone()));
            out.push((format!("v.{n}"), self.v[i].shallow_clone()));
        }
        out
    }

    /// Restores moments saved by [`AdamW::state`] and the update count.
    pub fn load_state(&mut self, named: &[(String, Tensor)], steps: i64) -> Result<(), String> {
        let find = |key: &str| {
            named
                .iter()
                .find(|(n, _)| n == key)
                .map(|(_, t)| t)
                .ok_or_else(|| format!("optimizer state has no `{key}`"))
        };
        for (i, n) in self.names.iter().enumerate() {
            for (slot, key) in [
                (&mut self.m[i], format!("m.{n}")),
                (&mut self.v[i], format!("v.{n}")),
            ] {
                let t = find(&key)?;
                if t.size() != slot.size() {
                    return Err(format!(
                        "optimizer state `{key}` has shape {:?}, the model needs {:?}",
                        t.size(),
                        slot.size()
                    ));
                }
                tch::no_grad(|| slot.copy_(t));
            }
        }
        self.steps = steps;
        Ok(())
    }
}

/// The learning rate after `step` optimizer updates out of `total`, with
/// `warmup` warm-up updates (Hugging Face's schedules: the rate climbs
/// linearly from 0, then decays).
pub fn lr_at(base: f64, kind: LrScheduler, step: u64, warmup: u64, total: u64) -> f64 {
    if step < warmup {
        return base * step as f64 / warmup.max(1) as f64;
    }
    let progress = (step - warmup) as f64 / total.saturating_sub(warmup).max(1) as f64;
    let progress = progress.min(1.0);
    match kind {
        LrScheduler::Constant => base,
        LrScheduler::Linear => base * (1.0 - progress),
        LrScheduler::Cosine => base * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::nn::Init;

    #[test]
    fn adamw_first_steps_by_hand() {
        let vs = VarStore::new(tch::Device::Cpu);
        let w = vs.root().var("w", &[2], Init::Const(1.0));
        let cfg = AdamWConfig {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.1,
        };
        let mut opt = AdamW::new(&vs, cfg);
        // loss = 3 w0 - w1: gradient (3, -1). The first Adam step moves each
        // weight by lr * sign(g) (m_hat / sqrt(v_hat) = g / |g|), after decay.
        let loss = (&w * Tensor::from_slice(&[3.0f32, -1.0])).sum(Kind::Float);
        loss.backward();
        opt.step(0.01);
        let got = Vec::<f32>::try_from(&w).expect("vec");
        let decayed = 1.0 - 0.01 * 0.1;
        assert!(
            (f64::from(got[0]) - (decayed - 0.01)).abs() < 1e-6,
            "{got:?}"
        );
        assert!(
            (f64::from(got[1]) - (decayed + 0.01)).abs() < 1e-6,
            "{got:?}"
        );

        // State round trip: a fresh optimizer with the saved state takes the
        // same next step.
        let saved: Vec<(String, Tensor)> = opt
            .state()
            .into_iter()
            .map(|(n, t)| (n, t.copy()))
            .collect();
        let vs2 = VarStore::new(tch::Device::Cpu);
        let w2 = vs2.root().var("w", &[2], Init::Const(0.0));
        tch::no_grad(|| w2.shallow_clone().copy_(&w));
        let mut opt2 = AdamW::new(&vs2, cfg);
        opt2.load_state(&saved, opt.steps()).expect("load");
        for (o, ww) in [(&mut opt, &w), (&mut opt2, &w2)] {
            o.zero_grad();
            (ww * Tensor::from_slice(&[1.0f32, 2.0]))
                .sum(Kind::Float)
                .backward();
            o.step(0.01);
        }
        assert_eq!(
            Vec::<f32>::try_from(&w).expect("a"),
            Vec::<f32>::try_from(&w2).expect("b")
        );
        assert!(
            opt2.load_state(&saved[..1], 1).is_err(),
            "missing v is an error"
        );
    }

    #[test]
    fn clipping_scales_to_the_max_norm() {
        let vs = VarStore::new(tch::Device::Cpu);
        let w = vs.root().var("w", &[2], Init::Const(0.0));
        let mut opt = AdamW::new(
            &vs,
            AdamWConfig {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                weight_decay: 0.0,
            },
        );
        (&w * Tensor::from_slice(&[3.0f32, 4.0]))
            .sum(Kind::Float)
            .backward();
        let norm = opt.clip_grad_norm(1.0);
        assert!((norm - 5.0).abs() < 1e-9);
        let g = Vec::<f32>::try_from(w.grad()).expect("grad");
        assert!(
            (g[0] - 0.6).abs() < 1e-5 && (g[1] - 0.8).abs() < 1e-5,
            "{g:?}"
        );
    }

    #[test]
    fn schedules_warm_up_then_decay() {
        use LrScheduler::*;
        assert_eq!(lr_at(1.0, Linear, 0, 10, 110), 0.0);
        assert_eq!(lr_at(1.0, Linear, 5, 10, 110), 0.5);
        assert_eq!(lr_at(1.0, Linear, 10, 10, 110), 1.0);
        assert_eq!(lr_at(1.0, Linear, 60, 10, 110), 0.5);
        assert!((lr_at(1.0, Cosine, 60, 10, 110) - 0.5).abs() < 1e-12);
        assert!(lr_at(1.0, Cosine, 110, 10, 110).abs() < 1e-12);
        assert_eq!(lr_at(2.0, Constant, 100, 0, 110), 2.0);
    }
}
