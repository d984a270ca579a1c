//! MP4 export: platform presets, reframing, H.264 encoding (openh264) and muxing (muxide).
//!
//! [`export_mp4`] writes H.264 (yuv420p, BT.709, closed GOPs with an IDR frame every
//! second) in an MP4 with `moov` before `mdat` and no edit list, exactly the frames it was
//! given, each lasting `1 / fps`. Frames are rendered and converted on the calling thread
//! while the previous ones are encoded on another.
//!
//! [`export_mp4_with_audio`] adds a sound track: the mix (48 kHz stereo) is encoded to
//! AAC-LC and muxed beside the video. Both tracks start at 0 s with no edit list (the
//! encoder's priming frame is dropped, see [`crate::audio::aac`]), and the sound track
//! lasts exactly as long as the video: the mix is cut or padded with silence to
//! `frames / fps`, and the last AAC frame's duration in the sample table is shortened to
//! the samples it really holds.

pub mod preset;

pub(crate) mod boxes;
mod encoder;
mod error;
mod mp4;
mod output;
mod reframe;
mod yuv;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc;

use image::RgbImage;

use crate::audio::{aac, Pcm, SAMPLE_RATE};
use crate::disk::{self, Metered};

pub use encoder::{Complexity, EncoderSettings};
pub use error::ExportError;
pub use preset::{Fit, Preset, PRESET_FPS};
pub use reframe::{max_zoom, zoom_limit, Crop, Framing, ZoomLimit, HEAVY_UPSCALE};

use encoder::H264Encoder;
use mp4::Mp4Writer;
use output::PartFile;
use yuv::YuvFrame;

/// Size and rate of the video to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoSpec {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
}

/// The sound to put in an export, and how to encode it.
#[derive(Debug, Clone, Copy)]
pub struct ExportAudio<'a> {
    /// The mix, 48 kHz stereo, starting with the first video frame. Cut or padded with
    /// silence to the video's length.
    pub pcm: &'a Pcm,
    /// AAC bit rate in bits per second.
    pub bitrate_bps: u32,
}

impl<'a> ExportAudio<'a> {
    /// `pcm` at the default bit rate ([`aac::DEFAULT_BITRATE`]).
    pub fn new(pcm: &'a Pcm) -> Self {
        ExportAudio {
            pcm,
            bitrate_bps: aac::DEFAULT_BITRATE,
        }
    }
}

/// Samples per channel of sound that last exactly as long as `frames` video frames.
pub fn audio_samples_for(frames: u32, fps: u32) -> usize {
    ((frames as u64 * SAMPLE_RATE as u64 + fps as u64 / 2) / fps.max(1) as u64) as usize
}

/// The highest frame rate [`export_mp4`] accepts.
pub const MAX_FPS: u32 = 240;

impl VideoSpec {
    /// Checks the size and rate can be encoded: even, non-zero sizes up to 3840x2160 (or
    /// 2160x3840), 1 to [`MAX_FPS`] frames per second.
    pub fn validate(&self) -> Result<(), ExportError> {
        let (width, height) = (self.width, self.height);
        let bad = |reason| {
            Err(ExportError::BadSize {
                width,
                height,
                reason,
            })
        };
        if width == 0 || height == 0 {
            return bad("width and height must be at least 2 pixels");
        }
        if width % 2 != 0 || height % 2 != 0 {
            return bad("width and height must be even numbers (H.264 4:2:0 needs pixel pairs)");
        }
        if width.max(height) > 3840 || width.min(height) > 2160 {
            return bad("the largest size the encoder takes is 3840x2160 (or 2160x3840)");
        }
        if !(1..=MAX_FPS).contains(&self.fps) {
            return Err(ExportError::BadFps(self.fps));
        }
        Ok(())
    }
}

/// Writes an MP4 at `out` from `frame_count` frames produced by `render(index, &mut frame)`
/// (frame is an RgbImage already sized width x height; it still holds the previous frame,
/// so draw every pixel). Calls `progress(done, total)` after each frame is encoded, once
/// for every `done` from 1 to `total`; checks `cancel` before each frame and returns
/// Err(ExportError::Cancelled) leaving nothing at `out`. Writes a temporary file in the
/// same folder and renames it to `out` only when complete and synced; on any error it is
/// removed, and a full disk is [`ExportError::DiskFull`], with about what the video needs.
pub fn export_mp4(
    out: &Path,
    spec: VideoSpec,
    frame_count: u32,
    render: impl FnMut(u32, &mut RgbImage) -> Result<(), ExportError>,
    progress: impl FnMut(u32, u32),
    cancel: &AtomicBool,
) -> Result<(), ExportError> {
    let settings = EncoderSettings::for_spec(spec);
    export_mp4_with(out, spec, frame_count, &settings, render, progress, cancel)
}

