//! umT5's tokenizer from a SentencePiece model (`spiece.model`, or the `spiece_model` byte
//! tensor ComfyUI's umT5 files carry), built as transformers' T5 converter builds
//! `T5TokenizerFast`: the Unigram pieces and scores, the model's precompiled normalisation map
//! then runs of spaces collapsed, whitespace split + Metaspace, `</s>` appended.
//!
//! The SentencePiece model is a protocol buffer (`sentencepiece_model.proto`); only the fields
//! the tokenizer needs are read, with a small wire-format reader, so no protobuf crate is
//! needed.

use tokenizers::models::unigram::Unigram;
use tokenizers::normalizers::{NormalizerWrapper, Precompiled, Replace, Sequence};
use tokenizers::pre_tokenizers::metaspace::{Metaspace, PrependScheme};
use tokenizers::pre_tokenizers::sequence::Sequence as PreSequence;
use tokenizers::pre_tokenizers::whitespace::WhitespaceSplit;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::processors::template::TemplateProcessing;
use tokenizers::{AddedToken, Tokenizer};

/// A SentencePiece model that cannot be read or is not a Unigram model.
#[derive(Debug, thiserror::Error)]
#[error("not a usable SentencePiece model: {0}")]
pub struct SpieceError(pub String);

/// The kinds of piece SentencePiece stores (`SentencePiece.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceKind {
    Normal,
    Unknown,
    Control,
    UserDefined,
    Byte,
    Unused,
}

impl PieceKind {
    fn from_proto(value: u64) -> Self {
        match value {
            2 => Self::Unknown,
            3 => Self::Control,
            4 => Self::UserDefined,
            5 => Self::Unused,
            6 => Self::Byte,
            _ => Self::Normal,
        }
    }
}

/// One vocabulary entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub text: String,
    pub score: f32,
    pub kind: PieceKind,
}

/// What the tokenizer needs of a `ModelProto`.
#[derive(Debug, Clone, PartialEq)]
pub struct SentencePieceModel {
    pub pieces: Vec<Piece>,
    /// `TrainerSpec.model_type`: 1 is Unigram (the default).
    pub model_type: u64,
    pub byte_fallback: bool,
    /// `NormalizerSpec.precompiled_charsmap` (empty: no normalisation map).
    pub precompiled_charsmap: Vec<u8>,
    /// `NormalizerSpec.add_dummy_prefix`: a `▁` before the text.
    pub add_dummy_prefix: bool,
}

/// Reads protocol-buffer wire format: (field number, value) pairs.
struct Wire<'a> {
    bytes: &'a [u8],
}

enum Value<'a> {
    Varint(u64),
    Fixed32([u8; 4]),
    Fixed64,
    Bytes(&'a [u8]),
}

impl<'a> Wire<'a> {
    fn varint(&mut self) -> Result<u64, SpieceError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self
                .bytes
                .split_first()
                .ok_or_else(|| SpieceError("it ends inside a number".into()))?;
            self.bytes = rest;
            value |= u64::from(byte & 0x7F) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(SpieceError("a number is longer than 10 bytes".into()))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], SpieceError> {
        if n > self.bytes.len() {
            return Err(SpieceError("a field runs past the end".into()));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    /// The next field, or `None` at the end.
    fn next(&mut self) -> Result<Option<(u64, Value<'a>)>, SpieceError> {
        if self.bytes.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Value::Fixed64
            }
            2 => {
                let n = usize::try_from(self.varint()?)
                    .map_err(|_| SpieceError("a field length does not fit".into()))?;
                Value::Bytes(self.take(n)?)
            }
            5 => {
                let b = self.take(4)?;
                Value::Fixed32([b[0], b[1], b[2], b[3]])
            }
            wire => return Err(SpieceError(format!("unknown wire type {wire}"))),
        };
        Ok(Some((key >> 3, value)))
    }

    /// Every field of a message.
    fn fields(bytes: &'a [u8]) -> Result<Vec<(u64, Value<'a>)>, SpieceError> {
        let mut wire = Wire { bytes };
        let mut out = Vec::new();
        while let Some(field) = wire.next()? {
            out.push(field);
        }
        Ok(out)
    }
}

