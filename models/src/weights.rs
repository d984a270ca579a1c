//! Setting a module's parameters from a safetensors file in the reference's tensor names, with a
//! report of missing, unexpected and mis-shaped tensors for a wrong file. Shared by every model.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use burn::module::Param;
use burn::nn::{LayerNorm, Linear, RmsNorm};
use burn::prelude::*;
use burn::tensor::TensorData;

use crate::tensor_io::{TensorFile, TensorFileError};

/// What did not fit when loading a weights file.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LoadReport {
    /// Names the model needs that the file lacks.
    pub missing: Vec<String>,
    /// Names in the file the model does not use.
    pub unexpected: Vec<String>,
    /// (name, expected shape, file shape).
    pub misshaped: Vec<(String, Vec<usize>, Vec<usize>)>,
    /// Tensors that could not be read (e.g. an unsupported dtype).
    pub unreadable: Vec<String>,
}

impl LoadReport {
    /// Whether everything fitted.
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty()
            && self.unexpected.is_empty()
            && self.misshaped.is_empty()
            && self.unreadable.is_empty()
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!("missing: {}", self.missing.join(", ")));
        }
        if !self.unexpected.is_empty() {
            parts.push(format!("unexpected: {}", self.unexpected.join(", ")));
        }
        for (name, expected, found) in &self.misshaped {
            parts.push(format!("{name}: shape {found:?}, expected {expected:?}"));
        }
        for message in &self.unreadable {
            parts.push(message.clone());
        }
        write!(f, "{}", parts.join("; "))
    }
}

/// Loading weights failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error(transparent)]
    File(#[from] TensorFileError),
    /// The path holds no weights Motionboard can use.
    #[error("{path}: {reason}")]
    NoWeights { path: PathBuf, reason: String },
    /// The file does not fit the model.
    #[error("{path} does not fit this model: {report}")]
    Mismatch { path: String, report: LoadReport },
}

/// The safetensors file(s) holding one model's weights, memory-mapped: one file (a ComfyUI
/// single file or a diffusers `diffusion_pytorch_model.safetensors`), or the shards a diffusers
/// folder lists in its `*.safetensors.index.json`.
pub struct WeightFiles {
    path: PathBuf,
    files: Vec<TensorFile>,
}

/// Names in an fp8 "scaled" file (ComfyUI's `*_fp8_scaled.safetensors`) that describe the
/// quantisation rather than being weights: `<layer>.scale_weight` multiplies `<layer>.weight`.
const FP8_SCALE_SUFFIX: &str = ".scale_weight";
/// Names that are not weights: fp8 metadata, and the SentencePiece model some ComfyUI text
/// encoder files carry as a byte tensor.
const NOT_WEIGHTS: [&str; 3] = [".scale_input", "scaled_fp8", "spiece_model"];

/// The single-file names `save_pretrained` writes (diffusers, transformers).
const STANDARD_NAMES: [&str; 2] = ["diffusion_pytorch_model.safetensors", "model.safetensors"];

impl WeightFiles {
    /// Opens `path`: a `.safetensors` file, a `*.safetensors.index.json`, or a folder holding
    /// either (an index wins, then `diffusion_pytorch_model.safetensors` / `model.safetensors`;
    /// otherwise the folder must hold exactly one `.safetensors`).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, LoadError> {
        let path = path.as_ref();
        let no_weights = |reason: String| LoadError::NoWeights {
            path: path.to_owned(),
            reason,
        };
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| no_weights(format!("cannot list the folder: {e}")))?;
            let mut names: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            names.sort();
            let has_suffix = |p: &PathBuf, suffix: &str| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(suffix))
            };
            let indexes: Vec<&PathBuf> = names
                .iter()
                .filter(|p| has_suffix(p, ".safetensors.index.json"))
                .collect();
            if let [index] = indexes[..] {
                return Self::open(index);
            }
            let files: Vec<&PathBuf> = names
                .iter()
                .filter(|p| has_suffix(p, ".safetensors"))
                .collect();
            // diffusers' and transformers' own names win over other files beside them.
            let standard = files.iter().find(|p| {
                STANDARD_NAMES
                    .iter()
                    .any(|name| p.file_name().is_some_and(|n| n == *name))
            });
            if let Some(file) = standard {
                return Self::open(file);
            }
            return match files[..] {
                [file] => Self::open(file),
                [] => Err(no_weights(
                    "the folder has no .safetensors file (Motionboard loads safetensors only)"
                        .into(),
                )),
                _ => Err(no_weights(format!(
                    "the folder has several .safetensors files and no index naming its shards; \
                     choose one of: {}",
                    file_names(&files)
                ))),
            };
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".index.json") {
            return Self::open_index(path);
        }
        Ok(Self {
            path: path.to_owned(),
            files: vec![TensorFile::map(path)?],
        })
    }

    /// The shards a diffusers index (`{"weight_map": {tensor: file}}`) names, in its folder.
    fn open_index(path: &Path) -> Result<Self, LoadError> {
        let bad = |reason: String| LoadError::NoWeights {
            path: path.to_owned(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let index: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| bad(format!("not a valid index (JSON): {e}")))?;
        let map = index
            .get("weight_map")
            .and_then(|m| m.as_object())
            .ok_or_else(|| bad("the index has no `weight_map`".into()))?;
        let mut shards: Vec<&str> = map.values().filter_map(|v| v.as_str()).collect();
        shards.sort_unstable();
        shards.dedup();
        if shards.is_empty() {
            return Err(bad("the index names no shard files".into()));
        }
        let folder = path.parent().unwrap_or(Path::new("."));
        let files = shards
            .iter()
            .map(|shard| TensorFile::map(folder.join(shard)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            path: path.to_owned(),
            files,
        })
    }

    /// One file already opened.
    pub fn single(file: TensorFile) -> Self {
        Self {
            path: file.path().to_owned(),
            files: vec![file],
        }
    }

    /// What was opened (a file, an index or a folder's file).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The files, in shard order.
    pub fn files(&self) -> &[TensorFile] {
        &self.files
    }

    /// Whether any file has a tensor called `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.files.iter().any(|f| f.contains(name))
    }

    /// Whether any tensor is stored in fp8 (ComfyUI's `*_fp8_scaled` files).
    pub fn holds_fp8(&self) -> bool {
        self.files.iter().any(|file| {
            file.names().iter().any(|name| {
                matches!(
                    file.dtype(name),
                    Some(safetensors::Dtype::F8_E4M3 | safetensors::Dtype::F8_E5M2)
                )
            })
        })
    }

    /// Every tensor name, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.files.iter().flat_map(TensorFile::names).collect();
        names.sort();
        names
    }
}

