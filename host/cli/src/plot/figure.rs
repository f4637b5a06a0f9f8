//! The figure: three panels over one step axis — reward (mean ± std, its
//! smoothed mean, each reward's mean), KL, and completion length.

use std::collections::BTreeSet;

use super::axis::Axis;
use super::canvas::{Canvas, Rect, Rgb};
use super::font::{text_width, CAP_HEIGHT};
use super::metrics::StepMetrics;

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 900;

/// Screen pixels per font pixel.
const SCALE: i32 = 2;
const PLOT_LEFT: i32 = 104;
const PLOT_RIGHT: i32 = WIDTH as i32 - 28;
const HEADER: i32 = 52;
/// Room above each plot for its title.
const TITLE: i32 = 34;
const GAP: i32 = 20;
/// Room below the last plot for the step labels and the axis name.
const FOOTER: i32 = 62;

const BACKGROUND: Rgb = Rgb(255, 255, 255);
const INK: Rgb = Rgb(33, 37, 41);
const MUTED: Rgb = Rgb(100, 106, 112);
const GRID: Rgb = Rgb(236, 236, 236);
const FRAME: Rgb = Rgb(185, 185, 185);
const REWARD: Rgb = Rgb(31, 119, 180);
const REWARD_SMOOTHED: Rgb = Rgb(8, 48, 107);
const KL: Rgb = Rgb(214, 39, 40);
const LENGTH_MEAN: Rgb = Rgb(44, 160, 44);
const LENGTH_MAX: Rgb = Rgb(160, 214, 150);
/// Each reward's own line, in the order of their names.
const PALETTE: [Rgb; 9] = [
    Rgb(255, 127, 14),
    Rgb(148, 103, 189),
    Rgb(44, 160, 44),
    Rgb(214, 39, 40),
    Rgb(140, 86, 75),
    Rgb(227, 119, 194),
    Rgb(127, 127, 127),
    Rgb(188, 189, 34),
    Rgb(23, 190, 207),
];
const BAND_ALPHA: f64 = 0.16;

/// The reward mean gets a smoothed line once there are more steps than this.
const SMOOTH_AFTER: usize = 20;
/// Up to this many steps, points are marked as well as joined.
const MARK_UP_TO: usize = 30;

struct Line {
    color: Rgb,
    width: f64,
    values: Vec<Option<f64>>,
    marked: bool,
    /// A smoothed line keeps its width where raw lines are thinned.
    smoothed: bool,
}

/// The shaded range between two curves.
struct Band {
    color: Rgb,
    lo: Vec<Option<f64>>,
    hi: Vec<Option<f64>>,
}

struct LegendEntry {
    label: String,
    color: Rgb,
    width: f64,
    /// Whether the entry stands for a line with a band around it.
    banded: bool,
}

struct Panel {
    title: &'static str,
    /// The latest values, right of the title.
    summary: Option<String>,
    band: Option<Band>,
    /// Drawn in order, so the most important last.
    lines: Vec<Line>,
    legend: Vec<LegendEntry>,
}

/// The figure for `rows` (in step order); `source` names the file in the
/// header.
pub fn render(rows: &[StepMetrics], source: &str) -> Canvas {
    let mut c = Canvas::new(WIDTH, HEIGHT, BACKGROUND);
    let steps: Vec<f64> = rows.iter().map(|r| r.step as f64).collect();
    let x = match (rows.first(), rows.last()) {
        // One step sits in the middle rather than on an edge.
        (Some(a), Some(b)) if a.step == b.step => {
            Axis::covering(a.step as f64 - 1.0, a.step as f64 + 1.0, 11, true)
        }
        (Some(a), Some(b)) => Axis::covering(a.step as f64, b.step as f64, 11, true),
        _ => Axis::covering(0.0, 1.0, 11, true),
    };

    draw_header(&mut c, rows, source);
    let panels = [reward_panel(rows), kl_panel(rows), length_panel(rows)];
    let plots = layout();
    for (i, (panel, plot)) in panels.iter().zip(plots).enumerate() {
        draw_panel(&mut c, panel, plot, &x, &steps, i == panels.len() - 1);
    }
    let last = plots[plots.len() - 1];
    let name = "step";
    let mid = (last.x0 + last.x1) / 2;
    c.text(
        mid - text_width(name, SCALE) / 2,
        last.y1 + 38,
        name,
        SCALE,
        MUTED,
    );
    c
}

