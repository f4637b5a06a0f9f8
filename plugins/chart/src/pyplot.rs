//! matplotlib's pyplot and object API, as far as the subset goes: figures,
//! subplot layouts, the drawing calls, texts, ticks, legends and grids.

use std::rc::Rc;

use crate::draw;
use crate::error::ChartErrorKind;
use crate::interp::{Args, Interp, R};
use crate::pylib::colormap;
use crate::scene::{Axes, ChartKind, Layout, Scene, Text};
use crate::value::{AxesArray, Value};

/// The figure being built, with pyplot's implicit state.
#[derive(Debug, Default)]
pub struct Figure {
    pub scene: Scene,
    /// `plt.figure()` or `plt.subplots()` was called.
    created: bool,
    current: Option<usize>,
    /// Next default-cycle colour, per axes.
    pub(crate) cycle: Vec<usize>,
    /// Category names seen on the x and y axis, per axes.
    pub(crate) xcats: Vec<Vec<String>>,
    pub(crate) ycats: Vec<Vec<String>>,
    pub(crate) calls: u32,
    pub(crate) drawn: usize,
}

/// Keywords that only change styling this subset does not model; accepted
/// anywhere and ignored.
const STYLE_KW: &[&str] = &[
    "fontsize",
    "fontweight",
    "fontfamily",
    "fontstyle",
    "family",
    "weight",
    "size",
    "pad",
    "rotation",
    "ha",
    "va",
    "horizontalalignment",
    "verticalalignment",
    "labelpad",
    "zorder",
    "bbox",
    "wrap",
    "transform",
    "fontdict",
    "style",
    "linespacing",
    "multialignment",
    "textcoords",
    "arrowprops",
    "clip_on",
    "edgecolor",
    "edgecolors",
    "ec",
    "linewidths",
    "markersize",
    "ms",
    "markeredgecolor",
    "mec",
    "markerfacecolor",
    "mfc",
    "markeredgewidth",
    "mew",
    "capsize",
    "error_kw",
    "hatch",
    "shadow",
    "wedgeprops",
    "textprops",
    "pctdistance",
    "labeldistance",
    "rotation_mode",
    "loc",
    "frameon",
    "ncol",
    "ncols",
    "bbox_to_anchor",
    "fancybox",
    "framealpha",
    "facecolor",
    "markerscale",
    "borderaxespad",
    "prop",
    "title_fontsize",
    "labelspacing",
    "handlelength",
    "columnspacing",
    "which",
    "axis",
    "yerr",
    "xerr",
    "ecolor",
    "antialiased",
    "solid_capstyle",
    "dash_capstyle",
    "joinstyle",
    "capstyle",
    "rwidth",
    "histtype",
    "interpolate",
    "dpi",
    "sharex",
    "sharey",
    "squeeze",
    "constrained_layout",
    "tight_layout",
    "layout",
    "gridspec_kw",
    "subplot_kw",
    "num",
    "clear",
    "fontproperties",
    "minor",
    "visible",
    "snap",
    "rasterized",
    "cmap",
    "vmin",
    "vmax",
    "norm",
    "plotnonfinite",
    "autolim",
    "drawstyle",
    "markevery",
    "fillstyle",
    "padding",
    "label_type",
    "normalize",
    "frame",
    "rotatelabels",
    "counterclock",
    "radius",
    "center",
    "wspace",
    "hspace",
    "width_ratios",
    "height_ratios",
    "left",
    "right",
    "top",
    "bottom",
    "figure",
    "mode",
    "borderpad",
    "handletextpad",
    "handleheight",
    "title_fontproperties",
    "alignment",
    "reverse",
    "scatterpoints",
    "numpoints",
    "fontname",
    "annotation_clip",
];

const PLT_FUNCS: &[&str] = &[
    "figure",
    "subplots",
    "subplot",
    "subplot2grid",
    "GridSpec",
    "gca",
    "gcf",
    "plot",
    "bar",
    "barh",
    "scatter",
    "pie",
    "hist",
    "fill_between",
    "axhline",
    "axvline",
    "title",
    "xlabel",
    "ylabel",
    "xticks",
    "yticks",
    "xlim",
    "ylim",
    "legend",
    "grid",
    "text",
    "annotate",
    "suptitle",
    "tight_layout",
    "show",
    "savefig",
    "close",
    "subplots_adjust",
    "axis",
    "get_cmap",
    "tick_params",
    "margins",
    "clf",
    "cla",
    "draw",
    "bar_label",
    "twinx",
];

