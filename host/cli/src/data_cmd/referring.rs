//! Referring expressions that pick out exactly one shape of a scene.
//!
//! An expression is a [`Query`] with a meaning over the scene's shapes
//! ([`Query::matches`]); a query is offered for a target only when it
//! matches the target and nothing else, so every expression is unique by
//! construction. Words: `the [small|large] [colour] (kind|shape)`, with an
//! optional extreme (`the leftmost ...`) or a relation to another shape that
//! is itself uniquely described (`... to the left of the green star`).

use serde_json::{json, Value};

use super::draw::PixelBox;
use super::rng::Rng;
use super::scene::{Kind, Shape, Size};

/// An extreme's centre must be this many pixels ahead of every other
/// candidate's, so "leftmost" is never a close call.
pub const EXTREME_MARGIN: f32 = 8.0;

/// What a shape must be.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Attrs {
    pub kind: Option<Kind>,
    pub colour: Option<&'static str>,
    pub size: Option<Size>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Extreme {
    Leftmost,
    Rightmost,
    Topmost,
    Bottommost,
}

/// Where a shape is relative to the anchor: wholly on that side of the
/// anchor's box (pixel edges may touch).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Relation {
    LeftOf,
    RightOf,
    Above,
    Below,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    Anywhere,
    Extreme(Extreme),
    Beside(Relation, Attrs),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub attrs: Attrs,
    pub place: Place,
}

impl Extreme {
    const ALL: [Extreme; 4] = [
        Extreme::Leftmost,
        Extreme::Rightmost,
        Extreme::Topmost,
        Extreme::Bottommost,
    ];

    fn word(self) -> &'static str {
        match self {
            Extreme::Leftmost => "leftmost",
            Extreme::Rightmost => "rightmost",
            Extreme::Topmost => "topmost",
            Extreme::Bottommost => "bottommost",
        }
    }

    /// Smaller is further toward the extreme.
    fn key(self, b: &PixelBox) -> f32 {
        let (cx, cy) = ((b[0] + b[2]) as f32 / 2.0, (b[1] + b[3]) as f32 / 2.0);
        match self {
            Extreme::Leftmost => cx,
            Extreme::Rightmost => -cx,
            Extreme::Topmost => cy,
            Extreme::Bottommost => -cy,
        }
    }
}

impl Relation {
    const ALL: [Relation; 4] = [
        Relation::LeftOf,
        Relation::RightOf,
        Relation::Above,
        Relation::Below,
    ];

    fn words(self) -> &'static str {
        match self {
            Relation::LeftOf => "to the left of",
            Relation::RightOf => "to the right of",
            Relation::Above => "above",
            Relation::Below => "below",
        }
    }

    /// The name in metadata.
    fn name(self) -> &'static str {
        match self {
            Relation::LeftOf => "left of",
            Relation::RightOf => "right of",
            Relation::Above => "above",
            Relation::Below => "below",
        }
    }

    fn holds(self, b: &PixelBox, anchor: &PixelBox) -> bool {
        match self {
            Relation::LeftOf => b[2] <= anchor[0],
            Relation::RightOf => b[0] >= anchor[2],
            Relation::Above => b[3] <= anchor[1],
            Relation::Below => b[1] >= anchor[3],
        }
    }
}

impl Attrs {
    fn of(shape: &Shape, kind: bool, colour: bool, size: bool) -> Self {
        Attrs {
            kind: kind.then_some(shape.kind),
            colour: colour.then_some(shape.colour.name),
            size: size.then_some(shape.size),
        }
    }

    fn admits(&self, s: &Shape) -> bool {
        self.kind.is_none_or(|k| k == s.kind)
            && self.colour.is_none_or(|c| c == s.colour.name)
            && self.size.is_none_or(|z| z == s.size)
    }

    /// `[size] [colour] kind-or-"shape"`.
    fn phrase(&self) -> String {
        let words: Vec<&str> = [
            self.size.map(Size::name),
            self.colour,
            Some(self.kind.map_or("shape", Kind::name)),
        ]
        .into_iter()
        .flatten()
        .collect();
        words.join(" ")
    }

    fn to_json(self) -> Value {
        json!({
            "kind": self.kind.map(Kind::name),
            "color": self.colour,
            "size": self.size.map(Size::name),
        })
    }

