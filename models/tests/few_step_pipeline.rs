//! A distilled (FastWan, `WanDMDPipeline`) package through the ordinary generate call, on the
//! committed tiny Wan2.2 TI2V package with its class changed (flex): FastWan's three timesteps,
//! one DiT pass each whatever the request's steps and guidance, seeded, and Time-to-Move's
//! strengths placed on the short schedule.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use models::pipeline::{GenerateRequest, MotionGuide, RgbImage, StepControl, Video, WanModels};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

const WIDTH: usize = 96;
const HEIGHT: usize = 32;
const FRAMES: usize = 5;

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The tiny TI2V package as FastVideo publishes its distilled ones: `WanDMDPipeline`.
fn distilled_package() -> (tempfile::TempDir, WanModels) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("tiny-fastwan");
    copy_folder(&fixtures().join("wan_tiny_ti2v"), &root);
    let index = root.join("model_index.json");
    let text = std::fs::read_to_string(&index)
        .unwrap()
        .replace("\"WanPipeline\"", "\"WanDMDPipeline\"");
    std::fs::write(&index, text).unwrap();
    let wan = WanModels::load(&root, &Device::flex()).unwrap();
    (tmp, wan)
}

fn picture(shift: usize) -> RgbImage {
    let mut pixels = Vec::with_capacity(WIDTH * HEIGHT * 3);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let u = x.saturating_sub(shift);
            for c in 0..3 {
                pixels.push(((41 * u + 23 * y + 90 * c) % 256) as u8);
            }
        }
    }
    RgbImage::new(WIDTH, HEIGHT, pixels).unwrap()
}

/// A request as a shot makes it: Wan's 50 steps and guidance 5, which a distilled package
/// does not use.
fn request(seed: u64) -> GenerateRequest {
    let mut request = GenerateRequest::new("a red kite drifts over the dunes");
    request.negative_prompt = "blurry".into();
    request.frames = FRAMES;
    request.width = WIDTH;
    request.height = HEIGHT;
    request.seed = seed;
    request
}

/// The timesteps the model saw and the video.
fn run(wan: &mut WanModels, request: &GenerateRequest) -> (Vec<f32>, Video) {
    let mut timesteps = Vec::new();
    let video = wan
        .generate(request, |step| {
            assert_eq!(step.step, timesteps.len() + 1);
            timesteps.push(step.timestep);
            StepControl::Continue
        })
        .unwrap();
    (timesteps, video)
}

#[test]
fn a_distilled_package_runs_three_single_pass_steps() {
    let (_tmp, mut wan) = distilled_package();
    assert!(wan.few_step.is_some());
    let request = request(5);
    assert_eq!((request.steps, request.guidance), (50, 5.0));
    let (timesteps, video) = run(&mut wan, &request);
    assert_eq!(timesteps, vec![1000.0, 757.0, 522.0]);
    assert_eq!(wan.dit_passes(), 3, "no guidance: one DiT pass per step");
    assert_eq!(video.frames, FRAMES);

    // The re-noising is seeded: the same seed repeats, another differs.
    let (_, again) = run(&mut wan, &request);
    assert_eq!(again.pixels, video.pixels);
    let (_, other) = run(&mut wan, &self::request(6));
    assert_ne!(other.pixels, video.pixels);
}

#[test]
fn time_to_moves_strengths_become_noise_levels_of_the_short_schedule() {
    let (_tmp, mut wan) = distilled_package();
    let mut request = request(5);
    request.shift = Some(3.0);
    request.image = Some(picture(0));
    request.motion = Some(MotionGuide {
        frames: (0..FRAMES).map(|f| picture(4 * f)).collect(),
        masks: vec![
            (0..WIDTH * HEIGHT)
                .map(|i| if i % WIDTH < 40 { 255 } else { 0 })
                .collect();
            FRAMES
        ],
        t_weak: 3,
        t_strong: 7,
    });
    let (timesteps, video) = run(&mut wan, &request);
    // Steps 3 and 7 of Wan's 50 at shift 3 are sigmas 0.979 and 0.949: the run starts at the
    // first, ties the steered regions down to the second, then takes FastWan's levels.
    assert_eq!(timesteps, vec![979.0, 949.0, 757.0, 522.0]);
    assert_eq!(wan.dit_passes(), 4);
    assert_eq!(video.frames, FRAMES);
}
