//! Prompt embeddings as Wan's pipeline makes them (diffusers'
//! `WanPipeline._get_t5_prompt_embeds`): clean, tokenize to a fixed length, run the encoder,
//! keep each prompt's tokens and zero the padding. Cached per prompt: the encoder runs once,
//! and its weights may be released between runs (the cache stays) and put back for a new
//! prompt.

use std::collections::VecDeque;

use burn::prelude::*;

use super::clean::prompt_clean;
use super::encoder::UmT5Encoder;
use super::streamed::TextEncoder;
use super::tokenizer::{PromptTokenizer, TokenBatch, TokenizerError};

/// Wan's default `max_sequence_length` (the DiT's text length).
pub const DEFAULT_MAX_SEQUENCE_LENGTH: usize = 512;
/// Prompts kept by default (each `[1, 512, 4096]` f32 is 8 MiB).
pub const DEFAULT_CACHE_CAPACITY: usize = 8;

/// The pipeline's embeddings of a tokenized batch: `[B, max_len, d_model]`, the encoder's
/// output for each prompt's `seq_len` tokens and zeros after them.
pub fn prompt_embeds(encoder: &UmT5Encoder, batch: &TokenBatch, device: &Device) -> Tensor<3> {
    let (ids, mask) = batch.tensors(device);
    let [b, l] = ids.dims();
    let hidden = encoder.forward(ids, mask.clone());
    // Right padding: the mask is 1 for the first seq_len positions, so multiplying by it keeps
    // exactly `u[:seq_len]` and zeroes the rest.
    hidden * mask.float().reshape([b, l, 1])
}

/// Why prompts could not be encoded.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    /// The text could not be tokenized.
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
    /// A prompt is not cached and the encoder's weights were released.
    #[error("the text encoder was released; put it back before encoding a new prompt")]
    Released,
}

/// Tokenizer + encoder + a small cache of prompt embeddings.
pub struct PromptEncoder {
    tokenizer: PromptTokenizer,
    /// `None` once released.
    encoder: Option<TextEncoder>,
    device: Device,
    max_sequence_length: usize,
    capacity: usize,
    /// Least recently used first.
    cache: VecDeque<((String, usize), Tensor<3>)>,
    encoder_runs: usize,
}

impl PromptEncoder {
    /// Prompts of up to [`DEFAULT_MAX_SEQUENCE_LENGTH`] tokens, the last
    /// [`DEFAULT_CACHE_CAPACITY`] kept. `device` is where `encoder` lives.
    pub fn new(
        tokenizer: PromptTokenizer,
        encoder: impl Into<TextEncoder>,
        device: Device,
    ) -> Self {
        Self {
            tokenizer,
            encoder: Some(encoder.into()),
            device,
            max_sequence_length: DEFAULT_MAX_SEQUENCE_LENGTH,
            capacity: DEFAULT_CACHE_CAPACITY,
            cache: VecDeque::new(),
            encoder_runs: 0,
        }
    }

    /// Tokens per prompt (the pipeline's `max_sequence_length`).
    pub fn with_max_sequence_length(mut self, max_sequence_length: usize) -> Self {
        self.max_sequence_length = max_sequence_length;
        self
    }

