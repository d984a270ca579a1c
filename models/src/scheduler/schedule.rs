//! The sampling schedule: the sigmas a run steps through and the timesteps the model sees.
//!
//! Rectified flow: x_s = (1 - s) x0 + s eps, s from 1 (pure noise) down to 0 (clean). The
//! timestep the model is conditioned on is s * num_train_timesteps. A shift k moves the steps
//! towards the noisy end: s' = k s / (1 + (k - 1) s).
//!
//! The builders reproduce diffusers' schedules value for value, including where diffusers
//! computes in float32 and where in float64 (numpy), so the timesteps the DiT receives are the
//! reference's bit for bit in the usual cases.

use super::config::{FinalSigmas, FlowSchedulerConfig, SamplerKind};
use super::error::SchedulerError;

/// The timestep shift s' = k s / (1 + (k - 1) s) (k = 1: no shift).
pub fn shift_sigma(sigma: f64, shift: f64) -> f64 {
    shift * sigma / (1.0 + (shift - 1.0) * sigma)
}

/// The same shift in float32 arithmetic, as torch and numpy do it on float32 arrays.
fn shift_sigma_f32(sigma: f32, shift: f64) -> f32 {
    (shift as f32 * sigma) / (1.0 + (shift - 1.0) as f32 * sigma)
}

/// numpy's `linspace(start, stop, num)` (float64, endpoint included), value for value.
fn np_linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    match num {
        0 => Vec::new(),
        1 => vec![start],
        _ => {
            let step = (stop - start) / (num - 1) as f64;
            let mut values: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
            values[num - 1] = stop;
            values
        }
    }
}

/// A sampling schedule: `steps()` steps, from `sigmas()[i]` to `sigmas()[i + 1]` at step i, the
/// model seeing `timesteps()[i]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowSchedule {
    sigmas: Vec<f32>,
    timesteps: Vec<f32>,
}

impl FlowSchedule {
    /// A schedule from explicit values: `sigmas` has one more entry than `timesteps` (the
    /// sigma after the last step), every sigma is in [0, 1] and they strictly decrease, except
    /// that the final sigma may equal the last step's.
    pub fn new(sigmas: Vec<f32>, timesteps: Vec<f32>) -> Result<Self, SchedulerError> {
        if timesteps.is_empty() {
            return Err(SchedulerError::InvalidSchedule(
                "a schedule needs at least one step".into(),
            ));
        }
        if sigmas.len() != timesteps.len() + 1 {
            return Err(SchedulerError::InvalidSchedule(format!(
                "{} timesteps need {} sigmas (the last one is where the final step ends), got {}",
                timesteps.len(),
                timesteps.len() + 1,
                sigmas.len()
            )));
        }
        if let Some(bad) = sigmas.iter().find(|s| !(0.0..=1.0).contains(*s)) {
            return Err(SchedulerError::InvalidSchedule(format!(
                "sigma {bad} is outside [0, 1]"
            )));
        }
        // The final sigma may repeat the last step's (diffusers' `final_sigmas_type =
        // "sigma_min"`): that last step then leaves the sample as it is.
        let n = sigmas.len();
        let decreasing =
            sigmas[..n - 1].windows(2).all(|w| w[1] < w[0]) && sigmas[n - 1] <= sigmas[n - 2];
        if !decreasing {
            return Err(SchedulerError::InvalidSchedule(format!(
                "sigmas must strictly decrease (the final one may repeat the last), got {sigmas:?}"
            )));
        }
        if let Some(bad) = timesteps.iter().find(|t| !t.is_finite()) {
            return Err(SchedulerError::InvalidSchedule(format!(
                "timestep {bad} is not a number"
            )));
        }
        Ok(Self { sigmas, timesteps })
    }

    /// A few-step schedule taken as is (no shift): the given sigmas, then 0; the timesteps are
    /// sigma * `num_train_timesteps`. For distilled models that publish their sigma list.
    pub fn from_sigmas(sigmas: &[f32], num_train_timesteps: u32) -> Result<Self, SchedulerError> {
        let timesteps = sigmas
            .iter()
            .map(|s| s * num_train_timesteps as f32)
            .collect();
        let mut all = sigmas.to_vec();
        all.push(0.0);
        Self::new(all, timesteps)
    }

