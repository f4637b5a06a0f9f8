//! The box check, shared with other plugins through the SDK.

pub use rewasm_plugin_sdk::answer::contains_boxed;
