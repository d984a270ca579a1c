//! TAEHV (madebyollin/taehv, MIT): tiny video decoders for sharp live previews of the model's
//! latents. `taew2_1` reads Wan2.1's 16-channel latents (4x8x8), `taew2_2` Wan2.2's
//! 48-channel ones (4x16x16, a 2x2 pixel shuffle at the end). About 10M parameters against
//! the VAE decoder's hundreds of millions, and no mean/std: it reads the normalised latents
//! the sampler works on.
//!
//! Shapes: latents `[N, C, T, h, w]` -> video `[N, 3, 4T - 3, 8h or 16h, 8w or 16w]` in
//! [0, 1]. Causal: each MemBlock remembers its previous input frame, so a clip can be decoded
//! chunk by chunk ([`TaehvDecoder::decode_chunk`] with a [`TaehvState`]).
//!
//! ```no_run
//! use burn::prelude::*;
//! use models::taehv::TaehvDecoder;
//!
//! let device = Device::flex();
//! // The file name says which model it is (taew2_1 / taew2_2); a renamed file needs
//! // `TaehvDecoder::load(path, &TaehvConfig::taew2_1(), &device)`.
//! let taehv = TaehvDecoder::load_named("taew2_1.safetensors", &device)?;
//! let latents = Tensor::<5>::zeros([1, 16, 21, 60, 104], &device);
//! let video = taehv.decode(latents)?;
//! assert_eq!(video.dims(), [1, 3, 81, 480, 832]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod blocks;
mod config;
mod decoder;
mod load;

pub use blocks::{pixel_shuffle, soft_clamp, upsample2x, MemBlock, TGrow};
pub use config::{TaehvConfig, TaehvConfigError};
pub use decoder::{Stage, TaehvDecoder, TaehvError, TaehvState, BLOCKS_PER_STAGE};