/// The three plot areas, top to bottom; reward gets half the height.
fn layout() -> [Rect; 3] {
    let free = HEIGHT as i32 - HEADER - 3 * TITLE - 2 * GAP - FOOTER;
    let heights = [free - 2 * (free / 4), free / 4, free / 4];
    let mut top = HEADER;
    heights.map(|h| {
        let r = Rect::new(PLOT_LEFT, top + TITLE, PLOT_RIGHT, top + TITLE + h);
        top = r.y1 + GAP;
        r
    })
}

fn draw_header(c: &mut Canvas, rows: &[StepMetrics], source: &str) {
    let title = "training curves";
    bold_text(c, 24, 18, title, INK);
    let count = match rows.len() {
        1 => "1 step".to_string(),
        n => format!("{n} steps"),
    };
    let right = WIDTH as i32 - 24;
    c.text(right - text_width(&count, SCALE), 18, &count, SCALE, MUTED);
    // The path fits between the two, its tail kept when it is long.
    let x = 24 + text_width(title, SCALE) + 24;
    let room = (right - text_width(&count, SCALE) - 24 - x) / (6 * SCALE);
    let chars: Vec<char> = source.chars().collect();
    let shown = if chars.len() as i32 > room {
        let keep = (room - 3).max(0) as usize;
        format!(
            "...{}",
            chars[chars.len() - keep..].iter().collect::<String>()
        )
    } else {
        source.to_string()
    };
    c.text(x, 18, &shown, SCALE, MUTED);
}

fn reward_panel(rows: &[StepMetrics]) -> Panel {
    let n = rows.len();
    let marked = n <= MARK_UP_TO;
    let has_std = rows.iter().any(|r| r.reward_std.is_some());
    let band = has_std.then(|| Band {
        color: REWARD,
        lo: rows
            .iter()
            .map(|r| r.reward_std.map(|s| r.reward_mean - s))
            .collect(),
        hi: rows
            .iter()
            .map(|r| r.reward_std.map(|s| r.reward_mean + s))
            .collect(),
    });
    let smoothed = n > SMOOTH_AFTER;
    let mean_width = if smoothed { 2.0 } else { 2.5 };

    let mut lines = Vec::new();
    let mut legend = vec![LegendEntry {
        label: if has_std { "mean ± std" } else { "mean" }.to_string(),
        color: REWARD,
        width: mean_width,
        banded: has_std,
    }];
    let means: Vec<f64> = rows.iter().map(|r| r.reward_mean).collect();
    let span = (n / 10).clamp(5, 50);
    let ema = smoothed.then(|| ema(&means, span));
    if ema.is_some() {
        legend.push(LegendEntry {
            label: format!("mean, EMA {span}"),
            color: REWARD_SMOOTHED,
            width: 3.0,
            banded: false,
        });
    }
    let names: BTreeSet<&String> = rows.iter().flat_map(|r| r.rewards.keys()).collect();
    for (name, color) in names.into_iter().zip(PALETTE.iter().cycle()) {
        lines.push(Line {
            color: *color,
            width: 1.5,
            values: rows.iter().map(|r| r.rewards.get(name).copied()).collect(),
            marked: false,
            smoothed: false,
        });
        legend.push(LegendEntry {
            label: name.clone(),
            color: *color,
            width: 1.5,
            banded: false,
        });
    }
    lines.push(Line {
        color: REWARD,
        width: mean_width,
        values: means.iter().copied().map(Some).collect(),
        marked,
        smoothed: false,
    });
    if let Some(ema) = ema {
        lines.push(Line {
            color: REWARD_SMOOTHED,
            width: 3.0,
            values: ema.into_iter().map(Some).collect(),
            marked: false,
            smoothed: true,
        });
    }
    let summary = rows.last().map(|r| match r.reward_std {
        Some(s) => format!("step {}: {} ± {}", r.step, short(r.reward_mean), short(s)),
        None => format!("step {}: {}", r.step, short(r.reward_mean)),
    });
    Panel {
        title: "reward",
        summary,
        band,
        lines,
        legend,
    }
}

fn kl_panel(rows: &[StepMetrics]) -> Panel {
    let summary = rows
        .iter()
        .rev()
        .find_map(|r| Some(format!("step {}: {}", r.step, short(r.kl?))));
    Panel {
        title: "KL divergence",
        summary,
        band: None,
        lines: vec![Line {
            color: KL,
            width: 2.0,
            values: rows.iter().map(|r| r.kl).collect(),
            marked: rows.len() <= MARK_UP_TO,
            smoothed: false,
        }],
        legend: Vec::new(),
    }
}

