//! The samplers against diffusers: whole schedules on the committed fixtures
//! (models/scripts/make_fixtures.py), on flex, printing the max abs and relative error.

mod common;

use burn::prelude::*;
use burn::tensor::TensorData;
use models::check::run_scheduler;
use models::scheduler::{Euler, FlowSchedule, FlowSchedulerConfig, Sampler, UniPc, UniPcOptions};
use models::tensor_io::{HostTensor, TensorFile};

use common::{errors, fixtures};

/// fp32 parity: max |ours - reference| / max |reference|.
const MAX_RELATIVE_ERROR: f64 = 1e-5;

fn check_fixture(scheduler: &str, case: &str) {
    let folder = fixtures().join(format!("scheduler_{scheduler}"));
    let config = FlowSchedulerConfig::load(folder.join("scheduler_config.json")).unwrap();
    let file = TensorFile::read(folder.join(format!("{case}.safetensors"))).unwrap();
    let out = run_scheduler(&config, &file, &Device::flex()).unwrap();

    let reference = file.f32("prev_samples").unwrap();
    assert_eq!(out["prev_samples"].shape, reference.shape);
    let (abs, rel) = errors(&out["prev_samples"].values, &reference.values);
    let (t_abs, _) = errors(
        &out["timesteps"].values,
        &file.f32("timesteps").unwrap().values,
    );
    let (s_abs, _) = errors(
        &out["schedule_sigmas"].values,
        &file.f32("schedule_sigmas").unwrap().values,
    );
    println!(
        "{scheduler}/{case}: {} steps, prev_samples max abs {abs:.3e} rel {rel:.3e}; \
         timesteps max abs {t_abs:.3e}; sigmas max abs {s_abs:.3e}",
        reference.shape[0]
    );
    // The final sample of each step, step by step (errors must not grow into a drift).
    let numel: usize = reference.shape[1..].iter().product();
    for (step, (ours, theirs)) in out["prev_samples"]
        .values
        .chunks(numel)
        .zip(reference.values.chunks(numel))
        .enumerate()
    {
        let (_, rel) = errors(ours, theirs);
        assert!(
            rel <= MAX_RELATIVE_ERROR,
            "{scheduler}/{case} step {step}: relative error {rel:.3e}"
        );
    }
    assert!(
        rel <= MAX_RELATIVE_ERROR,
        "{scheduler}/{case}: relative error {rel:.3e}"
    );
    assert!(
        t_abs <= 1e-3,
        "{scheduler}/{case}: timesteps differ by {t_abs}"
    );
    assert!(
        s_abs <= 1e-6,
        "{scheduler}/{case}: sigmas differ by {s_abs}"
    );
}

#[test]
fn unipc_matches_diffusers_over_wans_schedule() {
    check_fixture("unipc", "steps10");
}

#[test]
fn unipc_matches_diffusers_with_few_steps() {
    check_fixture("unipc", "steps4");
    check_fixture("unipc", "sigmas4");
}

#[test]
fn unipc_matches_diffusers_from_a_begin_index() {
    check_fixture("unipc", "begin3");
}

#[test]
fn unipc_third_order_matches_diffusers() {
    check_fixture("unipc_order3", "steps10");
}

#[test]
fn unipc_bh1_without_lower_order_final_matches_diffusers() {
    check_fixture("unipc_bh1", "steps10");
}

#[test]
fn euler_matches_diffusers() {
    check_fixture("euler", "steps10");
    check_fixture("euler", "begin3");
}

#[test]
fn euler_matches_diffusers_on_explicit_sigmas() {
    check_fixture("euler", "sigmas4");
}

