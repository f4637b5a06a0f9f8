//! Conversions between the generated bindings and the SDK's plain types,
//! and the per-instance state behind the exports.

use std::cell::RefCell;

use crate::bindings::rewasm::reward::types as wit;
use crate::{Capability, Reward, RewardError, Sample, Score};

thread_local! {
    // Each instance is single-threaded; the configured reward lives here.
    static STATE: RefCell<Option<Box<dyn std::any::Any>>> = const { RefCell::new(None) };
}

pub fn info<R: Reward>() -> wit::PluginInfo {
    let i = R::info();
    wit::PluginInfo {
        name: i.name,
        version: i.version,
        description: i.description,
        config_schema: i.config_schema,
        capabilities: i
            .capabilities
            .into_iter()
            .map(|c| match c {
                Capability::Log => wit::Capability::Log,
                Capability::Judge => wit::Capability::Judge,
            })
            .collect(),
        needs_images: i.needs_images,
    }
}

pub fn configure<R: Reward>(config: &str) -> Result<(), wit::RewardError> {
    let reward = R::configure(config).map_err(to_wit_error)?;
    STATE.with(|s| *s.borrow_mut() = Some(Box::new(reward)));
    Ok(())
}

pub fn score<R: Reward>(samples: Vec<wit::Sample>) -> Vec<Result<wit::Score, wit::RewardError>> {
    let samples: Vec<Sample> = samples.into_iter().map(from_wit_sample).collect();
    let needs_default = STATE.with(|s| s.borrow().is_none());
    if needs_default {
        // The host always configures first; fall back to defaults anyway.
        if let Err(e) = configure::<R>("{}") {
            return samples.iter().map(|_| Err(e.clone())).collect();
        }
    }
    STATE.with(|s| {
        let state = s.borrow();
        let reward = state
            .as_ref()
            .and_then(|b| b.downcast_ref::<R>())
            .expect("configured reward has the exported type");
        reward
            .score_batch(&samples)
            .into_iter()
            .map(|r| r.map(to_wit_score).map_err(to_wit_error))
            .collect()
    })
}

fn from_wit_sample(s: wit::Sample) -> Sample {
    Sample {
        id: s.id,
        group: s.group,
        prompt: s.prompt,
        completion: s.completion,
        completion_tokens: s.completion_tokens,
        reference: s.reference,
        metadata: s.metadata,
        step: s.step,
    }
}

fn to_wit_score(s: Score) -> wit::Score {
    wit::Score {
        value: s.value,
        parts: s
            .parts
            .into_iter()
            .map(|p| wit::Part {
                name: p.name,
                value: p.value,
            })
            .collect(),
        note: s.note,
    }
}

fn to_wit_error(e: RewardError) -> wit::RewardError {
    match e {
        RewardError::InvalidInput(m) => wit::RewardError::InvalidInput(m),
        RewardError::Unsupported(m) => wit::RewardError::Unsupported(m),
        RewardError::Internal(m) => wit::RewardError::Internal(m),
    }
}
