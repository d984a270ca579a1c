//! Generating a shot with a video model: the shot's picture, prompt and motion become a
//! `models::pipeline::GenerateRequest` (the warp engine's frames as a Time-to-Move motion
//! guide), the engine's frames come back step by step, and the result is kept in the
//! project's cache under a key made of everything that determines it, so an unchanged shot is
//! never generated twice and a failed or cancelled run touches nothing.
//!
//! - [`plan`]: the request a shot makes (size, frames, steps, strengths);
//! - [`guide`]: the first frame and the motion guide from the warp engine;
//! - [`key`]: the cache key;
//! - [`cache`]: generated clips on disk (`cache/generated/<key>/`);
//! - [`clip`]: whether a shot's clip still matches the shot, and discarding it;
//! - [`package`]: which model package runs a shot;
//! - [`run`]: [`ShotGenerator`], which loads models once and generates shots;
//! - [`queue`]: [`GenerateQueue`], shots waiting for the engine on one worker thread, shared
//!   by the app and the CLI.

pub mod cache;
pub mod clip;
mod error;
pub mod guide;
pub mod key;
pub mod package;
pub mod plan;
pub mod queue;
pub mod run;

pub use cache::{GeneratedClip, ResultCache};
pub use clip::{clip_state, clip_states, discard_clip, shot_recipe, ClipState};
pub use error::GenerateError;
pub use plan::ShotPlan;
pub use queue::{GenerateEvent, GenerateQueue, GenerationStatus, JobSink, QueueSources};
pub use run::{faults_from_env, GenerateOptions, ShotGenerator, StepUpdate, INJECT_FAULT_VAR};
