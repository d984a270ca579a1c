//! The DiT's normalisations: LayerNorm without affine (norm1/norm3/norm_out) and the RMSNorm
//! across all heads on queries and keys. Both take their statistics in f32 (diffusers'
//! `FP32LayerNorm`, and an RMS norm's mean square): residuals in the hundreds to thousands and
//! queries past 256 square beyond f16's 65,504.

use burn::nn::{RmsNorm, RmsNormConfig};
use burn::prelude::*;

use crate::precision::layer_norm_f32;

/// LayerNorm over the last dim with no weight or bias (PyTorch's biased variance), in f32:
/// returns f32 for the modulation that follows (also in f32, as diffusers does it).
pub fn layer_norm_plain<const D: usize>(x: Tensor<D>, eps: f64) -> Tensor<D> {
    layer_norm_f32(x, eps)
}

/// RMSNorm with a weight over the whole projection (`dim_head * heads`), before the heads
/// are split: diffusers' `qk_norm = "rms_norm_across_heads"`.
pub type QkRmsNorm = RmsNorm;

pub(crate) fn qk_rms_norm(width: usize, eps: f64, device: &Device) -> QkRmsNorm {
    RmsNormConfig::new(width).with_epsilon(eps).init(device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_layer_norm_normalises() {
        let device = Device::flex();
        let x = Tensor::<2>::from_floats([[1.0, 2.0, 3.0, 6.0]], &device);
        let y: Vec<f32> = layer_norm_plain(x, 1e-6)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        // mean 3, variance 3.5
        let expected = [-2.0, -1.0, 0.0, 3.0].map(|v: f32| v / 3.5f32.sqrt());
        for (a, b) in y.iter().zip(expected) {
            assert!((a - b).abs() < 1e-5, "{y:?}");
        }
    }
}
