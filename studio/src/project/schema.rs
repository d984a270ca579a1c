//! The data saved in project.json. The schema is versioned: a file from a newer Motionboard is
//! refused rather than half-understood, and older versions are upgraded on load
//! ([`super::upgrade`]).
//!
//! Version 2 (the storyboard) adds, all with defaults so that a version 1 file reads as is:
//! per shot a [`ShotSource`], prompt and negative prompt, [`ShotSize`], seed, the
//! [`Transition`] into the next shot and the ids of the [`Subject`]s it shows; per project
//! the audio lanes' [`AudioClip`]s and the subject library.
//!
//! Still version 2, with defaults: per shot its [`Generation`] settings (which engine makes
//! its frames, and how) and the cache key of its last generated result; per shot its
//! [`Crop`] in the output frame (centred, zoom 1 when absent: the plain fit).
//!
//! Version 3 (painted masks): a motion path may carry a painted
//! [`crate::motion::PathMask`] instead of moving its disk ([`super::upgrade`]).
//!
//! Camera moves stay one [`crate::motion::Camera`] per shot (no keyframes yet): keyframes
//! need the warp engine to interpolate between moves, which is a change of its own.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::export::{Crop, Fit, Preset, PRESET_FPS};
use crate::motion::Motion;

/// The version this build writes and the newest it can read.
pub const SCHEMA_VERSION: u32 = 3;

/// Shortest and longest shot a creator can set, in seconds.
pub const MIN_SHOT_SECONDS: f32 = 1.0;
pub const MAX_SHOT_SECONDS: f32 = 15.0;

/// The longest transition, in seconds. A transition never takes more than half of either
/// shot it joins: the sequence timing shortens it to fit (see `crate::sequence`).
pub const MAX_TRANSITION_SECONDS: f32 = 5.0;

/// A whole project: what project.json holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Project {
    pub schema_version: u32,
    pub name: String,
    /// The storyboard, in playing order.
    pub shots: Vec<Shot>,
    #[serde(default)]
    pub export: ExportSettings,
    /// The sound under the pictures, mixed together on export.
    #[serde(default)]
    pub audio: Vec<AudioClip>,
    /// The subject library: characters or products that shots refer to by id.
    #[serde(default)]
    pub subjects: Vec<Subject>,
}

/// Where a shot's picture comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum ShotSource {
    /// The shot's own picture ([`Shot::image`]).
    #[default]
    Image,
    /// The previous shot's last rendered frame, so the action carries on across the cut.
    /// The shot's `image` is kept (switching back restores it) but not used.
    PreviousShot,
}

/// How much of the scene a shot frames, widest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum ShotSize {
    ExtremeLong,
    Long,
    Full,
    #[default]
    Medium,
    CloseUp,
    ExtremeCloseUp,
}

impl ShotSize {
    pub const ALL: [ShotSize; 6] = [
        ShotSize::ExtremeLong,
        ShotSize::Long,
        ShotSize::Full,
        ShotSize::Medium,
        ShotSize::CloseUp,
        ShotSize::ExtremeCloseUp,
    ];

