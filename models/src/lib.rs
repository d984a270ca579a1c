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

/// The video model families Motionboard targets, in the order they will be implemented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelFamily {
    /// Wan2.1 text-to-video, 1.3B parameters (16 latent channels, VAE 4x8x8).
    Wan21T2V1_3B,
    /// Wan2.2 text/image-to-video, 5B parameters (48 latent channels, VAE 4x16x16).
    Wan22TI2V5B,
}

impl ModelFamily {
    /// The name a creator sees in the models panel.
    pub fn display_name(self) -> &'static str {
        match self {
            ModelFamily::Wan21T2V1_3B => "Wan2.1-T2V-1.3B",
            ModelFamily::Wan22TI2V5B => "Wan2.2-TI2V-5B",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_are_the_official_ones() {
        assert_eq!(ModelFamily::Wan21T2V1_3B.display_name(), "Wan2.1-T2V-1.3B");
        assert_eq!(ModelFamily::Wan22TI2V5B.display_name(), "Wan2.2-TI2V-5B");
    }
}