/// [`export_mp4`] with explicit encoder settings.
pub fn export_mp4_with(
    out: &Path,
    spec: VideoSpec,
    frame_count: u32,
    settings: &EncoderSettings,
    render: impl FnMut(u32, &mut RgbImage) -> Result<(), ExportError>,
    progress: impl FnMut(u32, u32),
    cancel: &AtomicBool,
) -> Result<(), ExportError> {
    export_mp4_with_audio(
        out,
        spec,
        frame_count,
        settings,
        None,
        render,
        progress,
        cancel,
    )
}

/// [`export_mp4_with`] plus, when `audio` is given, an AAC-LC 48 kHz stereo sound track
/// that starts and ends with the video. `progress` counts video frames only (the sound
/// is encoded after the last frame, at over 100 times real time).
#[allow(clippy::too_many_arguments)]
pub fn export_mp4_with_audio(
    out: &Path,
    spec: VideoSpec,
    frame_count: u32,
    settings: &EncoderSettings,
    audio: Option<ExportAudio<'_>>,
    mut render: impl FnMut(u32, &mut RgbImage) -> Result<(), ExportError>,
    mut progress: impl FnMut(u32, u32),
    cancel: &AtomicBool,
) -> Result<(), ExportError> {
    spec.validate()?;
    if frame_count == 0 {
        return Err(ExportError::NoFrames);
    }
    let mut part = PartFile::create_beside(out)?;
    let path = part.path().to_path_buf();
    let payload = AtomicU64::new(0);
    let written = (|| {
        encode_frames(
            part.file(),
            &path,
            spec,
            frame_count,
            settings,
            audio,
            &mut render,
            &mut progress,
            cancel,
            &payload,
        )?;
        let audio_samples = audio.map(|_| audio_samples_for(frame_count, spec.fps) as u64);
        boxes::finalize(
            &mut Metered::new(&path, part.file()),
            &path,
            frame_count,
            spec.fps,
            audio_samples,
        )?;
        part.persist(out)
    })();
    written.map_err(|e| match e {
        ExportError::Io { source, .. } if disk::is_full(&source) => ExportError::DiskFull {
            out: out.to_owned(),
            needed: estimated_size(payload.load(Ordering::Acquire), frame_count),
        },
        e => e,
    })
}

/// What an MP4 of `payload` bytes of coded frames in `frames` video frames takes on disk,
/// rounded up: the frames, their sample tables (sizes, times, offsets of both tracks), and
/// the headers.
fn estimated_size(payload: u64, frames: u32) -> u64 {
    payload + 64 * u64::from(frames) + 64 * 1024
}

/// Frames queued between the renderer and the encoder.
const QUEUE: usize = 2;

