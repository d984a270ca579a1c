//! The project folder: project.json (versioned schema) + assets/ + an autosave.

pub mod schema;
pub mod store;

pub use schema::{ExportSettings, Project, Shot, SCHEMA_VERSION};
pub use store::{ImportedImage, OpenedProject, ProjectError};
