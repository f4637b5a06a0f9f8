//! GRPO: configuration, advantages, losses, prompt sampling, the training
//! loop and its checkpoints.

pub mod advantage;
pub mod config;
pub mod loss;
pub mod optim;
pub mod sampler;
pub mod data;
pub mod metrics;
pub mod rollout;
pub mod trainer;
