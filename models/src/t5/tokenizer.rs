//! umT5's tokenizer from a Hugging Face `tokenizer.json` (SentencePiece Unigram, Metaspace,
//! the precompiled normalizer), called as Wan's pipeline calls transformers' `T5TokenizerFast`:
//! `padding="max_length", truncation=True, add_special_tokens=True`.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::tensor::TensorData;
use tokenizers::{PostProcessor, Tokenizer, TruncationDirection};

/// The end-of-sequence token T5 appends.
pub const EOS_TOKEN: &str = "</s>";
/// The padding token (id 0 in every T5 vocabulary).
pub const PAD_TOKEN: &str = "<pad>";

/// A tokenizer problem.
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    /// The file could not be read or parsed.
    #[error("{path} is not a usable tokenizer.json: {message}")]
    Load { path: PathBuf, message: String },
    /// The vocabulary lacks a token T5 needs.
    #[error("{path} has no `{token}` token: it is not a T5 tokenizer")]
    MissingToken { path: PathBuf, token: &'static str },
    /// Tokenizing a prompt failed.
    #[error("tokenizing {prompt:?} failed: {message}")]
    Encode { prompt: String, message: String },
    /// A SentencePiece model (`spiece.model`, a ComfyUI file's `spiece_model`) is unusable.
    #[error(transparent)]
    SentencePiece(#[from] super::spiece::SpieceError),
    /// The text encoder's weights could not be read while encoding (a streamed encoder).
    #[error("reading the text encoder's weights failed: {0}")]
    Weights(Box<crate::weights::LoadError>),
    /// The length leaves no room for the end-of-sequence token.
    #[error("max length {max_len} is too short: it must hold at least the `</s>` token")]
    MaxLength { max_len: usize },
}

/// Token ids and attention masks of a batch of prompts, each `[B, max_len]` row-major (as
/// transformers' `input_ids` and `attention_mask`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenBatch {
    /// Token ids, padded with `<pad>`.
    pub ids: Vec<Vec<i64>>,
    /// 1 for a token, 0 for padding.
    pub mask: Vec<Vec<i64>>,
}

impl TokenBatch {
    /// Prompts in the batch.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Tokens (padding excluded) of each prompt: Wan's `seq_lens`.
    pub fn seq_lens(&self) -> Vec<usize> {
        self.mask
            .iter()
            .map(|row| row.iter().filter(|m| **m > 0).count())
            .collect()
    }

    /// `(input_ids, attention_mask)` as `[B, max_len]` int tensors on `device`.
    pub fn tensors(&self, device: &Device) -> (Tensor<2, Int>, Tensor<2, Int>) {
        let b = self.ids.len();
        let l = self.ids.first().map_or(0, Vec::len);
        let upload = |rows: &[Vec<i64>]| {
            let flat: Vec<i64> = rows.iter().flatten().copied().collect();
            Tensor::<2, Int>::from_data(TensorData::new(flat, [b, l]), device)
        };
        (upload(&self.ids), upload(&self.mask))
    }
}

/// What a caught panic said.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "no detail".into())
}

/// umT5's tokenizer.
#[derive(Debug, Clone)]
pub struct PromptTokenizer {
    inner: Tokenizer,
    pad_id: u32,
    eos_id: u32,
}

