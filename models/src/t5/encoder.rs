//! The whole encoder (transformers' `UMT5EncoderModel`) and its loader of transformers'
//! (and ComfyUI's) safetensors files.

use std::path::Path;

use burn::nn::{Embedding, EmbeddingConfig, RmsNorm};
use burn::prelude::*;

use super::attention::{bucket_tensor, SelfAttention};
use super::block::{t5_layer_norm, EncoderBlock};
use super::config::{T5Config, T5ConfigError};
use crate::precision::{rms_norm, to_f32};
use crate::weights::{LoadError, WeightFiles, Weights};

/// The token embedding's name in transformers' files.
const SHARED: &str = "shared.weight";
/// The same matrix under the encoder's name (tied to `shared.weight`); some files have it too,
/// some only it.
const EMBED_TOKENS: &str = "encoder.embed_tokens.weight";

/// Loading the encoder failed.
#[derive(Debug, thiserror::Error)]
pub enum T5LoadError {
    /// The config is not one this encoder supports.
    #[error(transparent)]
    Config(#[from] T5ConfigError),
    /// The weights file is unreadable or does not fit the config.
    #[error(transparent)]
    Weights(#[from] LoadError),
}

/// Wan's text encoder: the umT5 encoder stack.
#[derive(Module, Debug)]
pub struct UmT5Encoder {
    /// shared: the token embedding [vocab, d_model].
    pub shared: Embedding,
    /// encoder.block.
    pub blocks: Vec<EncoderBlock>,
    /// encoder.final_layer_norm.
    pub final_layer_norm: RmsNorm,
    /// Model width.
    pub d_model: usize,
    /// Attention heads.
    pub heads: usize,
    /// Relative position buckets.
    pub num_buckets: usize,
    /// Relative distance of the last bucket.
    pub max_distance: usize,
}

impl UmT5Encoder {
    /// Random weights for `config` (checked with [`T5Config::validate`]).
    pub fn init(config: &T5Config, device: &Device) -> Result<Self, T5ConfigError> {
        config.validate()?;
        Ok(Self {
            shared: EmbeddingConfig::new(config.vocab_size, config.d_model).init(device),
            blocks: (0..config.num_layers)
                .map(|_| EncoderBlock::init(config, device))
                .collect::<Result<_, _>>()?,
            final_layer_norm: t5_layer_norm(config, device),
            d_model: config.d_model,
            heads: config.num_heads,
            num_buckets: config.relative_attention_num_buckets,
            max_distance: config.relative_attention_max_distance,
        })
    }

    /// The encoder for `config` with the weights at `weights` in transformers' names:
    /// `model.safetensors` as `UMT5EncoderModel.save_pretrained` writes it, a diffusers
    /// `text_encoder/` folder (sharded through its index), or ComfyUI's single file
    /// (`text_encoders/umt5_xxl_fp16.safetensors`, also fp8-scaled); memory-mapped. The token embedding may be stored as
    /// `shared.weight`, `encoder.embed_tokens.weight` or both (tied). A file that does not fit
    /// reports every missing, unexpected and mis-shaped tensor.
    pub fn load(
        config: &T5Config,
        weights: impl AsRef<Path>,
        device: &Device,
    ) -> Result<Self, T5LoadError> {
        Self::from_files(config, &WeightFiles::open(weights)?, device)
    }

    /// As [`Self::load`], from weights already opened.
    pub fn from_files(
        config: &T5Config,
        file: &WeightFiles,
        device: &Device,
    ) -> Result<Self, T5LoadError> {
        let mut model = Self::init(config, device)?;
        let mut w = Weights::translated(file, &|name| Some(name.to_owned()));

        let embedding = if !file.contains(SHARED) && file.contains(EMBED_TOKENS) {
            EMBED_TOKENS
        } else {
            SHARED
        };
        w.param(&mut model.shared.weight, embedding);
        if embedding == SHARED && file.contains(EMBED_TOKENS) {
            // The tied copy: checked for shape, not used.
            w.check_shape(EMBED_TOKENS, &[config.vocab_size, config.d_model]);
        }

        for (i, block) in model.blocks.iter_mut().enumerate() {
            let p = format!("encoder.block.{i}.layer");
            load_attention(
                &mut w,
                &mut block.attention,
                &format!("{p}.0.SelfAttention"),
            );
            w.rms_norm(&mut block.attention_norm, &format!("{p}.0.layer_norm"));
            let ffn = &mut block.ffn;
            match ffn.wi_1.as_mut() {
                Some(gate) => {
                    w.linear(&mut ffn.wi_0, &format!("{p}.1.DenseReluDense.wi_0"));
                    w.linear(gate, &format!("{p}.1.DenseReluDense.wi_1"));
                }
                None => w.linear(&mut ffn.wi_0, &format!("{p}.1.DenseReluDense.wi")),
            }
            w.linear(&mut ffn.wo, &format!("{p}.1.DenseReluDense.wo"));
            w.rms_norm(&mut block.ffn_norm, &format!("{p}.1.layer_norm"));
        }
        w.rms_norm(&mut model.final_layer_norm, "encoder.final_layer_norm");
        w.finish()?;
        Ok(model)
    }

    /// `input_ids` [B, L] and `attention_mask` [B, L] (1: a token, 0: padding) ->
    /// `last_hidden_state` [B, L, d_model]. Padded positions get values too (they attend to the
    /// tokens), as in the reference; Wan's pipeline zeroes them afterwards.
    pub fn forward(&self, input_ids: Tensor<2, Int>, attention_mask: Tensor<2, Int>) -> Tensor<3> {
        let [b, l] = input_ids.dims();
        let device = input_ids.device();
        let buckets = bucket_tensor(l, self.num_buckets, self.max_distance, &device);
        // [B, L] -> [B, 1, 1, L]: true where the key is padding (broadcast over heads and
        // queries inside the attention).
        let masked = attention_mask.equal_elem(0).reshape([b, 1, 1, l]);
        let embedded = self.shared.forward(input_ids);
        let dtype = embedded.dtype().into();
        // The residual stream in f32, the layers in the compute dtype (see EncoderBlock).
        let mut x = to_f32(embedded);
        for block in &self.blocks {
            x = block.forward(x, buckets.clone(), masked.clone(), dtype);
        }
        rms_norm(&self.final_layer_norm, x, dtype)
    }
}

fn load_attention(w: &mut Weights<'_>, attn: &mut SelfAttention, prefix: &str) {
    w.linear(&mut attn.q, &format!("{prefix}.q"));
    w.linear(&mut attn.k, &format!("{prefix}.k"));
    w.linear(&mut attn.v, &format!("{prefix}.v"));
    w.linear(&mut attn.o, &format!("{prefix}.o"));
    w.param(
        &mut attn.relative_attention_bias.weight,
        &format!("{prefix}.relative_attention_bias.weight"),
    );
}
