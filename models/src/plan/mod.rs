//! The memory a generation needs, worked out before any of it is allocated: from the package's
//! configs, the video's size, the float precision and where the text encoder runs, every large
//! buffer of the run ([`Buffer`]) and the peak of each phase (text encoding, denoising,
//! decoding) on the device and on the host ([`GenerationPlan`]). [`DeviceLimits`] says what a
//! device can hold; [`GenerationPlan::check`] refuses a plan that cannot run there with a
//! message that says what to change.
//!
//! ```
//! use models::plan::{GenerationPlan, PlanConfigs, PlanRequest};
//!
//! let request = PlanRequest::new(832, 480, 81);
//! let plan = GenerationPlan::new(&PlanConfigs::wan21_t2v_1_3b(), &request).unwrap();
//! assert_eq!(plan.tokens, 21 * 30 * 52);
//! assert!(plan.device_peak() < 8 << 30);
//! ```
//!
//! The figures follow what the engine does (see [`buffers`] for each term): one transformer
//! block's activations live at a time; attention keeps its score temporaries under
//! [`PlanRequest::attention_chunk_bytes`] by splitting queries and heads; the VAE decodes one
//! latent frame at a time and hands back 8-bit frames; the text encoder either leaves the
//! device once the prompts are encoded or runs on the CPU in half precision.

pub mod buffers;
mod limits;

pub use buffers::{
    Buffer, BufferKind, GenerationPlan, Phase, PhasePeak, Place, PlanConfigs, PlanRequest,
    TextEncoderPlacement,
};
pub use limits::{DeviceLimits, PlanError, WGSL_MAX_BINDING};

/// Attention's score temporaries stay under this many bytes (queries and heads are split to
/// keep them there): well under the 2 GiB storage binding of WGSL, and small beside the
/// weights.
pub const DEFAULT_ATTENTION_CHUNK_BYTES: u64 = 256 << 20;

/// `bytes` as GiB with one decimal.
pub fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}
