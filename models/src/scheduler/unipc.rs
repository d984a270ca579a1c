//! UniPC multistep with flow sigmas (diffusers' `UniPCMultistepScheduler` with
//! `use_flow_sigmas`, `prediction_type = "flow_prediction"`): Wan's default sampler.
//!
//! Each step converts the model's flow v into a clean-sample prediction x0 = x - sigma v, then
//! (from the second step on) corrects the current sample with it (UniC), and predicts the next
//! sample from the last few x0 predictions (UniP), in the half-log-SNR variable
//! lambda = log(alpha) - log(sigma), with alpha = 1 - sigma. Orders ramp up from 1 to
//! `solver_order` and, with `lower_order_final`, back down on the last steps.
//!
//! The scalar algebra (lambdas, phi functions, the small linear systems for the rho weights)
//! runs on the host in f64; the device does the scaled additions.

use burn::prelude::*;

use super::cursor::Cursor;
use super::{FlowSchedule, FlowSchedulerConfig, Sampler, SchedulerError, SolverType};

/// UniPC's settings (from a [`FlowSchedulerConfig`]).
#[derive(Debug, Clone, PartialEq)]
pub struct UniPcOptions {
    /// Highest order of predictor and corrector.
    pub solver_order: usize,
    /// B(h) variant.
    pub solver_type: SolverType,
    /// Lower the order on the last steps.
    pub lower_order_final: bool,
    /// Step indices after which the corrector is skipped.
    pub disable_corrector: Vec<usize>,
}

impl UniPcOptions {
    /// The options a diffusers config sets.
    pub fn from_config(config: &FlowSchedulerConfig) -> Self {
        Self {
            solver_order: config.solver_order,
            solver_type: config.solver_type,
            lower_order_final: config.lower_order_final,
            disable_corrector: config.disable_corrector.clone(),
        }
    }
}

impl Default for UniPcOptions {
    /// Wan's: order 2, bh2, lower order on the final steps, corrector everywhere.
    fn default() -> Self {
        Self {
            solver_order: 2,
            solver_type: SolverType::Bh2,
            lower_order_final: true,
            disable_corrector: Vec::new(),
        }
    }
}

/// The UniPC multistep sampler over rank-`D` samples.
#[derive(Debug, Clone)]
pub struct UniPc<const D: usize> {
    cursor: Cursor,
    options: UniPcOptions,
    /// The last `solver_order` x0 predictions, newest last.
    history: Vec<Tensor<D>>,
    /// The sample the previous step started from (the corrector's x).
    last_sample: Option<Tensor<D>>,
    /// Order of the previous step's predictor (the corrector's order).
    last_order: usize,
    /// Steps taken so far, capped at `solver_order` (the warm-up counter).
    lower_order_nums: usize,
}

impl<const D: usize> UniPc<D> {
    /// A UniPC sampler over `schedule`, at its first step. Every sigma must be below 1 (UniPC
    /// takes log(1 - sigma)): diffusers' schedules start at 1 - 1e-6.
    pub fn new(schedule: FlowSchedule, options: UniPcOptions) -> Result<Self, SchedulerError> {
        if options.solver_order == 0 {
            return Err(SchedulerError::InvalidSchedule(
                "UniPC's solver order must be at least 1".into(),
            ));
        }
        if schedule.sigmas()[0] >= 1.0 {
            return Err(SchedulerError::InvalidSchedule(
                "UniPC needs sigmas below 1 (it takes log(1 - sigma)); build the schedule with \
                 FlowSchedulerConfig::schedule_from_sigmas, which starts at 1 - 1e-6"
                    .into(),
            ));
        }
        Ok(Self {
            cursor: Cursor::new(schedule),
            options,
            history: Vec::new(),
            last_sample: None,
            last_order: 0,
            lower_order_nums: 0,
        })
    }

    fn sigma(&self, index: usize) -> f64 {
        self.cursor.schedule().sigmas()[index] as f64
    }
}

impl<const D: usize> Sampler<D> for UniPc<D> {
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
        let k = self.cursor.take("UniPc");
        let steps = self.cursor.schedule().steps();
        let order_max = self.options.solver_order;

        // Flow prediction: x0 = x - sigma v.
        let x0 = sample
            .clone()
            .sub(model_output.mul_scalar(self.sigma(k) as f32));

