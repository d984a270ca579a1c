//! What can go wrong loading a model package or generating a video, said so that a person can
//! act on it.

use std::path::PathBuf;

use super::failure::GpuFailure;
use crate::scheduler::SchedulerError;
use crate::t5::PromptError;

/// A boxed source error of a component.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A model package folder that cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// The path is not a folder.
    #[error(
        "{path} is not a model package: a Wan model is a diffusers folder (model_index.json, \
         scheduler/, text_encoder/, tokenizer/, transformer/, vae/), e.g. a download of \
         Wan-AI/Wan2.1-T2V-1.3B-Diffusers, or ComfyUI's files (a transformer in \
         diffusion_models/, its VAE in vae/, umT5 in text_encoders/)"
    )]
    NotAFolder { path: PathBuf },
    /// A file or folder the package needs is not there.
    #[error("{path} is missing: {hint}")]
    Missing { path: PathBuf, hint: String },
    /// `model_index.json` cannot be read or parsed.
    #[error("{path} is not a diffusers model_index.json: {message}")]
    ModelIndex { path: PathBuf, message: String },
    /// The package is a kind of Wan model this pipeline does not run.
    #[error("{path}: {message}")]
    Unsupported { path: PathBuf, message: String },
    /// One component (its config, tokenizer or weights) cannot be loaded.
    #[error("the {component} in {folder} cannot be loaded: {source}")]
    Component {
        component: &'static str,
        folder: PathBuf,
        #[source]
        source: BoxError,
    },
    /// The components do not fit together (e.g. a VAE from another model).
    #[error("{root}: the components do not fit together: {message}")]
    Mismatch { root: PathBuf, message: String },
    /// The device failed while the weights were loading (out of memory, lost).
    #[error(transparent)]
    Gpu(GpuFailure),
}

/// A generation that failed or was stopped.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The request cannot be run by this model (sizes, frame count, steps, image).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The prompt could not be tokenized.
    #[error("the prompt could not be encoded: {0}")]
    Prompt(#[from] PromptError),
    /// The run would not fit the device (or a buffer one binding): what to change.
    #[error("this generation does not fit: {0}")]
    Plan(#[from] crate::plan::PlanError),
    /// The released text encoder could not be loaded again for a new prompt.
    #[error("the text encoder could not be loaded again for a new prompt: {0}")]
    TextEncoder(String),
    /// The sampler could not be set up.
    #[error(transparent)]
    Scheduler(#[from] SchedulerError),
    /// The step callback asked to stop; nothing was produced.
    #[error("generation cancelled")]
    Cancelled,
    /// The device failed (out of memory, lost) or the values became NaN: where, and what to
    /// change.
    #[error(transparent)]
    Gpu(#[from] GpuFailure),
    /// A result could not be read back from the device.
    #[error("reading {what} back from the device failed: {message}")]
    Readback { what: &'static str, message: String },
}
