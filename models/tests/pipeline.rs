//! The Wan pipeline against diffusers on the committed tiny model packages
//! (models/scripts/fixtures_pipeline.py), on flex:
//!
//! - `wan_tiny_t2v/`: Wan2.1-style text-to-video, `WanPipeline` with the package's defaults;
//! - `wan_tiny_ti2v/`: Wan2.2 TI2V-style image-to-video, `WanImageToVideoPipeline` with
//!   `expand_timesteps=True`, the shift overridden by the request;
//!
//! both from Motionboard's seeded noise, 5 frames, 3 UniPC steps, guidance 5 with a negative
//! prompt, comparing the latents after every step and the decoded video (max abs and relative
//! error printed). Then the callback's contract (one preview per step, cancel, DiT pass counts),
//! determinism, and the errors of bad requests and broken packages.

mod common;

use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::tensor::TensorData;
use models::noise::randn;
use models::pipeline::{
    GenerateRequest, LoadOptions, PackageError, PipelineError, RgbImage, StepControl, StepPreview,
    Video, WanModels,
};
use models::plan::DeviceLimits;
use models::tensor_io::{HostTensor, TensorFile};
use serde_json::Value;

use common::{errors, fixtures};

/// fp32 parity: max |ours - reference| / max |reference|.
const MAX_RELATIVE_ERROR: f64 = 1e-4;
/// The end-to-end video: the latents match to a few 1e-6, but the tiny random VAE's decoder
/// amplifies a latent difference about 20 times (decoding diffusers' own final latents matches
/// to ~1e-5, checked separately at [`MAX_RELATIVE_ERROR`]).
const VIDEO_RELATIVE_ERROR: f64 = 1e-3;

fn package(name: &str) -> PathBuf {
    fixtures().join(name)
}

fn load(name: &str) -> WanModels {
    WanModels::load(package(name), &Device::flex()).unwrap()
}

/// The image fixtures_pipeline.py's `test_image` makes: [H, W, 3] bytes from the position.
fn test_image(width: usize, height: usize) -> RgbImage {
    let mut pixels = Vec::with_capacity(width * height * 3);
    for y in 0..height {
        for x in 0..width {
            for c in 0..3 {
                pixels.push(((37 * x + 59 * y + 101 * c + (x * y) % 17 * 5) % 256) as u8);
            }
        }
    }
    RgbImage::new(width, height, pixels).unwrap()
}