const AXES_METHODS: &[&str] = &[
    "plot",
    "bar",
    "barh",
    "scatter",
    "pie",
    "hist",
    "fill_between",
    "axhline",
    "axvline",
    "set_title",
    "set_xlabel",
    "set_ylabel",
    "set_xticks",
    "set_yticks",
    "set_xticklabels",
    "set_yticklabels",
    "set_xlim",
    "set_ylim",
    "legend",
    "grid",
    "text",
    "annotate",
    "bar_label",
    "set",
    "tick_params",
    "set_aspect",
    "axis",
    "twinx",
    "set_facecolor",
    "set_axisbelow",
    "margins",
    "set_frame_on",
    "invert_yaxis",
    "invert_xaxis",
    "set_xscale",
    "set_yscale",
    "label_outer",
    "minorticks_on",
    "minorticks_off",
    "locator_params",
];

const FIGURE_METHODS: &[&str] = &[
    "add_subplot",
    "add_gridspec",
    "suptitle",
    "tight_layout",
    "savefig",
    "subplots_adjust",
    "set_size_inches",
    "legend",
    "set_facecolor",
    "gca",
    "subplots",
    "show",
    "set_dpi",
    "align_labels",
    "align_ylabels",
    "align_xlabels",
    "set_tight_layout",
];

/// Attributes of the pyplot-side modules.
pub fn module_attr(it: &mut Interp, module: &str, name: &str) -> R<Value> {
    let v = match (module, name) {
        ("plt" | "matplotlib", "cm") => Some(Value::Module("plt.cm")),
        ("plt" | "matplotlib", "rcParams") => Some(Value::Module("rcParams")),
        ("plt" | "matplotlib", "colormaps") => Some(Value::Module("colormaps")),
        ("plt", "style") | ("matplotlib", "style") => Some(Value::Module("plt.style")),
        ("matplotlib", "pyplot") => Some(Value::Module("plt")),
        ("matplotlib", "use") => Some(Value::func("plt.use", None)),
        ("plt", n) if PLT_FUNCS.contains(&n) => Some(Value::func(&format!("plt.{n}"), None)),
        ("plt.cm", "get_cmap") => Some(Value::func("plt.get_cmap", None)),
        ("plt.cm", n) => return colormap(it, n),
        ("plt.style", "use") => Some(Value::func("use", Some(Value::Module("plt.style")))),
        _ => None,
    };
    v.ok_or_else(|| it.unsupported(format!("`{module}.{name}` is outside the supported subset")))
}

/// Attributes of figures, axes and their parts.
pub fn object_attr(it: &mut Interp, v: &Value, name: &str) -> R<Value> {
    let bound = || Ok(Value::func(name, Some(v.clone())));
    match v {
        Value::Axes(_) => match name {
            "spines" => Ok(Value::Spines),
            "transAxes" | "transData" => Ok(Value::Module("transform")),
            n if AXES_METHODS.contains(&n) => bound(),
            _ => Err(it.unsupported(format!("`Axes.{name}` is outside the supported subset"))),
        },
        Value::Figure => match name {
            "axes" => {
                let items = (0..it.fig.scene.axes.len()).map(Value::Axes).collect();
                it.new_list(items)
            }
            n if FIGURE_METHODS.contains(&n) => bound(),
            _ => Err(it.unsupported(format!("`Figure.{name}` is outside the supported subset"))),
        },
        Value::AxesArray(arr) => match name {
            "flat" => Ok(flat(arr)),
            "shape" => {
                let dims = if arr.cols == 0 {
                    vec![Value::Int(arr.rows as i64)]
                } else {
                    vec![Value::Int(arr.rows as i64), Value::Int(arr.cols as i64)]
                };
                it.new_tuple(dims)
            }
            "flatten" | "ravel" => bound(),
            _ => Err(it.unsupported(format!("axes array attribute `{name}`"))),
        },
        Value::Spines => Ok(if name.starts_with("set_") {
            Value::func(name, Some(Value::Spines))
        } else {
            Value::Spines
        }),
        Value::Rect(_) => match name {
            "get_height" | "get_width" | "get_x" | "get_y" => bound(),
            _ => Err(it.unsupported(format!("`Rectangle.{name}`"))),
        },
        Value::Colormap(_) => Err(it.unsupported(format!("`Colormap.{name}`"))),
        _ => Err(it.unsupported(format!("attribute `{name}` of {}", v.type_name()))),
    }
}

fn flat(arr: &AxesArray) -> Value {
    Value::AxesArray(Rc::new(AxesArray {
        items: arr.items.clone(),
        rows: arr.items.len(),
        cols: 0,
    }))
}

pub fn axes_array_items(arr: &AxesArray) -> Vec<Value> {
    if arr.cols == 0 {
        return arr.items.iter().map(|&i| Value::Axes(i)).collect();
    }
    arr.items
        .chunks(arr.cols)
        .map(|row| {
            Value::AxesArray(Rc::new(AxesArray {
                items: row.to_vec(),
                rows: row.len(),
                cols: 0,
            }))
        })
        .collect()
}

