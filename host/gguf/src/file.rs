//! Parsing the GGUF container: header, metadata key/values, tensor infos and the data section.
//!
//! Layout (all little-endian): magic `GGUF`, `u32` version, `u64` tensor count, `u64` metadata
//! count, the metadata entries (`string` key, `u32` value type, value), the tensor infos (`string`
//! name, `u32` dimension count, that many `u64` dimensions, `u32` ggml type, `u64` offset), padding
//! to `general.alignment` (default 32), then the tensor data. Strings are a `u64` byte length and
//! UTF-8 bytes. Tensor offsets are relative to the start of the data section.
//!
//! Every count and length is checked against the bytes left in the input before anything is
//! allocated for it, so a corrupt header cannot make the parser reserve gigabytes.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::dequant::{dequantize, Tensor};
use crate::error::{Error, Result};
use crate::ggml_type::GgmlType;
use crate::value::{Value, ValueType};

const MAGIC: [u8; 4] = *b"GGUF";
const DEFAULT_ALIGNMENT: u64 = 32;
/// ggml tensors have at most four dimensions.
const MAX_DIMS: u32 = 4;
/// Arrays of arrays are legal; deeper nesting than this is refused so that recursion stays
/// bounded whatever the input says.
const MAX_ARRAY_DEPTH: u32 = 4;

/// One tensor's entry in the header.
///
/// Shape convention: `dims` is in ggml order, `dims[0]` being the fastest-varying (contiguous)
/// axis. A PyTorch / Hugging Face weight of shape `[out, in]` is stored with
/// `dims == [in, out]`. [`TensorInfo::shape`] gives the row-major (Hugging Face) order.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo {
    pub name: String,
    /// ggml order: fastest axis first.
    pub dims: Vec<u64>,
    pub ty: GgmlType,
    /// Byte offset of the tensor's data from the start of the data section.
    pub offset: u64,
}

impl TensorInfo {
    /// Number of elements. The parser has checked that this does not overflow.
    pub fn n_elements(&self) -> u64 {
        self.dims.iter().product()
    }

    /// Number of bytes the tensor's data occupies.
    pub fn byte_len(&self) -> u64 {
        self.n_elements() / self.ty.block_size() * self.ty.type_size()
    }

    /// Row-major shape, slowest axis first (the Hugging Face / PyTorch order): `dims` reversed.
    pub fn shape(&self) -> Vec<usize> {
        // Fits: the parser checked that the data lies inside the input.
        self.dims.iter().rev().map(|&d| d as usize).collect()
    }
}

#[derive(Debug)]
enum DataSource {
    File(PathBuf),
    Memory(Vec<u8>),
}

/// A parsed GGUF file. Tensor data is read on demand, so opening a large file is cheap.
#[derive(Debug)]
pub struct GgufFile {
    pub version: u32,
    pub metadata: BTreeMap<String, Value>,
    /// In file order.
    pub tensors: Vec<TensorInfo>,
    pub alignment: u64,
    /// Absolute byte offset of the data section.
    pub data_offset: u64,
    source: DataSource,
}

