//! The Wan video model family (Wan2.1 / Wan2.2): so far the diffusion transformer ([`dit`]).

pub mod dit;