pub fn index_axes(it: &mut Interp, arr: &AxesArray, key: &Value) -> R<Value> {
    if let Value::Tuple(k) = key {
        if arr.cols == 0 || k.len() != 2 {
            return Err(it.runtime("too many indices for the axes array"));
        }
        let r = it.index(&k[0], arr.rows)?;
        if let Some(cols) = it.slice_positions(&k[1], arr.cols)? {
            let items = cols
                .iter()
                .map(|&c| arr.items[r * arr.cols + c])
                .collect::<Vec<_>>();
            return Ok(Value::AxesArray(Rc::new(AxesArray {
                rows: items.len(),
                items,
                cols: 0,
            })));
        }
        let c = it.index(&k[1], arr.cols)?;
        return Ok(Value::Axes(arr.items[r * arr.cols + c]));
    }
    let items = axes_array_items(arr);
    if let Some(pos) = it.slice_positions(key, items.len())? {
        if arr.cols != 0 {
            return Err(it.unsupported("slicing the rows of a 2-D axes array"));
        }
        let picked: Vec<usize> = pos.iter().map(|&i| arr.items[i]).collect();
        return Ok(Value::AxesArray(Rc::new(AxesArray {
            rows: picked.len(),
            items: picked,
            cols: 0,
        })));
    }
    let i = it.index(key, items.len())?;
    Ok(items[i].clone())
}

/// `gs[i, j]`, `gs[0, :]`, `gs[1:, 0]`, `gs[k]`.
pub fn gridspec_cell(it: &mut Interp, nrows: u32, ncols: u32, key: &Value) -> R<Value> {
    let span = |it: &mut Interp, k: &Value, n: u32| -> R<(u32, u32)> {
        if let Some(pos) = it.slice_positions(k, n as usize)? {
            let (Some(&a), Some(&b)) = (pos.first(), pos.last()) else {
                return Err(it.runtime("empty grid slice"));
            };
            return Ok((a as u32, (b - a + 1) as u32));
        }
        Ok((it.index(k, n as usize)? as u32, 1))
    };
    let (row, rowspan, col, colspan) = match key {
        Value::Tuple(k) if k.len() == 2 => {
            let (r, rs) = span(it, &k[0], nrows)?;
            let (c, cs) = span(it, &k[1], ncols)?;
            (r, rs, c, cs)
        }
        k => {
            let i = it.index(k, (nrows * ncols) as usize)? as u32;
            (i / ncols, 1, i % ncols, 1)
        }
    };
    Ok(Value::SubplotSpec(Layout {
        nrows,
        ncols,
        row,
        col,
        rowspan,
        colspan,
    }))
}

impl Figure {
    /// The bars (as rectangles) or lines a drawing call returned.
    pub fn artist_items(&self, axes: usize, first: usize, count: usize) -> Vec<Value> {
        let Some(ax) = self.scene.axes.get(axes) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for s in ax.series.iter().skip(first).take(count) {
            match s.kind {
                ChartKind::Bar | ChartKind::Barh | ChartKind::Hist => {
                    let n = s.y.len();
                    for i in 0..n {
                        let base = s.base.get(i).copied().unwrap_or(0.0);
                        let rect = match s.kind {
                            ChartKind::Bar => [s.x[i] - s.width / 2.0, base, s.width, s.y[i]],
                            ChartKind::Barh => [base, s.x[i] - s.width / 2.0, s.y[i], s.width],
                            _ => [s.x[i], 0.0, s.x[i + 1] - s.x[i], s.y[i]],
                        };
                        out.push(Value::Rect(rect));
                    }
                }
                _ => out.push(Value::Artists {
                    axes,
                    first,
                    count: 1,
                }),
            }
        }
        out
    }
}

fn new_figure(it: &mut Interp, args: &mut Args) -> R<()> {
    if !it.fig.scene.axes.is_empty() {
        return Err(it.unsupported("a second figure (the subset draws one figure per program)"));
    }
    it.fig.created = true;
    if let Some(fs) = args.kw("figsize") {
        let v = it.numbers(&fs, "figsize")?;
        if v.len() != 2 || v.iter().any(|x| !x.is_finite() || *x <= 0.0 || *x > 100.0) {
            return Err(it.runtime("figsize must be two positive numbers (inches)"));
        }
        it.fig.scene.figsize = [v[0], v[1]];
    }
    Ok(())
}

