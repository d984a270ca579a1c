//! The Wan video model family (Wan2.1 / Wan2.2): the diffusion transformer ([`dit`]) and the
//! video VAE ([`vae`]).

pub mod dit;
pub mod vae;
