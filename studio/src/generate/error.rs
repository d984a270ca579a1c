//! What can stop a generation, said so that a person can act on it.

use std::path::PathBuf;

use models::pipeline::{FailureKind, GpuFailure, PackageError, PipelineError};
use thiserror::Error;

use crate::picture::PictureError;
use crate::project::ProjectError;
use crate::render::RenderError;

#[derive(Debug, Error)]
pub enum GenerateError {
    #[error("shot {shot} does not exist; the project has {count} shots")]
    NoSuchShot { shot: usize, count: usize },
    #[error("shot {shot} ({name}) has no generated clip to discard")]
    NoClip { shot: usize, name: String },
    #[error("shot {shot} ({name}) uses the warp engine: there is nothing to generate")]
    WarpEngine { shot: usize, name: String },
    #[error(
        "shot {shot} ({name}) has no picture; image-to-video starts from one: import a \
         picture for it, or switch it to text-to-video"
    )]
    NoPicture { shot: usize, name: String },
    #[error(
        "shot {shot} ({name}) has motion (paths, held regions or a camera move), but \
         text-to-video has no image condition to steer, so the motion would be lost: switch \
         the shot to image-to-video (`--engine wan-image-to-video`, a Wan2.2 TI2V package) \
         with a picture, or clear its motion"
    )]
    MotionNeedsImage { shot: usize, name: String },
    #[error(
        "shot {shot} ({name}) continues from the previous shot: generate the previous shot \
         first, or give this shot its own picture"
    )]
    PreviousNotGenerated { shot: usize, name: String },
    #[error(
        "no installed model package runs {engine}: install one in the Models panel (or \
         `motionboard models download wan2.1-t2v-1.3b` / `wan2.2-ti2v-5b`)"
    )]
    NoPackage { engine: &'static str },
    #[error("the model package {model:?} is not installed; installed: {installed}")]
    UnknownPackage { model: String, installed: String },
    #[error("{root} does text-to-video only; image-to-video needs a Wan2.2 TI2V package")]
    NotImageToVideo { root: PathBuf },
    #[error(transparent)]
    Package(#[from] PackageError),
    #[error("shot {shot}: {source}")]
    Pipeline {
        shot: usize,
        #[source]
        source: PipelineError,
    },
    #[error(
        "shot {shot}: {failure}. Nothing was saved: the project and its earlier clips are as \
         they were"
    )]
    Gpu { shot: usize, failure: GpuFailure },
    #[error("{failure}. Nothing was saved: the project and its earlier clips are as they were")]
    LoadingFailed { failure: GpuFailure },
    #[error("the engine's device cannot be used: {0}")]
    Device(String),
    #[error("generation cancelled")]
    Cancelled,
    #[error(transparent)]
    Picture(#[from] PictureError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(
        "the generated clip ({size}) could not be saved in {folder}: the disk is full; \
         {advice}, then generate again (nothing was half-written, and the project still \
         uses its earlier clip)",
        size = crate::disk::human_bytes(*needed),
        advice = crate::disk::free_advice(folder, Some(*needed))
    )]
    DiskFull { folder: PathBuf, needed: u64 },
    #[error("the generated frames could not be saved in {path}: {message}")]
    Cache { path: PathBuf, message: String },
}

impl GenerateError {
    /// How the device failed, when it did (out of memory, lost, NaN): the queue frees or
    /// reopens the engine accordingly.
    pub fn device_failure(&self) -> Option<FailureKind> {
        match self {
            GenerateError::Gpu { failure, .. } | GenerateError::LoadingFailed { failure } => {
                Some(failure.kind)
            }
            _ => None,
        }
    }
}
