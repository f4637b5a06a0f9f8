//! A scene of `rewasm data boxes`: 2-6 flat shapes on a light background,
//! placed at random by rejection sampling.

use super::rng::Rng;

/// The shapes a scene is made of; each fits a square of side `side`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Circle,
    Square,
    Triangle,
    Star,
    Diamond,
    Hexagon,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Circle,
        Kind::Square,
        Kind::Triangle,
        Kind::Star,
        Kind::Diamond,
        Kind::Hexagon,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Circle => "circle",
            Kind::Square => "square",
            Kind::Triangle => "triangle",
            Kind::Star => "star",
            Kind::Diamond => "diamond",
            Kind::Hexagon => "hexagon",
        }
    }
}

/// A named colour; names and values are far apart so that a name is never
/// in doubt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour {
    pub name: &'static str,
    pub rgb: [u8; 3],
}

pub const PALETTE: [Colour; 7] = [
    Colour {
        name: "red",
        rgb: [214, 39, 40],
    },
    Colour {
        name: "orange",
        rgb: [245, 128, 20],
    },
    Colour {
        name: "yellow",
        rgb: [230, 190, 0],
    },
    Colour {
        name: "green",
        rgb: [34, 150, 60],
    },
    Colour {
        name: "blue",
        rgb: [31, 90, 210],
    },
    Colour {
        name: "purple",
        rgb: [130, 60, 180],
    },
    Colour {
        name: "black",
        rgb: [25, 25, 25],
    },
];

/// Light background colours; every channel is at least 225, far from the
/// palette's.
pub const BACKGROUNDS: [Colour; 5] = [
    Colour {
        name: "white",
        rgb: [255, 255, 255],
    },
    Colour {
        name: "light gray",
        rgb: [236, 236, 236],
    },
    Colour {
        name: "cream",
        rgb: [250, 244, 228],
    },
    Colour {
        name: "pale blue",
        rgb: [232, 240, 250],
    },
    Colour {
        name: "pale green",
        rgb: [235, 247, 235],
    },
];

/// Two size classes far enough apart (at least 1.4x in side) that "small"
/// and "large" are never in doubt between shapes of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Small,
    Large,
}

impl Size {
    pub fn name(self) -> &'static str {
        match self {
            Size::Small => "small",
            Size::Large => "large",
        }
    }

    /// The side's range as a fraction of the image's shorter dimension.
    fn side_range(self) -> (f64, f64) {
        match self {
            Size::Small => (0.09, 0.14),
            Size::Large => (0.20, 0.28),
        }
    }
}

/// A faint pattern under the shapes; it never changes a pixel by more than
/// [`TEXTURE_DEPTH`] from the background colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Texture {
    Plain,
    /// Horizontal and vertical lines every `step` pixels.
    Grid {
        step: f32,
    },
    /// Diagonal lines every `step` pixels.
    Stripes {
        step: f32,
    },
}

impl Texture {
    pub fn name(self) -> &'static str {
        match self {
            Texture::Plain => "plain",
            Texture::Grid { .. } => "grid",
            Texture::Stripes { .. } => "stripes",
        }
    }
}

/// How much darker than the background a texture line is, per channel.
pub const TEXTURE_DEPTH: u8 = 14;

/// One shape: what it is and where (centre and side in pixels).
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub kind: Kind,
    pub colour: Colour,
    pub size: Size,
    pub cx: f32,
    pub cy: f32,
    pub side: f32,
}

impl Shape {
    /// The square the shape is drawn in (the drawn pixels may reach one
    /// pixel further, through anti-aliasing).
    pub fn frame(&self) -> [f32; 4] {
        let h = self.side / 2.0;
        [self.cx - h, self.cy - h, self.cx + h, self.cy + h]
    }
}

/// Everything needed to draw a scene.
#[derive(Debug, Clone)]
pub struct Scene {
    pub width: u32,
    pub height: u32,
    pub background: Colour,
    pub texture: Texture,
    pub shapes: Vec<Shape>,
}

/// Options of the scene generator.
#[derive(Debug, Clone, Copy)]
pub struct SceneOptions {
    pub width: u32,
    pub height: u32,
    pub min_shapes: usize,
    pub max_shapes: usize,
    /// The largest IoU allowed between two shapes' frames; 0 keeps every
    /// pair apart by a gap of a few pixels.
    pub max_overlap: f64,
}

/// Pixels kept free between shapes that may not overlap, and between a
/// shape and the image border.
const GAP: f32 = 4.0;

