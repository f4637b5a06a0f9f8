//! Image similarity: mean SSIM of luminance over 8x8 windows (stride 4),
//! clamped to [0, 1].

use crate::render::Image;

const WIN: usize = 8;
const STRIDE: usize = 4;

fn luma(img: &Image) -> Vec<f64> {
    img.rgba
        .chunks_exact(4)
        .map(|p| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64)
        .collect()
}

/// Summed-area table with a zero first row and column.
fn integral(w: usize, h: usize, v: impl Fn(usize) -> f64) -> Vec<f64> {
    let mut t = vec![0.0; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0.0;
        for x in 0..w {
            row += v(y * w + x);
            t[(y + 1) * (w + 1) + x + 1] = t[y * (w + 1) + x + 1] + row;
        }
    }
    t
}

/// Mean structural similarity of two images of the same size, in [0, 1]
/// (negative window scores count as 0); 0 when the sizes differ, 1 for
/// identical images.
pub fn image_similarity(a: &Image, b: &Image) -> f64 {
    if a.width != b.width || a.height != b.height || a.rgba.len() != b.rgba.len() {
        return 0.0;
    }
    if a.rgba == b.rgba {
        return 1.0;
    }
    let (w, h) = (a.width as usize, a.height as usize);
    if w < WIN || h < WIN {
        return 0.0;
    }
    let (la, lb) = (luma(a), luma(b));
    let sa = integral(w, h, |i| la[i]);
    let sb = integral(w, h, |i| lb[i]);
    let saa = integral(w, h, |i| la[i] * la[i]);
    let sbb = integral(w, h, |i| lb[i] * lb[i]);
    let sab = integral(w, h, |i| la[i] * lb[i]);
    let area = |t: &[f64], x: usize, y: usize| {
        let (x1, y1) = (x + WIN, y + WIN);
        t[y1 * (w + 1) + x1] - t[y * (w + 1) + x1] - t[y1 * (w + 1) + x] + t[y * (w + 1) + x]
    };
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let n = (WIN * WIN) as f64;
    let (mut total, mut count) = (0.0, 0usize);
    let mut y = 0;
    while y + WIN <= h {
        let mut x = 0;
        while x + WIN <= w {
            let (ma, mb) = (area(&sa, x, y) / n, area(&sb, x, y) / n);
            let va = (area(&saa, x, y) / n - ma * ma).max(0.0);
            let vb = (area(&sbb, x, y) / n - mb * mb).max(0.0);
            let cov = area(&sab, x, y) / n - ma * mb;
            let s = ((2.0 * ma * mb + c1) * (2.0 * cov + c2))
                / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            total += s.clamp(0.0, 1.0);
            count += 1;
            x += STRIDE;
        }
        y += STRIDE;
    }
    if count == 0 {
        0.0
    } else {
        (total / count as f64).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(w: u32, h: u32, f: impl Fn(u32, u32) -> u8) -> Image {
        let mut rgba = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let v = f(x, y);
                rgba.extend([v, v, v, 255]);
            }
        }
        Image {
            width: w,
            height: h,
            rgba,
        }
    }

    #[test]
    fn identical_is_one_and_different_is_less() {
        let a = image(32, 32, |x, y| ((x * 7 + y * 3) % 255) as u8);
        assert_eq!(image_similarity(&a, &a.clone()), 1.0);
        let noisy = image(32, 32, |x, y| {
            (((x * 7 + y * 3) % 255) as u8).saturating_add(((x * y) % 5) as u8)
        });
        let s = image_similarity(&a, &noisy);
        assert!(s > 0.8 && s < 1.0, "{s}");
        let inverted = image(32, 32, |x, y| 255 - ((x * 7 + y * 3) % 255) as u8);
        assert!(image_similarity(&a, &inverted) < 0.2);
        assert_eq!(image_similarity(&a, &image(16, 32, |_, _| 0)), 0.0);
    }
}