    fn matching(&self, shapes: &[Shape]) -> Vec<usize> {
        (0..shapes.len())
            .filter(|&i| self.admits(&shapes[i]))
            .collect()
    }
}

impl Query {
    /// The shapes the query picks out.
    pub fn matches(&self, shapes: &[Shape], boxes: &[PixelBox]) -> Vec<usize> {
        let candidates = self.attrs.matching(shapes);
        match &self.place {
            Place::Anywhere => candidates,
            Place::Extreme(e) => {
                if candidates.len() < 2 {
                    // "the leftmost circle" of a single circle reads wrong.
                    return Vec::new();
                }
                candidates
                    .iter()
                    .copied()
                    .filter(|&i| {
                        candidates.iter().all(|&j| {
                            j == i || e.key(&boxes[i]) + EXTREME_MARGIN <= e.key(&boxes[j])
                        })
                    })
                    .collect()
            }
            Place::Beside(rel, anchor) => {
                let anchors = anchor.matching(shapes);
                let [a] = anchors[..] else {
                    return Vec::new();
                };
                candidates
                    .into_iter()
                    .filter(|&i| i != a && rel.holds(&boxes[i], &boxes[a]))
                    .collect()
            }
        }
    }

    /// The English expression, starting with "the".
    pub fn text(&self) -> String {
        let phrase = self.attrs.phrase();
        match &self.place {
            Place::Anywhere => format!("the {phrase}"),
            Place::Extreme(e) => format!("the {} {phrase}", e.word()),
            Place::Beside(rel, anchor) => {
                format!("the {phrase} {} the {}", rel.words(), anchor.phrase())
            }
        }
    }

    /// The query in the row's metadata, for checking it elsewhere.
    pub fn to_json(&self) -> Value {
        let mut v = self.attrs.to_json();
        let (extreme, relation, anchor) = match &self.place {
            Place::Anywhere => (None, None, Value::Null),
            Place::Extreme(e) => (Some(e.word()), None, Value::Null),
            Place::Beside(rel, a) => (None, Some(rel.name()), a.to_json()),
        };
        v["extreme"] = json!(extreme);
        v["relation"] = json!(relation);
        v["anchor"] = anchor;
        v
    }
}

/// The attribute sets that may describe a shape: size only with a kind.
const ATTR_SETS: [(bool, bool, bool); 5] = [
    (true, false, false),
    (false, true, false),
    (true, true, false),
    (true, false, true),
    (true, true, true),
];

/// A random query that picks out `target` alone, or `None` when the scene
/// has no unique description of it.
pub fn describe(
    rng: &mut Rng,
    shapes: &[Shape],
    boxes: &[PixelBox],
    target: usize,
) -> Option<Query> {
    let t = &shapes[target];
    let unique = |q: &Query| q.matches(shapes, boxes) == [target];
    let attrs_of = |s: &Shape| ATTR_SETS.map(|(k, c, z)| Attrs::of(s, k, c, z));

    let simple: Vec<Query> = attrs_of(t)
        .into_iter()
        .map(|attrs| Query {
            attrs,
            place: Place::Anywhere,
        })
        .filter(unique)
        .collect();

    let mut extreme = Vec::new();
    for attrs in std::iter::once(Attrs::default()).chain(attrs_of(t)) {
        for e in Extreme::ALL {
            let q = Query {
                attrs,
                place: Place::Extreme(e),
            };
            if unique(&q) {
                extreme.push(q);
            }
        }
    }

    let mut beside = Vec::new();
    for (j, anchor) in shapes.iter().enumerate() {
        if j == target {
            continue;
        }
        // The anchor's shortest unique description.
        let Some(anchor_attrs) = attrs_of(anchor)
            .into_iter()
            .find(|a| a.matching(shapes) == [j])
        else {
            continue;
        };
        for attrs in attrs_of(t).into_iter().take(3) {
            for rel in Relation::ALL {
                let q = Query {
                    attrs,
                    place: Place::Beside(rel, anchor_attrs),
                };
                if unique(&q) {
                    beside.push(q);
                }
            }
        }
    }

    let kinds: Vec<(f64, Vec<Query>)> = [(0.4, simple), (0.35, beside), (0.25, extreme)]
        .into_iter()
        .filter(|(_, qs)| !qs.is_empty())
        .collect();
    let total: f64 = kinds.iter().map(|(w, _)| w).sum();
    let mut roll = rng.unit() * total;
    for (w, qs) in &kinds {
        if roll < *w {
            return Some(rng.pick(qs).clone());
        }
        roll -= w;
    }
    kinds.last().map(|(_, qs)| rng.pick(qs).clone())
}

