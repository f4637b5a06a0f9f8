//! Bringing predicted and reference boxes into one coordinate frame.
//!
//! IoU does not change when both boxes are scaled by the same factor per
//! axis, so both sides are mapped into fractions of the original image
//! ("unit" space, `[0,1] x [0,1]`). Pixels need the image size for that,
//! model-input pixels need the input size. When both sides are plain pixels
//! and the image size is unknown, boxes stay in pixels and are not clipped.
//!
//! Metadata keys (numbers > 0): `image_width`, `image_height` — the original
//! image; `input_width`, `input_height` — the resized image the model saw.

use rewasm_plugin_sdk::RewardError;
use serde_json::Value;

use crate::bbox::BBox;
use crate::config::CoordSpace;

pub const IMAGE_WIDTH: &str = "image_width";
pub const IMAGE_HEIGHT: &str = "image_height";
pub const INPUT_WIDTH: &str = "input_width";
pub const INPUT_HEIGHT: &str = "input_height";

/// Image sizes found in the sample's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ImageSizes {
    pub image: Option<(f64, f64)>,
    pub input: Option<(f64, f64)>,
}

impl ImageSizes {
    /// Reads the four keys; a key that is present but not a positive finite
    /// number, or a width without its height, is an error.
    pub fn from_metadata(metadata: &Value) -> Result<ImageSizes, RewardError> {
        Ok(ImageSizes {
            image: size(metadata, IMAGE_WIDTH, IMAGE_HEIGHT)?,
            input: size(metadata, INPUT_WIDTH, INPUT_HEIGHT)?,
        })
    }
}

fn size(metadata: &Value, w_key: &str, h_key: &str) -> Result<Option<(f64, f64)>, RewardError> {
    let get = |key: &str| -> Result<Option<f64>, RewardError> {
        match metadata.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match v.as_f64() {
                Some(x) if x.is_finite() && x > 0.0 => Ok(Some(x)),
                _ => Err(RewardError::InvalidInput(format!(
                    "metadata `{key}` must be a number > 0, got {v}"
                ))),
            },
        }
    };
    match (get(w_key)?, get(h_key)?) {
        (Some(w), Some(h)) => Ok(Some((w, h))),
        (None, None) => Ok(None),
        _ => Err(RewardError::InvalidInput(format!(
            "metadata has only one of `{w_key}` and `{h_key}`"
        ))),
    }
}

/// How to map each side's boxes into the common frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pred_scale: (f64, f64),
    ref_scale: (f64, f64),
    /// Bounds of the image in the common frame, when boxes are clipped.
    clip: Option<(f64, f64)>,
}

impl Frame {
    pub fn new(
        pred: CoordSpace,
        reference: CoordSpace,
        sizes: &ImageSizes,
        clip: bool,
    ) -> Result<Frame, RewardError> {
        if pred == CoordSpace::Pixels && reference == CoordSpace::Pixels && sizes.image.is_none() {
            return Ok(Frame {
                pred_scale: (1.0, 1.0),
                ref_scale: (1.0, 1.0),
                clip: None,
            });
        }
        let pred_scale = to_unit(pred, sizes)?;
        let ref_scale = to_unit(reference, sizes)?;
        Ok(Frame {
            pred_scale,
            ref_scale,
            clip: clip.then_some((1.0, 1.0)),
        })
    }

    pub fn predicted(&self, b: &BBox) -> BBox {
        self.place(b.scaled(self.pred_scale.0, self.pred_scale.1))
    }

    pub fn reference(&self, b: &BBox) -> BBox {
        self.place(b.scaled(self.ref_scale.0, self.ref_scale.1))
    }

    fn place(&self, b: BBox) -> BBox {
        match self.clip {
            Some((w, h)) => b.clipped(w, h),
            None => b,
        }
    }
}

