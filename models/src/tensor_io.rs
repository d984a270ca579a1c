//! Reading and writing tensors as safetensors files (host side).
//!
//! Small files (the checking tool's inputs and outputs, fixtures) are read whole into memory;
//! model weights are memory-mapped ([`TensorFile::map`]) so a 10 GB file costs no copy before a
//! tensor is asked for. The header is parsed once. Every float dtype a model file may hold
//! (f64, f32, f16, bf16, fp8 e4m3 / e5m2) reads back as f32. Pickle files are refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use half::{bf16, f16};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

/// An error reading or writing a tensor file.
#[derive(Debug, thiserror::Error)]
pub enum TensorFileError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid safetensors file.
    #[error("{path} is not a valid safetensors file: {source}")]
    Format {
        path: PathBuf,
        #[source]
        source: safetensors::SafeTensorError,
    },
    /// The file is a Python pickle (PyTorch .pth/.ckpt/.bin), which Motionboard never loads.
    #[error(
        "{path} is a PyTorch pickle file. Motionboard does not load pickles: unpickling runs \
         whatever code the file contains. Download the .safetensors version of this model \
         (ComfyUI's and diffusers' repackaged files are safetensors), or convert it yourself \
         with `safetensors.torch.save_file`."
    )]
    Pickle { path: PathBuf },
    /// The file is in a format Motionboard does not read (e.g. GGUF).
    #[error("{path} is a {format} file; Motionboard reads model weights as .safetensors only")]
    OtherFormat { path: PathBuf, format: &'static str },
    /// A tensor the caller needs is not in the file.
    #[error("{path} has no tensor `{name}` (it has: {available})")]
    Missing {
        path: PathBuf,
        name: String,
        available: String,
    },
    /// A tensor has a dtype the caller cannot use.
    #[error("tensor `{name}` in {path} is {dtype:?}; expected {expected}")]
    Dtype {
        path: PathBuf,
        name: String,
        dtype: Dtype,
        expected: &'static str,
    },
}

/// A host tensor: row-major f32 values and a shape.
#[derive(Debug, Clone, PartialEq)]
pub struct HostTensor {
    /// The shape.
    pub shape: Vec<usize>,
    /// The values, row-major.
    pub values: Vec<f32>,
}

impl HostTensor {
    /// A tensor from a shape and values (`values.len()` must be the shape's product).
    pub fn new(shape: Vec<usize>, values: Vec<f32>) -> Self {
        assert_eq!(
            shape.iter().product::<usize>(),
            values.len(),
            "shape and values disagree"
        );
        Self { shape, values }
    }
}

/// The bytes of a file: read into memory or mapped.
enum Bytes {
    Owned(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Owned(bytes) => bytes,
            Bytes::Mapped(map) => map,
        }
    }
}

/// Where one tensor lies in the file.
#[derive(Debug, Clone)]
struct Entry {
    dtype: Dtype,
    shape: Vec<usize>,
    /// Byte range in the whole file.
    start: usize,
    end: usize,
}

/// A safetensors file, its header parsed once.
pub struct TensorFile {
    path: PathBuf,
    bytes: Bytes,
    entries: BTreeMap<String, Entry>,
    /// The header's `__metadata__` (string to string), empty when there is none.
    metadata: BTreeMap<String, String>,
}

/// File names PyTorch pickles go by.
const PICKLE_EXTENSIONS: [&str; 6] = ["pth", "pt", "ckpt", "bin", "pkl", "pickle"];

impl TensorFile {
    /// Reads and checks a safetensors file (for small files: inputs, outputs, fixtures).
    pub fn read(path: impl AsRef<Path>) -> Result<Self, TensorFileError> {
        let path = path.as_ref().to_owned();
        refuse_pickle_name(&path)?;
        let bytes = std::fs::read(&path).map_err(|source| TensorFileError::Io {
            path: path.clone(),
            source,
        })?;
        Self::parse(path, Bytes::Owned(bytes))
    }

    /// Memory-maps and checks a safetensors file (for model weights).
    pub fn map(path: impl AsRef<Path>) -> Result<Self, TensorFileError> {
        let path = path.as_ref().to_owned();
        refuse_pickle_name(&path)?;
        let io = |source| TensorFileError::Io {
            path: path.clone(),
            source,
        };
        let file = std::fs::File::open(&path).map_err(io)?;
        // SAFETY: the map is read-only; model files are not rewritten while the app runs (a
        // download lands under a temporary name and is renamed into place).
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        Self::parse(path, Bytes::Mapped(map))
    }

