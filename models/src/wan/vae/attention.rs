//! The middle blocks' single-head self-attention over the pixels of each frame (diffusers'
//! `WanAttentionBlock`).

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::prelude::*;

use super::norm::ChannelRmsNorm;
use crate::attention::{attention, AttentionInputs};

/// RMS norm, 1x1 conv to q/k/v, one head over the H*W pixels of a frame, 1x1 conv, residual.
#[derive(Module, Debug)]
pub struct AttentionBlock {
    /// norm (gamma [C, 1, 1] in torch).
    pub norm: ChannelRmsNorm,
    /// to_qkv: C -> 3C, 1x1.
    pub to_qkv: Conv2d,
    /// proj: C -> C, 1x1.
    pub proj: Conv2d,
}

impl AttentionBlock {
    /// Random weights for `dim` channels.
    pub fn new(dim: usize, device: &Device) -> Self {
        Self {
            norm: ChannelRmsNorm::new(dim, device),
            to_qkv: Conv2dConfig::new([dim, dim * 3], [1, 1]).init(device),
            proj: Conv2dConfig::new([dim, dim], [1, 1]).init(device),
        }
    }

    /// `[B, C, T, H, W] -> [B, C, T, H, W]`; frames are independent.
    pub fn forward(&self, x: Tensor<5>) -> Tensor<5> {
        let [b, c, t, h, w] = x.dims();
        let n = b * t;
        let frames = x.clone().swap_dims(1, 2).reshape([n, c, h, w]);
        // [N, 3C, H, W] -> [N, H*W, 3C]
        let qkv = self
            .to_qkv
            .forward(self.norm.forward(frames))
            .reshape([n, c * 3, h * w])
            .swap_dims(1, 2);
        let head = |i: usize| qkv.clone().narrow(2, i * c, c).reshape([n, 1, h * w, c]);
        let out = attention(head(0), head(1), head(2), AttentionInputs::default());
        // [N, 1, H*W, C] -> [N, C, H, W]
        let out = out
            .reshape([n, h * w, c])
            .swap_dims(1, 2)
            .reshape([n, c, h, w]);
        let out = self.proj.forward(out);
        out.reshape([b, t, c, h, w]).swap_dims(1, 2) + x
    }
}
