//! The typed commands the UI invokes. Each returns `Result<_, String>`: the error text is
//! shown to the creator as is, so it says which file and what to do.

pub mod app;
pub mod audio;
pub mod engine;
pub mod export;
pub mod generate;
pub mod models;
pub mod playback;
pub mod preview;
pub mod project;
pub mod script;
pub mod sequence;
pub mod subjects;

/// The text the UI shows for an error (our error types already name the file and the fix).
pub fn ui_error(err: impl std::fmt::Display) -> String {
    err.to_string()
}
