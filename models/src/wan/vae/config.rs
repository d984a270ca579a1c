//! The VAE's configuration, as diffusers' `config.json` for `AutoencoderKLWan` has it.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// `config.json` of a diffusers `AutoencoderKLWan` (unknown keys such as `_class_name` or
/// `clip_output` are ignored; missing keys take diffusers' defaults, which are Wan2.1's VAE).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct VaeConfig {
    /// Encoder width at full resolution (Wan2.1: 96, Wan2.2: 160).
    #[serde(default = "default_base_dim")]
    pub base_dim: usize,
    /// Decoder width at full resolution; `base_dim` when absent (Wan2.2: 256).
    #[serde(default)]
    pub decoder_base_dim: Option<usize>,
    /// Latent channels (Wan2.1: 16, Wan2.2: 48).
    #[serde(default = "default_z_dim")]
    pub z_dim: usize,
    /// Width multiplier per resolution level; one spatial 2x down/up-sampling between levels.
    #[serde(default = "default_dim_mult")]
    pub dim_mult: Vec<usize>,
    /// Residual blocks per encoder level (the decoder has one more).
    #[serde(default = "default_num_res_blocks")]
    pub num_res_blocks: usize,
    /// Resolutions with attention in the encoder; only empty is supported (as every Wan VAE).
    #[serde(default)]
    pub attn_scales: Vec<f64>,
    /// Per down-sampling step, whether time is halved too (diffusers' spelling).
    #[serde(default = "default_temperal_downsample")]
    pub temperal_downsample: Vec<bool>,
    /// Dropout (training only; ignored here).
    #[serde(default)]
    pub dropout: f64,
    /// Per-channel latent mean (z_dim values) for [`super::WanVae::normalize`].
    #[serde(default = "default_latents_mean")]
    pub latents_mean: Vec<f32>,
    /// Per-channel latent standard deviation (z_dim values).
    #[serde(default = "default_latents_std")]
    pub latents_std: Vec<f32>,
    /// Wan2.2: residual down/up blocks with AvgDown3D/DupUp3D shortcuts.
    #[serde(default)]
    pub is_residual: bool,
    /// Channels into the encoder, after patchify (Wan2.2: 3 * 2 * 2 = 12).
    #[serde(default = "default_channels")]
    pub in_channels: usize,
    /// Channels out of the decoder, before unpatchify.
    #[serde(default = "default_channels")]
    pub out_channels: usize,
    /// Spatial patchify size (Wan2.2: 2); none or 1 for no patchify.
    #[serde(default)]
    pub patch_size: Option<usize>,
    /// Frames per latent frame (after the first); checked against the structure when given.
    #[serde(default = "default_temporal")]
    pub scale_factor_temporal: Option<usize>,
    /// Pixels per latent pixel; checked against the structure when given.
    #[serde(default = "default_spatial")]
    pub scale_factor_spatial: Option<usize>,
}

/// Bounds far beyond any released Wan VAE (widths up to 256 x 4, 4 levels, 2 residual blocks,
/// 48 latent channels), so that no config.json can make the sizes computed from it overflow or
/// building the model (its norms are allocated at once) take more memory than a machine has.
const MAX_WIDTH: usize = 1 << 13;
const MAX_LEVELS: usize = 8;
const MAX_RES_BLOCKS: usize = 16;
const MAX_CHANNELS: usize = 1 << 10;
const MAX_PATCH: usize = 16;

fn default_base_dim() -> usize {
    96
}
fn default_z_dim() -> usize {
    16
}
fn default_dim_mult() -> Vec<usize> {
    vec![1, 2, 4, 4]
}
fn default_num_res_blocks() -> usize {
    2
}
fn default_temperal_downsample() -> Vec<bool> {
    vec![false, true, true]
}
fn default_channels() -> usize {
    3
}
fn default_temporal() -> Option<usize> {
    Some(4)
}
fn default_spatial() -> Option<usize> {
    Some(8)
}
/// Wan2.1's latent statistics (diffusers' defaults).
fn default_latents_mean() -> Vec<f32> {
    vec![
        -0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508, 0.4134, -0.0715,
        0.5517, -0.3632, -0.1922, -0.9497, 0.2503, -0.2921,
    ]
}
fn default_latents_std() -> Vec<f32> {
    vec![
        2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743, 3.2687, 2.1526, 2.8652,
        1.5579, 1.6382, 1.1253, 2.8251, 1.9160,
    ]
}

