//! The app's side of the generate queue (`studio::generate::queue`): where the engine runs
//! (from the environment), which packages it may use (the user's model store), and a
//! [`JobSink`] that forwards each job's reports to the window on its channel: small JSON
//! events, and after every denoising step the step's preview as raw bytes
//! ([`preview_bytes`]).

use std::path::PathBuf;
use std::sync::OnceLock;

use models::device::{BackendKind, Precision};
use models::pipeline::{FaultInjector, PreviewFrames};
use models::plan::DeviceLimits;
use studio::generate::{
    faults_from_env, GenerateEvent, GenerateOptions, GenerateQueue, JobSink, QueueSources,
    StepUpdate,
};
use studio::model_store::discover::ready_packages;
use studio::model_store::Locations;
use tauri::ipc::{Channel, InvokeResponseBody};

/// The app's queue: the engine where `MOTIONBOARD_ENGINE_DEVICE` says, the packages of the
/// user's model store. A store that cannot be found (no home folder) leaves no package.
pub fn app_queue() -> GenerateQueue {
    match Locations::for_user(None) {
        Ok(locations) => GenerateQueue::new(QueueSources::from_store(engine_options, locations)),
        Err(e) => {
            let message = e.to_string();
            GenerateQueue::new(QueueSources {
                options: Box::new(engine_options),
                packages: Box::new(move || Err(message.clone())),
                statuses: Box::new(Vec::new),
            })
        }
    }
}

/// Device failures to simulate (debug builds only: `studio::generate::INJECT_FAULT_VAR`).
static FAULTS: OnceLock<Result<FaultInjector, String>> = OnceLock::new();

/// Where the engine runs: `MOTIONBOARD_ENGINE_DEVICE=flex` (the CPU) or `wgpu` (the GPU);
/// unset, the GPU unless the only one is a software rasterizer (slower than the CPU) or there
/// is none.
pub fn engine_options() -> Result<GenerateOptions, String> {
    let backend = match std::env::var("MOTIONBOARD_ENGINE_DEVICE").ok().as_deref() {
        None | Some("") => BackendKind::default_for(models::adapter::default_adapter()),
        Some("wgpu") => BackendKind::Wgpu,
        Some("flex") => BackendKind::Flex,
        Some(other) => {
            return Err(format!(
                "MOTIONBOARD_ENGINE_DEVICE={other} is not a device: use wgpu (the GPU) or flex \
                 (the CPU)"
            ))
        }
    };
    Ok(GenerateOptions {
        backend,
        precision: Precision::Auto,
        gpu_memory: gpu_memory()?,
        // Read once: a fault fires once per process, not again in a reopened engine.
        faults: FAULTS.get_or_init(faults_from_env).clone()?,
        ..GenerateOptions::default()
    })
}

/// The GPU's memory: `MOTIONBOARD_GPU_MEMORY_GIB`, else what the OS says of the GPU (wgpu
/// does not). Known, a shot that does not fit is refused before any work, and the text
/// encoder moves to the CPU by itself where that makes it fit.
fn gpu_memory() -> Result<Option<u64>, String> {
    match std::env::var("MOTIONBOARD_GPU_MEMORY_GIB").ok().as_deref() {
        None | Some("") => Ok(DeviceLimits::gpu_memory()),
        Some(text) => match text.trim().parse::<f64>() {
            Ok(gib) if gib.is_finite() && gib > 0.0 => Ok(Some((gib * (1u64 << 30) as f64) as u64)),
            _ => Err(format!(
                "MOTIONBOARD_GPU_MEMORY_GIB={text} is not a size: give the GPU's memory in GiB, \
                 e.g. 8"
            )),
        },
    }
}

/// The installed packages generation may use (every component sound).
pub fn ready_package_roots() -> Result<Vec<PathBuf>, String> {
    let locations = Locations::for_user(None).map_err(|e| e.to_string())?;
    Ok(ready_packages(&locations, None)
        .into_iter()
        .map(|(_, root)| root)
        .collect())
}

/// Forwards a job's reports to the window that queued it.
pub struct ChannelSink(pub Channel<InvokeResponseBody>);

impl JobSink for ChannelSink {
    fn event(&self, event: &GenerateEvent) {
        // A closed window drops the channel: nobody is left to tell, and the job goes on.
        if let Ok(json) = serde_json::to_string(event) {
            let _ = self.0.send(InvokeResponseBody::Json(json));
        }
    }

    fn step(&self, job: u32, update: &StepUpdate) -> bool {
        let _ = self
            .0
            .send(InvokeResponseBody::Raw(preview_bytes(job, update)));
        true
    }
}

/// The most pictures, and the widest, a step preview sends: a TAEHV preview is the whole
/// clip at full size (81 frames of 832x480 is 97 MB), far more than the stage shows.
const PREVIEW_MAX_FRAMES: usize = 21;
const PREVIEW_MAX_WIDTH: usize = 320;