        // UniC: correct the sample the previous step predicted, now that its x0 is known.
        let sample = match &self.last_sample {
            Some(last) if k > 0 && !self.options.disable_corrector.contains(&(k - 1)) => {
                let order = self.last_order;
                // The older predictions: history[len - 1 - i] was made at sigma[k - 1 - i].
                let older: Vec<f64> = (1..order).map(|i| self.sigma(k - 1 - i)).collect();
                let c = coefficients(
                    self.sigma(k),
                    self.sigma(k - 1),
                    &older,
                    order,
                    self.options.solver_type,
                    Role::Corrector,
                );
                let m0 = &self.history[self.history.len() - 1];
                let older_outputs = (1..order).map(|i| &self.history[self.history.len() - 1 - i]);
                let mut x = combine(&c, last, m0, older_outputs);
                let c_t = c.model_t.expect("corrector coefficients");
                if c_t != 0.0 {
                    x = x.add(x0.clone().sub(m0.clone()).mul_scalar(c_t as f32));
                }
                x
            }
            _ => sample,
        };

        self.history.push(x0);
        if self.history.len() > order_max {
            self.history.remove(0);
        }

        // UniP: predict the next sample. The order ramps up with the history and, with
        // lower_order_final, down towards the end; a step that ends at sigma 0 is first order
        // (higher orders divide by zero there: diffusers returns NaN).
        let mut order = order_max;
        if self.options.lower_order_final {
            order = order.min(steps - k);
        }
        order = order.min(self.lower_order_nums + 1);
        if self.sigma(k + 1) == 0.0 {
            order = 1;
        }
        let prev_sample = if self.sigma(k + 1) == self.sigma(k) {
            // A step that ends where it starts (a schedule ending at sigma_min): h = 0, and the
            // update is the identity (diffusers' too, up to order 2; 0/0 beyond).
            sample.clone()
        } else {
            self.predict(k, order, &sample)
        };

        self.last_sample = Some(sample);
        self.last_order = order;
        self.lower_order_nums = (self.lower_order_nums + 1).min(order_max);
        prev_sample
    }
}

impl<const D: usize> UniPc<D> {
    /// UniP from step `k`'s sigma to the next, with the newest `order` predictions.
    fn predict(&self, k: usize, order: usize, sample: &Tensor<D>) -> Tensor<D> {
        let older: Vec<f64> = (1..order).map(|i| self.sigma(k - i)).collect();
        let c = coefficients(
            self.sigma(k + 1),
            self.sigma(k),
            &older,
            order,
            self.options.solver_type,
            Role::Predictor,
        );
        let m0 = &self.history[self.history.len() - 1];
        let older_outputs = (1..order).map(|i| &self.history[self.history.len() - 1 - i]);
        combine(&c, sample, m0, older_outputs)
    }
}

