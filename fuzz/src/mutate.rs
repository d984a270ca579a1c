//! Mutations of an input: byte-level ones for every format (bit flips, interesting values,
//! truncation, chunks deleted, duplicated, inserted or copied, splicing with another input,
//! tokens of the target's dictionary), and structure-aware ones where the format has a
//! structure: a JSON document's values ([`crate::json`]) and a safetensors file's header.

use crate::json;
use crate::rng::Rng;

/// How a target's inputs are built, which decides the mutations that fit them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Opaque bytes (pictures, sound, protocol buffers).
    Binary,
    /// Text a person writes (a script).
    Text,
    /// A JSON document.
    Json,
    /// A safetensors file: an 8-byte length, a JSON header, the tensor data.
    Safetensors,
}

const INTERESTING_8: [u8; 9] = [0, 1, 0x7F, 0x80, 0xFF, 0x10, 0x20, 0x40, 0xFE];
const INTERESTING_32: [u32; 12] = [
    0,
    1,
    0xFF,
    0x100,
    0x7FFF,
    0x8000,
    0xFFFF,
    0x1_0000,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFFF,
    0x00FF_FFFF,
];

/// Makes new inputs from old ones; deterministic for a seed.
pub struct Mutator {
    rng: Rng,
    /// Tokens worth inserting for the target (magic numbers, keywords, field names).
    dictionary: Vec<Vec<u8>>,
}

impl Mutator {
    pub fn new(seed: u64, dictionary: &[&[u8]]) -> Self {
        Self {
            rng: Rng::new(seed),
            dictionary: dictionary.iter().map(|t| t.to_vec()).collect(),
        }
    }

    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// A mutant of `input` at most `max_len` bytes long; `others` are inputs to splice with.
    pub fn mutate(
        &mut self,
        input: &[u8],
        others: &[Vec<u8>],
        format: Format,
        max_len: usize,
    ) -> Vec<u8> {
        let structured = match format {
            Format::Json if !self.rng.one_in(3) => self.json(input, others),
            Format::Safetensors if !self.rng.one_in(3) => self.safetensors_header(input, others),
            _ => None,
        };
        let mut out = match structured {
            Some(out) => out,
            None => {
                let mut out = input.to_vec();
                // Mutations stack: one to a handful per input.
                let rounds = 1 + self.rng.below(4);
                for _ in 0..rounds {
                    self.bytes(&mut out, others, format, max_len);
                }
                out
            }
        };
        out.truncate(max_len);
        if out == input {
            // An unchanged input wastes an execution: force a change.
            self.flip_bit(&mut out);
        }
        out
    }

    fn json(&mut self, input: &[u8], others: &[Vec<u8>]) -> Option<Vec<u8>> {
        let mut value: serde_json::Value = serde_json::from_slice(input).ok()?;
        let donors: Vec<serde_json::Value> = (0..2)
            .filter_map(|_| {
                let other = others.get(self.rng.below(others.len()))?;
                serde_json::from_slice(other).ok()
            })
            .collect();
        let words: Vec<String> = self
            .dictionary
            .iter()
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect();
        let rounds = 1 + self.rng.below(3);
        for _ in 0..rounds {
            json::mutate(&mut value, &donors, &words, &mut self.rng);
        }
        Some(json::to_bytes(&value, &mut self.rng))
    }

    /// Mutates a safetensors header as JSON and puts it back, usually with a length prefix
    /// that fits it (so the parser gets past the prefix), sometimes with the old one.
    fn safetensors_header(&mut self, input: &[u8], others: &[Vec<u8>]) -> Option<Vec<u8>> {
        let len = u64::from_le_bytes(input.get(..8)?.try_into().ok()?) as usize;
        let header = input.get(8..8usize.checked_add(len)?)?;
        let data = &input[8 + len..];
        let other_headers: Vec<Vec<u8>> = others
            .iter()
            .filter_map(|o| {
                let n = u64::from_le_bytes(o.get(..8)?.try_into().ok()?) as usize;
                o.get(8..8usize.checked_add(n)?).map(<[u8]>::to_vec)
            })
            .collect();
        let header = self.json(header, &other_headers)?;
        let mut out = if self.rng.one_in(8) {
            (len as u64).to_le_bytes().to_vec()
        } else {
            (header.len() as u64).to_le_bytes().to_vec()
        };
        out.extend_from_slice(&header);
        out.extend_from_slice(data);
        Some(out)
    }

    fn flip_bit(&mut self, out: &mut Vec<u8>) {
        if out.is_empty() {
            out.push(self.rng.byte());
            return;
        }
        let at = self.rng.below(out.len());
        out[at] ^= 1 << self.rng.below(8);
    }

    /// A position in `out` for a mutation; JSON and text favour none, binaries favour their
    /// headers, where most of the structure is.
    fn position(&mut self, len: usize, format: Format) -> usize {
        if len == 0 {
            return 0;
        }
        if matches!(format, Format::Binary | Format::Safetensors) && self.rng.one_in(2) {
            self.rng.below(len.min(256))
        } else {
            self.rng.below(len)
        }
    }

    fn chunk(&mut self, len: usize) -> usize {
        // Mostly small chunks, sometimes large ones.
        let cap = if self.rng.one_in(4) { len.max(1) } else { 16 };
        1 + self.rng.below(cap)
    }

