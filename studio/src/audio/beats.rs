//! Beat detection, after Ellis, "Beat Tracking by Dynamic Programming" (2007):
//!
//! 1. Onset strength: spectral flux of a log-magnitude STFT (43 ms Hann windows every
//!    5 ms) pooled into quarter-octave bands from 40 Hz to 16 kHz, the summed rise of every
//!    band over 10 ms. Bands of equal width per octave, rather than bins, so that a hi-hat's
//!    hundreds of high bins do not outweigh the kick and snare that carry the beat.
//! 2. Tempo: autocorrelation of that envelope over 50-220 BPM, each lag's score helped by
//!    its double (a beat period also repeats at two beats) and weighted by a log-Gaussian
//!    prior around 120 BPM (one octave wide), which settles "80 or 160?" the way people
//!    hear it. The peak is interpolated to a fraction of a frame.
//! 3. Beats: dynamic programming picks the beat sequence that maximises onset strength
//!    at the beats minus a penalty for every gap that strays from the period
//!    (`-tightness * ln(gap / period)^2`), so the grid follows the music where it drifts
//!    but crosses quiet bars at the tempo. Beats over silence before the music starts and
//!    after it ends are dropped.
//! 4. Refinement: the 5 ms grid and the STFT's spread leave each beat a few ms off, so each
//!    beat moves to the sharpest rise of energy (0.5 ms blocks) within 25 ms of it, if
//!    there is a clear one (a hit); beats with no hit under them keep their grid time.

use rayon::prelude::*;
use rustfft::num_complex::Complex;
use rustfft::FftPlanner;

use super::{Pcm, SAMPLE_RATE};

const WINDOW: usize = 2048;
const HOP: usize = 240;
/// Onset envelope frames per second.
const FRAME_RATE: f64 = SAMPLE_RATE as f64 / HOP as f64;
/// Frames between the two spectra whose difference is the flux.
const FLUX_LAG: usize = 2;
/// Rise (natural log of magnitude, about 0.9 dB) below which a band's change does not
/// count: a steady tone's spectrum wobbles a little with its phase against the frames,
/// in a pattern that repeats and would otherwise read as a tempo.
const FLUX_FLOOR: f32 = 0.1;
/// Frames at the start whose flux would compare with the silence before the file.
const EDGE_FRAMES: usize = WINDOW / 2 / HOP + FLUX_LAG + 1;
const MIN_BPM: f64 = 50.0;
const MAX_BPM: f64 = 220.0;
const PRIOR_BPM: f64 = 120.0;
const PRIOR_OCTAVES: f64 = 1.0;
const TIGHTNESS: f64 = 100.0;
/// The least autocorrelation (as a fraction of the envelope's energy) at the beat period
/// for a clip to count as having a beat at all.
const MIN_PERIODICITY: f64 = 0.1;
/// How far a beat may move to the hit under it, in seconds.
const REFINE_REACH: f64 = 0.025;
/// Energy blocks for refinement, in samples (0.5 ms).
const BLOCK: usize = 24;

/// The tempo and beats of a clip.
#[derive(Debug, Clone, PartialEq)]
pub struct BeatAnalysis {
    /// Beats per minute (0 when no beat was found).
    pub bpm: f64,
    /// Beat times in seconds from the clip's start, increasing.
    pub beats: Vec<f64>,
}

/// Beat times in seconds from the start of `pcm`.
pub fn detect_beats(pcm: &Pcm) -> Vec<f64> {
    analyze(pcm).beats
}

/// Tempo and beats of `pcm`. Clips shorter than two seconds or without rhythm give none.
pub fn analyze(pcm: &Pcm) -> BeatAnalysis {
    let none = BeatAnalysis {
        bpm: 0.0,
        beats: Vec::new(),
    };
    let mono = pcm.mono();
    if mono.len() < 2 * SAMPLE_RATE as usize {
        return none;
    }
    let env = onset_envelope(&mono);
    let Some(period) = estimate_period(&env) else {
        return none;
    };
    let frames = track(&env, period);
    if frames.is_empty() {
        return none;
    }
    let beats = frames
        .iter()
        .map(|&f| refine(&mono, f as f64 / FRAME_RATE))
        .collect();
    BeatAnalysis {
        bpm: 60.0 * FRAME_RATE / period,
        beats,
    }
}