impl SentencePieceModel {
    /// Parses a serialised `ModelProto`.
    pub fn parse(bytes: &[u8]) -> Result<Self, SpieceError> {
        let mut model = Self {
            pieces: Vec::new(),
            model_type: 1,
            byte_fallback: false,
            precompiled_charsmap: Vec::new(),
            add_dummy_prefix: true,
        };
        for (field, value) in Wire::fields(bytes)? {
            match (field, value) {
                (1, Value::Bytes(piece)) => model.pieces.push(parse_piece(piece)?),
                (2, Value::Bytes(trainer)) => {
                    for (field, value) in Wire::fields(trainer)? {
                        match (field, value) {
                            (3, Value::Varint(v)) => model.model_type = v,
                            (35, Value::Varint(v)) => model.byte_fallback = v != 0,
                            _ => {}
                        }
                    }
                }
                (3, Value::Bytes(normalizer)) => {
                    for (field, value) in Wire::fields(normalizer)? {
                        match (field, value) {
                            (2, Value::Bytes(map)) => model.precompiled_charsmap = map.to_vec(),
                            (3, Value::Varint(v)) => model.add_dummy_prefix = v != 0,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        if model.pieces.is_empty() {
            return Err(SpieceError("it has no pieces".into()));
        }
        if model.model_type != 1 {
            return Err(SpieceError(format!(
                "it is a type-{} model; umT5 uses a Unigram (type 1) model",
                model.model_type
            )));
        }
        Ok(model)
    }

    /// The id of the `<unk>` piece.
    pub fn unk_id(&self) -> Option<usize> {
        self.pieces
            .iter()
            .position(|p| p.kind == PieceKind::Unknown)
    }

    /// The tokenizer transformers' `T5TokenizerFast` is for this model (without extra ids).
    pub fn tokenizer(&self) -> Result<Tokenizer, SpieceError> {
        let fail = |e: tokenizers::Error| SpieceError(e.to_string());
        let vocab = self
            .pieces
            .iter()
            .map(|p| (p.text.clone(), f64::from(p.score)))
            .collect();
        let unigram = Unigram::from(vocab, self.unk_id(), self.byte_fallback).map_err(fail)?;
        let mut tokenizer = Tokenizer::new(unigram);

        let mut normalizers: Vec<NormalizerWrapper> = Vec::new();
        if !self.precompiled_charsmap.is_empty() {
            // The map opens with its trie's size in bytes, which the parser reserves before
            // reading: a damaged size would ask for gigabytes (found by fuzzing).
            let map = &self.precompiled_charsmap;
            let trie = map
                .get(..4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            if trie.is_none_or(|t| t as usize > map.len() - 4) {
                return Err(SpieceError(
                    "its normalisation map is damaged (it says it is larger than it is)".into(),
                ));
            }
            let map = Precompiled::from(&self.precompiled_charsmap)
                .map_err(|e| SpieceError(format!("its normalisation map: {e}")))?;
            normalizers.push(map.into());
        }
        let spaces = Replace::new(
            tokenizers::normalizers::replace::ReplacePattern::Regex(" {2,}".into()),
            " ",
        )
        .map_err(fail)?;
        normalizers.push(spaces.into());
        tokenizer.with_normalizer(Some(Sequence::new(normalizers)));

        let prepend = if self.add_dummy_prefix {
            PrependScheme::Always
        } else {
            PrependScheme::Never
        };
        let pre: Vec<PreTokenizerWrapper> = vec![
            WhitespaceSplit.into(),
            Metaspace::new('▁', prepend, true).into(),
        ];
        tokenizer.with_pre_tokenizer(Some(PreSequence::new(pre)));
        tokenizer.with_decoder(Some(Metaspace::new('▁', prepend, true)));

        let eos = self
            .pieces
            .iter()
            .position(|p| p.text == super::tokenizer::EOS_TOKEN)
            .ok_or_else(|| SpieceError("it has no `</s>` piece: it is not a T5 model".into()))?;
        let template = TemplateProcessing::builder()
            .try_single("$A </s>")
            .map_err(SpieceError)?
            .special_tokens(vec![(super::tokenizer::EOS_TOKEN, eos as u32)])
            .build()
            .map_err(|e| SpieceError(e.to_string()))?;
        tokenizer.with_post_processor(Some(template));

        let special: Vec<AddedToken> = self
            .pieces
            .iter()
            .filter(|p| matches!(p.kind, PieceKind::Control | PieceKind::Unknown))
            .map(|p| AddedToken::from(p.text.clone(), true))
            .collect();
        tokenizer.add_special_tokens(&special);
        Ok(tokenizer)
    }
}

fn parse_piece(bytes: &[u8]) -> Result<Piece, SpieceError> {
    let mut piece = Piece {
        text: String::new(),
        score: 0.0,
        kind: PieceKind::Normal,
    };
    for (field, value) in Wire::fields(bytes)? {
        match (field, value) {
            (1, Value::Bytes(text)) => {
                piece.text = String::from_utf8(text.to_vec())
                    .map_err(|_| SpieceError("a piece is not UTF-8".into()))?;
            }
            (2, Value::Fixed32(b)) => piece.score = f32::from_le_bytes(b),
            (3, Value::Varint(v)) => piece.kind = PieceKind::from_proto(v),
            _ => {}
        }
    }
    Ok(piece)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::t5::PromptTokenizer;

    fn fixtures() -> std::path::PathBuf {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
    }

    #[test]
    fn reads_the_pieces_and_the_normaliser() {
        let bytes = std::fs::read(fixtures().join("spiece_tiny/spiece.model")).unwrap();
        let model = SentencePieceModel::parse(&bytes).unwrap();
        assert_eq!(model.pieces[0].text, "<pad>");
        assert_eq!(model.pieces[1].kind, PieceKind::Control);
        assert_eq!(model.unk_id(), Some(2));
        assert!(model.add_dummy_prefix && !model.byte_fallback);
        assert!(!model.precompiled_charsmap.is_empty());
        // The same vocabulary as the tokenizer.json transformers converted from it.
        let json =
            PromptTokenizer::from_file(fixtures().join("wan_tiny_t2v/tokenizer/tokenizer.json"))
                .unwrap();
        assert_eq!(json.inner().get_vocab_size(false), model.pieces.len());
        for (id, piece) in model.pieces.iter().enumerate() {
            assert_eq!(
                json.inner().token_to_id(&piece.text),
                Some(id as u32),
                "{piece:?}"
            );
        }
        assert!(SentencePieceModel::parse(b"\x0a\xff").is_err());
        let mut damaged = model.clone();
        damaged.precompiled_charsmap[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        let e = damaged.tokenizer().unwrap_err().to_string();
        assert!(e.contains("normalisation map is damaged"), "{e}");
        assert!(SentencePieceModel::parse(&bytes[..bytes.len() / 2]).is_err());
    }

    /// The ids transformers' T5TokenizerFast gives (models/scripts/fixtures_comfy.py), called
    /// as Wan's pipeline calls it, at several lengths (truncation included).
    #[test]
    fn ids_equal_transformers_fast_tokenizer() {
        let bytes = std::fs::read(fixtures().join("spiece_tiny/spiece.model")).unwrap();
        let tokenizer = PromptTokenizer::from_sentencepiece(&bytes).unwrap();
        let text = std::fs::read_to_string(fixtures().join("spiece_tiny/parity.json")).unwrap();
        let parity: serde_json::Value = serde_json::from_str(&text).unwrap();
        let prompts: Vec<&str> = parity["prompts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        let rows =
            |v: &serde_json::Value| -> Vec<Vec<i64>> { serde_json::from_value(v.clone()).unwrap() };
        let cases = parity["cases"].as_array().unwrap();
        assert!(cases.len() >= 3);
        for case in cases {
            let max_len = case["max_length"].as_u64().unwrap() as usize;
            let batch = tokenizer.encode_batch(&prompts, max_len).unwrap();
            assert_eq!(batch.ids, rows(&case["input_ids"]), "max length {max_len}");
            assert_eq!(
                batch.mask,
                rows(&case["attention_mask"]),
                "max length {max_len}"
            );
        }
        // SentencePiece itself agrees wherever it keeps tabs and newlines out.
        let longest = tokenizer.encode_batch(&prompts, 512).unwrap();
        let reference = rows(&parity["sentencepiece_ids"]);
        for ((prompt, ids), expected) in prompts.iter().zip(&longest.ids).zip(&reference) {
            if !prompt.contains(['\t', '\n']) {
                assert_eq!(&ids[..expected.len()], &expected[..], "{prompt:?}");
            }
        }
    }
}
