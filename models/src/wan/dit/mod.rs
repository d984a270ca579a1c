//! The Wan diffusion transformer (diffusers' `WanTransformer3DModel`): config, 3-D RoPE,
//! embeddings, transformer block, the whole forward and the loader of diffusers' and ComfyUI's
//! weights.

mod block;
mod config;
mod embeddings;
mod model;
mod names;
mod norm;
mod rope;

pub use crate::weights::{LoadError, LoadReport};
pub use block::{Attention, FeedForward, TransformerBlock};
pub use config::{DitConfig, DitConfigError};
pub use embeddings::{timestep_sinusoid, ConditionEmbedder, Conditioning, PatchEmbedding};
pub use model::WanDit;
pub use names::{is_diffusers_layout, original_to_diffusers};
pub use norm::{layer_norm_plain, QkRmsNorm};
pub use rope::Rope3d;
