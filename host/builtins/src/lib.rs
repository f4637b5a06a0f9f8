//! The built-in reward components (math-accuracy, format, iou, consistency,
//! length-bonus, chart-code), compiled from `plugins/` by the build script and embedded,
//! so `plugin = "math-accuracy"` needs no file.

include!(concat!(env!("OUT_DIR"), "/builtins.rs"));

/// The component bytes of a built-in reward.
pub fn get(name: &str) -> Option<&'static [u8]> {
    BUILTINS.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}
