//! The feed-forward layer's network (transformers' `UMT5DenseGatedActDense`, or
//! `UMT5DenseActDense` for an ungated config): `wo(act(wi_0 x) * wi_1 x)`, no biases.

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::{gelu, relu, silu};

use crate::activation::gelu_tanh;
use crate::precision::{linear_f32, to_f32};

use super::config::{Activation, T5Config, T5ConfigError};

/// `layer.1.DenseReluDense`.
#[derive(Module, Debug)]
pub struct FeedForward {
    /// wi_0 (gated) or wi (ungated): d_model -> d_ff.
    pub wi_0: Linear,
    /// wi_1: d_model -> d_ff, the linear gate; `None` for an ungated config.
    pub wi_1: Option<Linear>,
    /// wo: d_ff -> d_model.
    pub wo: Linear,
    /// The activation.
    #[module(skip)]
    pub activation: Activation,
}

impl FeedForward {
    /// Random weights for `config` (an error only for a config `validate` refuses).
    pub fn init(config: &T5Config, device: &Device) -> Result<Self, T5ConfigError> {
        let (gated, activation) = config.feed_forward()?;
        let linear = |i, o| LinearConfig::new(i, o).with_bias(false).init(device);
        Ok(Self {
            wi_0: linear(config.d_model, config.d_ff),
            wi_1: gated.then(|| linear(config.d_model, config.d_ff)),
            wo: linear(config.d_ff, config.d_model),
            activation,
        })
    }

    /// [B, L, d_model] in the compute dtype -> [B, L, d_model] in f32. The input projections
    /// run in the compute dtype; the activation, the gate's product and `wo` in f32, as
    /// transformers keeps `wo` in f32 (`_keep_in_fp32_modules`): umT5-XXL's outputs here pass
    /// f16's 65,504. `wo`'s weight stays stored in the compute dtype and is widened per call.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let h = to_f32(self.wi_0.forward(x.clone()));
        let h = match self.activation {
            Activation::Relu => relu(h),
            Activation::Gelu => gelu(h),
            Activation::GeluTanh => gelu_tanh(h),
            Activation::Silu => silu(h),
        };
        let h = match &self.wi_1 {
            Some(gate) => h * to_f32(gate.forward(x)),
            None => h,
        };
        linear_f32(&self.wo, h)
    }
}
