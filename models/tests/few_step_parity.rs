//! The few-step (DMD) sampler against FastVideo's loop, as models/scripts/fixtures_few_step.py
//! writes it out over diffusers' training table: the same model outputs and re-noising noise
//! in, the same sigma per step and the same latent after every step out, on flex.

mod common;

use burn::prelude::*;
use burn::tensor::TensorData;
use models::scheduler::{FewStep, FewStepSchedule, Sampler, StepNoise};
use models::tensor_io::TensorFile;

use common::{errors, fixtures};

/// fp32 parity: max |ours - reference| / max |reference|.
const MAX_RELATIVE_ERROR: f64 = 1e-5;

fn check(case: &str) {
    let file = TensorFile::read(
        fixtures()
            .join("few_step")
            .join(format!("{case}.safetensors")),
    )
    .unwrap();
    let timesteps = file.f32("timesteps").unwrap().values;
    let shift = file.f32("shift").unwrap().values[0] as f64;
    let schedule = FewStepSchedule::new(&timesteps, shift, 1000).unwrap();

    let reference_sigmas = file.f32("sigmas").unwrap().values;
    let ours: Vec<f32> = timesteps.iter().map(|&t| schedule.sigma_for(t)).collect();
    assert_eq!(ours, reference_sigmas, "{case}: sigma(t) differs");

    let sample = file.f32("sample").unwrap();
    let shape: [usize; 5] = sample.shape.clone().try_into().unwrap();
    let numel = sample.values.len();
    let noises = file.f32("noises").unwrap();
    let given = noises.values.chunks(numel).map(<[f32]>::to_vec).collect();
    let outputs = file.f32("model_outputs").unwrap().values;
    let prev = file.f32("prev_samples").unwrap().values;

    let device = Device::flex();
    let tensor =
        |values: &[f32]| Tensor::<5>::from_data(TensorData::new(values.to_vec(), shape), &device);
    let mut sampler: Box<dyn Sampler<5>> =
        Box::new(FewStep::new(&schedule, StepNoise::Given(given)));
    assert_eq!(sampler.timesteps(), &timesteps[..]);
    let mut x = tensor(&sample.values);
    let mut step = 0;
    while sampler.current_timestep().is_some() {
        let output = tensor(&outputs[step * numel..(step + 1) * numel]);
        x = sampler.step(output, x);
        let (abs, rel) = errors(
            &x.clone().try_into_vec_as::<f32>().unwrap(),
            &prev[step * numel..(step + 1) * numel],
        );
        println!(
            "{case} step {step} (t = {}): max abs {abs:.3e} rel {rel:.3e}",
            timesteps[step]
        );
        assert!(
            rel <= MAX_RELATIVE_ERROR,
            "{case} step {step}: relative error {rel:.3e}"
        );
        step += 1;
    }
    assert_eq!(step, timesteps.len());
}

#[test]
fn fastwan21_three_steps_match_fastvideos_loop() {
    check("fastwan21");
}

#[test]
fn fastwan22_three_steps_match_fastvideos_loop() {
    check("fastwan22");
}

#[test]
fn a_guided_schedule_with_extra_levels_matches_fastvideos_loop() {
    check("guided");
}

/// Seeded re-noising: one seed, one result; another seed, another (the noise is the only
/// thing that differs between two runs from the same start).
#[test]
fn seeded_runs_repeat_and_seeds_differ() {
    let device = Device::flex();
    let run = |seed: u64| {
        let mut sampler = FewStep::new(&FewStepSchedule::fastwan21(), StepNoise::Seeded(seed));
        let mut x = models::noise::randn::<5>(1, [1, 2, 2, 3, 3], &device);
        let v = models::noise::randn::<5>(2, [1, 2, 2, 3, 3], &device);
        // Stop before the last step, whose x0 no longer carries the re-noising directly.
        for _ in 0..2 {
            x = Sampler::<5>::step(&mut sampler, v.clone(), x);
        }
        x.try_into_vec_as::<f32>().unwrap()
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
}
