//! Euler on the flow ODE (diffusers' `FlowMatchEulerDiscreteScheduler`, deterministic mode):
//! x_next = x + (sigma_next - sigma) * v.

use burn::prelude::*;

use super::{check_begin_index, FlowSchedule, Sampler, SchedulerError};

/// First-order Euler sampler.
#[derive(Debug, Clone)]
pub struct Euler {
    schedule: FlowSchedule,
    begin_index: usize,
    step_index: usize,
}

impl Euler {
    /// An Euler sampler over `schedule`, at its first step.
    pub fn new(schedule: FlowSchedule) -> Self {
        Self {
            schedule,
            begin_index: 0,
            step_index: 0,
        }
    }
}

impl<const D: usize> Sampler<D> for Euler {
    fn schedule(&self) -> &FlowSchedule {
        &self.schedule
    }

    fn step_index(&self) -> usize {
        self.step_index
    }

    fn set_begin_index(&mut self, index: usize) -> Result<(), SchedulerError> {
        check_begin_index(&self.schedule, self.step_index != self.begin_index, index)?;
        self.begin_index = index;
        self.step_index = index;
        Ok(())
    }

    fn step(&mut self, model_output: Tensor<D>, sample: Tensor<D>) -> Tensor<D> {
        let k = self.step_index;
        let sigmas = self.schedule.sigmas();
        assert!(
            k < self.schedule.steps(),
            "Euler::step called after the last of {} steps",
            self.schedule.steps()
        );
        // float32, as diffusers subtracts its float32 sigmas.
        let dt = sigmas[k + 1] - sigmas[k];
        self.step_index += 1;
        sample.add(model_output.mul_scalar(dt))
    }
}