    fn parse(path: PathBuf, bytes: Bytes) -> Result<Self, TensorFileError> {
        sniff_foreign_format(&path, &bytes)?;
        let (header_len, metadata) =
            SafeTensors::read_metadata(&bytes).map_err(|source| TensorFileError::Format {
                path: path.clone(),
                source,
            })?;
        let data_start = 8 + header_len;
        let file_metadata = metadata
            .metadata()
            .as_ref()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let entries = metadata
            .tensors()
            .into_iter()
            .map(|(name, info)| {
                let entry = Entry {
                    dtype: info.dtype,
                    shape: info.shape.clone(),
                    start: data_start + info.data_offsets.0,
                    end: data_start + info.data_offsets.1,
                };
                (name, entry)
            })
            .collect();
        Ok(Self {
            path,
            bytes,
            entries,
            metadata: file_metadata,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file has a tensor called `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    /// The tensor names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.entries.keys().cloned().collect()
    }

    /// The shape of tensor `name`, if the file has it.
    pub fn shape(&self, name: &str) -> Option<&[usize]> {
        self.entries.get(name).map(|e| e.shape.as_slice())
    }

    /// The header's `__metadata__` entries (empty when the file has none).
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.metadata
    }

    /// The raw bytes of a U8 / I8 tensor (e.g. the SentencePiece model some text encoder files
    /// carry as `spiece_model`).
    pub fn bytes(&self, name: &str) -> Result<&[u8], TensorFileError> {
        let (entry, data) = self.entry(name)?;
        match entry.dtype {
            Dtype::U8 | Dtype::I8 => Ok(data),
            dtype => Err(TensorFileError::Dtype {
                path: self.path.clone(),
                name: name.to_owned(),
                dtype,
                expected: "U8 (bytes)",
            }),
        }
    }

    /// Hands the pages of tensor `name` back to the system once its values have been copied
    /// out: a mapped page that was read stays resident (and counts against this process) until
    /// then, so loading a 10 GB file tensor by tensor would otherwise keep all of it resident.
    /// The data stays readable (a later read maps it in again). Does nothing for files read
    /// into memory, or off Unix.
    pub fn release(&self, name: &str) {
        #[cfg(unix)]
        if let (Bytes::Mapped(map), Some(entry)) = (&self.bytes, self.entries.get(name)) {
            // SAFETY: the map is a read-only, file-backed private mapping of a file that is
            // not written while mapped; MADV_DONTNEED on it only drops resident pages, which the
            // kernel reads back from the file on the next access. No reference into the map is
            // held across this call by this type.
            let _ = unsafe {
                map.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    entry.start,
                    entry.end - entry.start,
                )
            };
        }
        #[cfg(not(unix))]
        let _ = name;
    }

    /// Rows `rows` of a 2-D float tensor (e.g. the token embeddings of a few ids), as f32
    /// `[rows.len(), columns]`, reading only those rows.
    pub fn f32_rows(&self, name: &str, rows: &[usize]) -> Result<HostTensor, TensorFileError> {
        let (entry, data) = self.entry(name)?;
        let [count, columns] = entry.shape[..] else {
            return Err(TensorFileError::Dtype {
                path: self.path.clone(),
                name: name.to_owned(),
                dtype: entry.dtype,
                expected: "a 2-D tensor",
            });
        };
        let width = match entry.dtype {
            Dtype::F64 => 8,
            Dtype::F32 => 4,
            Dtype::F16 | Dtype::BF16 => 2,
            Dtype::F8_E4M3 | Dtype::F8_E5M2 => 1,
            dtype => {
                return Err(TensorFileError::Dtype {
                    path: self.path.clone(),
                    name: name.to_owned(),
                    dtype,
                    expected: "a float (F64, F32, F16, BF16, F8_E4M3 or F8_E5M2)",
                })
            }
        };
        let row_bytes = columns * width;
        let mut values = Vec::with_capacity(rows.len() * columns);
        for &row in rows {
            let row = row.min(count.saturating_sub(1));
            let bytes = &data[row * row_bytes..(row + 1) * row_bytes];
            values.extend(decode(entry.dtype, bytes));
        }
        Ok(HostTensor::new(vec![rows.len(), columns], values))
    }

    /// The dtype of tensor `name`, if the file has it.
    pub fn dtype(&self, name: &str) -> Option<Dtype> {
        self.entries.get(name).map(|e| e.dtype)
    }

    fn entry(&self, name: &str) -> Result<(&Entry, &[u8]), TensorFileError> {
        let entry = self
            .entries
            .get(name)
            .ok_or_else(|| TensorFileError::Missing {
                path: self.path.clone(),
                name: name.to_owned(),
                available: self.names().join(", "),
            })?;
        Ok((entry, &self.bytes[entry.start..entry.end]))
    }

    /// A floating-point tensor (f64, f32, f16, bf16, fp8 e4m3fn or e5m2) as f32 values.
    pub fn f32(&self, name: &str) -> Result<HostTensor, TensorFileError> {
        let (entry, data) = self.entry(name)?;
        if !matches!(
            entry.dtype,
            Dtype::F32 | Dtype::F64 | Dtype::F16 | Dtype::BF16 | Dtype::F8_E4M3 | Dtype::F8_E5M2
        ) {
            return Err(TensorFileError::Dtype {
                path: self.path.clone(),
                name: name.to_owned(),
                dtype: entry.dtype,
                expected: "a float (F64, F32, F16, BF16, F8_E4M3 or F8_E5M2)",
            });
        }
        let values = decode(entry.dtype, data);
        Ok(HostTensor::new(entry.shape.clone(), values))
    }

    /// An integer tensor (I64 or I32) as i64 values.
    pub fn i64(&self, name: &str) -> Result<Vec<i64>, TensorFileError> {
        let (entry, data) = self.entry(name)?;
        Ok(match entry.dtype {
            Dtype::I64 => data
                .chunks_exact(8)
                .map(|b| i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
                .collect(),
            Dtype::I32 => data
                .chunks_exact(4)
                .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64)
                .collect(),
            dtype => {
                return Err(TensorFileError::Dtype {
                    path: self.path.clone(),
                    name: name.to_owned(),
                    dtype,
                    expected: "I64 or I32",
                })
            }
        })
    }
}

/// Float values of `dtype` in little-endian `bytes`, as f32 (empty for a non-float dtype).
fn decode(dtype: Dtype, data: &[u8]) -> Vec<f32> {
    match dtype {
        Dtype::F32 => data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        Dtype::F64 => data
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32)
            .collect(),
        Dtype::F16 => data
            .chunks_exact(2)
            .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::BF16 => data
            .chunks_exact(2)
            .map(|b| bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::F8_E4M3 => data.iter().map(|&b| fp8_e4m3fn_to_f32(b)).collect(),
        Dtype::F8_E5M2 => data.iter().map(|&b| fp8_e5m2_to_f32(b)).collect(),
        _ => Vec::new(),
    }
}

/// Refuses a pickle by its name before opening it.
fn refuse_pickle_name(path: &Path) -> Result<(), TensorFileError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension {
        Some(e) if PICKLE_EXTENSIONS.contains(&e.as_str()) => Err(TensorFileError::Pickle {
            path: path.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// Recognises a pickle or another format by its first bytes, whatever the file is called.
fn sniff_foreign_format(path: &Path, bytes: &[u8]) -> Result<(), TensorFileError> {
    let other = |format| {
        Err(TensorFileError::OtherFormat {
            path: path.to_owned(),
            format,
        })
    };
    match bytes {
        // torch.save's zip container, or a bare pickle (protocol 2..5).
        [b'P', b'K', 3, 4, ..] | [0x80, 2..=5, ..] => Err(TensorFileError::Pickle {
            path: path.to_owned(),
        }),
        [b'G', b'G', b'U', b'F', ..] => other("GGUF"),
        [0xFF, 0xD8, 0xFF, ..] => other("JPEG image"),
        [0x89, b'P', b'N', b'G', ..] => other("PNG image"),
        _ => Ok(()),
    }
}

/// fp8 e4m3fn (1 sign, 4 exponent bits with bias 7, 3 mantissa bits; no infinities, S.1111.111
/// is NaN), as PyTorch's `float8_e4m3fn`.
fn fp8_e4m3fn_to_f32(byte: u8) -> f32 {
    let sign = if byte & 0x80 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from((byte >> 3) & 0x0F);
    let mantissa = f32::from(byte & 0x07);
    if exponent == 0x0F && byte & 0x07 == 0x07 {
        return f32::NAN;
    }
    if exponent == 0 {
        sign * mantissa / 8.0 * 2f32.powi(-6)
    } else {
        sign * (1.0 + mantissa / 8.0) * 2f32.powi(exponent - 7)
    }
}

/// fp8 e5m2: the upper byte of an IEEE half.
fn fp8_e5m2_to_f32(byte: u8) -> f32 {
    f16::from_bits(u16::from(byte) << 8).to_f32()
}

/// Writes f32 tensors to a safetensors file, through a temporary file in the same folder and a
/// rename, so an interrupted write leaves no half-written file behind.
pub fn write_f32(
    path: impl AsRef<Path>,
    tensors: &BTreeMap<String, HostTensor>,
) -> Result<(), TensorFileError> {
    let path = path.as_ref();
    let bytes: Vec<(String, Vec<u8>, Vec<usize>)> = tensors
        .iter()
        .map(|(name, t)| {
            let data = t.values.iter().flat_map(|v| v.to_le_bytes()).collect();
            (name.clone(), data, t.shape.clone())
        })
        .collect();
    let views = bytes.iter().map(|(name, data, shape)| {
        let view = TensorView::new(Dtype::F32, shape.clone(), data).expect("consistent view");
        (name.as_str(), view)
    });
    let serialized =
        safetensors::serialize(views, None).map_err(|source| TensorFileError::Format {
            path: path.to_owned(),
            source,
        })?;
    let io = |source| TensorFileError::Io {
        path: path.to_owned(),
        source,
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, serialized).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_tensors_read_back() {
        let dir = std::env::temp_dir().join(format!("mb-tensor-io-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.safetensors");
        let mut tensors = BTreeMap::new();
        tensors.insert(
            "a".to_owned(),
            HostTensor::new(vec![2, 3], (0..6).map(|v| v as f32).collect()),
        );
        tensors.insert("b".to_owned(), HostTensor::new(vec![1], vec![-1.5]));
        write_f32(&path, &tensors).unwrap();
        let file = TensorFile::read(&path).unwrap();
        assert_eq!(file.names(), vec!["a", "b"]);
        assert_eq!(file.f32("a").unwrap(), tensors["a"]);
        let err = file.f32("c").unwrap_err().to_string();
        assert!(
            err.contains("no tensor `c`") && err.contains("a, b"),
            "{err}"
        );
        assert!(file.i64("a").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn fp8_e4m3fn_decodes_like_pytorch() {
        // Values from torch.tensor([...]).to(torch.float8_e4m3fn).view(torch.uint8).
        let cases = [
            (0x00, 0.0),
            (0x38, 1.0),
            (0xB8, -1.0),
            (0x40, 2.0),
            (0x3C, 1.5),
            (0x7E, 448.0),
            (0x01, 2f32.powi(-9)),
            (0x08, 2f32.powi(-6)),
            (0x34, 0.75),
        ];
        for (byte, value) in cases {
            assert_eq!(fp8_e4m3fn_to_f32(byte), value, "{byte:#04x}");
        }
        assert!(fp8_e4m3fn_to_f32(0x7F).is_nan());
        assert_eq!(fp8_e5m2_to_f32(0x3C), 1.0);
        assert_eq!(fp8_e5m2_to_f32(0xC0), -2.0);
    }

    #[test]
    fn half_precision_files_read_as_f32() {
        let dir = std::env::temp_dir().join(format!("mb-tensor-half-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("h.safetensors");
        let values = [1.5f32, -0.25, 3.0];
        let f16_bytes: Vec<u8> = values
            .iter()
            .flat_map(|v| f16::from_f32(*v).to_le_bytes())
            .collect();
        let bf16_bytes: Vec<u8> = values
            .iter()
            .flat_map(|v| bf16::from_f32(*v).to_le_bytes())
            .collect();
        let views = [
            (
                "h",
                TensorView::new(Dtype::F16, vec![3], &f16_bytes).unwrap(),
            ),
            (
                "b",
                TensorView::new(Dtype::BF16, vec![3], &bf16_bytes).unwrap(),
            ),
        ];
        std::fs::write(&path, safetensors::serialize(views, None).unwrap()).unwrap();
        let file = TensorFile::map(&path).unwrap();
        assert_eq!(file.f32("h").unwrap().values, values);
        assert_eq!(file.f32("b").unwrap().values, values);
        assert_eq!(file.dtype("b"), Some(Dtype::BF16));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn pickles_and_other_formats_are_refused_by_name_and_content() {
        let dir = std::env::temp_dir().join(format!("mb-tensor-pickle-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let named = dir.join("model.ckpt");
        std::fs::write(&named, b"anything").unwrap();
        let err = TensorFile::map(&named).err().unwrap().to_string();
        assert!(
            err.contains("pickle") && err.contains("model.ckpt"),
            "{err}"
        );

        // A torch.save zip renamed to .safetensors is still refused as a pickle.
        let disguised = dir.join("disguised.safetensors");
        std::fs::write(&disguised, b"PK\x03\x04archive/data.pkl").unwrap();
        let err = TensorFile::map(&disguised).err().unwrap().to_string();
        assert!(err.contains("pickle"), "{err}");

        let jpeg = dir.join("photo.safetensors");
        std::fs::write(&jpeg, [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F']).unwrap();
        let err = TensorFile::map(&jpeg).err().unwrap().to_string();
        assert!(
            err.contains("JPEG") && err.contains("photo.safetensors"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
