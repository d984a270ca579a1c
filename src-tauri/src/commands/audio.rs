//! Sound files on the audio lanes: importing one into the project, the waveform peaks the
//! lane draws (computed here, in Rust, from the decoded 48 kHz stereo samples) and the
//! beats of a music clip.

use std::path::PathBuf;

use serde::Serialize;
use studio::audio;
use studio::project::store;
use tauri::State;
use ts_rs::TS;

use super::ui_error;
use crate::state::AppState;

/// The most peaks one request may ask for (a lane is never wider than this in pixels).
const MAX_BUCKETS: u32 = 8192;

/// A waveform: the smallest and largest sample of each of N equal slices of a file.
#[derive(Clone, Serialize, TS)]
#[ts(export)]
pub struct AudioPeaks {
    pub min: Vec<f32>,
    pub max: Vec<f32>,
}

/// A sound file copied into the project, with what the lane needs to draw it.
#[derive(Clone, Serialize, TS)]
#[ts(export)]
pub struct ImportedSound {
    /// Path relative to the project folder, e.g. `assets/3fa9….wav`.
    pub asset: String,
    /// The file's name as the creator knows it ("song.mp3").
    pub name: String,
    /// The file's length in seconds.
    pub seconds: f64,
    /// Set when only part of the file could be decoded (what happened, how much was read).
    pub warning: Option<String>,
    pub peaks: AudioPeaks,
}

fn peaks_of(pcm: &audio::Pcm, buckets: u32) -> AudioPeaks {
    let peaks = audio::peaks(pcm, buckets.clamp(1, MAX_BUCKETS) as usize);
    AudioPeaks {
        min: peaks.iter().map(|p| p.min).collect(),
        max: peaks.iter().map(|p| p.max).collect(),
    }
}

/// Copies a sound file (wav, flac, ogg/vorbis, mp3, m4a/aac) into the open project's assets
/// and returns it with `buckets` waveform peaks. Decoding runs off the UI thread.
#[tauri::command]
pub async fn import_audio(
    state: State<'_, AppState>,
    path: String,
    buckets: u32,
) -> Result<ImportedSound, String> {
    let dir = state.folder()?.dir;
    tauri::async_runtime::spawn_blocking(move || {
        let source = PathBuf::from(&path);
        let imported = store::import_audio(&dir, &source).map_err(ui_error)?;
        let peaks = peaks_of(&imported.pcm, buckets);
        let name = source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| imported.asset.clone());
        Ok(ImportedSound {
            asset: imported.asset,
            name,
            seconds: imported.seconds,
            warning: imported.warning,
            peaks,
        })
    })
    .await
    .map_err(ui_error)?
}

/// The waveform of a sound already in the open project (`file` as in an audio clip).
#[tauri::command]
pub async fn audio_peaks(
    state: State<'_, AppState>,
    file: String,
    buckets: u32,
) -> Result<AudioPeaks, String> {
    let dir = state.folder()?.dir;
    tauri::async_runtime::spawn_blocking(move || {
        let path = store::asset_path(&dir, &file).map_err(ui_error)?;
        let loaded = audio::load(&path).map_err(ui_error)?;
        Ok(peaks_of(&loaded.pcm, buckets))
    })
    .await
    .map_err(ui_error)?
}

/// The tempo and beats of a sound file.
#[derive(Clone, Serialize, TS)]
#[ts(export)]
pub struct BeatGrid {
    /// Beats per minute; 0 when no steady beat was found.
    pub bpm: f64,
    /// Beat times in seconds from the start of the file (not of the sequence).
    pub beats: Vec<f64>,
}

/// Detects the beats of a sound already in the open project (`file` as in an audio clip),
/// as `motionboard beats` does.
#[tauri::command]
pub async fn detect_beats(state: State<'_, AppState>, file: String) -> Result<BeatGrid, String> {
    let dir = state.folder()?.dir;
    tauri::async_runtime::spawn_blocking(move || {
        let path = store::asset_path(&dir, &file).map_err(ui_error)?;
        let loaded = audio::load(&path).map_err(ui_error)?;
        let analysis = audio::analyze(&loaded.pcm);
        Ok(BeatGrid {
            bpm: analysis.bpm,
            beats: analysis.beats,
        })
    })
    .await
    .map_err(ui_error)?
}
