//! "Snap cuts to beats": shot durations chosen so that every cut lands on a beat.
//!
//! The shots are taken in order. For the join after shot `i`, the cut may fall anywhere
//! that keeps the shot between its shortest and longest length: [`MIN_SHOT_SECONDS`] (or
//! twice a transition of the shot if that is longer, so transitions keep their length) and
//! [`MAX_SHOT_SECONDS`]. Of the beats in that window the one nearest the shot's current cut
//! is taken, so the creator's rough lengths survive; the shot's duration follows, rounded to
//! whole frames (which is how the sequence plays it), so each cut lands within half a frame
//! of its beat. A join with no beat in its window (the music ends, or is sparser than the
//! longest shot) keeps its duration, and is reported as not snapped. The last shot has no
//! cut after it and keeps its duration
//! (unless it is shorter than twice its incoming transition, which it is stretched to).

use super::timing::frames_of;
use crate::project::{Shot, TransitionKind, MAX_SHOT_SECONDS, MIN_SHOT_SECONDS};

/// What snapping did at one join.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SnappedCut {
    /// The beat (seconds on the sequence) the cut now lands on; `None` when no beat was in
    /// reach and the shot kept its length.
    pub beat: Option<f64>,
    /// The cut time after snapping, in seconds.
    pub cut: f64,
}

/// Transition frames between two shots as [`super::Timing`] plays them, when neither is
/// shortened (snapping keeps shots at least twice as long as their transitions).
fn transition_frames(shot: &Shot, fps: u32) -> u32 {
    match shot.transition.kind {
        TransitionKind::Cut => 0,
        _ => frames_of(shot.transition.seconds, fps),
    }
}

/// Sets the durations of `shots` so that each cut lands on one of `beats` (seconds on the
/// sequence, ascending), at `fps` frames per second. Returns one entry per join.
pub fn snap_to_beats(shots: &mut [Shot], beats: &[f64], fps: u32) -> Vec<SnappedCut> {
    let fps = fps.max(1);
    let f = fps as f64;
    let mut report = Vec::new();
    let mut start = 0i64; // the shot's first frame on the sequence
    let count = shots.len();
    for i in 0..count {
        let t_in = if i > 0 {
            transition_frames(&shots[i - 1], fps)
        } else {
            0
        };
        let t_out = transition_frames(&shots[i], fps);
        let current = frames_of(shots[i].seconds, fps).max(1) as i64;
        let min = (frames_of(MIN_SHOT_SECONDS, fps) as i64)
            .max(2 * t_in as i64)
            .max(2 * t_out as i64);
        if i + 1 == count {
            // No cut after it; it only grows if its incoming transition needs the room.
            if current < min {
                shots[i].seconds = (min as f64 / f) as f32;
            }
            break;
        }
        let max = frames_of(MAX_SHOT_SECONDS, fps) as i64;
        let (overlap, offset) = match shots[i].transition.kind {
            TransitionKind::Crossfade => (t_out as i64, t_out as f64 / 2.0),
            _ => (0, 0.0),
        };
        // The cut of a shot of n frames is at frame start + n - overlap + offset.
        let cut_at = |n: i64| (start + n - overlap) as f64 + offset;
        let (lo, hi) = (cut_at(min) / f, cut_at(max) / f);
        let wanted = cut_at(current.clamp(min, max)) / f;
        let beat = beats
            .iter()
            .copied()
            .filter(|b| b.is_finite() && *b >= lo - 0.5 / f && *b <= hi + 0.5 / f)
            .min_by(|a, b| (a - wanted).abs().total_cmp(&(b - wanted).abs()));
        let n = match beat {
            Some(b) => {
                let cut_frame = (b * f - offset).round() as i64 + overlap;
                (cut_frame - start).clamp(min, max)
            }
            None => current.clamp(min, max),
        };
        shots[i].seconds = (n as f64 / f) as f32;
        report.push(SnappedCut {
            beat,
            cut: cut_at(n) / f,
        });
        start += n - overlap;
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sequence::timing::tests::shots;
    use crate::sequence::Timing;

    fn beats(bpm: f64, until: f64) -> Vec<f64> {
        let step = 60.0 / bpm;
        (0..)
            .map(|k| 0.1 + k as f64 * step)
            .take_while(|&t| t < until)
            .collect()
    }

    #[test]
    fn every_cut_lands_within_half_a_frame_of_a_beat() {
        let grid = beats(97.0, 60.0);
        let mut s = shots(&[
            (2.2, TransitionKind::Cut, 0.0),
            (3.1, TransitionKind::Crossfade, 0.5),
            (1.7, TransitionKind::Dip, 0.6),
            (4.0, TransitionKind::Crossfade, 0.33),
            (2.0, TransitionKind::Cut, 0.0),
        ]);
        let report = snap_to_beats(&mut s, &grid, 30);
        assert_eq!(report.len(), 4);
        let timing = Timing::new(&s, 30);
        for (cut, r) in timing.cut_times().iter().zip(&report) {
            let beat = r.beat.expect("a beat in reach");
            assert!(
                (cut - beat).abs() <= 0.5 / 30.0 + 1e-9,
                "cut {cut} beat {beat}"
            );
            assert!((cut - r.cut).abs() < 1e-6);
        }
        for shot in &s {
            assert!((MIN_SHOT_SECONDS..=MAX_SHOT_SECONDS).contains(&shot.seconds));
            let frames = shot.seconds as f64 * 30.0;
            assert!((frames - frames.round()).abs() < 1e-3, "whole frames");
        }
        // The last shot keeps its length.
        assert_eq!(s[4].seconds, 2.0);
    }

    #[test]
    fn the_nearest_beat_to_the_current_length_is_taken() {
        let grid = beats(120.0, 30.0); // 0.1, 0.6, 1.1, ...
        let mut s = shots(&[
            (3.0, TransitionKind::Cut, 0.0),
            (3.0, TransitionKind::Cut, 0.0),
        ]);
        snap_to_beats(&mut s, &grid, 30);
        assert!((s[0].seconds - 3.1).abs() < 1e-5, "{}", s[0].seconds);
    }

    #[test]
    fn shots_stay_within_their_limits_and_sparse_beats_leave_lengths_alone() {
        // Beats only at 0.2 s and 40 s: neither is in reach of the first cut.
        let mut s = shots(&[
            (0.5, TransitionKind::Cut, 0.0),
            (2.0, TransitionKind::Cut, 0.0),
        ]);
        let report = snap_to_beats(&mut s, &[0.2, 40.0], 30);
        assert_eq!(report[0].beat, None);
        assert_eq!(s[0].seconds, MIN_SHOT_SECONDS);
        // A long crossfade keeps the shot at least twice its length.
        let mut s = shots(&[
            (2.0, TransitionKind::Crossfade, 1.5),
            (4.0, TransitionKind::Cut, 0.0),
        ]);
        snap_to_beats(&mut s, &beats(240.0, 20.0), 30);
        assert!(s[0].seconds >= 3.0 - 1e-6);
        assert!(snap_to_beats(&mut [], &[1.0], 30).is_empty());
    }
}
