//! A SentencePiece model (`spiece.model`, or the `spiece_model` tensor ComfyUI's umT5 files
//! carry) as the single-files tokenizer reads it (`PromptTokenizer::from_sentencepiece`: a
//! protocol buffer, pieces, the precompiled normalisation map), then prompts tokenized.

use std::path::Path;
use std::time::Duration;

use models::t5::PromptTokenizer;

use super::{answer, Target, TargetSpec, PROMPTS};
use crate::mutate::Format;

pub const SPEC: TargetSpec = TargetSpec {
    name: "spiece-model",
    about: "a SentencePiece model protobuf (spiece.model / spiece_model) and prompts tokenized",
    format: Format::Binary,
    max_len: 16 << 10,
    time_limit: Duration::from_secs(2),
    extension: "model",
    dictionary: &[
        b"\x0a",
        b"\x12",
        b"\x1a",
        b"\x15",
        b"\x18\x01",
        b"\x18\x02",
        b"\x18\x03",
        b"\x18\x06",
        b"\x18\x01\x98\x02\x01",
        b"</s>",
        b"<pad>",
        b"<unk>",
        "▁".as_bytes(),
        b"\xff\xff\xff\xff\x0f",
    ],
    make,
};

struct SpieceTarget;

fn make(_scratch: &Path) -> anyhow::Result<Box<dyn Target>> {
    Ok(Box::new(SpieceTarget))
}

impl Target for SpieceTarget {
    fn run(&mut self, input: &[u8]) -> Result<String, String> {
        let loaded = PromptTokenizer::from_sentencepiece(input);
        let signature = answer("load", &loaded);
        if let Ok(tokenizer) = loaded {
            for max_len in [2, 64] {
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
