//! Image-to-video as Wan2.2 TI2V does it (diffusers' `WanImageToVideoPipeline` with
//! `expand_timesteps=True`): the first frame is VAE-encoded and normalised once; every step the
//! model sees it in place of latent frame 0, and that frame's tokens get timestep 0 (clean)
//! while the others get t. The same DiT then does text-to-video and image-to-video.

use burn::prelude::*;
use burn::tensor::{DType, TensorData};

use super::request::{video_tensor, RgbImage};
use crate::wan::vae::WanVae;

/// The first frame's clean latent.
#[derive(Debug, Clone)]
pub struct FirstFrame {
    /// Normalised latent [1, z, 1, h, w].
    latent: Tensor<5>,
    /// Latent frames F' of the video.
    latent_frames: usize,
}

impl FirstFrame {
    /// Encodes `image` (its size already checked against the request) with `vae` and
    /// normalises it. `latent_frames` is F' (the DiT's temporal patch must be 1).
    pub fn encode(vae: &WanVae, image: &RgbImage, latent_frames: usize, device: &Device) -> Self {
        let video = video_tensor(std::slice::from_ref(image), device);
        let latent = vae.normalize(vae.encode(video));
        Self {
            latent,
            latent_frames,
        }
    }

    /// The normalised first-frame latent [1, z, 1, h, w].
    pub fn latent(&self) -> &Tensor<5> {
        &self.latent
    }

    /// `latents` [1, z, F', h, w] with latent frame 0 replaced by the image's.
    pub fn apply(&self, latents: Tensor<5>) -> Tensor<5> {
        let frames = latents.dims()[2];
        // The sampler's latents are f32; the encoded image is in the compute dtype.
        let latent = self.latent.clone().cast(latents.dtype());
        if frames == 1 {
            return latent;
        }
        Tensor::cat(vec![latent, latents.narrow(2, 1, frames - 1)], 2)
    }

    /// Timesteps per latent frame [1, F']: 0 for the first, `t` after. The DiT gives every
    /// token of a frame its frame's (diffusers' per-token timesteps, without repeating the
    /// timestep embedding for each of a frame's tokens).
    pub fn timesteps(&self, t: f32, device: &Device) -> Tensor<2> {
        let mut values = vec![t; self.latent_frames];
        values[0] = 0.0;
        // f32: f16 holds a timestep near 1000 only to 0.5.
        Tensor::from_data(
            TensorData::new(values, [1, self.latent_frames]),
            (device, DType::F32),
        )
    }
}
