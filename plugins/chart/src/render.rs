//! Rasterises a [`Scene`] with tiny-skia, in matplotlib's default look:
//! subplot grid with the default margins and spacing, a frame per axes,
//! auto or explicit ticks, titles, labels, legends and texts.

use ab_glyph::FontRef;
use tiny_skia::{
    FillRule, LineCap, Mask, Paint, PathBuilder, Pixmap, Rect, Stroke, StrokeDash, Transform,
};

use crate::color::Color;
use crate::scene::{Axes, ChartKind, Layout, LineStyle, Scene, Series};
use crate::text::{self, HAlign, VAlign};

/// An RGBA8 image, row-major, no padding.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

/// Largest side rendered; bigger requests are clamped.
pub const MAX_SIDE: u32 = 2048;

/// Draws a scene into a `width` x `height` image (each side clamped to
/// 1..=2048). The figure is stretched to the image; sizes in points scale
/// with the image width over `figsize`.
pub fn render(scene: &Scene, width: u32, height: u32) -> Image {
    let (w, h) = (width.clamp(1, MAX_SIDE), height.clamp(1, MAX_SIDE));
    let Some(mut pm) = Pixmap::new(w, h) else {
        return Image {
            width: w,
            height: h,
            rgba: vec![255; (w * h * 4) as usize],
        };
    };
    pm.fill(tiny_skia::Color::WHITE);
    let font = text::font();
    let figw = if scene.figsize[0].is_finite() && scene.figsize[0] > 0.0 {
        scene.figsize[0]
    } else {
        6.4
    };
    let figh = if scene.figsize[1].is_finite() && scene.figsize[1] > 0.0 {
        scene.figsize[1]
    } else {
        4.8
    };
    let dpi = ((w as f64 / figw).min(h as f64 / figh)) as f32;
    let pt = dpi / 72.0;
    let mut r = Renderer {
        pm: &mut pm,
        font,
        pt,
        w: w as f32,
        h: h as f32,
    };
    if let Some(t) = &scene.suptitle {
        r.text(
            t,
            r.w / 2.0,
            r.h * 0.02,
            12.0,
            Color::BLACK,
            HAlign::Center,
            VAlign::Top,
            false,
        );
    }
    for (i, ax) in scene.axes.iter().enumerate() {
        let rect = axes_rect(&ax.layout, r.w, r.h);
        let parent = ax
            .twin_of
            .and_then(|p| scene.axes.get(p))
            .filter(|_| ax.twin_of != Some(i));
        r.axes(ax, rect, parent);
    }
    Image {
        width: w,
        height: h,
        rgba: pm.take(),
    }
}

/// The pixel rectangle (x, y, w, h) of a grid cell range, with
/// matplotlib's default subplot parameters.
fn axes_rect(l: &Layout, w: f32, h: f32) -> [f32; 4] {
    let (left, right, bottom, top, wspace, hspace) = (0.125, 0.9, 0.11, 0.88, 0.2, 0.2);
    let (nr, nc) = (l.nrows.max(1) as f32, l.ncols.max(1) as f32);
    let cell_w = (right - left) * w / (nc + wspace * (nc - 1.0));
    let cell_h = (top - bottom) * h / (nr + hspace * (nr - 1.0));
    let (sep_w, sep_h) = (wspace * cell_w, hspace * cell_h);
    let x = left * w + l.col as f32 * (cell_w + sep_w);
    let y = (1.0 - top) * h + l.row as f32 * (cell_h + sep_h);
    let cs = l.colspan.max(1) as f32;
    let rs = l.rowspan.max(1) as f32;
    [
        x,
        y,
        cs * cell_w + (cs - 1.0) * sep_w,
        rs * cell_h + (rs - 1.0) * sep_h,
    ]
}

struct Renderer<'a> {
    pm: &'a mut Pixmap,
    font: Option<FontRef<'static>>,
    pt: f32,
    w: f32,
    h: f32,
}

fn paint(c: Color) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color_rgba8(c.r, c.g, c.b, c.a);
    p.anti_alias = true;
    p
}