/// Spectral flux, one value per frame; frame i is centred on sample i * HOP.
pub(crate) fn onset_envelope(mono: &[f32]) -> Vec<f32> {
    let n_frames = mono.len() / HOP + 1;
    let fft = FftPlanner::<f32>::new().plan_fft_forward(WINDOW);
    let hann: Vec<f32> = (0..WINDOW)
        .map(|i| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / WINDOW as f64).cos()) as f32)
        .collect();
    let bins = WINDOW / 2;
    let bands = octave_bands(bins);
    let n_bands = bands.len();
    // Log magnitude of each band of frame i (zero outside the signal).
    let spectrum = |i: usize, buf: &mut Vec<Complex<f32>>, out: &mut Vec<f32>| {
        buf.clear();
        let centre = (i * HOP) as i64;
        for (k, w) in hann.iter().enumerate() {
            let at = centre - (WINDOW / 2) as i64 + k as i64;
            let x = if at >= 0 && (at as usize) < mono.len() {
                mono[at as usize]
            } else {
                0.0
            };
            buf.push(Complex::new(x * w, 0.0));
        }
        fft.process(buf);
        out.clear();
        out.extend(bands.iter().map(|r| {
            let mean = buf[r.clone()].iter().map(|c| c.norm()).sum::<f32>() / r.len() as f32;
            (1.0 + 100.0 * mean).ln()
        }));
    };
    const CHUNK: usize = 512;
    let mut env = vec![0f32; n_frames];
    env.par_chunks_mut(CHUNK).enumerate().for_each(|(c, part)| {
        let first = c * CHUNK;
        let mut buf = Vec::with_capacity(WINDOW);
        // The last FLUX_LAG + 1 spectra, oldest first.
        let mut ring: Vec<Vec<f32>> = Vec::new();
        let start = first.saturating_sub(FLUX_LAG);
        for i in start..first + part.len() {
            let mut s = if ring.len() > FLUX_LAG {
                ring.remove(0)
            } else {
                Vec::with_capacity(n_bands)
            };
            spectrum(i, &mut buf, &mut s);
            ring.push(s);
            if i >= first {
                // Frames whose windows reach before the first sample see the file's
                // start as a hit (steady noise from 0 s would "begin" there): a beat
                // in the first 25 ms is not reported.
                let flux = if ring.len() > FLUX_LAG && i >= EDGE_FRAMES {
                    let (old, new) = (&ring[0], &ring[FLUX_LAG]);
                    old.iter()
                        .zip(new)
                        .map(|(a, b)| (b - a - FLUX_FLOOR).max(0.0))
                        .sum()
                } else {
                    0.0
                };
                part[i - first] = flux;
            }
        }
    });
    env
}

/// FFT bin ranges of bands a quarter octave wide from 40 Hz to 16 kHz (bands that would
/// hold no bin are merged into the next). Equal width per octave gives a kick's low
/// octaves as much say as a hi-hat's high ones.
fn octave_bands(bins: usize) -> Vec<std::ops::Range<usize>> {
    const PER_OCTAVE: f64 = 4.0;
    let (lo, hi) = (40f64, 16_000f64);
    let bands = ((hi / lo).log2() * PER_OCTAVE).round() as usize;
    let bin_hz = SAMPLE_RATE as f64 / WINDOW as f64;
    let mut out = Vec::with_capacity(bands);
    let mut start = ((lo / bin_hz).round() as usize).max(1);
    for b in 1..=bands {
        let edge = lo * 2f64.powf(b as f64 / PER_OCTAVE);
        let end = ((edge / bin_hz).round() as usize).min(bins + 1);
        if end > start {
            out.push(start..end);
            start = end;
        }
    }
    out
}

/// Autocorrelation of the mean-removed envelope at integer lags 0..max_lag.
fn autocorrelation(env: &[f32], max_lag: usize) -> Vec<f64> {
    let mean = env.iter().map(|v| *v as f64).sum::<f64>() / env.len() as f64;
    let x: Vec<f64> = env.iter().map(|v| *v as f64 - mean).collect();
    (0..=max_lag.min(x.len().saturating_sub(1)))
        .into_par_iter()
        .map(|lag| x[lag..].iter().zip(&x).map(|(a, b)| a * b).sum())
        .collect()
}

