//! Grounding (one reference box): the IoU of the first predicted box.

use rewasm_plugin_sdk::Score;

use crate::bbox::{iou, BBox};
use crate::predictions::Predicted;

/// `single_threshold = None`: the continuous IoU; `Some(t)`: 1 if IoU >= t.
/// The first predicted box is the answer (later ones are ignored); no box
/// scores 0.
pub fn score(
    truth: &BBox,
    pred: &[Predicted],
    single_threshold: Option<f64>,
    match_threshold: f64,
) -> Score {
    let Some(first) = pred.first() else {
        return Score::new(0.0)
            .with_part("iou", 0.0)
            .with_part("matched", 0.0)
            .with_note("single: no box found in the answer");
    };
    let overlap = iou(truth, &first.bbox);
    let value = match single_threshold {
        Some(t) => {
            if overlap >= t {
                1.0
            } else {
                0.0
            }
        }
        None => overlap,
    };
    let degenerate = if first.bbox.is_degenerate() {
        " (degenerate box)"
    } else {
        ""
    };
    Score::new(value)
        .with_part("iou", overlap)
        .with_part(
            "matched",
            if overlap >= match_threshold { 1.0 } else { 0.0 },
        )
        .with_note(format!(
            "single: IoU {overlap:.4} with the first of {} predicted boxes{degenerate}",
            pred.len()
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x1: f64, y1: f64, x2: f64, y2: f64) -> Predicted {
        Predicted {
            bbox: BBox::new(x1, y1, x2, y2),
            label: None,
            confidence: None,
        }
    }

    const GT: BBox = BBox {
        x1: 0.0,
        y1: 0.0,
        x2: 10.0,
        y2: 10.0,
    };

    #[test]
    fn continuous_iou_of_the_first_box() {
        let s = score(
            &GT,
            &[p(0.0, 0.0, 10.0, 5.0), p(0.0, 0.0, 10.0, 10.0)],
            None,
            0.5,
        );
        assert_eq!(s.value, 0.5);
        assert_eq!(s.part("iou"), Some(0.5));
        assert_eq!(s.part("matched"), Some(1.0));
    }

    #[test]
    fn threshold_turns_iou_into_zero_or_one() {
        assert_eq!(
            score(&GT, &[p(0.0, 0.0, 10.0, 5.0)], Some(0.5), 0.5).value,
            1.0
        );
        let s = score(&GT, &[p(0.0, 0.0, 10.0, 4.0)], Some(0.5), 0.5);
        assert_eq!(s.value, 0.0);
        assert_eq!(s.part("iou"), Some(0.4));
        assert_eq!(s.part("matched"), Some(0.0));
    }

    #[test]
    fn no_prediction_scores_zero() {
        let s = score(&GT, &[], None, 0.5);
        assert_eq!(s.value, 0.0);
        assert!(s.note.unwrap().contains("no box"));
    }

    #[test]
    fn reversed_prediction_scores_zero() {
        let s = score(&GT, &[p(10.0, 10.0, 0.0, 0.0)], None, 0.5);
        assert_eq!(s.value, 0.0);
        assert!(s.note.unwrap().contains("degenerate"));
    }
}
