//! ChartMimic-style comparison of two scenes: F1 scores over texts,
//! layouts, chart types, colours and data, plus rendered-image similarity.

use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::color::Color;
use crate::render::{render, Image};
use crate::scene::{ChartKind, Scene, Series};
use crate::ssim::image_similarity;

/// Colours or series considered per chart kind (the rest are ignored), so
/// the assignment stays cheap.
pub const MAX_PER_KIND: usize = 64;

/// Tolerances and render size for [`compare`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CompareOptions {
    /// A data value matches when `|c - r| <= abs_tol + rel_tol * |r|`.
    pub rel_tol: f64,
    pub abs_tol: f64,
    /// Render size for the image score.
    pub width: u32,
    pub height: u32,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            rel_tol: 0.02,
            abs_tol: 1e-6,
            width: 320,
            height: 240,
        }
    }
}

/// Every score is in [0, 1]; 1 means the candidate matches the reference.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// F1 of the multisets of shown strings.
    pub text: f64,
    /// F1 of the multisets of axes positions (grid, cell, spans).
    pub layout: f64,
    /// F1 of the multisets of drawing calls' chart kinds.
    pub chart_type: f64,
    /// Colour F1: CIE76 similarity, best assignment within each chart kind.
    pub color: f64,
    /// Data F1: values within tolerance, best series assignment within each
    /// chart kind.
    pub data: f64,
    /// SSIM of the two renders.
    pub image: f64,
}

/// Renders both scenes at `opts.width` x `opts.height` and scores them.
pub fn compare(reference: &Scene, candidate: &Scene, opts: &CompareOptions) -> Scores {
    let a = render(reference, opts.width, opts.height);
    let b = render(candidate, opts.width, opts.height);
    compare_with_images(reference, &a, candidate, &b, opts)
}

/// [`compare`] with renders already made (e.g. a reference rendered once
/// for a whole group of candidates).
pub fn compare_with_images(
    reference: &Scene,
    reference_image: &Image,
    candidate: &Scene,
    candidate_image: &Image,
    opts: &CompareOptions,
) -> Scores {
    Scores {
        text: multiset_f1(&reference.texts(), &candidate.texts()),
        layout: multiset_f1(&layouts(reference), &layouts(candidate)),
        chart_type: multiset_f1(&kinds(reference), &kinds(candidate)),
        color: color_f1(reference, candidate),
        data: data_f1(reference, candidate, opts),
        image: image_similarity(reference_image, candidate_image),
    }
}

fn f1(matched: f64, reference: f64, candidate: f64) -> f64 {
    if reference == 0.0 && candidate == 0.0 {
        return 1.0;
    }
    if reference == 0.0 || candidate == 0.0 || matched <= 0.0 {
        return 0.0;
    }
    let p = matched / candidate;
    let r = matched / reference;
    (2.0 * p * r / (p + r)).clamp(0.0, 1.0)
}

/// F1 of two multisets: matches are `min(count_r, count_c)` per item. Two
/// empty sets score 1.
pub fn multiset_f1<K: Eq + Hash + Clone>(reference: &[K], candidate: &[K]) -> f64 {
    let mut counts: HashMap<&K, (usize, usize)> = HashMap::new();
    for k in reference {
        counts.entry(k).or_default().0 += 1;
    }
    for k in candidate {
        counts.entry(k).or_default().1 += 1;
    }
    let matched: usize = counts.values().map(|(a, b)| (*a).min(*b)).sum();
    f1(
        matched as f64,
        reference.len() as f64,
        candidate.len() as f64,
    )
}

fn layouts(s: &Scene) -> Vec<crate::scene::Layout> {
    s.axes.iter().map(|a| a.layout).collect()
}

/// One chart kind per drawing call.
fn kinds(s: &Scene) -> Vec<ChartKind> {
    let mut seen = Vec::new();
    for (i, ax) in s.axes.iter().enumerate() {
        for ser in &ax.series {
            if !seen.contains(&(i, ser.call, ser.kind)) {
                seen.push((i, ser.call, ser.kind));
            }
        }
    }
    seen.into_iter().map(|(_, _, k)| k).collect()
}

fn by_kind(s: &Scene) -> Vec<(ChartKind, Vec<&Series>)> {
    let mut out: Vec<(ChartKind, Vec<&Series>)> = Vec::new();
    for ax in &s.axes {
        for ser in &ax.series {
            match out.iter_mut().find(|(k, _)| *k == ser.kind) {
                Some((_, v)) => v.push(ser),
                None => out.push((ser.kind, vec![ser])),
            }
        }
    }
    out
}