/// c.x x + c.m0 m0 + sum_i c.diffs[i].1 (m_i - m0) / r_i, with r_i = 1 / c.diffs[i].0.
fn combine<'a, const D: usize>(
    c: &Coefficients,
    x: &Tensor<D>,
    m0: &Tensor<D>,
    older: impl Iterator<Item = &'a Tensor<D>>,
) -> Tensor<D> {
    let mut out = x
        .clone()
        .mul_scalar(c.x as f32)
        .add(m0.clone().mul_scalar(c.m0 as f32));
    for (&(inv_rk, weight), mi) in c.diffs.iter().zip(older) {
        let d1 = mi.clone().sub(m0.clone()).mul_scalar(inv_rk as f32);
        out = out.add(d1.mul_scalar(weight as f32));
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Predictor,
    Corrector,
}

/// The host-side weights of one UniP or UniC update.
#[derive(Debug, Clone, PartialEq)]
struct Coefficients {
    /// Weight of the sample the update starts from.
    x: f64,
    /// Weight of the newest x0 prediction of that sample.
    m0: f64,
    /// For each older prediction m_i: (1 / r_i, weight of (m_i - m0) / r_i).
    diffs: Vec<(f64, f64)>,
    /// Corrector only: weight of (x0 at the target - m0).
    model_t: Option<f64>,
}

/// lambda = log(alpha) - log(sigma) for flow sigmas (alpha = 1 - sigma); +inf at sigma 0.
fn lambda(sigma: f64) -> f64 {
    (1.0 - sigma).ln() - sigma.ln()
}

/// The weights of an update from `sigma_s0` to `sigma_t` of the given order, `older` being the
/// sigmas of the `order - 1` older predictions, newest first.
fn coefficients(
    sigma_t: f64,
    sigma_s0: f64,
    older: &[f64],
    order: usize,
    solver: SolverType,
    role: Role,
) -> Coefficients {
    debug_assert_eq!(older.len(), order - 1);
    let alpha_t = 1.0 - sigma_t;
    let lambda_s0 = lambda(sigma_s0);
    let h = lambda(sigma_t) - lambda_s0;
    let mut rks: Vec<f64> = older.iter().map(|&s| (lambda(s) - lambda_s0) / h).collect();
    rks.push(1.0);

    // Predicting x0: work with hh = -h.
    let hh = -h;
    let h_phi_1 = hh.exp_m1();
    let b_h = match solver {
        SolverType::Bh1 => hh,
        SolverType::Bh2 => hh.exp_m1(),
    };
    let mut h_phi_k = h_phi_1 / hh - 1.0;
    let mut factorial = 1.0;
    let mut r = vec![vec![0.0; order]; order];
    let mut b = vec![0.0; order];
    for i in 1..=order {
        for (j, rk) in rks.iter().enumerate() {
            r[i - 1][j] = rk.powi(i as i32 - 1);
        }
        b[i - 1] = h_phi_k * factorial / b_h;
        factorial *= (i + 1) as f64;
        h_phi_k = h_phi_k / hh - 1.0 / factorial;
    }

    let rhos: Vec<f64> = match (role, order) {
        (Role::Predictor, 1) => Vec::new(),
        (Role::Predictor, 2) => vec![0.5],
        (Role::Predictor, _) => {
            let n = order - 1;
            let sub: Vec<Vec<f64>> = r[..n].iter().map(|row| row[..n].to_vec()).collect();
            solve(sub, b[..n].to_vec())
        }
        (Role::Corrector, 1) => vec![0.5],
        (Role::Corrector, _) => solve(r, b),
    };

    let scale = -alpha_t * b_h;
    let diffs = rks[..order - 1]
        .iter()
        .zip(&rhos)
        .map(|(rk, rho)| (1.0 / rk, scale * rho))
        .collect();
    Coefficients {
        x: sigma_t / sigma_s0,
        m0: -alpha_t * h_phi_1,
        diffs,
        model_t: (role == Role::Corrector).then(|| scale * rhos[order - 1]),
    }
}

/// Solves the small dense system a x = b (Gaussian elimination, partial pivoting).
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .expect("non-empty system");
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..n {
            let (above, below) = a.split_at_mut(row);
            let (pivot_row, target) = (&above[col], &mut below[0]);
            let f = target[col] / pivot_row[col];
            for (t, p) in target[col..].iter_mut().zip(&pivot_row[col..]) {
                *t -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solve_inverts_a_small_system() {
        let x = solve(vec![vec![2.0, 1.0], vec![1.0, 3.0]], vec![3.0, 5.0]);
        assert!(
            (x[0] - 0.8).abs() < 1e-12 && (x[1] - 1.4).abs() < 1e-12,
            "{x:?}"
        );
    }

    #[test]
    fn a_first_order_step_to_zero_returns_the_prediction() {
        let c = coefficients(0.0, 0.3, &[], 1, SolverType::Bh2, Role::Predictor);
        assert_eq!(c.x, 0.0);
        assert!((c.m0 - 1.0).abs() < 1e-12);
        assert!(c.diffs.is_empty() && c.model_t.is_none());
    }

    #[test]
    fn first_order_predictor_is_the_exact_flow_step_for_constant_x0() {
        // With x0 fixed, x_t = (1 - t) x0 + t eps, so x_t = t / s x_s + (1 - t / s) x0... in
        // UniP's weights: x = t / s and m0 = 1 - t / s.
        let (s, t) = (0.8, 0.5);
        let c = coefficients(t, s, &[], 1, SolverType::Bh2, Role::Predictor);
        assert!((c.x - t / s).abs() < 1e-12);
        assert!((c.m0 - (1.0 - t / s)).abs() < 1e-12, "{c:?}");
    }

    #[test]
    fn unipc_refuses_a_schedule_starting_at_one() {
        let schedule = FlowSchedule::from_sigmas(&[1.0, 0.5], 1000).unwrap();
        assert!(UniPc::<1>::new(schedule, UniPcOptions::default()).is_err());
    }
}