impl GgufFile {
    /// Parses the header of the file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let io = |error| Error::Io {
            source_name: name.clone(),
            error,
        };
        let file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut parser = Parser {
            reader: BufReader::new(file),
            pos: 0,
            len,
            name: name.clone(),
        };
        let header = parser.header()?;
        Ok(header.into_file(DataSource::File(path.to_owned())))
    }

    /// Parses a GGUF image held in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
        let mut parser = Parser {
            reader: bytes.as_slice(),
            pos: 0,
            len: bytes.len() as u64,
            name: "<memory>".to_owned(),
        };
        let header = parser.header()?;
        Ok(header.into_file(DataSource::Memory(bytes)))
    }

    /// The file path, or `<memory>`.
    pub fn source_name(&self) -> String {
        match &self.source {
            DataSource::File(p) => p.display().to_string(),
            DataSource::Memory(_) => "<memory>".to_owned(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.metadata.get(key)
    }

    pub fn tensor(&self, name: &str) -> Option<&TensorInfo> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// `general.architecture`, e.g. `llama` or `qwen2`.
    pub fn architecture(&self) -> Option<&str> {
        self.get("general.architecture").and_then(Value::as_str)
    }

    /// The raw bytes of one tensor's data.
    pub fn tensor_bytes(&self, info: &TensorInfo) -> Result<Vec<u8>> {
        let start = self.data_offset + info.offset;
        let len = info.byte_len();
        match &self.source {
            DataSource::Memory(bytes) => {
                // In range: checked when the header was parsed.
                Ok(bytes[start as usize..(start + len) as usize].to_vec())
            }
            DataSource::File(path) => {
                let name = path.display().to_string();
                let io = |error| Error::Io {
                    source_name: name.clone(),
                    error,
                };
                let mut file = File::open(path).map_err(io)?;
                file.seek(SeekFrom::Start(start)).map_err(io)?;
                let mut buf = vec![0u8; len as usize];
                file.read_exact(&mut buf).map_err(|e| {
                    if e.kind() == std::io::ErrorKind::UnexpectedEof {
                        Error::Truncated {
                            source_name: name.clone(),
                            offset: start,
                            what: "tensor data (file changed since it was opened?)",
                        }
                    } else {
                        io(e)
                    }
                })?;
                Ok(buf)
            }
        }
    }

    /// Reads and dequantizes the tensor named `name` to f32, in row-major (Hugging Face) shape.
    pub fn dequantize(&self, name: &str) -> Result<Tensor> {
        let info = self
            .tensor(name)
            .ok_or_else(|| Error::TensorNotFound(name.to_owned()))?;
        self.dequantize_info(info)
    }

    /// Like [`GgufFile::dequantize`] for an entry of [`GgufFile::tensors`].
    pub fn dequantize_info(&self, info: &TensorInfo) -> Result<Tensor> {
        let bytes = self.tensor_bytes(info)?;
        let data = dequantize(info.ty, &bytes).map_err(|ty| Error::UnsupportedDequant {
            tensor: info.name.clone(),
            ty,
        })?;
        Ok(Tensor {
            shape: info.shape(),
            data,
        })
    }
}

struct Header {
    version: u32,
    metadata: BTreeMap<String, Value>,
    tensors: Vec<TensorInfo>,
    alignment: u64,
    data_offset: u64,
}

impl Header {
    fn into_file(self, source: DataSource) -> GgufFile {
        GgufFile {
            version: self.version,
            metadata: self.metadata,
            tensors: self.tensors,
            alignment: self.alignment,
            data_offset: self.data_offset,
            source,
        }
    }
}

struct Parser<R> {
    reader: R,
    pos: u64,
    len: u64,
    name: String,
}

impl<R: Read> Parser<R> {
    fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.pos)
    }

    fn malformed(&self, offset: u64, message: String) -> Error {
        Error::Malformed {
            source_name: self.name.clone(),
            offset,
            message,
        }
    }

    /// Refuses `count` items of at least `min_size` bytes each when the input cannot hold them.
    fn check_fits(&self, what: &'static str, count: u64, min_size: u64) -> Result<()> {
        let limit = self.remaining() / min_size.max(1);
        if count > limit {
            return Err(Error::LimitExceeded {
                source_name: self.name.clone(),
                offset: self.pos,
                what,
                value: count,
                limit,
            });
        }
        Ok(())
    }

    fn fill(&mut self, buf: &mut [u8], what: &'static str) -> Result<()> {
        let offset = self.pos;
        self.reader.read_exact(buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                Error::Truncated {
                    source_name: self.name.clone(),
                    offset,
                    what,
                }
            } else {
                Error::Io {
                    source_name: self.name.clone(),
                    error: e,
                }
            }
        })?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N]> {
        let mut buf = [0u8; N];
        self.fill(&mut buf, what)?;
        Ok(buf)
    }

    fn u32(&mut self, what: &'static str) -> Result<u32> {
        self.array(what).map(u32::from_le_bytes)
    }

    fn u64(&mut self, what: &'static str) -> Result<u64> {
        self.array(what).map(u64::from_le_bytes)
    }

    fn string(&mut self, what: &'static str) -> Result<String> {
        let len = self.u64(what)?;
        let start = self.pos;
        self.check_fits(what, len, 1)?;
        let mut buf = vec![0u8; len as usize];
        self.fill(&mut buf, what)?;
        String::from_utf8(buf)
            .map_err(|e| self.malformed(start, format!("{what} is not UTF-8: {e}")))
    }

    fn value(&mut self, ty: ValueType, depth: u32) -> Result<Value> {
        const WHAT: &str = "metadata value";
        Ok(match ty {
            ValueType::U8 => Value::U8(u8::from_le_bytes(self.array(WHAT)?)),
            ValueType::I8 => Value::I8(i8::from_le_bytes(self.array(WHAT)?)),
            ValueType::U16 => Value::U16(u16::from_le_bytes(self.array(WHAT)?)),
            ValueType::I16 => Value::I16(i16::from_le_bytes(self.array(WHAT)?)),
            ValueType::U32 => Value::U32(u32::from_le_bytes(self.array(WHAT)?)),
            ValueType::I32 => Value::I32(i32::from_le_bytes(self.array(WHAT)?)),
            ValueType::F32 => Value::F32(f32::from_le_bytes(self.array(WHAT)?)),
            ValueType::U64 => Value::U64(u64::from_le_bytes(self.array(WHAT)?)),
            ValueType::I64 => Value::I64(i64::from_le_bytes(self.array(WHAT)?)),
            ValueType::F64 => Value::F64(f64::from_le_bytes(self.array(WHAT)?)),
            ValueType::Bool => {
                let offset = self.pos;
                match self.array::<1>(WHAT)?[0] {
                    0 => Value::Bool(false),
                    1 => Value::Bool(true),
                    b => {
                        return Err(self.malformed(offset, format!("bool value {b} is not 0 or 1")))
                    }
                }
            }
            ValueType::String => Value::String(self.string("metadata string")?),
            ValueType::Array => {
                let offset = self.pos;
                if depth >= MAX_ARRAY_DEPTH {
                    return Err(self.malformed(
                        offset,
                        format!("arrays nested deeper than {MAX_ARRAY_DEPTH}"),
                    ));
                }
                let elem = self.value_type()?;
                let count = self.u64("array length")?;
                self.check_fits("array length", count, elem.min_size())?;
                let mut items = Vec::with_capacity(count as usize);
                for _ in 0..count {
                    items.push(self.value(elem, depth + 1)?);
                }
                Value::Array(items)
            }
        })
    }

    fn value_type(&mut self) -> Result<ValueType> {
        let offset = self.pos;
        let id = self.u32("metadata value type")?;
        ValueType::from_id(id).ok_or_else(|| Error::UnknownValueType {
            source_name: self.name.clone(),
            offset,
            id,
        })
    }

    fn tensor_info(&mut self) -> Result<TensorInfo> {
        let start = self.pos;
        let name = self.string("tensor name")?;
        let n_dims = self.u32("tensor dimension count")?;
        if n_dims > MAX_DIMS {
            return Err(Error::LimitExceeded {
                source_name: self.name.clone(),
                offset: self.pos - 4,
                what: "tensor dimension count",
                value: n_dims.into(),
                limit: MAX_DIMS.into(),
            });
        }
        let mut dims = Vec::with_capacity(n_dims as usize);
        for _ in 0..n_dims {
            dims.push(self.u64("tensor dimension")?);
        }
        let type_offset = self.pos;
        let type_id = self.u32("tensor type")?;
        let ty = GgmlType::from_id(type_id).ok_or_else(|| Error::UnknownTensorType {
            source_name: self.name.clone(),
            offset: type_offset,
            tensor: name.clone(),
            id: type_id,
        })?;
        let offset = self.u64("tensor data offset")?;
        let n = dims
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| {
                self.malformed(start, format!("tensor {name:?}: element count overflows"))
            })?;
        if dims.first().copied().unwrap_or(1) % ty.block_size() != 0 {
            return Err(self.malformed(
                start,
                format!(
                    "tensor {name:?}: row length {} is not a multiple of the {ty} block size {}",
                    dims.first().copied().unwrap_or(1),
                    ty.block_size()
                ),
            ));
        }
        // Cannot overflow in a meaningful way: checked against the input length later.
        if (n / ty.block_size()).checked_mul(ty.type_size()).is_none() {
            return Err(self.malformed(start, format!("tensor {name:?}: byte size overflows")));
        }
        Ok(TensorInfo {
            name,
            dims,
            ty,
            offset,
        })
    }

    fn header(&mut self) -> Result<Header> {
        let magic = self.array::<4>("magic")?;
        if magic != MAGIC {
            return Err(Error::BadMagic {
                source_name: self.name.clone(),
                found: magic,
            });
        }
        let version = self.u32("version")?;
        if !(2..=3).contains(&version) {
            return Err(Error::UnsupportedVersion {
                source_name: self.name.clone(),
                version,
            });
        }
        let tensor_count = self.u64("tensor count")?;
        let kv_count = self.u64("metadata count")?;
        // Smallest entries: key length + type + 1-byte value; name length + n_dims + type + offset.
        self.check_fits("metadata count", kv_count, 8 + 4 + 1)?;
        self.check_fits("tensor count", tensor_count, 8 + 4 + 4 + 8)?;

        let mut metadata = BTreeMap::new();
        for _ in 0..kv_count {
            let offset = self.pos;
            let key = self.string("metadata key")?;
            let ty = self.value_type()?;
            let value = self.value(ty, 0)?;
            if metadata.insert(key.clone(), value).is_some() {
                return Err(self.malformed(offset, format!("duplicate metadata key {key:?}")));
            }
        }

        let alignment = match metadata.get("general.alignment") {
            None => DEFAULT_ALIGNMENT,
            Some(Value::U32(a)) if a.is_power_of_two() => u64::from(*a),
            Some(other) => {
                return Err(self.malformed(
                    self.pos,
                    format!("general.alignment must be a power-of-two u32, got {other:?}"),
                ))
            }
        };

        let mut tensors: Vec<TensorInfo> = Vec::with_capacity(tensor_count as usize);
        for _ in 0..tensor_count {
            tensors.push(self.tensor_info()?);
        }
        let data_offset = self.pos.div_ceil(alignment) * alignment;
        let data_len = self.len.saturating_sub(data_offset);
        let mut seen = std::collections::HashSet::new();
        for t in &tensors {
            if !seen.insert(t.name.as_str()) {
                return Err(self.malformed(self.pos, format!("duplicate tensor name {:?}", t.name)));
            }
            if t.offset % alignment != 0 {
                return Err(self.malformed(
                    data_offset,
                    format!(
                        "tensor {:?}: data offset {} is not a multiple of the alignment {alignment}",
                        t.name, t.offset
                    ),
                ));
            }
            let end = t.offset.checked_add(t.byte_len());
            if end.is_none_or(|end| end > data_len) {
                return Err(Error::Truncated {
                    source_name: self.name.clone(),
                    offset: data_offset.saturating_add(t.offset),
                    what: "tensor data (the tensor extends past the end of the input)",
                });
            }
        }
        Ok(Header {
            version,
            metadata,
            tensors,
            alignment,
            data_offset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_image::{self as build, image, RawTensor};

    fn f32_bytes(xs: &[f32]) -> Vec<u8> {
        xs.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    fn sample() -> Vec<u8> {
        image(
            &[
                ("general.architecture", Value::String("llama".into())),
                ("llama.block_count", Value::U32(2)),
                ("some.i8", Value::I8(-3)),
                ("some.u16", Value::U16(7)),
                ("some.i16", Value::I16(-7)),
                ("some.i32", Value::I32(-9)),
                ("some.u64", Value::U64(1 << 40)),
                ("some.i64", Value::I64(-(1 << 40))),
                ("some.f64", Value::F64(0.25)),
                ("some.f32", Value::F32(1.5)),
                ("some.bool", Value::Bool(true)),
                ("some.u8", Value::U8(200)),
                (
                    "some.strings",
                    Value::Array(vec![Value::String("a".into()), Value::String("bc".into())]),
                ),
                (
                    "some.nested",
                    Value::Array(vec![Value::Array(vec![Value::I32(1), Value::I32(2)])]),
                ),
            ],
            &[
                RawTensor {
                    name: "w".into(),
                    dims: vec![3, 2],
                    type_id: 0,
                    data: f32_bytes(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
                },
                RawTensor {
                    name: "b".into(),
                    dims: vec![2],
                    type_id: 0,
                    data: f32_bytes(&[-1.0, -2.0]),
                },
            ],
        )
    }

    #[test]
    fn parses_an_image_built_in_memory() {
        let f = GgufFile::from_bytes(sample()).expect("parses");
        assert_eq!(f.version, 3);
        assert_eq!(f.architecture(), Some("llama"));
        assert_eq!(f.get("llama.block_count").and_then(Value::as_u64), Some(2));
        assert_eq!(f.get("some.i8"), Some(&Value::I8(-3)));
        assert_eq!(f.get("some.u16"), Some(&Value::U16(7)));
        assert_eq!(f.get("some.i16"), Some(&Value::I16(-7)));
        assert_eq!(f.get("some.i32"), Some(&Value::I32(-9)));
        assert_eq!(f.get("some.u64"), Some(&Value::U64(1 << 40)));
        assert_eq!(f.get("some.i64"), Some(&Value::I64(-(1 << 40))));
        assert_eq!(f.get("some.f64").and_then(Value::as_f64), Some(0.25));
        assert_eq!(f.get("some.f32").and_then(Value::as_f64), Some(1.5));
        assert_eq!(f.get("some.bool").and_then(Value::as_bool), Some(true));
        assert_eq!(f.get("some.u8").and_then(Value::as_u64), Some(200));
        let strings = f
            .get("some.strings")
            .and_then(Value::as_array)
            .expect("array");
        assert_eq!(strings[1].as_str(), Some("bc"));
        assert_eq!(
            f.get("some.nested"),
            Some(&Value::Array(vec![Value::Array(vec![
                Value::I32(1),
                Value::I32(2)
            ])]))
        );
        assert_eq!(f.alignment, 32);
        assert_eq!(f.data_offset % 32, 0);
        assert_eq!(f.tensors.len(), 2);
        let w = f.dequantize("w").expect("w");
        // ggml dims [3, 2] (3 contiguous) = row-major [2, 3].
        assert_eq!(w.shape, vec![2, 3]);
        assert_eq!(w.data, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(f.dequantize("b").expect("b").data, vec![-1.0, -2.0]);
        assert!(matches!(
            f.dequantize("nope"),
            Err(Error::TensorNotFound(_))
        ));
    }

    #[test]
    fn reads_tensor_data_from_a_file() {
        let dir = std::env::temp_dir().join(format!("rewasm-gguf-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp dir");
        let path = dir.join("sample.gguf");
        std::fs::write(&path, sample()).expect("write");
        let f = GgufFile::open(&path).expect("parses");
        assert_eq!(f.dequantize("b").expect("b").data, vec![-1.0, -2.0]);
        assert_eq!(f.dequantize("w").expect("w").data[5], 6.0);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn every_truncation_errors_without_panicking() {
        let bytes = sample();
        let full = GgufFile::from_bytes(bytes.clone()).expect("parses");
        let needed = full.data_offset as usize + 6 * 4;
        for cut in 0..needed {
            let err = GgufFile::from_bytes(bytes[..cut].to_vec()).expect_err("truncated");
            assert!(
                matches!(err, Error::Truncated { .. } | Error::LimitExceeded { .. }),
                "cut {cut}: {err}"
            );
        }
    }

    #[test]
    fn truncated_header_names_the_offset() {
        let err = GgufFile::from_bytes(b"GGUF\x03\x00".to_vec()).expect_err("truncated");
        let msg = err.to_string();
        assert!(
            msg.contains("<memory>") && msg.contains("offset 4"),
            "{msg}"
        );
    }

    #[test]
    fn bad_magic_and_version_are_refused() {
        let mut bytes = sample();
        bytes[0] = b'X';
        assert!(matches!(
            GgufFile::from_bytes(bytes),
            Err(Error::BadMagic { .. })
        ));
        let mut bytes = sample();
        bytes[4] = 1;
        assert!(matches!(
            GgufFile::from_bytes(bytes),
            Err(Error::UnsupportedVersion { version: 1, .. })
        ));
    }

    #[test]
    fn absurd_counts_are_refused_before_allocating() {
        let mut bytes = sample();
        bytes[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        let err = GgufFile::from_bytes(bytes).expect_err("absurd tensor count");
        assert!(
            matches!(
                err,
                Error::LimitExceeded {
                    what: "tensor count",
                    ..
                }
            ),
            "{err}"
        );

        let mut bytes = sample();
        bytes[16..24].copy_from_slice(&(1u64 << 60).to_le_bytes());
        assert!(matches!(
            GgufFile::from_bytes(bytes),
            Err(Error::LimitExceeded {
                what: "metadata count",
                ..
            })
        ));

        // A string claiming to be 2^62 bytes long.
        let mut bytes = b"GGUF".to_vec();
        bytes.extend_from_slice(&3u32.to_le_bytes());
        bytes.extend_from_slice(&0u64.to_le_bytes());
        bytes.extend_from_slice(&1u64.to_le_bytes());
        bytes.extend_from_slice(&(1u64 << 62).to_le_bytes());
        bytes.extend_from_slice(&[0; 16]);
        assert!(matches!(
            GgufFile::from_bytes(bytes),
            Err(Error::LimitExceeded {
                what: "metadata key",
                ..
            })
        ));
    }

    #[test]
    fn absurd_array_length_is_refused() {
        let mut bytes = b"GGUF".to_vec();
        bytes.extend_from_slice(&3u32.to_le_bytes());
        bytes.extend_from_slice(&0u64.to_le_bytes());
        bytes.extend_from_slice(&1u64.to_le_bytes());
        build::string(&mut bytes, "k");
        bytes.extend_from_slice(&9u32.to_le_bytes()); // array
        bytes.extend_from_slice(&8u32.to_le_bytes()); // of strings
        bytes.extend_from_slice(&(u64::MAX / 2).to_le_bytes());
        bytes.extend_from_slice(&[0; 64]);
        assert!(matches!(
            GgufFile::from_bytes(bytes),
            Err(Error::LimitExceeded {
                what: "array length",
                ..
            })
        ));
    }

    #[test]
    fn unknown_types_are_refused() {
        let bytes = image(
            &[],
            &[RawTensor {
                name: "x".into(),
                dims: vec![1],
                type_id: 99,
                data: vec![0; 4],
            }],
        );
        let err = GgufFile::from_bytes(bytes).expect_err("unknown type");
        assert!(
            matches!(&err, Error::UnknownTensorType { id: 99, tensor, .. } if tensor == "x"),
            "{err}"
        );

        let mut bytes = image(&[("k", Value::U8(1))], &[]);
        // The value type tag follows magic, version, two counts and the 1-byte key.
        bytes[4 + 4 + 8 + 8 + 8 + 1] = 77;
        assert!(matches!(
            GgufFile::from_bytes(bytes),
            Err(Error::UnknownValueType { id: 77, .. })
        ));
    }

    #[test]
    fn tensor_data_past_the_end_is_refused() {
        let mut bytes = image(
            &[],
            &[RawTensor {
                name: "x".into(),
                dims: vec![4],
                type_id: 0,
                data: f32_bytes(&[1.0; 4]),
            }],
        );
        bytes.truncate(bytes.len() - 1);
        assert!(matches!(
            GgufFile::from_bytes(bytes),
            Err(Error::Truncated { .. })
        ));
    }

    #[test]
    fn too_many_dims_and_bad_block_multiples_are_refused() {
        let bytes = image(
            &[],
            &[RawTensor {
                name: "x".into(),
                dims: vec![1; 5],
                type_id: 0,
                data: vec![0; 4],
            }],
        );
        assert!(matches!(
            GgufFile::from_bytes(bytes),
            Err(Error::LimitExceeded {
                what: "tensor dimension count",
                ..
            })
        ));
        // Q8_0 rows must be multiples of 32 elements.
        let bytes = image(
            &[],
            &[RawTensor {
                name: "x".into(),
                dims: vec![16],
                type_id: 8,
                data: vec![0; 34],
            }],
        );
        assert!(matches!(
            GgufFile::from_bytes(bytes),
            Err(Error::Malformed { .. })
        ));
    }

    #[test]
    fn deep_array_nesting_is_refused() {
        let mut v = Value::Array(vec![Value::U8(1)]);
        for _ in 0..6 {
            v = Value::Array(vec![v]);
        }
        let bytes = image(&[("deep", v)], &[]);
        assert!(matches!(
            GgufFile::from_bytes(bytes),
            Err(Error::Malformed { .. })
        ));
    }
}
