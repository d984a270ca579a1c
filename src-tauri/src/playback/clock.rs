//! The playhead's clock while the timeline plays.
//!
//! With sound, the clock *is* the sound: the playhead is computed from the number of samples
//! the audio output has pulled from our source, never from a timer that runs beside it. Two
//! clocks that run side by side drift apart (a sound card's crystal is off by up to a few
//! hundred ppm, and a timer does not know about underruns); one clock read two ways cannot.
//! What is left is that the output pulls samples in chunks (a few ms to ~40 ms) ahead of
//! playing them: it fills one buffer while the one before plays, so the chunk pulled last
//! is heard one chunk later. The position is the start of the chunk before it plus the
//! time since the last pull, at most one chunk, so the error is bounded by the output's
//! buffering (not by elapsed time) and never accumulates. Without sound (no device, or J/L at other speeds) the wall clock
//! drives the playhead.
//!
//! Times are seconds on a monotonic clock passed in by the caller (`now`), so the logic is
//! tested with simulated time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use studio::audio::SAMPLE_RATE;

/// The longest chunk the extrapolation trusts (s): a stalled device stops the playhead after
/// this long instead of letting it run on over sound that is not playing.
const MAX_CHUNK: f64 = 0.1;
/// How much faster than the wall clock a sound card may run (0.2%: ten times a bad
/// crystal), and how far ahead of it the sound may be. An output that takes sound faster
/// than that (a null sink, a large prefill into a sound server) does not play it: the
/// playhead is held to real time (within these) instead of racing ahead with the count.
const MAX_SKEW: f64 = 0.002;
const MAX_LEAD: f64 = 0.05;

/// How far into the sound the output is: sample frames pulled by the output, counted by
/// the source on the audio thread and read here.
#[derive(Debug, Default, Clone)]
pub struct Pulled(Arc<AtomicU64>);

impl Pulled {
    pub fn add(&self, frames: u64) {
        self.0.fetch_add(frames, Ordering::Release);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }
}

/// The sound's side of the clock: the pulled count and when it last changed.
#[derive(Debug)]
struct AudioCursor {
    pulled: Pulled,
    started: f64,
    seen: u64,
    seen_at: f64,
    /// Length of the last chunk pulled, in seconds.
    chunk: f64,
    /// The last position given, so that a longer chunk than the one before cannot step
    /// the playhead back.
    given: f64,
}

impl AudioCursor {
    /// Seconds of sound heard by `now`: the start of the chunk playing (the one before the
    /// last pulled) plus the time since the last pull, never past that chunk's end.
    fn elapsed(&mut self, now: f64) -> f64 {
        let pulled = self.pulled.get();
        if pulled != self.seen {
            let frames = pulled.saturating_sub(self.seen);
            self.chunk = (frames as f64 / SAMPLE_RATE as f64).min(MAX_CHUNK);
            self.seen = pulled;
            self.seen_at = now;
        }
        if pulled == 0 {
            // The output has not asked for sound yet: the picture waits for it.
            return 0.0;
        }
        let playing_from = pulled as f64 / SAMPLE_RATE as f64 - 2.0 * self.chunk;
        let most = (now - self.started).max(0.0) * (1.0 + MAX_SKEW) + MAX_LEAD;
        let heard = (playing_from + (now - self.seen_at).clamp(0.0, self.chunk)).clamp(0.0, most);
        self.given = self.given.max(heard);
        self.given
    }
}

#[derive(Debug)]
enum Drive {
    Wall { started: f64 },
    Audio(AudioCursor),
}

/// The playhead of one play: from `origin` (seconds on the sequence) at `speed` (1 is real
/// time, negative plays backwards), until it reaches 0 or `end`.
#[derive(Debug)]
pub struct Clock {
    origin: f64,
    speed: f64,
    end: f64,
    drive: Drive,
}

/// Where the playhead is, and whether it is still moving.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    pub seconds: f64,
    /// False once the playhead has reached either end of the sequence.
    pub playing: bool,
}

impl Clock {
    /// A clock on the wall clock, started at `now`.
    pub fn wall(origin: f64, speed: f64, end: f64, now: f64) -> Clock {
        Clock {
            origin: origin.clamp(0.0, end.max(0.0)),
            speed: if speed.is_finite() { speed } else { 1.0 },
            end: end.max(0.0),
            drive: Drive::Wall { started: now },
        }
    }

    /// A clock driven by the sound whose pulled frames `pulled` counts (from 0, for sound
    /// that starts at `origin`); always real time, forwards.
    pub fn audio(origin: f64, end: f64, pulled: Pulled, now: f64) -> Clock {
        Clock {
            origin: origin.clamp(0.0, end.max(0.0)),
            speed: 1.0,
            end: end.max(0.0),
            drive: Drive::Audio(AudioCursor {
                seen: pulled.get(),
                pulled,
                started: now,
                seen_at: now,
                chunk: 0.0,
                given: 0.0,
            }),
        }
    }

    #[cfg(test)]
    pub fn follows_audio(&self) -> bool {
        matches!(self.drive, Drive::Audio(_))
    }