fn new_axes(it: &mut Interp, layout: Layout, twin_of: Option<usize>) -> R<usize> {
    if layout.nrows == 0
        || layout.ncols == 0
        || layout.row + layout.rowspan > layout.nrows
        || layout.col + layout.colspan > layout.ncols
    {
        return Err(it.runtime("subplot position outside its grid"));
    }
    if twin_of.is_none() {
        if let Some(i) = it
            .fig
            .scene
            .axes
            .iter()
            .position(|a| a.layout == layout && a.twin_of.is_none())
        {
            it.fig.current = Some(i);
            return Ok(i);
        }
    }
    if it.fig.scene.axes.len() >= it.limits.max_axes {
        return Err(it.err(
            ChartErrorKind::Budget,
            format!("more than {} axes", it.limits.max_axes),
        ));
    }
    it.fig.created = true;
    it.fig.scene.axes.push(Axes {
        layout,
        twin_of,
        ..Axes::default()
    });
    // A twin continues its parent's colour cycle, as in matplotlib.
    let start = twin_of.map(|p| it.fig.cycle[p]).unwrap_or(0);
    it.fig.cycle.push(start);
    it.fig.xcats.push(Vec::new());
    it.fig.ycats.push(Vec::new());
    let i = it.fig.scene.axes.len() - 1;
    it.fig.current = Some(i);
    Ok(i)
}

fn current_axes(it: &mut Interp) -> R<usize> {
    match it.fig.current {
        Some(i) => Ok(i),
        None => new_axes(it, Layout::default(), None),
    }
}

fn grid_size(it: &Interp, v: &Value, what: &str) -> R<u32> {
    match v.as_int() {
        Some(n) if (1..=64).contains(&n) => Ok(n as u32),
        _ => Err(it.runtime(format!("{what} must be an integer from 1 to 64"))),
    }
}

/// `subplot(2, 2, 1)`, `subplot(221)`, `subplot(gs[0, :])`.
fn subplot_layout(it: &mut Interp, args: &mut Args) -> R<Layout> {
    let pos = std::mem::take(&mut args.pos);
    match pos.as_slice() {
        [] => Ok(Layout::default()),
        [Value::SubplotSpec(l)] => Ok(*l),
        [Value::Int(code)] if (111..=999).contains(code) => {
            let (r, c, i) = (
                (code / 100) as u32,
                ((code / 10) % 10) as u32,
                (code % 10) as u32,
            );
            if r == 0 || c == 0 || i == 0 || i > r * c {
                return Err(it.runtime(format!("invalid subplot code {code}")));
            }
            Ok(Layout {
                nrows: r,
                ncols: c,
                row: (i - 1) / c,
                col: (i - 1) % c,
                rowspan: 1,
                colspan: 1,
            })
        }
        [r, c, i] => {
            let (r, c) = (grid_size(it, r, "nrows")?, grid_size(it, c, "ncols")?);
            let (first, last) = match i {
                Value::Tuple(t) if t.len() == 2 => (t[0].as_int(), t[1].as_int()),
                v => (v.as_int(), v.as_int()),
            };
            let (Some(first), Some(last)) = (first, last) else {
                return Err(it.runtime("subplot index must be an integer"));
            };
            if first < 1 || last < first || last > (r * c) as i64 {
                return Err(it.runtime(format!("subplot index {first} outside 1..={}", r * c)));
            }
            let (a, b) = ((first - 1) as u32, (last - 1) as u32);
            let (r0, c0, r1, c1) = (a / c, a % c, b / c, b % c);
            Ok(Layout {
                nrows: r,
                ncols: c,
                row: r0,
                col: c0.min(c1),
                rowspan: r1 - r0 + 1,
                colspan: c0.max(c1) - c0.min(c1) + 1,
            })
        }
        _ => Err(it.unsupported("this form of subplot()/add_subplot() arguments")),
    }
}

fn subplots(it: &mut Interp, mut a: Args, new_fig: bool) -> R<Value> {
    if new_fig {
        new_figure(it, &mut a)?;
    }
    let nrows = match a.take(0, "nrows") {
        Some(v) => grid_size(it, &v, "nrows")?,
        None => 1,
    };
    let ncols = match a.take(1, "ncols") {
        Some(v) => grid_size(it, &v, "ncols")?,
        None => 1,
    };
    let squeeze = a.kw("squeeze").map(|v| v.truthy()).unwrap_or(true);
    check_kw(it, "subplots", &a)?;
    let mut items = Vec::new();
    for row in 0..nrows {
        for col in 0..ncols {
            items.push(new_axes(
                it,
                Layout {
                    nrows,
                    ncols,
                    row,
                    col,
                    rowspan: 1,
                    colspan: 1,
                },
                None,
            )?);
        }
    }
    it.fig.current = items.first().copied();
    let (r, c) = (nrows as usize, ncols as usize);
    let axes = if squeeze && r == 1 && c == 1 {
        Value::Axes(items[0])
    } else if squeeze && (r == 1 || c == 1) {
        Value::AxesArray(Rc::new(AxesArray {
            rows: items.len(),
            items,
            cols: 0,
        }))
    } else {
        Value::AxesArray(Rc::new(AxesArray {
            items,
            rows: r,
            cols: c,
        }))
    };
    if new_fig {
        it.new_tuple(vec![Value::Figure, axes])
    } else {
        Ok(axes)
    }
}

