//! One encoder block (transformers' `UMT5Block`, encoder side): pre-norm self-attention and
//! pre-norm feed-forward, each added to the residual stream.

use burn::nn::{RmsNorm, RmsNormConfig};
use burn::prelude::*;
use burn::tensor::FloatDType;

use super::attention::SelfAttention;
use super::config::{T5Config, T5ConfigError};
use super::ffn::FeedForward;
use crate::precision::{rms_norm, to_f32};

/// T5's layer norm: RMS only (no mean subtraction, no bias), `eps` from the config.
pub fn t5_layer_norm(config: &T5Config, device: &Device) -> RmsNorm {
    RmsNormConfig::new(config.d_model)
        .with_epsilon(config.layer_norm_epsilon)
        .init(device)
}

/// `encoder.block.N`.
#[derive(Module, Debug)]
pub struct EncoderBlock {
    /// layer.0.SelfAttention.
    pub attention: SelfAttention,
    /// layer.0.layer_norm.
    pub attention_norm: RmsNorm,
    /// layer.1.DenseReluDense.
    pub ffn: FeedForward,
    /// layer.1.layer_norm.
    pub ffn_norm: RmsNorm,
}

impl EncoderBlock {
    /// Random weights for `config`.
    pub fn init(config: &T5Config, device: &Device) -> Result<Self, T5ConfigError> {
        Ok(Self {
            attention: SelfAttention::init(config, device),
            attention_norm: t5_layer_norm(config, device),
            ffn: FeedForward::init(config, device)?,
            ffn_norm: t5_layer_norm(config, device),
        })
    }

    /// `x` [B, L, d_model] in f32 (the residual stream), `buckets` [L, L], `masked`
    /// [B, 1, 1, L] -> [B, L, d_model] in f32.
    ///
    /// The residual stream stays in f32 and the layers run in `dtype`: what transformers' umT5
    /// amounts to in half precision, where the f32 `wo` turns the residual sum into f32 after the
    /// first feed-forward (its fp16 clamps then no longer apply). The norms' mean squares are
    /// taken in f32.
    pub fn forward(
        &self,
        x: Tensor<3>,
        buckets: Tensor<2, Int>,
        masked: Tensor<4, Bool>,
        dtype: FloatDType,
    ) -> Tensor<3> {
        let normed = rms_norm(&self.attention_norm, x.clone(), dtype);
        let attended = self.attention.forward(normed, buckets, masked);
        let x = x + to_f32(attended);
        let fed = self.ffn.forward(rms_norm(&self.ffn_norm, x.clone(), dtype));
        x + fed
    }
}
