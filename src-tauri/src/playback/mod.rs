//! Playing the timeline: the sound of the sequence through the audio output (rodio over
//! cpal), the playhead's [`clock`], and the sequence renderer the preview draws from.
//!
//! The output is opened on the first play, on a thread of its own that keeps it alive (cpal's
//! streams may not move between threads). A machine without a sound device (CI, a server,
//! Xvfb in a container) is not an error: the timeline plays silently on the wall clock and
//! the UI says that sound is unavailable.

pub mod clock;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rodio::mixer::Mixer;
use rodio::{ChannelCount, SampleRate, Source};
use studio::audio::{Pcm, SAMPLE_RATE};
use studio::sequence::SequenceRenderer;

use self::clock::{Clock, Position, Pulled};

/// Seconds on one monotonic clock for the whole app.
pub fn now() -> f64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_secs_f64()
}

/// The audio output, once tried (`None` in the state before the first play).
enum Output {
    Ready(Mixer),
    /// Why there is no sound (shown to the creator).
    Unavailable(String),
}

/// One play of the timeline: its clock and the switch that silences its sound.
struct Play {
    clock: Clock,
    stop: Arc<AtomicBool>,
}

impl Drop for Play {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

/// The sequence renderer the preview last used, and what it was built from.
pub struct PreviewRenderer {
    /// The folder, shots, export settings and bounds it was built for.
    pub key: String,
    pub renderer: SequenceRenderer,
}

/// Decoded sound files by path.
pub type SoundCache = Mutex<HashMap<PathBuf, Arc<Pcm>>>;

/// Everything the timeline keeps between commands.
#[derive(Default)]
pub struct TimelineState {
    output: Mutex<Option<Output>>,
    play: Mutex<Option<Play>>,
    /// Where the playhead was when the last play ended (seconds).
    last: Mutex<f64>,
    /// Decoded sound files by path: decoding an mp3 takes longer than a play should wait.
    pub sounds: Arc<SoundCache>,
    pub preview: Arc<Mutex<Option<PreviewRenderer>>>,
}

/// The sound output is not there (the reason is for the creator).
pub type Unavailable = String;

impl TimelineState {
    /// The output's mixer, opening the device the first time; the reason when there is none.
    /// `MOTIONBOARD_NO_AUDIO=1` acts as if there were no device (tests on machines with one).
    pub fn mixer(&self) -> Result<Mixer, Unavailable> {
        let mut output = self
            .output
            .lock()
            .map_err(|_| "internal error: audio state poisoned".to_string())?;
        if output.is_none() {
            *output = Some(match open_output() {
                Ok(mixer) => Output::Ready(mixer),
                Err(why) => Output::Unavailable(why),
            });
        }
        match output.as_ref() {
            Some(Output::Ready(mixer)) => Ok(mixer.clone()),
            Some(Output::Unavailable(why)) => Err(why.clone()),
            None => Err("no sound output".to_string()),
        }
    }

    /// Starts a play with `clock`, ending the one before (and its sound).
    pub fn start(&self, clock: Clock, stop: Arc<AtomicBool>) {
        if let Ok(mut play) = self.play.lock() {
            *play = Some(Play { clock, stop });
        }
    }

    /// Stops playing; returns where the playhead stopped.
    pub fn stop(&self) -> f64 {
        let at = self.position();
        if let Ok(mut play) = self.play.lock() {
            *play = None;
        }
        at.seconds
    }

