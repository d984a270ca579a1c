//! Wan's `RMS_norm` over the channel dimension (diffusers' `WanRMS_norm`, no bias).

use burn::module::Param;
use burn::prelude::*;

use crate::precision::to_f32;

/// `x / max(||x||_2, 1e-12) * sqrt(C) * gamma`, the L2 norm taken over channels (dim 1) at
/// every position: an RMS norm with epsilon on the norm rather than the mean square.
#[derive(Module, Debug)]
pub struct ChannelRmsNorm {
    /// gamma [C] (torch stores it as [C, 1, 1, 1] for videos, [C, 1, 1] for images).
    pub gamma: Param<Tensor<1>>,
}

impl ChannelRmsNorm {
    /// Ones, as initialised by the reference.
    pub fn new(channels: usize, device: &Device) -> Self {
        Self {
            gamma: Param::from_tensor(Tensor::ones([channels], device)),
        }
    }

    /// Channels.
    pub fn channels(&self) -> usize {
        self.gamma.lazy_shape()[0]
    }

    /// `[B, C, ...] -> [B, C, ...]`, in f32 and back: a sum of squares over channels passes
    /// f16's 65,504 as soon as the features' RMS passes sqrt(65504 / C), which real decoder
    /// features do.
    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        let dtype = x.dtype();
        let x = to_f32(x);
        let channels = self.channels();
        let norm = x.clone().square().sum_dim(1).sqrt().clamp_min(1e-12);
        let mut shape = [1; D];
        shape[1] = channels;
        let scale = (to_f32(self.gamma.val()) * (channels as f64).sqrt()).reshape(shape);
        (x / norm * scale).cast(dtype)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_rms_over_channels() {
        let device = Device::flex();
        let norm = ChannelRmsNorm::new(2, &device);
        // Position 0: (3, 4) -> (3, 4) / 5 * sqrt(2); position 1: zeros stay zeros.
        let x = Tensor::<3>::from_floats([[[3.0, 0.0], [4.0, 0.0]]], &device);
        let y: Vec<f32> = norm.forward(x).into_data().try_to_vec::<f32>().unwrap();
        let s = 2f32.sqrt() / 5.0;
        let expected = [3.0 * s, 0.0, 4.0 * s, 0.0];
        for (a, b) in y.iter().zip(expected) {
            assert!((a - b).abs() < 1e-6, "{y:?}");
        }
    }
}
