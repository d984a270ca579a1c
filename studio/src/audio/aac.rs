//! AAC-LC encoding of the export mix, 48 kHz stereo, with the `syom` crate: a pure-Rust
//! encoder (MIT, no dependencies of its own), so the export needs no C library and no
//! patent-encumbered system codec.
//!
//! Priming: an AAC encoder's output starts 1024 samples late (the MDCT needs one frame of
//! history), which MP4 files normally cancel with an edit list. Ours have none (players
//! and platforms disagree about edit lists), so the first access unit, which holds only
//! the priming, is dropped: the first unit in the file decodes straight to the first
//! samples of the mix, and sound and picture start together to the sample. The cost is the
//! first 1024 samples (21 ms), which decode without the overlap half that the dropped
//! unit carried: a sound already playing at 0 s fades in over those 21 ms instead of
//! starting at full level. A mix starting in silence or with a fade-in is unaffected.

use std::ops::Range;

use super::{Pcm, SAMPLE_RATE};

/// Samples per channel in one AAC-LC access unit.
pub const AAC_FRAME: usize = 1024;
/// The encoder delay of syom's AAC-LC encoder (no look-ahead), in samples.
const PRIMING: usize = 1024;
/// The default bit rate: 192 kbps stereo, comfortably clean for music at 48 kHz.
pub const DEFAULT_BITRATE: u32 = 192_000;

/// The AAC encoder refused the sound.
#[derive(Debug, thiserror::Error)]
#[error("the AAC encoder failed: {0}")]
pub struct AacError(String);

/// Encoded sound: ADTS frames (the form muxers take), the first one decoding to the
/// first samples of the input.
#[derive(Debug, Clone)]
pub struct AacStream {
    /// One ADTS frame (7-byte header + raw data block) per 1024 samples.
    pub frames: Vec<Vec<u8>>,
    /// Samples per channel of the input; the last frame holds `AAC_FRAME * frames.len() -
    /// samples` samples of padding.
    pub samples: usize,
}

impl AacStream {
    /// Payload bytes (ADTS headers excluded).
    pub fn payload_bytes(&self) -> usize {
        self.frames.iter().map(|f| f.len().saturating_sub(7)).sum()
    }

    /// Average bit rate in bits per second.
    pub fn bitrate(&self) -> f64 {
        let seconds = self.samples as f64 / SAMPLE_RATE as f64;
        if seconds > 0.0 {
            self.payload_bytes() as f64 * 8.0 / seconds
        } else {
            0.0
        }
    }
}

/// Encodes `pcm` (48 kHz stereo) as AAC-LC at `bitrate_bps`. Samples outside -1..=1 are
/// clamped and non-finite ones silenced (the encoder takes nothing else).
pub fn encode_aac(pcm: &Pcm, bitrate_bps: u32) -> Result<AacStream, AacError> {
    encode_range(pcm, 0..pcm.frames(), bitrate_bps)
}