/// Renders and converts frames here while a second thread encodes and muxes them into
/// `file`.
#[allow(clippy::too_many_arguments)]
fn encode_frames(
    file: &File,
    path: &Path,
    spec: VideoSpec,
    frame_count: u32,
    settings: &EncoderSettings,
    audio: Option<ExportAudio<'_>>,
    render: &mut impl FnMut(u32, &mut RgbImage) -> Result<(), ExportError>,
    progress: &mut impl FnMut(u32, u32),
    cancel: &AtomicBool,
    payload: &AtomicU64,
) -> Result<(), ExportError> {
    let (w, h) = (spec.width, spec.height);
    let encoded = AtomicU32::new(0);
    // Set once every frame is queued; without it (an error, cancel or panic here) the
    // worker stops without writing the container.
    let complete = AtomicBool::new(false);
    let (frames_tx, frames_rx) = mpsc::sync_channel::<(u32, YuvFrame)>(QUEUE);
    let (spare_tx, spare_rx) = mpsc::channel::<YuvFrame>();
    let mut reported = 0;
    let mut report = |upto: u32| {
        while reported < upto {
            reported += 1;
            progress(reported, frame_count);
        }
    };

    std::thread::scope(|s| {
        let worker = std::thread::Builder::new()
            .name("mp4-encoder".into())
            .spawn_scoped(s, || {
                encode_worker(
                    file,
                    path,
                    spec,
                    settings,
                    audio,
                    frame_count,
                    frames_rx,
                    spare_tx,
                    &encoded,
                    &complete,
                    payload,
                )
            })
            .map_err(|e| {
                ExportError::Encoder(format!("could not start the encoder thread: {e}"))
            })?;

        let mut rgb = RgbImage::new(w, h);
        let mut stopped = Ok(());
        for index in 0..frame_count {
            if cancel.load(Ordering::Relaxed) {
                stopped = Err(ExportError::Cancelled);
                break;
            }
            if let Err(e) = render(index, &mut rgb) {
                stopped = Err(e);
                break;
            }
            if rgb.dimensions() != (w, h) {
                let (got_w, got_h) = rgb.dimensions();
                stopped = Err(ExportError::FrameSize {
                    frame: index,
                    want_w: w,
                    want_h: h,
                    got_w,
                    got_h,
                });
                break;
            }
            let mut yuv = spare_rx.try_recv().unwrap_or_else(|_| YuvFrame::new(w, h));
            yuv.fill_from_rgb(rgb.as_raw());
            if frames_tx.send((index, yuv)).is_err() {
                break; // The encoder stopped; its error comes from join below.
            }
            report(encoded.load(Ordering::Acquire));
        }
        if stopped.is_ok() {
            complete.store(true, Ordering::Release);
        }
        drop(frames_tx);
        let worked = worker
            .join()
            .unwrap_or_else(|_| Err(ExportError::Encoder("the encoder thread panicked".into())));
        stopped?;
        worked?;
        report(frame_count);
        Ok(())
    })
}

/// Encodes frames as they come and, once the queue closes, writes the MP4 if `complete`.
#[allow(clippy::too_many_arguments)]
fn encode_worker(
    file: &File,
    path: &Path,
    spec: VideoSpec,
    settings: &EncoderSettings,
    audio: Option<ExportAudio<'_>>,
    frame_count: u32,
    frames: mpsc::Receiver<(u32, YuvFrame)>,
    spare: mpsc::Sender<YuvFrame>,
    encoded: &AtomicU32,
    complete: &AtomicBool,
    payload: &AtomicU64,
) -> Result<(), ExportError> {
    let mut encoder = H264Encoder::new(spec, settings)?;
    let mut writer = BufWriter::with_capacity(1 << 20, Metered::new(path, file));
    let mut mp4 = Mp4Writer::new(&mut writer, spec, audio.is_some())?;
    let mut bytes = Vec::new();
    for (index, yuv) in frames {
        bytes.clear();
        let keyframe = index % spec.fps == 0;
        let frame = encoder.encode(&yuv, keyframe, &mut bytes)?;
        if frame.idr != keyframe {
            return Err(ExportError::Encoder(format!(
                "frame {index} came out {} a keyframe; keyframes must fall every {} frames",
                if frame.idr { "as" } else { "not as" },
                spec.fps
            )));
        }
        let _ = spare.send(yuv);
        mp4.push(&bytes, frame.idr)?;
        payload.fetch_add(bytes.len() as u64, Ordering::Release);
        encoded.fetch_add(1, Ordering::Release);
    }
    if !complete.load(Ordering::Acquire) {
        return Err(ExportError::Cancelled);
    }
    if let Some(audio) = audio {
        let samples = audio_samples_for(frame_count, spec.fps);
        let fitted = fit_length(audio.pcm, samples);
        let stream = aac::encode_aac(fitted.as_ref().unwrap_or(audio.pcm), audio.bitrate_bps)
            .map_err(|e| ExportError::Audio(e.to_string()))?;
        for frame in &stream.frames {
            mp4.push_audio(frame)?;
            payload.fetch_add(frame.len() as u64, Ordering::Release);
        }
    }
    mp4.finish(path)?;
    writer
        .flush()
        .map_err(|e| ExportError::io("write", path, e))
}

/// `pcm` cut or padded with silence to `samples`, or None when it already has that length.
fn fit_length(pcm: &Pcm, samples: usize) -> Option<Pcm> {
    if pcm.frames() == samples && pcm.left.len() == pcm.right.len() {
        return None;
    }
    let fit = |v: &[f32]| {
        let mut v = v[..v.len().min(samples)].to_vec();
        v.resize(samples, 0.0);
        v
    };
    Some(Pcm {
        left: fit(&pcm.left),
        right: fit(&pcm.right),
    })
}

#[cfg(test)]
mod tests;
