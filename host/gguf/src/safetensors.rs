//! The header of a `.safetensors` file holding f32 tensors.
//!
//! Format (the `safetensors` specification, huggingface/safetensors `README.md`): an 8-byte
//! little-endian header length `N`, `N` bytes of UTF-8 JSON, then the raw tensor data. The JSON maps
//! each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` with offsets relative to
//! the end of the header, plus an optional `__metadata__` string map. The data regions must be
//! contiguous and cover the data section; the header is padded with spaces so that the data starts
//! 8-byte aligned.

use serde_json::{json, Map, Value as Json};

/// Bytes per f32 element.
const F32_SIZE: u64 = 4;

/// The complete header (length prefix, JSON, padding) for f32 tensors stored in the order given,
/// each `(name, row-major shape)`. Also returns the size of the data section that must follow.
pub(crate) fn f32_header(tensors: &[(String, Vec<usize>)]) -> (Vec<u8>, u64) {
    let mut map = Map::new();
    map.insert("__metadata__".into(), json!({ "format": "pt" }));
    let mut offset = 0u64;
    for (name, shape) in tensors {
        let bytes = shape.iter().map(|&d| d as u64).product::<u64>() * F32_SIZE;
        map.insert(
            name.clone(),
            json!({ "dtype": "F32", "shape": shape, "data_offsets": [offset, offset + bytes] }),
        );
        offset += bytes;
    }
    let mut text = Json::Object(map).to_string().into_bytes();
    text.resize(text.len().div_ceil(8) * 8, b' ');
    let mut out = Vec::with_capacity(8 + text.len());
    out.extend_from_slice(&(text.len() as u64).to_le_bytes());
    out.extend_from_slice(&text);
    (out, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_aligned_and_offsets_are_contiguous() {
        let (h, data) = f32_header(&[("a".into(), vec![2, 3]), ("b".into(), vec![5])]);
        assert_eq!(data, 44);
        assert_eq!(h.len() % 8, 0);
        let n = u64::from_le_bytes(h[..8].try_into().expect("8 bytes")) as usize;
        assert_eq!(n + 8, h.len());
        let j: Json = serde_json::from_slice(&h[8..]).expect("json");
        assert_eq!(j["__metadata__"]["format"], "pt");
        assert_eq!(j["a"]["shape"], json!([2, 3]));
        assert_eq!(j["a"]["data_offsets"], json!([0, 24]));
        assert_eq!(j["b"]["data_offsets"], json!([24, 44]));
        assert_eq!(j["b"]["dtype"], "F32");
    }
}