/// Data range with matplotlib's 5% margins; `sticky_zero` keeps a bar
/// baseline at the edge.
fn padded(lo: f64, hi: f64, sticky_zero: bool) -> (f64, f64) {
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if lo == hi {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.05 };
        return (lo - d, hi + d);
    }
    let m = (hi - lo) * 0.05;
    let lo2 = if sticky_zero && lo == 0.0 {
        0.0
    } else {
        lo - m
    };
    let hi2 = if sticky_zero && hi == 0.0 {
        0.0
    } else {
        hi + m
    };
    (lo2, hi2)
}

/// "Nice" tick positions inside [lo, hi], about five of them.
pub(crate) fn nice_ticks(lo: f64, hi: f64) -> (Vec<f64>, f64) {
    let span = hi - lo;
    if !span.is_finite() || span <= 0.0 {
        return (Vec::new(), 1.0);
    }
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    let ticks = (first..=last.min(first + 50))
        .map(|k| k as f64 * step)
        .collect();
    (ticks, step)
}

fn tick_label(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
            + usize::from(step * 10f64.powf(-step.log10().floor()) % 1.0 != 0.0)
    };
    let s = format!("{:.*}", decimals.min(10), v);
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

struct Frame {
    rect: [f32; 4],
    x: (f64, f64),
    y: (f64, f64),
}

impl Frame {
    fn px(&self, x: f64) -> f32 {
        (self.rect[0] as f64 + (x - self.x.0) / (self.x.1 - self.x.0) * self.rect[2] as f64) as f32
    }
    fn py(&self, y: f64) -> f32 {
        (self.rect[1] as f64 + self.rect[3] as f64
            - (y - self.y.0) / (self.y.1 - self.y.0) * self.rect[3] as f64) as f32
    }
}

fn bounds(ax: &Axes) -> ((f64, f64), (f64, f64), bool) {
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    let mut sticky = false;
    let add = |v: f64, lo: &mut f64, hi: &mut f64| {
        if v.is_finite() {
            *lo = lo.min(v);
            *hi = hi.max(v);
        }
    };
    for s in &ax.series {
        match s.kind {
            ChartKind::Line | ChartKind::Scatter | ChartKind::FillBetween => {
                s.x.iter().for_each(|v| add(*v, &mut x0, &mut x1));
                s.y.iter().for_each(|v| add(*v, &mut y0, &mut y1));
                s.base.iter().for_each(|v| add(*v, &mut y0, &mut y1));
            }
            ChartKind::Bar => {
                sticky = true;
                for (k, x) in s.x.iter().enumerate() {
                    add(x - s.width / 2.0, &mut x0, &mut x1);
                    add(x + s.width / 2.0, &mut x0, &mut x1);
                    let b = s.base.get(k).copied().unwrap_or(0.0);
                    add(b, &mut y0, &mut y1);
                    add(b + s.y.get(k).copied().unwrap_or(0.0), &mut y0, &mut y1);
                }
            }
            ChartKind::Barh => {
                sticky = true;
                for (k, y) in s.x.iter().enumerate() {
                    add(y - s.width / 2.0, &mut y0, &mut y1);
                    add(y + s.width / 2.0, &mut y0, &mut y1);
                    let b = s.base.get(k).copied().unwrap_or(0.0);
                    add(b, &mut x0, &mut x1);
                    add(b + s.y.get(k).copied().unwrap_or(0.0), &mut x0, &mut x1);
                }
            }
            ChartKind::Hist => {
                sticky = true;
                s.x.iter().for_each(|v| add(*v, &mut x0, &mut x1));
                add(0.0, &mut y0, &mut y1);
                s.y.iter().for_each(|v| add(*v, &mut y0, &mut y1));
            }
            ChartKind::Axhline => s.y.iter().for_each(|v| add(*v, &mut y0, &mut y1)),
            ChartKind::Axvline => s.y.iter().for_each(|v| add(*v, &mut x0, &mut x1)),
            ChartKind::Pie => {}
        }
    }
    for t in &ax.texts {
        add(t.x, &mut x0, &mut x1);
        add(t.y, &mut y0, &mut y1);
    }
    ((x0, x1), (y0, y1), sticky)
}

