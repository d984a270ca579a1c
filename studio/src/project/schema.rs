//! The data saved in project.json. The schema is versioned: a file from a newer Motionboard is
//! refused rather than half-understood, and older versions are upgraded on load.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::export::{Fit, Preset, PRESET_FPS};
use crate::motion::Motion;

/// The version this build writes and the newest it can read.
pub const SCHEMA_VERSION: u32 = 1;

/// Shortest and longest shot a creator can set, in seconds.
pub const MIN_SHOT_SECONDS: f32 = 1.0;
pub const MAX_SHOT_SECONDS: f32 = 15.0;

/// A whole project: what project.json holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Project {
    pub schema_version: u32,
    pub name: String,
    pub shots: Vec<Shot>,
    #[serde(default)]
    pub export: ExportSettings,
}

/// One shot: a picture, what moves in it, and for how long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Shot {
    pub id: String,
    pub name: String,
    /// The source picture, relative to the project folder (`assets/<sha256>.<ext>`).
    pub image: Option<String>,
    /// The source picture's size in pixels, so the UI can lay out the stage before decoding.
    #[serde(default)]
    pub image_size: Option<(u32, u32)>,
    pub seconds: f32,
    #[serde(default)]
    pub motion: Motion,
}

/// How the project exports.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ExportSettings {
    /// `None` keeps the picture's own size (rounded down to even numbers).
    pub preset: Option<Preset>,
    #[serde(default)]
    pub fit: Fit,
}

impl ExportSettings {
    /// Frames per second of the export: every preset is 30 fps, and so is the original size.
    pub fn fps(&self) -> u32 {
        self.preset.map_or(PRESET_FPS, Preset::fps)
    }
}

impl Project {
    /// A new project with one empty shot.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            name: name.into(),
            shots: vec![Shot::new("shot-1", "Shot 1")],
            export: ExportSettings::default(),
        }
    }
}

impl Shot {
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            image: None,
            image_size: None,
            seconds: 5.0,
            motion: Motion::default(),
        }
    }
}
