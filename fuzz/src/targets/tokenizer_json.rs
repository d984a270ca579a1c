//! umT5's `tokenizer.json` as a diffusers package's tokenizer is loaded
//! (`PromptTokenizer::from_file`), then used as generation uses it: prompts tokenized to a
//! fixed length.

use std::path::{Path, PathBuf};
use std::time::Duration;

use models::t5::PromptTokenizer;

use super::{answer, Target, TargetSpec, PROMPTS};
use crate::mutate::Format;

pub const SPEC: TargetSpec = TargetSpec {
    name: "tokenizer-json",
    about: "tokenizer.json (Unigram, Metaspace, precompiled normaliser) and prompts tokenized",
    format: Format::Json,
    max_len: 64 << 10,
    time_limit: Duration::from_secs(2),
    extension: "json",
    dictionary: &[
        b"model",
        b"type",
        b"Unigram",
        b"BPE",
        b"WordPiece",
        b"vocab",
        b"unk_id",
        b"byte_fallback",
        b"normalizer",
        b"Precompiled",
        b"precompiled_charsmap",
        b"Sequence",
        b"normalizers",
        b"Replace",
        b"pattern",
        b"Regex",
        b"String",
        b"content",
        b"pre_tokenizer",
        b"pretokenizers",
        b"Metaspace",
        b"WhitespaceSplit",
        b"replacement",
        "▁".as_bytes(),
        b"prepend_scheme",
        b"always",
        b"split",
        b"post_processor",
        b"TemplateProcessing",
        b"single",
        b"pair",
        b"special_tokens",
        b"SpecialToken",
        b"id",
        b"ids",
        b"tokens",
        b"added_tokens",
        b"special",
        b"</s>",
        b"<pad>",
        b"<unk>",
        b"decoder",
        b"truncation",
        b"padding",
        b"max_length",
        b"version",
    ],
    make,
};

struct TokenizerTarget {
    file: PathBuf,
}

fn make(scratch: &Path) -> anyhow::Result<Box<dyn Target>> {
    Ok(Box::new(TokenizerTarget {
        file: scratch.join("tokenizer.json"),
    }))
}

impl Target for TokenizerTarget {
    fn run(&mut self, input: &[u8]) -> Result<String, String> {
        std::fs::write(&self.file, input).map_err(|e| format!("scratch folder: {e}"))?;
        let loaded = PromptTokenizer::from_file(&self.file);
        let signature = answer("load", &loaded);
        if let Ok(tokenizer) = loaded {
            for max_len in [1, 8, 64] {
                if let Ok(batch) = tokenizer.encode_batch(&PROMPTS, max_len) {
                    if batch.ids.iter().any(|row| row.len() != max_len) {
                        return Err(format!("a row is not {max_len} tokens long"));
                    }
                }
            }
        }
        Ok(signature)
    }
}
