//! The MP4 container, written by muxide.
//!
//! muxide keeps the samples in memory and, at `finish`, writes `ftyp`, `moov`, then `mdat`
//! ("fast start": players can begin before the whole file has arrived). It writes no edit
//! list and takes SPS/PPS for the `avcC` box from the first frame, which must be an IDR
//! frame with them in front (OpenH264 puts them before every IDR frame). Timestamps are in
//! a 90 kHz media timescale, for the sound too: one 1024-sample AAC frame at 48 kHz is
//! exactly 1920 ticks.

use std::io::Write;
use std::path::Path;

use muxide::api::{AacProfile, AudioCodec, Muxer, MuxerBuilder, MuxerError, VideoCodec};

use super::{ExportError, VideoSpec};

/// muxide's media timescale (ticks per second).
pub(crate) const MEDIA_TIMESCALE: u64 = 90_000;

/// MP4 writer: video frames in, one after another at a constant rate, and optionally
/// AAC frames for a second (sound) track.
pub(crate) struct Mp4Writer<W: Write> {
    muxer: Muxer<W>,
    fps: u64,
    frames: u64,
    audio_frames: u64,
}

/// Media ticks per 1024-sample AAC frame at 48 kHz.
pub(crate) const AAC_FRAME_TICKS: u64 =
    crate::audio::AAC_FRAME as u64 * MEDIA_TIMESCALE / crate::audio::SAMPLE_RATE as u64;

fn muxer_error(e: MuxerError) -> ExportError {
    ExportError::Muxer(e.to_string())
}

impl<W: Write> Mp4Writer<W> {
    /// A writer for `spec` video, with an AAC-LC 48 kHz stereo track when `audio`.
    pub(crate) fn new(writer: W, spec: VideoSpec, audio: bool) -> Result<Self, ExportError> {
        let mut builder = MuxerBuilder::new(writer)
            .video(VideoCodec::H264, spec.width, spec.height, spec.fps as f64)
            .with_fast_start(true);
        if audio {
            builder = builder.audio(
                AudioCodec::Aac(AacProfile::Lc),
                crate::audio::SAMPLE_RATE,
                2,
            );
        }
        let muxer = builder.build().map_err(muxer_error)?;
        Ok(Self {
            muxer,
            fps: spec.fps as u64,
            frames: 0,
            audio_frames: 0,
        })
    }

    /// Adds the next AAC frame (ADTS), each 1024 samples after the one before, the first
    /// at 0 s like the first video frame. Call after the first video frame.
    pub(crate) fn push_audio(&mut self, adts: &[u8]) -> Result<(), ExportError> {
        let pts = (self.audio_frames * AAC_FRAME_TICKS) as f64 / MEDIA_TIMESCALE as f64;
        self.muxer.write_audio(pts, adts).map_err(muxer_error)?;
        self.audio_frames += 1;
        Ok(())
    }

    /// Adds the next frame: Annex B H.264 bytes, `keyframe` when it is an IDR frame.
    pub(crate) fn push(&mut self, annexb: &[u8], keyframe: bool) -> Result<(), ExportError> {
        // Whole ticks, so muxide's rounding gives back exactly this value.
        let ticks = pts_ticks(self.frames, self.fps);
        let pts = ticks as f64 / MEDIA_TIMESCALE as f64;
        self.muxer
            .write_video(pts, annexb, keyframe)
            .map_err(muxer_error)?;
        self.frames += 1;
        Ok(())
    }

    /// Writes the container out. The last frame lasts as long as the one before it; a
    /// single frame is fixed up afterwards by [`super::boxes::finalize`].
    /// I/O errors name `path`, the file being written.
    pub(crate) fn finish(self, path: &Path) -> Result<(), ExportError> {
        self.muxer.finish().map_err(|e| match e {
            MuxerError::Io(e) => ExportError::io("write", path, e),
            e => muxer_error(e),
        })
    }
}

/// Presentation time of frame `index` in media ticks, rounded to the nearest tick.
pub(crate) fn pts_ticks(index: u64, fps: u64) -> u64 {
    (index * MEDIA_TIMESCALE + fps / 2) / fps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_exact_for_common_rates() {
        assert_eq!(pts_ticks(30, 30), 90_000);
        assert_eq!(pts_ticks(1, 30), 3_000);
        assert_eq!(pts_ticks(25, 25), 90_000);
        assert_eq!(pts_ticks(60, 60), 90_000);
        // 7 fps does not divide 90 kHz: rounded to the nearest tick, never drifting.
        assert_eq!(pts_ticks(7, 7), 90_000);
        assert_eq!(pts_ticks(1, 7), 12_857);
    }
}