/// The beat period in frames (fractional), or None for a clip without rhythm.
pub(crate) fn estimate_period(env: &[f32]) -> Option<f64> {
    let min_lag = (60.0 * FRAME_RATE / MAX_BPM).floor() as usize;
    let max_lag = (60.0 * FRAME_RATE / MIN_BPM).ceil() as usize;
    let r = autocorrelation(env, 2 * max_lag + 2);
    if r.len() <= max_lag + 1 || r[0] <= 0.0 {
        return None;
    }
    let at = |lag: f64| -> f64 {
        // Linear interpolation between integer lags.
        let i = lag.floor() as usize;
        if i + 1 >= r.len() {
            return 0.0;
        }
        let f = lag - i as f64;
        r[i] * (1.0 - f) + r[i + 1] * f
    };
    let prior_lag = 60.0 * FRAME_RATE / PRIOR_BPM;
    let score = |lag: usize| -> f64 {
        let l = lag as f64;
        let w = (-0.5 * ((l / prior_lag).log2() / PRIOR_OCTAVES).powi(2)).exp();
        w * (at(l) + 0.5 * at(2.0 * l))
    };
    let scores: Vec<f64> = (min_lag..=max_lag).map(score).collect();
    let (best, &top) = scores
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))?;
    if top <= 0.0 {
        return None;
    }
    let lag = min_lag + best;
    // No rhythm: a steady tone or noise repeats at no lag much more than at any other.
    if r[lag] < MIN_PERIODICITY * r[0] {
        return None;
    }
    // Refine on the raw autocorrelation, whose peak is sharp: a parabola through the
    // peak and its neighbours.
    let (a, b, c) = (r[lag - 1], r[lag], r[lag + 1]);
    let denom = a - 2.0 * b + c;
    let shift = if denom < 0.0 {
        (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
    } else {
        0.0
    };
    Some(lag as f64 + shift)
}

/// Beat frames by dynamic programming over the envelope with the given period.
pub(crate) fn track(env: &[f32], period: f64) -> Vec<usize> {
    let n = env.len();
    let mean = env.iter().map(|v| *v as f64).sum::<f64>() / n as f64;
    let var = env.iter().map(|v| (*v as f64 - mean).powi(2)).sum::<f64>() / n as f64;
    let std = var.sqrt();
    if std <= 0.0 || !period.is_finite() || period < 2.0 {
        return Vec::new();
    }
    let onset: Vec<f64> = env.iter().map(|v| *v as f64 / std).collect();
    let lo = (period / 2.0).round().max(1.0) as usize;
    let hi = (2.0 * period).round() as usize;
    let penalty: Vec<f64> = (0..=hi)
        .map(|gap| {
            if gap < lo {
                f64::NEG_INFINITY
            } else {
                -TIGHTNESS * (gap as f64 / period).ln().powi(2)
            }
        })
        .collect();
    let mut score = vec![0f64; n];
    let mut back = vec![usize::MAX; n];
    for t in 0..n {
        let mut best = 0.0;
        let mut from = usize::MAX;
        if t >= lo {
            let first = t.saturating_sub(hi);
            for p in first..=t - lo {
                let s = score[p] + penalty[t - p];
                if from == usize::MAX || s > best {
                    best = s;
                    from = p;
                }
            }
        }
        // Starting afresh beats continuing a chain that has only cost so far.
        if best <= 0.0 {
            best = 0.0;
            from = usize::MAX;
        }
        score[t] = onset[t] + best;
        back[t] = from;
    }
    // The last beat: the last local maximum of the score that is a real contender.
    let maxima: Vec<usize> = (1..n.saturating_sub(1))
        .filter(|&t| score[t] > score[t - 1] && score[t] >= score[t + 1])
        .collect();
    if maxima.is_empty() {
        return Vec::new();
    }
    let mut values: Vec<f64> = maxima.iter().map(|&t| score[t]).collect();
    values.sort_by(f64::total_cmp);
    let median = values[values.len() / 2];
    let Some(&latest) = maxima.iter().rev().find(|&&t| score[t] >= 0.5 * median) else {
        return Vec::new();
    };
    // A weak hit just after the last beat (an off-beat hi-hat) can be that last maximum;
    // the last beat is the best-scoring frame within a period before it.
    let from = latest.saturating_sub(period.round() as usize);
    let mut last = latest;
    for t in from..=latest {
        if score[t] > score[last] {
            last = t;
        }
    }
    let mut beats = vec![last];
    let mut t = last;
    while back[t] != usize::MAX {
        t = back[t];
        beats.push(t);
    }
    beats.reverse();
    trim(&onset, beats)
}

