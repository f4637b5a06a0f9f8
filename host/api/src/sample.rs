use serde::{Deserialize, Serialize};

/// An image attached to a sample (passed only to plugins that ask for images).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// MIME type, e.g. `image/png`.
    pub mime: String,
    /// Encoded bytes.
    pub data: Vec<u8>,
}

/// One completion to score, with what the host knows about it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Row id from the dataset, stringified.
    pub id: String,
    /// Completions of the same prompt share a group id.
    pub group: Option<String>,
    /// The prompt text given to the policy.
    pub prompt: String,
    /// The policy's completion.
    pub completion: String,
    /// Completion length in policy tokens; 0 when unknown.
    pub completion_tokens: u32,
    /// Ground truth in the reward's own format.
    pub reference: Option<String>,
    /// The dataset row's metadata object (`Null` when absent).
    pub metadata: serde_json::Value,
    /// Images, if the row has any.
    pub images: Vec<Image>,
    /// Training step (0 outside training).
    pub step: u64,
}
