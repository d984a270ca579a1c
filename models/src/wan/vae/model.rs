//! The whole VAE (diffusers' `AutoencoderKLWan`): chunked causal encode, frame-by-frame
//! decode, latent normalisation, and the loaders.

use std::path::Path;

use burn::prelude::*;
use burn::tensor::TensorData;

use super::causal_conv::CausalConv3d;
use super::config::VaeConfig;
use super::decoder::Decoder;
use super::encoder::Encoder;
use super::load::Loader;
use super::names::original_to_diffusers;
use super::patch::{patchify, unpatchify};
use crate::weights::{LoadError, WeightFiles, Weights};

/// Frames per encoder chunk after the first frame (diffusers encodes 1, then 4 at a time).
pub const ENCODE_CHUNK: usize = 4;

/// The Wan video VAE (Wan2.1: 16 channels, 4x8x8; Wan2.2: 48 channels, 4x16x16).
#[derive(Module, Debug)]
pub struct WanVae {
    /// encoder.
    pub encoder: Encoder,
    /// quant_conv: 2z -> 2z, 1x1x1.
    pub quant_conv: CausalConv3d,
    /// post_quant_conv: z -> z, 1x1x1.
    pub post_quant_conv: CausalConv3d,
    /// decoder.
    pub decoder: Decoder,
    /// The configuration it was built from.
    #[module(skip)]
    pub config: VaeConfig,
}

impl WanVae {
    /// Random weights for `config` (which should have passed [`VaeConfig::validate`]).
    pub fn init(config: &VaeConfig, device: &Device) -> Self {
        Self {
            encoder: Encoder::new(config, device),
            quant_conv: CausalConv3d::k1(config.z_dim * 2, config.z_dim * 2, device),
            post_quant_conv: CausalConv3d::k1(config.z_dim, config.z_dim, device),
            decoder: Decoder::new(config, device),
            config: config.clone(),
        }
    }

    /// The model for `config` with the weights at `weights`: diffusers'
    /// `vae/diffusion_pytorch_model.safetensors` (or its folder), or an original Wan / ComfyUI
    /// single file (`wan_2.1_vae.safetensors`, `wan2.2_vae.safetensors`: `encoder.conv1`,
    /// `encoder.downsamples.N...`, `conv1`, `conv2`, `decoder.upsamples.N...`), told apart by
    /// their names; f32/f16/bf16, memory-mapped. Missing tensors are reported in diffusers'
    /// names, unexpected ones in the file's.
    pub fn load(
        config: &VaeConfig,
        weights: impl AsRef<Path>,
        device: &Device,
    ) -> Result<Self, LoadError> {
        let files = WeightFiles::open(weights)?;
        let diffusers = files
            .names()
            .iter()
            .any(|n| n.starts_with("quant_conv.") || n.starts_with("encoder.conv_in."));
        let mut w = if diffusers {
            Weights::translated(&files, &|name| Some(name.to_owned()))
        } else {
            Weights::translated(&files, &original_to_diffusers)
        };
        let mut model = Self::init(config, device);
        Loader { w: &mut w }.vae(&mut model);
        w.finish()?;
        Ok(model)
    }

    /// The configuration.
    pub fn config(&self) -> &VaeConfig {
        &self.config
    }

    /// Latent frames for `frames` video frames: `1 + (frames - 1) / 4` (trailing frames past
    /// the last whole chunk of 4 are not encoded, as in diffusers).
    pub fn latent_frames(&self, frames: usize) -> usize {
        let per_chunk = ENCODE_CHUNK / self.config.temporal_factor();
        1 + frames.saturating_sub(1) / ENCODE_CHUNK * per_chunk
    }