/// The request the reference was made with (`reference.json`).
fn reference_request(name: &str) -> GenerateRequest {
    let path = package(name).join("reference.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let int = |key: &str| json[key].as_u64().unwrap() as usize;
    let mut request = GenerateRequest::new(json["prompt"].as_str().unwrap());
    request.negative_prompt = json["negative_prompt"].as_str().unwrap().to_owned();
    request.frames = int("frames");
    request.height = int("height");
    request.width = int("width");
    request.steps = int("steps");
    request.guidance = json["guidance"].as_f64().unwrap() as f32;
    request.shift = json["shift"].as_f64().map(|s| s as f32);
    request.seed = json["seed"].as_u64().unwrap();
    if json["image"].as_bool().unwrap() {
        request.image = Some(test_image(request.width, request.height));
    }
    request
}

fn host(tensor: Tensor<5>) -> Vec<f32> {
    tensor.try_into_vec_as::<f32>().unwrap()
}

fn check(what: &str, ours: &[f32], reference: &[f32]) {
    check_within(what, ours, reference, MAX_RELATIVE_ERROR);
}

fn check_within(what: &str, ours: &[f32], reference: &[f32], bound: f64) {
    let (max_abs, rel) = errors(ours, reference);
    println!("{what}: max abs {max_abs:.3e} rel {rel:.3e}");
    assert!(rel < bound, "{what}: relative error {rel:.3e}");
}

/// 8-bit frames against diffusers' float frames in [0, 1]: every byte within one level of
/// `round(255 x)` (the float difference `bound` allows, plus rounding at a level's edge), and
/// nearly all equal.
fn check_bytes(what: &str, ours: &[u8], reference: &[f32], bound: f64) {
    assert_eq!(ours.len(), reference.len(), "{what}: length");
    let mut off = 0usize;
    for (i, (&a, &b)) in ours.iter().zip(reference).enumerate() {
        let expected = (b.clamp(0.0, 1.0) * 255.0).round() as i32;
        let d = (i32::from(a) - expected).abs();
        assert!(
            d <= 1,
            "{what}: byte {i} is {a}, diffusers' {b} gives {expected}"
        );
        off += usize::from(d == 1);
    }
    let share = off as f64 / ours.len() as f64;
    println!("{what}: {off} of {} bytes one level off", ours.len());
    assert!(
        share < (bound * 255.0).max(0.01),
        "{what}: {share:.3} one level off"
    );
}

/// `[S, 1, z, F', h, w]` -> step `i`'s latents, keeping latent frames `from..`.
fn step_slice(all: &HostTensor, i: usize, from: usize) -> Vec<f32> {
    let [_, _, z, f, h, w]: [usize; 6] = all.shape.clone().try_into().unwrap();
    let per_step = z * f * h * w;
    let step = &all.values[i * per_step..(i + 1) * per_step];
    (0..z)
        .flat_map(|c| {
            let start = (c * f + from) * h * w;
            step[start..(c + 1) * f * h * w].to_vec()
        })
        .collect()
}

/// Latent frames `from..` of `[1, z, F', h, w]`.
fn frames_from(latents: &Tensor<5>, from: usize) -> Vec<f32> {
    let f = latents.dims()[2];
    host(latents.clone().narrow(2, from, f - from))
}

/// Runs the reference request and compares every step's latents and the video.
fn parity(name: &str) {
    let mut wan = load(name);
    let request = reference_request(name);
    let reference = TensorFile::read(package(name).join("reference.safetensors")).unwrap();
    let noise = reference.f32("noise").unwrap();
    let step_latents = reference.f32("step_latents").unwrap();
    let expected_video = reference.f32("video").unwrap();
    let image = request.image.is_some();

    // The Python transcription of models::noise gives the same starting noise.
    let shape = wan.latent_shape(&request);
    assert_eq!(shape.to_vec(), noise.shape);
    check(
        &format!("{name} noise"),
        &host(randn(request.seed, shape, wan.device())),
        &noise.values,
    );

    // diffusers keeps the raw sample in frame 0 during image-to-video and replaces it at the
    // end; ours keeps the image's latent there: compare frame 0 with the condition instead.
    let condition = image.then(|| reference.f32("condition").unwrap());
    let from = usize::from(image);
    let mut seen = 0;
    let video = wan
        .generate(&request, |step: StepPreview| {
            let i = step.step - 1;
            assert_eq!(i, seen, "previews in order");
            seen += 1;
            check(
                &format!("{name} step {} latents", step.step),
                &frames_from(&step.latents, from),
                &step_slice(&step_latents, i, from),
            );
            if let Some(condition) = &condition {
                check(
                    &format!("{name} step {} first frame", step.step),
                    &host(step.latents.clone().narrow(2, 0, 1)),
                    &condition.values,
                );
            }
            StepControl::Continue
        })
        .unwrap();
    assert_eq!(seen, request.steps);
    assert_eq!(
        vec![video.frames, video.height, video.width, 3],
        expected_video.shape
    );
    check_bytes(
        &format!("{name} video"),
        &video.pixels,
        &expected_video.values,
        VIDEO_RELATIVE_ERROR,
    );

    // The decode on its own: diffusers' final latents (frame 0 replaced by the condition, as
    // its image-to-video pipeline does at the end) through our denormalize, VAE and
    // postprocessing.
    let last = step_slice(&step_latents, request.steps - 1, 0);
    let mut latents = Tensor::<5>::from_data(TensorData::new(last, shape), wan.device());
    if let Some(condition) = &condition {
        let [_, z, f, h, w] = shape;
        let first = Tensor::<5>::from_data(
            TensorData::new(condition.values.clone(), [1, z, 1, h, w]),
            wan.device(),
        );
        latents = Tensor::cat(vec![first, latents.narrow(2, 1, f - 1)], 2);
    }
    let decoded = Video::from_decoded(wan.vae.decode(wan.vae.denormalize(latents))).unwrap();
    check_bytes(
        &format!("{name} decode of diffusers' latents"),
        &decoded.pixels,
        &expected_video.values,
        MAX_RELATIVE_ERROR,
    );
}

#[test]
fn text_to_video_matches_diffusers() {
    parity("wan_tiny_t2v");
}

#[test]
fn image_to_video_matches_diffusers() {
    parity("wan_tiny_ti2v");
}

/// The t2v reference request at `steps` steps and `guidance`.
fn small_request(steps: usize, guidance: f32) -> GenerateRequest {
    let mut request = reference_request("wan_tiny_t2v");
    request.steps = steps;
    request.guidance = guidance;
    request
}

#[test]
fn one_preview_per_step_in_order_at_latent_size() {
    let mut wan = load("wan_tiny_t2v");
    let request = small_request(4, 5.0);
    let [_, z, f, h, w] = wan.latent_shape(&request);
    let mut previews = Vec::new();
    wan.generate(&request, |step| {
        previews.push(step);
        StepControl::Continue
    })
    .unwrap();
    let steps: Vec<usize> = previews.iter().map(|p| p.step).collect();
    assert_eq!(steps, [1, 2, 3, 4]);
    let mut last_t = f32::INFINITY;
    for p in &previews {
        assert_eq!(p.steps, 4);
        assert!(p.timestep < last_t, "timesteps decrease");
        last_t = p.timestep;
        let frames = &p.preview;
        assert_eq!((frames.frames, frames.height, frames.width), (f, h, w));
        assert_eq!(frames.rgb.len(), f * h * w * 3);
        assert_eq!(p.latents.dims(), [1, z, f, h, w]);
    }
    // The guess of the clean video changes as the noise goes.
    assert_ne!(previews[0].preview.rgb, previews[3].preview.rgb);
}

#[test]
fn cancel_stops_at_once_without_more_model_passes() {
    let mut wan = load("wan_tiny_t2v");
    let request = small_request(3, 5.0);
    let before = wan.dit_passes();
    let mut calls = 0;
    let result = wan.generate(&request, |step| {
        calls += 1;
        if step.step == 2 {
            StepControl::Cancel
        } else {
            StepControl::Continue
        }
    });
    assert!(
        matches!(result, Err(PipelineError::Cancelled)),
        "{result:?}"
    );
    assert_eq!(calls, 2);
    // Two steps with guidance: cond + uncond each, nothing after the cancel.
    assert_eq!(wan.dit_passes() - before, 4);
}

#[test]
fn guidance_one_runs_one_model_pass_per_step() {
    let mut wan = load("wan_tiny_t2v");
    let before = wan.dit_passes();
    wan.generate(&small_request(3, 1.0), |_| StepControl::Continue)
        .unwrap();
    assert_eq!(wan.dit_passes() - before, 3);
    let before = wan.dit_passes();
    wan.generate(&small_request(2, 5.0), |_| StepControl::Continue)
        .unwrap();
    assert_eq!(wan.dit_passes() - before, 4);
}

#[test]
fn the_same_seed_gives_the_same_frames() {
    let mut wan = load("wan_tiny_t2v");
    let run = |wan: &mut WanModels, seed: u64| -> Video {
        let mut request = small_request(2, 5.0);
        request.seed = seed;
        wan.generate(&request, |_| StepControl::Continue).unwrap()
    };
    let first = run(&mut wan, 11);
    let second = run(&mut wan, 11);
    assert_eq!(first, second);
    assert_eq!(first.to_rgb8(), second.to_rgb8());
    assert_ne!(first, run(&mut wan, 12));
    // A fresh load gives the same frames too (nothing depends on the cache or the counter).
    assert_eq!(first, run(&mut load("wan_tiny_t2v"), 11));

    // Starting latents given by the caller: the seed's noise gives the seed's video.
    let mut request = small_request(2, 5.0);
    request.seed = 11;
    let noise = randn(11, wan.latent_shape(&request), wan.device());
    let given = wan
        .generate_from(&request, noise, |_| StepControl::Continue)
        .unwrap();
    assert_eq!(first, given);
    let wrong = randn(11, [1, 4, 1, 4, 6], wan.device());
    let result = wan.generate_from(&request, wrong, |_| StepControl::Continue);
    assert!(
        matches!(&result, Err(PipelineError::InvalidRequest(m)) if m.contains("starting latents")),
        "{result:?}"
    );
}

fn invalid(wan: &mut WanModels, request: &GenerateRequest) -> String {
    let before = wan.dit_passes();
    match wan.generate(request, |_| StepControl::Continue) {
        Err(PipelineError::InvalidRequest(message)) => {
            assert_eq!(wan.dit_passes(), before, "no model pass for a bad request");
            println!("{message}");
            message
        }
        other => panic!("expected an invalid request, got {other:?}"),
    }
}

#[test]
fn bad_requests_are_refused_with_what_to_use() {
    let mut wan = load("wan_tiny_t2v");
    let mut request = small_request(2, 5.0);
    request.frames = 6;
    let m = invalid(&mut wan, &request);
    assert!(m.contains("6 frames") && m.contains("5 or 9"), "{m}");

    let mut request = small_request(2, 5.0);
    request.height = 33;
    let m = invalid(&mut wan, &request);
    assert!(
        m.contains("height 33") && m.contains("multiple of 16") && m.contains("32 or 48"),
        "{m}"
    );

    let mut request = small_request(2, 5.0);
    request.steps = 0;
    assert!(invalid(&mut wan, &request).contains("0 steps"));

    // The Wan2.1-style package does not take a first frame.
    let mut request = small_request(2, 5.0);
    request.image = Some(test_image(request.width, request.height));
    assert!(invalid(&mut wan, &request).contains("TI2V"));

    // The TI2V package wants multiples of 32 and an image of the video's size.
    let mut ti2v = load("wan_tiny_ti2v");
    let mut request = reference_request("wan_tiny_ti2v");
    request.width = 48;
    let m = invalid(&mut ti2v, &request);
    assert!(m.contains("multiple of 32"), "{m}");
    let mut request = reference_request("wan_tiny_ti2v");
    request.image = Some(test_image(64, 64));
    assert!(invalid(&mut ti2v, &request).contains("64x64"));
}

/// A copy of a fixture package in a temporary folder.
fn copy_package(name: &str) -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(&package(name), dir.path());
    dir
}