fn length_panel(rows: &[StepMetrics]) -> Panel {
    let summary = rows
        .iter()
        .rev()
        .find(|r| r.length_mean.is_some() || r.length_max.is_some())
        .map(|r| {
            let mut s = format!("step {}:", r.step);
            if let Some(m) = r.length_mean {
                s += &format!(" mean {}", short(m));
            }
            if let Some(m) = r.length_max {
                s += &format!(" max {}", short(m));
            }
            s
        });
    let has_max = rows.iter().any(|r| r.length_max.is_some());
    let mut legend = vec![LegendEntry {
        label: "mean".to_string(),
        color: LENGTH_MEAN,
        width: 2.0,
        banded: false,
    }];
    if has_max {
        legend.push(LegendEntry {
            label: "max".to_string(),
            color: LENGTH_MAX,
            width: 2.0,
            banded: false,
        });
    }
    Panel {
        title: "completion length (tokens)",
        summary,
        band: None,
        lines: vec![
            Line {
                color: LENGTH_MAX,
                width: 2.0,
                values: rows.iter().map(|r| r.length_max).collect(),
                marked: false,
                smoothed: false,
            },
            Line {
                color: LENGTH_MEAN,
                width: 2.0,
                values: rows.iter().map(|r| r.length_mean).collect(),
                marked: rows.len() <= MARK_UP_TO,
                smoothed: false,
            },
        ],
        legend,
    }
}

