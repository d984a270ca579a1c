//! Few-step sampling for distribution-matching distilled (DMD) models, as FastVideo runs its
//! FastWan releases: a fixed list of timesteps (FastWan: 1000, 757, 522), one model pass each,
//! no classifier-free guidance.
//!
//! At each timestep t the model's flow v gives the clean latent x0 = x - sigma(t) v; before
//! every step but the last, x0 is noised again to the next timestep with fresh noise,
//! (1 - sigma(t')) x0 + sigma(t') noise, and the last step returns x0 itself. Unlike an ODE
//! sampler, a step forgets the sample's own noise: a distilled generator jumps to its guess of
//! the clean video at every level.
//!
//! sigma(t) is FastVideo's lookup in the training table of a flow-matching Euler scheduler
//! built with the release's shift and never re-timed: the entry whose (shifted) timestep is
//! nearest t. The table's timesteps are its sigmas times 1000, so sigma(t) is t / 1000 up to
//! the table's spacing; the shift (8 for FastWan2.1-1.3B, 5 for FastWan2.2-TI2V-5B) only moves
//! where those entries lie, by up to ~1e-3.
//!
//! The fresh noise is drawn on the host from the run's seed ([`crate::noise`]), one stream per
//! step, so a seed gives the same video on every device.

use burn::prelude::*;
use burn::tensor::TensorData;

use super::cursor::Cursor;
use super::{FlowSchedule, Sampler, SchedulerError};
use crate::noise::randn;

/// FastWan's timesteps (FastVideo's `dmd_denoising_steps` for FastWan2.1-T2V-1.3B and
/// FastWan2.2-TI2V-5B).
pub const FASTWAN_TIMESTEPS: [f32; 3] = [1000.0, 757.0, 522.0];

/// Sigma levels closer than this are one level when Time-to-Move's strengths are placed on a
/// few-step schedule (10 of 1000 timesteps).
const SAME_LEVEL: f32 = 0.01;

/// The timestep shift in float32, as torch computes it on the scheduler's float32 table.
fn shift_sigma_f32(sigma: f32, shift: f64) -> f32 {
    (shift as f32 * sigma) / (1.0 + (shift - 1.0) as f32 * sigma)
}

/// A distilled model's timesteps and the training table their sigmas come from.
#[derive(Debug, Clone, PartialEq)]
pub struct FewStepSchedule {
    timesteps: Vec<f32>,
    shift: f64,
    num_train_timesteps: u32,
    /// The training table, as torch computes it in float32: (timestep, sigma), timesteps
    /// falling.
    table: Vec<(f32, f32)>,
}

impl FewStepSchedule {
    /// The schedule of `timesteps` (strictly falling, in (0, `num_train_timesteps`]) over the
    /// training table of a flow-matching Euler scheduler with `shift`.
    pub fn new(
        timesteps: &[f32],
        shift: f64,
        num_train_timesteps: u32,
    ) -> Result<Self, SchedulerError> {
        if timesteps.is_empty() {
            return Err(SchedulerError::InvalidSchedule(
                "a few-step schedule needs at least one timestep".into(),
            ));
        }
        if num_train_timesteps == 0 {
            return Err(SchedulerError::InvalidSchedule(
                "num_train_timesteps must be at least 1".into(),
            ));
        }
        if !(shift.is_finite() && shift > 0.0) {
            return Err(SchedulerError::InvalidSchedule(format!(
                "the timestep shift must be a positive number, not {shift}"
            )));
        }
        let n = num_train_timesteps as f32;
        if let Some(bad) = timesteps.iter().find(|t| !(**t > 0.0 && **t <= n)) {
            return Err(SchedulerError::InvalidSchedule(format!(
                "timestep {bad} is outside (0, {num_train_timesteps}]"
            )));
        }
        if !timesteps.windows(2).all(|w| w[1] < w[0]) {
            return Err(SchedulerError::InvalidSchedule(format!(
                "few-step timesteps must strictly decrease, got {timesteps:?}"
            )));
        }
        // `FlowMatchEulerDiscreteScheduler.__init__`: timesteps N..=1, sigma = t / N shifted,
        // timesteps = sigma * N, all in float32.
        let table = (1..=num_train_timesteps)
            .rev()
            .map(|t| {
                let sigma = shift_sigma_f32(t as f32 / n, shift);
                (sigma * n, sigma)
            })
            .collect();
        Ok(Self {
            timesteps: timesteps.to_vec(),
            shift,
            num_train_timesteps,
            table,
        })
    }

