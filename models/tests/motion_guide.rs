//! Time-to-Move's dual clock in the real pipeline, on the committed tiny Wan2.2 TI2V package
//! (flex): which latent positions are tied to the guide after which step, and that a guide
//! with t_weak = t_strong = 0 gives exactly plain image-to-video from the same seed.

mod common;

use burn::prelude::*;
use models::noise::randn;
use models::pipeline::{
    GenerateRequest, MotionGuide, PipelineError, RgbImage, StepControl, Video, WanModels,
};
use models::scheduler::add_noise;

use common::{errors, fixtures};

const WIDTH: usize = 96;
const HEIGHT: usize = 32;
const FRAMES: usize = 5;

fn load() -> WanModels {
    WanModels::load(fixtures().join("wan_tiny_ti2v"), &Device::flex()).unwrap()
}

/// A picture whose content sits `shift` pixels to the right: the coarse motion.
fn picture(shift: usize) -> RgbImage {
    let mut pixels = Vec::with_capacity(WIDTH * HEIGHT * 3);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let u = x.saturating_sub(shift);
            for c in 0..3 {
                pixels.push(((41 * u + 23 * y + 90 * c + (u * y) % 13 * 7) % 256) as u8);
            }
        }
    }
    RgbImage::new(WIDTH, HEIGHT, pixels).unwrap()
}

/// Every frame steered in its left `steered` columns.
fn masks(steered: usize) -> Vec<Vec<u8>> {
    let mask: Vec<u8> = (0..WIDTH * HEIGHT)
        .map(|i| if i % WIDTH < steered { 255 } else { 0 })
        .collect();
    vec![mask; FRAMES]
}

fn request(steps: usize, guide: Option<(usize, usize, usize)>) -> GenerateRequest {
    let mut request = GenerateRequest::new("a red kite drifts over the dunes");
    request.negative_prompt = "blurry".into();
    request.frames = FRAMES;
    request.width = WIDTH;
    request.height = HEIGHT;
    request.steps = steps;
    request.guidance = 3.5;
    request.shift = Some(3.0);
    request.seed = 11;
    request.image = Some(picture(0));
    request.motion = guide.map(|(t_weak, t_strong, steered)| MotionGuide {
        frames: (0..FRAMES).map(|f| picture(4 * f)).collect(),
        masks: masks(steered),
        t_weak,
        t_strong,
    });
    request
}

/// The guide's normalised latent [1, z, F', h, w], encoded here the way the pipeline should.
fn guide_latent(wan: &WanModels, guide: &MotionGuide) -> Tensor<5> {
    let mut values = Vec::new();
    for f in &guide.frames {
        values.extend(f.pixels().iter().map(|&v| v as f32 / 255.0 * 2.0 - 1.0));
    }
    let video = Tensor::<5>::from_data(
        burn::tensor::TensorData::new(values, [1, FRAMES, HEIGHT, WIDTH, 3]),
        wan.device(),
    )
    .permute([0, 4, 1, 2, 3]);
    wan.vae.normalize(wan.vae.encode(video))
}

fn host(t: Tensor<5>) -> Vec<f32> {
    t.try_into_vec_as::<f32>().unwrap()
}

/// Max |a - b|.
fn max_diff(a: &[f32], b: &[f32]) -> f64 {
    errors(a, b).0
}

/// Latent values [1, z, F', h, w] at latent frames 1.. and columns `cols` (frame 0 is the
/// image's latent in image-to-video, whatever the guide says).
fn region(t: &Tensor<5>, cols: std::ops::Range<usize>) -> Vec<f32> {
    let [_, _, f, _, _] = t.dims();
    host(
        t.clone()
            .narrow(2, 1, f - 1)
            .narrow(4, cols.start, cols.end - cols.start),
    )
}

#[test]
fn zero_strengths_give_plain_image_to_video() {
    let mut wan = load();
    let plain: Video = wan
        .generate(&request(3, None), |_| StepControl::Continue)
        .unwrap();
    let mut previews = 0;
    let guided = wan
        .generate(&request(3, Some((0, 0, WIDTH))), |_| {
            previews += 1;
            StepControl::Continue
        })
        .unwrap();
    assert_eq!(previews, 3);
    assert_eq!(plain.pixels, guided.pixels);
}

#[test]
fn steered_positions_follow_the_guide_until_t_strong() {
    let mut wan = load();
    let steps = 4;
    // Left half steered: the tiny VAE is 16x spatially, 96 px -> 6 latent columns.
    let request = request(steps, Some((1, 3, WIDTH / 2)));
    let device = wan.device().clone();
    let shape = wan.latent_shape(&request);
    let lw = shape[4];
    let noise = randn(request.seed, shape, &device);
    let reference = guide_latent(&wan, request.motion.as_ref().unwrap());
    let sigmas = wan
        .scheduler_with_shift(request.shift)
        .unwrap()
        .schedule(steps)
        .unwrap()
        .sigmas()
        .to_vec();

    let mut seen = Vec::new();
    wan.generate(&request, |step| {
        seen.push(step.latents.clone());
        assert_eq!(step.steps, steps - 1, "the run starts at t_weak");
        StepControl::Continue
    })
    .unwrap();
    assert_eq!(seen.len(), 3, "steps 1, 2, 3 run; step 0 is skipped");

    for (i, latents) in seen.iter().enumerate() {
        let k = i + 1; // absolute step index
        let expected = add_noise(reference.clone(), noise.clone(), sigmas[k + 1]);
        let inside = max_diff(&region(latents, 0..lw / 2), &region(&expected, 0..lw / 2));
        let outside = max_diff(&region(latents, lw / 2..lw), &region(&expected, lw / 2..lw));
        println!("after step {k}: inside {inside:.2e}, outside {outside:.2e}");
        if k < 3 {
            assert!(
                inside < 1e-5,
                "step {k}: steered cells are the noised guide"
            );
        } else {
            assert!(
                inside > 1e-3,
                "step {k}: from t_strong on they denoise freely"
            );
        }
        assert!(
            outside > 1e-3,
            "step {k}: unsteered cells are never replaced"
        );
    }
}

#[test]
fn strong_to_the_end_lands_on_the_clean_guide() {
    let mut wan = load();
    let request = request(2, Some((0, 2, WIDTH)));
    let mut last = None;
    wan.generate(&request, |step| {
        last = Some(step.latents);
        StepControl::Continue
    })
    .unwrap();
    let reference = guide_latent(&wan, request.motion.as_ref().unwrap());
    let lw = reference.dims()[4];
    let last = last.unwrap();
    assert!(max_diff(&region(&last, 0..lw), &region(&reference, 0..lw)) < 1e-6);
}

#[test]
fn a_guide_that_does_not_fit_is_refused() {
    let mut wan = load();
    let mut r = request(3, Some((1, 2, 8)));
    r.motion.as_mut().unwrap().frames.pop();
    let err = wan.generate(&r, |_| StepControl::Continue).unwrap_err();
    assert!(
        matches!(&err, PipelineError::InvalidRequest(m) if m.contains("4 frames")),
        "{err}"
    );
    let r = request(3, Some((2, 1, 8)));
    let err = wan.generate(&r, |_| StepControl::Continue).unwrap_err();
    assert!(err.to_string().contains("t_weak"), "{err}");
}
