//! The DiT's configuration, as diffusers' `config.json` for `WanTransformer3DModel` has it.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// `config.json` of a diffusers `WanTransformer3DModel` (unknown keys such as `_class_name`
/// are ignored).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DitConfig {
    /// (t, h, w) patch size.
    pub patch_size: [usize; 3],
    /// Attention heads.
    pub num_attention_heads: usize,
    /// Channels per head; the model width is `num_attention_heads * attention_head_dim`.
    pub attention_head_dim: usize,
    /// Latent channels in.
    pub in_channels: usize,
    /// Latent channels out (diffusers: `out_channels or in_channels`).
    #[serde(default)]
    pub out_channels: Option<usize>,
    /// Text encoder width (umT5: 4096).
    pub text_dim: usize,
    /// Width of the sinusoidal timestep embedding.
    pub freq_dim: usize,
    /// Feed-forward inner width.
    pub ffn_dim: usize,
    /// Transformer blocks.
    pub num_layers: usize,
    /// LayerNorm (with affine) before the cross-attention.
    #[serde(default = "default_true")]
    pub cross_attn_norm: bool,
    /// Query/key normalisation; only `rms_norm_across_heads` is supported.
    #[serde(default)]
    pub qk_norm: Option<String>,
    /// Epsilon of every norm.
    #[serde(default = "default_eps")]
    pub eps: f64,
    /// Image-conditioning width (Wan2.1 I2V); unsupported, must be null.
    #[serde(default)]
    pub image_dim: Option<usize>,
    /// Added key/value projections (Wan2.1 I2V); unsupported, must be null.
    #[serde(default)]
    pub added_kv_proj_dim: Option<usize>,
    /// Positions the RoPE tables cover on each axis.
    #[serde(default = "default_rope_len")]
    pub rope_max_seq_len: usize,
    /// Image position embedding length (Wan2.1 FLF2V); unsupported, must be null.
    #[serde(default)]
    pub pos_embed_seq_len: Option<usize>,
}

/// Bounds far beyond any released Wan DiT (1.3B: 12 heads of 128, 30 layers; 14B: 40 heads of
/// 128, 40 layers), yet small enough that the sizes computed from a config (parameters,
/// memory plans, RoPE tables) stay within 64 bits: a config.json cannot make them overflow.
const MAX_WIDTH: usize = 1 << 16;
const MAX_LAYERS: usize = 1024;
const MAX_PATCH: usize = 16;
const MAX_ROPE_LEN: usize = 1 << 16;

fn default_true() -> bool {
    true
}
fn default_eps() -> f64 {
    1e-6
}
fn default_rope_len() -> usize {
    1024
}

/// A config file that cannot be read or is not one this DiT supports.
#[derive(Debug, thiserror::Error)]
pub enum DitConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid config.
    #[error("{path} is not a WanTransformer3DModel config: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A setting this implementation does not support.
    #[error("unsupported DiT config: {0}")]
    Unsupported(String),
}

impl DitConfig {
    /// Reads and checks a `config.json`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, DitConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| DitConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        let config: Self = serde_json::from_str(&text).map_err(|source| DitConfigError::Json {
            path: path.to_owned(),
            source,
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks the settings this implementation supports.
    pub fn validate(&self) -> Result<(), DitConfigError> {
        let unsupported = |m: String| Err(DitConfigError::Unsupported(m));
        if self.qk_norm.as_deref() != Some("rms_norm_across_heads") {
            return unsupported(format!("qk_norm {:?}", self.qk_norm));
        }
        if self.image_dim.is_some()
            || self.added_kv_proj_dim.is_some()
            || self.pos_embed_seq_len.is_some()
        {
            return unsupported("image conditioning (image_dim / added_kv_proj_dim)".into());
        }
        if !self.attention_head_dim.is_multiple_of(2) || self.attention_head_dim < 6 {
            return unsupported(format!("attention_head_dim {}", self.attention_head_dim));
        }
        if self.patch_size.contains(&0) || self.num_attention_heads == 0 {
            return unsupported("zero patch size or heads".into());
        }
        if self.patch_size.iter().any(|p| *p > MAX_PATCH) {
            return unsupported(format!(
                "patch_size {:?}: at most {MAX_PATCH} per axis",
                self.patch_size
            ));
        }
        let inner = self
            .num_attention_heads
            .saturating_mul(self.attention_head_dim);
        let widths = [
            ("num_attention_heads x attention_head_dim", inner),
            ("in_channels", self.in_channels),
            ("out_channels", self.out_channels()),
            ("text_dim", self.text_dim),
            ("freq_dim", self.freq_dim),
            ("ffn_dim", self.ffn_dim),
        ];
        if let Some((name, value)) = widths.iter().find(|(_, v)| !(1..=MAX_WIDTH).contains(v)) {
            return unsupported(format!("{name} is {value}; it must be 1 to {MAX_WIDTH}"));
        }
        if !(1..=MAX_LAYERS).contains(&self.num_layers) {
            return unsupported(format!(
                "num_layers {}: it must be 1 to {MAX_LAYERS}",
                self.num_layers
            ));
        }
        if !(1..=MAX_ROPE_LEN).contains(&self.rope_max_seq_len) {
            return unsupported(format!(
                "rope_max_seq_len {}: it must be 1 to {MAX_ROPE_LEN}",
                self.rope_max_seq_len
            ));
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return unsupported(format!(
                "eps {}: it must be a small positive number",
                self.eps
            ));
        }
        Ok(())
    }

