//! Dequantization of tensor data to f32.
//!
//! Supported: F32, F16, BF16, F64, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 (32-element blocks) and Q4_K,
//! Q5_K, Q6_K (256-element super-blocks). Block layouts, all little-endian:
//!
//! | type | bytes | layout |
//! |------|-------|--------|
//! | Q4_0 | 18  | f16 `d`; 16 bytes of nibbles, low nibbles are elements 0..16, high 16..32; `x = d * (q - 8)` |
//! | Q4_1 | 20  | f16 `d`, f16 `m`; nibbles as Q4_0; `x = d * q + m` |
//! | Q5_0 | 22  | f16 `d`; u32 `qh` (bit `i` is the 5th bit of element `i`); nibbles; `x = d * (q - 16)` |
//! | Q5_1 | 24  | f16 `d`, f16 `m`; u32 `qh`; nibbles; `x = d * q + m` |
//! | Q8_0 | 34  | f16 `d`; 32 × i8; `x = q * d` |
//! | Q4_K | 144 | f16 `d`, f16 `dmin`; 12 bytes of 6-bit scales/mins for 8 sub-blocks of 32; 128 bytes of nibbles |
//! | Q5_K | 176 | as Q4_K, plus 32 bytes `qh` between the scales and the nibbles |
//! | Q6_K | 210 | 128 bytes low nibbles `ql`, 64 bytes 2-bit highs `qh`, 16 × i8 scales, f16 `d` |
//!
//! The arithmetic is done in the order `(d * scale) * q - (dmin * min)` so that results match the
//! reference implementation bit for bit, not just to rounding.

use crate::ggml_type::GgmlType;

/// A dense f32 tensor in row-major order; `shape` is slowest axis first (Hugging Face order).
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// Dequantizes `bytes` holding whole blocks of `ty` (a trailing partial block is ignored).
/// Returns `Err(type name)` for a type this crate cannot dequantize.
pub fn dequantize(ty: GgmlType, bytes: &[u8]) -> Result<Vec<f32>, &'static str> {
    let block: fn(&[u8], &mut Vec<f32>) = match ty {
        GgmlType::F32 => |b, out| out.push(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        GgmlType::F16 => |b, out| out.push(f16_to_f32(u16::from_le_bytes([b[0], b[1]]))),
        GgmlType::BF16 => |b, out| out.push(bf16_to_f32(u16::from_le_bytes([b[0], b[1]]))),
        GgmlType::F64 => |b, out| {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            out.push(f64::from_le_bytes(a) as f32)
        },
        GgmlType::Q4_0 => q4_0,
        GgmlType::Q4_1 => q4_1,
        GgmlType::Q5_0 => q5_0,
        GgmlType::Q5_1 => q5_1,
        GgmlType::Q8_0 => q8_0,
        GgmlType::Q4_K => q4_k,
        GgmlType::Q5_K => q5_k,
        GgmlType::Q6_K => q6_k,
        other => return Err(other.name()),
    };
    let type_size = ty.type_size() as usize;
    let mut out = Vec::with_capacity(bytes.len() / type_size * ty.block_size() as usize);
    for chunk in bytes.chunks_exact(type_size) {
        block(chunk, &mut out);
    }
    Ok(out)
}

/// IEEE half precision to f32 (exact: every f16 is representable).
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1f);
    let mant = u32::from(h & 0x3ff);
    let bits = match (exp, mant) {
        (0, 0) => sign,
        // Subnormal: mant * 2^-24, exact in f32.
        (0, _) => {
            let v = mant as f32 * f32::from_bits(0x3380_0000);
            return if sign != 0 { -v } else { v };
        }
        (0x1f, 0) => sign | 0x7f80_0000,
        (0x1f, _) => sign | 0x7fc0_0000 | (mant << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (mant << 13),
    };
    f32::from_bits(bits)
}

/// bfloat16 to f32: the top half of an f32.
pub fn bf16_to_f32(h: u16) -> f32 {
    f32::from_bits(u32::from(h) << 16)
}

fn f16_at(b: &[u8], i: usize) -> f32 {
    f16_to_f32(u16::from_le_bytes([b[i], b[i + 1]]))
}

fn q4_0(b: &[u8], out: &mut Vec<f32>) {
    let d = f16_at(b, 0);
    let qs = &b[2..18];
    out.extend(qs.iter().map(|&q| d * (i32::from(q & 0xf) - 8) as f32));
    out.extend(qs.iter().map(|&q| d * (i32::from(q >> 4) - 8) as f32));
}

