//! Pairing ground-truth boxes with predicted boxes: the IoU table, the
//! label rule, and the choice of assignment algorithm.

use crate::assignment::{greedy, hungarian, Assignment, Candidates};
use crate::bbox::{iou, BBox};
use crate::config::Matching;

/// IoU of every (ground truth, prediction) pair, computed once.
#[derive(Debug, Clone)]
pub struct IouTable {
    rows: usize,
    cols: usize,
    values: Vec<f64>,
}

impl IouTable {
    pub fn new(truth: &[BBox], pred: &[BBox]) -> IouTable {
        let mut values = Vec::with_capacity(truth.len() * pred.len());
        for t in truth {
            for p in pred {
                values.push(iou(t, p));
            }
        }
        IouTable {
            rows: truth.len(),
            cols: pred.len(),
            values,
        }
    }

    pub fn get(&self, r: usize, c: usize) -> f64 {
        self.values.get(r * self.cols + c).copied().unwrap_or(0.0)
    }
}

/// Labels agree when the ground truth has none, or both are equal after
/// trimming and lowercasing. A prediction without a label never matches a
/// labelled ground truth.
pub fn label_ok(truth: Option<&str>, pred: Option<&str>) -> bool {
    match (truth, pred) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(t), Some(p)) => t.trim().to_lowercase() == p.trim().to_lowercase(),
    }
}

/// One-to-one pairs `(truth, pred)` among the `allowed` ones. Hungarian
/// maximises the sum of `worth(iou)` over the pairs (falling back to greedy
/// on groups beyond its work budget); greedy takes pairs in order of falling
/// IoU.
pub fn pair_up(
    matching: Matching,
    table: &IouTable,
    allowed: impl Fn(usize, usize) -> bool,
    worth: impl Fn(f64) -> f64,
) -> Assignment {
    match matching {
        Matching::Hungarian => hungarian(&Candidates::new(table.rows, table.cols, |r, c| {
            allowed(r, c).then(|| worth(table.get(r, c)))
        })),
        Matching::Greedy => Assignment {
            pairs: greedy(&Candidates::new(table.rows, table.cols, |r, c| {
                allowed(r, c).then(|| table.get(r, c))
            })),
            approximate: false,
        },
    }
}

/// Note suffix for a Hungarian matching that was partly greedy.
pub fn approximate_note(a: &Assignment) -> &'static str {
    if a.approximate {
        " (too many overlapping boxes for exact matching; greedy used in part)"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_compare_trimmed_and_case_insensitive() {
        assert!(label_ok(Some("Dog"), Some(" dog ")));
        assert!(label_ok(None, None));
        assert!(label_ok(None, Some("cat")));
        assert!(!label_ok(Some("dog"), None));
        assert!(!label_ok(Some("dog"), Some("cat")));
    }

    #[test]
    fn table_holds_pairwise_iou() {
        let truth = [BBox::new(0.0, 0.0, 2.0, 2.0)];
        let pred = [BBox::new(0.0, 0.0, 2.0, 2.0), BBox::new(1.0, 0.0, 3.0, 2.0)];
        let t = IouTable::new(&truth, &pred);
        assert_eq!(t.get(0, 0), 1.0);
        assert!((t.get(0, 1) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(t.get(5, 5), 0.0);
    }

    #[test]
    fn pair_up_respects_allowed_and_algorithm() {
        let truth = [
            BBox::new(0.0, 0.0, 10.0, 10.0),
            BBox::new(0.0, 0.0, 9.0, 10.0),
        ];
        let pred = [
            BBox::new(0.0, 0.0, 9.5, 10.0),
            BBox::new(0.0, 0.0, 6.0, 10.0),
        ];
        let t = IouTable::new(&truth, &pred);
        let all = |_: usize, _: usize| true;
        // Greedy pairs the best IoU first and leaves truth 1 with the weaker box.
        assert_eq!(pair_up(Matching::Greedy, &t, all, |x| x).pairs.len(), 2);
        let only_first = pair_up(Matching::Hungarian, &t, |_, c| c == 0, |x| x);
        assert_eq!(only_first.pairs, vec![(0, 0)]);
        assert!(!only_first.approximate);
    }
}