#[cfg(test)]
mod tests {
    use super::super::scene::PALETTE;
    use super::*;

    fn shape(kind: Kind, colour: usize, size: Size) -> Shape {
        Shape {
            kind,
            colour: PALETTE[colour],
            size,
            cx: 0.0,
            cy: 0.0,
            side: 10.0,
        }
    }

    /// red circle (left, small), blue circle (middle, large), red square (right).
    fn scene() -> (Vec<Shape>, Vec<PixelBox>) {
        (
            vec![
                shape(Kind::Circle, 0, Size::Small),
                shape(Kind::Circle, 4, Size::Large),
                shape(Kind::Square, 0, Size::Small),
            ],
            vec![[0, 0, 10, 10], [20, 0, 40, 20], [50, 30, 60, 40]],
        )
    }

    #[test]
    fn queries_mean_what_they_say() {
        let (shapes, boxes) = scene();
        let q = |attrs: Attrs, place: Place| Query { attrs, place }.matches(&shapes, &boxes);
        let circle = Attrs {
            kind: Some(Kind::Circle),
            ..Attrs::default()
        };
        let red = Attrs {
            colour: Some("red"),
            ..Attrs::default()
        };
        assert_eq!(q(circle, Place::Anywhere), [0, 1]);
        assert_eq!(q(red, Place::Anywhere), [0, 2]);
        assert_eq!(q(circle, Place::Extreme(Extreme::Leftmost)), [0]);
        assert_eq!(q(circle, Place::Extreme(Extreme::Rightmost)), [1]);
        assert_eq!(
            q(Attrs::default(), Place::Extreme(Extreme::Bottommost)),
            [2]
        );
        let square = Attrs {
            kind: Some(Kind::Square),
            ..Attrs::default()
        };
        assert_eq!(
            q(square, Place::Extreme(Extreme::Leftmost)),
            [] as [usize; 0],
            "one square"
        );
        assert_eq!(
            q(
                red,
                Place::Beside(
                    Relation::LeftOf,
                    Attrs {
                        colour: Some("blue"),
                        ..Attrs::default()
                    }
                )
            ),
            [0]
        );
        assert_eq!(q(circle, Place::Beside(Relation::Above, square)), [0, 1]);
        assert_eq!(
            q(circle, Place::Beside(Relation::LeftOf, red)),
            [] as [usize; 0],
            "anchor not unique"
        );
    }

    #[test]
    fn described_targets_are_unique_and_read_well() {
        let (shapes, boxes) = scene();
        for seed in 0..50 {
            let mut rng = Rng::for_row(seed, 0, 0);
            for target in 0..3 {
                let q = describe(&mut rng, &shapes, &boxes, target).expect("describable");
                assert_eq!(q.matches(&shapes, &boxes), [target], "{}", q.text());
                assert!(q.text().starts_with("the "));
            }
        }
        let q = Query {
            attrs: Attrs {
                kind: Some(Kind::Circle),
                colour: Some("red"),
                size: Some(Size::Small),
            },
            place: Place::Beside(
                Relation::LeftOf,
                Attrs {
                    colour: Some("blue"),
                    ..Attrs::default()
                },
            ),
        };
        assert_eq!(
            q.text(),
            "the small red circle to the left of the blue shape"
        );
        assert_eq!(q.to_json()["relation"], "left of");
        assert_eq!(q.to_json()["anchor"]["color"], "blue");
    }

    #[test]
    fn twins_are_told_apart_by_place_or_not_at_all() {
        let twins = vec![
            shape(Kind::Star, 1, Size::Small),
            shape(Kind::Star, 1, Size::Small),
        ];
        let far = vec![[0, 0, 10, 10], [30, 0, 40, 10]];
        let mut rng = Rng::for_row(0, 0, 0);
        let q = describe(&mut rng, &twins, &far, 1).expect("the rightmost star");
        assert_eq!(q.matches(&twins, &far), [1]);
        let near = vec![[0, 0, 10, 10], [4, 0, 14, 10]];
        assert!(describe(&mut rng, &twins, &near, 1).is_none());
    }
}
