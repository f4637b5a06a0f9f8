//! The drawing calls (`plot`, `bar`, `barh`, `scatter`, `pie`, `hist`,
//! `fill_between`, `axhline`, `axvline`, `bar_label`): their arguments,
//! categorical data, colours and format strings, turned into scene series.

use std::rc::Rc;

use crate::color::Color;
use crate::error::ChartErrorKind;
use crate::format::{printf, PrintfArg};
use crate::interp::{Args, Interp, R};
use crate::pylib::{colormap, colormap_color};
use crate::pyplot::{add_text, check_kw, count_drawn, set_ticks};
use crate::scene::{ChartKind, LineStyle, Series};
use crate::value::Value;

/// Positions for data that may be categorical strings.
fn coords(it: &mut Interp, i: usize, v: &Value, x_axis: bool, what: &str) -> R<Vec<f64>> {
    let items = match v {
        Value::List(_) | Value::Tuple(_) => it.iterate(v)?,
        _ => return it.numbers(v, what),
    };
    if items.is_empty() || !items.iter().all(|x| matches!(x, Value::Str(_))) {
        return it.numbers(v, what);
    }
    let cats = if x_axis {
        &mut it.fig.xcats[i]
    } else {
        &mut it.fig.ycats[i]
    };
    let mut out = Vec::with_capacity(items.len());
    for x in &items {
        let Value::Str(s) = x else { continue };
        let pos = match cats.iter().position(|c| c.as_str() == s.as_ref()) {
            Some(p) => p,
            None => {
                cats.push(s.to_string());
                cats.len() - 1
            }
        };
        out.push(pos as f64);
    }
    Ok(out)
}

fn next_color(it: &mut Interp, i: usize) -> Color {
    let c = Color::cycle(it.fig.cycle[i]);
    it.fig.cycle[i] += 1;
    c
}

/// A colour value: a spec string, an RGB(A) tuple of floats in [0, 1], or
/// a grey level string.
pub fn parse_color(it: &mut Interp, v: &Value) -> R<Color> {
    match v {
        Value::Str(s) => Color::parse(s).ok_or_else(|| it.runtime(format!("invalid colour {s:?}"))),
        Value::Tuple(_) | Value::List(_) | Value::Array(_) => {
            let c = it.numbers(v, "colour")?;
            let bad = || it.runtime("an RGB(A) colour is 3 or 4 numbers in [0, 1]");
            if !(3..=4).contains(&c.len()) || c.iter().any(|x| !(0.0..=1.0).contains(x)) {
                return Err(bad());
            }
            Color::from_unit(c[0], c[1], c[2], c.get(3).copied().unwrap_or(1.0)).ok_or_else(bad)
        }
        other => Err(it.runtime(format!("invalid colour of type {}", other.type_name()))),
    }
}

fn is_single_color(v: &Value) -> bool {
    match v {
        Value::Str(_) => true,
        Value::Tuple(t) => {
            (3..=4).contains(&t.len())
                && t.iter()
                    .all(|x| x.as_f64().is_some_and(|f| (0.0..=1.0).contains(&f)))
        }
        _ => false,
    }
}

/// One colour or one per element.
fn parse_colors(it: &mut Interp, v: &Value) -> R<Vec<Color>> {
    if is_single_color(v) {
        return Ok(vec![parse_color(it, v)?]);
    }
    let items = it.iterate(v)?;
    let mut out = Vec::with_capacity(items.len());
    for x in &items {
        out.push(parse_color(it, x)?);
    }
    Ok(out)
}

fn take_color(it: &mut Interp, a: &mut Args, names: &[&str]) -> R<Option<Vec<Color>>> {
    for n in names {
        if let Some(v) = a.kw(n) {
            if matches!(v, Value::None) {
                return Ok(None);
            }
            return Ok(Some(parse_colors(it, &v)?));
        }
    }
    Ok(None)
}

fn take_alpha(it: &mut Interp, a: &mut Args) -> R<Option<f64>> {
    match a.kw("alpha") {
        None | Some(Value::None) => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| it.runtime("alpha must be a number")),
    }
}

fn take_label(it: &mut Interp, a: &mut Args) -> R<Option<String>> {
    match a.kw("label") {
        None | Some(Value::None) => Ok(None),
        Some(v) => Ok(Some(it.str_of(&v)?)),
    }
}