fn q4_1(b: &[u8], out: &mut Vec<f32>) {
    let d = f16_at(b, 0);
    let m = f16_at(b, 2);
    let qs = &b[4..20];
    out.extend(qs.iter().map(|&q| d * f32::from(q & 0xf) + m));
    out.extend(qs.iter().map(|&q| d * f32::from(q >> 4) + m));
}

/// The 32 five-bit values of a Q5_0/Q5_1 block: `qh` bit `i` is bit 4 of element `i`.
fn five_bit(qh: [u8; 4], qs: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let qh = u32::from_le_bytes(qh);
    (0..32).map(move |i| {
        let low = if i < 16 { qs[i] & 0xf } else { qs[i - 16] >> 4 };
        let high = ((qh >> i) & 1) as u8;
        low | (high << 4)
    })
}

fn q5_0(b: &[u8], out: &mut Vec<f32>) {
    let d = f16_at(b, 0);
    let qh = [b[2], b[3], b[4], b[5]];
    out.extend(five_bit(qh, &b[6..22]).map(|q| d * (i32::from(q) - 16) as f32));
}

fn q5_1(b: &[u8], out: &mut Vec<f32>) {
    let d = f16_at(b, 0);
    let m = f16_at(b, 2);
    let qh = [b[4], b[5], b[6], b[7]];
    out.extend(five_bit(qh, &b[8..24]).map(|q| d * f32::from(q) + m));
}

fn q8_0(b: &[u8], out: &mut Vec<f32>) {
    let d = f16_at(b, 0);
    out.extend(b[2..34].iter().map(|&q| f32::from(q as i8) * d));
}

/// Scale and min of sub-block `j` (0..8) from the 12 packed bytes of Q4_K/Q5_K. Sub-blocks 0..4
/// keep their 6 bits in the low bits of bytes `j` (scale) and `j + 4` (min); sub-blocks 4..8 keep
/// their low 4 bits in byte `j + 4` and their top 2 bits in the top bits of bytes `j - 4` and `j`.
fn k_scale_min(scales: &[u8], j: usize) -> (u8, u8) {
    if j < 4 {
        (scales[j] & 63, scales[j + 4] & 63)
    } else {
        (
            (scales[j + 4] & 0xf) | ((scales[j - 4] >> 6) << 4),
            (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4),
        )
    }
}

/// Q4_K and Q5_K share the scheme: 8 sub-blocks of 32; sub-blocks `2c` and `2c + 1` take the low
/// and high nibbles of bytes `32c..32c + 32`; Q5_K adds bit `2c` / `2c + 1` of `qh[l]` as bit 4.
fn k_quant_4_5(b: &[u8], qh: Option<&[u8]>, qs: &[u8], out: &mut Vec<f32>) {
    let d = f16_at(b, 0);
    let dmin = f16_at(b, 2);
    let scales = &b[4..16];
    for c in 0..4 {
        let nibbles = &qs[32 * c..32 * c + 32];
        for half in 0..2 {
            let j = 2 * c + half;
            let (sc, m) = k_scale_min(scales, j);
            let scale = d * f32::from(sc);
            let min = dmin * f32::from(m);
            for (l, &byte) in nibbles.iter().enumerate() {
                let low = if half == 0 { byte & 0xf } else { byte >> 4 };
                let high = qh.map_or(0, |qh| ((qh[l] >> j) & 1) << 4);
                out.push(scale * f32::from(low | high) - min);
            }
        }
    }
}

fn q4_k(b: &[u8], out: &mut Vec<f32>) {
    k_quant_4_5(b, None, &b[16..144], out);
}

fn q5_k(b: &[u8], out: &mut Vec<f32>) {
    k_quant_4_5(b, Some(&b[16..48]), &b[48..176], out);
}

