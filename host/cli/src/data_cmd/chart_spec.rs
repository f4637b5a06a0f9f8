//! Random chart specs for `rewasm data charts`: 1-2 subplots, each one of
//! line, bar, barh, scatter, pie, hist or fill_between, with titles, axis
//! labels, legends and colours drawn from a few themes so the texts read
//! like real charts.

use serde::Serialize;

use super::rng::Rng;

/// A figure: a grid of `nrows` x `ncols` subplots, one [`Plot`] each.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartSpec {
    /// Inches; at 50 dpi the figure is the rendered image's size.
    pub figsize: [f64; 2],
    pub nrows: u32,
    pub ncols: u32,
    pub suptitle: Option<String>,
    pub axes: Vec<AxesSpec>,
}

/// One subplot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AxesSpec {
    pub title: Option<String>,
    pub xlabel: Option<String>,
    pub ylabel: Option<String>,
    pub grid: bool,
    pub legend: bool,
    pub plot: Plot,
}

/// What a subplot draws. Numbers carry at most one decimal, so the code
/// prints them exactly.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Plot {
    /// Lines over a shared x.
    Line {
        x: Vec<f64>,
        lines: Vec<Line>,
    },
    /// Bars over categories; a second series is stacked on the first.
    Bar {
        categories: Vec<String>,
        stacks: Vec<Bars>,
    },
    /// Horizontal bars over categories.
    Barh {
        categories: Vec<String>,
        bars: Bars,
    },
    Scatter {
        groups: Vec<Points>,
    },
    Pie {
        labels: Vec<String>,
        sizes: Vec<f64>,
        colors: Vec<String>,
    },
    Hist {
        data: Vec<f64>,
        bins: u32,
        color: String,
        label: String,
    },
    /// A band between `lower` and `upper`, with the middle line drawn over it.
    FillBetween {
        x: Vec<f64>,
        lower: Vec<f64>,
        upper: Vec<f64>,
        middle: Vec<f64>,
        color: String,
        label: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub y: Vec<f64>,
    pub color: String,
    pub label: String,
    pub linestyle: &'static str,
    pub marker: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bars {
    pub values: Vec<f64>,
    pub color: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Points {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub color: String,
    pub label: String,
    pub marker: &'static str,
}

/// Chart colours: matplotlib's tab10 and a few named ones, as `#rrggbb`.
const COLORS: [&str; 14] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#4682b4", "#ff6347", "#3cb371", "#daa520",
];

/// What a chart is about: its texts and the scale of its numbers.
struct Theme {
    title: &'static str,
    xlabel: &'static str,
    ylabel: &'static str,
    series: &'static [&'static str],
    categories: &'static [&'static str],
    /// Typical values are in [lo, hi].
    lo: f64,
    hi: f64,
}