    /// How many steps the schedule has.
    pub fn steps(&self) -> usize {
        self.timesteps.len()
    }

    /// The sigmas, one per step plus the one the last step ends at.
    pub fn sigmas(&self) -> &[f32] {
        &self.sigmas
    }

    /// The timestep the model sees at each step.
    pub fn timesteps(&self) -> &[f32] {
        &self.timesteps
    }
}

fn check_steps(steps: usize) -> Result<(), SchedulerError> {
    if steps == 0 {
        return Err(SchedulerError::InvalidSchedule(
            "the number of inference steps must be at least 1".into(),
        ));
    }
    Ok(())
}

/// `FlowMatchEulerDiscreteScheduler.set_timesteps(steps)`: a float64 linspace between the
/// shifted training extremes, shifted again (as diffusers does), rounded to float32.
fn euler_schedule(
    config: &FlowSchedulerConfig,
    steps: usize,
) -> Result<FlowSchedule, SchedulerError> {
    check_steps(steps)?;
    let n_train = config.num_train_timesteps;
    let k = config.shift;
    // The training schedule (float32 in diffusers): timesteps 1..=N, sigma = t / N, shifted;
    // its ends are sigma = N / N = 1 (exact in float32) and 1 / N.
    let sigma_max = shift_sigma_f32(1.0, k) as f64;
    let sigma_min = shift_sigma_f32(1.0 / n_train as f32, k) as f64;
    let t = np_linspace(
        sigma_max * n_train as f64,
        sigma_min * n_train as f64,
        steps,
    );
    let sigmas: Vec<f32> = t
        .iter()
        .map(|t| shift_sigma(t / n_train as f64, k) as f32)
        .collect();
    euler_finish(sigmas, n_train)
}

/// `FlowMatchEulerDiscreteScheduler.set_timesteps(sigmas=...)`: the given sigmas, shifted in
/// float32.
fn euler_schedule_from_sigmas(
    config: &FlowSchedulerConfig,
    sigmas: &[f32],
) -> Result<FlowSchedule, SchedulerError> {
    check_steps(sigmas.len())?;
    let shifted = sigmas
        .iter()
        .map(|&s| shift_sigma_f32(s, config.shift))
        .collect();
    euler_finish(shifted, config.num_train_timesteps)
}

fn euler_finish(mut sigmas: Vec<f32>, n_train: u32) -> Result<FlowSchedule, SchedulerError> {
    let timesteps = sigmas.iter().map(|s| s * n_train as f32).collect();
    sigmas.push(0.0);
    FlowSchedule::new(sigmas, timesteps)
}

/// `UniPCMultistepScheduler.set_timesteps` with flow sigmas: linspace(1, 1/N, steps + 1)
/// without its last point (or the given sigmas), shifted in float64, the first nudged below 1
/// (UniPC takes log(1 - s)), integer timesteps (truncated, as diffusers casts them to int64).
fn unipc_schedule(
    config: &FlowSchedulerConfig,
    base: Vec<f64>,
) -> Result<FlowSchedule, SchedulerError> {
    check_steps(base.len())?;
    let n_train = config.num_train_timesteps as f64;
    let mut sigmas: Vec<f64> = base
        .iter()
        .map(|&s| shift_sigma(s, config.flow_shift))
        .collect();
    const EPS: f64 = 1e-6;
    if (sigmas[0] - 1.0).abs() < EPS {
        sigmas[0] -= EPS;
    }
    let timesteps = sigmas
        .iter()
        .map(|s| (s * n_train).trunc() as f32)
        .collect();
    let last = match config.final_sigmas_type {
        FinalSigmas::Zero => 0.0,
        FinalSigmas::SigmaMin => sigmas[sigmas.len() - 1],
    };
    sigmas.push(last);
    FlowSchedule::new(sigmas.into_iter().map(|s| s as f32).collect(), timesteps)
}

