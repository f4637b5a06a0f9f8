//! GRPO: configuration, advantages, losses, prompt sampling, the training
//! loop and its checkpoints.

pub mod advantage;
pub mod config;
pub mod data;
pub mod loss;
pub mod metrics;
pub mod optim;
pub mod rollout;
pub mod sampler;
pub mod trainer;
