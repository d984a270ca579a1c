//! MP4 export: platform presets, reframing, H.264 encoding (openh264) and muxing (muxide).
//!
//! [`export_mp4`] writes H.264 (yuv420p, BT.709, closed GOPs with an IDR frame every
//! second) in an MP4 with `moov` before `mdat` and no edit list, exactly the frames it was
//! given, each lasting `1 / fps`. Frames are rendered and converted on the calling thread
//! while the previous ones are encoded on another.

pub mod preset;

mod boxes;
mod encoder;
mod error;
mod mp4;
mod output;
mod reframe;
mod yuv;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc;

use image::RgbImage;

pub use encoder::{Complexity, EncoderSettings};
pub use error::ExportError;
pub use preset::{Fit, Preset, PRESET_FPS};
pub use reframe::Framing;

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
/// same folder and renames it to `out` only when complete; on any error it is removed.
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
    encode_frames(
        part.file(),
        &path,
        spec,
        frame_count,
        settings,
        &mut render,
        &mut progress,
        cancel,
    )?;
    boxes::finalize(part.file(), frame_count, spec.fps).map_err(ExportError::Muxer)?;
    part.persist(out)
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
    render: &mut impl FnMut(u32, &mut RgbImage) -> Result<(), ExportError>,
    progress: &mut impl FnMut(u32, u32),
    cancel: &AtomicBool,
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
                    file, path, spec, settings, frames_rx, spare_tx, &encoded, &complete,
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
    frames: mpsc::Receiver<(u32, YuvFrame)>,
    spare: mpsc::Sender<YuvFrame>,
    encoded: &AtomicU32,
    complete: &AtomicBool,
) -> Result<(), ExportError> {
    let mut encoder = H264Encoder::new(spec, settings)?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let mut mp4 = Mp4Writer::new(&mut writer, spec)?;
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
        encoded.fetch_add(1, Ordering::Release);
    }
    if !complete.load(Ordering::Acquire) {
        return Err(ExportError::Cancelled);
    }
    mp4.finish(path)?;
    writer
        .flush()
        .map_err(|e| ExportError::io("write", path, e))
}

#[cfg(test)]
mod tests;