fn line_style(it: &Interp, v: &Value) -> R<LineStyle> {
    let Value::Str(s) = v else {
        return Err(it.unsupported("dash tuples as line styles"));
    };
    Ok(match s.as_ref() {
        "-" | "solid" => LineStyle::Solid,
        "--" | "dashed" => LineStyle::Dashed,
        "-." | "dashdot" => LineStyle::Dashdot,
        ":" | "dotted" => LineStyle::Dotted,
        "" | " " | "None" | "none" => LineStyle::None,
        other => return Err(it.runtime(format!("invalid line style {other:?}"))),
    })
}

const MARKERS: &str = ".,ov^<>1234spP*hH+xXDd|_8";

/// A `plot` format string: colour, marker and line style, in any order.
fn parse_fmt(it: &Interp, fmt: &str) -> R<(Option<Color>, Option<String>, Option<LineStyle>)> {
    let mut color = None;
    let mut marker = None;
    let mut style = None;
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let bad = || it.runtime(format!("unrecognised format string {fmt:?}"));
    while i < chars.len() {
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        if two == "--" || two == "-." {
            style = Some(if two == "--" {
                LineStyle::Dashed
            } else {
                LineStyle::Dashdot
            });
            i += 2;
        } else if chars[i] == 'C' && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit()) {
            color = Color::parse(&two);
            i += 2;
        } else if chars[i] == '-' || chars[i] == ':' {
            style = Some(if chars[i] == '-' {
                LineStyle::Solid
            } else {
                LineStyle::Dotted
            });
            i += 1;
        } else if "bgrcmykw".contains(chars[i]) {
            if color.is_some() {
                return Err(bad());
            }
            color = Color::parse(&chars[i].to_string());
            i += 1;
        } else if MARKERS.contains(chars[i]) {
            marker = Some(chars[i].to_string());
            i += 1;
        } else {
            return Err(bad());
        }
    }
    if marker.is_some() && style.is_none() {
        style = Some(LineStyle::None);
    }
    Ok((color, marker, style))
}

fn finish_series(it: &mut Interp, i: usize, mut s: Series, alpha: Option<f64>) -> R<()> {
    if let Some(al) = alpha {
        for c in &mut s.colors {
            *c = c.with_alpha(al);
        }
    }
    count_drawn(it, s.x.len().max(s.y.len()).max(1))?;
    it.fig.scene.axes[i].series.push(s);
    Ok(())
}

fn artists(it: &Interp, i: usize, first: usize) -> Value {
    let count = it.fig.scene.axes[i].series.len() - first;
    Value::Artists {
        axes: i,
        first,
        count,
    }
}

pub(crate) fn plot(it: &mut Interp, i: usize, mut a: Args) -> R<Value> {
    let call = it.fig.calls;
    it.fig.calls += 1;
    let color_kw = take_color(it, &mut a, &["color", "c"])?;
    let alpha = take_alpha(it, &mut a)?;
    let label = take_label(it, &mut a)?;
    let ls_kw = match a.kw("linestyle").or_else(|| a.kw("ls")) {
        Some(v) => Some(line_style(it, &v)?),
        None => None,
    };
    let lw = a
        .kw("linewidth")
        .or_else(|| a.kw("lw"))
        .and_then(|v| v.as_f64());
    let marker_kw = match a.kw("marker") {
        Some(Value::Str(m)) => Some(m.to_string()),
        Some(Value::None) | None => None,
        Some(_) => return Err(it.unsupported("non-string markers")),
    };
    check_kw(it, "plot", &a)?;
    let mut args = std::mem::take(&mut a.pos);
    if args.is_empty() {
        return Ok(Value::list(Vec::new()));
    }
    let first = it.fig.scene.axes[i].series.len();
    while !args.is_empty() {
        let take = if args.len() >= 2 && matches!(args[1], Value::Str(_)) {
            2
        } else if args.len() >= 3 && matches!(args[2], Value::Str(_)) {
            3
        } else if args.len() >= 2 {
            2
        } else {
            1
        };
        let group: Vec<Value> = args.drain(..take).collect();
        let (xv, yv, fmt) = match group.as_slice() {
            [y] => (None, y.clone(), None),
            [y, Value::Str(f)] => (None, y.clone(), Some(f.to_string())),
            [x, y] => (Some(x.clone()), y.clone(), None),
            [x, y, Value::Str(f)] => (Some(x.clone()), y.clone(), Some(f.to_string())),
            _ => return Err(it.runtime("plot() arguments")),
        };
        if matches!(yv, Value::Str(_)) {
            return Err(it.runtime("plot() got a string where data was expected"));
        }
        let y = coords(it, i, &yv, false, "plot y")?;
        let x = match &xv {
            Some(x) => coords(it, i, x, true, "plot x")?,
            None => (0..y.len()).map(|k| k as f64).collect(),
        };
        if x.len() != y.len() {
            return Err(it.runtime(format!(
                "x and y must have the same first dimension, but have shapes ({},) and ({},)",
                x.len(),
                y.len()
            )));
        }
        let (fc, fm, fs) = match &fmt {
            Some(f) => parse_fmt(it, f)?,
            None => (None, None, None),
        };
        let color = match (&color_kw, fc) {
            (Some(c), _) => c.first().copied().unwrap_or(Color::BLACK),
            (None, Some(c)) => c,
            (None, None) => next_color(it, i),
        };
        let marker = marker_kw.clone().or(fm);
        let style = ls_kw.or(fs).unwrap_or(LineStyle::Solid);
        let s = Series {
            kind: ChartKind::Line,
            call,
            x,
            y,
            label: label.clone(),
            colors: vec![color],
            line_style: style,
            line_width: lw.unwrap_or(1.5),
            marker,
            ..Series::default()
        };
        finish_series(it, i, s, alpha)?;
    }
    Ok(artists(it, i, first))
}

