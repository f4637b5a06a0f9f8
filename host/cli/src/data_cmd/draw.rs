//! Drawing a box scene with anti-aliasing (tiny-skia), and the tight box of
//! each shape.

use anyhow::{anyhow, Result};
use tiny_skia::{FillRule, Paint, Path, PathBuilder, Pixmap, Rect, Transform};

use super::scene::{Kind, Scene, Shape, Texture, TEXTURE_DEPTH};

/// A box in pixel edges: the shape's pixels are columns `x1..x2` and rows
/// `y1..y2` (end exclusive), so `x2 - x1` is its width in pixels.
pub type PixelBox = [u32; 4];

/// Opaque RGB, row-major: the background, its texture, then the shapes in
/// `order` (indices into `scene.shapes`; the last is drawn on top).
pub fn image(scene: &Scene, order: &[usize]) -> Result<Vec<u8>> {
    let mut pixmap = blank(scene)?;
    texture(&mut pixmap, scene.texture, scene.background.rgb);
    for &i in order {
        fill(&mut pixmap, &scene.shapes[i])?;
    }
    Ok(pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect())
}

/// Per shape, in scene order: the smallest box holding every pixel the
/// shape changes when drawn alone on the plain background colour. A shape
/// drawn on top of the others keeps exactly these pixels, since coverage
/// does not depend on what is underneath.
pub fn shape_boxes(scene: &Scene) -> Result<Vec<PixelBox>> {
    scene
        .shapes
        .iter()
        .map(|shape| {
            let mut alone = blank(scene)?;
            fill(&mut alone, shape)?;
            changed_box(&alone, scene.background.rgb, shape.frame()).ok_or_else(|| {
                anyhow!(
                    "a {} of side {} left no pixel",
                    shape.kind.name(),
                    shape.side
                )
            })
        })
        .collect()
}

fn blank(scene: &Scene) -> Result<Pixmap> {
    let mut p = Pixmap::new(scene.width, scene.height)
        .ok_or_else(|| anyhow!("cannot make a {}x{} image", scene.width, scene.height))?;
    let [r, g, b] = scene.background.rgb;
    p.fill(tiny_skia::Color::from_rgba8(r, g, b, 255));
    Ok(p)
}

/// Texture lines are whole pixels, [`TEXTURE_DEPTH`] darker than `bg`.
fn texture(pixmap: &mut Pixmap, texture: Texture, bg: [u8; 3]) {
    let width = pixmap.width() as usize;
    let line = bg.map(|c| c.saturating_sub(TEXTURE_DEPTH));
    for (i, px) in pixmap.data_mut().chunks_exact_mut(4).enumerate() {
        let (x, y) = ((i % width) as f32, (i / width) as f32);
        let on = match texture {
            Texture::Plain => false,
            Texture::Grid { step } => x % step == 0.0 || y % step == 0.0,
            Texture::Stripes { step } => (x + y) % step == 0.0,
        };
        if on {
            px[..3].copy_from_slice(&line);
        }
    }
}

fn fill(pixmap: &mut Pixmap, shape: &Shape) -> Result<()> {
    let path = outline(shape).ok_or_else(|| {
        anyhow!(
            "cannot outline a {} of side {}",
            shape.kind.name(),
            shape.side
        )
    })?;
    let mut paint = Paint::default();
    let [r, g, b] = shape.colour.rgb;
    paint.set_color_rgba8(r, g, b, 255);
    paint.anti_alias = true;
    pixmap.fill_path(
        &path,
        &paint,
        FillRule::Winding,
        Transform::identity(),
        None,
    );
    Ok(())
}

/// The shape's outline, inside the square `shape.frame()`.
fn outline(shape: &Shape) -> Option<Path> {
    let (cx, cy, h) = (shape.cx, shape.cy, shape.side / 2.0);
    let polygon = |points: &[(f32, f32)]| {
        let mut pb = PathBuilder::new();
        pb.move_to(cx + points[0].0, cy + points[0].1);
        for &(x, y) in &points[1..] {
            pb.line_to(cx + x, cy + y);
        }
        pb.close();
        pb.finish()
    };
    // Regular polygons and the star: `n` points at radius `r(k)`, the first
    // at angle `start` (radians, 0 = right, y grows down).
    let radial = |n: usize, start: f32, r: &dyn Fn(usize) -> f32| {
        let points: Vec<(f32, f32)> = (0..n)
            .map(|k| {
                let a = start + k as f32 * std::f32::consts::TAU / n as f32;
                (r(k) * a.cos(), r(k) * a.sin())
            })
            .collect();
        polygon(&points)
    };
    let up = -std::f32::consts::FRAC_PI_2;
    match shape.kind {
        Kind::Circle => PathBuilder::from_circle(cx, cy, h),
        Kind::Square => Rect::from_ltrb(cx - h, cy - h, cx + h, cy + h).map(PathBuilder::from_rect),
        Kind::Triangle => polygon(&[(0.0, -h), (h, h), (-h, h)]),
        Kind::Diamond => polygon(&[(0.0, -h), (h, 0.0), (0.0, h), (-h, 0.0)]),
        Kind::Hexagon => radial(6, 0.0, &|_| h),
        Kind::Star => radial(10, up, &|k| if k % 2 == 0 { h } else { 0.42 * h }),
    }
}

