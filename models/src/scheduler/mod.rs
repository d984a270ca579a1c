//! Flow-matching samplers: Euler and UniPC, as diffusers implements them for Wan.
//!
//! A [`FlowSchedulerConfig`] (diffusers' `scheduler_config.json`) makes a [`FlowSchedule`] (the
//! sigmas and timesteps) and a [`Sampler`] that walks it: the pipeline asks the sampler for the
//! timestep, runs the model, applies [`cfg()`], and hands the model output to
//! [`Sampler::step`]. Few-step schedules (explicit sigmas) go through the same trait.
//!
//! Schedules are host `f32`; tensors stay on the device. Step coefficients are computed on the
//! host in `f64`, so the device does only a few scaled additions per step.

mod config;
mod cursor;
mod error;
mod euler;
mod few_step;
mod guidance;
mod schedule;
mod unipc;

use burn::prelude::*;

pub use config::{FinalSigmas, FlowSchedulerConfig, SamplerKind, SolverType};
pub use error::SchedulerError;
pub use euler::Euler;
pub use few_step::{FewStep, FewStepSchedule, GuidedFewStep, StepNoise, FASTWAN_TIMESTEPS};
pub use guidance::{add_noise, cfg, uses_uncond};
pub use schedule::{shift_sigma, FlowSchedule};
pub use unipc::{UniPc, UniPcOptions};

/// A sampler walking a [`FlowSchedule`] over rank-`D` samples (`[B, C, F, H, W]`: `D = 5`).
///
/// Call [`step`](Sampler::step) once per timestep, in order, with the model's output (the
/// flow, eps - x0) at [`current_timestep`](Sampler::current_timestep) for `sample`; it returns
/// the sample at the next sigma.
pub trait Sampler<const D: usize>: Send {
    /// The schedule being walked.
    fn schedule(&self) -> &FlowSchedule;

    /// Index of the next step to take.
    fn step_index(&self) -> usize;

    /// Starts the run at step `index` instead of 0 (diffusers' `set_begin_index`), for a
    /// partially noised start (SDEdit, Time-to-Move). Only before the first step.
    fn set_begin_index(&mut self, index: usize) -> Result<(), SchedulerError>;

    /// One step: the sample at the next sigma, from the model output at the current one.
    ///
    /// # Panics
    /// When the schedule is already finished.
    fn step(&mut self, model_output: Tensor<D>, sample: Tensor<D>) -> Tensor<D>;

    /// The timestep the model sees at each step.
    fn timesteps(&self) -> &[f32] {
        self.schedule().timesteps()
    }

    /// The sigmas, one per step plus the one the last step ends at.
    fn sigmas(&self) -> &[f32] {
        self.schedule().sigmas()
    }

    /// The timestep for the next step, `None` once finished.
    fn current_timestep(&self) -> Option<f32> {
        self.timesteps().get(self.step_index()).copied()
    }

    /// The sigma of the sample the next step takes, `None` once finished.
    fn current_sigma(&self) -> Option<f32> {
        self.current_timestep()?;
        self.sigmas().get(self.step_index()).copied()
    }

    /// Whether every step has been taken.
    fn is_finished(&self) -> bool {
        self.step_index() >= self.schedule().steps()
    }
}

impl FlowSchedulerConfig {
    /// The sampler this config describes, over diffusers' schedule for `steps` steps.
    pub fn sampler<const D: usize>(
        &self,
        steps: usize,
    ) -> Result<Box<dyn Sampler<D>>, SchedulerError> {
        self.sampler_for(self.schedule(steps)?)
    }

    /// The sampler this config describes, over the given sigmas with the config's shift
    /// applied (diffusers' `set_timesteps(sigmas=...)`): few-step schedules.
    pub fn sampler_from_sigmas<const D: usize>(
        &self,
        sigmas: &[f32],
    ) -> Result<Box<dyn Sampler<D>>, SchedulerError> {
        self.sampler_for(self.schedule_from_sigmas(sigmas)?)
    }

    /// The sampler this config describes, over any schedule.
    pub fn sampler_for<const D: usize>(
        &self,
        schedule: FlowSchedule,
    ) -> Result<Box<dyn Sampler<D>>, SchedulerError> {
        self.validate()?;
        Ok(match self.kind()? {
            SamplerKind::Euler => Box::new(Euler::new(schedule)),
            SamplerKind::UniPc => Box::new(UniPc::new(schedule, UniPcOptions::from_config(self))?),
        })
    }
}