/// The distinct colours of each series of a kind, in drawing order.
fn colors_of(series: &[&Series]) -> Vec<Color> {
    let mut out = Vec::new();
    for s in series {
        let mut own: Vec<Color> = Vec::new();
        for c in &s.colors {
            let opaque = Color { a: 255, ..*c };
            if !own.contains(&opaque) {
                own.push(opaque);
            }
        }
        out.extend(own);
    }
    out.truncate(MAX_PER_KIND);
    out
}

/// ChartMimic's colour score: within each chart kind, the assignment of
/// candidate to reference colours that maximises the summed similarity
/// `max(0, 1 - dE76 / 100)`; F1 of that sum against the colour counts.
pub fn color_f1(reference: &Scene, candidate: &Scene) -> f64 {
    let (r, c) = (by_kind(reference), by_kind(candidate));
    let n_ref: usize = r.iter().map(|(_, s)| colors_of(s).len()).sum();
    let n_cand: usize = c.iter().map(|(_, s)| colors_of(s).len()).sum();
    let mut matched = 0.0;
    for (kind, rs) in &r {
        let Some((_, cs)) = c.iter().find(|(k, _)| k == kind) else {
            continue;
        };
        let (a, b) = (colors_of(rs), colors_of(cs));
        let w: Vec<Vec<f64>> = a
            .iter()
            .map(|x| b.iter().map(|y| x.similarity(*y)).collect())
            .collect();
        matched += max_assignment(&w);
    }
    f1(matched, n_ref as f64, n_cand as f64)
}

/// The comparable values of a series (see [`Series`] for the arrays).
fn points(s: &Series) -> Vec<Vec<f64>> {
    let n = s.y.len();
    let at = |v: &[f64], i: usize| v.get(i).copied().unwrap_or(0.0);
    match s.kind {
        ChartKind::Line | ChartKind::Scatter => (0..n).map(|i| vec![at(&s.x, i), s.y[i]]).collect(),
        ChartKind::Bar | ChartKind::Barh | ChartKind::FillBetween => (0..n)
            .map(|i| vec![at(&s.x, i), s.y[i], at(&s.base, i)])
            .collect(),
        ChartKind::Hist => (0..n)
            .map(|i| vec![at(&s.x, i), at(&s.x, i + 1), s.y[i]])
            .collect(),
        ChartKind::Pie => {
            let total: f64 = s.y.iter().filter(|v| v.is_finite()).sum();
            s.y.iter()
                .map(|v| vec![if total > 0.0 { v / total } else { *v }])
                .collect()
        }
        ChartKind::Axhline | ChartKind::Axvline => s.y.iter().map(|v| vec![*v]).collect(),
    }
}

/// Whether a candidate value matches a reference value. NaN matches NaN
/// (both are gaps), infinities match only themselves.
pub fn close(reference: f64, candidate: f64, opts: &CompareOptions) -> bool {
    if reference.is_nan() || candidate.is_nan() {
        return reference.is_nan() && candidate.is_nan();
    }
    if reference.is_infinite() || candidate.is_infinite() {
        return reference == candidate;
    }
    (candidate - reference).abs() <= opts.abs_tol + opts.rel_tol * reference.abs()
}

fn matched_points(a: &[Vec<f64>], b: &[Vec<f64>], opts: &CompareOptions) -> f64 {
    a.iter()
        .zip(b)
        .filter(|(p, q)| {
            p.len() == q.len() && p.iter().zip(q.iter()).all(|(x, y)| close(*x, *y, opts))
        })
        .count() as f64
}