/// The smallest box around the pixels that differ from `bg`, looking only
/// near `frame` (anti-aliasing reaches less than a pixel beyond it).
fn changed_box(pixmap: &Pixmap, bg: [u8; 3], frame: [f32; 4]) -> Option<PixelBox> {
    let (w, h) = (pixmap.width(), pixmap.height());
    let lo = |v: f32| (v.floor() - 2.0).max(0.0) as u32;
    let hi = |v: f32, end: u32| ((v.ceil() + 2.0).max(0.0) as u32).min(end);
    let (xa, ya, xb, yb) = (lo(frame[0]), lo(frame[1]), hi(frame[2], w), hi(frame[3], h));
    let data = pixmap.data();
    let mut b: Option<PixelBox> = None;
    for y in ya..yb {
        for x in xa..xb {
            let i = ((y * w + x) * 4) as usize;
            if data[i..i + 3] != bg {
                b = Some(match b {
                    None => [x, y, x + 1, y + 1],
                    Some([x1, y1, x2, y2]) => [x1.min(x), y1.min(y), x2.max(x + 1), y2.max(y + 1)],
                });
            }
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::super::scene::{Colour, Size, BACKGROUNDS, PALETTE};
    use super::*;

    fn scene(shapes: Vec<Shape>, texture: Texture) -> Scene {
        Scene {
            width: 100,
            height: 80,
            background: BACKGROUNDS[0],
            texture,
            shapes,
        }
    }

    fn shape(kind: Kind, colour: Colour, cx: f32, cy: f32, side: f32) -> Shape {
        Shape {
            kind,
            colour,
            size: Size::Large,
            cx,
            cy,
            side,
        }
    }

    #[test]
    fn an_aligned_square_fills_exactly_its_frame() {
        let s = scene(
            vec![shape(Kind::Square, PALETTE[4], 30.0, 40.0, 20.0)],
            Texture::Plain,
        );
        assert_eq!(shape_boxes(&s).expect("boxes"), [[20, 30, 40, 50]]);
        let rgb = image(&s, &[0]).expect("draw");
        let at = |x: usize, y: usize| &rgb[(y * 100 + x) * 3..][..3];
        assert_eq!(at(20, 30), PALETTE[4].rgb);
        assert_eq!(at(39, 49), PALETTE[4].rgb);
        assert_eq!(at(40, 49), BACKGROUNDS[0].rgb);
        assert_eq!(at(19, 30), BACKGROUNDS[0].rgb);
    }

    #[test]
    fn boxes_are_tight_for_every_kind() {
        for kind in Kind::ALL {
            let s = scene(
                vec![shape(kind, PALETTE[0], 50.3, 40.6, 31.0)],
                Texture::Plain,
            );
            let rgb = image(&s, &[0]).expect("draw");
            let [x1, y1, x2, y2] = shape_boxes(&s).expect("boxes")[0];
            let f = s.shapes[0].frame();
            assert!(
                x1 as f32 >= f[0].floor() && x2 as f32 <= f[2].ceil() + 1.0,
                "{kind:?}"
            );
            assert!(
                y1 as f32 >= f[1].floor() && y2 as f32 <= f[3].ceil() + 1.0,
                "{kind:?}"
            );
            // Each edge of the box touches a changed pixel.
            let changed =
                |x: u32, y: u32| rgb[((y * 100 + x) * 3) as usize..][..3] != BACKGROUNDS[0].rgb;
            assert!((y1..y2).any(|y| changed(x1, y)) && (y1..y2).any(|y| changed(x2 - 1, y)));
            assert!((x1..x2).any(|x| changed(x, y1)) && (x1..x2).any(|x| changed(x, y2 - 1)));
        }
    }

    #[test]
    fn textures_stay_faint() {
        for t in [Texture::Grid { step: 10.0 }, Texture::Stripes { step: 7.0 }] {
            let rgb = image(&scene(Vec::new(), t), &[]).expect("draw");
            let bg = BACKGROUNDS[0].rgb;
            let mut lined = 0;
            for px in rgb.chunks_exact(3) {
                for c in 0..3 {
                    assert!(bg[c] - px[c] <= TEXTURE_DEPTH);
                }
                lined += usize::from(px != bg);
            }
            assert!(lined > 100, "{t:?} draws lines");
        }
    }
}
