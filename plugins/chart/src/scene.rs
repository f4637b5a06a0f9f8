//! The chart scene: what a run of plotting code drew, independent of
//! pixels. Serialized with serde; a reference may be given as this JSON
//! instead of code (every field but `axes` may be left out).

use serde::{Deserialize, Serialize};

use crate::color::Color;

/// One figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scene {
    /// Figure size in inches (`figsize`), width then height.
    pub figsize: [f64; 2],
    /// `fig.suptitle` / `plt.suptitle`.
    pub suptitle: Option<String>,
    /// Every axes, in creation order (twins included).
    pub axes: Vec<Axes>,
}

impl Default for Scene {
    fn default() -> Self {
        Scene {
            figsize: [6.4, 4.8],
            suptitle: None,
            axes: Vec::new(),
        }
    }
}

/// Where an axes sits: a cell range of an `nrows` x `ncols` grid (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    pub nrows: u32,
    pub ncols: u32,
    pub row: u32,
    pub col: u32,
    #[serde(default = "one")]
    pub rowspan: u32,
    #[serde(default = "one")]
    pub colspan: u32,
}

fn one() -> u32 {
    1
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            nrows: 1,
            ncols: 1,
            row: 0,
            col: 0,
            rowspan: 1,
            colspan: 1,
        }
    }
}

/// One axes (subplot).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Axes {
    pub layout: Layout,
    /// Index of the axes this one was made from by `twinx()`; it shares the
    /// x axis and draws its y axis on the right.
    pub twin_of: Option<usize>,
    pub title: Option<String>,
    pub xlabel: Option<String>,
    pub ylabel: Option<String>,
    /// Explicit tick positions (`set_xticks`, `xticks`, categorical data).
    pub xticks: Option<Vec<f64>>,
    pub yticks: Option<Vec<f64>>,
    /// Explicit tick labels (drawn at the ticks, in order).
    pub xticklabels: Option<Vec<String>>,
    pub yticklabels: Option<Vec<String>>,
    pub xlim: Option<[f64; 2]>,
    pub ylim: Option<[f64; 2]>,
    pub grid: bool,
    /// Legend entries when a legend is shown.
    pub legend: Option<Vec<String>>,
    /// Free text: `text`, `annotate`, `bar_label`, pie percentages.
    pub texts: Vec<Text>,
    pub series: Vec<Series>,
}

/// A string placed at data coordinates.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Text {
    pub x: f64,
    pub y: f64,
    pub text: String,
}

/// The drawing function that produced a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    Line,
    Bar,
    Barh,
    Scatter,
    Pie,
    Hist,
    FillBetween,
    Axhline,
    Axvline,
}

impl ChartKind {
    pub fn name(self) -> &'static str {
        match self {
            ChartKind::Line => "line",
            ChartKind::Bar => "bar",
            ChartKind::Barh => "barh",
            ChartKind::Scatter => "scatter",
            ChartKind::Pie => "pie",
            ChartKind::Hist => "hist",
            ChartKind::FillBetween => "fill_between",
            ChartKind::Axhline => "axhline",
            ChartKind::Axvline => "axvline",
        }
    }
}

/// How a line is stroked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStyle {
    #[default]
    Solid,
    Dashed,
    Dashdot,
    Dotted,
    None,
}

/// One drawn data series. Meaning of the arrays by kind:
///
/// | kind | `x` | `y` | `base` |
/// |---|---|---|---|
/// | line, scatter | x | y | — |
/// | bar | bar centres | heights | bottoms |
/// | barh | bar centres (on y) | widths | lefts |
/// | hist | bin edges (n + 1) | counts (n) | — |
/// | pie | — | wedge sizes | — |
/// | fill_between | x | y1 | y2 |
/// | axhline / axvline | — | the one position | — |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Series {
    pub kind: ChartKind,
    /// Index of the drawing call in the figure (one call may make several
    /// series, e.g. `hist` of several datasets).
    pub call: u32,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub base: Vec<f64>,
    /// Bar thickness (bar, barh), in data units.
    pub width: f64,
    pub label: Option<String>,
    /// One colour for the whole series, or one per element (bars, wedges,
    /// scatter points).
    pub colors: Vec<Color>,
    pub line_style: LineStyle,
    pub line_width: f64,
    /// A matplotlib marker letter (`o`, `s`, `^`, ...), if any.
    pub marker: Option<String>,
    /// Pie wedge labels.
    pub labels: Vec<String>,
}

impl Default for Series {
    fn default() -> Self {
        Series {
            kind: ChartKind::Line,
            call: 0,
            x: Vec::new(),
            y: Vec::new(),
            base: Vec::new(),
            width: 0.8,
            label: None,
            colors: Vec::new(),
            line_style: LineStyle::Solid,
            line_width: 1.5,
            marker: None,
            labels: Vec::new(),
        }
    }
}

impl Scene {
    /// Every string the figure shows, for the text metric: suptitle,
    /// titles, axis labels, explicit tick labels, legend entries, free
    /// texts and pie labels. Empty strings are left out.
    pub fn texts(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut push = |s: &str| {
            let t = s.trim();
            if !t.is_empty() {
                out.push(t.to_string());
            }
        };
        if let Some(s) = &self.suptitle {
            push(s);
        }
        for ax in &self.axes {
            for s in [&ax.title, &ax.xlabel, &ax.ylabel].into_iter().flatten() {
                push(s);
            }
            for labels in [&ax.xticklabels, &ax.yticklabels].into_iter().flatten() {
                labels.iter().for_each(|s| push(s));
            }
            if let Some(entries) = &ax.legend {
                entries.iter().for_each(|s| push(s));
            }
            ax.texts.iter().for_each(|t| push(&t.text));
            for s in &ax.series {
                s.labels.iter().for_each(|l| push(l));
            }
        }
        out
    }
}
