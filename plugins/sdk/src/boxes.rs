//! Axis-aligned boxes and their continuous IoU (the `iou` built-in scores with
//! these).
//!
//! Area is `(x2 - x1) * (y2 - y1)` (continuous coordinates, no `+1`). A box
//! with reversed corners (`x2 < x1` or `y2 < y1`) or a non-finite coordinate
//! is degenerate: its area is 0 and its IoU with anything is 0. Reordering
//! the corners instead would reward a model for writing boxes backwards.

/// A box `[x1, y1, x2, y2]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

impl BBox {
    pub fn new(x1: f64, y1: f64, x2: f64, y2: f64) -> BBox {
        BBox { x1, y1, x2, y2 }
    }

    pub fn from_array(c: [f64; 4]) -> BBox {
        BBox::new(c[0], c[1], c[2], c[3])
    }

    pub fn is_finite(&self) -> bool {
        self.x1.is_finite() && self.y1.is_finite() && self.x2.is_finite() && self.y2.is_finite()
    }

    pub fn is_reversed(&self) -> bool {
        self.x2 < self.x1 || self.y2 < self.y1
    }

    /// Degenerate boxes never overlap anything.
    pub fn is_degenerate(&self) -> bool {
        !self.is_finite() || self.is_reversed()
    }

    pub fn area(&self) -> f64 {
        if self.is_degenerate() {
            return 0.0;
        }
        let a = (self.x2 - self.x1) * (self.y2 - self.y1);
        if a.is_finite() {
            a
        } else {
            0.0
        }
    }

    /// The box with x scaled by `sx` and y by `sy`.
    pub fn scaled(&self, sx: f64, sy: f64) -> BBox {
        BBox::new(self.x1 * sx, self.y1 * sy, self.x2 * sx, self.y2 * sy)
    }

    /// Each coordinate clamped into `[0, w] x [0, h]`; a box wholly outside
    /// becomes a zero-area box on the border. Reversed boxes stay reversed.
    pub fn clipped(&self, w: f64, h: f64) -> BBox {
        // f64::clamp keeps NaN, so a NaN box stays degenerate.
        BBox::new(
            self.x1.clamp(0.0, w),
            self.y1.clamp(0.0, h),
            self.x2.clamp(0.0, w),
            self.y2.clamp(0.0, h),
        )
    }
}

/// Intersection over union in [0, 1]; 0 when either box is degenerate or
/// the union is empty (two identical zero-area boxes do not overlap).
pub fn iou(a: &BBox, b: &BBox) -> f64 {
    if a.is_degenerate() || b.is_degenerate() {
        return 0.0;
    }
    let w = a.x2.min(b.x2) - a.x1.max(b.x1);
    let h = a.y2.min(b.y2) - a.y1.max(b.y1);
    if w <= 0.0 || h <= 0.0 {
        return 0.0;
    }
    let inter = w * h;
    let union = a.area() + b.area() - inter;
    let r = inter / union;
    if r.is_finite() && union > 0.0 {
        r.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_boxes_have_iou_one() {
        let a = BBox::new(10.0, 10.0, 20.0, 30.0);
        assert_eq!(iou(&a, &a), 1.0);
    }

    #[test]
    fn continuous_area_has_no_plus_one() {
        assert_eq!(BBox::new(0.0, 0.0, 10.0, 5.0).area(), 50.0);
        // Half overlap along x: inter 50, union 150.
        let a = BBox::new(0.0, 0.0, 10.0, 10.0);
        let b = BBox::new(5.0, 0.0, 15.0, 10.0);
        assert!((iou(&a, &b) - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn disjoint_and_touching_boxes_have_iou_zero() {
        let a = BBox::new(0.0, 0.0, 1.0, 1.0);
        assert_eq!(iou(&a, &BBox::new(2.0, 2.0, 3.0, 3.0)), 0.0);
        assert_eq!(iou(&a, &BBox::new(1.0, 0.0, 2.0, 1.0)), 0.0);
    }

    #[test]
    fn contained_box_iou_is_area_ratio() {
        let outer = BBox::new(0.0, 0.0, 4.0, 4.0);
        let inner = BBox::new(1.0, 1.0, 3.0, 3.0);
        assert_eq!(iou(&outer, &inner), 0.25);
        assert_eq!(iou(&inner, &outer), 0.25);
    }

    #[test]
    fn reversed_boxes_are_zero_area_not_reordered() {
        let gt = BBox::new(0.0, 0.0, 10.0, 10.0);
        let reversed = BBox::new(10.0, 10.0, 0.0, 0.0);
        assert!(reversed.is_degenerate());
        assert_eq!(reversed.area(), 0.0);
        assert_eq!(iou(&gt, &reversed), 0.0);
        assert_eq!(iou(&BBox::new(0.0, 10.0, 10.0, 0.0), &gt), 0.0);
    }

    #[test]
    fn non_finite_boxes_are_degenerate() {
        let gt = BBox::new(0.0, 0.0, 10.0, 10.0);
        for b in [
            BBox::new(f64::NAN, 0.0, 10.0, 10.0),
            BBox::new(0.0, 0.0, f64::INFINITY, 10.0),
            BBox::new(f64::NEG_INFINITY, 0.0, 10.0, 10.0),
        ] {
            assert!(b.is_degenerate());
            assert_eq!(iou(&gt, &b), 0.0);
        }
    }

    #[test]
    fn zero_area_boxes_have_iou_zero_even_with_themselves() {
        let line = BBox::new(0.0, 0.0, 0.0, 5.0);
        assert_eq!(iou(&line, &line), 0.0);
    }

    #[test]
    fn huge_boxes_stay_finite() {
        let a = BBox::new(-1e300, -1e300, 1e300, 1e300);
        let b = BBox::new(0.0, 0.0, 1.0, 1.0);
        let r = iou(&a, &b);
        assert!(r.is_finite() && (0.0..=1.0).contains(&r), "{r}");
        assert_eq!(
            iou(&a, &a),
            0.0,
            "area overflows to infinity and is treated as 0"
        );
    }

    #[test]
    fn clipping_cuts_boxes_to_the_image() {
        let b = BBox::new(-5.0, -5.0, 5.0, 5.0).clipped(100.0, 100.0);
        assert_eq!(b, BBox::new(0.0, 0.0, 5.0, 5.0));
        let outside = BBox::new(150.0, 150.0, 200.0, 200.0).clipped(100.0, 100.0);
        assert_eq!(outside.area(), 0.0);
        assert!(BBox::new(f64::NAN, 0.0, 1.0, 1.0)
            .clipped(1.0, 1.0)
            .is_degenerate());
    }

    #[test]
    fn scaling_is_per_axis() {
        assert_eq!(
            BBox::new(1.0, 2.0, 3.0, 4.0).scaled(2.0, 0.5),
            BBox::new(2.0, 1.0, 6.0, 2.0)
        );
    }
}
