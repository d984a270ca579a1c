//! Reading and writing the checking tool's tensors as safetensors files (host side).
//!
//! Small, plain files (inputs, outputs, fixtures): read whole into memory. Model weights are a
//! different matter and load memory-mapped through burn's store.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

/// A safetensors file read into memory.
pub struct TensorFile {
    path: PathBuf,
    bytes: Vec<u8>,
}

impl TensorFile {
    /// Reads and checks a safetensors file.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, TensorFileError> {
        let path = path.as_ref().to_owned();
        let bytes = std::fs::read(&path).map_err(|source| TensorFileError::Io {
            path: path.clone(),
            source,
        })?;
        let file = Self { path, bytes };
        file.tensors()?;
        Ok(file)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn tensors(&self) -> Result<SafeTensors<'_>, TensorFileError> {
        SafeTensors::deserialize(&self.bytes).map_err(|source| TensorFileError::Format {
            path: self.path.clone(),
            source,
        })
    }

    /// Whether the file has a tensor called `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.tensors().is_ok_and(|t| t.tensor(name).is_ok())
    }

    /// The tensor names, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .tensors()
            .map(|t| t.names().into_iter().map(str::to_owned).collect())
            .unwrap_or_default();
        names.sort();
        names
    }

    fn view(&self, name: &str) -> Result<TensorView<'_>, TensorFileError> {
        self.tensors()?
            .tensor(name)
            .map_err(|_| TensorFileError::Missing {
                path: self.path.clone(),
                name: name.to_owned(),
                available: self.names().join(", "),
            })
    }

    /// A floating-point tensor (F32 or F64) as f32 values.
    pub fn f32(&self, name: &str) -> Result<HostTensor, TensorFileError> {
        let view = self.view(name)?;
        let data = view.data();
        let values = match view.dtype() {
            Dtype::F32 => data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                .collect(),
            Dtype::F64 => data
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().unwrap()) as f32)
                .collect(),
            dtype => {
                return Err(TensorFileError::Dtype {
                    path: self.path.clone(),
                    name: name.to_owned(),
                    dtype,
                    expected: "F32 or F64",
                })
            }
        };
        Ok(HostTensor::new(view.shape().to_vec(), values))
    }

    /// An integer tensor (I64 or I32) as i64 values.
    pub fn i64(&self, name: &str) -> Result<Vec<i64>, TensorFileError> {
        let view = self.view(name)?;
        let data = view.data();
        Ok(match view.dtype() {
            Dtype::I64 => data
                .chunks_exact(8)
                .map(|b| i64::from_le_bytes(b.try_into().unwrap()))
                .collect(),
            Dtype::I32 => data
                .chunks_exact(4)
                .map(|b| i32::from_le_bytes(b.try_into().unwrap()) as i64)
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
}