/// A per-element array: a scalar broadcast to `n`, or exactly `n` values.
fn broadcast(it: &mut Interp, v: &Value, n: usize, what: &str) -> R<Vec<f64>> {
    if let Some(x) = v.as_f64() {
        return Ok(vec![x; n]);
    }
    let xs = it.numbers(v, what)?;
    if xs.len() == 1 {
        return Ok(vec![xs[0]; n]);
    }
    if xs.len() != n {
        return Err(it.runtime(format!(
            "{what}: shape mismatch, {} values for {n} elements",
            xs.len()
        )));
    }
    Ok(xs)
}

pub(crate) fn bar(it: &mut Interp, i: usize, mut a: Args, horizontal: bool) -> R<Value> {
    let call = it.fig.calls;
    it.fig.calls += 1;
    let func = if horizontal { "barh" } else { "bar" };
    let (pos_name, len_name, thick_name, base_name) = if horizontal {
        ("y", "width", "height", "left")
    } else {
        ("x", "height", "width", "bottom")
    };
    let pos = a
        .take(0, pos_name)
        .ok_or_else(|| it.runtime(format!("{func}() needs {pos_name}")))?;
    let len = a
        .take(1, len_name)
        .ok_or_else(|| it.runtime(format!("{func}() needs {len_name}")))?;
    let thick = a.take(2, thick_name);
    let base = a.take(3, base_name);
    let align = a.kw("align");
    let tick_label = a.kw("tick_label");
    let colors = take_color(it, &mut a, &["color", "facecolor", "fc"])?;
    let alpha = take_alpha(it, &mut a)?;
    let label = take_label(it, &mut a)?;
    let lw = a.kw("linewidth").or_else(|| a.kw("lw"));
    let _ = lw;
    if a.kw("log").is_some_and(|v| v.truthy()) {
        return Err(it.unsupported(format!("{func}(log=True)")));
    }
    check_kw(it, func, &a)?;
    let mut x = if pos.as_f64().is_some() || matches!(pos, Value::Str(_)) {
        let p = Value::list(vec![pos.clone()]);
        coords(it, i, &p, !horizontal, func)?
    } else {
        coords(it, i, &pos, !horizontal, func)?
    };
    let n = x.len();
    let y = broadcast(it, &len, n, func)?;
    let width = match thick {
        Some(t) => t
            .as_f64()
            .ok_or_else(|| it.unsupported(format!("per-bar {thick_name}")))?,
        None => 0.8,
    };
    let base = match base {
        Some(b) => broadcast(it, &b, n, base_name)?,
        None => vec![0.0; n],
    };
    if let Some(Value::Str(al)) = &align {
        match al.as_ref() {
            "center" => {}
            "edge" => x.iter_mut().for_each(|v| *v += width / 2.0),
            other => return Err(it.runtime(format!("invalid align {other:?}"))),
        }
    }
    let colors = match colors {
        Some(c) if c.len() == 1 || c.len() == n => c,
        Some(c) => (0..n).map(|k| c[k % c.len().max(1)]).collect(),
        None => vec![next_color(it, i)],
    };
    if let Some(tl) = tick_label {
        let positions = Value::Array(Rc::new(x.clone()));
        set_ticks(it, i, !horizontal, Some(positions), Some(tl))?;
    }
    let first = it.fig.scene.axes[i].series.len();
    let s = Series {
        kind: if horizontal {
            ChartKind::Barh
        } else {
            ChartKind::Bar
        },
        call,
        x,
        y,
        base,
        width,
        label,
        colors,
        line_style: LineStyle::None,
        ..Series::default()
    };
    finish_series(it, i, s, alpha)?;
    Ok(artists(it, i, first))
}

