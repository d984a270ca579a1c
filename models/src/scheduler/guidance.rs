//! Classifier-free guidance and the forward (noising) process of rectified flow.

use burn::prelude::*;

/// Whether guidance `g` needs the unconditional model output at all. As in diffusers' Wan
/// pipelines, guidance only applies when g > 1: at g <= 1 run the model once, on the prompt.
pub fn uses_uncond(guidance: f32) -> bool {
    guidance > 1.0
}

/// Classifier-free guidance: uncond + g (cond - uncond). Returns `cond` untouched when guidance
/// does not apply ([`uses_uncond`] is false), so `uncond` may then be anything (it is dropped).
pub fn cfg<const D: usize>(uncond: Tensor<D>, cond: Tensor<D>, guidance: f32) -> Tensor<D> {
    if !uses_uncond(guidance) {
        return cond;
    }
    uncond.clone().add(cond.sub(uncond).mul_scalar(guidance))
}

/// The sample at noise level `sigma`: (1 - sigma) x0 + sigma noise.
pub fn add_noise<const D: usize>(x0: Tensor<D>, noise: Tensor<D>, sigma: f32) -> Tensor<D> {
    x0.mul_scalar(1.0 - sigma).add(noise.mul_scalar(sigma))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(values: [f32; 3]) -> Tensor<1> {
        Tensor::from_data(values, &Device::flex())
    }

    fn host(x: Tensor<1>) -> Vec<f32> {
        x.try_into_vec_as::<f32>().unwrap()
    }

    #[test]
    fn guidance_extrapolates_from_uncond_towards_cond() {
        let out = cfg(t([0.0, 1.0, 2.0]), t([1.0, 1.0, 0.0]), 5.0);
        assert_eq!(host(out), vec![5.0, 1.0, -8.0]);
    }

    #[test]
    fn guidance_of_one_is_the_conditional_output() {
        assert!(!uses_uncond(1.0));
        assert!(uses_uncond(1.5));
        let out = cfg(t([9.0, 9.0, 9.0]), t([1.0, 2.0, 3.0]), 1.0);
        assert_eq!(host(out), vec![1.0, 2.0, 3.0]);
    }

    #[test]
    fn noising_interpolates_between_clean_and_noise() {
        let x0 = t([1.0, 2.0, 3.0]);
        let noise = t([-1.0, 0.0, 1.0]);
        assert_eq!(
            host(add_noise(x0.clone(), noise.clone(), 0.0)),
            vec![1.0, 2.0, 3.0]
        );
        assert_eq!(
            host(add_noise(x0.clone(), noise.clone(), 1.0)),
            vec![-1.0, 0.0, 1.0]
        );
        assert_eq!(host(add_noise(x0, noise, 0.25)), vec![0.5, 1.5, 2.5]);
    }
}