fn load_error(root: &Path) -> PackageError {
    match WanModels::load(root, &Device::flex()) {
        Err(e) => {
            println!("{e}");
            e
        }
        Ok(_) => panic!("{} loaded", root.display()),
    }
}

#[test]
fn broken_packages_say_what_is_wrong() {
    // No vae/ folder.
    let dir = copy_package("wan_tiny_t2v");
    std::fs::remove_dir_all(dir.path().join("vae")).unwrap();
    let err = load_error(dir.path());
    let PackageError::Missing { path, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(path, &dir.path().join("vae"));
    assert!(err.to_string().contains("vae"), "{err}");

    // No model_index.json: not a diffusers folder.
    let dir = copy_package("wan_tiny_t2v");
    std::fs::remove_file(dir.path().join("model_index.json")).unwrap();
    let err = load_error(dir.path());
    assert!(err.to_string().contains("model_index.json"), "{err}");

    // A tokenizer folder without tokenizer.json.
    let dir = copy_package("wan_tiny_t2v");
    std::fs::remove_file(dir.path().join("tokenizer").join("tokenizer.json")).unwrap();
    let err = load_error(dir.path());
    assert!(err.to_string().contains("tokenizer.json"), "{err}");

    // Wan2.2's VAE in a Wan2.1 package: loads, but does not fit the transformer.
    let dir = copy_package("wan_tiny_t2v");
    std::fs::remove_dir_all(dir.path().join("vae")).unwrap();
    let ti2v_vae = copy_package("wan_tiny_ti2v");
    std::fs::rename(ti2v_vae.path().join("vae"), dir.path().join("vae")).unwrap_or_else(|_| {
        // Across file systems: copy instead.
        let from = ti2v_vae.path().join("vae");
        std::fs::create_dir_all(dir.path().join("vae")).unwrap();
        for entry in std::fs::read_dir(&from).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join("vae").join(entry.file_name())).unwrap();
        }
    });
    let err = load_error(dir.path());
    assert!(
        matches!(err, PackageError::Mismatch { .. }) && err.to_string().contains("latent"),
        "{err}"
    );

    // Weights that do not fit their config name the component and the file.
    let dir = copy_package("wan_tiny_t2v");
    std::fs::copy(
        package("wan_tiny_ti2v").join("transformer/diffusion_pytorch_model.safetensors"),
        dir.path()
            .join("transformer/diffusion_pytorch_model.safetensors"),
    )
    .unwrap();
    let err = load_error(dir.path());
    assert!(
        matches!(
            err,
            PackageError::Component {
                component: "transformer",
                ..
            }
        ),
        "{err}"
    );

    // Wan2.2 A14B (two experts) is refused by name.
    let dir = copy_package("wan_tiny_t2v");
    let index_path = dir.path().join("model_index.json");
    let mut index: Value =
        serde_json::from_str(&std::fs::read_to_string(&index_path).unwrap()).unwrap();
    index["transformer_2"] = serde_json::json!(["diffusers", "WanTransformer3DModel"]);
    index["boundary_ratio"] = serde_json::json!(0.875);
    std::fs::write(&index_path, index.to_string()).unwrap();
    let err = load_error(dir.path());
    assert!(err.to_string().contains("two transformers"), "{err}");
}