    /// FastWan2.1-T2V-1.3B: [1000, 757, 522] over the table of shift 8.
    pub fn fastwan21() -> Self {
        Self::new(&FASTWAN_TIMESTEPS, 8.0, 1000).expect("FastWan's schedule is valid")
    }

    /// FastWan2.2-TI2V-5B: [1000, 757, 522] over the table of shift 5.
    pub fn fastwan22() -> Self {
        Self::new(&FASTWAN_TIMESTEPS, 5.0, 1000).expect("FastWan's schedule is valid")
    }

    /// The model timesteps, one per step.
    pub fn timesteps(&self) -> &[f32] {
        &self.timesteps
    }

    /// The shift of the training table.
    pub fn shift(&self) -> f64 {
        self.shift
    }

    /// Steps (model passes).
    pub fn steps(&self) -> usize {
        self.timesteps.len()
    }

    /// sigma(t): the sigma of the training timestep nearest `timestep` (the first on a tie, as
    /// torch's argmin).
    pub fn sigma_for(&self, timestep: f32) -> f32 {
        let mut best = self.table[0];
        for &entry in &self.table[1..] {
            if (entry.0 - timestep).abs() < (best.0 - timestep).abs() {
                best = entry;
            }
        }
        best.1
    }

    /// The sigmas and timesteps as a [`FlowSchedule`]: sigma(t) per step, then 0.
    pub fn flow_schedule(&self) -> FlowSchedule {
        let mut sigmas: Vec<f32> = self.timesteps.iter().map(|&t| self.sigma_for(t)).collect();
        sigmas.push(0.0);
        FlowSchedule::new(sigmas, self.timesteps.clone())
            .expect("falling timesteps give falling sigmas")
    }

    /// Time-to-Move's strengths, counted in the steps of `reference_sigmas` (the schedule a
    /// request's `steps` describe: one sigma per step, then the final one), placed on this
    /// schedule by noise level.
    ///
    /// A few-step schedule is too coarse for the step indices themselves: Time-to-Move's
    /// defaults (3 and 7 of 50 steps) both fall before FastWan's second level. What the
    /// strengths mean is two noise levels: sigma_weak = `reference_sigmas[t_weak]`, where the
    /// whole frame starts from the noised guide, and sigma_strong =
    /// `reference_sigmas[t_strong]`, down to which the steered regions stay tied to it. So:
    /// - `t_weak = 0` starts from pure noise at the first timestep, as plain generation;
    ///   otherwise the run starts at timestep sigma_weak * N, rounded (a level of its own unless a
    ///   timestep of the schedule is within 0.01 of it), and the levels above it are skipped;
    /// - sigma_strong becomes a level of its own too (again unless one is within 0.01), so the
    ///   steered regions are tied after each step whose next level is at or above it and run
    ///   freely below, exactly as with many steps; `t_strong = steps` ties them to the end.
    ///
    /// The price is up to two model passes more than the release's three (Time-to-Move's
    /// defaults on FastWan2.1 at shift 3: timesteps 979, 949, 757, 522, tied after the first).
    pub fn with_motion_strengths(
        &self,
        reference_sigmas: &[f32],
        t_weak: usize,
        t_strong: usize,
    ) -> Result<GuidedFewStep, SchedulerError> {
        let steps = reference_sigmas.len().saturating_sub(1);
        if steps == 0 || t_weak >= steps || t_strong < t_weak || t_strong > steps {
            return Err(SchedulerError::InvalidSchedule(format!(
                "motion strengths t_weak {t_weak} and t_strong {t_strong} with {steps} reference \
                 steps: they must satisfy 0 <= t_weak <= t_strong <= steps and t_weak < steps"
            )));
        }
        let n = self.num_train_timesteps as f32;
        let own: Vec<(f32, f32)> = self
            .timesteps
            .iter()
            .map(|&t| (t, self.sigma_for(t)))
            .collect();
        // The level for `sigma`: one of ours when it is that close, else a new timestep.
        let level = |sigma: f32| {
            own.iter()
                .copied()
                .find(|&(_, s)| (s - sigma).abs() < SAME_LEVEL)
                .unwrap_or(((sigma * n).round(), sigma))
        };
        let mut levels: Vec<(f32, f32)> = own.clone();
        let strong = reference_sigmas[t_strong];
        if t_weak > 0 {
            levels.push(level(reference_sigmas[t_weak]));
        }
        if strong > 0.0 {
            levels.push(level(strong));
        }
        levels.sort_by(|a, b| b.1.total_cmp(&a.1));
        levels.dedup_by(|a, b| a.0 == b.0);

        let index_of = |sigma: f32| {
            let (t, _) = level(sigma);
            levels
                .iter()
                .position(|&(lt, _)| lt == t)
                .expect("every level was added")
        };
        let weak_index = if t_weak == 0 {
            0
        } else {
            index_of(reference_sigmas[t_weak])
        };
        let strong_index = if strong > 0.0 {
            index_of(strong)
        } else {
            levels.len()
        };
        let timesteps: Vec<f32> = levels.iter().map(|&(t, _)| t).collect();
        Ok(GuidedFewStep {
            schedule: Self::new(&timesteps, self.shift, self.num_train_timesteps)?,
            t_weak: weak_index,
            t_strong: strong_index.max(weak_index),
        })
    }
}