pub(crate) fn scatter(it: &mut Interp, i: usize, mut a: Args) -> R<Value> {
    let call = it.fig.calls;
    it.fig.calls += 1;
    let xv = a
        .take(0, "x")
        .ok_or_else(|| it.runtime("scatter() needs x"))?;
    let yv = a
        .take(1, "y")
        .ok_or_else(|| it.runtime("scatter() needs y"))?;
    let _sizes = a.take(2, "s");
    let c = a.take(3, "c");
    let color = a.kw("color");
    let marker = a.take(4, "marker");
    let cmap = a.kw("cmap");
    let alpha = take_alpha(it, &mut a)?;
    let label = take_label(it, &mut a)?;
    check_kw(it, "scatter", &a)?;
    let x = coords(it, i, &xv, true, "scatter x")?;
    let y = coords(it, i, &yv, false, "scatter y")?;
    if x.len() != y.len() {
        return Err(it.runtime(format!(
            "x and y must be the same size ({} and {})",
            x.len(),
            y.len()
        )));
    }
    let colors = match c.or(color) {
        None => vec![next_color(it, i)],
        Some(v) if is_single_color(&v) => vec![parse_color(it, &v)?],
        Some(v) => {
            let items = it.iterate(&v)?;
            if !items.is_empty() && items.iter().all(|x| x.as_f64().is_some()) {
                // Numbers are mapped through the colormap, min to max.
                let vals: Vec<f64> = items.iter().filter_map(|x| x.as_f64()).collect();
                let name = match cmap {
                    Some(Value::Str(s)) => match colormap(it, &s)? {
                        Value::Colormap(n) => n,
                        _ => "viridis",
                    },
                    Some(Value::Colormap(n)) => n,
                    _ => "viridis",
                };
                let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let span = if hi > lo { hi - lo } else { 1.0 };
                vals.iter()
                    .map(|v| colormap_color(name, (v - lo) / span, None))
                    .collect()
            } else {
                let mut out = Vec::with_capacity(items.len());
                for x in &items {
                    out.push(parse_color(it, x)?);
                }
                out
            }
        }
    };
    if colors.len() != 1 && colors.len() != x.len() {
        return Err(it.runtime(format!("{} colours for {} points", colors.len(), x.len())));
    }
    let marker = match marker {
        Some(Value::Str(m)) => m.to_string(),
        _ => "o".to_string(),
    };
    let first = it.fig.scene.axes[i].series.len();
    let s = Series {
        kind: ChartKind::Scatter,
        call,
        x,
        y,
        label,
        colors,
        line_style: LineStyle::None,
        marker: Some(marker),
        ..Series::default()
    };
    finish_series(it, i, s, alpha)?;
    Ok(artists(it, i, first))
}

