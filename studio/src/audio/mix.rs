//! The sequence's sound for export: clips placed on the timeline, each with a gain, a trim
//! and fades, summed into one 48 kHz stereo buffer of the sequence's length and kept under
//! full scale by a soft limiter.
//!
//! Times are seconds and become whole samples by rounding, so a clip placed at a frame
//! boundary starts exactly there. Fades change the amplitude linearly (0 -> 1 over the fade
//! in, 1 -> 0 over the fade out); a fade longer than the clip is shortened to it, and fades
//! that would overlap meet where they cross.

use super::{Pcm, SAMPLE_RATE};

/// One clip on an audio lane.
#[derive(Debug, Clone, Copy)]
pub struct MixClip<'a> {
    /// The clip's sound (48 kHz stereo), as imported.
    pub source: &'a Pcm,
    /// Where the clip's first audible sample sits on the sequence, in seconds. May be
    /// negative: what falls before 0 is cut.
    pub start: f64,
    /// Gain in dB (0 leaves it as is, -6 halves it).
    pub gain_db: f32,
    /// Seconds cut from the start of the source.
    pub trim_in: f64,
    /// Where in the source the clip stops, in seconds; `None` for the end of the source.
    pub trim_out: Option<f64>,
    /// Fade-in and fade-out lengths in seconds (0 for none).
    pub fade_in: f64,
    pub fade_out: f64,
}

impl<'a> MixClip<'a> {
    /// The whole of `source` at `start`, unchanged.
    pub fn new(source: &'a Pcm, start: f64) -> Self {
        MixClip {
            source,
            start,
            gain_db: 0.0,
            trim_in: 0.0,
            trim_out: None,
            fade_in: 0.0,
            fade_out: 0.0,
        }
    }
}

/// Samples of a time in seconds; NaN and negative times count as 0.
fn frames_of(seconds: f64) -> usize {
    if seconds.is_finite() && seconds > 0.0 {
        (seconds * SAMPLE_RATE as f64).round() as usize
    } else {
        0
    }
}

/// Level up to which the limiter leaves samples untouched (about -0.9 dBFS).
pub const LIMIT_KNEE: f32 = 0.9;
/// The most the limiter lets through (about -0.2 dBFS), leaving room for the small
/// overshoot of lossy decoding.
pub const LIMIT_CEILING: f32 = 0.977;

/// Soft limiting: exact below [`LIMIT_KNEE`], then a tanh curve up to [`LIMIT_CEILING`].
/// A static curve rather than a look-ahead limiter: it changes nothing in a mix that does
/// not get near full scale, and it cannot pump.
pub fn soft_limit(x: f32) -> f32 {
    let a = x.abs();
    if a <= LIMIT_KNEE {
        return x;
    }
    let room = LIMIT_CEILING - LIMIT_KNEE;
    let y = LIMIT_KNEE + room * ((a - LIMIT_KNEE) / room).tanh();
    y.copysign(x)
}