    /// Model width.
    pub fn inner_dim(&self) -> usize {
        self.num_attention_heads * self.attention_head_dim
    }

    /// Latent channels out.
    pub fn out_channels(&self) -> usize {
        self.out_channels.unwrap_or(self.in_channels)
    }

    /// Values per patch: `pt * ph * pw`.
    pub fn patch_volume(&self) -> usize {
        self.patch_size.iter().product()
    }
}

/// Wan2.1 T2V 1.3B (Wan-AI/Wan2.1-T2V-1.3B-Diffusers, transformer/config.json).
const WAN21_T2V_1_3B: &str = r#"{"_class_name":"WanTransformer3DModel","added_kv_proj_dim":null,
    "attention_head_dim":128,"cross_attn_norm":true,"eps":1e-06,"ffn_dim":8960,
    "freq_dim":256,"image_dim":null,"in_channels":16,"num_attention_heads":12,
    "num_layers":30,"out_channels":16,"patch_size":[1,2,2],
    "qk_norm":"rms_norm_across_heads","rope_max_seq_len":1024,"text_dim":4096}"#;

/// Wan2.2 TI2V 5B (Wan-AI/Wan2.2-TI2V-5B-Diffusers, transformer/config.json).
const WAN22_TI2V_5B: &str = r#"{"_class_name":"WanTransformer3DModel","added_kv_proj_dim":null,
    "attention_head_dim":128,"cross_attn_norm":true,"eps":1e-06,"ffn_dim":14336,
    "freq_dim":256,"image_dim":null,"in_channels":48,"num_attention_heads":24,
    "num_layers":30,"out_channels":48,"patch_size":[1,2,2],
    "qk_norm":"rms_norm_across_heads","rope_max_seq_len":1024,"text_dim":4096}"#;

impl DitConfig {
    /// Wan2.1 text-to-video 1.3B, for single files without a config.json.
    pub fn wan21_t2v_1_3b() -> Self {
        serde_json::from_str(WAN21_T2V_1_3B).expect("the built-in Wan2.1 1.3B config parses")
    }

    /// Wan2.2 text-image-to-video 5B.
    pub fn wan22_ti2v_5b() -> Self {
        serde_json::from_str(WAN22_TI2V_5B).expect("the built-in Wan2.2 5B config parses")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_diffusers_config() {
        let config = DitConfig::wan21_t2v_1_3b();
        config.validate().unwrap();
        assert_eq!(config.inner_dim(), 1536);
        assert_eq!(config.patch_volume(), 4);
        let mut bad = config.clone();
        bad.image_dim = Some(1280);
        assert!(bad.validate().is_err());
        for huge in [
            r#"{"patch_size": [1, 18446744073709551615, 2]}"#,
            r#"{"num_attention_heads": 4294967296, "attention_head_dim": 4294967296}"#,
            r#"{"ffn_dim": 0}"#,
            r#"{"num_layers": 1000000}"#,
        ] {
            let mut value: serde_json::Value = serde_json::from_str(WAN21_T2V_1_3B).unwrap();
            for (k, v) in serde_json::from_str::<serde_json::Value>(huge)
                .unwrap()
                .as_object()
                .unwrap()
            {
                value[k] = v.clone();
            }
            let bad: DitConfig = serde_json::from_value(value).unwrap();
            assert!(bad.validate().is_err(), "{huge}");
        }
        let five = DitConfig::wan22_ti2v_5b();
        five.validate().unwrap();
        assert_eq!((five.inner_dim(), five.in_channels), (3072, 48));
    }
}