pub(crate) fn check_kw(it: &Interp, func: &str, a: &Args) -> R<()> {
    for (k, _) in &a.kw {
        if !STYLE_KW.contains(&k.as_str()) {
            return Err(it.unsupported(format!(
                "{func}() keyword `{k}` is outside the supported subset"
            )));
        }
    }
    Ok(())
}

/// A `plt.NAME(...)` call.
pub fn call_plt(it: &mut Interp, name: &str, mut a: Args) -> R<Value> {
    match name {
        "figure" => {
            new_figure(it, &mut a)?;
            check_kw(it, "figure", &a)?;
            Ok(Value::Figure)
        }
        "subplots" => subplots(it, a, true),
        "subplot" => {
            let layout = subplot_layout(it, &mut a)?;
            check_kw(it, "subplot", &a)?;
            Ok(Value::Axes(new_axes(it, layout, None)?))
        }
        "subplot2grid" => {
            let shape = a
                .take(0, "shape")
                .ok_or_else(|| it.runtime("subplot2grid() needs a shape"))?;
            let loc = a
                .take(1, "loc")
                .ok_or_else(|| it.runtime("subplot2grid() needs a location"))?;
            let shape = it.numbers(&shape, "subplot2grid shape")?;
            let loc = it.numbers(&loc, "subplot2grid loc")?;
            let rowspan = a.take(2, "rowspan").and_then(|v| v.as_int()).unwrap_or(1);
            let colspan = a.take(3, "colspan").and_then(|v| v.as_int()).unwrap_or(1);
            check_kw(it, "subplot2grid", &a)?;
            let (Some(&nr), Some(&nc), Some(&r), Some(&c)) =
                (shape.first(), shape.get(1), loc.first(), loc.get(1))
            else {
                return Err(it.runtime("subplot2grid() needs (rows, cols) and (row, col)"));
            };
            let ok = |x: f64| x.is_finite() && (0.0..=64.0).contains(&x);
            let span_ok = |s: i64| (1..=64).contains(&s);
            if !(ok(nr) && ok(nc) && ok(r) && ok(c) && span_ok(rowspan) && span_ok(colspan)) {
                return Err(it.runtime("subplot2grid() position out of range"));
            }
            let layout = Layout {
                nrows: nr as u32,
                ncols: nc as u32,
                row: r as u32,
                col: c as u32,
                rowspan: rowspan as u32,
                colspan: colspan as u32,
            };
            Ok(Value::Axes(new_axes(it, layout, None)?))
        }
        "GridSpec" => gridspec(it, a),
        "gca" => Ok(Value::Axes(current_axes(it)?)),
        "gcf" => Ok(Value::Figure),
        "get_cmap" => {
            let n = a.take(0, "name").unwrap_or(Value::str("viridis"));
            match n {
                Value::Str(s) => colormap(it, &s),
                _ => Err(it.runtime("get_cmap() takes a colormap name")),
            }
        }
        "suptitle" => {
            let t = text_arg(it, &mut a, 0, "t")?;
            check_kw_text(it, "suptitle", &a)?;
            it.fig.scene.suptitle = Some(t);
            Ok(Value::None)
        }
        "tight_layout" | "show" | "savefig" | "close" | "subplots_adjust" | "clf" | "cla"
        | "draw" | "use" => Ok(Value::None),
        "title" => axes_call(it, "set_title", a),
        "xlabel" => axes_call(it, "set_xlabel", a),
        "ylabel" => axes_call(it, "set_ylabel", a),
        "xlim" => axes_call(it, "set_xlim", a),
        "ylim" => axes_call(it, "set_ylim", a),
        "xticks" | "yticks" => {
            let i = current_axes(it)?;
            let ticks = a.take(0, "ticks");
            let labels = a.take(1, "labels");
            check_kw_text(it, name, &a)?;
            set_ticks(it, i, name == "xticks", ticks, labels)?;
            Ok(Value::None)
        }
        _ => axes_call(it, name, a),
    }
}

fn axes_call(it: &mut Interp, name: &str, a: Args) -> R<Value> {
    let i = current_axes(it)?;
    call_method(it, &Value::Axes(i), name, a)
}

fn gridspec(it: &mut Interp, mut a: Args) -> R<Value> {
    let nrows = a
        .take(0, "nrows")
        .ok_or_else(|| it.runtime("GridSpec needs nrows"))?;
    let ncols = a
        .take(1, "ncols")
        .ok_or_else(|| it.runtime("GridSpec needs ncols"))?;
    let (nrows, ncols) = (
        grid_size(it, &nrows, "nrows")?,
        grid_size(it, &ncols, "ncols")?,
    );
    check_kw(it, "GridSpec", &a)?;
    Ok(Value::GridSpec { nrows, ncols })
}

