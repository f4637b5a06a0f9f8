//! An RGB raster with what the plot draws: anti-aliased thick polylines,
//! translucent fills, bitmap text; saved as PNG.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use super::font::{self, ADVANCE, GLYPH_WIDTH};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// Pixels `x0..x1` by `y0..y1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl Rect {
    pub fn new(x0: i32, y0: i32, x1: i32, y1: i32) -> Rect {
        Rect { x0, y0, x1, y1 }
    }

    pub fn width(&self) -> i32 {
        self.x1 - self.x0
    }

    pub fn height(&self) -> i32 {
        self.y1 - self.y0
    }

    pub fn grow(&self, by: i32) -> Rect {
        Rect::new(self.x0 - by, self.y0 - by, self.x1 + by, self.y1 + by)
    }

    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x0 as f64 && x < self.x1 as f64 && y >= self.y0 as f64 && y < self.y1 as f64
    }

    fn intersect(&self, o: &Rect) -> Rect {
        Rect::new(
            self.x0.max(o.x0),
            self.y0.max(o.y0),
            self.x1.min(o.x1),
            self.y1.min(o.y1),
        )
    }

    fn is_empty(&self) -> bool {
        self.x0 >= self.x1 || self.y0 >= self.y1
    }
}

pub struct Canvas {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Canvas {
    pub fn new(width: u32, height: u32, background: Rgb) -> Canvas {
        let rgb = [background.0, background.1, background.2].repeat((width * height) as usize);
        Canvas { width, height, rgb }
    }

    pub fn bounds(&self) -> Rect {
        Rect::new(0, 0, self.width as i32, self.height as i32)
    }

    #[cfg(test)]
    pub fn pixel(&self, x: i32, y: i32) -> Rgb {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        Rgb(self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
    }

    /// Paints `c` over the pixel with opacity `alpha`; outside the canvas it
    /// does nothing.
    fn blend(&mut self, x: i32, y: i32, c: Rgb, alpha: f64) {
        if x < 0 || y < 0 || x >= self.width as i32 || y >= self.height as i32 || alpha <= 0.0 {
            return;
        }
        let a = alpha.min(1.0);
        let i = (y as usize * self.width as usize + x as usize) * 3;
        for (k, new) in [c.0, c.1, c.2].into_iter().enumerate() {
            let old = self.rgb[i + k] as f64;
            self.rgb[i + k] = (old + (new as f64 - old) * a).round() as u8;
        }
    }

    pub fn fill_rect(&mut self, r: Rect, c: Rgb, alpha: f64) {
        let r = r.intersect(&self.bounds());
        for y in r.y0..r.y1 {
            for x in r.x0..r.x1 {
                self.blend(x, y, c, alpha);
            }
        }
    }

    /// A one-pixel outline just inside `r`.
    pub fn outline(&mut self, r: Rect, c: Rgb) {
        self.fill_rect(Rect::new(r.x0, r.y0, r.x1, r.y0 + 1), c, 1.0);
        self.fill_rect(Rect::new(r.x0, r.y1 - 1, r.x1, r.y1), c, 1.0);
        self.fill_rect(Rect::new(r.x0, r.y0, r.x0 + 1, r.y1), c, 1.0);
        self.fill_rect(Rect::new(r.x1 - 1, r.y0, r.x1, r.y1), c, 1.0);
    }

    /// An anti-aliased polyline `width` pixels thick with round joins and
    /// caps; a single point draws a dot of that diameter.
    ///
    /// Coverage is gathered per pixel (the most any segment gives it) and
    /// painted once, so joins and dense lines with thousands of segments do
    /// not darken where segments overlap.
    pub fn stroke(&mut self, points: &[(f64, f64)], width: f64, c: Rgb, clip: Rect) {
        let Some(&first) = points.first() else { return };
        let half = width / 2.0;
        let pad = half + 1.0;
        let (mut lo, mut hi) = (first, first);
        for &(x, y) in points {
            lo = (lo.0.min(x), lo.1.min(y));
            hi = (hi.0.max(x), hi.1.max(y));
        }
        let area = pixels_around(lo, hi, pad)
            .intersect(&clip)
            .intersect(&self.bounds());
        if area.is_empty() {
            return;
        }
        let w = area.width() as usize;
        let mut coverage = vec![0f32; w * area.height() as usize];
        let segments: Vec<((f64, f64), (f64, f64))> = if points.len() == 1 {
            vec![(first, first)]
        } else {
            points.windows(2).map(|p| (p[0], p[1])).collect()
        };
        for (a, b) in segments {
            let lo = (a.0.min(b.0), a.1.min(b.1));
            let hi = (a.0.max(b.0), a.1.max(b.1));
            let box_ = pixels_around(lo, hi, pad).intersect(&area);
            for y in box_.y0..box_.y1 {
                for x in box_.x0..box_.x1 {
                    let d = distance_to_segment((x as f64 + 0.5, y as f64 + 0.5), a, b);
                    let cov = (half + 0.5 - d).clamp(0.0, 1.0) as f32;
                    let i = (y - area.y0) as usize * w + (x - area.x0) as usize;
                    coverage[i] = coverage[i].max(cov);
                }
            }
        }
        for y in area.y0..area.y1 {
            for x in area.x0..area.x1 {
                let cov = coverage[(y - area.y0) as usize * w + (x - area.x0) as usize];
                self.blend(x, y, c, cov as f64);
            }
        }
    }

    /// Fills between two curves: `columns` are `(x, y_a, y_b)` sorted by x,
    /// interpolated linearly in between, with the curves' edges anti-aliased.
    pub fn fill_between(&mut self, columns: &[(f64, f64, f64)], c: Rgb, alpha: f64, clip: Rect) {
        let (Some(first), Some(last)) = (columns.first(), columns.last()) else {
            return;
        };
        let clip = clip.intersect(&self.bounds());
        let mut seg = 0;
        for x in (first.0.floor() as i32).max(clip.x0)..(last.0.ceil() as i32).min(clip.x1) {
            let cx = x as f64 + 0.5;
            if cx < first.0 || cx > last.0 {
                continue;
            }
            while seg + 2 < columns.len() && columns[seg + 1].0 < cx {
                seg += 1;
            }
            let (a, b) = (columns[seg], columns[(seg + 1).min(columns.len() - 1)]);
            let t = if b.0 > a.0 {
                (cx - a.0) / (b.0 - a.0)
            } else {
                0.0
            };
            let ya = a.1 + (b.1 - a.1) * t;
            let yb = a.2 + (b.2 - a.2) * t;
            let (top, bottom) = (ya.min(yb), ya.max(yb));
            for y in (top.floor() as i32).max(clip.y0)..(bottom.ceil() as i32).min(clip.y1) {
                let covered = (bottom.min(y as f64 + 1.0) - top.max(y as f64)).clamp(0.0, 1.0);
                self.blend(x, y, c, alpha * covered);
            }
        }
    }

    /// Writes `text` with its top-left corner at `(x, y)`, each font pixel a
    /// `scale`-sided square.
    pub fn text(&mut self, x: i32, y: i32, text: &str, scale: i32, c: Rgb) {
        for (i, ch) in text.chars().enumerate() {
            let gx = x + i as i32 * ADVANCE * scale;
            for (row, bits) in font::glyph(ch).iter().enumerate() {
                for col in 0..GLYPH_WIDTH {
                    if bits & (1 << (GLYPH_WIDTH - 1 - col)) != 0 {
                        let px = gx + col * scale;
                        let py = y + row as i32 * scale;
                        self.fill_rect(Rect::new(px, py, px + scale, py + scale), c, 1.0);
                    }
                }
            }
        }
    }

    pub fn save_png(&self, path: &Path) -> anyhow::Result<()> {
        let file = File::create(path)?;
        let mut encoder = png::Encoder::new(BufWriter::new(file), self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&self.rgb)?;
        writer.finish()?;
        Ok(())
    }
}

/// The pixels that a shape spanning `lo..hi` (plus `pad`) can touch.
fn pixels_around(lo: (f64, f64), hi: (f64, f64), pad: f64) -> Rect {
    Rect::new(
        (lo.0 - pad).floor() as i32,
        (lo.1 - pad).floor() as i32,
        (hi.0 + pad).ceil() as i32 + 1,
        (hi.1 + pad).ceil() as i32 + 1,
    )
}

fn distance_to_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (qx, qy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - qx).powi(2) + (p.1 - qy).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHITE: Rgb = Rgb(255, 255, 255);
    const BLUE: Rgb = Rgb(0, 0, 255);