/// Mixes `clips` into `duration` seconds of 48 kHz stereo (rounded to whole samples).
pub fn mix(clips: &[MixClip<'_>], duration: f64) -> Pcm {
    mix_frames(clips, frames_of(duration))
}

/// [`mix`] with the length in samples.
pub fn mix_frames(clips: &[MixClip<'_>], frames: usize) -> Pcm {
    let mut out = Pcm::silence(frames);
    for clip in clips {
        add_clip(&mut out, clip);
    }
    for v in out.left.iter_mut().chain(out.right.iter_mut()) {
        *v = soft_limit(*v);
    }
    out
}

fn add_clip(out: &mut Pcm, clip: &MixClip<'_>) {
    let src_len = clip.source.frames();
    let first = frames_of(clip.trim_in).min(src_len);
    let last = clip
        .trim_out
        .map_or(src_len, |t| frames_of(t).min(src_len))
        .max(first);
    let len = last - first;
    if len == 0 || !clip.gain_db.is_finite() {
        return;
    }
    let gain = 10f32.powf(clip.gain_db / 20.0);
    let fade_in = frames_of(clip.fade_in).min(len);
    let fade_out = frames_of(clip.fade_out).min(len);
    // Sequence position of the clip's first sample, which may be before 0.
    let start = if clip.start.is_finite() {
        (clip.start * SAMPLE_RATE as f64).round() as i64
    } else {
        0
    };
    let total = out.frames() as i64;
    // k: index within the trimmed clip.
    let k0 = (-start).max(0) as usize;
    let k1 = ((total - start).max(0) as usize).min(len);
    for k in k0..k1 {
        let mut g = gain;
        if k < fade_in {
            g *= (k as f32 + 0.5) / fade_in as f32;
        }
        let from_end = len - k;
        if from_end <= fade_out {
            g *= (from_end as f32 - 0.5) / fade_out as f32;
        }
        let at = (start + k as i64) as usize;
        out.left[at] += g * clip.source.left[first + k];
        out.right[at] += g * clip.source.right[first + k];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ones(seconds: f64) -> Pcm {
        Pcm::from_mono(vec![0.5; frames_of(seconds)])
    }

    #[test]
    fn places_a_clip_at_its_start_with_its_gain() {
        let src = ones(1.0);
        let mut c = MixClip::new(&src, 0.5);
        c.gain_db = -6.0206;
        let m = mix(&[c], 2.0);
        assert_eq!(m.frames(), 96_000);
        assert_eq!(m.left[23_999], 0.0);
        assert!((m.left[24_000] - 0.25).abs() < 1e-4);
        assert!((m.right[71_999] - 0.25).abs() < 1e-4);
        assert_eq!(m.left[72_000], 0.0);
    }

    #[test]
    fn trims_take_the_middle_of_the_source() {
        let src = Pcm::from_mono((0..48_000).map(|i| i as f32 / 48_000.0).collect());
        let mut c = MixClip::new(&src, 0.0);
        c.trim_in = 0.25;
        c.trim_out = Some(0.5);
        let m = mix(&[c], 1.0);
        assert!((m.left[0] - 0.25).abs() < 1e-6);
        assert!((m.left[11_999] - (23_999.0 / 48_000.0)).abs() < 1e-6);
        assert_eq!(m.left[12_000], 0.0);
        // Cut at the sequence's end and before its start.
        let mut c = MixClip::new(&src, -0.5);
        c.trim_out = None;
        let m = mix(&[c], 0.25);
        assert_eq!(m.frames(), 12_000);
        assert!((m.left[0] - 0.5).abs() < 1e-6);
    }

    #[test]
    fn fades_ramp_the_level() {
        let src = ones(1.0);
        let mut c = MixClip::new(&src, 0.0);
        c.fade_in = 0.1;
        c.fade_out = 0.2;
        let m = mix(&[c], 1.0);
        assert!(m.left[0] < 0.001);
        assert!((m.left[2400] - 0.25).abs() < 0.001); // halfway through the fade in
        assert!((m.left[4800] - 0.5).abs() < 1e-6);
        assert!((m.left[48_000 - 4800] - 0.25).abs() < 0.001); // halfway through the fade out
        assert!(m.left[47_999] < 0.001);
        // Fades longer than the clip are shortened to it.
        let mut c = MixClip::new(&src, 0.0);
        c.fade_in = 5.0;
        let m = mix(&[c], 1.0);
        assert!((m.left[24_000] - 0.25).abs() < 0.001);
    }

    #[test]
    fn sums_and_limits_softly() {
        let a = ones(1.0);
        let m = mix(&[MixClip::new(&a, 0.0), MixClip::new(&a, 0.0)], 1.0);
        // 0.5 + 0.5 = 1.0 goes above the knee and comes out just under full scale.
        assert!(m.left[100] > 0.95 && m.left[100] < 1.0, "{}", m.left[100]);
        let mut loud = MixClip::new(&a, 0.0);
        loud.gain_db = 40.0;
        let m = mix(&[loud], 1.0);
        assert!(m.left.iter().all(|v| v.abs() <= LIMIT_CEILING));
        // Quiet material passes bit for bit.
        assert_eq!(soft_limit(0.3), 0.3);
        assert_eq!(soft_limit(-0.9), -0.9);
        assert!(soft_limit(-3.0) > -1.0);
    }
}
