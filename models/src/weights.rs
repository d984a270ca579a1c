//! Setting a module's parameters from a safetensors file in the reference's tensor names, with a
//! report of missing, unexpected and mis-shaped tensors for a wrong file. Shared by every model.

use std::collections::BTreeSet;
use std::fmt;

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
    /// The file does not fit the model.
    #[error("{path} does not fit this model: {report}")]
    Mismatch { path: String, report: LoadReport },
}

/// A weights file being applied to a module tree.
pub struct Weights<'a> {
    file: &'a TensorFile,
    used: BTreeSet<String>,
    report: LoadReport,
}

impl<'a> Weights<'a> {
    pub fn new(file: &'a TensorFile) -> Self {
        Self {
            file,
            used: BTreeSet::new(),
            report: LoadReport::default(),
        }
    }

    /// Host values of `name` if its shape is `expected`; records what went wrong otherwise.
    pub fn values(&mut self, name: &str, expected: &[usize]) -> Option<Vec<f32>> {
        if !self.file.contains(name) {
            self.report.missing.push(name.to_owned());
            return None;
        }
        self.used.insert(name.to_owned());
        match self.file.f32(name) {
            Ok(t) if t.shape == expected => Some(t.values),
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

    /// The report, with every unused file tensor as unexpected.
    pub fn finish(mut self) -> Result<(), LoadError> {
        self.report.unexpected = self
            .file
            .names()
            .into_iter()
            .filter(|n| !self.used.contains(n))
            .collect();
        if self.report.is_clean() {
            Ok(())
        } else {
            Err(LoadError::Mismatch {
                path: self.file.path().display().to_string(),
                report: self.report,
            })
        }
    }
}
