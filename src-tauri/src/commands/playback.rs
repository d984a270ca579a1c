//! Play, stop and the playhead's position while the timeline plays. The sound of the
//! sequence plays from the playhead through the audio output, and the position the UI polls
//! is read from that output (see `playback::clock`), so picture and sound stay together.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use studio::audio::{self, mix_frames, Pcm, SAMPLE_RATE};
use studio::project::{store, Project};
use studio::sequence::mix::mix_clip;
use studio::sequence::Timing;
use tauri::State;
use ts_rs::TS;

use super::ui_error;
use crate::playback::clock::{Clock, Pulled};
use crate::playback::{now, MixSource, SoundCache, TimelineState};
use crate::state::AppState;

#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PlayRequest {
    /// The project as the creator sees it now (it may have unsaved edits).
    pub project: Project,
    /// Where to start, in seconds on the sequence.
    pub from: f64,
    /// 1 is real time; 2, 4 play faster and negative speeds backwards (those play silently,
    /// as sound at other speeds is not what the export will sound like).
    pub speed: f64,
}

#[derive(Serialize, TS)]
#[ts(export)]
pub struct PlayStarted {
    /// Whether sound plays (and drives the playhead).
    pub with_sound: bool,
    /// Why no sound can play on this machine (no output device), if so.
    pub unavailable: Option<String>,
    /// A sound file of the project that could not be read (the rest plays), if any.
    pub sound_error: Option<String>,
}

#[derive(Serialize, TS)]
#[ts(export)]
pub struct PlayheadPosition {
    /// Seconds on the sequence.
    pub seconds: f64,
    /// False once playback stopped (at either end of the sequence, or by stop).
    pub playing: bool,
}

/// The decoded sound of every clip, from the cache when it was decoded before.
fn clip_sounds(cache: &SoundCache, dir: &Path, project: &Project) -> Result<Vec<Arc<Pcm>>, String> {
    project
        .audio
        .iter()
        .map(|clip| {
            let path = store::asset_path(dir, &clip.file).map_err(ui_error)?;
            if let Some(pcm) = cache.lock().ok().and_then(|c| c.get(&path).cloned()) {
                return Ok(pcm);
            }
            let loaded = audio::load(&path).map_err(|e| format!("\"{}\": {e}", clip.name))?;
            let pcm = Arc::new(loaded.pcm);
            if let Ok(mut cache) = cache.lock() {
                cache.insert(path, pcm.clone());
            }
            Ok(pcm)
        })
        .collect()
}

/// The sequence's mix from `from` to `end` (seconds).
fn mix_from(project: &Project, sounds: &[Arc<Pcm>], from: f64, end: f64) -> Pcm {
    let clips: Vec<_> = project
        .audio
        .iter()
        .zip(sounds)
        .map(|(clip, pcm)| {
            let mut c = mix_clip(clip, pcm);
            // The mixer cuts what falls before 0: the mix starts at the playhead.
            c.start -= from;
            c
        })
        .collect();
    let frames = ((end - from).max(0.0) * SAMPLE_RATE as f64).round() as usize;
    mix_frames(&clips, frames)
}

/// Starts playing the sequence at `from` (any play already running stops).
#[tauri::command]
pub async fn playback_start(
    state: State<'_, AppState>,
    timeline: State<'_, TimelineState>,
    request: PlayRequest,
) -> Result<PlayStarted, String> {
    let dir = state.folder()?.dir;
    timeline.stop();
    let project = request.project;
    let end = Timing::new(&project.shots, project.export.fps()).total_seconds();
    let from = if request.from.is_finite() {
        request.from.clamp(0.0, end)
    } else {
        0.0
    };
    let speed = if request.speed.is_finite() && request.speed != 0.0 {
        request.speed.clamp(-16.0, 16.0)
    } else {
        1.0
    };
    let mixer = timeline.mixer();
    let unavailable = mixer.as_ref().err().cloned();
    let mut sound_error = None;
    if let (Ok(mixer), true, false) = (mixer, speed == 1.0, project.audio.is_empty()) {
        let cache = timeline.sounds.clone();
        // Decoding (the first time) and mixing take a moment: off the UI's threads.
        let mixed = tauri::async_runtime::spawn_blocking(move || {
            clip_sounds(&cache, &dir, &project).map(|sounds| mix_from(&project, &sounds, from, end))
        })
        .await
        .map_err(ui_error)?;
        match mixed {
            Ok(pcm) => {
                let pulled = Pulled::default();
                let stop = Arc::new(AtomicBool::new(false));
                // The clock starts before the sound is handed over, so it counts from 0.
                timeline.start(Clock::audio(from, end, pulled.clone(), now()), stop.clone());
                mixer.add(MixSource::new(pcm, pulled, stop));
                return Ok(PlayStarted {
                    with_sound: true,
                    unavailable: None,
                    sound_error: None,
                });
            }
            Err(e) => sound_error = Some(e),
        }
    }
    timeline.start(
        Clock::wall(from, speed, end, now()),
        Arc::new(AtomicBool::new(false)),
    );
    Ok(PlayStarted {
        with_sound: false,
        unavailable,
        sound_error,
    })
}

/// Stops playing; returns where the playhead stopped (seconds).
#[tauri::command]
pub fn playback_stop(timeline: State<'_, TimelineState>) -> f64 {
    timeline.stop()
}

/// Where the playhead is (polled by the UI every display frame while playing).
#[tauri::command]
pub fn playback_position(timeline: State<'_, TimelineState>) -> PlayheadPosition {
    let p = timeline.position();
    PlayheadPosition {
        seconds: p.seconds,
        playing: p.playing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio::project::{AudioClip, Shot};

    #[test]
    fn the_mix_starts_at_the_playhead() {
        let mut project = Project::empty("t");
        let mut shot = Shot::new("a", "A");
        shot.seconds = 4.0;
        project.shots.push(shot);
        let mut clip = AudioClip::new("c", "Click", "assets/x.wav", 1.0);
        clip.start = 1.0;
        project.audio.push(clip);
        let sound = Arc::new(Pcm::from_mono(vec![0.5; SAMPLE_RATE as usize]));
        let pcm = mix_from(&project, &[sound], 1.5, 4.0);
        assert_eq!(pcm.frames(), (2.5 * SAMPLE_RATE as f64) as usize);
        // Half of the clip is left after 1.5 s, then silence.
        assert!((pcm.left[0] - 0.5).abs() < 1e-6);
        assert!((pcm.left[SAMPLE_RATE as usize / 2 - 1] - 0.5).abs() < 1e-6);
        assert_eq!(pcm.left[SAMPLE_RATE as usize / 2 + 1], 0.0);
    }
}