/// 16 sub-blocks of 16 with i8 scales. Each half (128 elements) uses 64 bytes of `ql` and 32 of
/// `qh`; element `l + 32k` (k = 0..4) takes the low (k = 0, 1) or high (k = 2, 3) nibble of
/// `ql[l + 32 * (k % 2)]` and bits `2k..2k + 2` of `qh[l]`, minus 32.
fn q6_k(b: &[u8], out: &mut Vec<f32>) {
    let d = f16_at(b, 208);
    let scales = &b[192..208];
    for half in 0..2 {
        let ql = &b[64 * half..64 * half + 64];
        let qh = &b[128 + 32 * half..128 + 32 * half + 32];
        let sc = &scales[8 * half..8 * half + 8];
        for k in 0..4 {
            for l in 0..32 {
                let byte = ql[l + 32 * (k % 2)];
                let low = if k < 2 { byte & 0xf } else { byte >> 4 };
                let high = (qh[l] >> (2 * k)) & 3;
                let q = i32::from(low | (high << 4)) - 32;
                let scale = d * f32::from(sc[l / 16 + 2 * k] as i8);
                out.push(scale * q as f32);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f16_bits(x: f32) -> [u8; 2] {
        // Only exact f16 values are used in these tests; find the bits by search.
        (0..=u16::MAX)
            .find(|&h| f16_to_f32(h) == x)
            .expect("value representable in f16")
            .to_le_bytes()
    }

    #[test]
    fn f16_conversion_covers_all_classes() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x8001), -(2f32.powi(-24)));
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x7c00), f32::INFINITY);
        assert!(f16_to_f32(0x7e00).is_nan());
        assert_eq!(f16_to_f32(0x8000).to_bits(), 0x8000_0000);
        assert_eq!(bf16_to_f32(0x3f80), 1.0);
        assert_eq!(bf16_to_f32(0xc0a0), -5.0);
    }

    #[test]
    fn float_types() {
        let f16s: Vec<u8> = [0x3c00u16, 0xc400]
            .iter()
            .flat_map(|h| h.to_le_bytes())
            .collect();
        assert_eq!(dequantize(GgmlType::F16, &f16s), Ok(vec![1.0, -4.0]));
        let bf16s: Vec<u8> = [0x4040u16].iter().flat_map(|h| h.to_le_bytes()).collect();
        assert_eq!(dequantize(GgmlType::BF16, &bf16s), Ok(vec![3.0]));
        assert_eq!(
            dequantize(GgmlType::F64, &(-0.5f64).to_le_bytes()),
            Ok(vec![-0.5])
        );
    }

    #[test]
    fn q4_0_block() {
        let mut b = f16_bits(0.5).to_vec();
        // byte i: low nibble i, high nibble 15 - i
        b.extend((0..16u8).map(|i| i | ((15 - i) << 4)));
        let x = dequantize(GgmlType::Q4_0, &b).expect("q4_0");
        assert_eq!(x.len(), 32);
        for i in 0..16 {
            assert_eq!(x[i], 0.5 * (i as f32 - 8.0));
            assert_eq!(x[16 + i], 0.5 * (15.0 - i as f32 - 8.0));
        }
    }

    #[test]
    fn q4_1_block() {
        let mut b = f16_bits(0.25).to_vec();
        b.extend(f16_bits(-1.0));
        b.extend((0..16u8).map(|i| i | (3 << 4)));
        let x = dequantize(GgmlType::Q4_1, &b).expect("q4_1");
        assert_eq!(x[5], 0.25 * 5.0 - 1.0);
        assert_eq!(x[15], 0.25 * 15.0 - 1.0);
        assert!(x[16..].iter().all(|&v| v == 0.25 * 3.0 - 1.0));
    }

    #[test]
    fn q5_0_and_q5_1_blocks() {
        // qh: bit i set for odd i, so odd elements get +16.
        let qh = 0xAAAA_AAAAu32.to_le_bytes();
        let qs: Vec<u8> = (0..16u8).map(|i| i | ((15 - i) << 4)).collect();
        let expect_q = |i: usize| -> f32 {
            let low = if i < 16 { i as f32 } else { (31 - i) as f32 };
            low + if i % 2 == 1 { 16.0 } else { 0.0 }
        };
        let mut b = f16_bits(2.0).to_vec();
        b.extend(qh);
        b.extend(&qs);
        let x = dequantize(GgmlType::Q5_0, &b).expect("q5_0");
        for (i, &v) in x.iter().enumerate() {
            assert_eq!(v, 2.0 * (expect_q(i) - 16.0), "element {i}");
        }
        let mut b = f16_bits(2.0).to_vec();
        b.extend(f16_bits(0.5));
        b.extend(qh);
        b.extend(&qs);
        let x = dequantize(GgmlType::Q5_1, &b).expect("q5_1");
        for (i, &v) in x.iter().enumerate() {
            assert_eq!(v, 2.0 * expect_q(i) + 0.5, "element {i}");
        }
    }

    #[test]
    fn q8_0_blocks() {
        let mut b = f16_bits(0.125).to_vec();
        b.extend((0..32).map(|i| (i as i8 - 16) as u8));
        b.extend(f16_bits(-1.0));
        b.extend((0..32).map(|i| (i as i8 * 4) as u8));
        let x = dequantize(GgmlType::Q8_0, &b).expect("q8_0");
        assert_eq!(x.len(), 64);
        assert_eq!(x[0], -2.0);
        assert_eq!(x[31], 15.0 * 0.125);
        assert_eq!(x[32 + 31], -124.0);
    }

    /// Packs eight 6-bit (scale, min) pairs the way Q4_K/Q5_K store them.
    fn pack_k_scales(sc: [u8; 8], mn: [u8; 8]) -> [u8; 12] {
        let mut p = [0u8; 12];
        for j in 0..4 {
            p[j] = sc[j] | ((sc[j + 4] >> 4) << 6);
            p[j + 4] = mn[j] | ((mn[j + 4] >> 4) << 6);
            p[j + 8] = (sc[j + 4] & 0xf) | ((mn[j + 4] & 0xf) << 4);
        }
        p
    }

    #[test]
    fn k_scales_round_trip() {
        let sc = [1, 63, 17, 32, 45, 2, 60, 33];
        let mn = [0, 5, 63, 40, 19, 62, 7, 48];
        let p = pack_k_scales(sc, mn);
        for j in 0..8 {
            assert_eq!(k_scale_min(&p, j), (sc[j], mn[j]), "sub-block {j}");
        }
    }

    #[test]
    fn q4_k_and_q5_k_blocks() {
        let sc = [1, 2, 3, 4, 5, 6, 7, 8];
        let mn = [8, 7, 6, 5, 4, 3, 2, 1];
        let nib = |i: usize| (i % 16) as u8;
        let mut qs = [0u8; 128];
        for c in 0..4 {
            for l in 0..32 {
                // sub-block 2c gets l % 16, sub-block 2c + 1 gets (l + 3) % 16
                qs[32 * c + l] = nib(l) | (nib(l + 3) << 4);
            }
        }
        let head = |b: &mut Vec<u8>| {
            b.extend(f16_bits(0.5));
            b.extend(f16_bits(0.25));
            b.extend(pack_k_scales(sc, mn));
        };
        let mut b = Vec::new();
        head(&mut b);
        b.extend(qs);
        let x = dequantize(GgmlType::Q4_K, &b).expect("q4_k");
        assert_eq!(x.len(), 256);
        let expect = |i: usize, high: u8| {
            let j = i / 32;
            let l = i % 32;
            let q = if j.is_multiple_of(2) {
                nib(l)
            } else {
                nib(l + 3)
            } + high;
            0.5 * f32::from(sc[j]) * f32::from(q) - 0.25 * f32::from(mn[j])
        };
        for (i, &v) in x.iter().enumerate() {
            assert_eq!(v, expect(i, 0), "q4_k element {i}");
        }
        // Q5_K: qh[l] has bit j set when l is even, for every sub-block j.
        let mut b = Vec::new();
        head(&mut b);
        b.extend((0..32).map(|l| if l % 2 == 0 { 0xff } else { 0 }));
        b.extend(qs);
        let x = dequantize(GgmlType::Q5_K, &b).expect("q5_k");
        for (i, &v) in x.iter().enumerate() {
            let high = if (i % 32) % 2 == 0 { 16 } else { 0 };
            assert_eq!(v, expect(i, high), "q5_k element {i}");
        }
    }

    #[test]
    fn q6_k_block() {
        // Build from intended 6-bit values q[i] = i % 64 and scales s[k] = k - 8.
        let q = |i: usize| (i % 64) as u8;
        let mut ql = [0u8; 128];
        let mut qh = [0u8; 64];
        for half in 0..2 {
            for k in 0..4 {
                for l in 0..32 {
                    let v = q(128 * half + 32 * k + l);
                    let idx = 64 * half + l + 32 * (k % 2);
                    ql[idx] |= if k < 2 { v & 0xf } else { (v & 0xf) << 4 };
                    qh[32 * half + l] |= (v >> 4) << (2 * k);
                }
            }
        }
        let mut b = ql.to_vec();
        b.extend(qh);
        b.extend((0..16).map(|k| (k as i8 - 8) as u8));
        b.extend(f16_bits(0.5));
        assert_eq!(b.len(), 210);
        let x = dequantize(GgmlType::Q6_K, &b).expect("q6_k");
        for (i, &v) in x.iter().enumerate() {
            let scale = 0.5 * (i / 16) as f32 - 4.0;
            assert_eq!(v, scale * (f32::from(q(i)) - 32.0), "element {i}");
        }
    }

    #[test]
    fn unsupported_types_are_reported() {
        assert_eq!(dequantize(GgmlType::Q2_K, &[0; 84]), Err("Q2_K"));
        assert_eq!(dequantize(GgmlType::IQ4_NL, &[0; 18]), Err("IQ4_NL"));
    }
}
