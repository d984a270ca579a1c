//! The text encoder's configuration, as transformers' `UMT5Config` writes it to `config.json`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// `config.json` of a transformers `UMT5EncoderModel` (Wan's `text_encoder/config.json`).
/// Unknown keys (`architectures`, `dropout_rate`, `tie_word_embeddings`, ...) are ignored.
///
/// As in transformers, the feed-forward activation and gating come from `feed_forward_proj`
/// (`"gated-gelu"` means gated GELU with the tanh approximation, `gelu_new`); the
/// `dense_act_fn` and `is_gated_act` keys that `save_pretrained` also writes are kept for
/// information only.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct T5Config {
    /// Rows of the token embedding (`shared.weight`).
    pub vocab_size: usize,
    /// Model width.
    pub d_model: usize,
    /// Channels per attention head.
    pub d_kv: usize,
    /// Feed-forward inner width.
    pub d_ff: usize,
    /// Encoder blocks.
    pub num_layers: usize,
    /// Attention heads.
    pub num_heads: usize,
    /// Relative position buckets (both directions together).
    #[serde(default = "default_buckets")]
    pub relative_attention_num_buckets: usize,
    /// Distance from which all relative positions share the last bucket.
    #[serde(default = "default_max_distance")]
    pub relative_attention_max_distance: usize,
    /// Epsilon of every RMS norm.
    #[serde(default = "default_eps")]
    pub layer_norm_epsilon: f64,
    /// `"gated-gelu"` (umT5), `"relu"` (T5 v1.0), `"gated-silu"`, ...: `[gated-]ACTIVATION`.
    #[serde(default = "default_ffn")]
    pub feed_forward_proj: String,
    /// Written by transformers, derived from `feed_forward_proj`; informational.
    #[serde(default)]
    pub dense_act_fn: Option<String>,
    /// Written by transformers, derived from `feed_forward_proj`; informational.
    #[serde(default)]
    pub is_gated_act: Option<bool>,
    /// `"umt5"`; `"t5"` is refused (T5 shares one relative bias across layers).
    #[serde(default)]
    pub model_type: Option<String>,
    /// Must be false: only the encoder is implemented.
    #[serde(default)]
    pub is_decoder: bool,
}

fn default_buckets() -> usize {
    32
}
fn default_max_distance() -> usize {
    128
}
fn default_eps() -> f64 {
    1e-6
}
fn default_ffn() -> String {
    "gated-gelu".to_owned()
}

/// The feed-forward activation (transformers' `ACT2FN` names it supports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `relu`.
    Relu,
    /// `gelu`: the exact (erf) GELU.
    Gelu,
    /// `gelu_new`, `gelu_pytorch_tanh`, `gelu_fast`: the tanh approximation (umT5).
    GeluTanh,
    /// `silu` / `swish`.
    Silu,
}

impl Activation {
    /// The activation for one of transformers' `ACT2FN` names.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "relu" => Self::Relu,
            "gelu" => Self::Gelu,
            "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" => Self::GeluTanh,
            "silu" | "swish" => Self::Silu,
            _ => return None,
        })
    }
}

/// A config file that cannot be read or is not one this encoder supports.
#[derive(Debug, thiserror::Error)]
pub enum T5ConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid config.
    #[error("{path} is not a UMT5 encoder config.json: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A setting this implementation does not support.
    #[error("unsupported umT5 config: {0}")]
    Unsupported(String),
}

impl T5Config {
    /// umT5-XXL, the text encoder of every Wan model (Wan's `text_encoder/config.json`): for
    /// single-file weights such as ComfyUI's `umt5_xxl_fp16.safetensors`, which come without a
    /// config.
    pub fn umt5_xxl() -> Self {
        Self {
            vocab_size: 256_384,
            d_model: 4096,
            d_kv: 64,
            d_ff: 10_240,
            num_layers: 24,
            num_heads: 64,
            relative_attention_num_buckets: 32,
            relative_attention_max_distance: 128,
            layer_norm_epsilon: 1e-6,
            feed_forward_proj: default_ffn(),
            dense_act_fn: Some("gelu_new".to_owned()),
            is_gated_act: Some(true),
            model_type: Some("umt5".to_owned()),
            is_decoder: false,
        }
    }

    /// Reads and checks a `config.json`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, T5ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| T5ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        let config: Self = serde_json::from_str(&text).map_err(|source| T5ConfigError::Json {
            path: path.to_owned(),
            source,
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks the settings this implementation supports.
    pub fn validate(&self) -> Result<(), T5ConfigError> {
        let unsupported = |m: String| Err(T5ConfigError::Unsupported(m));
        match self.model_type.as_deref() {
            None | Some("umt5") => {}
            Some("t5") => {
                return unsupported(
                    "model_type \"t5\": only umT5 (a relative attention bias in every layer) \
                     is implemented"
                        .into(),
                )
            }
            Some(other) => return unsupported(format!("model_type {other:?}, expected \"umt5\"")),
        }
        if self.is_decoder {
            return unsupported("is_decoder: only the encoder is implemented".into());
        }
        let dims = [
            ("vocab_size", self.vocab_size),
            ("d_model", self.d_model),
            ("d_kv", self.d_kv),
            ("d_ff", self.d_ff),
            ("num_layers", self.num_layers),
            ("num_heads", self.num_heads),
        ];
        if let Some((name, _)) = dims.iter().find(|(_, v)| *v == 0) {
            return unsupported(format!("{name} is 0"));
        }
        // Far beyond umT5-XXL (256384 tokens, 4096 wide, 24 layers of 64 heads), yet small
        // enough that the sizes computed from a config stay within 64 bits.
        let limits = [
            ("vocab_size", self.vocab_size, 1 << 22),
            ("d_model", self.d_model, 1 << 16),
            ("d_kv", self.d_kv, 1 << 12),
            ("d_ff", self.d_ff, 1 << 18),
            ("num_layers", self.num_layers, 1 << 10),
            ("num_heads", self.num_heads, 1 << 10),
            (
                "relative_attention_num_buckets",
                self.relative_attention_num_buckets,
                1 << 16,
            ),
        ];
        if let Some((name, value, max)) = limits.iter().find(|(_, v, max)| v > max) {
            return unsupported(format!("{name} is {value}; at most {max}"));
        }
        // Bidirectional buckets: half per direction, half of those exact.
        let exact = self.relative_attention_num_buckets / 4;
        if exact == 0 || self.relative_attention_max_distance <= exact {
            return unsupported(format!(
                "relative_attention_num_buckets {} with max distance {}: needs at least 4 \
                 buckets and a max distance above a quarter of them",
                self.relative_attention_num_buckets, self.relative_attention_max_distance
            ));
        }
        if self.layer_norm_epsilon.is_nan() || self.layer_norm_epsilon <= 0.0 {
            return unsupported(format!("layer_norm_epsilon {}", self.layer_norm_epsilon));
        }
        self.feed_forward()?;
        Ok(())
    }