    pub fn position(&mut self, now: f64) -> Position {
        let elapsed = match &mut self.drive {
            Drive::Wall { started } => (now - *started).max(0.0),
            Drive::Audio(cursor) => cursor.elapsed(now),
        };
        let at = self.origin + self.speed * elapsed;
        let playing = if self.speed > 0.0 {
            at < self.end
        } else if self.speed < 0.0 {
            at > 0.0
        } else {
            true
        };
        Position {
            seconds: at.clamp(0.0, self.end),
            playing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: f64 = 1.0 / 30.0;

    /// A small deterministic jitter source (no rand in this crate).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// A sound card whose crystal runs `skew` fast, pulling `chunk` frames whenever its
    /// buffer needs them (late by up to `jitter` s), and playing each chunk `latency` s
    /// after pulling it (one chunk, double-buffered, is the usual). Returns the largest gap between the clock and the sound heard,
    /// and the same for a plain wall clock started at the same time, over `seconds`.
    fn simulate(skew: f64, chunk: u64, jitter: f64, latency: f64, seconds: f64) -> (f64, f64) {
        let pulled = Pulled::default();
        let mut clock = Clock::audio(0.0, 1000.0, pulled.clone(), 0.0);
        let mut wall = Clock::wall(0.0, 1.0, 1000.0, 0.0);
        let rate = SAMPLE_RATE as f64 * (1.0 + skew);
        let period = chunk as f64 / rate;
        let mut rng = Lcg(7);
        let mut next_pull = 0.0;
        let mut pulls = 0u64;
        let (mut worst, mut worst_wall) = (0.0f64, 0.0f64);
        let mut last = 0.0;
        // The UI asks every display frame (60 Hz).
        let mut t = 0.0;
        while t < seconds {
            while next_pull <= t {
                pulled.add(chunk);
                pulls += 1;
                next_pull = pulls as f64 * period + jitter * rng.next();
            }
            // What the listener hears at t: the device plays at its own rate, `latency`
            // behind its pulls, in the sound's own seconds.
            let heard = ((t - latency) * rate / SAMPLE_RATE as f64).max(0.0);
            let p = clock.position(t);
            assert!(p.seconds >= last, "the playhead never goes back");
            last = p.seconds;
            if t > latency {
                worst = worst.max((p.seconds - heard).abs());
                worst_wall = worst_wall.max((wall.position(t).seconds - heard).abs());
            }
            t += 1.0 / 60.0;
        }
        (worst, worst_wall)
    }

    #[test]
    fn the_audio_clock_stays_within_a_frame_of_the_sound_over_a_minute() {
        // A sound card 0.2% fast (worse than any real one: it makes the drift visible),
        // 1024-frame pulls with 4 ms of scheduling jitter, 21 ms of output latency.
        let (audio, wall) = simulate(0.002, 1024, 0.004, 1024.0 / 48_000.0, 60.0);
        assert!(audio < FRAME, "audio-driven clock off by {audio:.4} s");
        // The same run on a free-running timer drifts past a frame: the test can tell.
        assert!(wall > FRAME, "a wall clock would be off by {wall:.4} s");
        // Large chunks (40 ms), or a slow card that buffers one chunk more than assumed:
        // still within a frame.
        let (audio, _) = simulate(0.0, 1920, 0.0, 1920.0 / 48_000.0, 60.0);
        assert!(audio < FRAME, "{audio}");
        let (audio, _) = simulate(-0.002, 1024, 0.004, 2048.0 / 48_000.0, 60.0);
        assert!(audio < FRAME, "{audio}");
    }

    #[test]
    fn an_output_that_swallows_sound_does_not_run_the_playhead_ahead() {
        // A null sink takes a second of sound every 10 ms.
        let pulled = Pulled::default();
        let mut c = Clock::audio(0.0, 100.0, pulled.clone(), 0.0);
        let mut t = 0.0;
        while t < 2.0 {
            pulled.add(48_000);
            t += 0.01;
            let p = c.position(t).seconds;
            assert!(p <= t * (1.0 + MAX_SKEW) + MAX_LEAD + 1e-9, "{p} at {t}");
        }
        assert!(c.position(2.0).seconds > 1.9, "it still plays");
    }

    #[test]
    fn the_audio_clock_waits_for_the_first_pull_and_stops_at_a_stall() {
        let pulled = Pulled::default();
        let mut c = Clock::audio(2.0, 10.0, pulled.clone(), 0.0);
        assert!(c.follows_audio());
        assert_eq!(c.position(0.5).seconds, 2.0);
        // 0.1 s pulled at t = 0.5: it plays once the next is pulled, at t = 0.6.
        pulled.add(4800);
        assert_eq!(c.position(0.5).seconds, 2.0);
        assert_eq!(c.position(0.55).seconds, 2.0);
        pulled.add(4800);
        assert!((c.position(0.6).seconds - 2.0).abs() < 1e-9);
        assert!((c.position(0.65).seconds - 2.05).abs() < 1e-9);
        // No pull for a second: the playhead waits at the end of what was heard.
        assert!((c.position(1.6).seconds - 2.1).abs() < 1e-9);
    }

    #[test]
    fn the_wall_clock_plays_at_speed_and_stops_at_the_ends() {
        let mut c = Clock::wall(1.0, 2.0, 5.0, 10.0);
        assert!(!c.follows_audio());
        assert_eq!(c.position(11.0).seconds, 3.0);
        let end = c.position(13.0);
        assert_eq!(end.seconds, 5.0);
        assert!(!end.playing);
        let mut back = Clock::wall(1.0, -1.0, 5.0, 0.0);
        assert_eq!(back.position(0.5).seconds, 0.5);
        assert!(back.position(0.5).playing);
        let start = back.position(2.0);
        assert_eq!(start.seconds, 0.0);
        assert!(!start.playing);
        // Playing forwards from 0 is playing.
        assert!(Clock::wall(0.0, 1.0, 5.0, 0.0).position(0.0).playing);
    }
}
