//! What can stop a sequence from rendering, each naming the shot or clip and the file.

use std::path::PathBuf;

use thiserror::Error;

use crate::audio::AudioError;
use crate::export::ExportError;
use crate::picture::PictureError;
use crate::project::ProjectError;
use crate::render::RenderError;

#[derive(Debug, Error)]
pub enum SequenceError {
    #[error("the project has no shots yet; add one (motionboard add-shot) before rendering")]
    NoShots,
    #[error("shot {shot} (\"{name}\") has no picture; import one, or let it continue from the previous shot")]
    NoPicture { shot: usize, name: String },
    #[error("shot {shot} (\"{name}\"): its generated frames cannot be read ({message}); generate it again")]
    Generated {
        shot: usize,
        name: String,
        message: String,
    },
    #[error(
        "shot {shot} (\"{name}\"): its generated clip is out of date (the shot changed since \
         it was generated); generate it again, or discard the clip to export the warp \
         engine's frames"
    )]
    OutOfDateClip { shot: usize, name: String },
    #[error(
        "shot {shot} (\"{name}\"): its generated clip is missing from the project's cache; \
         generate it again, or discard the clip to export the warp engine's frames"
    )]
    MissingClip { shot: usize, name: String },
    #[error("shot 1 (\"{name}\") continues from the previous shot, but there is none; give it a picture")]
    FirstShotContinues { name: String },
    #[error("shot {shot} (\"{name}\"): {source}")]
    Picture {
        shot: usize,
        name: String,
        source: PictureError,
    },
    #[error("shot {shot} (\"{name}\"): {source}")]
    Shot {
        shot: usize,
        name: String,
        source: RenderError,
    },
    #[error("audio clip {clip} (\"{name}\"): {source}")]
    Audio {
        clip: usize,
        name: String,
        source: AudioError,
    },
    #[error("audio clip {clip} (\"{name}\"): its file {path} is missing from the project; import the sound again")]
    MissingAudio {
        clip: usize,
        name: String,
        path: PathBuf,
    },
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(transparent)]
    Export(#[from] ExportError),
}