    fn bytes(&mut self, out: &mut Vec<u8>, others: &[Vec<u8>], format: Format, max_len: usize) {
        let len = out.len();
        match self.rng.below(12) {
            0 => self.flip_bit(out),
            1 if len > 0 => {
                let at = self.position(len, format);
                out[at] = *self.rng.pick(&INTERESTING_8);
            }
            2 if len >= 4 => {
                let at = self.position(len - 3, format);
                let v = *self.rng.pick(&INTERESTING_32);
                let bytes = if self.rng.one_in(2) {
                    v.to_le_bytes()
                } else {
                    v.to_be_bytes()
                };
                out[at..at + 4].copy_from_slice(&bytes);
            }
            3 if len > 0 => {
                let at = self.position(len, format);
                let delta = 1 + self.rng.below(16) as u8;
                out[at] = if self.rng.one_in(2) {
                    out[at].wrapping_add(delta)
                } else {
                    out[at].wrapping_sub(delta)
                };
            }
            4 if len > 0 => out.truncate(self.rng.below(len)),
            5 if len > 1 => {
                let at = self.rng.below(len);
                let n = self.chunk(len - at).min(len - at);
                out.drain(at..at + n);
            }
            6 if len > 0 => {
                let from = self.rng.below(len);
                let n = self.chunk(len - from).min(len - from);
                let piece = out[from..from + n].to_vec();
                let at = self.rng.below(len + 1);
                let times = if self.rng.one_in(8) {
                    2 + self.rng.below(64)
                } else {
                    1
                };
                let room = max_len.saturating_sub(len);
                let insert: Vec<u8> = piece
                    .iter()
                    .copied()
                    .cycle()
                    .take((n * times).min(room))
                    .collect();
                out.splice(at..at, insert);
            }
            7 => {
                let n = self.chunk(32).min(max_len.saturating_sub(len));
                let at = self.position(len + 1, format).min(len);
                let fresh: Vec<u8> = (0..n).map(|_| self.rng.byte()).collect();
                out.splice(at..at, fresh);
            }
            8 if len > 1 => {
                let from = self.rng.below(len);
                let to = self.rng.below(len);
                let n = self.chunk(len).min(len - from).min(len - to);
                let piece = out[from..from + n].to_vec();
                out[to..to + n].copy_from_slice(&piece);
            }
            9 if !others.is_empty() => {
                // Splice: the head of this input with the tail of another.
                let other = &others[self.rng.below(others.len())];
                let cut = self.rng.below(len + 1);
                let from = self.rng.below(other.len() + 1);
                out.truncate(cut);
                out.extend_from_slice(&other[from..]);
            }
            10 | 11 if !self.dictionary.is_empty() => {
                let token = self.dictionary[self.rng.below(self.dictionary.len())].clone();
                let at = self.position(len + 1, format).min(len);
                if self.rng.one_in(2) && at + token.len() <= len {
                    out[at..at + token.len()].copy_from_slice(&token);
                } else {
                    out.splice(at..at, token);
                }
            }
            _ => self.flip_bit(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_JSON: &[u8] = br#"{"shots":[{"seconds":3.0,"name":"Run"}],"schema_version":2}"#;

    fn run(seed: u64, format: Format, input: &[u8]) -> Vec<Vec<u8>> {
        let mut m = Mutator::new(seed, &[b"schema_version", b"assets/"]);
        let others = vec![b"{\"a\":[1,2,3]}".to_vec()];
        (0..200)
            .map(|_| m.mutate(input, &others, format, 4096))
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_mutants() {
        for format in [Format::Binary, Format::Text, Format::Json] {
            assert_eq!(run(3, format, SEED_JSON), run(3, format, SEED_JSON));
            assert_ne!(run(3, format, SEED_JSON), run(4, format, SEED_JSON));
        }
    }

    #[test]
    fn every_mutant_differs_from_its_parent_and_respects_the_cap() {
        for format in [
            Format::Binary,
            Format::Text,
            Format::Json,
            Format::Safetensors,
        ] {
            for mutant in run(9, format, SEED_JSON) {
                assert_ne!(mutant, SEED_JSON, "{format:?}");
                assert!(mutant.len() <= 4096);
            }
        }
        let mut m = Mutator::new(1, &[]);
        let grown = m.mutate(b"", &[], Format::Binary, 8);
        assert!(!grown.is_empty() && grown.len() <= 8, "{grown:?}");
    }

    #[test]
    fn json_mutants_are_mostly_still_json_and_varied() {
        let mutants = run(5, Format::Json, SEED_JSON);
        let parsed = mutants
            .iter()
            .filter(|m| serde_json::from_slice::<serde_json::Value>(m).is_ok())
            .count();
        assert!(parsed > 100, "{parsed} of 200 parse");
        let distinct: std::collections::HashSet<&Vec<u8>> = mutants.iter().collect();
        assert!(distinct.len() > 150, "{} distinct", distinct.len());
    }

    #[test]
    fn safetensors_mutants_keep_a_fitting_length_prefix() {
        let header = br#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
        let mut file = (header.len() as u64).to_le_bytes().to_vec();
        file.extend_from_slice(header);
        file.extend_from_slice(&[0; 8]);
        let mutants = run(11, Format::Safetensors, &file);
        let fitting = mutants
            .iter()
            .filter(|m| {
                let Some(prefix) = m.get(..8) else {
                    return false;
                };
                let n = u64::from_le_bytes(prefix.try_into().unwrap()) as usize;
                m.get(8..8usize.saturating_add(n))
                    .is_some_and(|h| serde_json::from_slice::<serde_json::Value>(h).is_ok())
            })
            .count();
        assert!(fitting > 80, "{fitting} of 200 have a header that parses");
    }
}
