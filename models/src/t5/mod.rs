//! Wan's text encoder: the umT5 encoder (transformers' `UMT5EncoderModel`) with its loader of
//! transformers' and ComfyUI's weights, umT5's tokenizer from `tokenizer.json` or a SentencePiece model, Wan's prompt
//! cleaning, and prompt embeddings as Wan's pipeline makes them, cached per prompt.

mod attention;
mod block;
mod clean;
mod config;
mod encoder;
mod ffn;
mod prompt;
mod spiece;
mod streamed;
mod tokenizer;

pub use crate::weights::{LoadError, LoadReport};
pub use attention::{
    bucket_tensor, relative_position_bucket, relative_position_buckets, SelfAttention,
};
pub use block::{t5_layer_norm, EncoderBlock};
pub use clean::{html_unescape, prompt_clean};
pub use config::{Activation, T5Config, T5ConfigError};
pub use encoder::{T5LoadError, UmT5Encoder};
pub use ffn::FeedForward;
pub use prompt::{
    prompt_embeds, PromptEncoder, PromptError, DEFAULT_CACHE_CAPACITY, DEFAULT_MAX_SEQUENCE_LENGTH,
};
pub use spiece::{Piece, PieceKind, SentencePieceModel, SpieceError};
pub use streamed::{StreamedUmT5, TextEncoder};
pub use tokenizer::{PromptTokenizer, TokenBatch, TokenizerError, EOS_TOKEN, PAD_TOKEN};
