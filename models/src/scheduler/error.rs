//! What can go wrong when setting up a sampler, said so that a person can act on it.

use std::path::PathBuf;

/// An error from loading a scheduler config or building a sampling schedule.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    /// The config file could not be read.
    #[error("cannot read the scheduler config {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The config file is not a diffusers scheduler config.
    #[error(
        "the scheduler config {path} is not a diffusers scheduler_config.json: {source} \
         (save one with `scheduler.save_pretrained(folder)`)"
    )]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The config names a scheduler class, or a setting, that Motionboard does not implement.
    #[error("{0}")]
    Unsupported(String),
    /// The requested schedule cannot be built (no steps, sigmas out of range, ...).
    #[error("invalid sampling schedule: {0}")]
    InvalidSchedule(String),
}
