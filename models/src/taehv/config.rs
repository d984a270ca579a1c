//! The decoder's configuration: which latents it reads and how far it upsamples.
//!
//! TAEHV's files carry no config; the reference (`TAEHV.__init__`) picks the patch size and
//! the latent channels from the checkpoint's file name, so [`TaehvConfig::from_file_name`]
//! does the same and a renamed file needs its config given explicitly.

use std::path::Path;

/// An unusable or unknown configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaehvConfigError {
    /// The file name says neither taew2_1 nor taew2_2.
    #[error(
        "cannot tell which TAEHV decoder {name} is: TAEHV files carry no config, the name says \
         which one a file is (taew2_1 for Wan2.1's 16-channel latents, taew2_2 for Wan2.2's \
         48-channel latents). Keep the original file name, or give the config explicitly \
         (TaehvConfig::taew2_1() / TaehvConfig::taew2_2())"
    )]
    UnknownName { name: String },
    /// A field is out of range.
    #[error("invalid TAEHV config: {0}")]
    Invalid(String),
}

/// The TAEHV decoder's shape. The reference's defaults are `taew2_1`'s; `widths` are the
/// channels of its three MemBlock stages and of the last projection (256/128/64/64 in every
/// released file; smaller only in test fixtures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaehvConfig {
    /// Latent channels the decoder reads (Wan2.1: 16, Wan2.2: 48).
    pub latent_channels: usize,
    /// Output pixel-shuffle factor (Wan2.2: 2, i.e. 16x spatial overall; Wan2.1: 1, 8x).
    pub patch_size: usize,
    /// Channels of stage 0, 1, 2 and of the projection after stage 2.
    pub widths: [usize; 4],
    /// Per stage, whether the frames are doubled in time (the reference's
    /// `decoder_time_upscale`; Wan: no, yes, yes = 4x).
    pub time_upscale: [bool; 3],
    /// Per stage, whether the frames are doubled in space (`decoder_space_upscale`).
    pub space_upscale: [bool; 3],
}

impl TaehvConfig {
    /// The released widths.
    pub const WIDTHS: [usize; 4] = [256, 128, 64, 64];

    /// `taew2_1`: Wan2.1's 16-channel latents, 4x8x8.
    pub fn taew2_1() -> Self {
        Self {
            latent_channels: 16,
            patch_size: 1,
            widths: Self::WIDTHS,
            time_upscale: [false, true, true],
            space_upscale: [true, true, true],
        }
    }

    /// `taew2_2`: Wan2.2-TI2V-5B's 48-channel latents, 4x16x16 (2x2 pixel shuffle at the end).
    pub fn taew2_2() -> Self {
        Self {
            latent_channels: 48,
            patch_size: 2,
            ..Self::taew2_1()
        }
    }

    /// The config the reference would pick for the file at `path`: `taew2_2` when the file
    /// name contains "taew2_2", `taew2_1` when it contains "taew2_1" (the reference falls back
    /// to Hunyuan's TAEHV for any other name, which decodes no Wan latents, so that is an
    /// error here).
    pub fn from_file_name(path: impl AsRef<Path>) -> Result<Self, TaehvConfigError> {
        let name = path
            .as_ref()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.contains("taew2_2") {
            Ok(Self::taew2_2())
        } else if name.contains("taew2_1") {
            Ok(Self::taew2_1())
        } else {
            Err(TaehvConfigError::UnknownName {
                name: path.as_ref().display().to_string(),
            })
        }
    }

    /// This config with other stage widths (tiny test models).
    pub fn with_widths(mut self, widths: [usize; 4]) -> Self {
        self.widths = widths;
        self
    }

    /// The same config for `latent_channels` channels.
    pub fn with_latent_channels(mut self, latent_channels: usize) -> Self {
        self.latent_channels = latent_channels;
        self
    }

    /// Checks every field is usable.
    pub fn validate(&self) -> Result<(), TaehvConfigError> {
        if self.latent_channels == 0 {
            return Err(TaehvConfigError::Invalid(
                "latent_channels must be at least 1".into(),
            ));
        }
        if self.patch_size == 0 {
            return Err(TaehvConfigError::Invalid(
                "patch_size must be at least 1".into(),
            ));
        }
        if self.widths.contains(&0) {
            return Err(TaehvConfigError::Invalid(format!(
                "every width must be at least 1, got {:?}",
                self.widths
            )));
        }
        Ok(())
    }

    /// Output frames per latent frame (4 for Wan).
    pub fn temporal_factor(&self) -> usize {
        1 << self.time_upscale.iter().filter(|&&up| up).count()
    }

    /// Output pixels per latent pixel, per side (8 for Wan2.1, 16 for Wan2.2).
    pub fn spatial_factor(&self) -> usize {
        (1 << self.space_upscale.iter().filter(|&&up| up).count()) * self.patch_size
    }

    /// Startup frames dropped from the front of a decode (the reference's `frames_to_trim`):
    /// the first latent frame stands for one video frame, as in Wan's VAE, but the decoder
    /// grows every latent frame to [`Self::temporal_factor`] frames.
    pub fn frames_to_trim(&self) -> usize {
        self.temporal_factor() - 1
    }

    /// Video frames decoded from `latent_frames` latent frames: 4T - 3 for Wan.
    pub fn video_frames(&self, latent_frames: usize) -> usize {
        (latent_frames * self.temporal_factor()).saturating_sub(self.frames_to_trim())
    }

    /// Channels out of the last conv, before the pixel shuffle.
    pub(crate) fn out_channels(&self) -> usize {
        3 * self.patch_size * self.patch_size
    }
}

impl Default for TaehvConfig {
    fn default() -> Self {
        Self::taew2_1()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_picks_the_model() {
        let c = TaehvConfig::from_file_name("/models/vae_approx/taew2_2.safetensors").unwrap();
        assert_eq!((c.latent_channels, c.patch_size), (48, 2));
        assert_eq!(c.spatial_factor(), 16);
        let c = TaehvConfig::from_file_name("taew2_1.safetensors").unwrap();
        assert_eq!((c.latent_channels, c.patch_size), (16, 1));
        assert_eq!(c.spatial_factor(), 8);
        // Only the file name counts, not a folder on the way.
        let err = TaehvConfig::from_file_name("taew2_2/preview.safetensors").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("preview.safetensors"), "{message}");
        assert!(message.contains("explicitly"), "{message}");
    }

    #[test]
    fn wan_counts_four_frames_per_latent_frame_but_one_for_the_first() {
        let c = TaehvConfig::taew2_1();
        assert_eq!(c.temporal_factor(), 4);
        assert_eq!(c.frames_to_trim(), 3);
        assert_eq!(c.video_frames(1), 1);
        assert_eq!(c.video_frames(21), 81);
    }

    #[test]
    fn zero_sizes_are_refused() {
        assert!(TaehvConfig::taew2_1().validate().is_ok());
        let bad = TaehvConfig::taew2_1().with_latent_channels(0);
        assert!(bad.validate().is_err());
        let bad = TaehvConfig::taew2_1().with_widths([8, 0, 8, 8]);
        assert!(bad.validate().unwrap_err().to_string().contains("width"));
    }
}
