//! The Wan text-to-video / image-to-video pipeline: a diffusers model package
//! ([`WanPackage`], loaded into [`WanModels`]) and [`WanModels::generate`], which runs a
//! [`GenerateRequest`] as diffusers' `WanPipeline` does (and, with a first frame, as
//! `WanImageToVideoPipeline` with `expand_timesteps=True` does for Wan2.2 TI2V), calling back
//! after every step with a cheap RGB preview ([`StepPreview`]) that can cancel the run.
//!
//! ```no_run
//! use burn::prelude::Device;
//! use models::pipeline::{GenerateRequest, StepControl, WanModels};
//!
//! let device = Device::flex();
//! let mut wan = WanModels::load("Wan2.1-T2V-1.3B-Diffusers", &device)?;
//! let mut request = GenerateRequest::new("a cat walks across a sunny garden");
//! request.frames = 33;
//! let video = wan.generate(&request, |step| {
//!     println!("step {}/{}", step.step, step.steps);
//!     StepControl::Continue
//! })?;
//! assert_eq!(video.frames, 33);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod defaults;
mod error;
mod failure;
mod first_frame;
mod generate;
mod models;
mod motion_guide;
mod package;
mod preview;
mod request;
mod sampling;
mod single_files;
mod video;

pub use defaults::{PackageDefaults, WAN_NEGATIVE_PROMPT};
pub use error::{BoxError, PackageError, PipelineError};
pub use failure::{classify, FailureKind, FaultInjector, GpuFailure, SimulatedFault, Stage};
pub use first_frame::FirstFrame;
pub use models::{LoadOptions, WanModels};
pub use motion_guide::{latent_mask, DualClock, MotionGuide, Tie};
pub use package::{Component, WanPackage};
pub use preview::{
    LatentPreview, PreviewFrames, StepControl, StepPreview, WAN21_LATENT_RGB,
    WAN21_LATENT_RGB_BIAS, WAN22_LATENT_RGB, WAN22_LATENT_RGB_BIAS,
};
pub use request::{GenerateRequest, RgbImage, SizeRules};
pub use single_files::{file_kind, FileKind, SingleFileConfigs, SingleFiles, SPIECE_TENSOR};
pub use video::Video;
