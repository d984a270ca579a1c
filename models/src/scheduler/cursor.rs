//! Where a sampler is in its schedule: the step it began at and the next one to take. Shared
//! by every sampler so that beginning mid-schedule (SDEdit, Time-to-Move) works the same way.

use super::{FlowSchedule, SchedulerError};

#[derive(Debug, Clone)]
pub(crate) struct Cursor {
    schedule: FlowSchedule,
    begin: usize,
    next: usize,
}

impl Cursor {
    pub(crate) fn new(schedule: FlowSchedule) -> Self {
        Self {
            schedule,
            begin: 0,
            next: 0,
        }
    }

    pub(crate) fn schedule(&self) -> &FlowSchedule {
        &self.schedule
    }

    /// Index of the next step to take.
    pub(crate) fn index(&self) -> usize {
        self.next
    }

    /// Starts at step `index` instead of 0; only before the first step.
    pub(crate) fn set_begin(&mut self, index: usize) -> Result<(), SchedulerError> {
        if self.next != self.begin {
            return Err(SchedulerError::InvalidSchedule(
                "the begin index can only be set before the first step".into(),
            ));
        }
        if index >= self.schedule.steps() {
            return Err(SchedulerError::InvalidSchedule(format!(
                "begin index {index} is past the last of {} steps",
                self.schedule.steps()
            )));
        }
        self.begin = index;
        self.next = index;
        Ok(())
    }

    /// The index of the step being taken, moving past it.
    ///
    /// # Panics
    /// When every step has been taken (`sampler` names the caller in the message).
    pub(crate) fn take(&mut self, sampler: &str) -> usize {
        let steps = self.schedule.steps();
        assert!(
            self.next < steps,
            "{sampler}::step called after the last of {steps} steps"
        );
        self.next += 1;
        self.next - 1
    }
}
