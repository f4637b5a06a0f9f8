//! Many-box scoring as in Visual-RFT (Liu et al. 2025): IoU averaged over
//! max(|G|, |P|) plus a confidence term.
//!
//! Pairs are one-to-one among overlapping boxes (IoU > 0, equal labels when
//! used); Hungarian maximises their total IoU. A predicted box is a hit when
//! its pair has IoU >= `match_threshold`. With `c` a box's confidence
//! clamped to [0, 1] (1 when absent):
//! `iou = sum of paired IoU / max(G, P)`,
//! `confidence = mean over predicted boxes of (c if hit else 1 - c)`,
//! `value = iou + confidence_weight * confidence`.
//! Confident hits and unconfident misses are rewarded; without confidences
//! the term is the share of predicted boxes that hit.

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
    pub confidence_weight: f64,
}

/// A box's confidence in [0, 1]; missing or NaN counts as fully confident.
pub fn confidence_of(p: &Predicted) -> f64 {
    match p.confidence {
        Some(c) if !c.is_nan() => c.clamp(0.0, 1.0),
        _ => 1.0,
    }
}

pub fn score(truth: &[Target], pred: &[Predicted], p: &Params) -> Score {
    if truth.is_empty() || pred.is_empty() {
        let value = if truth.is_empty() && pred.is_empty() {
            1.0
        } else {
            0.0
        };
        return Score::new(value)
            .with_part("iou", value)
            .with_part("confidence", value)
            .with_part("completeness", value)
            .with_part("matched", 0.0)
            .with_note(format!(
                "visual_rft: {} ground-truth boxes, {} predicted",
                truth.len(),
                pred.len()
            ));
    }

    let table = IouTable::new(
        &truth.iter().map(|t| t.bbox).collect::<Vec<_>>(),
        &pred.iter().map(|q| q.bbox).collect::<Vec<_>>(),
    );
    let allowed = |r: usize, c: usize| {
        table.get(r, c) > 0.0
            && (!p.use_labels || label_ok(truth[r].label.as_deref(), pred[c].label.as_deref()))
    };
    let assignment = pair_up(p.matching, &table, allowed, |overlap| overlap);

    let mut hit = vec![false; pred.len()];
    let mut iou_sum = 0.0;
    for &(r, c) in &assignment.pairs {
        let overlap = table.get(r, c);
        iou_sum += overlap;
        if overlap >= p.match_threshold {
            if let Some(h) = hit.get_mut(c) {
                *h = true;
            }
        }
    }
    let hits = hit.iter().filter(|&&h| h).count() as f64;
    let (g, n) = (truth.len() as f64, pred.len() as f64);
    let iou_part = iou_sum / g.max(n);
    let confidence = pred
        .iter()
        .zip(&hit)
        .map(|(q, &h)| {
            let c = confidence_of(q);
            if h {
                c
            } else {
                1.0 - c
            }
        })
        .sum::<f64>()
        / n;
    let completeness = 1.0 - ((g - hits) / g + (n - hits) / n) / 2.0;
    Score::new(iou_part + p.confidence_weight * confidence)
        .with_part("iou", iou_part)
        .with_part("confidence", confidence)
        .with_part("completeness", completeness)
        .with_part("matched", hits)
        .with_note(format!(
            "visual_rft: {} of {} predicted boxes hit at IoU >= {} ({} ground-truth boxes){}",
            hits,
            pred.len(),
            p.match_threshold,
            truth.len(),
            approximate_note(&assignment)
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bbox::BBox;

    fn t(x1: f64, y1: f64, x2: f64, y2: f64) -> Target {
        Target {
            bbox: BBox::new(x1, y1, x2, y2),
            label: None,
        }
    }

    fn p(x1: f64, y1: f64, x2: f64, y2: f64, conf: Option<f64>) -> Predicted {
        Predicted {
            bbox: BBox::new(x1, y1, x2, y2),
            label: None,
            confidence: conf,
        }
    }

    fn params() -> Params {
        Params {
            matching: Matching::Hungarian,
            match_threshold: 0.5,
            use_labels: true,
            confidence_weight: 1.0,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn iou_is_averaged_over_the_larger_set() {
        let truth = [t(0.0, 0.0, 10.0, 10.0)];
        let pred = [
            p(0.0, 0.0, 10.0, 5.0, None),
            p(50.0, 50.0, 60.0, 60.0, None),
        ];
        let s = score(&truth, &pred, &params());
        assert!(close(s.part("iou").unwrap(), 0.5 / 2.0));
    }

    #[test]
    fn confidence_rewards_confident_hits_and_doubtful_misses() {
        let truth = [t(0.0, 0.0, 10.0, 10.0)];
        let pred = [
            p(0.0, 0.0, 10.0, 10.0, Some(0.9)),
            p(50.0, 50.0, 60.0, 60.0, Some(0.2)),
        ];
        let s = score(&truth, &pred, &params());
        assert!(close(s.part("confidence").unwrap(), (0.9 + 0.8) / 2.0));
        assert!(close(s.value, 0.5 + 0.85));
        assert_eq!(s.part("matched"), Some(1.0));
    }

    #[test]
    fn low_iou_pairs_add_iou_but_are_not_hits() {
        let truth = [t(0.0, 0.0, 10.0, 10.0)];
        let pred = [p(0.0, 0.0, 10.0, 3.0, Some(0.6))];
        let s = score(&truth, &pred, &params());
        assert!(close(s.part("iou").unwrap(), 0.3));
        assert!(close(s.part("confidence").unwrap(), 0.4));
        assert_eq!(s.part("matched"), Some(0.0));
    }

    #[test]
    fn missing_and_odd_confidences() {
        assert_eq!(confidence_of(&p(0.0, 0.0, 1.0, 1.0, None)), 1.0);
        assert_eq!(confidence_of(&p(0.0, 0.0, 1.0, 1.0, Some(95.0))), 1.0);
        assert_eq!(confidence_of(&p(0.0, 0.0, 1.0, 1.0, Some(-3.0))), 0.0);
        assert_eq!(confidence_of(&p(0.0, 0.0, 1.0, 1.0, Some(f64::NAN))), 1.0);
    }

    #[test]
    fn confidence_weight_scales_the_term() {
        let truth = [t(0.0, 0.0, 10.0, 10.0)];
        let pred = [p(0.0, 0.0, 10.0, 10.0, Some(0.5))];
        let s = score(
            &truth,
            &pred,
            &Params {
                confidence_weight: 0.0,
                ..params()
            },
        );
        assert_eq!(s.value, 1.0);
    }

    #[test]
    fn empty_sides() {
        assert_eq!(score(&[], &[], &params()).value, 1.0);
        assert_eq!(
            score(&[], &[p(0.0, 0.0, 1.0, 1.0, None)], &params()).value,
            0.0
        );
        assert_eq!(score(&[t(0.0, 0.0, 1.0, 1.0)], &[], &params()).value, 0.0);
    }
}
