//! Text drawing with the embedded Noto Sans: glyph coverage from
//! `ab_glyph`, blended straight into the pixmap (horizontal, or turned 90
//! degrees for y-axis labels).

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use tiny_skia::Pixmap;

use crate::color::Color;

/// Longest text drawn, in characters; the rest is cut.
const MAX_CHARS: usize = 200;

pub fn font() -> Option<FontRef<'static>> {
    FontRef::try_from_slice(ttf_noto_sans::REGULAR).ok()
}

/// Horizontal anchor of a text box.
#[derive(Clone, Copy, PartialEq)]
pub enum HAlign {
    Left,
    Center,
    Right,
}

/// Vertical anchor of a text box.
#[derive(Clone, Copy, PartialEq)]
pub enum VAlign {
    Top,
    Center,
    Bottom,
}

/// A rasterised text: coverage in [0, 1], row-major.
struct Coverage {
    w: usize,
    h: usize,
    a: Vec<f32>,
}

fn rasterise(font: &FontRef, text: &str, size: f32) -> Option<Coverage> {
    let scaled = font.as_scaled(PxScale::from(size));
    let ascent = scaled.ascent();
    let height = (ascent - scaled.descent()).ceil().max(1.0);
    let mut glyphs = Vec::new();
    let mut pen = 0.0f32;
    let mut prev = None;
    for ch in text.chars().filter(|c| !c.is_control()).take(MAX_CHARS) {
        let id = font.glyph_id(ch);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        glyphs.push(id.with_scale_and_position(size, ab_glyph::point(pen, ascent)));
        pen += scaled.h_advance(id);
        prev = Some(id);
    }
    let w = pen.ceil().max(1.0) as usize + 1;
    let h = height as usize + 1;
    if w > 8192 || h > 8192 {
        return None;
    }
    let mut a = vec![0f32; w * h];
    for g in glyphs {
        let Some(outline) = font.outline_glyph(g) else {
            continue;
        };
        let b = outline.px_bounds();
        outline.draw(|x, y, c| {
            let px = b.min.x as i32 + x as i32;
            let py = b.min.y as i32 + y as i32;
            if px >= 0 && py >= 0 && (px as usize) < w && (py as usize) < h {
                let k = py as usize * w + px as usize;
                a[k] = (a[k] + c).min(1.0);
            }
        });
    }
    Some(Coverage { w, h, a })
}

/// Width and height in pixels of `text` at `size`.
pub fn measure(font: &FontRef, text: &str, size: f32) -> (f32, f32) {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut pen = 0.0f32;
    let mut prev = None;
    for ch in text.chars().filter(|c| !c.is_control()).take(MAX_CHARS) {
        let id = font.glyph_id(ch);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        pen += scaled.h_advance(id);
        prev = Some(id);
    }
    (pen, scaled.ascent() - scaled.descent())
}

/// Draws `text` anchored at (x, y). `vertical` turns it 90 degrees
/// counter-clockwise (reading bottom to top); the anchors then apply to
/// the turned box.
#[allow(clippy::too_many_arguments)]
pub fn draw(
    pixmap: &mut Pixmap,
    font: &FontRef,
    text: &str,
    x: f32,
    y: f32,
    size: f32,
    color: Color,
    h: HAlign,
    v: VAlign,
    vertical: bool,
) {
    if text.is_empty() || !x.is_finite() || !y.is_finite() || size < 1.0 {
        return;
    }
    let Some(cov) = rasterise(font, text, size) else {
        return;
    };
    let (bw, bh) = if vertical {
        (cov.h, cov.w)
    } else {
        (cov.w, cov.h)
    };
    let left = match h {
        HAlign::Left => x,
        HAlign::Center => x - bw as f32 / 2.0,
        HAlign::Right => x - bw as f32,
    }
    .round() as i64;
    let top = match v {
        VAlign::Top => y,
        VAlign::Center => y - bh as f32 / 2.0,
        VAlign::Bottom => y - bh as f32,
    }
    .round() as i64;
    let (pw, ph) = (pixmap.width() as i64, pixmap.height() as i64);
    let data = pixmap.data_mut();
    for by in 0..bh {
        let ty = top + by as i64;
        if ty < 0 || ty >= ph {
            continue;
        }
        for bx in 0..bw {
            let tx = left + bx as i64;
            if tx < 0 || tx >= pw {
                continue;
            }
            // Turned: box column bx is glyph row, box row by is glyph column from the end.
            let c = if vertical {
                cov.a[bx * cov.w + (cov.w - 1 - by)]
            } else {
                cov.a[by * cov.w + bx]
            };
            if c <= 0.0 {
                continue;
            }
            let a = c * color.a as f32 / 255.0;
            let k = ((ty * pw + tx) * 4) as usize;
            for (ch, src) in [color.r, color.g, color.b].into_iter().enumerate() {
                let d = data[k + ch] as f32;
                data[k + ch] = (src as f32 * a + d * (1.0 - a)).round() as u8;
            }
            data[k + 3] = 255;
        }
    }
}
