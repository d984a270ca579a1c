//! The Wan video VAE (diffusers' `AutoencoderKLWan`): Wan2.1's (16 latent channels, 4x8x8) and
//! Wan2.2's (48 channels, 4x16x16 with 2x2 patchify and residual down/up blocks), with the
//! reference's chunked causal caching, latent normalisation and loaders for diffusers' and the
//! original Wan / ComfyUI tensor names.
//!
//! Shapes: video `[B, 3, F, H, W]` in [-1, 1] <-> latents `[B, z, 1 + (F - 1) / 4, H / s, W / s]`.

mod attention;
mod blocks;
mod causal_conv;
mod config;
mod decoder;
mod encoder;
mod load;
mod model;
mod names;
mod norm;
mod patch;
mod resample;
mod shortcut;

pub use crate::weights::{LoadError, LoadReport};
pub use attention::AttentionBlock;
pub use blocks::{DownBlock, MidBlock, ResidualBlock, UpBlock};
pub use causal_conv::{CausalConv3d, ConvCache, CACHE_T};
pub use config::{VaeConfig, VaeConfigError};
pub use decoder::{Decoder, DecoderCache};
pub use encoder::{Encoder, EncoderCache};
pub use model::{WanVae, ENCODE_CHUNK};
pub use names::original_to_diffusers;
pub use norm::ChannelRmsNorm;
pub use patch::{patchify, unpatchify};
pub use resample::{Resample, ResampleMode};
pub use shortcut::{AvgDown3d, DupUp3d};