fn to_unit(space: CoordSpace, sizes: &ImageSizes) -> Result<(f64, f64), RewardError> {
    let missing = |w: &str, h: &str, why: &str| {
        RewardError::InvalidInput(format!("metadata needs `{w}` and `{h}` to {why}"))
    };
    match space {
        CoordSpace::Normalized => Ok((1.0, 1.0)),
        CoordSpace::Thousand => Ok((1e-3, 1e-3)),
        CoordSpace::Pixels => sizes.image.map(|(w, h)| (1.0 / w, 1.0 / h)).ok_or_else(|| {
            missing(
                IMAGE_WIDTH,
                IMAGE_HEIGHT,
                "compare pixel boxes with relative ones",
            )
        }),
        CoordSpace::InputPixels => sizes
            .input
            .map(|(w, h)| (1.0 / w, 1.0 / h))
            .ok_or_else(|| missing(INPUT_WIDTH, INPUT_HEIGHT, "rescale model-input pixels")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bbox::iou;
    use serde_json::json;

    fn sizes(meta: Value) -> ImageSizes {
        ImageSizes::from_metadata(&meta).unwrap()
    }

    #[test]
    fn reads_sizes_from_metadata() {
        let s = sizes(
            json!({"image_width": 640, "image_height": 480, "input_width": 448.0, "input_height": 336}),
        );
        assert_eq!(s.image, Some((640.0, 480.0)));
        assert_eq!(s.input, Some((448.0, 336.0)));
        assert_eq!(sizes(json!(null)), ImageSizes::default());
        assert_eq!(sizes(json!({"image_width": null})), ImageSizes::default());
    }

    #[test]
    fn bad_sizes_name_the_key() {
        for (meta, key) in [
            (json!({"image_width": 0, "image_height": 10}), "image_width"),
            (
                json!({"image_width": 10, "image_height": "10"}),
                "image_height",
            ),
            (
                json!({"input_width": -1, "input_height": 10}),
                "input_width",
            ),
            (json!({"image_width": 10}), "image_height"),
        ] {
            let err = ImageSizes::from_metadata(&meta).unwrap_err();
            assert!(
                matches!(&err, RewardError::InvalidInput(m) if m.contains(key)),
                "{meta}: {err:?}"
            );
        }
    }

    #[test]
    fn pixels_without_size_stay_pixels_unclipped() {
        let f = Frame::new(
            CoordSpace::Pixels,
            CoordSpace::Pixels,
            &ImageSizes::default(),
            true,
        )
        .unwrap();
        assert_eq!(
            f.predicted(&BBox::new(-5.0, 0.0, 5000.0, 10.0)),
            BBox::new(-5.0, 0.0, 5000.0, 10.0)
        );
    }

    #[test]
    fn pixels_with_size_are_clipped_to_the_image() {
        let s = sizes(json!({"image_width": 100, "image_height": 50}));
        let f = Frame::new(CoordSpace::Pixels, CoordSpace::Pixels, &s, true).unwrap();
        assert_eq!(
            f.predicted(&BBox::new(-10.0, 0.0, 50.0, 100.0)),
            BBox::new(0.0, 0.0, 0.5, 1.0)
        );
        let unclipped = Frame::new(CoordSpace::Pixels, CoordSpace::Pixels, &s, false).unwrap();
        assert_eq!(
            unclipped.predicted(&BBox::new(-10.0, 0.0, 50.0, 100.0)),
            BBox::new(-0.1, 0.0, 0.5, 2.0)
        );
    }

    #[test]
    fn thousand_and_normalized_need_no_size_against_each_other() {
        let f = Frame::new(
            CoordSpace::Thousand,
            CoordSpace::Normalized,
            &ImageSizes::default(),
            true,
        )
        .unwrap();
        let p = f.predicted(&BBox::new(100.0, 200.0, 500.0, 600.0));
        let r = f.reference(&BBox::new(0.1, 0.2, 0.5, 0.6));
        assert!((iou(&p, &r) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn relative_against_pixels_needs_the_image_size() {
        let err = Frame::new(
            CoordSpace::Thousand,
            CoordSpace::Pixels,
            &ImageSizes::default(),
            true,
        )
        .unwrap_err();
        assert!(matches!(&err, RewardError::InvalidInput(m) if m.contains("image_width")));
        let s = sizes(json!({"image_width": 200, "image_height": 100}));
        let f = Frame::new(CoordSpace::Thousand, CoordSpace::Pixels, &s, true).unwrap();
        let p = f.predicted(&BBox::new(500.0, 500.0, 1000.0, 1000.0));
        let r = f.reference(&BBox::new(100.0, 50.0, 200.0, 100.0));
        assert!((iou(&p, &r) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn input_pixels_are_rescaled_to_the_original_image() {
        // Qwen2.5-VL saw the 1280x960 image resized to 448x336.
        let s = sizes(
            json!({"image_width": 1280, "image_height": 960, "input_width": 448, "input_height": 336}),
        );
        let f = Frame::new(CoordSpace::InputPixels, CoordSpace::Pixels, &s, true).unwrap();
        let p = f.predicted(&BBox::new(44.8, 33.6, 224.0, 168.0));
        let r = f.reference(&BBox::new(128.0, 96.0, 640.0, 480.0));
        assert!((iou(&p, &r) - 1.0).abs() < 1e-9);
        let no_input = sizes(json!({"image_width": 1280, "image_height": 960}));
        let err =
            Frame::new(CoordSpace::InputPixels, CoordSpace::Pixels, &no_input, true).unwrap_err();
        assert!(matches!(&err, RewardError::InvalidInput(m) if m.contains("input_width")));
    }

    #[test]
    fn input_pixels_against_relative_reference_need_only_the_input_size() {
        let s = sizes(json!({"input_width": 400, "input_height": 200}));
        let f = Frame::new(CoordSpace::InputPixels, CoordSpace::Normalized, &s, true).unwrap();
        assert_eq!(
            f.predicted(&BBox::new(0.0, 0.0, 200.0, 100.0)),
            BBox::new(0.0, 0.0, 0.5, 0.5)
        );
    }
}