/// The trait alone drives a few-step schedule, as a pipeline would: a boxed sampler from the
/// config and explicit sigmas, the model output taken per step.
#[test]
fn the_trait_drives_a_few_step_schedule() {
    for scheduler in ["euler", "unipc"] {
        let folder = fixtures().join(format!("scheduler_{scheduler}"));
        let config = FlowSchedulerConfig::load(folder.join("scheduler_config.json")).unwrap();
        let file = TensorFile::read(folder.join("sigmas4.safetensors")).unwrap();
        let device = Device::flex();
        let sigmas = file.f32("sigmas").unwrap().values;
        let mut sampler: Box<dyn Sampler<5>> = config.sampler_from_sigmas(&sigmas).unwrap();
        assert_eq!(
            sampler.timesteps(),
            &file.f32("timesteps").unwrap().values[..]
        );

        let to_tensor = |t: &HostTensor, range: std::ops::Range<usize>, shape: &[usize]| {
            let shape: [usize; 5] = shape.try_into().unwrap();
            Tensor::<5>::from_data(TensorData::new(t.values[range].to_vec(), shape), &device)
        };
        let sample = file.f32("sample").unwrap();
        let outputs = file.f32("model_outputs").unwrap();
        let numel = sample.values.len();
        let mut x = to_tensor(&sample, 0..numel, &sample.shape);
        let mut step = 0;
        while let Some(t) = sampler.current_timestep() {
            assert_eq!(t, sampler.timesteps()[step]);
            let output = to_tensor(&outputs, step * numel..(step + 1) * numel, &sample.shape);
            x = sampler.step(output, x);
            step += 1;
        }
        assert!(sampler.is_finished());
        assert_eq!(step, 4);
        let reference = file.f32("prev_samples").unwrap().values;
        let (abs, rel) = errors(
            &x.try_into_vec_as::<f32>().unwrap(),
            &reference[3 * numel..],
        );
        println!("{scheduler} through the trait, 4 steps: final max abs {abs:.3e} rel {rel:.3e}");
        assert!(rel <= MAX_RELATIVE_ERROR);
    }
}

/// With the exact flow of a straight path (v = eps - x0), every sampler lands on x0 for any
/// schedule: the few-step path with sigmas taken as given.
#[test]
fn samplers_follow_a_straight_flow_exactly_on_any_schedule() {
    let device = Device::flex();
    let x0 = models::noise::randn::<5>(1, [1, 2, 2, 3, 3], &device);
    let eps = models::noise::randn::<5>(2, [1, 2, 2, 3, 3], &device);
    let v = eps.clone().sub(x0.clone());
    let schedule = FlowSchedule::from_sigmas(&[0.999, 0.75, 0.5, 0.25], 1000).unwrap();
    let samplers: Vec<(&str, Box<dyn Sampler<5>>)> = vec![
        ("euler", Box::new(Euler::new(schedule.clone()))),
        (
            "unipc",
            Box::new(UniPc::<5>::new(schedule.clone(), UniPcOptions::default()).unwrap()),
        ),
        (
            "unipc order 3",
            Box::new(
                UniPc::<5>::new(
                    schedule,
                    UniPcOptions {
                        solver_order: 3,
                        ..Default::default()
                    },
                )
                .unwrap(),
            ),
        ),
    ];
    for (name, mut sampler) in samplers {
        let mut x = models::scheduler::add_noise(x0.clone(), eps.clone(), 0.999);
        while !sampler.is_finished() {
            x = sampler.step(v.clone(), x);
        }
        let (abs, _) = errors(
            &x.try_into_vec_as::<f32>().unwrap(),
            &x0.clone().try_into_vec_as::<f32>().unwrap(),
        );
        println!("{name}: straight flow, 4 steps, max abs error {abs:.3e}");
        assert!(abs < 1e-5, "{name}: {abs}");
    }
}

#[test]
fn a_late_begin_index_is_refused() {
    let config = FlowSchedulerConfig::wan_unipc(3.0);
    let mut sampler = config.sampler::<1>(2).unwrap();
    assert!(sampler.set_begin_index(2).is_err());
    let x = Tensor::<1>::zeros([3], &Device::flex());
    let x = sampler.step(x.clone(), x);
    assert!(sampler.set_begin_index(0).is_err());
    sampler.step(x.clone(), x);
    assert!(sampler.is_finished() && sampler.current_timestep().is_none());
}

#[test]
#[should_panic(expected = "after the last of 1 steps")]
fn a_step_past_the_end_panics() {
    let mut sampler = FlowSchedulerConfig::euler(3.0).sampler::<1>(1).unwrap();
    let x = Tensor::<1>::zeros([3], &Device::flex());
    let x = sampler.step(x.clone(), x);
    sampler.step(x.clone(), x);
}