    /// How many prompts the cache keeps (0: no cache).
    pub fn with_cache_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        while self.cache.len() > capacity {
            self.cache.pop_front();
        }
        self
    }

    /// Tokens per prompt.
    pub fn max_sequence_length(&self) -> usize {
        self.max_sequence_length
    }

    /// Changes the tokens per prompt (the cached embeddings of other lengths are not used).
    pub fn set_max_sequence_length(&mut self, max_sequence_length: usize) {
        self.max_sequence_length = max_sequence_length;
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &PromptTokenizer {
        &self.tokenizer
    }

    /// The encoder, unless released.
    pub fn encoder(&self) -> Option<&TextEncoder> {
        self.encoder.as_ref()
    }

    /// Takes the encoder's weights out (dropping the result frees their memory); cached
    /// prompts still encode, a new one needs [`Self::put_encoder`] first.
    pub fn release_encoder(&mut self) -> Option<TextEncoder> {
        self.encoder.take()
    }

    /// Puts the encoder back after [`Self::release_encoder`].
    pub fn put_encoder(&mut self, encoder: impl Into<TextEncoder>) {
        self.encoder = Some(encoder.into());
    }

    /// Whether every one of `prompts` is in the cache (encoding them runs nothing).
    pub fn all_cached(&self, prompts: &[&str]) -> bool {
        prompts.iter().all(|p| {
            self.cache
                .iter()
                .any(|((q, l), _)| q == p && *l == self.max_sequence_length)
        })
    }

    /// How many times the encoder has run (cache hits do not run it).
    pub fn encoder_runs(&self) -> usize {
        self.encoder_runs
    }

    /// Forgets every cached prompt.
    pub fn clear_cache(&mut self) {
        self.cache.clear();
    }

    /// The embeddings of one prompt: `[1, max_sequence_length, d_model]`, from the cache when
    /// the same text was encoded at the same length recently.
    pub fn encode(&mut self, prompt: &str) -> Result<Tensor<3>, PromptError> {
        self.encode_many(&[prompt])
    }

    /// The embeddings of several prompts (e.g. the prompt and the negative prompt):
    /// `[B, max_sequence_length, d_model]`. Prompts not in the cache are encoded together in one
    /// batch.
    pub fn encode_many(&mut self, prompts: &[&str]) -> Result<Tensor<3>, PromptError> {
        let mut found: Vec<Option<Tensor<3>>> = prompts.iter().map(|p| self.lookup(p)).collect();
        let mut missing: Vec<&str> = Vec::new();
        for (prompt, hit) in prompts.iter().zip(&found) {
            if hit.is_none() && !missing.contains(prompt) {
                missing.push(prompt);
            }
        }
        if !missing.is_empty() {
            let encoder = self.encoder.as_ref().ok_or(PromptError::Released)?;
            let cleaned: Vec<String> = missing.iter().map(|p| prompt_clean(p)).collect();
            let cleaned: Vec<&str> = cleaned.iter().map(String::as_str).collect();
            let batch = self
                .tokenizer
                .encode_batch(&cleaned, self.max_sequence_length)?;
            let embeds = match encoder {
                TextEncoder::Resident(encoder) => prompt_embeds(encoder, &batch, &self.device),
                TextEncoder::Streamed(encoder) => {
                    let hidden = encoder
                        .forward(&batch.ids, &batch.mask, &self.device)
                        .map_err(|e| TokenizerError::Weights(Box::new(e)))?;
                    let (_, mask) = batch.tensors(&self.device);
                    let [b, l] = mask.dims();
                    hidden * mask.float().reshape([b, l, 1])
                }
            };
            self.encoder_runs += 1;
            let rows = embeds.split(1, 0);
            for (prompt, slot) in prompts.iter().zip(found.iter_mut()) {
                if slot.is_none() {
                    let at = missing.iter().position(|m| m == prompt);
                    *slot = at.map(|at| rows[at].clone());
                }
            }
            for (prompt, row) in missing.iter().zip(rows) {
                self.remember((*prompt).to_owned(), row);
            }
        }
        let rows: Vec<Tensor<3>> = found.into_iter().flatten().collect();
        Ok(Tensor::cat(rows, 0))
    }

    fn lookup(&mut self, prompt: &str) -> Option<Tensor<3>> {
        let key_len = self.max_sequence_length;
        let at = self
            .cache
            .iter()
            .position(|((p, l), _)| p == prompt && *l == key_len)?;
        let entry = self.cache.remove(at)?;
        let value = entry.1.clone();
        self.cache.push_back(entry);
        Some(value)
    }

    fn remember(&mut self, prompt: String, embeds: Tensor<3>) {
        if self.capacity == 0 {
            return;
        }
        while self.cache.len() >= self.capacity {
            self.cache.pop_front();
        }
        self.cache
            .push_back(((prompt, self.max_sequence_length), embeds));
    }
}