/// [`encode_aac`] for the frames `range` of `pcm`.
pub fn encode_range(
    pcm: &Pcm,
    range: Range<usize>,
    bitrate_bps: u32,
) -> Result<AacStream, AacError> {
    let samples = range.len();
    if samples == 0 {
        return Ok(AacStream {
            frames: Vec::new(),
            samples: 0,
        });
    }
    let opts = syom::EncodeOptions::adts().with_bitrate_bps(bitrate_bps);
    let mut enc = syom::Encoder::new(SAMPLE_RATE, 2, &opts).map_err(|e| AacError(e.to_string()))?;
    let mut frames = Vec::with_capacity(samples / AAC_FRAME + 3);
    let mut push = |f: syom::EncodedFrame<'_>| {
        frames.push(f.au.to_vec());
        Ok(())
    };
    let clean = |v: &f32| {
        if v.is_finite() {
            v.clamp(-1.0, 1.0)
        } else {
            0.0
        }
    };
    // One second at a time keeps the cleaned copy small.
    const CHUNK: usize = SAMPLE_RATE as usize;
    let (mut l, mut r) = (Vec::with_capacity(CHUNK), Vec::with_capacity(CHUNK));
    let mut at = range.start;
    while at < range.end {
        let end = (at + CHUNK).min(range.end);
        l.clear();
        r.clear();
        l.extend(pcm.left[at..end].iter().map(clean));
        r.extend(pcm.right[at..end].iter().map(clean));
        enc.feed(&[&l, &r], &mut push)
            .map_err(|e| AacError(e.to_string()))?;
        at = end;
    }
    let info = enc.finish(&mut push).map_err(|e| AacError(e.to_string()))?;
    if info.priming as usize != PRIMING {
        return Err(AacError(format!(
            "unexpected encoder delay of {} samples (expected {PRIMING})",
            info.priming
        )));
    }
    // Drop the priming unit(s); keep exactly the units that cover the input.
    let skip = PRIMING / AAC_FRAME;
    let keep = samples.div_ceil(AAC_FRAME);
    if frames.len() < skip + keep {
        return Err(AacError(format!(
            "the encoder gave {} frames for {samples} samples",
            frames.len()
        )));
    }
    frames.drain(..skip);
    frames.truncate(keep);
    Ok(AacStream { frames, samples })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(stream: &AacStream) -> Vec<Vec<f32>> {
        let bytes: Vec<u8> = stream.frames.concat();
        syom::decode_with(&bytes, &syom::DecodeOptions::unbounded())
            .unwrap()
            .channels
    }

    #[test]
    fn a_click_decodes_at_its_own_sample() {
        let mut pcm = Pcm::silence(48_000);
        for at in [4800usize, 30_001] {
            for k in 0..16 {
                pcm.left[at + k] = 0.8 * (1.0 - k as f32 / 16.0);
                pcm.right[at + k] = -0.8 * (1.0 - k as f32 / 16.0);
            }
        }
        let s = encode_aac(&pcm, DEFAULT_BITRATE).unwrap();
        assert_eq!(s.frames.len(), 47); // ceil(48000 / 1024)
        assert!(s.frames.iter().all(|f| f[0] == 0xFF && f[1] & 0xF0 == 0xF0));
        let d = decode(&s);
        assert_eq!(d[0].len(), 47 * 1024);
        for at in [4800usize, 30_001] {
            let win = &d[0][at - 200..at + 200];
            let peak = win
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                .unwrap()
                .0 as i64
                - 200;
            assert!(peak.abs() <= 4, "click at {at} decoded {peak} samples off");
            assert!(d[1][at + peak as usize] < -0.3);
        }
    }

    #[test]
    fn a_tone_keeps_its_level() {
        let tone: Vec<f32> = (0..96_000)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 48_000.0).sin())
            .collect();
        let s = encode_aac(&Pcm::from_mono(tone.clone()), DEFAULT_BITRATE).unwrap();
        let d = decode(&s);
        let (mut sig, mut err) = (0f64, 0f64);
        for i in 2048..94_000 {
            sig += (tone[i] as f64).powi(2);
            err += (d[0][i] as f64 - tone[i] as f64).powi(2);
        }
        let snr = 10.0 * (sig / err).log10();
        assert!(snr > 30.0, "SNR {snr:.1} dB");
        assert!(
            s.bitrate() > 50_000.0 && s.bitrate() < 250_000.0,
            "{}",
            s.bitrate()
        );
    }

    #[test]
    fn odd_input_is_cleaned_and_empty_input_is_empty() {
        let mut pcm = Pcm::silence(3000);
        pcm.left[10] = f32::NAN;
        pcm.right[20] = 7.0;
        let s = encode_aac(&pcm, DEFAULT_BITRATE).unwrap();
        assert_eq!((s.frames.len(), s.samples), (3, 3000));
        assert!(encode_aac(&Pcm::default(), DEFAULT_BITRATE)
            .unwrap()
            .frames
            .is_empty());
    }

    /// The price of dropping the priming frame: a sound already playing at 0 s fades in
    /// over the first 1024 samples (21 ms) and is exact from there on.
    #[test]
    fn only_the_first_frame_fades_in() {
        let tone: Vec<f32> = (0..48_000)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 48_000.0).sin())
            .collect();
        let d = decode(&encode_aac(&Pcm::from_mono(tone.clone()), DEFAULT_BITRATE).unwrap());
        let level = |a: usize, b: usize| {
            let got: f64 = (a..b).map(|i| (d[0][i] as f64).powi(2)).sum();
            let want: f64 = (a..b).map(|i| (tone[i] as f64).powi(2)).sum();
            10.0 * (got / want).log10()
        };
        let snr = |a: usize, b: usize| {
            let sig: f64 = (a..b).map(|i| (tone[i] as f64).powi(2)).sum();
            let err: f64 = (a..b)
                .map(|i| (d[0][i] as f64 - tone[i] as f64).powi(2))
                .sum();
            10.0 * (sig / err).log10()
        };
        // Measured: -13.8, -8.6, -4.8, -0.6 dB over the four quarters of the first frame.
        assert!(level(0, 256) < -6.0 && level(768, 1024) > -3.0);
        assert!(snr(1024, 8192) > 40.0, "{}", snr(1024, 8192));
    }
}