fn file_names(paths: &[&PathBuf]) -> String {
    paths
        .iter()
        .filter_map(|p| p.file_name().and_then(|n| n.to_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a tensor the model asks for lives: (file, name in that file).
type Location = (usize, String);

/// Weights being applied to a module tree, in the reference's (diffusers / transformers)
/// tensor names, whatever names the file itself uses.
pub struct Weights<'a> {
    files: Vec<&'a TensorFile>,
    /// Reference name -> where it is.
    locations: BTreeMap<String, Location>,
    /// File names no reference name maps to.
    untranslated: Vec<String>,
    used: BTreeSet<String>,
    report: LoadReport,
    origin: PathBuf,
}

impl<'a> Weights<'a> {
    /// Weights from one file whose names are the reference's.
    pub fn new(file: &'a TensorFile) -> Self {
        Self::build(vec![file], file.path().to_owned(), &|name| {
            Some(name.to_owned())
        })
    }

    /// Weights from a set of files whose names `translate` maps to the reference's (`None`:
    /// the name means nothing to this model and is reported as unexpected).
    pub fn translated(files: &'a WeightFiles, translate: &dyn Fn(&str) -> Option<String>) -> Self {
        Self::build(files.files.iter().collect(), files.path.clone(), translate)
    }

    fn build(
        files: Vec<&'a TensorFile>,
        origin: PathBuf,
        translate: &dyn Fn(&str) -> Option<String>,
    ) -> Self {
        let mut locations = BTreeMap::new();
        let mut untranslated = Vec::new();
        for (index, file) in files.iter().enumerate() {
            for name in file.names() {
                if name.ends_with(FP8_SCALE_SUFFIX) || NOT_WEIGHTS.iter().any(|m| name.ends_with(m))
                {
                    continue;
                }
                match translate(&name) {
                    Some(reference) => {
                        locations.insert(reference, (index, name));
                    }
                    None => untranslated.push(name),
                }
            }
        }
        Self {
            files,
            locations,
            untranslated,
            used: BTreeSet::new(),
            report: LoadReport::default(),
            origin,
        }
    }

    /// Host values of `name` (a reference name) if its shape is `expected`; records what went
    /// wrong otherwise. fp8 tensors with a `scale_weight` beside them come back dequantised.
    pub fn values(&mut self, name: &str, expected: &[usize]) -> Option<Vec<f32>> {
        let Some((index, stored)) = self.locations.get(name).cloned() else {
            self.report.missing.push(name.to_owned());
            return None;
        };
        self.used.insert(name.to_owned());
        let file = self.files[index];
        let read = file.f32(&stored);
        // The values are copied out: the mapped pages need not stay resident.
        file.release(&stored);
        match read {
            Ok(t) if t.shape == expected => Some(self.dequantised(file, &stored, t.values)),
            Ok(t) => {
                self.report
                    .misshaped
                    .push((name.to_owned(), expected.to_vec(), t.shape));
                None
            }
            Err(e) => {
                self.report.unreadable.push(e.to_string());
                None
            }
        }
    }

    /// Marks `name` as used after checking its shape is `expected`, without reading its values
    /// (a tied copy of a tensor loaded under another name: for umT5-XXL a 4 GB read saved).
    pub fn check_shape(&mut self, name: &str, expected: &[usize]) {
        let Some((index, stored)) = self.locations.get(name) else {
            self.report.missing.push(name.to_owned());
            return;
        };
        self.used.insert(name.to_owned());
        let shape = self.files[*index].shape(stored).unwrap_or_default();
        if shape != expected {
            self.report
                .misshaped
                .push((name.to_owned(), expected.to_vec(), shape.to_vec()));
        }
    }

    /// `values` times the tensor's fp8 scale, if it is an fp8 tensor with one.
    fn dequantised(&mut self, file: &TensorFile, stored: &str, mut values: Vec<f32>) -> Vec<f32> {
        let is_fp8 = matches!(
            file.dtype(stored),
            Some(safetensors::Dtype::F8_E4M3 | safetensors::Dtype::F8_E5M2)
        );
        let Some(stem) = stored.strip_suffix(".weight") else {
            return values;
        };
        let scale_name = format!("{stem}{FP8_SCALE_SUFFIX}");
        if !is_fp8 || !file.contains(&scale_name) {
            return values;
        }
        match file.f32(&scale_name) {
            Ok(scale) if scale.values.len() == 1 => {
                let scale = scale.values[0];
                values.iter_mut().for_each(|v| *v *= scale);
            }
            Ok(scale) => self.report.unreadable.push(format!(
                "{scale_name} should hold one scale, it has shape {:?}",
                scale.shape
            )),
            Err(e) => self.report.unreadable.push(e.to_string()),
        }
        values
    }

    /// Sets `param` from `name` (same shape).
    pub fn param<const D: usize>(&mut self, param: &mut Param<Tensor<D>>, name: &str) {
        let shape = param.lazy_shape().to_vec();
        if let Some(values) = self.values(name, &shape) {
            let device = param.lazy_device();
            *param = Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), &device));
        }
    }

    /// A torch `nn.Linear` at `prefix` (weight [out, in], transposed to burn's [in, out]).
    pub fn linear(&mut self, linear: &mut Linear, prefix: &str) {
        let shape = linear.weight.lazy_shape().to_vec();
        let torch_shape = [shape[1], shape[0]];
        if let Some(values) = self.values(&format!("{prefix}.weight"), &torch_shape) {
            let device = linear.weight.lazy_device();
            let w = Tensor::<2>::from_data(TensorData::new(values, torch_shape), &device);
            linear.weight = Param::from_tensor(w.transpose());
        }
        if let Some(bias) = linear.bias.as_mut() {
            self.param(bias, &format!("{prefix}.bias"));
        }
    }

    /// A torch `nn.LayerNorm` with affine at `prefix`.
    pub fn layer_norm(&mut self, norm: &mut LayerNorm, prefix: &str) {
        self.param(&mut norm.gamma, &format!("{prefix}.weight"));
        if let Some(beta) = norm.beta.as_mut() {
            self.param(beta, &format!("{prefix}.bias"));
        }
    }

    /// A torch `nn.RMSNorm` at `prefix`.
    pub fn rms_norm(&mut self, norm: &mut RmsNorm, prefix: &str) {
        self.param(&mut norm.gamma, &format!("{prefix}.weight"));
    }

    /// The report of what was asked for (missing, mis-shaped, unreadable), ignoring the file's
    /// other tensors: for loading one part of a model at a time.
    pub fn finish_part(mut self) -> Result<(), LoadError> {
        self.report.unexpected.clear();
        if self.report.is_clean() {
            Ok(())
        } else {
            Err(LoadError::Mismatch {
                path: self.origin.display().to_string(),
                report: self.report,
            })
        }
    }

    /// Host values of rows `rows` of the 2-D tensor `name` (a reference name) whose full shape
    /// is `expected` (fp8 scales applied), reading only those rows.
    pub fn rows(&mut self, name: &str, expected: &[usize], rows: &[usize]) -> Option<Vec<f32>> {
        let Some((index, stored)) = self.locations.get(name).cloned() else {
            self.report.missing.push(name.to_owned());
            return None;
        };
        self.used.insert(name.to_owned());
        let file = self.files[index];
        let shape = file.shape(&stored).unwrap_or_default().to_vec();
        if shape != expected {
            self.report
                .misshaped
                .push((name.to_owned(), expected.to_vec(), shape));
            return None;
        }
        match file.f32_rows(&stored, rows) {
            Ok(t) => Some(self.dequantised(file, &stored, t.values)),
            Err(e) => {
                self.report.unreadable.push(e.to_string());
                None
            }
        }
    }

    /// The report, with every file tensor the model did not use as unexpected (in the file's
    /// own names).
    pub fn finish(mut self) -> Result<(), LoadError> {
        let mut unexpected = std::mem::take(&mut self.untranslated);
        unexpected.extend(
            self.locations
                .iter()
                .filter(|(reference, _)| !self.used.contains(*reference))
                .map(|(_, (_, stored))| stored.clone()),
        );
        unexpected.sort();
        self.report.unexpected = unexpected;
        if self.report.is_clean() {
            Ok(())
        } else {
            Err(LoadError::Mismatch {
                path: self.origin.display().to_string(),
                report: self.report,
            })
        }
    }
}
