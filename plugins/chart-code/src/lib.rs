//! `chart-code`: rewards plotting code (chart-to-code) by running it and
//! the reference code in `rewasm-chart`'s matplotlib-subset interpreter,
//! rendering both scenes, and scoring them ChartMimic-style: executability,
//! text, layout, chart type, colour and data F1s, and image similarity.

pub mod config;
pub mod extract;

use std::collections::HashMap;

use rewasm_chart::{ChartErrorKind, CompareOptions, Image, Scene, Scores};
use rewasm_plugin_sdk::{PluginInfo, Reward, RewardError, Sample, Score};

pub use config::{Config, OnUnsupported, Weights};

/// The configured `chart-code` reward; usable natively as well as through
/// the Wasm exports.
#[derive(Debug, Clone)]
pub struct ChartCode {
    config: Config,
}

/// A reference, run and rendered once per batch.
struct Prepared {
    scene: Scene,
    image: Image,
}

impl ChartCode {
    pub fn new(config: Config) -> ChartCode {
        ChartCode { config }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    fn options(&self) -> CompareOptions {
        CompareOptions {
            rel_tol: self.config.rel_tol,
            abs_tol: self.config.abs_tol,
            width: self.config.width,
            height: self.config.height,
        }
    }

    /// The reference scene: a serialized [`Scene`] (JSON object) or code.
    fn prepare(&self, reference: Option<&str>) -> Result<Prepared, RewardError> {
        let text = reference.ok_or_else(|| {
            RewardError::InvalidInput(
                "chart-code needs a reference (plotting code or a JSON chart scene)".into(),
            )
        })?;
        let trimmed = text.trim();
        let scene = if trimmed.starts_with('{') {
            serde_json::from_str::<Scene>(trimmed)
                .map_err(|e| RewardError::InvalidInput(format!("reference scene: {e}")))?
        } else {
            rewasm_chart::run_with_limits(extract::code(text), &self.config.limits())
                .map_err(|e| RewardError::InvalidInput(format!("reference code: {e}")))?
        };
        let image = rewasm_chart::render(&scene, self.config.width, self.config.height);
        Ok(Prepared { scene, image })
    }

    fn score_against(&self, reference: &Prepared, sample: &Sample) -> Result<Score, RewardError> {
        let code = extract::code(&sample.completion);
        let scene = match rewasm_chart::run_with_limits(code, &self.config.limits()) {
            Ok(scene) => scene,
            Err(e) => {
                return match e.kind {
                    ChartErrorKind::Budget => {
                        Err(RewardError::InvalidInput(format!("candidate code: {e}")))
                    }
                    ChartErrorKind::Unsupported
                        if self.config.on_unsupported == OnUnsupported::Error =>
                    {
                        Err(RewardError::Unsupported(format!("candidate code: {e}")))
                    }
                    _ => Ok(parts(0.0, None, &self.config.weights)
                        .with_note(format!("not executable: {e}"))),
                };
            }
        };
        let image = rewasm_chart::render(&scene, self.config.width, self.config.height);
        let s = rewasm_chart::compare_with_images(
            &reference.scene,
            &reference.image,
            &scene,
            &image,
            &self.options(),
        );
        Ok(parts(1.0, Some(&s), &self.config.weights))
    }
}

/// The score with every part logged; the total is the weighted mean.
fn parts(exec: f64, s: Option<&Scores>, w: &Weights) -> Score {
    let zero = Scores {
        text: 0.0,
        layout: 0.0,
        chart_type: 0.0,
        color: 0.0,
        data: 0.0,
        image: 0.0,
    };
    let s = s.copied().unwrap_or(zero);
    let values = [
        ("exec", exec, w.exec),
        ("text", s.text, w.text),
        ("layout", s.layout, w.layout),
        ("type", s.chart_type, w.chart_type),
        ("color", s.color, w.color),
        ("data", s.data, w.data),
        ("image", s.image, w.image),
    ];
    let total: f64 = values.iter().map(|(_, v, w)| v * w).sum::<f64>() / w.sum();
    let mut score = Score::new(total.clamp(0.0, 1.0));
    for (name, v, _) in values {
        score = score.with_part(name, v);
    }
    score
}

impl Reward for ChartCode {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "chart-code".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "Chart-to-code reward: runs the completion's matplotlib code and the reference in a \
                          built-in interpreter of a matplotlib subset, renders both, and scores executability, \
                          text, layout, chart type, colour and data F1s and image similarity"
                .to_string(),
            config_schema: config::schema().to_string(),
            capabilities: Vec::new(),
            needs_images: false,
        }
    }

    fn configure(config_json: &str) -> Result<Self, RewardError> {
        Ok(ChartCode::new(Config::from_json(config_json)?))
    }

    fn score(&self, sample: &Sample) -> Result<Score, RewardError> {
        let reference = self.prepare(sample.reference.as_deref())?;
        self.score_against(&reference, sample)
    }

    /// Samples of one group share a reference: it is run and rendered once.
    fn score_batch(&self, samples: &[Sample]) -> Vec<Result<Score, RewardError>> {
        let mut cache: HashMap<Option<&str>, Result<Prepared, RewardError>> = HashMap::new();
        samples
            .iter()
            .map(|s| {
                let key = s.reference.as_deref();
                let prepared = cache.entry(key).or_insert_with(|| self.prepare(key));
                match prepared {
                    Ok(p) => self.score_against(p, s),
                    Err(e) => Err(e.clone()),
                }
            })
            .collect()
    }
}

rewasm_plugin_sdk::export_reward!(ChartCode);