fn check_kw_text(it: &Interp, func: &str, a: &Args) -> R<()> {
    for (k, _) in &a.kw {
        if !STYLE_KW.contains(&k.as_str())
            && !matches!(
                k.as_str(),
                "color"
                    | "c"
                    | "alpha"
                    | "x"
                    | "y"
                    | "labelcolor"
                    | "colors"
                    | "direction"
                    | "length"
                    | "width"
                    | "labelsize"
                    | "labelrotation"
                    | "labelleft"
                    | "labelbottom"
                    | "labeltop"
                    | "labelright"
                    | "title"
            )
        {
            return Err(it.unsupported(format!(
                "{func}() keyword `{k}` is outside the supported subset"
            )));
        }
    }
    Ok(())
}

fn text_arg(it: &mut Interp, a: &mut Args, i: usize, name: &str) -> R<String> {
    match a.take(i, name) {
        Some(v) => it.str_of(&v),
        None => Err(it.runtime(format!("missing text argument `{name}`"))),
    }
}

/// A method call on an axes, figure, axes array, spine or rectangle.
pub fn call_method(it: &mut Interp, obj: &Value, name: &str, mut a: Args) -> R<Value> {
    match obj {
        Value::Axes(i) => axes_method(it, *i, name, a),
        Value::Figure => match name {
            "add_subplot" => {
                let layout = subplot_layout(it, &mut a)?;
                check_kw(it, "add_subplot", &a)?;
                Ok(Value::Axes(new_axes(it, layout, None)?))
            }
            "add_gridspec" => gridspec(it, a),
            "subplots" => subplots(it, a, false),
            "suptitle" => {
                let t = text_arg(it, &mut a, 0, "t")?;
                check_kw_text(it, "suptitle", &a)?;
                it.fig.scene.suptitle = Some(t);
                Ok(Value::None)
            }
            "set_size_inches" => {
                let w = a
                    .take(0, "w")
                    .ok_or_else(|| it.runtime("set_size_inches() needs a size"))?;
                let v = match a.take(1, "h") {
                    Some(h) => vec![
                        w.as_f64().unwrap_or(f64::NAN),
                        h.as_f64().unwrap_or(f64::NAN),
                    ],
                    None => it.numbers(&w, "set_size_inches")?,
                };
                if v.len() != 2 || v.iter().any(|x| !x.is_finite() || *x <= 0.0 || *x > 100.0) {
                    return Err(it.runtime("figure size must be two positive numbers"));
                }
                it.fig.scene.figsize = [v[0], v[1]];
                Ok(Value::None)
            }
            "legend" => {
                if it.fig.scene.axes.is_empty() {
                    return Ok(Value::None);
                }
                axes_method(it, 0, "legend", a)
            }
            "gca" => Ok(Value::Axes(current_axes(it)?)),
            _ => Ok(Value::None),
        },
        Value::AxesArray(arr) => match name {
            "flatten" | "ravel" => Ok(flat(arr)),
            _ => Err(it.unsupported(format!("axes array method `{name}`"))),
        },
        Value::Spines => Ok(Value::None),
        Value::Rect(r) => Ok(Value::Float(match name {
            "get_x" => r[0],
            "get_y" => r[1],
            "get_width" => r[2],
            _ => r[3],
        })),
        Value::Module("rcParams") => Ok(Value::None),
        Value::Module("plt.style") => match a.take(0, "style") {
            Some(Value::Str(s)) if matches!(s.as_ref(), "default" | "classic") => Ok(Value::None),
            _ => Err(it.unsupported(
                "style sheets other than \"default\" (they change colours and fonts)",
            )),
        },
        other => Err(it.unsupported(format!("method `{name}` of {}", other.type_name()))),
    }
}

fn limits_arg(it: &mut Interp, a: &mut Args) -> R<[f64; 2]> {
    let first = a
        .take(0, "left")
        .or_else(|| a.kw("bottom"))
        .or_else(|| a.kw("xmin"))
        .or_else(|| a.kw("ymin"));
    let second = a
        .take(1, "right")
        .or_else(|| a.kw("top"))
        .or_else(|| a.kw("xmax"))
        .or_else(|| a.kw("ymax"));
    if let Some(v @ (Value::Tuple(_) | Value::List(_))) = &first {
        let v = it.numbers(v, "limits")?;
        if v.len() == 2 {
            return Ok([v[0], v[1]]);
        }
        return Err(it.runtime("limits take two numbers"));
    }
    let f = |v: Option<Value>| v.and_then(|v| v.as_f64()).unwrap_or(f64::NAN);
    Ok([f(first), f(second)])
}

