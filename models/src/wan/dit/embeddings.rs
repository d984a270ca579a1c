//! Inputs into the model width: the patch embedding (diffusers' Conv3d with kernel = stride =
//! patch, done as patchify + Linear), the timestep embedding (sinusoid, time MLP, the 6-way
//! modulation projection) and the text embedding (MLP with GELU-tanh).

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::silu;
use burn::tensor::{DType, TensorData};

use super::config::DitConfig;
use crate::activation::gelu_tanh;
use crate::precision::{linear_f32, to_f32};

/// Patch embedding: [B, C, F, H, W] -> tokens [B, F/pt * H/ph * W/pw, dim].
#[derive(Module, Debug)]
pub struct PatchEmbedding {
    /// [C * pt * ph * pw, dim]; the input order is (channel, t, h, w), as the conv kernel's.
    pub proj: Linear,
    /// (pt, ph, pw).
    pub patch: [usize; 3],
}

impl PatchEmbedding {
    /// Random weights for `config`.
    pub fn init(config: &DitConfig, device: &Device) -> Self {
        let d_in = config.in_channels * config.patch_volume();
        Self {
            proj: LinearConfig::new(d_in, config.inner_dim()).init(device),
            patch: config.patch_size,
        }
    }

    /// Embeds `x` [B, C, F, H, W]; F, H, W must be multiples of the patch size.
    pub fn forward(&self, x: Tensor<5>) -> Tensor<3> {
        let [b, c, f, h, w] = x.dims();
        let [pt, ph, pw] = self.patch;
        let (gf, gh, gw) = (f / pt, h / ph, w / pw);
        let tokens = x
            .reshape([b, c, gf, pt, gh, ph, gw, pw])
            // -> [B, gf, gh, gw, C, pt, ph, pw]
            .permute([0, 2, 4, 6, 1, 3, 5, 7])
            .reshape([b, gf * gh * gw, c * pt * ph * pw]);
        self.proj.forward(tokens)
    }
}

/// Sinusoidal timestep embedding [N] -> [N, dim]: `[cos, sin]` of `t * 10000^(-j / (dim/2))`
/// (diffusers' `Timesteps(flip_sin_to_cos=True, downscale_freq_shift=0)`), in f32 whatever the
/// compute dtype, and f32 out: f16 holds a timestep near 1000 only to 0.5, an angle error of up
/// to 0.25 rad at the highest frequency. Give `t` in f32 (an f16 `t` is already rounded).
pub fn timestep_sinusoid(t: Tensor<1>, dim: usize) -> Tensor<2> {
    assert!(dim.is_multiple_of(2), "odd timestep embedding width {dim}");
    let half = dim / 2;
    let device = t.device();
    let log_period = -(10000f64.ln() as f32);
    let freqs: Vec<f32> = (0..half)
        .map(|j| (log_period * j as f32 / half as f32).exp())
        .collect();
    let freqs = Tensor::<2>::from_data(TensorData::new(freqs, [1, half]), (&device, DType::F32));
    let [n] = t.dims();
    let angles = to_f32(t).reshape([n, 1]) * freqs;
    Tensor::cat(vec![angles.clone().cos(), angles.sin()], 1)
}

/// Timestep and text conditioning (diffusers' `WanTimeTextImageEmbedding`, without image).
#[derive(Module, Debug)]
pub struct ConditionEmbedder {
    /// time_embedder.linear_1: freq_dim -> dim.
    pub time_linear_1: Linear,
    /// time_embedder.linear_2: dim -> dim.
    pub time_linear_2: Linear,
    /// time_proj: dim -> 6 * dim (the blocks' modulation).
    pub time_proj: Linear,
    /// text_embedder.linear_1: text_dim -> dim.
    pub text_linear_1: Linear,
    /// text_embedder.linear_2: dim -> dim.
    pub text_linear_2: Linear,
    /// Sinusoid width.
    pub freq_dim: usize,
}

/// What the conditioning gives the blocks.
#[derive(Debug, Clone)]
pub struct Conditioning {
    /// The time embedding [B, T, dim] (T = 1, or one per token as in Wan2.2 TI2V).
    pub temb: Tensor<3>,
    /// The modulation [B, T, 6, dim].
    pub modulation: Tensor<4>,
    /// The text in the model width [B, L, dim].
    pub text: Tensor<3>,
}

impl ConditionEmbedder {
    /// Random weights for `config`.
    pub fn init(config: &DitConfig, device: &Device) -> Self {
        let dim = config.inner_dim();
        Self {
            time_linear_1: LinearConfig::new(config.freq_dim, dim).init(device),
            time_linear_2: LinearConfig::new(dim, dim).init(device),
            time_proj: LinearConfig::new(dim, 6 * dim).init(device),
            text_linear_1: LinearConfig::new(config.text_dim, dim).init(device),
            text_linear_2: LinearConfig::new(dim, dim).init(device),
            freq_dim: config.freq_dim,
        }
    }

    /// `timestep` [B, T] (T = 1 for one timestep per sample), `text` [B, L, text_dim].
    pub fn forward(&self, timestep: Tensor<2>, text: Tensor<3>) -> Conditioning {
        let [b, t] = timestep.dims();
        let dtype = text.dtype();
        // The time embedder in f32 (diffusers keeps it there), its output in the compute dtype.
        let sinusoid = timestep_sinusoid(timestep.reshape([b * t]), self.freq_dim);
        let temb = linear_f32(
            &self.time_linear_2,
            silu(linear_f32(&self.time_linear_1, sinusoid)),
        )
        .cast(dtype);
        let modulation = self.time_proj.forward(silu(temb.clone()));
        let dim = temb.dims()[1];
        let text = self
            .text_linear_2
            .forward(gelu_tanh(self.text_linear_1.forward(text)));
        Conditioning {
            temb: temb.reshape([b, t, dim]),
            modulation: modulation.reshape([b, t, 6, dim]),
            text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sinusoid_is_cos_then_sin() {
        let device = Device::flex();
        let t = Tensor::<1>::from_floats([0.0, 2.0], &device);
        let e: Vec<f32> = timestep_sinusoid(t, 4)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        // frequencies 1 and 10000^(-1/2) = 0.01
        let expected = [
            1.0,
            1.0,
            0.0,
            0.0,
            2f32.cos(),
            0.02f32.cos(),
            2f32.sin(),
            0.02f32.sin(),
        ];
        for (a, b) in e.iter().zip(expected) {
            assert!((a - b).abs() < 1e-6, "{e:?}");
        }
    }
}
