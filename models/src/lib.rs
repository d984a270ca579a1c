//! Motionboard's diffusion engine: the Wan video model family in burn.
//!
//! This crate knows nothing of projects or UI. So far it has the flow-matching samplers
//! ([`scheduler`]), seeded host-side noise ([`noise`]) and the checking tool's plumbing
//! ([`check`], [`tensor_io`]) and the Wan DiT forward with its diffusers weight loader
//! ([`wan::dit`]); the VAE and umT5 come next.

pub mod check;
pub mod noise;
pub mod scheduler;
pub mod tensor_io;
pub mod wan;
pub mod weights;
