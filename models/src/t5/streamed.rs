//! umT5 run straight from its memory-mapped file, one block at a time: for each prompt batch,
//! the token embeddings of just those ids are read, then each block's weights are converted to
//! the device's dtype, the block runs, and its weights are dropped before the next one is read.
//! At most one block (~0.4 GB in f16 for umT5-XXL) is resident besides the activations, so an
//! 11 GB (fp16) or 6.7 GB (fp8-scaled) text encoder never occupies the host or the GPU for
//! longer than a prompt takes to encode. The price is reading the file again for each new
//! prompt, which the prompt cache makes rare.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use burn::prelude::*;
use burn::tensor::TensorData;

use super::attention::bucket_tensor;
use super::block::{t5_layer_norm, EncoderBlock};
use super::config::T5Config;
use super::encoder::T5LoadError;
use crate::expected::check_t5;
use crate::precision::{rms_norm, to_f32};
use crate::weights::{LoadError, WeightFiles, Weights};

/// The token embedding's names (tied: either may be present).
const EMBEDDINGS: [&str; 2] = ["shared.weight", "encoder.embed_tokens.weight"];

/// umT5 whose weights stay in the file until a forward needs them.
#[derive(Clone)]
pub struct StreamedUmT5 {
    config: T5Config,
    files: Arc<WeightFiles>,
    path: PathBuf,
}

impl std::fmt::Debug for StreamedUmT5 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamedUmT5")
            .field("path", &self.path)
            .field("layers", &self.config.num_layers)
            .finish()
    }
}

impl StreamedUmT5 {
    /// Maps the weights at `weights` and checks, from the header alone, that every tensor of
    /// `config` is there with its shape.
    pub fn open(config: &T5Config, weights: impl AsRef<Path>) -> Result<Self, T5LoadError> {
        Self::from_files(config, WeightFiles::open(weights)?)
    }

    /// As [`Self::open`], from weights already opened.
    pub fn from_files(config: &T5Config, files: WeightFiles) -> Result<Self, T5LoadError> {
        config.validate()?;
        check_t5(config, &files)?;
        Ok(Self {
            config: config.clone(),
            path: files.path().to_owned(),
            files: Arc::new(files),
        })
    }

    /// Its config.
    pub fn config(&self) -> &T5Config {
        &self.config
    }

    /// As [`super::UmT5Encoder::forward`]: `input_ids` and `attention_mask` [B, L] ->
    /// `last_hidden_state` [B, L, d_model] on `device`, loading each block as it goes.
    pub fn forward(
        &self,
        ids: &[Vec<i64>],
        mask: &[Vec<i64>],
        device: &Device,
    ) -> Result<Tensor<3>, LoadError> {
        let config = &self.config;
        let (b, l, d) = (ids.len(), ids.first().map_or(0, Vec::len), config.d_model);
        let flat: Vec<usize> = ids
            .iter()
            .flatten()
            .map(|&id| usize::try_from(id).unwrap_or(0))
            .collect();
        let mut w = Weights::translated(&self.files, &|name| Some(name.to_owned()));
        let embedding = EMBEDDINGS
            .into_iter()
            .find(|name| self.files.contains(name))
            .unwrap_or(EMBEDDINGS[0]);
        let rows = w.rows(embedding, &[config.vocab_size, d], &flat);
        w.finish_part()?;
        let rows = rows.unwrap_or_default();
        let embedded = Tensor::<3>::from_data(TensorData::new(rows, [b, l, d]), device);
        let dtype = embedded.dtype().into();
        // The residual stream in f32, the layers in the compute dtype (as the resident encoder).
        let mut x = to_f32(embedded);

        let heads = config.num_heads;
        let buckets = bucket_tensor(
            l,
            config.relative_attention_num_buckets,
            config.relative_attention_max_distance,
            device,
        );
        let flat_mask: Vec<i64> = mask.iter().flatten().copied().collect();
        let masked = Tensor::<2, Int>::from_data(TensorData::new(flat_mask, [b, l]), device)
            .equal_elem(0)
            .reshape([b, 1, 1, l])
            .expand([b, heads, l, l]);
        for i in 0..config.num_layers {
            let block = self.block(i, device)?;
            x = block.forward(x, buckets.clone(), masked.clone(), dtype);
        }
        let mut norm = t5_layer_norm(config, device);
        let mut w = Weights::translated(&self.files, &|name| Some(name.to_owned()));
        w.rms_norm(&mut norm, "encoder.final_layer_norm");
        w.finish_part()?;
        Ok(rms_norm(&norm, x, dtype))
    }

    /// Block `i` with its weights, on `device`.
    fn block(&self, i: usize, device: &Device) -> Result<EncoderBlock, LoadError> {
        let prefix = format!("encoder.block.{i}.");
        let mut w = Weights::translated(&self.files, &|name| {
            name.starts_with(&prefix).then(|| name.to_owned())
        });
        let mut block =
            EncoderBlock::init(&self.config, device).map_err(|e| LoadError::NoWeights {
                path: self.path.clone(),
                reason: e.to_string(),
            })?;
        let p = format!("encoder.block.{i}.layer");
        let attention = &mut block.attention;
        let a = format!("{p}.0.SelfAttention");
        w.linear(&mut attention.q, &format!("{a}.q"));
        w.linear(&mut attention.k, &format!("{a}.k"));
        w.linear(&mut attention.v, &format!("{a}.v"));
        w.linear(&mut attention.o, &format!("{a}.o"));
        w.param(
            &mut attention.relative_attention_bias.weight,
            &format!("{a}.relative_attention_bias.weight"),
        );
        w.rms_norm(&mut block.attention_norm, &format!("{p}.0.layer_norm"));
        let ffn = &mut block.ffn;
        let f = format!("{p}.1.DenseReluDense");
        match ffn.wi_1.as_mut() {
            Some(gate) => {
                w.linear(&mut ffn.wi_0, &format!("{f}.wi_0"));
                w.linear(gate, &format!("{f}.wi_1"));
            }
            None => w.linear(&mut ffn.wi_0, &format!("{f}.wi")),
        }
        w.linear(&mut ffn.wo, &format!("{f}.wo"));
        w.rms_norm(&mut block.ffn_norm, &format!("{p}.1.layer_norm"));
        w.finish_part()?;
        Ok(block)
    }
}

/// The text encoder a [`super::PromptEncoder`] runs: resident on its device, or streamed from
/// its file.
#[derive(Debug, Clone)]
pub enum TextEncoder {
    Resident(super::UmT5Encoder),
    Streamed(StreamedUmT5),
}

impl From<super::UmT5Encoder> for TextEncoder {
    fn from(encoder: super::UmT5Encoder) -> Self {
        Self::Resident(encoder)
    }
}

impl From<StreamedUmT5> for TextEncoder {
    fn from(encoder: StreamedUmT5) -> Self {
        Self::Streamed(encoder)
    }
}