pub(crate) fn pie(it: &mut Interp, i: usize, mut a: Args) -> R<Value> {
    let call = it.fig.calls;
    it.fig.calls += 1;
    let xv = a.take(0, "x").ok_or_else(|| it.runtime("pie() needs x"))?;
    let _explode = a.take(1, "explode");
    let labels = a.take(2, "labels");
    let colors = a.take(3, "colors");
    let autopct = a.take(4, "autopct");
    let start = a.kw("startangle");
    let _ = start;
    let alpha = take_alpha(it, &mut a)?;
    check_kw(it, "pie", &a)?;
    let y = it.numbers(&xv, "pie x")?;
    if y.iter().any(|v| !v.is_finite() || *v < 0.0) {
        return Err(it.runtime("wedge sizes must be finite and non-negative"));
    }
    let total: f64 = y.iter().sum();
    let n = y.len();
    let labels = match labels {
        Some(l) => {
            let items = it.iterate(&l)?;
            if items.len() != n {
                return Err(it.runtime(format!("{} labels for {n} wedges", items.len())));
            }
            let mut out = Vec::new();
            for v in &items {
                out.push(it.str_of(v)?);
            }
            out
        }
        None => Vec::new(),
    };
    let colors = match colors {
        Some(c) => {
            let c = parse_colors(it, &c)?;
            (0..n).map(|k| c[k % c.len().max(1)]).collect()
        }
        None => (0..n).map(|_| next_color(it, i)).collect(),
    };
    if let Some(fmt) = autopct {
        let Value::Str(fmt) = fmt else {
            return Err(it.unsupported("autopct as a function"));
        };
        for v in &y {
            let pct = if total > 0.0 { 100.0 * v / total } else { 0.0 };
            let s = printf(&fmt, &[PrintfArg::Float(pct)])
                .ok_or_else(|| it.runtime(format!("bad autopct {fmt:?}")))?;
            add_text(it, i, f64::NAN, f64::NAN, s)?;
        }
    }
    let first = it.fig.scene.axes[i].series.len();
    let s = Series {
        kind: ChartKind::Pie,
        call,
        y,
        colors,
        labels,
        line_style: LineStyle::None,
        ..Series::default()
    };
    finish_series(it, i, s, alpha)?;
    Ok(artists(it, i, first))
}

pub(crate) fn hist(it: &mut Interp, i: usize, mut a: Args) -> R<Value> {
    let call = it.fig.calls;
    it.fig.calls += 1;
    let xv = a.take(0, "x").ok_or_else(|| it.runtime("hist() needs x"))?;
    let bins = a.take(1, "bins");
    let range = a.take(2, "range");
    let density = a.take(3, "density").is_some_and(|v| v.truthy());
    let colors = take_color(it, &mut a, &["color", "facecolor"])?;
    let alpha = take_alpha(it, &mut a)?;
    let label = a.kw("label");
    if a.kw("orientation")
        .is_some_and(|v| !matches!(&v, Value::Str(s) if s.as_ref() == "vertical"))
    {
        return Err(it.unsupported("horizontal histograms"));
    }
    for k in ["weights", "cumulative", "stacked", "log", "bottom"] {
        if a.kw(k).is_some_and(|v| v.truthy()) {
            return Err(it.unsupported(format!("hist() keyword `{k}`")));
        }
    }
    check_kw(it, "hist", &a)?;
    // One dataset, or a list of datasets.
    let datasets: Vec<Vec<f64>> = {
        let items = match &xv {
            Value::List(_) | Value::Tuple(_) => it.iterate(&xv)?,
            _ => Vec::new(),
        };
        if !items.is_empty()
            && items.iter().all(|v| {
                matches!(
                    v,
                    Value::List(_) | Value::Tuple(_) | Value::Array(_) | Value::IntArray(_)
                )
            })
        {
            let mut out = Vec::new();
            for d in &items {
                out.push(it.numbers(d, "hist x")?);
            }
            out
        } else {
            vec![it.numbers(&xv, "hist x")?]
        }
    };
    let finite = || datasets.iter().flatten().copied().filter(|v| v.is_finite());
    let edges: Vec<f64> = match &bins {
        Some(b @ (Value::List(_) | Value::Tuple(_) | Value::Array(_) | Value::IntArray(_))) => {
            let e = it.numbers(b, "bins")?;
            if e.len() < 2
                || e.windows(2)
                    .any(|w| w[1] <= w[0] || !w[0].is_finite() || !w[1].is_finite())
            {
                return Err(it.runtime("bins must increase monotonically"));
            }
            e
        }
        other => {
            let n = match other {
                Some(v) => v.as_int().ok_or_else(|| {
                    it.unsupported("bins other than an integer or a list of edges")
                })?,
                None => 10,
            };
            if n < 1 || n as usize > it.limits.max_drawn {
                return Err(it.err(
                    ChartErrorKind::Budget,
                    format!("{n} bins is beyond the limit of {}", it.limits.max_drawn),
                ));
            }
            let (mut lo, mut hi) = match &range {
                Some(r) => {
                    let r = it.numbers(r, "range")?;
                    if r.len() != 2 {
                        return Err(it.runtime("range must be (min, max)"));
                    }
                    (r[0], r[1])
                }
                None => (
                    finite().fold(f64::INFINITY, f64::min),
                    finite().fold(f64::NEG_INFINITY, f64::max),
                ),
            };
            if !lo.is_finite() || !hi.is_finite() {
                lo = 0.0;
                hi = 1.0;
            }
            if lo == hi {
                lo -= 0.5;
                hi += 0.5;
            }
            let n = n as usize;
            (0..=n)
                .map(|k| lo + (hi - lo) * k as f64 / n as f64)
                .collect()
        }
    };
    it.alloc(edges.len() as u64 * datasets.len() as u64)?;
    let nb = edges.len() - 1;
    let labels: Vec<Option<String>> = match label {
        Some(Value::List(_) | Value::Tuple(_)) => {
            let l = label.unwrap_or(Value::None);
            let items = it.iterate(&l)?;
            let mut out = Vec::new();
            for v in &items {
                out.push(Some(it.str_of(v)?));
            }
            out
        }
        Some(Value::None) | None => vec![None],
        Some(v) => vec![Some(it.str_of(&v)?)],
    };
    let first = it.fig.scene.axes[i].series.len();
    for (k, data) in datasets.iter().enumerate() {
        it.step(data.len() as u64)?;
        let mut counts = vec![0.0; nb];
        for &v in data {
            if !v.is_finite() || v < edges[0] || v > edges[nb] {
                continue;
            }
            let b = edges
                .partition_point(|e| *e <= v)
                .saturating_sub(1)
                .min(nb - 1);
            counts[b] += 1.0;
        }
        if density {
            let total: f64 = counts.iter().sum();
            for (b, c) in counts.iter_mut().enumerate() {
                let w = edges[b + 1] - edges[b];
                *c = if total > 0.0 { *c / (total * w) } else { 0.0 };
            }
        }
        let color = match &colors {
            Some(c) => c[k % c.len().max(1)],
            None => next_color(it, i),
        };
        let s = Series {
            kind: ChartKind::Hist,
            call,
            x: edges.clone(),
            y: counts,
            label: labels.get(k).cloned().flatten(),
            colors: vec![color],
            line_style: LineStyle::None,
            ..Series::default()
        };
        finish_series(it, i, s, alpha)?;
    }
    Ok(artists(it, i, first))
}