/// A config file that cannot be read or is not a VAE this implementation supports.
#[derive(Debug, thiserror::Error)]
pub enum VaeConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid config.
    #[error("{path} is not an AutoencoderKLWan config: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The settings do not describe a Wan VAE this implementation can build.
    #[error("{0}")]
    Invalid(String),
}

impl VaeConfig {
    /// Reads and checks a `config.json` (the `vae/` folder of a diffusers Wan model).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, VaeConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| VaeConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        let config: Self = serde_json::from_str(&text).map_err(|source| VaeConfigError::Json {
            path: path.to_owned(),
            source,
        })?;
        config
            .validate()
            .map_err(|e| VaeConfigError::Invalid(format!("{}: {e}", path.display())))?;
        Ok(config)
    }

    /// Checks that the settings describe a Wan VAE this implementation can build.
    pub fn validate(&self) -> Result<(), VaeConfigError> {
        let invalid = |m: String| {
            Err(VaeConfigError::Invalid(format!(
                "invalid Wan VAE config: {m}"
            )))
        };
        if self.base_dim == 0 || self.decoder_base_dim() == 0 || self.z_dim == 0 {
            return invalid("base_dim, decoder_base_dim and z_dim must be positive".into());
        }
        if self.dim_mult.is_empty() || self.dim_mult.contains(&0) {
            return invalid(format!(
                "dim_mult {:?} must be non-empty and positive",
                self.dim_mult
            ));
        }
        if self.temperal_downsample.len() != self.dim_mult.len() - 1 {
            return invalid(format!(
                "temperal_downsample has {} entries; dim_mult {:?} needs {} (one per \
                 down-sampling step)",
                self.temperal_downsample.len(),
                self.dim_mult,
                self.dim_mult.len() - 1
            ));
        }
        if self.num_res_blocks == 0 {
            return invalid("num_res_blocks must be at least 1".into());
        }
        if self.dim_mult.len() > MAX_LEVELS || self.num_res_blocks > MAX_RES_BLOCKS {
            return invalid(format!(
                "{} levels of {} residual blocks: at most {MAX_LEVELS} levels of \
                 {MAX_RES_BLOCKS}",
                self.dim_mult.len(),
                self.num_res_blocks
            ));
        }
        let widest = |base: usize| {
            std::iter::once(&1)
                .chain(&self.dim_mult)
                .map(|m| m.saturating_mul(base))
                .max()
                .unwrap_or(0)
        };
        let widest = widest(self.base_dim).max(widest(self.decoder_base_dim()));
        if widest > MAX_WIDTH {
            return invalid(format!(
                "base_dim, decoder_base_dim and dim_mult make levels {widest} channels wide; at \
                 most {MAX_WIDTH}"
            ));
        }
        let channels = [self.z_dim, self.in_channels, self.out_channels];
        if channels.iter().any(|c| *c > MAX_CHANNELS)
            || self.in_channels == 0
            || self.out_channels == 0
        {
            return invalid(format!(
                "z_dim {}, in_channels {} and out_channels {} must be 1 to {MAX_CHANNELS}",
                self.z_dim, self.in_channels, self.out_channels
            ));
        }
        if self.patch() > MAX_PATCH {
            return invalid(format!("patch_size {}: at most {MAX_PATCH}", self.patch()));
        }
        if !self.attn_scales.is_empty() {
            return invalid(format!(
                "attn_scales {:?}: encoder attention outside the middle block is not supported \
                 (no released Wan VAE uses it)",
                self.attn_scales
            ));
        }
        for (name, values) in [
            ("latents_mean", &self.latents_mean),
            ("latents_std", &self.latents_std),
        ] {
            if values.len() != self.z_dim {
                return invalid(format!(
                    "{name} has {} values but z_dim is {}",
                    values.len(),
                    self.z_dim
                ));
            }
        }
        if let Some(bad) = self
            .latents_std
            .iter()
            .find(|s| !(s.is_finite() && **s != 0.0))
        {
            return invalid(format!(
                "latents_std holds {bad}: it must be finite and non-zero"
            ));
        }
        let p2 = self.patch() * self.patch();
        if self.patch_size == Some(0) {
            return invalid("patch_size must be positive".into());
        }
        if !self.in_channels.is_multiple_of(p2) || !self.out_channels.is_multiple_of(p2) {
            return invalid(format!(
                "in_channels {} and out_channels {} must be multiples of patch_size^2 = {p2}",
                self.in_channels, self.out_channels
            ));
        }
        if self.is_residual {
            let dims = self.encoder_dims();
            let last = self.dim_mult.len() - 1;
            for i in 0..=last {
                let (t, s) = if i == last {
                    (1, 1)
                } else {
                    (1 + self.temperal_downsample[i] as usize, 2)
                };
                if !(dims[i] * t * s * s).is_multiple_of(dims[i + 1]) {
                    return invalid(format!(
                        "encoder level {i}: {} channels times the down-sampling factor {} is \
                         not a multiple of {} (AvgDown3D shortcut)",
                        dims[i],
                        t * s * s,
                        dims[i + 1]
                    ));
                }
            }
            let dims = self.decoder_dims();
            let up = self.temperal_upsample();
            for i in 0..last {
                let factor = (1 + up[i] as usize) * 4;
                if !(dims[i + 1] * factor).is_multiple_of(dims[i]) {
                    return invalid(format!(
                        "decoder level {i}: {} channels times the up-sampling factor {factor} \
                         is not a multiple of {} (DupUp3D shortcut)",
                        dims[i + 1],
                        dims[i]
                    ));
                }
            }
        } else if self.decoder_dims()[1..].iter().any(|d| *d < 2) && self.dim_mult.len() > 1 {
            return invalid(
                "decoder widths must be at least 2 (Wan2.1 up-sampling halves them)".into(),
            );
        }
        let temporal = self.temporal_factor();
        if let Some(given) = self.scale_factor_temporal {
            if given != temporal {
                return invalid(format!(
                    "scale_factor_temporal is {given}, but temperal_downsample {:?} gives \
                     {temporal}",
                    self.temperal_downsample
                ));
            }
        }
        let spatial = self.spatial_factor();
        if let Some(given) = self.scale_factor_spatial {
            if given != spatial {
                return invalid(format!(
                    "scale_factor_spatial is {given}, but {} levels and patch_size {} give \
                     {spatial}",
                    self.dim_mult.len(),
                    self.patch()
                ));
            }
        }
        Ok(())
    }

    /// The decoder's base width.
    pub fn decoder_base_dim(&self) -> usize {
        self.decoder_base_dim.unwrap_or(self.base_dim)
    }

    /// The spatial patchify size (1: none).
    pub fn patch(&self) -> usize {
        self.patch_size.unwrap_or(1)
    }

    /// Colour channels of the video (3): `in_channels / patch^2`.
    pub fn video_channels(&self) -> usize {
        self.in_channels / (self.patch() * self.patch())
    }

    /// Frames per latent frame after the first (4): 2^(temporal down-samplings).
    pub fn temporal_factor(&self) -> usize {
        1 << self.temperal_downsample.iter().filter(|t| **t).count()
    }

    /// Pixels per latent pixel (8 or 16): 2^(levels - 1) * patch.
    pub fn spatial_factor(&self) -> usize {
        (1 << (self.dim_mult.len() - 1)) * self.patch()
    }

    /// The decoder's temporal up-sampling per level (the encoder's, reversed).
    pub fn temperal_upsample(&self) -> Vec<bool> {
        self.temperal_downsample.iter().rev().copied().collect()
    }

    /// Encoder widths: `base_dim * [1, dim_mult...]`.
    pub(crate) fn encoder_dims(&self) -> Vec<usize> {
        std::iter::once(1)
            .chain(self.dim_mult.iter().copied())
            .map(|m| m * self.base_dim)
            .collect()
    }

    /// Decoder widths: `decoder_base_dim * [dim_mult.last, dim_mult reversed...]`.
    pub(crate) fn decoder_dims(&self) -> Vec<usize> {
        let last = *self.dim_mult.last().unwrap_or(&1);
        std::iter::once(last)
            .chain(self.dim_mult.iter().rev().copied())
            .map(|m| m * self.decoder_base_dim())
            .collect()
    }
}