/// A few-step schedule with Time-to-Move's strengths as step indices into it (see
/// [`FewStepSchedule::with_motion_strengths`]).
#[derive(Debug, Clone, PartialEq)]
pub struct GuidedFewStep {
    /// The levels to run (the first `t_weak` are skipped).
    pub schedule: FewStepSchedule,
    /// The step the run begins at, from the guide noised to its level.
    pub t_weak: usize,
    /// The steered regions are tied to the guide after each step before this one.
    pub t_strong: usize,
}

/// Where the fresh noise of each re-noising comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum StepNoise {
    /// Seeded host noise, one stream per step derived from the seed (the run's seed: the
    /// starting noise uses the seed itself, so these streams differ from it).
    Seeded(u64),
    /// Given values, one row-major vector per re-noising (steps - 1), e.g. another program's
    /// noise for a comparison.
    Given(Vec<Vec<f32>>),
}

impl StepNoise {
    /// The noise after step `k`, shaped and placed like `like`.
    fn draw<const D: usize>(&self, k: usize, like: &Tensor<D>) -> Tensor<D> {
        let dims = like.dims();
        let device = like.device();
        match self {
            StepNoise::Seeded(seed) => randn(step_seed(*seed, k), dims, &device),
            StepNoise::Given(values) => {
                let values = values
                    .get(k)
                    .unwrap_or_else(|| panic!("no given noise for the re-noising after step {k}"));
                Tensor::from_data(TensorData::new(values.clone(), dims), &device)
            }
        }
    }
}

/// The seed of the noise after step `k`: a fixed odd multiple apart per step, so no step's
/// stream is the run's starting noise (seed itself) or another step's.
fn step_seed(seed: u64, k: usize) -> u64 {
    seed.wrapping_add((k as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03))
}

/// The DMD sampler: predict the clean latent, re-noise it to the next level.
#[derive(Debug, Clone)]
pub struct FewStep {
    cursor: Cursor,
    noise: StepNoise,
}

impl FewStep {
    /// A sampler over `schedule`, re-noising with `noise`.
    pub fn new(schedule: &FewStepSchedule, noise: StepNoise) -> Self {
        Self {
            cursor: Cursor::new(schedule.flow_schedule()),
            noise,
        }
    }
}