/// `p` with at most [`PREVIEW_MAX_FRAMES`] evenly spaced pictures, each at most
/// [`PREVIEW_MAX_WIDTH`] wide (nearest pixel: a preview, redrawn every step).
fn shrink_preview(p: &PreviewFrames) -> PreviewFrames {
    let frames = p.frames.clamp(1, PREVIEW_MAX_FRAMES);
    let scale = (p.width as f64 / PREVIEW_MAX_WIDTH as f64).max(1.0);
    let (width, height) = (
        ((p.width as f64 / scale).round() as usize).max(1),
        ((p.height as f64 / scale).round() as usize).max(1),
    );
    if (frames, width, height) == (p.frames, p.width, p.height) {
        return p.clone();
    }
    let mut rgb = Vec::with_capacity(frames * width * height * 3);
    for f in 0..frames {
        let src_f = if frames > 1 {
            f * (p.frames - 1) / (frames - 1)
        } else {
            0
        };
        for y in 0..height {
            let sy = ((y as f64 + 0.5) * scale) as usize;
            for x in 0..width {
                let sx = ((x as f64 + 0.5) * scale) as usize;
                let i =
                    ((src_f * p.height + sy.min(p.height - 1)) * p.width + sx.min(p.width - 1)) * 3;
                rgb.extend_from_slice(p.rgb.get(i..i + 3).unwrap_or(&[0, 0, 0]));
            }
        }
    }
    PreviewFrames {
        frames,
        height,
        width,
        rgb,
    }
}

/// A step preview as bytes: six little-endian u32 (job, step, steps, frames, height, width),
/// then `frames x height x width x 3` RGB bytes: one small picture per latent frame, or up to
/// [`PREVIEW_MAX_FRAMES`] pictures of a TAEHV preview, shrunk.
pub fn preview_bytes(job: u32, update: &StepUpdate) -> Vec<u8> {
    let p = &shrink_preview(&update.preview);
    let mut bytes = Vec::with_capacity(24 + p.rgb.len());
    for v in [
        job,
        update.step as u32,
        update.steps as u32,
        p.frames as u32,
        p.height as u32,
        p.width as u32,
    ] {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    bytes.extend_from_slice(&p.rgb);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_size_preview_is_shrunk_to_what_the_stage_shows() {
        let (frames, height, width) = (81, 48, 640);
        let rgb = (0..frames * height * width)
            .flat_map(|i| {
                let f = (i / (height * width)) as u8;
                [f, 0, 0]
            })
            .collect();
        let big = PreviewFrames {
            frames,
            height,
            width,
            rgb,
        };
        let small = shrink_preview(&big);
        assert_eq!((small.frames, small.width, small.height), (21, 320, 24));
        assert_eq!(small.rgb.len(), 21 * 320 * 24 * 3);
        // First and last frames kept, evenly spaced between.
        assert_eq!(small.rgb[0], 0);
        assert_eq!(small.rgb[20 * 320 * 24 * 3], 80);
        assert_eq!(small.rgb[10 * 320 * 24 * 3], 40);
        let tiny = PreviewFrames {
            frames: 2,
            height: 2,
            width: 3,
            rgb: vec![9; 36],
        };
        assert_eq!(shrink_preview(&tiny), tiny);
    }

    #[test]
    fn a_preview_is_a_header_and_its_pixels() {
        let update = StepUpdate {
            shot: 0,
            step: 2,
            steps: 3,
            preview: PreviewFrames {
                frames: 2,
                height: 1,
                width: 3,
                rgb: (0..18).collect(),
            },
        };
        let bytes = preview_bytes(7, &update);
        let word = |i: usize| u32::from_le_bytes(bytes[i * 4..i * 4 + 4].try_into().unwrap());
        assert_eq!(
            (word(0), word(1), word(2), word(3), word(4), word(5)),
            (7, 2, 3, 2, 1, 3)
        );
        assert_eq!(&bytes[24..], &(0..18).collect::<Vec<u8>>()[..]);
    }

    #[test]
    fn the_device_comes_from_the_environment() {
        // One test touches the variable, so parallel tests cannot race on it.
        std::env::set_var("MOTIONBOARD_ENGINE_DEVICE", "flex");
        assert_eq!(engine_options().unwrap().backend, BackendKind::Flex);
        std::env::set_var("MOTIONBOARD_ENGINE_DEVICE", "cuda");
        let err = engine_options().unwrap_err();
        assert!(err.contains("cuda") && err.contains("flex"), "{err}");
        std::env::set_var("MOTIONBOARD_ENGINE_DEVICE", "wgpu");
        assert_eq!(engine_options().unwrap().backend, BackendKind::Wgpu);
        // Unset: the GPU, unless it is a software rasterizer or missing (lavapipe in CI).
        std::env::remove_var("MOTIONBOARD_ENGINE_DEVICE");
        assert_eq!(
            engine_options().unwrap().backend,
            BackendKind::default_for(models::adapter::default_adapter())
        );
    }
}