fn draw_panel(c: &mut Canvas, p: &Panel, plot: Rect, x: &Axis, steps: &[f64], x_labels: bool) {
    let title_y = plot.y0 - TITLE + 8;
    bold_text(c, plot.x0, title_y, p.title, INK);
    if let Some(s) = &p.summary {
        c.text(plot.x1 - text_width(s, SCALE), title_y, s, SCALE, MUTED);
    }

    // Pixel centres: the first and last ticks land on the frame's pixels.
    let px = |v: f64| plot.x0 as f64 + 0.5 + x.fraction(v) * (plot.width() - 1) as f64;
    for &t in &x.ticks {
        let col = px(t).floor() as i32;
        c.fill_rect(Rect::new(col, plot.y0, col + 1, plot.y1), GRID, 1.0);
        c.fill_rect(Rect::new(col, plot.y1, col + 1, plot.y1 + 5), FRAME, 1.0);
        if x_labels {
            let label = x.label(t);
            let left = col - text_width(&label, SCALE) / 2;
            c.text(left, plot.y1 + 10, &label, SCALE, MUTED);
        }
    }

    let mut values = p.lines.iter().flat_map(|l| l.values.iter().flatten());
    let Some(&first) = values.next() else {
        c.outline(plot, FRAME);
        let msg = "no data";
        let left = (plot.x0 + plot.x1 - text_width(msg, SCALE)) / 2;
        c.text(
            left,
            (plot.y0 + plot.y1) / 2 - CAP_HEIGHT,
            msg,
            SCALE,
            MUTED,
        );
        return;
    };
    let band_values = p
        .band
        .iter()
        .flat_map(|b| b.lo.iter().chain(&b.hi).flatten());
    let (min, max) = values
        .chain(band_values)
        .fold((first, first), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let max_ticks = (plot.height() / 40).clamp(3, 8) as usize;
    let y = Axis::covering(min, max, max_ticks, false);
    let py = |v: f64| plot.y1 as f64 - 0.5 - y.fraction(v) * (plot.height() - 1) as f64;
    for &t in &y.ticks {
        let row = py(t).floor() as i32;
        c.fill_rect(Rect::new(plot.x0, row, plot.x1, row + 1), GRID, 1.0);
        c.fill_rect(Rect::new(plot.x0 - 5, row, plot.x0, row + 1), FRAME, 1.0);
        let label = y.label(t);
        let left = plot.x0 - 10 - text_width(&label, SCALE);
        c.text(left, row - CAP_HEIGHT * SCALE / 2, &label, SCALE, MUTED);
    }
    c.outline(plot, FRAME);

    // Lines on the frame's edge would lose half their width to a tight clip.
    let clip = plot.grow(3);
    let mut occupied = Vec::new();
    if let Some(band) = &p.band {
        let columns: Vec<(f64, f64, f64)> = steps
            .iter()
            .zip(band.lo.iter().zip(&band.hi))
            .filter_map(|(&s, (lo, hi))| Some((px(s), py((*hi)?), py((*lo)?))))
            .collect();
        if let [(x, top, bottom)] = columns[..] {
            // One step: an error bar, since there is no width to shade.
            let bar = tint(band.color, 0.5);
            c.stroke(&[(x, top), (x, bottom)], 2.0, bar, clip);
            c.stroke(&[(x - 6.0, top), (x + 6.0, top)], 2.0, bar, clip);
            c.stroke(&[(x - 6.0, bottom), (x + 6.0, bottom)], 2.0, bar, clip);
        } else {
            c.fill_between(&columns, band.color, BAND_ALPHA, clip);
        }
        let top: Vec<(f64, f64)> = columns.iter().map(|&(x, t, _)| (x, t)).collect();
        let bottom: Vec<(f64, f64)> = columns.iter().map(|&(x, _, b)| (x, b)).collect();
        occupied.extend(densify(&top));
        occupied.extend(densify(&bottom));
    }
    for line in &p.lines {
        // Steps without a value are bridged: a metric logged every few
        // steps still reads as a curve.
        let points: Vec<(f64, f64)> = steps
            .iter()
            .zip(&line.values)
            .filter_map(|(&s, v)| Some((px(s), py((*v)?))))
            .collect();
        // With more steps than a few pixels each, full-width raw lines merge
        // into a band and bury the smoothed one.
        let dense = points.len() as i32 > plot.width() / 4;
        let width = if dense && !line.smoothed {
            (line.width * 0.6).max(1.0)
        } else {
            line.width
        };
        c.stroke(&points, width, line.color, clip);
        if line.marked || points.len() == 1 {
            for &pt in &points {
                c.stroke(&[pt], 2.0 * line.width + 2.0, line.color, clip);
            }
        }
        occupied.extend(densify(&points));
    }
    draw_legend(c, &p.legend, plot, &occupied);
}

/// The legend goes in the corner of the plot that hides the fewest drawn
/// points, in columns if the plot is too short for one.
fn draw_legend(c: &mut Canvas, entries: &[LegendEntry], plot: Rect, occupied: &[(f64, f64)]) {
    if entries.is_empty() {
        return;
    }
    const ROW: i32 = 24;
    const SWATCH: i32 = 28;
    const PAD: i32 = 10;
    let per_column = ((plot.height() - 2 * PAD - 8) / ROW).max(1) as usize;
    let columns = entries.len().div_ceil(per_column);
    let rows = entries.len().div_ceil(columns);
    let text = entries
        .iter()
        .map(|e| text_width(&e.label, SCALE))
        .max()
        .unwrap_or(0);
    let column_width = SWATCH + 8 + text + PAD;
    let (w, h) = (PAD + columns as i32 * column_width, 6 + rows as i32 * ROW);
    let inset = 10;
    let (left, right) = (plot.x0 + inset, plot.x1 - inset - w);
    let (top, bottom) = (plot.y0 + inset, plot.y1 - inset - h);
    let corners = [(left, top), (right, top), (right, bottom), (left, bottom)];
    let hidden = |&(x, y): &(i32, i32)| {
        let r = Rect::new(x, y, x + w, y + h).grow(4);
        occupied
            .iter()
            .filter(|&&(px, py)| r.contains(px, py))
            .count()
    };
    let Some(&(x0, y0)) = corners.iter().min_by_key(|corner| hidden(corner)) else {
        return;
    };
    let area = Rect::new(x0, y0, x0 + w, y0 + h);
    c.fill_rect(area, BACKGROUND, 0.9);
    c.outline(area, GRID);
    for (i, e) in entries.iter().enumerate() {
        let sx = x0 + PAD + (i / rows) as i32 * column_width;
        let top = y0 + 6 + (i % rows) as i32 * ROW;
        let mid = top as f64 + 7.5;
        if e.banded {
            let swatch = Rect::new(sx, top, sx + SWATCH, top + 15);
            c.fill_rect(swatch, e.color, BAND_ALPHA);
        }
        let (a, b) = ((sx + 1) as f64, (sx + SWATCH - 1) as f64);
        c.stroke(&[(a, mid), (b, mid)], e.width, e.color, area);
        c.text(sx + SWATCH + 8, top + 1, &e.label, SCALE, INK);
    }
}

/// The points of a polyline with more in between, at most 4 px apart, so a
/// long segment across a corner counts as being there.
fn densify(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = points.first().copied().into_iter().collect();
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        let n = ((b.0 - a.0).hypot(b.1 - a.1) / 4.0).ceil().max(1.0) as usize;
        out.extend((1..=n).map(|k| {
            let t = k as f64 / n as f64;
            (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
        }));
    }
    out
}

/// Exponential moving average over about `span` values, starting from the
/// first value rather than from zero.
fn ema(values: &[f64], span: usize) -> Vec<f64> {
    let alpha = 2.0 / (span as f64 + 1.0);
    let mut acc = None;
    values
        .iter()
        .map(|&v| {
            let next = match acc {
                None => v,
                Some(prev) => prev + alpha * (v - prev),
            };
            acc = Some(next);
            next
        })
        .collect()
}

/// A value in three significant digits, in exponent form when tiny or huge.
fn short(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".to_string()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{v:.2e}")
    } else {
        let decimals = (2 - a.log10().floor() as i32).clamp(0, 4);
        format!("{v:.*}", decimals as usize)
    }
}