    /// Encodes `video` [B, 3, F, H, W] in [-1, 1] (H, W multiples of the spatial factor, 8 or
    /// 16) to the posterior mean [B, z_dim, 1 + (F - 1) / 4, H / s, W / s]. The first frame is
    /// encoded alone, then chunks of 4 frames, each causal conv carrying its last input frames
    /// from chunk to chunk, so memory does not grow with the clip's length (besides the
    /// output).
    pub fn encode(&self, video: Tensor<5>) -> Tensor<5> {
        let [_, channels, frames, height, width] = video.dims();
        let s = self.config.spatial_factor();
        assert_eq!(
            channels,
            self.config.video_channels(),
            "the VAE encodes {}-channel video, got {channels} channels",
            self.config.video_channels()
        );
        assert!(frames >= 1, "the VAE needs at least one frame");
        assert!(
            height % s == 0 && width % s == 0,
            "video height {height} and width {width} must be multiples of {s}"
        );
        let x = patchify(video, self.config.patch());
        let mut cache = self.encoder.cache();
        let chunks = 1 + (frames - 1) / ENCODE_CHUNK;
        let parts: Vec<Tensor<5>> = (0..chunks)
            .map(|i| {
                let (start, len) = match i {
                    0 => (0, 1),
                    _ => (1 + ENCODE_CHUNK * (i - 1), ENCODE_CHUNK),
                };
                self.encoder
                    .forward(x.clone().narrow(2, start, len), &mut cache)
            })
            .collect();
        // [B, 2z, F', h, w]: mean, then log-variance.
        let moments = self.quant_conv.forward(Tensor::cat(parts, 2));
        moments.narrow(1, 0, self.config.z_dim)
    }

    /// Decodes `latents` [B, z_dim, F', h, w] to video [B, 3, 1 + 4 (F' - 1), h * s, w * s],
    /// clamped to [-1, 1]. See [`Self::decode_frames`] to receive it piece by piece.
    pub fn decode(&self, latents: Tensor<5>) -> Tensor<5> {
        let mut parts = Vec::new();
        self.decode_frames(latents, |_, frames| parts.push(frames));
        Tensor::cat(parts, 2)
    }

    /// Decodes one latent frame at a time, handing `sink(latent_index, frames)` the video
    /// frames each one makes ([B, 3, 1, H, W] for the first, [B, 3, 4, H, W] after), clamped
    /// to [-1, 1]: the decoder's convs carry their last input frames from one to the next, so
    /// a long clip can be written out (or previewed) as it is decoded.
    pub fn decode_frames(&self, latents: Tensor<5>, mut sink: impl FnMut(usize, Tensor<5>)) {
        let [_, channels, frames, _, _] = latents.dims();
        assert_eq!(
            channels, self.config.z_dim,
            "the VAE decodes {}-channel latents, got {channels} channels",
            self.config.z_dim
        );
        let x = self.post_quant_conv.forward(latents);
        let mut cache = self.decoder.cache();
        for i in 0..frames {
            let out = self
                .decoder
                .forward(x.clone().narrow(2, i, 1), &mut cache, i == 0);
            sink(i, unpatchify(out, self.config.patch()).clamp(-1.0, 1.0));
        }
    }

    /// `(latents - latents_mean) / latents_std` per channel: what the DiT works on
    /// (`latents` [B, z_dim, F, h, w]).
    pub fn normalize(&self, latents: Tensor<5>) -> Tensor<5> {
        let (mean, std) = self.statistics(&latents.device());
        (latents - mean) / std
    }

    /// The inverse of [`Self::normalize`]: `latents * latents_std + latents_mean`, before
    /// [`Self::decode`].
    pub fn denormalize(&self, latents: Tensor<5>) -> Tensor<5> {
        let (mean, std) = self.statistics(&latents.device());
        latents * std + mean
    }

    /// latents_mean and latents_std as [1, z_dim, 1, 1, 1].
    fn statistics(&self, device: &Device) -> (Tensor<5>, Tensor<5>) {
        let z = self.config.z_dim;
        let column = |values: &[f32]| {
            Tensor::<5>::from_data(TensorData::new(values.to_vec(), [1, z, 1, 1, 1]), device)
        };
        (
            column(&self.config.latents_mean),
            column(&self.config.latents_std),
        )
    }
}
