//! Which sampler a request runs, over which schedule, with what guidance and motion clock: the
//! package's flow sampler over `request.steps`, or a distilled package's few steps.

use super::error::PipelineError;
use super::models::WanModels;
use super::motion_guide::DualClock;
use super::request::GenerateRequest;
use crate::scheduler::{FewStep, Sampler, StepNoise};

/// How one request is sampled.
pub(super) struct Sampling {
    pub(super) sampler: Box<dyn Sampler<5>>,
    /// The motion guide's strengths on the sampler's schedule (with a guide only).
    pub(super) clock: Option<DualClock>,
    /// The guidance scale applied (1: no unconditional pass).
    pub(super) guidance: f32,
}

impl WanModels {
    /// The sampling of `request`. A distilled package runs its own few steps without
    /// guidance, whatever `request.steps` and `request.guidance` say; its re-noising draws from
    /// the request's seed. A motion guide's strengths are counted in `request.steps` of the
    /// package's own schedule and, on a distilled package, placed on its few steps by noise
    /// level (see [`crate::scheduler::FewStepSchedule::with_motion_strengths`]).
    pub(super) fn sampling(&self, request: &GenerateRequest) -> Result<Sampling, PipelineError> {
        let reference = self.scheduler_with_shift(request.shift)?;
        let Some(few_step) = &self.few_step else {
            return Ok(Sampling {
                sampler: reference.sampler::<5>(request.steps)?,
                clock: request
                    .motion
                    .as_ref()
                    .map(|m| DualClock::new(request.steps, m.t_weak, m.t_strong))
                    .transpose()?,
                guidance: request.guidance,
            });
        };
        let noise = StepNoise::Seeded(request.seed);
        let (schedule, clock) = match &request.motion {
            None => (few_step.clone(), None),
            Some(motion) => {
                let sigmas = reference.schedule(request.steps)?.sigmas().to_vec();
                let guided =
                    few_step.with_motion_strengths(&sigmas, motion.t_weak, motion.t_strong)?;
                let clock =
                    DualClock::new(guided.schedule.steps(), guided.t_weak, guided.t_strong)?;
                (guided.schedule, Some(clock))
            }
        };
        Ok(Sampling {
            sampler: Box::new(FewStep::new(&schedule, noise)),
            clock,
            guidance: 1.0,
        })
    }
}