#[test]
fn the_models_and_previews_can_go_to_a_worker_thread() {
    fn send<T: Send>() {}
    send::<WanModels>();
    send::<StepPreview>();
    send::<Video>();
    send::<PipelineError>();
    send::<PackageError>();
}

#[test]
fn the_text_encoder_leaves_after_encoding_and_returns_only_for_a_new_prompt() {
    let mut released = load("wan_tiny_t2v");
    let mut kept = WanModels::load_with(
        package("wan_tiny_t2v"),
        &Device::flex(),
        &LoadOptions {
            keep_text_encoder: true,
            ..LoadOptions::default()
        },
    )
    .unwrap();
    let request = small_request(2, 5.0);
    let a = released
        .generate(&request, |_| StepControl::Continue)
        .unwrap();
    assert!(
        released.prompts.encoder().is_none(),
        "released after encoding"
    );
    assert_eq!(released.prompts.encoder_runs(), 1);
    // The same prompts again: from the cache, the encoder is not read back.
    let again = released
        .generate(&request, |_| StepControl::Continue)
        .unwrap();
    assert_eq!(released.prompts.encoder_runs(), 1);
    assert_eq!(a, again);
    // A new prompt reads it back, encodes, and releases it again.
    let mut other = request.clone();
    other.prompt = "a kite over the dunes".into();
    let b = released
        .generate(&other, |_| StepControl::Continue)
        .unwrap();
    assert_eq!(released.prompts.encoder_runs(), 2);
    assert!(released.prompts.encoder().is_none());
    // The same frames as with the encoder kept loaded.
    assert_eq!(
        kept.generate(&request, |_| StepControl::Continue).unwrap(),
        a
    );
    assert_eq!(kept.generate(&other, |_| StepControl::Continue).unwrap(), b);
    assert!(kept.prompts.encoder().is_some());
}

#[test]
fn a_request_whose_plan_does_not_fit_is_refused_before_any_work() {
    let mut wan = load("wan_tiny_t2v");
    wan.set_limits(DeviceLimits {
        memory: Some(1 << 10),
        ..DeviceLimits::default()
    });
    let err = wan
        .generate(&small_request(2, 5.0), |_| StepControl::Continue)
        .unwrap_err();
    assert!(matches!(err, PipelineError::Plan(_)), "{err}");
    assert!(err.to_string().contains("GPU has"), "{err}");
    assert_eq!(wan.dit_passes(), 0);
    assert_eq!(wan.prompts.encoder_runs(), 0);
    let plan = wan.memory_plan(&small_request(2, 5.0)).unwrap();
    wan.set_limits(DeviceLimits {
        memory: Some(plan.device_peak()),
        ..DeviceLimits::default()
    });
    wan.generate(&small_request(2, 5.0), |_| StepControl::Continue)
        .unwrap();
}
