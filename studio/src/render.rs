//! Rendering a shot: source picture + motion -> warped frames -> reframed -> MP4.
//!
//! The CLI's `animate` and `render` and the desktop app's export all go through
//! [`render_shot_to_mp4`], so what a creator previews and what a script renders are the same.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use image::imageops::FilterType;
use image::RgbImage;
use thiserror::Error;

use crate::export::{export_mp4, Crop, ExportError, Fit, Framing, Preset, VideoSpec};
use crate::generate::GeneratedClip;
use crate::motion::{Motion, MotionError};
use crate::picture::PictureError;
use crate::project::ProjectError;
use crate::warp::{frame_time, Warper};

#[derive(Debug, Error)]
pub enum RenderError {
    #[error(transparent)]
    Picture(#[from] PictureError),
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error("invalid motion: {0}")]
    Motion(#[from] MotionError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error("duration {0} s is out of range; use 0.1 to 60 seconds")]
    BadDuration(f32),
    #[error("frame rate {0} is out of range; use 1 to 120 frames per second")]
    BadFps(u32),
    #[error("the generated clip has no frames; generate the shot again")]
    EmptyClip,
}

/// Everything that decides how a shot's frames look, apart from the picture itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ShotSettings {
    pub motion: Motion,
    pub seconds: f32,
    pub fps: u32,
    /// `None` keeps the picture's own size (rounded down to even numbers).
    pub preset: Option<Preset>,
    pub fit: Fit,
    /// Where the frame sits on the picture.
    pub crop: Crop,
}

/// The output frame size for a picture of `picture_size`.
pub fn output_size(picture_size: (u32, u32), preset: Option<Preset>) -> (u32, u32) {
    match preset {
        Some(p) => p.size(),
        None => (picture_size.0 & !1, picture_size.1 & !1),
    }
}

/// Frame count for a duration: the frames that start within it.
pub fn frame_count(seconds: f32, fps: u32) -> u32 {
    ((seconds * fps as f32).round() as u32).max(1)
}

/// A shot ready to render frame by frame: the warp engine over its picture, or its
/// generated clip.
pub struct ShotRenderer {
    warper: Warper,
    /// A generated clip plays instead of the warp (stretched to the shot's length).
    clip: Option<GeneratedClip>,
    framing: Framing,
    spec: VideoSpec,
    frames: u32,
}

impl ShotRenderer {
    pub fn new(picture: RgbImage, settings: &ShotSettings) -> Result<Self, RenderError> {
        let size = output_size(picture.dimensions(), settings.preset);
        Self::with_output_size(picture, settings, size)
    }

    /// A renderer whose frames are `size` (width, height) whatever the preset says: the
    /// picture is framed into it with `settings.fit`. A sequence's shots share one size.
    pub fn with_output_size(
        picture: RgbImage,
        settings: &ShotSettings,
        size: (u32, u32),
    ) -> Result<Self, RenderError> {
        settings.motion.validate()?;
        if !(settings.seconds.is_finite() && (0.1..=60.0).contains(&settings.seconds)) {
            return Err(RenderError::BadDuration(settings.seconds));
        }
        if !(1..=120).contains(&settings.fps) {
            return Err(RenderError::BadFps(settings.fps));
        }
        let (width, height) = size;
        let spec = VideoSpec {
            width,
            height,
            fps: settings.fps,
        };
        let framing = Framing::with_crop(
            picture.width(),
            picture.height(),
            width,
            height,
            settings.fit,
            settings.crop,
        );
        let (cw, ch) = framing.content_size();
        let content = if (cw, ch) == picture.dimensions() {
            picture
        } else {
            image::imageops::resize(&picture, cw, ch, FilterType::Triangle)
        };
        Ok(Self {
            warper: Warper::new(content, &settings.motion),
            clip: None,
            framing,
            spec,
            frames: frame_count(settings.seconds, settings.fps),
        })
    }

    /// A renderer that plays a generated `clip`, framed into `size` with `settings.fit`, for
    /// `settings.seconds` at `settings.fps` (the clip is stretched to that length).
    pub fn from_clip(
        clip: GeneratedClip,
        settings: &ShotSettings,
        size: (u32, u32),
    ) -> Result<Self, RenderError> {
        let first = clip.frames.first().cloned().ok_or(RenderError::EmptyClip)?;
        let mut renderer = Self::with_output_size(
            first,
            &ShotSettings {
                motion: Motion::default(),
                ..settings.clone()
            },
            size,
        )?;
        renderer.clip = Some(clip);
        Ok(renderer)
    }

    pub fn spec(&self) -> VideoSpec {
        self.spec
    }

    pub fn frame_count(&self) -> u32 {
        self.frames
    }

    /// Where frame `index` is steered (`crate::warp::Warper::steered_mask`), framed like the
    /// frame: `[height, width]` bytes of the output, 255 steered, 0 not.
    pub fn steered_mask(&self, index: u32) -> Vec<u8> {
        let content = self.warper.steered_mask(frame_time(index, self.frames));
        let (cw, ch) = (self.warper.width() as i64, self.warper.height() as i64);
        let (ow, oh) = (self.spec.width as usize, self.spec.height as usize);
        let (dx, dy) = self.framing.offset();
        let mut out = vec![0u8; ow * oh];
        for (y, row) in out.chunks_mut(ow.max(1)).enumerate() {
            let sy = y as i64 - dy as i64;
            if !(0..ch).contains(&sy) {
                continue;
            }
            for (x, v) in row.iter_mut().enumerate() {
                let sx = x as i64 - dx as i64;
                if (0..cw).contains(&sx) {
                    *v = content[(sy * cw + sx) as usize];
                }
            }
        }
        out
    }

    /// Renders frame `index` into `out` (sized to the output), using `scratch` for the
    /// content-sized warped picture.
    pub fn render_frame(&self, index: u32, scratch: &mut RgbImage, out: &mut RgbImage) {
        let t = frame_time(index, self.frames);
        if let Some(frame) = self.clip.as_ref().and_then(|c| c.frame_at(t)) {
            let (cw, ch) = self.framing.content_size();
            if frame.dimensions() == (cw, ch) {
                self.framing.compose(frame, out);
            } else {
                *scratch = image::imageops::resize(frame, cw, ch, FilterType::Triangle);
                self.framing.compose(scratch, out);
            }
            return;
        }
        self.warper.render_into(t, scratch);
        self.framing.compose(scratch, out);
    }
}

/// Renders a picture with motion into an MP4 at `out`. Nothing is left at `out` unless the
/// whole file was written.
pub fn render_shot_to_mp4(
    picture: RgbImage,
    settings: &ShotSettings,
    out: &Path,
    progress: impl FnMut(u32, u32),
    cancel: &AtomicBool,
) -> Result<(), RenderError> {
    let renderer = ShotRenderer::new(picture, settings)?;
    let mut scratch = RgbImage::new(1, 1);
    export_mp4(
        out,
        renderer.spec(),
        renderer.frame_count(),
        |index, frame| {
            renderer.render_frame(index, &mut scratch, frame);
            Ok(())
        },
        progress,
        cancel,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn original_size_rounds_down_to_even() {
        assert_eq!(output_size((641, 479), None), (640, 478));
        assert_eq!(output_size((641, 479), Some(Preset::Square)), (1080, 1080));
    }

    #[test]
    fn frame_count_is_seconds_times_fps() {
        assert_eq!(frame_count(5.0, 30), 150);
        assert_eq!(frame_count(1.0, 24), 24);
    }
}