pub(crate) fn fill_between(it: &mut Interp, i: usize, mut a: Args) -> R<Value> {
    let call = it.fig.calls;
    it.fig.calls += 1;
    let xv = a
        .take(0, "x")
        .ok_or_else(|| it.runtime("fill_between() needs x"))?;
    let y1v = a
        .take(1, "y1")
        .ok_or_else(|| it.runtime("fill_between() needs y1"))?;
    let y2v = a.take(2, "y2");
    if a.kw("where").is_some_and(|v| !matches!(v, Value::None)) {
        return Err(it.unsupported("fill_between(where=...)"));
    }
    let _ = a.kw("step").map(|_| ());
    let colors = take_color(it, &mut a, &["color", "facecolor", "fc"])?;
    let alpha = take_alpha(it, &mut a)?;
    let label = take_label(it, &mut a)?;
    let _ = a.kw("linewidth").or_else(|| a.kw("lw"));
    check_kw(it, "fill_between", &a)?;
    let x = coords(it, i, &xv, true, "fill_between x")?;
    let n = x.len();
    let y = broadcast(it, &y1v, n, "fill_between y1")?;
    let base = match y2v {
        Some(v) => broadcast(it, &v, n, "fill_between y2")?,
        None => vec![0.0; n],
    };
    let color = match colors {
        Some(c) => c.first().copied().unwrap_or(Color::BLACK),
        None => next_color(it, i),
    };
    let first = it.fig.scene.axes[i].series.len();
    let s = Series {
        kind: ChartKind::FillBetween,
        call,
        x,
        y,
        base,
        label,
        colors: vec![color],
        line_style: LineStyle::None,
        ..Series::default()
    };
    finish_series(it, i, s, alpha)?;
    Ok(artists(it, i, first))
}