impl<const D: usize> Sampler<D> for FewStep {
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
        let k = self.cursor.take("FewStep");
        let sigmas = self.cursor.schedule().sigmas();
        let (sigma, next) = (sigmas[k], sigmas[k + 1]);
        let x0 = sample.sub(model_output.mul_scalar(sigma));
        if next == 0.0 {
            return x0;
        }
        let noise = self.noise.draw(k, &x0);
        x0.mul_scalar(1.0 - next).add(noise.mul_scalar(next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmas_are_the_training_tables() {
        // diffusers 0.42.1's FlowMatchEulerDiscreteScheduler tables (fixtures_few_step.py).
        let s8 = FewStepSchedule::fastwan21();
        assert_eq!(s8.sigma_for(1000.0), 1.0);
        assert_eq!(s8.sigma_for(757.0), 0.756_756_7);
        assert_eq!(s8.sigma_for(522.0), 0.521_739_1);
        let s5 = FewStepSchedule::fastwan22();
        assert_eq!(s5.sigma_for(757.0), 0.757_097_84);
        assert_eq!(
            s8.flow_schedule().sigmas(),
            &[1.0, 0.756_756_7, 0.521_739_1, 0.0]
        );
    }

    #[test]
    fn bad_schedules_are_refused() {
        assert!(FewStepSchedule::new(&[], 8.0, 1000).is_err());
        assert!(FewStepSchedule::new(&[522.0, 757.0], 8.0, 1000).is_err());
        assert!(FewStepSchedule::new(&[1001.0], 8.0, 1000).is_err());
        assert!(FewStepSchedule::new(&[0.0], 8.0, 1000).is_err());
        assert!(FewStepSchedule::new(&[1000.0], 0.0, 1000).is_err());
    }

    /// Wan's 50-step UniPC sigmas at shift 3, the reference for Time-to-Move's strengths.
    fn wan50() -> Vec<f32> {
        crate::scheduler::FlowSchedulerConfig::wan_unipc(3.0)
            .schedule(50)
            .unwrap()
            .sigmas()
            .to_vec()
    }

    #[test]
    fn time_to_moves_defaults_start_below_noise_and_tie_one_level() {
        let guided = FewStepSchedule::fastwan21()
            .with_motion_strengths(&wan50(), 3, 7)
            .unwrap();
        let reference = wan50();
        let t = guided.schedule.timesteps();
        // 1000 (skipped), sigma_weak, sigma_strong, 757, 522.
        assert_eq!(t.len(), 5, "{t:?}");
        assert_eq!(&t[3..], &[757.0, 522.0]);
        assert!((t[1] / 1000.0 - reference[3]).abs() < 1e-3, "{t:?}");
        assert!((t[2] / 1000.0 - reference[7]).abs() < 1e-3, "{t:?}");
        assert_eq!((guided.t_weak, guided.t_strong), (1, 2));
    }

    #[test]
    fn zero_strengths_are_the_plain_schedule() {
        let plain = FewStepSchedule::fastwan21();
        let guided = plain.with_motion_strengths(&wan50(), 0, 0).unwrap();
        assert_eq!(guided.schedule.timesteps(), plain.timesteps());
        assert_eq!((guided.t_weak, guided.t_strong), (0, 0));
    }

    #[test]
    fn strengths_near_a_level_reuse_it_and_the_end_ties_to_the_end() {
        // A 3-step reference whose middle sigma is 0.76: FastWan's 757 level.
        let reference = [1.0, 0.76, 0.5, 0.0];
        let guided = FewStepSchedule::fastwan21()
            .with_motion_strengths(&reference, 1, 3)
            .unwrap();
        assert_eq!(guided.schedule.timesteps(), &[1000.0, 757.0, 522.0]);
        assert_eq!((guided.t_weak, guided.t_strong), (1, 3));
        assert!(FewStepSchedule::fastwan21()
            .with_motion_strengths(&reference, 2, 1)
            .is_err());
        assert!(FewStepSchedule::fastwan21()
            .with_motion_strengths(&reference, 3, 3)
            .is_err());
    }

    #[test]
    fn each_step_draws_its_own_noise() {
        assert_ne!(step_seed(0, 0), 0);
        assert_ne!(step_seed(0, 0), step_seed(0, 1));
        assert_ne!(step_seed(5, 0), step_seed(6, 0));
    }

    #[test]
    fn a_straight_flow_lands_on_its_clean_sample() {
        // With the exact flow of x_s = (1 - s) x0 + s eps, every prediction is x0 and the last
        // step returns it, whatever the re-noising drew.
        let device = Device::flex();
        let x0 = crate::noise::randn::<1>(1, [16], &device);
        let mut sampler = FewStep::new(&FewStepSchedule::fastwan21(), StepNoise::Seeded(9));
        let mut x = crate::noise::randn::<1>(2, [16], &device);
        let mut eps = x.clone();
        while !Sampler::<1>::is_finished(&sampler) {
            let v = eps.clone().sub(x0.clone());
            x = sampler.step(v, x.clone());
            let s = Sampler::<1>::current_sigma(&sampler).unwrap_or(0.0);
            // The re-noised sample's own noise: (x - (1 - s) x0) / s.
            if s > 0.0 {
                eps = x.clone().sub(x0.clone().mul_scalar(1.0 - s)).div_scalar(s);
            }
        }
        let diff = x
            .sub(x0)
            .try_into_vec_as::<f32>()
            .unwrap()
            .into_iter()
            .fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(diff < 1e-5, "{diff}");
    }
}