/// Wan2.1's VAE (Wan-AI/Wan2.1-T2V-1.3B-Diffusers, vae/config.json).
const WAN21: &str = r#"{
    "_class_name": "AutoencoderKLWan", "_diffusers_version": "0.33.0.dev0",
    "attn_scales": [], "base_dim": 96, "dim_mult": [1, 2, 4, 4], "dropout": 0.0,
    "latents_mean": [-0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508,
                     0.4134, -0.0715, 0.5517, -0.3632, -0.1922, -0.9497, 0.2503, -0.2921],
    "latents_std": [2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743,
                    3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.916],
    "num_res_blocks": 2, "temperal_downsample": [false, true, true], "z_dim": 16}"#;

/// Wan2.2's VAE (TI2V-5B), as diffusers' scripts/convert_wan_to_diffusers.py writes it.
const WAN22: &str = r#"{
    "_class_name": "AutoencoderKLWan", "_diffusers_version": "0.35.0.dev0",
    "attn_scales": [], "base_dim": 160, "decoder_base_dim": 256,
    "dim_mult": [1, 2, 4, 4], "dropout": 0.0, "in_channels": 12, "is_residual": true,
    "clip_output": false,
    "latents_mean": [-0.2289, -0.0052, -0.1323, -0.2339, -0.2799, 0.0174, 0.1838, 0.1557,
        -0.1382, 0.0542, 0.2813, 0.0891, 0.157, -0.0098, 0.0375, -0.1825, -0.2246, -0.1207,
        -0.0698, 0.5109, 0.2665, -0.2108, -0.2158, 0.2502, -0.2055, -0.0322, 0.1109,
        0.1567, -0.0729, 0.0899, -0.2799, -0.123, -0.0313, -0.1649, 0.0117, 0.0723,
        -0.2839, -0.2083, -0.052, 0.3748, 0.0152, 0.1957, 0.1433, -0.2944, 0.3573, -0.0548,
        -0.1681, -0.0667],
    "latents_std": [0.4765, 1.0364, 0.4514, 1.1677, 0.5313, 0.499, 0.4818, 0.5013, 0.8158,
        1.0344, 0.5894, 1.0901, 0.6885, 0.6165, 0.8454, 0.4978, 0.5759, 0.3523, 0.7135,
        0.6804, 0.5833, 1.4146, 0.8986, 0.5659, 0.7069, 0.5338, 0.4889, 0.4917, 0.4069,
        0.4999, 0.6866, 0.4093, 0.5709, 0.6065, 0.6415, 0.4944, 0.5726, 1.2042, 0.5458,
        1.6887, 0.3971, 1.06, 0.3943, 0.5537, 0.5444, 0.4089, 0.7468, 0.7744],
    "num_res_blocks": 2, "out_channels": 12, "patch_size": 2,
    "scale_factor_spatial": 16, "scale_factor_temporal": 4,
    "temperal_downsample": [false, true, true], "z_dim": 48}"#;