pub(crate) fn set_ticks(
    it: &mut Interp,
    i: usize,
    x: bool,
    ticks: Option<Value>,
    labels: Option<Value>,
) -> R<()> {
    if let Some(t) = ticks {
        let t = it.numbers(&t, "ticks")?;
        let ax = &mut it.fig.scene.axes[i];
        if x {
            ax.xticks = Some(t);
        } else {
            ax.yticks = Some(t);
        }
    }
    if let Some(l) = labels {
        set_ticklabels(it, i, x, &l)?;
    }
    Ok(())
}

fn set_ticklabels(it: &mut Interp, i: usize, x: bool, labels: &Value) -> R<()> {
    let items = it.iterate(labels)?;
    let mut out = Vec::with_capacity(items.len());
    for v in &items {
        out.push(it.str_of(v)?);
    }
    count_drawn(it, out.len())?;
    let ax = &mut it.fig.scene.axes[i];
    if x {
        ax.xticklabels = Some(out);
    } else {
        ax.yticklabels = Some(out);
    }
    Ok(())
}

pub(crate) fn count_drawn(it: &mut Interp, n: usize) -> R<()> {
    it.fig.drawn = it.fig.drawn.saturating_add(n);
    if it.fig.drawn > it.limits.max_drawn {
        return Err(it.err(
            ChartErrorKind::Budget,
            format!("more than {} drawn objects", it.limits.max_drawn),
        ));
    }
    Ok(())
}

fn axes_method(it: &mut Interp, i: usize, name: &str, mut a: Args) -> R<Value> {
    match name {
        "plot" => draw::plot(it, i, a),
        "bar" | "barh" => draw::bar(it, i, a, name == "barh"),
        "scatter" => draw::scatter(it, i, a),
        "pie" => draw::pie(it, i, a),
        "hist" => draw::hist(it, i, a),
        "fill_between" => draw::fill_between(it, i, a),
        "axhline" | "axvline" => draw::axline(it, i, a, name == "axhline"),
        "set_title" | "set_xlabel" | "set_ylabel" => {
            let t = text_arg(it, &mut a, 0, "label")?;
            check_kw_text(it, name, &a)?;
            let ax = &mut it.fig.scene.axes[i];
            match name {
                "set_title" => ax.title = Some(t),
                "set_xlabel" => ax.xlabel = Some(t),
                _ => ax.ylabel = Some(t),
            }
            Ok(Value::None)
        }
        "set_xticks" | "set_yticks" => {
            let ticks = a.take(0, "ticks");
            let labels = a.take(1, "labels");
            check_kw_text(it, name, &a)?;
            set_ticks(it, i, name == "set_xticks", ticks, labels)?;
            Ok(Value::None)
        }
        "set_xticklabels" | "set_yticklabels" => {
            let labels = a
                .take(0, "labels")
                .ok_or_else(|| it.runtime(format!("{name}() needs labels")))?;
            check_kw_text(it, name, &a)?;
            set_ticklabels(it, i, name == "set_xticklabels", &labels)?;
            Ok(Value::None)
        }
        "set_xlim" | "set_ylim" => {
            let lim = limits_arg(it, &mut a)?;
            check_kw(it, name, &a)?;
            let ax = &mut it.fig.scene.axes[i];
            if name == "set_xlim" {
                ax.xlim = Some(lim);
            } else {
                ax.ylim = Some(lim);
            }
            Ok(Value::None)
        }
        "legend" => legend(it, i, a),
        "grid" => {
            let on = match a.take(0, "visible").or_else(|| a.kw("b")) {
                Some(v) => v.truthy(),
                None => true,
            };
            for (k, _) in &a.kw {
                if !matches!(
                    k.as_str(),
                    "color"
                        | "c"
                        | "linestyle"
                        | "ls"
                        | "linewidth"
                        | "lw"
                        | "alpha"
                        | "which"
                        | "axis"
                        | "zorder"
                ) {
                    return Err(it.unsupported(format!(
                        "grid() keyword `{k}` is outside the supported subset"
                    )));
                }
            }
            it.fig.scene.axes[i].grid = on;
            Ok(Value::None)
        }
        "text" => {
            let x = a.take(0, "x").and_then(|v| v.as_f64()).unwrap_or(f64::NAN);
            let y = a.take(1, "y").and_then(|v| v.as_f64()).unwrap_or(f64::NAN);
            let s = text_arg(it, &mut a, 2, "s")?;
            check_kw_text(it, "text", &a)?;
            // Text in axes coordinates is not placed at data positions.
            add_text(it, i, x, y, s)?;
            Ok(Value::None)
        }
        "annotate" => {
            let s = text_arg(it, &mut a, 0, "text")?;
            let xy = a.take(1, "xy");
            let xytext = a.kw("xytext");
            let _ = a.kw("xycoords");
            check_kw_text(it, "annotate", &a)?;
            let at = match xytext.or(xy) {
                Some(v) => it.numbers(&v, "annotate xy")?,
                None => vec![f64::NAN, f64::NAN],
            };
            add_text(
                it,
                i,
                at.first().copied().unwrap_or(f64::NAN),
                at.get(1).copied().unwrap_or(f64::NAN),
                s,
            )?;
            Ok(Value::None)
        }
        "bar_label" => draw::bar_label(it, i, a),
        "set" => {
            for (k, v) in std::mem::take(&mut a.kw) {
                let one = Args {
                    pos: vec![v],
                    kw: Vec::new(),
                };
                let method = match k.as_str() {
                    "title" | "xlabel" | "ylabel" | "xlim" | "ylim" | "xticks" | "yticks"
                    | "xticklabels" | "yticklabels" => format!("set_{k}"),
                    _ => {
                        return Err(it.unsupported(format!(
                            "set() keyword `{k}` is outside the supported subset"
                        )))
                    }
                };
                axes_method(it, i, &method, one)?;
            }
            Ok(Value::None)
        }
        "twinx" => Ok(Value::Axes(new_axes(
            it,
            it.fig.scene.axes[i].layout,
            Some(i),
        )?)),
        "set_xscale" | "set_yscale" => match a.take(0, "value") {
            Some(Value::Str(s)) if s.as_ref() == "linear" => Ok(Value::None),
            _ => Err(it.unsupported(format!("{name}() other than \"linear\""))),
        },
        // Styling the subset does not model.
        _ => Ok(Value::None),
    }
}