    /// The name used on the command line and in project.json.
    pub fn name(self) -> &'static str {
        match self {
            ShotSize::ExtremeLong => "extreme-long",
            ShotSize::Long => "long",
            ShotSize::Full => "full",
            ShotSize::Medium => "medium",
            ShotSize::CloseUp => "close-up",
            ShotSize::ExtremeCloseUp => "extreme-close-up",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The kinds of transition from one shot into the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum TransitionKind {
    /// Straight cut: the next shot's first frame follows this shot's last.
    #[default]
    Cut,
    /// The two shots overlap for the transition's length, this one fading into the next.
    /// The sequence is shorter than the sum of its shots by the overlap.
    Crossfade,
    /// This shot fades to black over the first half of the transition and the next fades in
    /// from black over the second half. No overlap: the sequence keeps its length.
    Dip,
}

impl TransitionKind {
    pub const ALL: [TransitionKind; 3] = [
        TransitionKind::Cut,
        TransitionKind::Crossfade,
        TransitionKind::Dip,
    ];

    /// The name used on the command line and in project.json.
    pub fn name(self) -> &'static str {
        match self {
            TransitionKind::Cut => "cut",
            TransitionKind::Crossfade => "crossfade",
            TransitionKind::Dip => "dip",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// The transition from a shot into the one after it (the last shot's is not used).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Transition {
    pub kind: TransitionKind,
    /// How long the transition lasts on the sequence, in seconds (ignored for a cut).
    pub seconds: f32,
}

/// One shot: a picture, what moves in it, and for how long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Shot {
    pub id: String,
    pub name: String,
    /// Where the picture comes from: [`Shot::image`] or the previous shot's last frame.
    #[serde(default)]
    pub source: ShotSource,
    /// The source picture, relative to the project folder (`assets/<sha256>.<ext>`).
    pub image: Option<String>,
    /// The source picture's size in pixels, so the UI can lay out the stage before decoding.
    #[serde(default)]
    pub image_size: Option<(u32, u32)>,
    pub seconds: f32,
    #[serde(default)]
    pub motion: Motion,
    /// What the video model should make of the shot.
    #[serde(default)]
    pub prompt: String,
    /// What it should avoid.
    #[serde(default)]
    pub negative_prompt: String,
    #[serde(default)]
    pub shot_size: ShotSize,
    /// The generation seed: the same project, seed and model give the same frames.
    #[serde(default)]
    pub seed: u32,
    /// The transition into the next shot.
    #[serde(default)]
    pub transition: Transition,
    /// Ids of the [`Subject`]s this shot shows.
    #[serde(default)]
    pub subjects: Vec<String>,
    /// Which engine makes the shot's frames, and its settings; absent: the defaults (the
    /// warp engine), so shots written before generation existed need nothing new.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub generation: Option<Generation>,
    /// The cache key of the shot's last generated result (under `cache/generated/`); the
    /// sequence plays it instead of the warp engine's frames. A failed or cancelled
    /// generation leaves it as it was.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub result: Option<String>,
    /// Which part of the picture the output frame keeps (the export and the sequence
    /// preview use it; the stage draws it).
    #[serde(default)]
    pub crop: Crop,
}

/// What makes a shot's frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum Engine {
    /// The warp engine alone: instant, on the CPU, no model.
    #[default]
    Warp,
    /// A Wan model from the prompt; a picture and motion, when the shot has them, steer it
    /// (Time-to-Move without an image condition).
    WanTextToVideo,
    /// A Wan2.2 TI2V model from the shot's picture as first frame, steered by its motion
    /// (Time-to-Move).
    WanImageToVideo,
}

impl Engine {
    pub const ALL: [Engine; 3] = [
        Engine::Warp,
        Engine::WanTextToVideo,
        Engine::WanImageToVideo,
    ];

    /// The name used on the command line and in project.json.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Warp => "warp",
            Engine::WanTextToVideo => "wan-text-to-video",
            Engine::WanImageToVideo => "wan-image-to-video",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.name() == name)
    }
}

/// How a model generates a shot. The defaults are the package's official ones (50 UniPC
/// steps; guidance, shift, frame rate and length from its repository: see
/// `models::pipeline::PackageDefaults`) and Time-to-Move's for drags (t_weak 3, t_strong 7
/// of 50 steps).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct Generation {
    pub engine: Engine,
    /// The model package (its id in the model store, or a folder); empty: the first
    /// installed package that runs the engine.
    pub model: String,
    pub steps: u32,
    /// Classifier-free guidance; `None`: the package's recommended scale.
    pub guidance: Option<f32>,
    /// The sampler's timestep shift; `None`: the package's recommended shift.
    pub shift: Option<f32>,
    /// Step at which the whole frame starts from the noised warp (higher: the background
    /// follows the warp longer).
    pub t_weak: u32,
    /// Inside the moved and held regions the latent follows the warp until this step
    /// (higher: the motion is followed more rigidly).
    pub t_strong: u32,
    /// The generated size (width, height); `None`: the model's own size for the shot's
    /// aspect (832x480 / 480x832 for Wan2.1, 1280x704 / 704x1280 for Wan2.2).
    pub size: Option<(u32, u32)>,
    /// Generated frames (4k + 1); `None`: the shot's duration at the package's frame rate,
    /// at most its longest run (Wan2.1: 16 fps, 81 frames; Wan2.2 TI2V: 24 fps, 121).
    pub frames: Option<u32>,
}

