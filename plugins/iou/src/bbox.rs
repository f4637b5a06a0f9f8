//! Boxes and IoU, shared with other plugins through the SDK.

pub use rewasm_plugin_sdk::boxes::{iou, BBox};