impl PromptTokenizer {
    /// Loads a `tokenizer.json` (e.g. a diffusers Wan folder's `tokenizer/tokenizer.json`).
    /// Any padding or truncation settings in the file are dropped: [`Self::encode_batch`] sets
    /// its own, as the pipeline does.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, TokenizerError> {
        let path = path.as_ref();
        let load = |message: String| TokenizerError::Load {
            path: path.to_owned(),
            message,
        };
        // The tokenizers crate panics (rather than failing) on some malformed sections, e.g. a
        // `Precompiled` normalizer whose map is not base64 or a decoder of a known type with
        // broken fields (found by fuzzing): a damaged file is an error, never a crash.
        let inner = std::panic::catch_unwind(|| Tokenizer::from_file(path))
            .map_err(|panic| {
                load(format!(
                    "a section of it is malformed ({})",
                    panic_text(&*panic)
                ))
            })?
            .map_err(|e| load(e.to_string()))?;
        Self::from_tokenizer(inner, path)
    }

    /// umT5's tokenizer from a serialised SentencePiece model: a `spiece.model` file's bytes,
    /// or the `spiece_model` tensor of ComfyUI's umT5 files; the same ids as transformers'
    /// `T5TokenizerFast` converted from it.
    pub fn from_sentencepiece(bytes: &[u8]) -> Result<Self, TokenizerError> {
        let inner = super::spiece::SentencePieceModel::parse(bytes)?.tokenizer()?;
        Self::from_tokenizer(inner, Path::new("spiece_model"))
    }

    fn from_tokenizer(mut inner: Tokenizer, path: &Path) -> Result<Self, TokenizerError> {
        inner
            .with_truncation(None)
            .map_err(|e| TokenizerError::Load {
                path: path.to_owned(),
                message: e.to_string(),
            })?
            .with_padding(None);
        let id = |token: &'static str| {
            inner
                .token_to_id(token)
                .ok_or_else(|| TokenizerError::MissingToken {
                    path: path.to_owned(),
                    token,
                })
        };
        let (pad_id, eos_id) = (id(PAD_TOKEN)?, id(EOS_TOKEN)?);
        Ok(Self {
            inner,
            pad_id,
            eos_id,
        })
    }

    /// The underlying `tokenizers` tokenizer.
    pub fn inner(&self) -> &Tokenizer {
        &self.inner
    }

    /// Tokenizes `prompts` (already cleaned, see [`super::prompt_clean`]) as transformers does
    /// with `padding="max_length", max_length=max_len, truncation=True,
    /// add_special_tokens=True`: each prompt's tokens, cut to leave room for `</s>`, then `</s>`
    /// (the file's post-processor; appended here if the file has none, as transformers' T5
    /// tokenizer does), then `<pad>` up to `max_len`.
    pub fn encode_batch(
        &self,
        prompts: &[&str],
        max_len: usize,
    ) -> Result<TokenBatch, TokenizerError> {
        let processor = self.inner.get_post_processor();
        let added = processor.map_or(1, |p| p.added_tokens(false));
        if max_len <= added {
            return Err(TokenizerError::MaxLength { max_len });
        }
        let mut batch = TokenBatch {
            ids: Vec::with_capacity(prompts.len()),
            mask: Vec::with_capacity(prompts.len()),
        };
        for prompt in prompts {
            let failed = |e: tokenizers::Error| TokenizerError::Encode {
                prompt: (*prompt).to_owned(),
                message: e.to_string(),
            };
            let mut encoding = self.inner.encode(*prompt, false).map_err(failed)?;
            encoding.truncate(max_len - added, 0, TruncationDirection::Right);
            let mut ids: Vec<i64> = if processor.is_some() {
                let encoding = self
                    .inner
                    .post_process(encoding, None, true)
                    .map_err(failed)?;
                encoding.get_ids().iter().map(|&id| id as i64).collect()
            } else {
                let mut ids: Vec<i64> = encoding.get_ids().iter().map(|&id| id as i64).collect();
                ids.push(self.eos_id as i64);
                ids
            };
            ids.truncate(max_len);
            let mut mask = vec![1; ids.len()];
            mask.resize(max_len, 0);
            ids.resize(max_len, self.pad_id as i64);
            batch.ids.push(ids);
            batch.mask.push(mask);
        }
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_normaliser_map_is_an_error_not_a_panic() {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/t5_tiny/tokenizer.json");
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
        // Found by fuzzing: the tokenizers crate panics on a charsmap that is not base64.
        json["normalizer"]["normalizers"][0]["precompiled_charsmap"] = "not base64 !".into();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokenizer.json");
        std::fs::write(&path, json.to_string()).unwrap();
        let e = PromptTokenizer::from_file(&path).unwrap_err().to_string();
        assert!(
            e.contains("tokenizer.json") && e.contains("malformed"),
            "{e}"
        );
    }
}