impl Default for Generation {
    fn default() -> Self {
        Self {
            engine: Engine::Warp,
            model: String::new(),
            steps: 50,
            guidance: None,
            shift: None,
            t_weak: 3,
            t_strong: 7,
            size: None,
            frames: None,
        }
    }
}

/// A sound file placed on the audio lanes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AudioClip {
    pub id: String,
    pub name: String,
    /// The sound file, relative to the project folder (`assets/<sha256>.<ext>`).
    pub file: String,
    /// The whole file's length in seconds, as imported (for drawing and trimming).
    pub file_seconds: f64,
    /// Where the clip's first audible sample sits on the sequence, in seconds.
    #[serde(default)]
    pub start: f64,
    /// Gain in dB (0 leaves it as is, -6 halves it).
    #[serde(default)]
    pub gain_db: f32,
    /// Seconds cut from the start of the file.
    #[serde(default)]
    pub trim_in: f64,
    /// Where in the file the clip stops, in seconds; `None` for the end of the file.
    #[serde(default)]
    pub trim_out: Option<f64>,
    /// Fade-in and fade-out lengths in seconds (0 for none).
    #[serde(default)]
    pub fade_in: f64,
    #[serde(default)]
    pub fade_out: f64,
}

/// A named reference (a character, a product) with one or more pictures of it. Shots link
/// to it by id, so renaming or replacing it changes every shot that uses it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Subject {
    pub id: String,
    pub name: String,
    /// Reference pictures, relative to the project folder (`assets/<sha256>.<ext>`).
    #[serde(default)]
    pub images: Vec<String>,
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
            shots: vec![Shot::new("shot-1", "Shot 1")],
            ..Self::empty(name)
        }
    }

    /// A new project with no shot at all.
    pub fn empty(name: impl Into<String>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            name: name.into(),
            shots: Vec::new(),
            export: ExportSettings::default(),
            audio: Vec::new(),
            subjects: Vec::new(),
        }
    }

    /// Every asset the project refers to (pictures, sound files, subject references), each
    /// once, in order of first use.
    pub fn assets(&self) -> Vec<&str> {
        let shots = self.shots.iter().filter_map(|s| s.image.as_deref());
        let audio = self.audio.iter().map(|c| c.file.as_str());
        let subjects = self
            .subjects
            .iter()
            .flat_map(|s| s.images.iter().map(String::as_str));
        let mut seen = std::collections::HashSet::new();
        shots
            .chain(audio)
            .chain(subjects)
            .filter(|a| seen.insert(*a))
            .collect()
    }

    /// An id of the form `{prefix}-{n}` that no shot, clip or subject uses yet.
    pub fn fresh_id(&self, prefix: &str) -> String {
        let taken = |id: &str| {
            self.shots.iter().any(|s| s.id == id)
                || self.audio.iter().any(|c| c.id == id)
                || self.subjects.iter().any(|s| s.id == id)
        };
        (1..)
            .map(|n| format!("{prefix}-{n}"))
            .find(|id| !taken(id))
            .unwrap_or_else(|| prefix.to_string())
    }
}

impl Shot {
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            source: ShotSource::Image,
            image: None,
            image_size: None,
            seconds: 5.0,
            motion: Motion::default(),
            prompt: String::new(),
            negative_prompt: String::new(),
            shot_size: ShotSize::default(),
            seed: 0,
            transition: Transition::default(),
            subjects: Vec::new(),
            generation: None,
            result: None,
            crop: Crop::default(),
        }
    }

    /// The shot's generation settings (the defaults when it has none).
    pub fn generation(&self) -> Generation {
        self.generation.clone().unwrap_or_default()
    }

    /// The generated result that plays for this shot: its `result`, unless the shot uses the
    /// warp engine. The engine decides: a result kept from before the creator switched back
    /// to warp stays recorded (switching back to the model restores it) but never plays.
    pub fn playing_result(&self) -> Option<&str> {
        match self.generation().engine {
            Engine::Warp => None,
            _ => self.result.as_deref(),
        }
    }
}

impl AudioClip {
    /// The whole of `file` (lasting `file_seconds`) at the start of the sequence.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        file: impl Into<String>,
        file_seconds: f64,
    ) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            file: file.into(),
            file_seconds,
            start: 0.0,
            gain_db: 0.0,
            trim_in: 0.0,
            trim_out: None,
            fade_in: 0.0,
            fade_out: 0.0,
        }
    }
}
