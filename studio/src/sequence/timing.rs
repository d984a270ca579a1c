//! Where every shot sits on the sequence, in frames of the export's rate.
//!
//! Shot `i` lasts `n_i = round(seconds * fps)` frames (at least 1). The transition from
//! shot `i` into shot `i + 1` lasts `t_i = round(transition.seconds * fps)` frames, shortened
//! to half of the shorter of the two shots so that a shot's incoming and outgoing
//! transitions never meet; a cut, and the last shot's transition, last 0 frames.
//!
//! - A **crossfade** overlaps the two shots: shot `i + 1` starts `t_i` frames before shot `i`
//!   ends, so the sequence is `t_i` frames shorter than the sum of its shots.
//! - A **dip to black** does not overlap: shot `i` fades out over its last `t_i / 2` frames
//!   and shot `i + 1` fades in over its first `t_i / 2`; the sequence keeps its length.
//!
//! The **cut time** of a join is where the picture changes over: the first frame of the next
//! shot for a cut and a dip (the darkest point of the dip), the middle of the overlap for a
//! crossfade (where both shots weigh the same). Beat snapping puts these times on beats.

use serde::Serialize;
use ts_rs::TS;

use crate::project::{Shot, TransitionKind};

/// Frames of `seconds` at `fps`, rounded (NaN and negative count as 0).
pub fn frames_of(seconds: f32, fps: u32) -> u32 {
    let f = (seconds as f64 * fps as f64).round();
    if f.is_finite() && f > 0.0 {
        f as u32
    } else {
        0
    }
}

/// One shot on the sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ShotSpan {
    /// First frame of the shot on the sequence.
    pub start: u32,
    /// Frames the shot lasts (its first frame shows at `start`).
    pub frames: u32,
    /// The transition into the next shot as it plays: its kind (a cut for the last shot)
    /// and its length in frames after shortening.
    pub transition: TransitionKind,
    pub transition_frames: u32,
}

impl ShotSpan {
    /// One past the shot's last frame.
    pub fn end(&self) -> u32 {
        self.start + self.frames
    }
}

/// The timing of a whole sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Timing {
    pub fps: u32,
    pub shots: Vec<ShotSpan>,
    /// Frames in the whole sequence.
    pub total_frames: u32,
}

impl Timing {
    /// The timing of `shots` at `fps` frames per second.
    pub fn new(shots: &[Shot], fps: u32) -> Timing {
        let fps = fps.max(1);
        let frames: Vec<u32> = shots
            .iter()
            .map(|s| frames_of(s.seconds, fps).max(1))
            .collect();
        let mut spans = Vec::with_capacity(shots.len());
        let mut start = 0u32;
        for (i, shot) in shots.iter().enumerate() {
            let n = frames[i];
            let (kind, t) = match frames.get(i + 1) {
                Some(&next) if shot.transition.kind != TransitionKind::Cut => {
                    let t = frames_of(shot.transition.seconds, fps).min(n.min(next) / 2);
                    if t == 0 {
                        (TransitionKind::Cut, 0)
                    } else {
                        (shot.transition.kind, t)
                    }
                }
                _ => (TransitionKind::Cut, 0),
            };
            spans.push(ShotSpan {
                start,
                frames: n,
                transition: kind,
                transition_frames: t,
            });
            start += n - if kind == TransitionKind::Crossfade {
                t
            } else {
                0
            };
        }
        let total_frames = spans.last().map_or(0, ShotSpan::end);
        Timing {
            fps,
            shots: spans,
            total_frames,
        }
    }

    /// Seconds of `frames` frames.
    pub fn seconds(&self, frames: f64) -> f64 {
        frames / self.fps as f64
    }

    /// Length of the sequence in seconds.
    pub fn total_seconds(&self) -> f64 {
        self.seconds(self.total_frames as f64)
    }

    /// When each shot starts, in seconds.
    pub fn starts(&self) -> Vec<f64> {
        self.shots
            .iter()
            .map(|s| self.seconds(s.start as f64))
            .collect()
    }

    /// The cut time of every join (one fewer than the shots), in frames from the start:
    /// a half frame for a crossfade over an odd number of frames.
    pub fn cut_frames(&self) -> Vec<f64> {
        self.shots
            .windows(2)
            .map(|pair| {
                let (a, b) = (pair[0], pair[1]);
                let offset = match a.transition {
                    TransitionKind::Crossfade => a.transition_frames as f64 / 2.0,
                    _ => 0.0,
                };
                b.start as f64 + offset
            })
            .collect()
    }

    /// The cut time of every join, in seconds.
    pub fn cut_times(&self) -> Vec<f64> {
        self.cut_frames()
            .into_iter()
            .map(|f| self.seconds(f))
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::project::Transition;

    pub(crate) fn shots(spec: &[(f32, TransitionKind, f32)]) -> Vec<Shot> {
        spec.iter()
            .enumerate()
            .map(|(i, &(seconds, kind, t))| {
                let mut s = Shot::new(format!("s{i}"), format!("S{i}"));
                s.seconds = seconds;
                s.transition = Transition { kind, seconds: t };
                s
            })
            .collect()
    }

    #[test]
    fn cuts_follow_each_other() {
        let t = Timing::new(
            &shots(&[
                (2.0, TransitionKind::Cut, 0.5),
                (1.5, TransitionKind::Cut, 0.0),
            ]),
            30,
        );
        assert_eq!(t.shots[0].start, 0);
        assert_eq!(t.shots[1].start, 60);
        assert_eq!(t.total_frames, 105);
        assert_eq!(t.cut_times(), vec![2.0]);
        assert_eq!(t.starts(), vec![0.0, 2.0]);
    }

    #[test]
    fn a_crossfade_overlaps_and_a_dip_does_not() {
        let t = Timing::new(
            &shots(&[
                (2.0, TransitionKind::Crossfade, 0.4),
                (3.0, TransitionKind::Dip, 1.0),
                (2.0, TransitionKind::Crossfade, 1.0),
            ]),
            30,
        );
        assert_eq!(t.shots[0].transition_frames, 12);
        assert_eq!(t.shots[1].start, 48);
        assert_eq!(t.shots[2].start, 48 + 90);
        // The last shot's transition leads nowhere.
        assert_eq!(t.shots[2].transition, TransitionKind::Cut);
        assert_eq!(t.total_frames, 60 + 90 + 60 - 12);
        assert!((t.total_seconds() - (7.0 - 0.4)).abs() < 1e-9);
        // Crossfade: the middle of the overlap; dip: the next shot's first frame.
        assert_eq!(t.cut_frames(), vec![54.0, 138.0]);
    }

    #[test]
    fn transitions_are_shortened_to_half_the_shorter_shot() {
        let t = Timing::new(
            &shots(&[
                (1.0, TransitionKind::Crossfade, 5.0),
                (4.0, TransitionKind::Cut, 0.0),
            ]),
            30,
        );
        assert_eq!(t.shots[0].transition_frames, 15);
        assert_eq!(t.shots[1].start, 15);
        // A transition that rounds to no frame is a cut.
        let t = Timing::new(
            &shots(&[
                (1.0, TransitionKind::Dip, 0.01),
                (1.0, TransitionKind::Cut, 0.0),
            ]),
            30,
        );
        assert_eq!(t.shots[0].transition, TransitionKind::Cut);
    }

    #[test]
    fn an_empty_sequence_has_no_frames() {
        let t = Timing::new(&[], 30);
        assert_eq!(t.total_frames, 0);
        assert!(t.cut_times().is_empty());
    }
}
