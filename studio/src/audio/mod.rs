//! Sound for the timeline: import (decode any of wav, flac, ogg/vorbis, mp3 and m4a/aac,
//! then resample to 48 kHz stereo), waveform peaks, beat detection, the export mix and
//! AAC-LC encoding for the MP4.
//!
//! Everything after import works on [`Pcm`]: 48 kHz stereo, planar f32, nominally within
//! -1..=1. One rate and layout everywhere keeps the mix, the beat grid and the export free
//! of conversions.

pub mod aac;
pub mod beats;
pub mod decode;
mod error;
pub mod mix;
pub mod peaks;
pub mod resample;

pub use aac::{encode_aac, AacError, AacStream, AAC_FRAME};
pub use beats::{analyze, detect_beats, BeatAnalysis};
pub use decode::{decode_file, load, Decoded, Loaded};
pub use error::AudioError;
pub use mix::{mix, mix_frames, MixClip};
pub use peaks::{peaks, peaks_in, Peak};
pub use resample::{resample, to_pcm, to_stereo};

/// The one sample rate of the studio's sound (Hz): what AAC in MP4 and the platforms use.
pub const SAMPLE_RATE: u32 = 48_000;

/// 48 kHz stereo sound, one plane per channel. Both planes always have the same length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pcm {
    pub left: Vec<f32>,
    pub right: Vec<f32>,
}

impl Pcm {
    /// `frames` samples of silence in each channel.
    pub fn silence(frames: usize) -> Self {
        Pcm {
            left: vec![0.0; frames],
            right: vec![0.0; frames],
        }
    }

    /// The same signal in both channels.
    pub fn from_mono(mono: Vec<f32>) -> Self {
        Pcm {
            right: mono.clone(),
            left: mono,
        }
    }

    /// Samples per channel.
    pub fn frames(&self) -> usize {
        self.left.len().min(self.right.len())
    }

    /// Length in seconds.
    pub fn duration(&self) -> f64 {
        self.frames() as f64 / SAMPLE_RATE as f64
    }

    /// Always [`SAMPLE_RATE`].
    pub fn sample_rate(&self) -> u32 {
        SAMPLE_RATE
    }

    /// Always 2.
    pub fn channels(&self) -> u16 {
        2
    }

    /// (left + right) / 2, for analysis.
    pub fn mono(&self) -> Vec<f32> {
        self.left
            .iter()
            .zip(&self.right)
            .map(|(l, r)| 0.5 * (l + r))
            .collect()
    }

    /// L R L R ... as players and encoders often want it.
    pub fn interleaved(&self) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.frames() * 2);
        for (l, r) in self.left.iter().zip(&self.right) {
            out.push(*l);
            out.push(*r);
        }
        out
    }
}