impl VaeConfig {
    /// Wan2.1's VAE (16 latent channels, 4x8x8), for single files that come without a
    /// config.json (ComfyUI's `wan_2.1_vae.safetensors`).
    pub fn wan21() -> Self {
        serde_json::from_str(WAN21).expect("the built-in Wan2.1 VAE config parses")
    }

    /// Wan2.2's VAE (48 latent channels, 4x16x16), for `wan2.2_vae.safetensors`.
    pub fn wan22() -> Self {
        serde_json::from_str(WAN22).expect("the built-in Wan2.2 VAE config parses")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_beyond_any_model_are_refused_not_built() {
        let base: VaeConfig = serde_json::from_str(WAN21).unwrap();
        let mut wide = base.clone();
        wide.base_dim = 1 << 34;
        let mut deep = base.clone();
        deep.dim_mult = vec![1; 100];
        deep.temperal_downsample = vec![true; 99];
        let mut latent = base.clone();
        latent.z_dim = 1 << 40;
        for bad in [wide, deep, latent] {
            let e = bad.validate().unwrap_err().to_string();
            assert!(e.contains("at most") || e.contains("must be"), "{e}");
        }
    }

    #[test]
    fn parses_wan21() {
        let config: VaeConfig = serde_json::from_str(WAN21).unwrap();
        config.validate().unwrap();
        assert_eq!(config.z_dim, 16);
        assert_eq!(config.decoder_base_dim(), 96);
        assert!(!config.is_residual);
        assert_eq!(config.patch(), 1);
        assert_eq!(config.video_channels(), 3);
        assert_eq!((config.temporal_factor(), config.spatial_factor()), (4, 8));
        assert_eq!(config.encoder_dims(), [96, 96, 192, 384, 384]);
        assert_eq!(config.decoder_dims(), [384, 384, 384, 192, 96]);
        assert_eq!(config.temperal_upsample(), [true, true, false]);
        assert_eq!(config.latents_std[15], 1.916);
    }

    #[test]
    fn parses_wan22() {
        let config: VaeConfig = serde_json::from_str(WAN22).unwrap();
        config.validate().unwrap();
        assert_eq!(config.z_dim, 48);
        assert!(config.is_residual);
        assert_eq!(config.decoder_base_dim(), 256);
        assert_eq!(config.patch(), 2);
        assert_eq!(config.video_channels(), 3);
        assert_eq!((config.temporal_factor(), config.spatial_factor()), (4, 16));
        assert_eq!(config.encoder_dims(), [160, 160, 320, 640, 640]);
        assert_eq!(config.decoder_dims(), [1024, 1024, 1024, 512, 256]);
        assert_eq!(config.latents_mean.len(), 48);
    }

    #[test]
    fn defaults_are_wan21() {
        let config: VaeConfig = serde_json::from_str("{}").unwrap();
        config.validate().unwrap();
        assert_eq!(config, serde_json::from_str(WAN21).unwrap());
    }

    #[test]
    fn rejects_what_does_not_fit() {
        let base: VaeConfig = serde_json::from_str(WAN22).unwrap();
        let message = |c: VaeConfig| c.validate().unwrap_err().to_string();

        let mut c = base.clone();
        c.latents_mean.pop();
        assert!(message(c).contains("latents_mean has 47 values but z_dim is 48"));

        let mut c = base.clone();
        c.scale_factor_spatial = Some(8);
        assert!(message(c).contains("scale_factor_spatial is 8"));

        let mut c = base.clone();
        c.temperal_downsample.push(true);
        assert!(message(c).contains("temperal_downsample has 4 entries"));

        let mut c = base.clone();
        c.in_channels = 3;
        assert!(message(c).contains("multiples of patch_size^2 = 4"));

        let mut c = base.clone();
        c.attn_scales = vec![0.5];
        assert!(message(c).contains("attn_scales"));

        let mut c = base.clone();
        c.base_dim = 3;
        c.dim_mult = vec![1, 5, 4, 4];
        let m = message(c);
        assert!(m.contains("AvgDown3D"), "{m}");
    }

    #[test]
    fn load_names_the_file() {
        let dir = std::env::temp_dir().join(format!("mb-vae-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.json");
        std::fs::write(&path, r#"{"z_dim": 4}"#).unwrap();
        let err = VaeConfig::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("config.json") && err.contains("z_dim is 4"),
            "{err}"
        );
        std::fs::write(&path, "not json").unwrap();
        let err = VaeConfig::load(&path).unwrap_err().to_string();
        assert!(err.contains("not an AutoencoderKLWan config"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
        let err = VaeConfig::load(dir.join("missing.json")).unwrap_err();
        assert!(matches!(err, VaeConfigError::Io { .. }));
    }
}
