//! f32 islands inside an f16 forward: the statistics, products and sums that overflow or lose
//! their meaning in f16 at real-model magnitudes (a mean square of activations in the hundreds
//! is past 65,504; umT5's feed-forward outputs are too). Each helper takes tensors in the
//! compute dtype, works in f32 and says which dtype it returns; on an f32 device every cast is
//! a no-op.
//!
//! burn never promotes dtypes (mixing f16 and f32 panics on flex and gives garbage on wgpu), so
//! every crossing is an explicit cast.

use burn::nn::{LayerNorm, Linear, RmsNorm};
use burn::prelude::*;
use burn::tensor::module::linear;
use burn::tensor::FloatDType;

/// `x` in f32 (a no-op when it already is).
pub fn to_f32<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    x.cast(FloatDType::F32)
}

/// LayerNorm over the last dim without affine (PyTorch's biased variance), statistics in f32;
/// returns f32.
pub fn layer_norm_f32<const D: usize>(x: Tensor<D>, eps: f64) -> Tensor<D> {
    let x = to_f32(x);
    let mean = x.clone().mean_dim(D - 1);
    let centered = x - mean;
    let var = centered.clone().square().mean_dim(D - 1);
    centered / (var + eps).sqrt()
}

/// burn's affine `LayerNorm` with f32 statistics (its own squares in the compute dtype);
/// returns `x`'s dtype. `eps` is the norm's epsilon (burn keeps it private).
pub fn layer_norm_affine(norm: &LayerNorm, x: Tensor<3>, eps: f64) -> Tensor<3> {
    let dtype = x.dtype();
    let mut y = layer_norm_f32(x, eps) * to_f32(norm.gamma.val()).unsqueeze::<3>();
    if let Some(beta) = &norm.beta {
        y = y + to_f32(beta.val()).unsqueeze::<3>();
    }
    y.cast(dtype)
}

/// burn's `RmsNorm` (`x / sqrt(mean(x^2) + eps) * gamma` over the last dim) with the mean
/// square in f32; returns `dtype`.
pub fn rms_norm<const D: usize>(norm: &RmsNorm, x: Tensor<D>, dtype: FloatDType) -> Tensor<D> {
    let x = to_f32(x);
    let ms = x.clone().square().mean_dim(D - 1);
    let gamma = to_f32(norm.gamma.val()).unsqueeze::<D>();
    (x / (ms + norm.epsilon).sqrt() * gamma).cast(dtype)
}

/// `linear` computed in f32 (input and weight cast, whatever they are stored in): for a layer
/// whose output passes f16's range; returns f32.
pub fn linear_f32<const D: usize>(layer: &Linear, x: Tensor<D>) -> Tensor<D> {
    linear(
        to_f32(x),
        to_f32(layer.weight.val()),
        layer.bias.as_ref().map(|b| to_f32(b.val())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::RmsNormConfig;
    use burn::tensor::DType;

    #[test]
    fn rms_norm_matches_burn_in_f32() {
        let device = Device::flex();
        let norm = RmsNormConfig::new(4).with_epsilon(1e-6).init(&device);
        let x = Tensor::<2>::from_floats([[1.0, -2.0, 3.0, 0.5], [300.0, 0.0, -4.0, 1.0]], &device);
        let ours: Vec<f32> = rms_norm(&norm, x.clone(), FloatDType::F32)
            .into_data()
            .try_into_vec_as::<f32>()
            .unwrap();
        let theirs: Vec<f32> = norm
            .forward(x)
            .into_data()
            .try_into_vec_as::<f32>()
            .unwrap();
        for (a, b) in ours.iter().zip(&theirs) {
            assert!((a - b).abs() < 1e-5, "{ours:?} {theirs:?}");
        }
    }

    #[test]
    fn layer_norm_returns_f32() {
        let device = Device::flex();
        let x = Tensor::<2>::from_floats([[1.0, 2.0, 3.0, 6.0]], &device);
        let y = layer_norm_f32(x, 1e-6);
        assert_eq!(y.dtype(), DType::F32);
    }
}
