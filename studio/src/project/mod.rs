//! The project folder: project.json (versioned schema) + assets/ + an autosave.

pub mod confine;
pub mod schema;
pub mod store;
pub mod upgrade;

pub use schema::{
    AudioClip, Engine, ExportSettings, Generation, Project, Shot, ShotSize, ShotSource, Subject,
    Transition, TransitionKind, MAX_SHOT_SECONDS, MAX_TRANSITION_SECONDS, MIN_SHOT_SECONDS,
    SCHEMA_VERSION,
};
pub use store::{
    ImportOptions, ImportedAudio, ImportedImage, OpenedProject, OriginalPicture, ProjectError,
};