/// Drops leading and trailing beats with (next to) no onset under them: the grid carried
/// on over silence or noise before the music starts or after it ends.
fn trim(onset: &[f64], beats: Vec<usize>) -> Vec<usize> {
    // How far the onset under a beat rises above the typical level (the median), so that
    // steady noise, which has flux everywhere, does not count as a hit.
    let mut all = onset.to_vec();
    all.sort_by(f64::total_cmp);
    let typical = all[all.len() / 2];
    let strength = |t: usize| {
        let a = t.saturating_sub(2);
        let b = (t + 3).min(onset.len());
        onset[a..b].iter().copied().fold(0.0, f64::max) - typical
    };
    let mut s: Vec<f64> = beats.iter().map(|&t| strength(t)).collect();
    let mut sorted = s.clone();
    sorted.sort_by(f64::total_cmp);
    let Some(&median) = sorted.get(sorted.len() / 2) else {
        return beats;
    };
    let keep = |v: f64| v > 0.0 && v >= 0.3 * median;
    let Some(first) = s.iter().position(|&v| keep(v)) else {
        return Vec::new();
    };
    let last = s.iter().rposition(|&v| keep(v)).unwrap_or(first);
    s.truncate(last + 1);
    beats[first..=last].to_vec()
}

/// Moves a beat at `t` seconds to the sharpest clear rise of energy within
/// [`REFINE_REACH`], or leaves it where it is. The rise is looked for in the sound as it is
/// and in its first difference (a gentle high-pass), and the clearer of the two wins: the
/// plain signal keeps a mid-frequency click in broadband noise, the difference keeps a
/// hi-hat over a loud bass line.
fn refine(mono: &[f32], t: f64) -> f64 {
    let plain = |i: usize| mono[i];
    let diff = |i: usize| if i == 0 { 0.0 } else { mono[i] - mono[i - 1] };
    match (
        hit_near(mono.len(), plain, t),
        hit_near(mono.len(), diff, t),
    ) {
        (Some(a), Some(b)) => {
            if a.1 >= b.1 {
                a.0
            } else {
                b.0
            }
        }
        (Some(a), None) | (None, Some(a)) => a.0,
        (None, None) => t,
    }
}