const MONTHS: &[&str] = &[
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: &[&str] = &["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

const THEMES: &[Theme] = &[
    Theme {
        title: "Monthly Sales",
        xlabel: "Month",
        ylabel: "Sales (k$)",
        series: &["Product A", "Product B", "Product C"],
        categories: MONTHS,
        lo: 20.0,
        hi: 120.0,
    },
    Theme {
        title: "Website Traffic",
        xlabel: "Day",
        ylabel: "Visitors",
        series: &["Desktop", "Mobile", "Tablet"],
        categories: DAYS,
        lo: 200.0,
        hi: 900.0,
    },
    Theme {
        title: "Average Temperature",
        xlabel: "Month",
        ylabel: "Temperature (C)",
        series: &["Oslo", "Madrid", "Cairo"],
        categories: MONTHS,
        lo: -5.0,
        hi: 35.0,
    },
    Theme {
        title: "Department Budget",
        xlabel: "Department",
        ylabel: "Spending ($M)",
        series: &["2022", "2023", "2024"],
        categories: &["R&D", "Sales", "Support", "HR", "IT", "Legal"],
        lo: 1.0,
        hi: 12.0,
    },
    Theme {
        title: "Energy Mix",
        xlabel: "Source",
        ylabel: "Output (TWh)",
        series: &["Region North", "Region South"],
        categories: &["Solar", "Wind", "Hydro", "Gas", "Coal", "Nuclear"],
        lo: 5.0,
        hi: 60.0,
    },
    Theme {
        title: "Reaction Times",
        xlabel: "Trial",
        ylabel: "Time (ms)",
        series: &["Control", "Caffeine", "Placebo"],
        categories: &["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8"],
        lo: 180.0,
        hi: 420.0,
    },
    Theme {
        title: "Survey Results",
        xlabel: "Answer",
        ylabel: "Responses",
        series: &["Students", "Staff"],
        categories: &["Very poor", "Poor", "Fair", "Good", "Excellent"],
        lo: 3.0,
        hi: 80.0,
    },
];

pub const KINDS: [&str; 7] = [
    "line",
    "bar",
    "barh",
    "scatter",
    "pie",
    "hist",
    "fill_between",
];

/// A random figure for an image of `width` x `height` pixels.
pub fn random_chart(rng: &mut Rng, width: u32, height: u32) -> ChartSpec {
    let figsize = [
        (width as f64 / 50.0 * 10.0).round() / 10.0,
        (height as f64 / 50.0 * 10.0).round() / 10.0,
    ];
    let two = rng.chance(0.35);
    // Side by side in a wide figure, stacked in a tall one.
    let (nrows, ncols) = match (two, width >= height) {
        (false, _) => (1, 1),
        (true, true) => (1, 2),
        (true, false) => (2, 1),
    };
    let mut colors: Vec<&str> = COLORS.to_vec();
    rng.shuffle(&mut colors);
    let mut colors = colors.into_iter().map(String::from);
    let axes: Vec<AxesSpec> = (0..nrows * ncols)
        .map(|_| random_axes(rng, &mut colors, two))
        .collect();
    let suptitle = (two && rng.chance(0.5)).then(|| format!("{} Report", rng.pick(&YEARS)));
    ChartSpec {
        figsize,
        nrows,
        ncols,
        suptitle,
        axes,
    }
}

const YEARS: [&str; 5] = ["2020", "2021", "2022", "2023", "2024"];

fn random_axes(rng: &mut Rng, colors: &mut impl Iterator<Item = String>, small: bool) -> AxesSpec {
    let theme = rng.pick(THEMES);
    let kind = *rng.pick(&KINDS);
    let mut color = || colors.next().unwrap_or_else(|| "#333333".into());
    let mut series: Vec<&str> = theme.series.to_vec();
    rng.shuffle(&mut series);
    let value = |rng: &mut Rng| round1(rng.range(theme.lo, theme.hi));
    // Fewer points in a half-size subplot.
    let max_points = if small { 7 } else { 10 };
    let n_cats = rng.int(3, theme.categories.len().min(max_points) as i64) as usize;
    let start = rng.below(theme.categories.len() - n_cats + 1);
    let categories: Vec<String> = theme.categories[start..start + n_cats]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let n_series = rng.int(1, 2.min(series.len() as i64)) as usize;

    let (plot, xlabel, ylabel) = match kind {
        "line" => {
            let n = rng.int(5, max_points as i64) as usize;
            let x0 = if rng.chance(0.5) {
                1
            } else {
                rng.int(2015, 2020)
            };
            let x = (0..n).map(|i| (x0 + i as i64) as f64).collect();
            let xlabel = if x0 > 1 { "Year" } else { theme.xlabel };
            let styles = ["-", "--", "-.", ":"];
            let markers = ["o", "s", "^", "D"];
            let lines = (0..n_series)
                .map(|s| Line {
                    y: walk(rng, n, theme.lo, theme.hi),
                    color: color(),
                    label: series[s].into(),
                    linestyle: if s == 0 {
                        "-"
                    } else {
                        styles[rng.below(styles.len())]
                    },
                    marker: rng.chance(0.5).then(|| *rng.pick(&markers)),
                })
                .collect();
            (
                Plot::Line { x, lines },
                xlabel.to_string(),
                theme.ylabel.to_string(),
            )
        }
        "bar" => {
            let stacks = (0..n_series)
                .map(|s| Bars {
                    values: (0..n_cats).map(|_| value(rng).abs()).collect(),
                    color: color(),
                    label: series[s].into(),
                })
                .collect();
            (
                Plot::Bar { categories, stacks },
                theme.xlabel.to_string(),
                theme.ylabel.to_string(),
            )
        }
        "barh" => {
            let bars = Bars {
                values: (0..n_cats).map(|_| value(rng).abs()).collect(),
                color: color(),
                label: series[0].into(),
            };
            (
                Plot::Barh { categories, bars },
                theme.ylabel.to_string(),
                theme.xlabel.to_string(),
            )
        }
        "scatter" => {
            let markers = ["o", "s", "^", "x"];
            let groups = (0..n_series)
                .map(|s| {
                    let n = rng.int(6, 14) as usize;
                    let (slope, offset) = (rng.range(-1.0, 1.5), rng.range(0.0, 0.3));
                    let x: Vec<f64> = (0..n).map(|_| round1(rng.range(0.0, 10.0))).collect();
                    let y = x
                        .iter()
                        .map(|&xi| {
                            let t = (offset + slope * xi / 10.0 + rng.range(-0.15, 0.15))
                                .clamp(0.0, 1.0);
                            round1(theme.lo + t * (theme.hi - theme.lo))
                        })
                        .collect();
                    Points {
                        x,
                        y,
                        color: color(),
                        label: series[s].into(),
                        marker: markers[rng.below(markers.len())],
                    }
                })
                .collect();
            (
                Plot::Scatter { groups },
                "Score".to_string(),
                theme.ylabel.to_string(),
            )
        }
        "pie" => {
            let n = n_cats.min(6);
            let labels = categories[..n].to_vec();
            let sizes = (0..n).map(|_| rng.int(5, 40) as f64).collect();
            let colors = (0..n).map(|_| color()).collect();
            (
                Plot::Pie {
                    labels,
                    sizes,
                    colors,
                },
                String::new(),
                String::new(),
            )
        }
        "hist" => {
            // A bell-ish sample: the mean of three uniforms.
            let n = rng.int(30, 60) as usize;
            let mid = (theme.lo + theme.hi) / 2.0;
            let spread = (theme.hi - theme.lo) / 2.0;
            let data = (0..n)
                .map(|_| {
                    let u = (rng.unit() + rng.unit() + rng.unit()) / 3.0;
                    round1(mid + (u - 0.5) * 2.0 * spread)
                })
                .collect();
            let plot = Plot::Hist {
                data,
                bins: rng.int(5, 12) as u32,
                color: color(),
                label: series[0].into(),
            };
            (plot, theme.ylabel.to_string(), "Count".to_string())
        }
        _ => {
            let n = rng.int(6, max_points as i64 + 2) as usize;
            let x: Vec<f64> = (1..=n).map(|i| i as f64).collect();
            let middle = walk(rng, n, theme.lo, theme.hi);
            let margin = (theme.hi - theme.lo) / 10.0;
            let lower = middle
                .iter()
                .map(|m| round1(m - margin * rng.range(0.5, 1.5)))
                .collect();
            let upper = middle
                .iter()
                .map(|m| round1(m + margin * rng.range(0.5, 1.5)))
                .collect();
            let plot = Plot::FillBetween {
                x,
                lower,
                upper,
                middle,
                color: color(),
                label: series[0].into(),
            };
            (plot, theme.xlabel.to_string(), theme.ylabel.to_string())
        }
    };
    let pie = matches!(plot, Plot::Pie { .. });
    let legend_worthy = match &plot {
        Plot::Line { lines, .. } => lines.len() > 1,
        Plot::Bar { stacks, .. } => stacks.len() > 1,
        Plot::Scatter { groups } => groups.len() > 1,
        _ => false,
    };
    AxesSpec {
        title: (!small || rng.chance(0.8)).then(|| theme.title.to_string()),
        xlabel: (!pie && rng.chance(0.85)).then_some(xlabel),
        ylabel: (!pie && rng.chance(0.85)).then_some(ylabel),
        grid: !pie && rng.chance(0.4),
        legend: legend_worthy || (!pie && rng.chance(0.2)),
        plot,
    }
}

/// A random walk of `n` values that stays in [lo, hi], bouncing off the
/// ends (clamping would draw flat runs).
fn walk(rng: &mut Rng, n: usize, lo: f64, hi: f64) -> Vec<f64> {
    let step = (hi - lo) / 6.0;
    let mut v = rng.range(lo, hi);
    (0..n)
        .map(|_| {
            v += rng.range(-step, step);
            if v > hi {
                v = 2.0 * hi - v;
            } else if v < lo {
                v = 2.0 * lo - v;
            }
            round1(v)
        })
        .collect()
}

/// One decimal, and never `-0.0`.
fn round1(v: f64) -> f64 {
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_and_both_layouts_come_up() {
        let mut seen = std::collections::BTreeSet::new();
        let mut layouts = std::collections::BTreeSet::new();
        for i in 0..300 {
            let spec = random_chart(&mut Rng::for_row(0, 5, i), 320, 240);
            assert_eq!(spec.figsize, [6.4, 4.8]);
            assert_eq!(spec.axes.len() as u32, spec.nrows * spec.ncols);
            layouts.insert((spec.nrows, spec.ncols));
            for a in &spec.axes {
                let v = serde_json::to_value(&a.plot).expect("json");
                seen.insert(v["kind"].as_str().expect("kind").to_string());
            }
        }
        assert_eq!(seen.len(), KINDS.len(), "{seen:?}");
        assert!(layouts.contains(&(1, 1)) && layouts.contains(&(1, 2)));
    }
}