pub(crate) fn axline(it: &mut Interp, i: usize, mut a: Args, horizontal: bool) -> R<Value> {
    let call = it.fig.calls;
    it.fig.calls += 1;
    let func = if horizontal { "axhline" } else { "axvline" };
    let at = a
        .take(0, if horizontal { "y" } else { "x" })
        .map(|v| {
            v.as_f64()
                .ok_or_else(|| it.runtime(format!("{func}() position must be a number")))
        })
        .transpose()?
        .unwrap_or(0.0);
    let _lo = a.take(1, if horizontal { "xmin" } else { "ymin" });
    let _hi = a.take(2, if horizontal { "xmax" } else { "ymax" });
    let colors = take_color(it, &mut a, &["color", "c"])?;
    let alpha = take_alpha(it, &mut a)?;
    let label = take_label(it, &mut a)?;
    let style = match a.kw("linestyle").or_else(|| a.kw("ls")) {
        Some(v) => line_style(it, &v)?,
        None => LineStyle::Solid,
    };
    let lw = a
        .kw("linewidth")
        .or_else(|| a.kw("lw"))
        .and_then(|v| v.as_f64());
    check_kw(it, func, &a)?;
    let first = it.fig.scene.axes[i].series.len();
    let color = colors
        .and_then(|c| c.first().copied())
        .unwrap_or(Color::cycle(0));
    let s = Series {
        kind: if horizontal {
            ChartKind::Axhline
        } else {
            ChartKind::Axvline
        },
        call,
        y: vec![at],
        label,
        colors: vec![color],
        line_style: style,
        line_width: lw.unwrap_or(1.5),
        ..Series::default()
    };
    finish_series(it, i, s, alpha)?;
    Ok(artists(it, i, first))
}

pub(crate) fn bar_label(it: &mut Interp, i: usize, mut a: Args) -> R<Value> {
    let container = a
        .take(0, "container")
        .ok_or_else(|| it.runtime("bar_label() needs the bars"))?;
    let labels = a.take(1, "labels");
    let fmt = a.kw("fmt");
    check_kw(it, "bar_label", &a)?;
    let Value::Artists { axes, first, count } = container else {
        return Err(it.runtime("bar_label() needs what bar() returned"));
    };
    let Some(s) = it
        .fig
        .scene
        .axes
        .get(axes)
        .and_then(|ax| ax.series.get(first))
        .cloned()
    else {
        return Ok(Value::None);
    };
    let _ = count;
    if !matches!(s.kind, ChartKind::Bar | ChartKind::Barh) {
        return Err(it.runtime("bar_label() needs bars"));
    }
    let texts: Vec<String> = match labels {
        Some(l) => {
            let items = it.iterate(&l)?;
            let mut out = Vec::new();
            for v in &items {
                out.push(it.str_of(v)?);
            }
            out
        }
        None => {
            let mut out = Vec::new();
            for v in &s.y {
                let t = match &fmt {
                    Some(Value::Str(f)) if f.contains('{') => {
                        let args = Args {
                            pos: vec![Value::Float(*v)],
                            kw: Vec::new(),
                        };
                        match crate::pylib::call_method(it, &Value::Str(f.clone()), "format", args)?
                        {
                            Value::Str(s) => s.to_string(),
                            _ => String::new(),
                        }
                    }
                    Some(Value::Str(f)) => printf(f, &[PrintfArg::Float(*v)])
                        .ok_or_else(|| it.runtime(format!("bad fmt {f:?}")))?,
                    _ => printf("%g", &[PrintfArg::Float(*v)]).unwrap_or_default(),
                };
                out.push(t);
            }
            out
        }
    };
    for (k, t) in texts.into_iter().enumerate() {
        let (x, y) = match s.kind {
            ChartKind::Bar => (
                s.x.get(k).copied().unwrap_or(f64::NAN),
                s.y.get(k).copied().unwrap_or(f64::NAN) + s.base.get(k).copied().unwrap_or(0.0),
            ),
            _ => (
                s.y.get(k).copied().unwrap_or(f64::NAN) + s.base.get(k).copied().unwrap_or(0.0),
                s.x.get(k).copied().unwrap_or(f64::NAN),
            ),
        };
        add_text(it, axes, x, y, t)?;
    }
    let _ = i;
    Ok(Value::None)
}