    #[test]
    fn a_thick_line_is_solid_in_the_middle_and_soft_at_the_edge() {
        let mut c = Canvas::new(40, 20, WHITE);
        c.stroke(&[(5.0, 10.0), (35.0, 10.0)], 4.0, BLUE, c.bounds());
        assert_eq!(c.pixel(20, 9), BLUE);
        assert_eq!(c.pixel(20, 10), BLUE);
        assert_eq!(c.pixel(20, 3), WHITE);
        // Round caps reach half the width past the ends, and no further.
        assert_ne!(c.pixel(36, 9), WHITE);
        assert_eq!(c.pixel(39, 9), WHITE);
    }

    #[test]
    fn overlapping_segments_do_not_darken_a_translucent_edge() {
        let mut once = Canvas::new(30, 30, WHITE);
        once.stroke(&[(2.0, 15.3), (28.0, 15.3)], 2.0, BLUE, once.bounds());
        let mut many = Canvas::new(30, 30, WHITE);
        let points: Vec<(f64, f64)> = (0..=260).map(|i| (2.0 + i as f64 * 0.1, 15.3)).collect();
        many.stroke(&points, 2.0, BLUE, many.bounds());
        assert_eq!(once.pixel(15, 13), many.pixel(15, 13));
        assert_eq!(once.pixel(15, 16), many.pixel(15, 16));
    }

    #[test]
    fn strokes_stay_inside_their_clip() {
        let mut c = Canvas::new(40, 40, WHITE);
        c.stroke(
            &[(0.0, 0.0), (39.0, 39.0)],
            3.0,
            BLUE,
            Rect::new(10, 10, 30, 30),
        );
        assert_eq!(c.pixel(5, 5), WHITE);
        assert_eq!(c.pixel(20, 20), BLUE);
    }

    #[test]
    fn fill_between_covers_only_the_space_between() {
        let mut c = Canvas::new(20, 20, WHITE);
        c.fill_between(
            &[(0.0, 5.0, 15.0), (20.0, 5.0, 15.0)],
            BLUE,
            1.0,
            c.bounds(),
        );
        assert_eq!(c.pixel(10, 10), BLUE);
        assert_eq!(c.pixel(10, 4), WHITE);
        assert_eq!(c.pixel(10, 15), WHITE);
    }

    #[test]
    fn text_puts_ink_where_the_glyph_has_it() {
        let mut c = Canvas::new(20, 20, WHITE);
        c.text(0, 0, "1", 2, BLUE);
        // '1' is "..#.." on its top row: column 2, two pixels wide at scale 2.
        assert_eq!(c.pixel(4, 0), BLUE);
        assert_eq!(c.pixel(5, 1), BLUE);
        assert_eq!(c.pixel(0, 0), WHITE);
    }
}
