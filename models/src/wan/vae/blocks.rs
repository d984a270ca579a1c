//! The residual block and the blocks built from it: the middle block, the encoder's
//! down-sampling levels and the decoder's up-sampling levels, each with the cache it carries
//! between the chunks of a clip.

use burn::prelude::*;
use burn::tensor::activation::silu;

use super::attention::AttentionBlock;
use super::causal_conv::{CausalConv3d, ConvCache};
use super::norm::ChannelRmsNorm;
use super::resample::{Resample, ResampleCache};
use super::shortcut::{AvgDown3d, DupUp3d};

/// `WanResidualBlock`: norm, SiLU, causal 3x3x3 conv, twice, plus a (1x1x1 conv) shortcut.
#[derive(Module, Debug)]
pub struct ResidualBlock {
    /// norm1 (in channels).
    pub norm1: ChannelRmsNorm,
    /// conv1: in -> out.
    pub conv1: CausalConv3d,
    /// norm2 (out channels).
    pub norm2: ChannelRmsNorm,
    /// conv2: out -> out.
    pub conv2: CausalConv3d,
    /// conv_shortcut: in -> out, when they differ.
    pub conv_shortcut: Option<CausalConv3d>,
}

/// The last input frames of a [`ResidualBlock`]'s two convolutions.
#[derive(Debug, Clone, Default)]
pub struct ResidualCache {
    conv1: ConvCache,
    conv2: ConvCache,
}

impl ResidualBlock {
    /// Random weights, `c_in -> c_out` channels.
    pub fn new(c_in: usize, c_out: usize, device: &Device) -> Self {
        Self {
            norm1: ChannelRmsNorm::new(c_in, device),
            conv1: CausalConv3d::k3(c_in, c_out, device),
            norm2: ChannelRmsNorm::new(c_out, device),
            conv2: CausalConv3d::k3(c_out, c_out, device),
            conv_shortcut: (c_in != c_out).then(|| CausalConv3d::k1(c_in, c_out, device)),
        }
    }

    /// `[B, C_in, T, H, W] -> [B, C_out, T, H, W]` (one chunk).
    pub fn forward(&self, x: Tensor<5>, cache: &mut ResidualCache) -> Tensor<5> {
        let skip = match &self.conv_shortcut {
            Some(conv) => conv.forward(x.clone()),
            None => x.clone(),
        };
        let x = silu(self.norm1.forward(x));
        let x = self.conv1.forward_cached(x, &mut cache.conv1);
        let x = silu(self.norm2.forward(x));
        let x = self.conv2.forward_cached(x, &mut cache.conv2);
        x + skip
    }
}

fn caches(n: usize) -> Vec<ResidualCache> {
    vec![ResidualCache::default(); n]
}

/// `WanMidBlock`: residual block, attention, residual block (same width throughout).
#[derive(Module, Debug)]
pub struct MidBlock {
    /// resnets.0 and resnets.1.
    pub resnets: Vec<ResidualBlock>,
    /// attentions.0.
    pub attention: AttentionBlock,
}

/// What a [`MidBlock`] carries between chunks.
#[derive(Debug, Clone)]
pub struct MidCache {
    resnets: Vec<ResidualCache>,
}

impl MidBlock {
    /// Random weights, `dim` channels.
    pub fn new(dim: usize, device: &Device) -> Self {
        Self {
            resnets: (0..2)
                .map(|_| ResidualBlock::new(dim, dim, device))
                .collect(),
            attention: AttentionBlock::new(dim, device),
        }
    }

    /// An empty cache, for a new clip.
    pub fn cache(&self) -> MidCache {
        MidCache {
            resnets: caches(self.resnets.len()),
        }
    }

    /// `[B, C, T, H, W] -> [B, C, T, H, W]`.
    pub fn forward(&self, x: Tensor<5>, cache: &mut MidCache) -> Tensor<5> {
        let x = self.resnets[0].forward(x, &mut cache.resnets[0]);
        let x = self.attention.forward(x);
        self.resnets[1].forward(x, &mut cache.resnets[1])
    }
}

/// One encoder level: residual blocks, then (except at the last level) a down-sampler.
/// Wan2.2 (`WanResidualDownBlock`) adds an [`AvgDown3d`] shortcut around the whole level;
/// Wan2.1 lists the same layers flat in `down_blocks`.
#[derive(Module, Debug)]
pub struct DownBlock {
    /// resnets.
    pub resnets: Vec<ResidualBlock>,
    /// downsampler.
    pub downsampler: Option<Resample>,
    /// Wan2.2's parameter-free shortcut.
    #[module(skip)]
    pub avg_shortcut: Option<AvgDown3d>,
}

/// What a [`DownBlock`] carries between chunks.
#[derive(Debug, Clone)]
pub struct DownCache {
    resnets: Vec<ResidualCache>,
    downsampler: ResampleCache,
}

impl DownBlock {
    /// An empty cache, for a new clip.
    pub fn cache(&self) -> DownCache {
        DownCache {
            resnets: caches(self.resnets.len()),
            downsampler: ResampleCache::default(),
        }
    }

    /// `[B, C_in, T, H, W] -> [B, C_out, T', H', W']` (one chunk).
    pub fn forward(&self, x: Tensor<5>, cache: &mut DownCache) -> Tensor<5> {
        let skip = self.avg_shortcut.map(|s| s.forward(x.clone()));
        let mut x = x;
        for (resnet, c) in self.resnets.iter().zip(&mut cache.resnets) {
            x = resnet.forward(x, c);
        }
        if let Some(down) = &self.downsampler {
            x = down.forward(x, &mut cache.downsampler);
        }
        match skip {
            Some(skip) => x + skip,
            None => x,
        }
    }
}

/// One decoder level: `num_res_blocks + 1` residual blocks, then (except at the last level) an
/// up-sampler. Wan2.2 (`WanResidualUpBlock`) adds a [`DupUp3d`] shortcut around the level.
#[derive(Module, Debug)]
pub struct UpBlock {
    /// resnets.
    pub resnets: Vec<ResidualBlock>,
    /// upsamplers.0 (Wan2.1) / upsampler (Wan2.2).
    pub upsampler: Option<Resample>,
    /// Wan2.2's parameter-free shortcut.
    #[module(skip)]
    pub dup_shortcut: Option<DupUp3d>,
}

/// What an [`UpBlock`] carries between chunks.
#[derive(Debug, Clone)]
pub struct UpCache {
    resnets: Vec<ResidualCache>,
    upsampler: ResampleCache,
}

impl UpBlock {
    /// An empty cache, for a new clip.
    pub fn cache(&self) -> UpCache {
        UpCache {
            resnets: caches(self.resnets.len()),
            upsampler: ResampleCache::default(),
        }
    }

    /// `[B, C_in, T, H, W] -> [B, C_out, T', H', W']` (one chunk; `first_chunk` for the clip's
    /// first latent frame).
    pub fn forward(&self, x: Tensor<5>, cache: &mut UpCache, first_chunk: bool) -> Tensor<5> {
        let skip = self.dup_shortcut.map(|s| s.forward(x.clone(), first_chunk));
        let mut x = x;
        for (resnet, c) in self.resnets.iter().zip(&mut cache.resnets) {
            x = resnet.forward(x, c);
        }
        if let Some(up) = &self.upsampler {
            x = up.forward(x, &mut cache.upsampler);
        }
        match skip {
            Some(skip) => x + skip,
            None => x,
        }
    }
}
