//! The encoder (diffusers' `WanEncoder3d`): video chunk -> posterior parameters, at 1/8 (or
//! 1/16 with patchify) of the resolution and 1/4 of the frames.

use burn::prelude::*;
use burn::tensor::activation::silu;

use super::blocks::{DownBlock, DownCache, MidBlock, MidCache, ResidualBlock};
use super::causal_conv::{CausalConv3d, ConvCache};
use super::config::VaeConfig;
use super::norm::ChannelRmsNorm;
use super::resample::{Resample, ResampleMode};
use super::shortcut::AvgDown3d;

/// `WanEncoder3d`, its levels grouped as [`DownBlock`]s for both Wan2.1 and Wan2.2.
#[derive(Module, Debug)]
pub struct Encoder {
    /// conv_in: in_channels -> base_dim.
    pub conv_in: CausalConv3d,
    /// One per level (dim_mult).
    pub down_blocks: Vec<DownBlock>,
    /// mid_block.
    pub mid_block: MidBlock,
    /// norm_out.
    pub norm_out: ChannelRmsNorm,
    /// conv_out: -> 2 * z_dim (mean and log-variance).
    pub conv_out: CausalConv3d,
}

/// What the [`Encoder`] carries from one chunk of a clip to the next.
#[derive(Debug, Clone)]
pub struct EncoderCache {
    conv_in: ConvCache,
    down_blocks: Vec<DownCache>,
    mid_block: MidCache,
    conv_out: ConvCache,
}

impl Encoder {
    /// Random weights for `config`.
    pub fn new(config: &VaeConfig, device: &Device) -> Self {
        let dims = config.encoder_dims();
        let last = config.dim_mult.len() - 1;
        let down_blocks = (0..=last)
            .map(|i| {
                let (c_in, c_out) = (dims[i], dims[i + 1]);
                let down = i != last;
                let temporal = down && config.temperal_downsample[i];
                let resnets = (0..config.num_res_blocks)
                    .map(|j| ResidualBlock::new(if j == 0 { c_in } else { c_out }, c_out, device))
                    .collect();
                let mode = if temporal {
                    ResampleMode::Downsample3d
                } else {
                    ResampleMode::Downsample2d
                };
                DownBlock {
                    resnets,
                    downsampler: down.then(|| Resample::new(c_out, mode, c_out, device)),
                    avg_shortcut: config.is_residual.then_some(AvgDown3d {
                        out_channels: c_out,
                        factor_t: if temporal { 2 } else { 1 },
                        factor_s: if down { 2 } else { 1 },
                    }),
                }
            })
            .collect();
        let width = dims[last + 1];
        Self {
            conv_in: CausalConv3d::k3(config.in_channels, dims[0], device),
            down_blocks,
            mid_block: MidBlock::new(width, device),
            norm_out: ChannelRmsNorm::new(width, device),
            conv_out: CausalConv3d::k3(width, config.z_dim * 2, device),
        }
    }

    /// An empty cache, for a new clip.
    pub fn cache(&self) -> EncoderCache {
        EncoderCache {
            conv_in: ConvCache::default(),
            down_blocks: self.down_blocks.iter().map(DownBlock::cache).collect(),
            mid_block: self.mid_block.cache(),
            conv_out: ConvCache::default(),
        }
    }

    /// One chunk `[B, in_channels, T, H, W]` (T = 1 for a clip's first chunk, 4 after) ->
    /// `[B, 2 * z_dim, 1, H / 2^(levels-1), W / 2^(levels-1)]`.
    pub fn forward(&self, x: Tensor<5>, cache: &mut EncoderCache) -> Tensor<5> {
        let mut x = self.conv_in.forward_cached(x, &mut cache.conv_in);
        for (block, c) in self.down_blocks.iter().zip(&mut cache.down_blocks) {
            x = block.forward(x, c);
        }
        let x = self.mid_block.forward(x, &mut cache.mid_block);
        let x = silu(self.norm_out.forward(x));
        self.conv_out.forward_cached(x, &mut cache.conv_out)
    }
}
