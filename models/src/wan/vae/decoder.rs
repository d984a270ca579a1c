//! The decoder (diffusers' `WanDecoder3d`): one latent frame at a time -> video frames.

use burn::prelude::*;
use burn::tensor::activation::silu;

use super::blocks::{MidBlock, MidCache, ResidualBlock, UpBlock, UpCache};
use super::causal_conv::{CausalConv3d, ConvCache};
use super::config::VaeConfig;
use super::norm::ChannelRmsNorm;
use super::resample::{Resample, ResampleMode};
use super::shortcut::DupUp3d;

/// `WanDecoder3d`.
#[derive(Module, Debug)]
pub struct Decoder {
    /// conv_in: z_dim -> widest.
    pub conv_in: CausalConv3d,
    /// mid_block.
    pub mid_block: MidBlock,
    /// One per level (dim_mult, reversed).
    pub up_blocks: Vec<UpBlock>,
    /// norm_out.
    pub norm_out: ChannelRmsNorm,
    /// conv_out: -> out_channels.
    pub conv_out: CausalConv3d,
}

/// What the [`Decoder`] carries from one latent frame of a clip to the next.
#[derive(Debug, Clone)]
pub struct DecoderCache {
    conv_in: ConvCache,
    mid_block: MidCache,
    up_blocks: Vec<UpCache>,
    conv_out: ConvCache,
}

impl Decoder {
    /// Random weights for `config`.
    pub fn new(config: &VaeConfig, device: &Device) -> Self {
        let dims = config.decoder_dims();
        let temporal = config.temperal_upsample();
        let last = config.dim_mult.len() - 1;
        let up_blocks = (0..=last)
            .map(|i| {
                // Wan2.1's up-samplers halve the width, so later levels start at half of it.
                let c_in = if i > 0 && !config.is_residual {
                    dims[i] / 2
                } else {
                    dims[i]
                };
                let c_out = dims[i + 1];
                let up = i != last;
                let temporal = up && temporal[i];
                let resnets = (0..=config.num_res_blocks)
                    .map(|j| ResidualBlock::new(if j == 0 { c_in } else { c_out }, c_out, device))
                    .collect();
                let mode = if temporal {
                    ResampleMode::Upsample3d
                } else {
                    ResampleMode::Upsample2d
                };
                let up_out = if config.is_residual { c_out } else { c_out / 2 };
                UpBlock {
                    resnets,
                    upsampler: up.then(|| Resample::new(c_out, mode, up_out, device)),
                    dup_shortcut: (config.is_residual && up).then_some(DupUp3d {
                        out_channels: c_out,
                        factor_t: if temporal { 2 } else { 1 },
                        factor_s: 2,
                    }),
                }
            })
            .collect();
        let width = dims[last + 1];
        Self {
            conv_in: CausalConv3d::k3(config.z_dim, dims[0], device),
            mid_block: MidBlock::new(dims[0], device),
            up_blocks,
            norm_out: ChannelRmsNorm::new(width, device),
            conv_out: CausalConv3d::k3(width, config.out_channels, device),
        }
    }

    /// An empty cache, for a new clip.
    pub fn cache(&self) -> DecoderCache {
        DecoderCache {
            conv_in: ConvCache::default(),
            mid_block: self.mid_block.cache(),
            up_blocks: self.up_blocks.iter().map(UpBlock::cache).collect(),
            conv_out: ConvCache::default(),
        }
    }

    /// One latent frame `[B, z_dim, 1, h, w]` -> `[B, out_channels, T, h * 2^(levels-1),
    /// w * 2^(levels-1)]` with T = 1 for the clip's first frame (`first_chunk`), 4 after.
    pub fn forward(&self, z: Tensor<5>, cache: &mut DecoderCache, first_chunk: bool) -> Tensor<5> {
        let x = self.conv_in.forward_cached(z, &mut cache.conv_in);
        let mut x = self.mid_block.forward(x, &mut cache.mid_block);
        for (block, c) in self.up_blocks.iter().zip(&mut cache.up_blocks) {
            x = block.forward(x, c, first_chunk);
        }
        let x = silu(self.norm_out.forward(x));
        self.conv_out.forward_cached(x, &mut cache.conv_out)
    }
}