impl FlowSchedulerConfig {
    /// The schedule diffusers' `set_timesteps(num_inference_steps=steps)` makes for this config.
    pub fn schedule(&self, steps: usize) -> Result<FlowSchedule, SchedulerError> {
        match self.kind()? {
            SamplerKind::Euler => euler_schedule(self, steps),
            SamplerKind::UniPc => {
                check_steps(steps)?;
                let n_train = self.num_train_timesteps as f64;
                let mut base = np_linspace(1.0, 1.0 / n_train, steps + 1);
                base.pop();
                unipc_schedule(self, base)
            }
        }
    }

    /// The schedule diffusers' `set_timesteps(sigmas=...)` makes for this config: the given
    /// sigmas with the config's shift applied, for few-step schedules. (Use
    /// [`FlowSchedule::from_sigmas`] for sigmas that are final as given.)
    pub fn schedule_from_sigmas(&self, sigmas: &[f32]) -> Result<FlowSchedule, SchedulerError> {
        match self.kind()? {
            SamplerKind::Euler => euler_schedule_from_sigmas(self, sigmas),
            SamplerKind::UniPc => unipc_schedule(self, sigmas.iter().map(|&s| s as f64).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_keeps_the_ends_and_moves_the_middle_up() {
        for k in [1.0, 3.0, 5.0] {
            assert_eq!(shift_sigma(0.0, k), 0.0);
            assert_eq!(shift_sigma(1.0, k), 1.0);
        }
        assert_eq!(shift_sigma(0.5, 1.0), 0.5);
        assert!((shift_sigma(0.5, 3.0) - 0.75).abs() < 1e-12);
    }

    #[test]
    fn linspace_matches_numpy() {
        assert_eq!(np_linspace(0.0, 1.0, 5), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(np_linspace(2.0, 2.0, 1), vec![2.0]);
        assert!(np_linspace(0.0, 1.0, 0).is_empty());
    }

    #[test]
    fn unipc_schedule_is_wans() {
        let schedule = FlowSchedulerConfig::wan_unipc(3.0).schedule(10).unwrap();
        assert_eq!(schedule.steps(), 10);
        // diffusers 0.42.1 prints these for Wan's config.
        assert_eq!(
            schedule.timesteps(),
            &[999.0, 964.0, 923.0, 875.0, 818.0, 750.0, 667.0, 563.0, 429.0, 251.0]
        );
        assert_eq!(schedule.sigmas()[0], 0.999999);
        assert_eq!(*schedule.sigmas().last().unwrap(), 0.0);
    }

    #[test]
    fn euler_schedule_starts_at_one_and_ends_at_zero() {
        let schedule = FlowSchedulerConfig::euler(3.0).schedule(10).unwrap();
        assert_eq!(schedule.timesteps()[0], 1000.0);
        assert_eq!(schedule.sigmas()[0], 1.0);
        assert_eq!(*schedule.sigmas().last().unwrap(), 0.0);
    }

    #[test]
    fn bad_schedules_are_refused() {
        assert!(FlowSchedulerConfig::euler(3.0).schedule(0).is_err());
        assert!(FlowSchedule::from_sigmas(&[], 1000).is_err());
        assert!(FlowSchedule::from_sigmas(&[0.5, 0.75], 1000).is_err());
        assert!(FlowSchedule::from_sigmas(&[1.5], 1000).is_err());
        assert!(FlowSchedule::new(vec![1.0, 0.5], vec![1000.0, 500.0]).is_err());
        assert!(FlowSchedule::new(vec![1.0, 1.0, 0.5], vec![1000.0, 1000.0]).is_err());
        // Ending where the last step starts (final_sigmas_type = "sigma_min") is allowed.
        assert!(FlowSchedule::new(vec![1.0, 0.5, 0.5], vec![1000.0, 500.0]).is_ok());
    }

    #[test]
    fn raw_sigmas_are_taken_as_given() {
        let schedule = FlowSchedule::from_sigmas(&[1.0, 0.75, 0.5, 0.25], 1000).unwrap();
        assert_eq!(schedule.sigmas(), &[1.0, 0.75, 0.5, 0.25, 0.0]);
        assert_eq!(schedule.timesteps(), &[1000.0, 750.0, 500.0, 250.0]);
    }
}