pub(crate) fn add_text(it: &mut Interp, i: usize, x: f64, y: f64, text: String) -> R<()> {
    count_drawn(it, 1)?;
    it.fig.scene.axes[i].texts.push(Text { x, y, text });
    Ok(())
}

fn legend(it: &mut Interp, i: usize, mut a: Args) -> R<Value> {
    let title = a.kw("title");
    let explicit = match (a.take(0, "handles"), a.take(1, "labels")) {
        (Some(_), Some(labels)) => Some(labels),
        (Some(first), None) => match &first {
            Value::List(_) | Value::Tuple(_) => {
                let items = it.iterate(&first)?;
                if items.iter().all(|v| matches!(v, Value::Str(_))) {
                    Some(first)
                } else {
                    return Err(it.unsupported("legend() with artist handles and no labels"));
                }
            }
            _ => return Err(it.runtime("legend() labels must be a list")),
        },
        (None, Some(labels)) => Some(labels),
        (None, None) => None,
    };
    check_kw(it, "legend", &a)?;
    let mut entries = Vec::new();
    if let Some(labels) = explicit {
        let items = it.iterate(&labels)?;
        let mut strs = Vec::new();
        for v in &items {
            strs.push(it.str_of(v)?);
        }
        let ax = &mut it.fig.scene.axes[i];
        for (s, l) in ax.series.iter_mut().zip(&strs) {
            s.label = Some(l.clone());
        }
        entries = strs;
    } else {
        let ax = &it.fig.scene.axes[i];
        for s in &ax.series {
            if s.kind == ChartKind::Pie {
                entries.extend(s.labels.iter().cloned());
            } else if let Some(l) = &s.label {
                if !l.starts_with('_') {
                    entries.push(l.clone());
                }
            }
        }
    }
    count_drawn(it, entries.len())?;
    if let Some(t) = title {
        let t = it.str_of(&t)?;
        add_text(it, i, f64::NAN, f64::NAN, t)?;
    }
    it.fig.scene.axes[i].legend = if entries.is_empty() {
        None
    } else {
        Some(entries)
    };
    Ok(Value::None)
}

/// Applies what matplotlib decides when the figure is drawn: categorical
/// axes get their category names as tick labels.
pub fn finish(fig: &mut Figure) {
    for (k, ax) in fig.scene.axes.iter_mut().enumerate() {
        let xc = &fig.xcats[k];
        if !xc.is_empty() {
            if ax.xticks.is_none() {
                ax.xticks = Some((0..xc.len()).map(|v| v as f64).collect());
            }
            if ax.xticklabels.is_none() {
                ax.xticklabels = Some(xc.clone());
            }
        }
        let yc = &fig.ycats[k];
        if !yc.is_empty() {
            if ax.yticks.is_none() {
                ax.yticks = Some((0..yc.len()).map(|v| v as f64).collect());
            }
            if ax.yticklabels.is_none() {
                ax.yticklabels = Some(yc.clone());
            }
        }
    }
}