    /// Where the playhead is now. A play that reached an end of the sequence is over (its
    /// sound is stopped) and reports `playing: false` at that end.
    pub fn position(&self) -> Position {
        let last = self.last.lock().map(|l| *l).unwrap_or(0.0);
        let Ok(mut play) = self.play.lock() else {
            return Position {
                seconds: last,
                playing: false,
            };
        };
        let Some(p) = play.as_mut() else {
            return Position {
                seconds: last,
                playing: false,
            };
        };
        let pos = p.clock.position(now());
        if let Ok(mut l) = self.last.lock() {
            *l = pos.seconds;
        }
        if !pos.playing {
            *play = None;
        }
        pos
    }
}

fn open_output() -> Result<Mixer, Unavailable> {
    if std::env::var_os("MOTIONBOARD_NO_AUDIO").is_some_and(|v| v == "1") {
        return Err("sound output is switched off (MOTIONBOARD_NO_AUDIO=1)".to_string());
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("motionboard-audio".into())
        .spawn(
            move || match rodio::DeviceSinkBuilder::open_default_sink() {
                Ok(mut sink) => {
                    sink.log_on_drop(false);
                    let _ = tx.send(Ok(sink.mixer().clone()));
                    // The sink plays for as long as it lives: for the whole session.
                    loop {
                        std::thread::park();
                    }
                }
                Err(err) => {
                    let _ = tx.send(Err(format!("no sound output device ({err})")));
                }
            },
        )
        .map_err(|e| format!("could not start the sound thread: {e}"))?;
    rx.recv_timeout(Duration::from_secs(5))
        .map_err(|_| "the sound device did not answer".to_string())?
}

/// The sequence's mix as a rodio source, counting the frames the output pulls (the clock
/// reads that count) and ending when `stop` is set.
pub struct MixSource {
    pcm: Pcm,
    frame: usize,
    right_next: bool,
    pulled: Pulled,
    stop: Arc<AtomicBool>,
}

impl MixSource {
    pub fn new(pcm: Pcm, pulled: Pulled, stop: Arc<AtomicBool>) -> Self {
        MixSource {
            pcm,
            frame: 0,
            right_next: false,
            pulled,
            stop,
        }
    }
}

impl Iterator for MixSource {
    type Item = rodio::Sample;

    fn next(&mut self) -> Option<rodio::Sample> {
        if self.stop.load(Ordering::Acquire) {
            return None;
        }
        if self.right_next {
            self.right_next = false;
            let v = self.pcm.right.get(self.frame).copied().unwrap_or(0.0);
            self.frame += 1;
            self.pulled.add(1);
            Some(v as rodio::Sample)
        } else {
            let v = *self.pcm.left.get(self.frame)?;
            self.right_next = true;
            Some(v as rodio::Sample)
        }
    }
}

impl Source for MixSource {
    fn current_span_len(&self) -> Option<usize> {
        None
    }

    fn channels(&self) -> ChannelCount {
        ChannelCount::new(2).unwrap_or(ChannelCount::MIN)
    }

    fn sample_rate(&self) -> SampleRate {
        SampleRate::new(SAMPLE_RATE).unwrap_or(SampleRate::MIN)
    }

    fn total_duration(&self) -> Option<Duration> {
        Some(Duration::from_secs_f64(
            self.pcm.frames().saturating_sub(self.frame) as f64 / SAMPLE_RATE as f64,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_interleaves_counts_frames_and_stops() {
        let pcm = Pcm {
            left: vec![0.1, 0.2, 0.3],
            right: vec![-0.1, -0.2, -0.3],
        };
        let pulled = Pulled::default();
        let stop = Arc::new(AtomicBool::new(false));
        let mut s = MixSource::new(pcm, pulled.clone(), stop.clone());
        assert_eq!(s.channels().get(), 2);
        assert_eq!(s.sample_rate().get(), 48_000);
        let first: Vec<f32> = s.by_ref().take(4).collect();
        assert_eq!(first, vec![0.1, -0.1, 0.2, -0.2]);
        assert_eq!(pulled.get(), 2);
        stop.store(true, Ordering::Release);
        assert_eq!(s.next(), None);
        let mut rest = MixSource::new(
            Pcm::from_mono(vec![0.5; 2]),
            pulled.clone(),
            Arc::new(AtomicBool::new(false)),
        );
        assert_eq!(rest.by_ref().count(), 4);
        assert_eq!(pulled.get(), 4);
    }

    #[test]
    fn a_finished_play_reports_its_end_and_stops_its_sound() {
        let state = TimelineState::default();
        let stop = Arc::new(AtomicBool::new(false));
        state.start(Clock::wall(0.9, 1.0, 1.0, now() - 1.0), stop.clone());
        let p = state.position();
        assert_eq!(p.seconds, 1.0);
        assert!(!p.playing);
        assert!(stop.load(Ordering::Acquire), "the sound is silenced");
        assert_eq!(state.position().seconds, 1.0);
        assert_eq!(state.stop(), 1.0);
    }
}