/// `c` mixed with white: 0 keeps it, 1 is white.
fn tint(c: Rgb, t: f64) -> Rgb {
    let mix = |v: u8| (v as f64 + (255.0 - v as f64) * t).round() as u8;
    Rgb(mix(c.0), mix(c.1), mix(c.2))
}

fn bold_text(c: &mut Canvas, x: i32, y: i32, text: &str, color: Rgb) {
    c.text(x, y, text, SCALE, color);
    c.text(x + 1, y, text, SCALE, color);
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn row(step: u64, reward: f64) -> StepMetrics {
        StepMetrics {
            step,
            reward_mean: reward,
            reward_std: Some(0.1),
            rewards: BTreeMap::from([("format".to_string(), reward / 2.0)]),
            kl: Some(step as f64 * 1e-3),
            length_mean: Some(100.0 + step as f64),
            length_max: Some(200.0 + step as f64),
        }
    }

    /// Pixels of `color` inside `r`.
    fn count(c: &Canvas, r: Rect, color: Rgb) -> usize {
        (r.y0..r.y1)
            .flat_map(|y| (r.x0..r.x1).map(move |x| (x, y)))
            .filter(|&(x, y)| c.pixel(x, y) == color)
            .count()
    }

    #[test]
    fn each_series_is_drawn_in_its_own_panel() {
        let rows: Vec<StepMetrics> = (1..=50).map(|s| row(s, s as f64 / 50.0)).collect();
        let c = render(&rows, "metrics.jsonl");
        let [reward, kl, length] = layout();
        assert!(count(&c, reward, REWARD) > 200);
        assert!(count(&c, reward, REWARD_SMOOTHED) > 200);
        assert!(count(&c, reward, PALETTE[0]) > 200);
        assert!(count(&c, kl, KL) > 200);
        assert_eq!(count(&c, reward, KL) + count(&c, length, KL), 0);
        assert!(count(&c, length, LENGTH_MEAN) > 200);
        assert!(count(&c, length, LENGTH_MAX) > 200);
    }

    #[test]
    fn a_panel_without_values_says_so() {
        let mut rows: Vec<StepMetrics> = (1..=5).map(|s| row(s, 0.5)).collect();
        let with_kl = render(&rows, "m");
        for r in &mut rows {
            r.kl = None;
        }
        let without = render(&rows, "m");
        let kl = layout()[1];
        assert_eq!(count(&without, kl, KL), 0);
        let middle = Rect::new(kl.x0 + 300, kl.y0 + 20, kl.x1 - 300, kl.y1 - 20);
        assert!(count(&without, middle, MUTED) > 50, "no 'no data' text");
        assert_eq!(count(&with_kl, middle, MUTED), 0);
    }

    #[test]
    fn degenerate_inputs_still_draw() {
        let one = [row(7, 0.5)];
        let c = render(&one, "m");
        assert!(count(&c, layout()[0], REWARD) > 20, "one step shows a dot");
        // A constant reward still gets a visible line, and a smoothed one
        // lying on it once there are enough steps.
        let flat: Vec<StepMetrics> = (0..15).map(|s| row(s, 1.0)).collect();
        assert!(count(&render(&flat, "m"), layout()[0], REWARD) > 200);
        let flat: Vec<StepMetrics> = (0..30).map(|s| row(s, 1.0)).collect();
        assert!(count(&render(&flat, "m"), layout()[0], REWARD_SMOOTHED) > 200);
        let c = render(&[], "m");
        assert!(count(&c, layout()[0], MUTED) > 50, "no data");
    }

    #[test]
    fn ema_starts_at_the_first_value_and_follows_a_step() {
        let v = ema(&[1.0, 1.0, 3.0, 3.0, 3.0], 3);
        assert_eq!(v[..2], [1.0, 1.0]);
        assert_eq!(v[2], 2.0);
        assert!(v[3] > 2.0 && v[4] > v[3] && v[4] < 3.0);
    }

    #[test]
    fn short_values_keep_three_significant_digits() {
        assert_eq!(short(0.81234), "0.812");
        assert_eq!(short(212.7), "213");
        assert_eq!(short(0.0312), "0.0312");
        assert_eq!(short(2.5e-5), "2.50e-5");
        assert_eq!(short(0.0), "0");
    }
}
