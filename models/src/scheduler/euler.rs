//! Euler on the flow ODE (diffusers' `FlowMatchEulerDiscreteScheduler`, deterministic mode):
//! x_next = x + (sigma_next - sigma) * v.

use burn::prelude::*;

use super::cursor::Cursor;
use super::{FlowSchedule, Sampler, SchedulerError};

/// First-order Euler sampler.
#[derive(Debug, Clone)]
pub struct Euler {
    cursor: Cursor,
}

impl Euler {
    /// An Euler sampler over `schedule`, at its first step.
    pub fn new(schedule: FlowSchedule) -> Self {
        Self {
            cursor: Cursor::new(schedule),
        }
    }
}

impl<const D: usize> Sampler<D> for Euler {
    fn schedule(&self) -> &FlowSchedule {
        self.cursor.schedule()
    }

    fn step_index(&self) -> usize {
        self.cursor.index()
    }

    fn set_begin_index(&mut self, index: usize) -> Result<(), SchedulerError> {
        self.cursor.set_begin(index)
    }

    fn step(&mut self, model_output: Tensor<D>, sample: Tensor<D>) -> Tensor<D> {
        let k = self.cursor.take("Euler");
        let sigmas = self.cursor.schedule().sigmas();
        // float32, as diffusers subtracts its float32 sigmas.
        let dt = sigmas[k + 1] - sigmas[k];
        sample.add(model_output.mul_scalar(dt))
    }
}