/// The start (seconds) and rise (natural log of the power ratio) of the sharpest clear
/// hit in `signal` (`len` samples) within [`REFINE_REACH`] of `t`, if any.
fn hit_near(len: usize, signal: impl Fn(usize) -> f32, t: f64) -> Option<(f64, f64)> {
    let block_rate = SAMPLE_RATE as f64 / BLOCK as f64;
    let centre = (t * block_rate).round() as i64;
    let reach = (REFINE_REACH * block_rate).round() as i64;
    // The level before a candidate is the loudest block in the 12 ms before it, so the
    // energy of a bass note, which swells and dips with its phase every half cycle (down
    // to ~42 Hz), is not taken for a string of hits.
    const BEFORE: i64 = 24;
    let energy = |k: i64| -> f64 {
        if k < 0 {
            return 0.0;
        }
        let a = k as usize * BLOCK;
        let b = (a + BLOCK).min(len);
        if a >= b {
            return 0.0;
        }
        (a..b).map(|i| (signal(i) as f64).powi(2)).sum::<f64>() / BLOCK as f64
    };
    let lo = centre - reach - BEFORE;
    let hi = centre + reach + 4;
    let e: Vec<f64> = (lo..=hi).map(energy).collect();
    let floor = 1e-10;
    let before_at = |k: i64| {
        let i = (k - lo) as usize;
        e[i - BEFORE as usize..i]
            .iter()
            .copied()
            .fold(0.0, f64::max)
    };
    let rise_at = |k: i64| {
        let i = (k - lo) as usize;
        // The onset block and the one after: a hit that starts late in a block shows
        // its energy in the next.
        let after = e[i].max(e[i + 1]);
        ((after + floor) / (before_at(k) + floor)).ln()
    };
    let (k, rise) = ((centre - reach)..=(centre + reach))
        .map(|k| (k, rise_at(k)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    // A clear hit: at least 8 dB (power ratio ~6.3) above what came before.
    if rise <= 6.3f64.ln() {
        return None;
    }
    // The hit starts in block k (or at its end, if the energy shows in k + 1): take the
    // first sample above the pre-hit level within the two blocks.
    let thresh = (4.0 * before_at(k)).sqrt().max(1e-4);
    let a = k.max(0) as usize * BLOCK;
    let b = (a + 2 * BLOCK).min(len);
    let first = (a..b)
        .find(|&s| (signal(s) as f64).abs() > thresh)
        .unwrap_or(a);
    Some((first as f64 / SAMPLE_RATE as f64, rise))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A synthetic onset envelope with impulses every `period` frames (plus small
    /// off-beat bumps), starting at `offset`.
    fn pulses(n: usize, period: f64, offset: f64, bump: f32) -> Vec<f32> {
        let mut env = vec![0.05f32; n];
        let mut t = offset;
        while (t as usize) < n {
            env[t.round() as usize] = 1.0;
            let half = (t + period / 2.0).round() as usize;
            if half < n {
                env[half] = bump;
            }
            t += period;
        }
        env
    }

    #[test]
    fn tempo_from_a_synthetic_envelope() {
        for bpm in [80.0, 90.0, 100.0, 120.0, 128.0, 150.0] {
            let period = 60.0 * FRAME_RATE / bpm;
            let env = pulses(6000, period, 13.0, 0.3);
            let got = 60.0 * FRAME_RATE / estimate_period(&env).unwrap();
            assert!((got - bpm).abs() < 1.0, "{bpm} BPM read as {got}");
        }
    }

    #[test]
    fn dynamic_programming_lands_on_the_pulses() {
        let period = 60.0 * FRAME_RATE / 128.0;
        let env = pulses(4000, period, 37.0, 0.4);
        let beats = track(&env, period);
        let want: Vec<usize> = (0..)
            .map(|k| (37.0 + k as f64 * period).round() as usize)
            .take_while(|&t| t < 4000)
            .collect();
        assert_eq!(beats, want);
    }

    #[test]
    fn follows_a_drifting_tempo_and_skips_a_missing_beat() {
        // Beats whose gap grows from 100 to 110 frames, with one beat missing.
        let mut env = vec![0.02f32; 5000];
        let mut want = Vec::new();
        let mut t = 50.0;
        let mut gap = 100.0;
        while t < 4900.0 {
            want.push(t as usize);
            gap += 0.25;
            t += gap;
        }
        for (i, &b) in want.iter().enumerate() {
            if i != 20 {
                env[b] = 1.0;
            }
        }
        let beats = track(&env, 105.0);
        for w in &want {
            assert!(
                beats.iter().any(|b| b.abs_diff(*w) <= 1),
                "beat {w} missing from {beats:?}"
            );
        }
        assert_eq!(beats.len(), want.len());
    }

    #[test]
    fn silence_tones_noise_and_short_clips_have_no_beats() {
        assert!(detect_beats(&Pcm::silence(48_000 * 5)).is_empty());
        assert!(detect_beats(&Pcm::silence(1000)).is_empty());
        let tone: Vec<f32> = (0..48_000 * 10)
            .map(|i| 0.5 * (i as f32 * 0.0576).sin())
            .collect();
        assert!(detect_beats(&Pcm::from_mono(tone)).is_empty());
        let mut seed = 1u32;
        let noise: Vec<f32> = (0..48_000 * 10)
            .map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect();
        assert!(detect_beats(&Pcm::from_mono(noise)).is_empty());
    }

    #[test]
    fn clicks_are_found_to_the_millisecond() {
        let bpm = 120.0;
        let mut mono = vec![0f32; 48_000 * 10];
        let mut want = Vec::new();
        let mut t = 0.3;
        while t < 9.9 {
            let at = (t * 48_000.0) as usize;
            for k in 0..96 {
                mono[at + k] += 0.6 * (1.0 - k as f32 / 96.0) * if k % 2 == 0 { 1.0 } else { -1.0 };
            }
            want.push(at as f64 / 48_000.0);
            t += 60.0 / bpm;
        }
        let a = analyze(&Pcm::from_mono(mono));
        assert!((a.bpm - bpm).abs() < 1.0, "{}", a.bpm);
        assert_eq!(a.beats.len(), want.len(), "{:?}", a.beats);
        for (g, w) in a.beats.iter().zip(&want) {
            assert!((g - w).abs() < 0.001, "beat at {g}, click at {w}");
        }
    }
}