fn with_limits(auto: (f64, f64), lim: Option<[f64; 2]>) -> (f64, f64) {
    let (mut lo, mut hi) = auto;
    if let Some([a, b]) = lim {
        if a.is_finite() {
            lo = a;
        }
        if b.is_finite() {
            hi = b;
        }
    }
    if !(hi - lo).is_finite() || hi == lo {
        return (lo.clamp(-1e300, 0.0), lo.clamp(0.0, 1e300) + 1.0);
    }
    (lo, hi)
}

impl Renderer<'_> {
    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        s: &str,
        x: f32,
        y: f32,
        size_pt: f32,
        c: Color,
        h: HAlign,
        v: VAlign,
        vertical: bool,
    ) {
        if let Some(font) = &self.font {
            text::draw(self.pm, font, s, x, y, size_pt * self.pt, c, h, v, vertical);
        }
    }

    fn text_size(&self, s: &str, size_pt: f32) -> (f32, f32) {
        match &self.font {
            Some(f) => text::measure(f, s, size_pt * self.pt),
            None => (0.0, 0.0),
        }
    }

    fn axes(&mut self, ax: &Axes, rect: [f32; 4], parent: Option<&Axes>) {
        if rect[2] < 1.0 || rect[3] < 1.0 {
            return;
        }
        if !ax.series.is_empty() && ax.series.iter().all(|s| s.kind == ChartKind::Pie) {
            self.pie_axes(ax, rect);
            return;
        }
        let (bx, by, sticky) = bounds(ax);
        let (mut xr, yr) = (
            padded(
                bx.0,
                bx.1,
                sticky && ax.series.iter().any(|s| s.kind == ChartKind::Barh),
            ),
            padded(by.0, by.1, sticky),
        );
        if let Some(p) = parent {
            // A twin shares its parent's x axis.
            let (pbx, _, _) = bounds(p);
            xr = padded(pbx.0.min(bx.0), pbx.1.max(bx.1), false);
        }
        let frame = Frame {
            rect,
            x: with_limits(xr, ax.xlim.or(parent.and_then(|p| p.xlim))),
            y: with_limits(yr, ax.ylim),
        };
        let twin = parent.is_some();

        let (xticks, xstep) = match &ax.xticks {
            Some(t) => (t.clone(), 1.0),
            None => nice_ticks(frame.x.0.min(frame.x.1), frame.x.0.max(frame.x.1)),
        };
        let (yticks, ystep) = match &ax.yticks {
            Some(t) => (t.clone(), 1.0),
            None => nice_ticks(frame.y.0.min(frame.y.1), frame.y.0.max(frame.y.1)),
        };
        let inside = |v: f32, lo: f32, len: f32| v >= lo - 0.5 && v <= lo + len + 0.5;
        if ax.grid {
            let mut pb = PathBuilder::new();
            for &t in &xticks {
                let x = frame.px(t);
                if inside(x, rect[0], rect[2]) {
                    pb.move_to(x, rect[1]);
                    pb.line_to(x, rect[1] + rect[3]);
                }
            }
            for &t in &yticks {
                let y = frame.py(t);
                if inside(y, rect[1], rect[3]) {
                    pb.move_to(rect[0], y);
                    pb.line_to(rect[0] + rect[2], y);
                }
            }
            if let Some(p) = pb.finish() {
                let stroke = Stroke {
                    width: 0.8 * self.pt,
                    ..Stroke::default()
                };
                self.pm.stroke_path(
                    &p,
                    &paint(Color::rgb(0xb0, 0xb0, 0xb0)),
                    &stroke,
                    Transform::identity(),
                    None,
                );
            }
        }

        let mut mask = Mask::new(self.pm.width(), self.pm.height());
        if let (Some(m), Some(r)) = (
            mask.as_mut(),
            Rect::from_xywh(rect[0], rect[1], rect[2], rect[3]),
        ) {
            m.fill_path(
                &PathBuilder::from_rect(r),
                FillRule::Winding,
                false,
                Transform::identity(),
            );
        }
        for s in &ax.series {
            self.series(s, &frame, mask.as_ref());
        }

        // Frame and ticks.
        let black = Color::BLACK;
        if let Some(r) = Rect::from_xywh(rect[0], rect[1], rect[2], rect[3]) {
            let stroke = Stroke {
                width: 0.8 * self.pt,
                ..Stroke::default()
            };
            self.pm.stroke_path(
                &PathBuilder::from_rect(r),
                &paint(black),
                &stroke,
                Transform::identity(),
                None,
            );
        }
        let tick_len = 3.5 * self.pt;
        let fs = 10.0;
        let mut tick_marks = PathBuilder::new();
        if !twin {
            for (k, &t) in xticks.iter().enumerate() {
                let x = frame.px(t);
                if !inside(x, rect[0], rect[2]) {
                    continue;
                }
                tick_marks.move_to(x, rect[1] + rect[3]);
                tick_marks.line_to(x, rect[1] + rect[3] + tick_len);
                let label = match &ax.xticklabels {
                    Some(l) => l.get(k).cloned().unwrap_or_default(),
                    None => tick_label(t, xstep),
                };
                self.text(
                    &label,
                    x,
                    rect[1] + rect[3] + tick_len + 2.0 * self.pt,
                    fs,
                    black,
                    HAlign::Center,
                    VAlign::Top,
                    false,
                );
            }
        }
        let yaxis_x = if twin { rect[0] + rect[2] } else { rect[0] };
        let mut widest = 0.0f32;
        for (k, &t) in yticks.iter().enumerate() {
            let y = frame.py(t);
            if !inside(y, rect[1], rect[3]) {
                continue;
            }
            let label = match &ax.yticklabels {
                Some(l) => l.get(k).cloned().unwrap_or_default(),
                None => tick_label(t, ystep),
            };
            widest = widest.max(self.text_size(&label, fs).0);
            if twin {
                tick_marks.move_to(yaxis_x, y);
                tick_marks.line_to(yaxis_x + tick_len, y);
                self.text(
                    &label,
                    yaxis_x + tick_len + 2.0 * self.pt,
                    y,
                    fs,
                    black,
                    HAlign::Left,
                    VAlign::Center,
                    false,
                );
            } else {
                tick_marks.move_to(yaxis_x, y);
                tick_marks.line_to(yaxis_x - tick_len, y);
                self.text(
                    &label,
                    yaxis_x - tick_len - 2.0 * self.pt,
                    y,
                    fs,
                    black,
                    HAlign::Right,
                    VAlign::Center,
                    false,
                );
            }
        }
        if let Some(p) = tick_marks.finish() {
            let stroke = Stroke {
                width: 0.8 * self.pt,
                ..Stroke::default()
            };
            self.pm
                .stroke_path(&p, &paint(black), &stroke, Transform::identity(), None);
        }

        let label_h = self.text_size("Ag", fs).1;
        if let Some(t) = &ax.title {
            self.text(
                t,
                rect[0] + rect[2] / 2.0,
                rect[1] - 6.0 * self.pt,
                12.0,
                black,
                HAlign::Center,
                VAlign::Bottom,
                false,
            );
        }
        if let Some(t) = &ax.xlabel {
            self.text(
                t,
                rect[0] + rect[2] / 2.0,
                rect[1] + rect[3] + tick_len + 6.0 * self.pt + label_h,
                fs,
                black,
                HAlign::Center,
                VAlign::Top,
                false,
            );
        }
        if let Some(t) = &ax.ylabel {
            let gap = tick_len + 6.0 * self.pt + widest;
            if twin {
                self.text(
                    t,
                    yaxis_x + gap,
                    rect[1] + rect[3] / 2.0,
                    fs,
                    black,
                    HAlign::Left,
                    VAlign::Center,
                    true,
                );
            } else {
                self.text(
                    t,
                    yaxis_x - gap,
                    rect[1] + rect[3] / 2.0,
                    fs,
                    black,
                    HAlign::Right,
                    VAlign::Center,
                    true,
                );
            }
        }
        for t in &ax.texts {
            if t.x.is_finite() && t.y.is_finite() {
                let (x, y) = (frame.px(t.x), frame.py(t.y));
                if x.abs() < 1e6 && y.abs() < 1e6 {
                    self.text(
                        &t.text,
                        x,
                        y,
                        fs,
                        black,
                        HAlign::Center,
                        VAlign::Bottom,
                        false,
                    );
                }
            }
        }
        if let Some(entries) = &ax.legend {
            let swatches: Vec<Color> = legend_colors(ax, entries.len());
            self.legend(entries, &swatches, rect);
        }
    }

    fn series(&mut self, s: &Series, f: &Frame, mask: Option<&Mask>) {
        let color = |k: usize| {
            s.colors
                .get(k)
                .or(s.colors.first())
                .copied()
                .unwrap_or(Color::cycle(0))
        };
        match s.kind {
            ChartKind::Line => {
                if s.line_style != LineStyle::None {
                    let mut pb = PathBuilder::new();
                    let mut pen = false;
                    for (x, y) in s.x.iter().zip(&s.y) {
                        let (px, py) = (f.px(*x), f.py(*y));
                        if !(px.is_finite() && py.is_finite()) || px.abs() > 1e6 || py.abs() > 1e6 {
                            pen = false;
                            continue;
                        }
                        if pen {
                            pb.line_to(px, py);
                        } else {
                            pb.move_to(px, py);
                            pen = true;
                        }
                    }
                    self.stroke(pb, color(0), s.line_width, s.line_style, mask);
                }
                if s.marker.is_some() {
                    for (x, y) in s.x.iter().zip(&s.y) {
                        self.dot(f.px(*x), f.py(*y), 3.0 * self.pt, color(0), mask);
                    }
                }
            }
            ChartKind::Scatter => {
                for (k, (x, y)) in s.x.iter().zip(&s.y).enumerate() {
                    self.dot(f.px(*x), f.py(*y), 3.0 * self.pt, color(k), mask);
                }
            }
            ChartKind::Bar | ChartKind::Barh => {
                for (k, (c, v)) in s.x.iter().zip(&s.y).enumerate() {
                    let b = s.base.get(k).copied().unwrap_or(0.0);
                    let (lo, hi) = (c - s.width / 2.0, c + s.width / 2.0);
                    let r = if s.kind == ChartKind::Bar {
                        rect_px(f.px(lo), f.py(b + v), f.px(hi), f.py(b))
                    } else {
                        rect_px(f.px(b), f.py(hi), f.px(b + v), f.py(lo))
                    };
                    if let Some(r) = r {
                        self.pm
                            .fill_rect(r, &paint(color(k)), Transform::identity(), mask);
                    }
                }
            }
            ChartKind::Hist => {
                for (k, v) in s.y.iter().enumerate() {
                    let (Some(lo), Some(hi)) = (s.x.get(k), s.x.get(k + 1)) else {
                        break;
                    };
                    if let Some(r) = rect_px(f.px(*lo), f.py(*v), f.px(*hi), f.py(0.0)) {
                        self.pm
                            .fill_rect(r, &paint(color(0)), Transform::identity(), mask);
                    }
                }
            }
            ChartKind::FillBetween => {
                let pts: Vec<(f32, f32, f32)> =
                    s.x.iter()
                        .zip(&s.y)
                        .zip(&s.base)
                        .map(|((x, y), b)| (f.px(*x), f.py(*y), f.py(*b)))
                        .filter(|(x, y, b)| x.abs() < 1e6 && y.abs() < 1e6 && b.abs() < 1e6)
                        .collect();
                if pts.len() >= 2 {
                    let mut pb = PathBuilder::new();
                    pb.move_to(pts[0].0, pts[0].1);
                    for p in &pts[1..] {
                        pb.line_to(p.0, p.1);
                    }
                    for p in pts.iter().rev() {
                        pb.line_to(p.0, p.2);
                    }
                    pb.close();
                    if let Some(p) = pb.finish() {
                        self.pm.fill_path(
                            &p,
                            &paint(color(0)),
                            FillRule::Winding,
                            Transform::identity(),
                            mask,
                        );
                    }
                }
            }
            ChartKind::Axhline | ChartKind::Axvline => {
                let Some(&v) = s.y.first() else { return };
                let mut pb = PathBuilder::new();
                if s.kind == ChartKind::Axhline {
                    let y = f.py(v);
                    if y.abs() > 1e6 {
                        return;
                    }
                    pb.move_to(f.rect[0], y);
                    pb.line_to(f.rect[0] + f.rect[2], y);
                } else {
                    let x = f.px(v);
                    if x.abs() > 1e6 {
                        return;
                    }
                    pb.move_to(x, f.rect[1]);
                    pb.line_to(x, f.rect[1] + f.rect[3]);
                }
                self.stroke(pb, color(0), s.line_width, s.line_style, mask);
            }
            ChartKind::Pie => {}
        }
    }

    fn stroke(
        &mut self,
        pb: PathBuilder,
        c: Color,
        width_pt: f64,
        style: LineStyle,
        mask: Option<&Mask>,
    ) {
        let Some(path) = pb.finish() else { return };
        let w = (width_pt.clamp(0.1, 20.0) as f32) * self.pt;
        let dash = match style {
            LineStyle::Dashed => Some(vec![3.7 * w, 1.6 * w]),
            LineStyle::Dashdot => Some(vec![6.4 * w, 1.6 * w, w, 1.6 * w]),
            LineStyle::Dotted => Some(vec![w, 1.65 * w]),
            LineStyle::Solid | LineStyle::None => None,
        };
        let stroke = Stroke {
            width: w,
            line_cap: LineCap::Butt,
            dash: dash.and_then(|d| StrokeDash::new(d, 0.0)),
            ..Stroke::default()
        };
        self.pm
            .stroke_path(&path, &paint(c), &stroke, Transform::identity(), mask);
    }

    fn dot(&mut self, x: f32, y: f32, r: f32, c: Color, mask: Option<&Mask>) {
        if !(x.is_finite() && y.is_finite()) || x.abs() > 1e6 || y.abs() > 1e6 {
            return;
        }
        if let Some(p) = PathBuilder::from_circle(x, y, r.max(0.5)) {
            self.pm.fill_path(
                &p,
                &paint(c),
                FillRule::Winding,
                Transform::identity(),
                mask,
            );
        }
    }

    fn pie_axes(&mut self, ax: &Axes, rect: [f32; 4]) {
        let cx = rect[0] + rect[2] / 2.0;
        let cy = rect[1] + rect[3] / 2.0;
        let radius = rect[2].min(rect[3]) / 2.0 * 0.9;
        for s in &ax.series {
            let total: f64 = s.y.iter().filter(|v| v.is_finite() && **v > 0.0).sum();
            if total <= 0.0 {
                continue;
            }
            // Counter-clockwise from 3 o'clock, as matplotlib's default.
            let mut start = 0.0f64;
            for (k, v) in s.y.iter().enumerate() {
                if !(v.is_finite() && *v > 0.0) {
                    continue;
                }
                let sweep = v / total * std::f64::consts::TAU;
                let c = s
                    .colors
                    .get(k)
                    .or(s.colors.first())
                    .copied()
                    .unwrap_or(Color::cycle(k));
                let mut pb = PathBuilder::new();
                pb.move_to(cx, cy);
                let steps = ((sweep / 0.05).ceil() as usize).clamp(2, 200);
                for j in 0..=steps {
                    let a = start + sweep * j as f64 / steps as f64;
                    pb.line_to(cx + radius * a.cos() as f32, cy - radius * a.sin() as f32);
                }
                pb.close();
                if let Some(p) = pb.finish() {
                    self.pm.fill_path(
                        &p,
                        &paint(c),
                        FillRule::Winding,
                        Transform::identity(),
                        None,
                    );
                }
                if let Some(label) = s.labels.get(k) {
                    let mid = start + sweep / 2.0;
                    let (lx, ly) = (
                        cx + 1.1 * radius * mid.cos() as f32,
                        cy - 1.1 * radius * mid.sin() as f32,
                    );
                    let h = if mid.cos() >= 0.0 {
                        HAlign::Left
                    } else {
                        HAlign::Right
                    };
                    self.text(label, lx, ly, 10.0, Color::BLACK, h, VAlign::Center, false);
                }
                start += sweep;
            }
        }
        if let Some(t) = &ax.title {
            self.text(
                t,
                cx,
                rect[1] - 6.0 * self.pt,
                12.0,
                Color::BLACK,
                HAlign::Center,
                VAlign::Bottom,
                false,
            );
        }
        if let Some(entries) = &ax.legend {
            let swatches = legend_colors(ax, entries.len());
            self.legend(entries, &swatches, rect);
        }
    }

    fn legend(&mut self, entries: &[String], colors: &[Color], rect: [f32; 4]) {
        let fs = 10.0;
        let line_h = self.text_size("Ag", fs).1 * 1.2;
        let widest = entries
            .iter()
            .map(|e| self.text_size(e, fs).0)
            .fold(0.0f32, f32::max);
        let sw = 2.0 * fs * self.pt;
        let pad = 4.0 * self.pt;
        let bw = pad * 3.0 + sw + widest;
        let bh = pad * 2.0 + line_h * entries.len() as f32;
        let x = rect[0] + rect[2] - bw - pad;
        let y = rect[1] + pad;
        if let Some(r) = Rect::from_xywh(x, y, bw, bh) {
            self.pm.fill_rect(
                r,
                &paint(Color::WHITE.with_alpha(0.8)),
                Transform::identity(),
                None,
            );
            let stroke = Stroke {
                width: 0.8 * self.pt,
                ..Stroke::default()
            };
            self.pm.stroke_path(
                &PathBuilder::from_rect(r),
                &paint(Color::rgb(0xcc, 0xcc, 0xcc)),
                &stroke,
                Transform::identity(),
                None,
            );
        }
        for (k, e) in entries.iter().enumerate() {
            let cy = y + pad + line_h * (k as f32 + 0.5);
            if let Some(r) = Rect::from_xywh(x + pad, cy - line_h * 0.2, sw, line_h * 0.4) {
                let c = colors.get(k).copied().unwrap_or(Color::BLACK);
                self.pm.fill_rect(r, &paint(c), Transform::identity(), None);
            }
            self.text(
                e,
                x + pad * 2.0 + sw,
                cy,
                fs,
                Color::BLACK,
                HAlign::Left,
                VAlign::Center,
                false,
            );
        }
    }
}