/// Data F1: within each chart kind, series are paired to maximise the
/// number of matching points (index by index); F1 of the matched count
/// against both sides' point counts.
pub fn data_f1(reference: &Scene, candidate: &Scene, opts: &CompareOptions) -> f64 {
    let (r, c) = (by_kind(reference), by_kind(candidate));
    let count = |groups: &[(ChartKind, Vec<&Series>)]| -> usize {
        groups
            .iter()
            .map(|(_, s)| {
                s.iter()
                    .take(MAX_PER_KIND)
                    .map(|x| points(x).len())
                    .sum::<usize>()
            })
            .sum()
    };
    let (n_ref, n_cand) = (count(&r), count(&c));
    let mut matched = 0.0;
    for (kind, rs) in &r {
        let Some((_, cs)) = c.iter().find(|(k, _)| k == kind) else {
            continue;
        };
        let rp: Vec<Vec<Vec<f64>>> = rs.iter().take(MAX_PER_KIND).map(|s| points(s)).collect();
        let cp: Vec<Vec<Vec<f64>>> = cs.iter().take(MAX_PER_KIND).map(|s| points(s)).collect();
        let w: Vec<Vec<f64>> = rp
            .iter()
            .map(|a| cp.iter().map(|b| matched_points(a, b, opts)).collect())
            .collect();
        matched += max_assignment(&w);
    }
    if n_ref == 0
        && n_cand == 0
        && (reference.axes.iter().any(|a| !a.series.is_empty())
            || candidate.axes.iter().any(|a| !a.series.is_empty()))
    {
        // Series without points on both sides (e.g. empty plots) agree.
        return 1.0;
    }
    f1(matched, n_ref as f64, n_cand as f64)
}

type WeightFn<'a> = Box<dyn Fn(usize, usize) -> f64 + 'a>;

/// The largest total weight of a one-to-one assignment between rows and
/// columns (Hungarian algorithm on costs `max - w`), for weights >= 0.
pub fn max_assignment(w: &[Vec<f64>]) -> f64 {
    let rows = w.len();
    let cols = w.first().map_or(0, |r| r.len());
    if rows == 0 || cols == 0 {
        return 0.0;
    }
    // The algorithm wants rows <= cols; transpose if needed.
    let (n, m, get): (usize, usize, WeightFn) = if rows <= cols {
        (rows, cols, Box::new(|i, j| w[i][j]))
    } else {
        (cols, rows, Box::new(|i, j| w[j][i]))
    };
    let top = (0..n)
        .flat_map(|i| (0..m).map(move |j| (i, j)))
        .map(|(i, j)| get(i, j))
        .fold(0.0f64, f64::max);
    let cost = |i: usize, j: usize| top - get(i, j);
    let inf = f64::INFINITY;
    let (mut u, mut v) = (vec![0.0; n + 1], vec![0.0; m + 1]);
    let (mut p, mut way) = (vec![0usize; m + 1], vec![0usize; m + 1]);
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0;
        let mut minv = vec![inf; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = inf;
            let mut j1 = 0;
            for j in 1..=m {
                if !used[j] {
                    let cur = cost(i0 - 1, j - 1) - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    (1..=m)
        .filter(|&j| p[j] != 0)
        .map(|j| get(p[j] - 1, j - 1))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiset_f1_edges() {
        let e: [&str; 0] = [];
        assert_eq!(multiset_f1(&e, &e), 1.0);
        assert_eq!(multiset_f1(&["a"], &e), 0.0);
        assert_eq!(multiset_f1(&e, &["a"]), 0.0);
        assert_eq!(multiset_f1(&["a", "b"], &["b", "a"]), 1.0);
        // Duplicates count once each: reference {a, a}, candidate {a}.
        let s = multiset_f1(&["a", "a"], &["a"]);
        assert!((s - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(multiset_f1(&["a"], &["b"]), 0.0);
    }

    #[test]
    fn assignment_finds_the_best_permutation() {
        let w = vec![vec![0.1, 0.9, 0.0], vec![0.8, 0.2, 0.0]];
        assert!((max_assignment(&w) - 1.7).abs() < 1e-12);
        let t = vec![vec![0.1, 0.8], vec![0.9, 0.2], vec![0.0, 0.0]];
        assert!((max_assignment(&t) - 1.7).abs() < 1e-12);
        assert_eq!(max_assignment(&[]), 0.0);
        // Greedy would take 0.9 then 0.0; the optimum is 0.8 + 0.8.
        let g = vec![vec![0.9, 0.8], vec![0.8, 0.0]];
        assert!((max_assignment(&g) - 1.6).abs() < 1e-12);
    }

    #[test]
    fn tolerance_edges() {
        let o = CompareOptions {
            rel_tol: 0.1,
            abs_tol: 0.0,
            ..CompareOptions::default()
        };
        assert!(close(10.0, 11.0, &o));
        assert!(!close(10.0, 11.01, &o));
        assert!(close(f64::NAN, f64::NAN, &o));
        assert!(!close(f64::NAN, 1.0, &o));
        assert!(close(f64::INFINITY, f64::INFINITY, &o));
        assert!(!close(f64::INFINITY, f64::NEG_INFINITY, &o));
        assert!(!close(f64::INFINITY, 1e308, &o));
        assert!(close(0.0, 0.0, &o));
    }
}
