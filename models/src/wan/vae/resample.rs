//! Spatial (and temporal) down/up-sampling between resolution levels (diffusers'
//! `WanResample`), with what its time convolution carries between chunks.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::PaddingConfig2d;
use burn::prelude::*;

use super::causal_conv::{copy_frames, CausalConv3d, ConvCache};

/// What a [`Resample`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResampleMode {
    /// 2x nearest up-sampling + 3x3 conv, per frame.
    Upsample2d,
    /// Upsample2d after doubling the frames with a causal time conv (C -> 2C channels, the two
    /// halves interleaved in time). A clip's first chunk is not doubled.
    Upsample3d,
    /// Zero pad right/bottom by one + 3x3 conv with stride 2, per frame.
    Downsample2d,
    /// Downsample2d, then halve the frames with a stride-2 time conv over the previous
    /// chunk's last frame and this chunk. A clip's first chunk is not halved.
    Downsample3d,
}

impl ResampleMode {
    fn is_up(self) -> bool {
        matches!(self, Self::Upsample2d | Self::Upsample3d)
    }
}

/// `WanResample`: `resample.1` (the 3x3 conv) and, for the 3-D modes, `time_conv`.
#[derive(Module, Debug)]
pub struct Resample {
    /// resample.1.
    pub conv: Conv2d,
    /// time_conv (3-D modes).
    pub time_conv: Option<CausalConv3d>,
    /// What it does.
    #[module(skip)]
    pub mode: ResampleMode,
}

/// What a [`Resample`] carries between the chunks of a clip.
#[derive(Debug, Clone, Default)]
pub struct ResampleCache {
    /// Whether the clip's first chunk went through.
    started: bool,
    /// Upsample3d: the time conv's last input frames.
    time: ConvCache,
    /// Downsample3d: the last frame of the previous chunk (after the spatial conv).
    last: Option<Tensor<5>>,
}

impl Resample {
    /// A resampler of `dim` channels; up-sampling outputs `up_out` channels (Wan2.1: dim / 2,
    /// Wan2.2: dim).
    pub fn new(dim: usize, mode: ResampleMode, up_out: usize, device: &Device) -> Self {
        let conv = if mode.is_up() {
            Conv2dConfig::new([dim, up_out], [3, 3])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        } else {
            Conv2dConfig::new([dim, dim], [3, 3])
                .with_stride([2, 2])
                .init(device)
        };
        let time_conv = match mode {
            ResampleMode::Upsample3d => Some(CausalConv3d::new(
                dim,
                dim * 2,
                [3, 1, 1],
                [1, 1, 1],
                [1, 0, 0],
                device,
            )),
            ResampleMode::Downsample3d => Some(CausalConv3d::new(
                dim,
                dim,
                [3, 1, 1],
                [2, 1, 1],
                [0, 0, 0],
                device,
            )),
            _ => None,
        };
        Self {
            conv,
            time_conv,
            mode,
        }
    }

    /// `[B, C, T, H, W]` (one chunk) -> up: `[B, C_up, T or 2T, 2H, 2W]`; down:
    /// `[B, C, T or T', H/2, W/2]`.
    pub fn forward(&self, x: Tensor<5>, cache: &mut ResampleCache) -> Tensor<5> {
        let first = !cache.started;
        cache.started = true;
        let x = match (&self.time_conv, self.mode) {
            (Some(time_conv), ResampleMode::Upsample3d) if !first => {
                let [b, c, t, h, w] = x.dims();
                // [B, 2C, T] -> [B, 2, C, T] -> [B, C, T, 2]: the halves alternate in time.
                time_conv
                    .forward_cached(x, &mut cache.time)
                    .reshape([b, 2, c, t, h, w])
                    .permute([0, 2, 3, 1, 4, 5])
                    .reshape([b, c, t * 2, h, w])
            }
            _ => x,
        };

        let [b, c, t, h, w] = x.dims();
        let frames = x.swap_dims(1, 2).reshape([b * t, c, h, w]);
        let frames = if self.mode.is_up() {
            // Nearest 2x (exact for a factor of two): every pixel becomes a 2x2 block.
            frames
                .reshape([b * t, c, h, 1, w, 1])
                .expand([b * t, c, h, 2, w, 2])
                .reshape([b * t, c, h * 2, w * 2])
        } else {
            frames.pad((0, 1, 0, 1), 0.0)
        };
        let frames = self.conv.forward(frames);
        let [_, c, h, w] = frames.dims();
        let x = frames.reshape([b, t, c, h, w]).swap_dims(1, 2);

        match (&self.time_conv, self.mode) {
            (Some(time_conv), ResampleMode::Downsample3d) => {
                let last = copy_frames(x.clone(), t - 1, 1);
                match cache.last.replace(last) {
                    Some(past) if !first => time_conv.forward(Tensor::cat(vec![past, x], 2)),
                    _ => x,
                }
            }
            _ => x,
        }
    }
}