fn rect_px(x0: f32, y0: f32, x1: f32, y1: f32) -> Option<Rect> {
    let (l, r) = (x0.min(x1).max(-1e6), x0.max(x1).min(1e6));
    let (t, b) = (y0.min(y1).max(-1e6), y0.max(y1).min(1e6));
    Rect::from_ltrb(l, t, r.max(l + 0.01), b.max(t + 0.01))
}

/// Swatch colours for legend entries: the labelled series in order (pie
/// wedges count one each).
fn legend_colors(ax: &Axes, n: usize) -> Vec<Color> {
    let mut out = Vec::new();
    for s in &ax.series {
        if s.kind == ChartKind::Pie {
            out.extend(s.colors.iter().copied());
        } else if s.label.as_deref().is_some_and(|l| !l.starts_with('_')) {
            out.push(s.colors.first().copied().unwrap_or(Color::BLACK));
        }
    }
    out.truncate(n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks_are_round() {
        let (t, step) = nice_ticks(0.0, 10.0);
        assert_eq!(step, 2.0);
        assert_eq!(t, vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        let (t, step) = nice_ticks(-0.3, 0.3);
        assert_eq!(step, 0.2);
        assert_eq!(t.len(), 3);
        assert_eq!(tick_label(0.25, 0.25), "0.25");
        assert_eq!(tick_label(-0.0, 0.5), "0.0");
        assert_eq!(tick_label(40.0, 10.0), "40");
        assert!(nice_ticks(1.0, 1.0).0.is_empty());
        assert!(nice_ticks(f64::NAN, 1.0).0.is_empty());
    }

    #[test]
    fn grid_cells_follow_matplotlib_defaults() {
        let one = axes_rect(&Layout::default(), 640.0, 480.0);
        assert!((one[0] - 80.0).abs() < 1e-3 && (one[2] - 496.0).abs() < 1e-3);
        let span = axes_rect(
            &Layout {
                nrows: 2,
                ncols: 2,
                row: 0,
                col: 0,
                rowspan: 1,
                colspan: 2,
            },
            640.0,
            480.0,
        );
        assert!(
            (span[2] - one[2]).abs() < 1e-3,
            "a full-row span is as wide as one axes"
        );
    }
}