/// Draws a scene; `None` when the shapes did not fit (the caller draws
/// again).
pub fn random_scene(rng: &mut Rng, opts: &SceneOptions) -> Option<Scene> {
    let (w, h) = (opts.width as f32, opts.height as f32);
    let short = opts.width.min(opts.height) as f64;
    let count = rng.int(opts.min_shapes as i64, opts.max_shapes as i64) as usize;
    let texture = match rng.below(3) {
        0 => Texture::Plain,
        1 => Texture::Grid {
            step: rng.int(12, 32) as f32,
        },
        _ => Texture::Stripes {
            step: rng.int(10, 24) as f32,
        },
    };
    let mut scene = Scene {
        width: opts.width,
        height: opts.height,
        background: *rng.pick(&BACKGROUNDS),
        texture,
        shapes: Vec::with_capacity(count),
    };
    for _ in 0..count {
        let kind = *rng.pick(&Kind::ALL);
        let colour = *rng.pick(&PALETTE);
        let size = if rng.chance(0.5) {
            Size::Small
        } else {
            Size::Large
        };
        let (lo, hi) = size.side_range();
        let side = rng.range(lo * short, hi * short) as f32;
        let half = side / 2.0 + GAP;
        if 2.0 * half >= w || 2.0 * half >= h {
            return None;
        }
        let placed = (0..200).find_map(|_| {
            let shape = Shape {
                kind,
                colour,
                size,
                cx: rng.range(half as f64, (w - half) as f64) as f32,
                cy: rng.range(half as f64, (h - half) as f64) as f32,
                side,
            };
            let fits = scene
                .shapes
                .iter()
                .all(|other| compatible(&shape, other, opts.max_overlap));
            fits.then_some(shape)
        })?;
        scene.shapes.push(placed);
    }
    Some(scene)
}

/// Whether two shapes may be in one scene: apart by [`GAP`], or, when
/// overlap is allowed, with frames overlapping by at most `max_overlap` IoU.
fn compatible(a: &Shape, b: &Shape, max_overlap: f64) -> bool {
    let (fa, fb) = (a.frame(), b.frame());
    let apart = fa[2] + GAP <= fb[0]
        || fb[2] + GAP <= fa[0]
        || fa[3] + GAP <= fb[1]
        || fb[3] + GAP <= fa[1];
    apart || (max_overlap > 0.0 && frame_iou(fa, fb) <= max_overlap)
}

fn frame_iou(a: [f32; 4], b: [f32; 4]) -> f64 {
    let iw = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0) as f64;
    let ih = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0) as f64;
    let inter = iw * ih;
    let area = |f: [f32; 4]| ((f[2] - f[0]) * (f[3] - f[1])) as f64;
    inter / (area(a) + area(b) - inter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenes_fit_the_image_and_keep_shapes_apart() {
        let opts = SceneOptions {
            width: 200,
            height: 120,
            min_shapes: 2,
            max_shapes: 6,
            max_overlap: 0.0,
        };
        let mut drawn = 0;
        for i in 0..200 {
            let mut rng = Rng::for_row(3, 0, i);
            let Some(scene) = random_scene(&mut rng, &opts) else {
                continue;
            };
            drawn += 1;
            assert!((2..=6).contains(&scene.shapes.len()));
            for (k, s) in scene.shapes.iter().enumerate() {
                let f = s.frame();
                assert!(f[0] >= GAP && f[1] >= GAP && f[2] <= 200.0 - GAP && f[3] <= 120.0 - GAP);
                for t in &scene.shapes[k + 1..] {
                    assert_eq!(frame_iou(f, t.frame()), 0.0);
                }
            }
        }
        assert!(drawn > 150, "most draws fit: {drawn}");
    }

    #[test]
    fn overlap_is_bounded_by_the_option() {
        let a = Shape {
            kind: Kind::Circle,
            colour: PALETTE[0],
            size: Size::Large,
            cx: 50.0,
            cy: 50.0,
            side: 40.0,
        };
        let b = Shape {
            cx: 60.0,
            ..a.clone()
        };
        assert!(!compatible(&a, &b, 0.0));
        assert!(compatible(&a, &b, 0.7));
        assert!(!compatible(&a, &b, 0.3));
        let far = Shape {
            cx: 50.0 + 40.0 + GAP,
            ..a.clone()
        };
        assert!(compatible(&a, &far, 0.0));
    }
}
