//! Many-box scoring as in VLM-R1's detection reward: one-to-one matching,
//! then a weighted sum of the mean matched IoU and completeness.
//!
//! With G ground-truth and P predicted boxes and k matches:
//! `iou = sum of matched IoU / G`, `completeness = 1 - ((G-k)/G + (P-k)/P) / 2`,
//! `value = iou_weight * iou + completeness_weight * completeness`.
//! That value is a sum over matched pairs of
//! `iou_weight * IoU / G + completeness_weight * (1/G + 1/P) / 2`, so the
//! Hungarian matching maximises it directly.

use rewasm_plugin_sdk::Score;

use crate::config::Matching;
use crate::matching::{approximate_note, label_ok, pair_up, IouTable};
use crate::predictions::Predicted;
use crate::reference::Target;

#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub matching: Matching,
    pub match_threshold: f64,
    pub use_labels: bool,
    pub iou_weight: f64,
    pub completeness_weight: f64,
}

/// Scores boxes already in one frame.
pub fn score(truth: &[Target], pred: &[Predicted], p: &Params) -> Score {
    let labels_in_play = p.use_labels && truth.iter().any(|t| t.label.is_some());
    if truth.is_empty() {
        let value = if pred.is_empty() { 1.0 } else { 0.0 };
        return Score::new(value)
            .with_part("iou", value)
            .with_part("completeness", value)
            .with_part("matched", 0.0)
            .with_note(format!(
                "detection: no ground-truth boxes, {} predicted",
                pred.len()
            ));
    }
    if pred.is_empty() {
        let score = Score::new(0.0)
            .with_part("iou", 0.0)
            .with_part("completeness", 0.0)
            .with_part("matched", 0.0);
        let score = if labels_in_play {
            score.with_part("label_acc", 0.0)
        } else {
            score
        };
        return score.with_note(format!(
            "detection: no box found for {} ground-truth boxes",
            truth.len()
        ));
    }

    let (g, n) = (truth.len() as f64, pred.len() as f64);
    let table = IouTable::new(
        &truth.iter().map(|t| t.bbox).collect::<Vec<_>>(),
        &pred.iter().map(|q| q.bbox).collect::<Vec<_>>(),
    );
    let labels_agree = |r: usize, c: usize| {
        !p.use_labels || label_ok(truth[r].label.as_deref(), pred[c].label.as_deref())
    };
    let near = |r: usize, c: usize| table.get(r, c) >= p.match_threshold;
    let pair_worth = |overlap: f64| {
        p.iou_weight * overlap / g + p.completeness_weight * (1.0 / g + 1.0 / n) / 2.0
    };

    let assignment = pair_up(
        p.matching,
        &table,
        |r, c| near(r, c) && labels_agree(r, c),
        pair_worth,
    );
    let pairs = &assignment.pairs;
    let k = pairs.len() as f64;
    let iou_part = pairs.iter().map(|&(r, c)| table.get(r, c)).sum::<f64>() / g;
    let completeness = 1.0 - ((g - k) / g + (n - k) / n) / 2.0;
    let value = p.iou_weight * iou_part + p.completeness_weight * completeness;

    let mut score = Score::new(value)
        .with_part("iou", iou_part)
        .with_part("completeness", completeness)
        .with_part("matched", k);
    if labels_in_play {
        // Among boxes that found a ground truth by position alone, the
        // share whose label is right.
        let spatial = pair_up(p.matching, &table, near, |overlap| overlap).pairs;
        let right = spatial.iter().filter(|&&(r, c)| labels_agree(r, c)).count();
        let label_acc = if spatial.is_empty() {
            0.0
        } else {
            right as f64 / spatial.len() as f64
        };
        score = score.with_part("label_acc", label_acc);
    }
    score.with_note(format!(
        "detection: {} of {} ground-truth boxes matched at IoU >= {}, {} false positives{}",
        pairs.len(),
        truth.len(),
        p.match_threshold,
        pred.len() - pairs.len(),
        approximate_note(&assignment)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bbox::BBox;

    fn t(x1: f64, y1: f64, x2: f64, y2: f64, label: Option<&str>) -> Target {
        Target {
            bbox: BBox::new(x1, y1, x2, y2),
            label: label.map(str::to_string),
        }
    }

    fn p(x1: f64, y1: f64, x2: f64, y2: f64, label: Option<&str>) -> Predicted {
        Predicted {
            bbox: BBox::new(x1, y1, x2, y2),
            label: label.map(str::to_string),
            confidence: None,
        }
    }

    fn params() -> Params {
        Params {
            matching: Matching::Hungarian,
            match_threshold: 0.5,
            use_labels: true,
            iou_weight: 0.7,
            completeness_weight: 0.3,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn perfect_prediction_scores_one() {
        let truth = [
            t(0.0, 0.0, 10.0, 10.0, Some("dog")),
            t(20.0, 20.0, 30.0, 30.0, Some("cat")),
        ];
        let pred = [
            p(20.0, 20.0, 30.0, 30.0, Some("Cat")),
            p(0.0, 0.0, 10.0, 10.0, Some("dog")),
        ];
        let s = score(&truth, &pred, &params());
        assert_eq!(s.value, 1.0);
        assert_eq!(s.part("matched"), Some(2.0));
        assert_eq!(s.part("label_acc"), Some(1.0));
    }

    #[test]
    fn parts_follow_the_formulas() {
        // Two truths, three predictions: one match at IoU 0.5, one miss, two false positives.
        let truth = [
            t(0.0, 0.0, 10.0, 10.0, None),
            t(50.0, 50.0, 60.0, 60.0, None),
        ];
        let pred = [
            p(0.0, 0.0, 10.0, 5.0, None),
            p(80.0, 80.0, 90.0, 90.0, None),
            p(0.0, 0.0, 1.0, 1.0, None),
        ];
        let s = score(&truth, &pred, &params());
        let iou = 0.5 / 2.0;
        let completeness = 1.0 - (1.0 / 2.0 + 2.0 / 3.0) / 2.0;
        assert!(close(s.part("iou").unwrap(), iou));
        assert!(close(s.part("completeness").unwrap(), completeness));
        assert!(close(s.value, 0.7 * iou + 0.3 * completeness));
        assert_eq!(s.part("matched"), Some(1.0));
        assert_eq!(s.part("label_acc"), None, "no labels in the reference");
    }

    #[test]
    fn matches_need_the_threshold() {
        let truth = [t(0.0, 0.0, 10.0, 10.0, None)];
        let below = [p(0.0, 0.0, 10.0, 4.9, None)];
        assert_eq!(score(&truth, &below, &params()).part("matched"), Some(0.0));
        let lenient = Params {
            match_threshold: 0.3,
            ..params()
        };
        assert_eq!(score(&truth, &below, &lenient).part("matched"), Some(1.0));
    }

    #[test]
    fn matches_need_equal_labels_when_labels_are_used() {
        let truth = [t(0.0, 0.0, 10.0, 10.0, Some("dog"))];
        let pred = [p(0.0, 0.0, 10.0, 10.0, Some("cat"))];
        let s = score(&truth, &pred, &params());
        assert_eq!(s.part("matched"), Some(0.0));
        assert_eq!(s.part("label_acc"), Some(0.0));
        assert_eq!(s.value, 0.0);
        let no_labels = Params {
            use_labels: false,
            ..params()
        };
        assert_eq!(score(&truth, &pred, &no_labels).value, 1.0);
    }

    #[test]
    fn label_accuracy_counts_positionally_matched_boxes() {
        let truth = [
            t(0.0, 0.0, 10.0, 10.0, Some("dog")),
            t(20.0, 0.0, 30.0, 10.0, Some("cat")),
        ];
        let pred = [
            p(0.0, 0.0, 10.0, 10.0, Some("dog")),
            p(20.0, 0.0, 30.0, 10.0, Some("dog")),
        ];
        let s = score(&truth, &pred, &params());
        assert_eq!(s.part("label_acc"), Some(0.5));
        assert_eq!(s.part("matched"), Some(1.0));
    }

    #[test]
    fn hungarian_finds_more_matches_than_greedy_when_that_pays() {
        // Greedy gives truth 0 its best box (IoU 0.905), leaving truth 1 only
        // a box at IoU 0.43; Hungarian pairs 0.667 + 0.739 instead.
        let truth = [t(0.0, 0.0, 10.0, 10.0, None), t(2.0, 0.0, 12.0, 10.0, None)];
        let pred = [p(0.5, 0.0, 10.5, 10.0, None), p(-2.0, 0.0, 8.0, 10.0, None)];
        let hungarian = score(&truth, &pred, &params());
        let greedy = score(
            &truth,
            &pred,
            &Params {
                matching: Matching::Greedy,
                ..params()
            },
        );
        assert_eq!(hungarian.part("matched"), Some(2.0));
        assert_eq!(greedy.part("matched"), Some(1.0));
        assert!(hungarian.value > greedy.value);
    }

    #[test]
    fn no_ground_truth_rewards_only_silence() {
        assert_eq!(score(&[], &[], &params()).value, 1.0);
        assert_eq!(
            score(&[], &[p(0.0, 0.0, 1.0, 1.0, None)], &params()).value,
            0.0
        );
    }

    #[test]
    fn no_prediction_scores_zero() {
        let s = score(&[t(0.0, 0.0, 1.0, 1.0, Some("x"))], &[], &params());
        assert_eq!(s.value, 0.0);
        assert_eq!(s.part("label_acc"), Some(0.0));
    }

    #[test]
    fn degenerate_predictions_are_false_positives() {
        let truth = [t(0.0, 0.0, 10.0, 10.0, None)];
        let pred = [p(10.0, 10.0, 0.0, 0.0, None), p(0.0, 0.0, 10.0, 10.0, None)];
        let s = score(&truth, &pred, &params());
        assert_eq!(s.part("matched"), Some(1.0));
        assert!(close(s.part("completeness").unwrap(), 1.0 - 0.5 / 2.0));
    }
}