    /// (gated, activation) from `feed_forward_proj`, as transformers derives them.
    pub fn feed_forward(&self) -> Result<(bool, Activation), T5ConfigError> {
        let parts: Vec<&str> = self.feed_forward_proj.split('-').collect();
        let (gated, name) = match parts[..] {
            [name] => (false, name),
            ["gated", name] => (true, name),
            _ => {
                return Err(T5ConfigError::Unsupported(format!(
                    "feed_forward_proj {:?}: expected \"gated-ACT\" or \"ACT\"",
                    self.feed_forward_proj
                )))
            }
        };
        // transformers: "gated-gelu" is the tanh approximation.
        let name = if self.feed_forward_proj == "gated-gelu" {
            "gelu_new"
        } else {
            name
        };
        let activation = Activation::from_name(name).ok_or_else(|| {
            T5ConfigError::Unsupported(format!(
                "activation {name:?} (from feed_forward_proj {:?})",
                self.feed_forward_proj
            ))
        })?;
        Ok((gated, activation))
    }

    /// Attention width: `num_heads * d_kv`.
    pub fn inner_dim(&self) -> usize {
        self.num_heads * self.d_kv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wan2.1's `text_encoder/config.json` (diffusers layout), umT5-XXL.
    const UMT5_XXL: &str = r#"{
        "architectures": ["UMT5EncoderModel"], "classifier_dropout": 0.0, "d_ff": 10240,
        "d_kv": 64, "d_model": 4096, "decoder_start_token_id": 0, "dense_act_fn": "gelu_new",
        "dropout_rate": 0.1, "eos_token_id": 1, "feed_forward_proj": "gated-gelu",
        "initializer_factor": 1.0, "is_encoder_decoder": true, "is_gated_act": true,
        "layer_norm_epsilon": 1e-06, "model_type": "umt5", "num_decoder_layers": 24,
        "num_heads": 64, "num_layers": 24, "output_past": true, "pad_token_id": 0,
        "relative_attention_max_distance": 128, "relative_attention_num_buckets": 32,
        "scalable_attention": true, "tie_word_embeddings": false, "torch_dtype": "float32",
        "transformers_version": "4.47.0.dev0", "use_cache": true, "vocab_size": 256384}"#;

    #[test]
    fn parses_umt5_xxl() {
        let config: T5Config = serde_json::from_str(UMT5_XXL).unwrap();
        config.validate().unwrap();
        assert_eq!(config, T5Config::umt5_xxl());
        assert_eq!(config.inner_dim(), 4096);
        assert_eq!(config.feed_forward().unwrap(), (true, Activation::GeluTanh));
    }

    #[test]
    fn sizes_beyond_any_model_are_refused() {
        let mut t5 = T5Config::umt5_xxl();
        t5.num_layers = 1 << 40;
        assert!(t5
            .validate()
            .unwrap_err()
            .to_string()
            .contains("num_layers"));
        let mut t5 = T5Config::umt5_xxl();
        t5.d_model = usize::MAX;
        assert!(t5.validate().is_err());
    }

    #[test]
    fn refuses_what_it_cannot_run() {
        let base = T5Config::umt5_xxl();
        let mut t5 = base.clone();
        t5.model_type = Some("t5".into());
        assert!(t5.validate().unwrap_err().to_string().contains("only umT5"));
        let mut act = base.clone();
        act.feed_forward_proj = "gated-mish".into();
        assert!(act.validate().unwrap_err().to_string().contains("mish"));
        let mut buckets = base.clone();
        buckets.relative_attention_num_buckets = 2;
        assert!(buckets.validate().is_err());
        let mut zero = base;
        zero.num_heads = 0;
        assert!(zero
            .validate()
            .unwrap_err()
            .to_string()
            .contains("num_heads"));
    }

    #[test]
    fn activation_follows_feed_forward_proj() {
        let mut config = T5Config::umt5_xxl();
        config.feed_forward_proj = "relu".into();
        assert_eq!(config.feed_forward().unwrap(), (false, Activation::Relu));
        config.feed_forward_proj = "gated-silu".into();
        assert_eq!(config.feed_forward().unwrap(), (true, Activation::Silu));
        // A wrong DiT config is not mistaken for a text encoder config.
        let dit = r#"{"_class_name":"WanTransformer3DModel","num_layers":30}"#;
        assert!(serde_json::from_str::<T5Config>(dit).is_err());
    }
}
