//! Generating shots with the video model: queue shots, cancel them, ask where a shot stands,
//! and read a generated clip's frames for the stage.
//!
//! The project on disk: `generate_shots` receives the project as the creator sees it and
//! saves it into the open folder (the same `store::save` as "Save") before queueing, so a job
//! never runs on settings that are not on disk, and what it generates is what the creator
//! saw when pressing Generate. A job never writes project.json: its `done` event carries the
//! result key, and the UI records it in the shot and saves again.

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use studio::generate::{
    clip_states, discard_clip, ClipState, GenerateQueue, GenerationStatus, ResultCache,
};
use studio::project::{store, Project};
use tauri::ipc::{Channel, InvokeResponseBody, Response};
use tauri::State;
use ts_rs::TS;

use super::ui_error;
use crate::generate_queue::ChannelSink;
use crate::state::AppState;

/// The largest frame side the stage is sent, whatever it asks.
const MAX_SIDE: u32 = 1920;

#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct GenerateShotsRequest {
    /// The project as the creator sees it now; it is saved before anything runs.
    pub project: Project,
    /// The shots to generate (indices into `project.shots`), in order.
    pub shots: Vec<u32>,
}

/// Saves the project, then queues `shots`; each job reports on `on_event` (JSON events and
/// raw step previews, see `generate_queue`). Returns the job ids.
#[tauri::command]
pub async fn generate_shots(
    state: State<'_, AppState>,
    queue: State<'_, GenerateQueue>,
    request: GenerateShotsRequest,
    on_event: Channel<InvokeResponseBody>,
) -> Result<Vec<u32>, String> {
    let dir = state.folder()?.dir;
    let project = request.project;
    let save_dir = dir.clone();
    let project = tauri::async_runtime::spawn_blocking(move || {
        store::save(&save_dir, &project).map(|()| project)
    })
    .await
    .map_err(ui_error)?
    .map_err(ui_error)?;
    let shots: Vec<usize> = request.shots.iter().map(|&i| i as usize).collect();
    queue.enqueue(&dir, project, &shots, Arc::new(ChannelSink(on_event)))
}

/// Cancels the jobs of the shot with id `shot_id`, or all of them when it is absent.
#[tauri::command]
pub fn cancel_generation(queue: State<'_, GenerateQueue>, shot_id: Option<String>) -> u32 {
    queue.cancel(shot_id.as_deref()) as u32
}

#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct GenerationStatusRequest {
    pub project: Project,
    /// The shot (an index into `project.shots`).
    pub shot: u32,
}

/// Whether shot `shot` is up to date, needs generating or has no model to run on.
#[tauri::command]
pub async fn shot_generation_status(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    request: GenerationStatusRequest,
) -> Result<GenerationStatus, String> {
    use tauri::Manager;
    let dir = state.folder()?.dir;
    tauri::async_runtime::spawn_blocking(move || {
        let queue = app.state::<GenerateQueue>();
        queue.status(&dir, &request.project, request.shot as usize)
    })
    .await
    .map_err(ui_error)
}

#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DiscardClipRequest {
    /// The project as the creator sees it now.
    pub project: Project,
    /// The shot whose clip goes (an index into `project.shots`).
    pub shot: u32,
}

/// Discards the generated clip of a shot: the shot forgets its result (the files stay in the
/// cache, so undo brings it back), the project is saved into the open folder unless it is
/// untitled (its autosave keeps it), and the project comes back for the UI to record as one
/// undoable edit.
#[tauri::command]
pub async fn discard_generated_clip(
    state: State<'_, AppState>,
    request: DiscardClipRequest,
) -> Result<Project, String> {
    let folder = state.folder()?;
    let mut project = request.project;
    discard_clip(&mut project, request.shot as usize).map_err(ui_error)?;
    if folder.untitled {
        return Ok(project);
    }
    tauri::async_runtime::spawn_blocking(move || {
        store::save(&folder.dir, &project).map(|()| project)
    })
    .await
    .map_err(ui_error)?
    .map_err(ui_error)
}

/// Every shot's generated clip: none playing, current, out of date or missing. Cheap (no
/// model, no device, no decoding), so the storyboard can mark out-of-date clips at any time.
#[tauri::command]
pub async fn shot_clip_states(
    state: State<'_, AppState>,
    project: Project,
) -> Result<Vec<ClipState>, String> {
    let dir = state.folder()?.dir;
    tauri::async_runtime::spawn_blocking(move || clip_states(&ResultCache::new(&dir), &project))
        .await
        .map_err(ui_error)
}

#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct GeneratedFrameRequest {
    /// The clip's cache key (a shot's `result`).
    pub key: String,
    /// Shot time, 0..1: the nearest generated frame.
    pub t: f32,
    /// The frame fits inside these bounds, keeping its aspect.
    pub max_width: u32,
    pub max_height: u32,
}

/// A frame of a generated clip, in the same byte layout as `preview_frame`: width and height
/// as little-endian u32, then width x height x 4 RGBA bytes.
#[tauri::command]
pub async fn generated_frame(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    request: GeneratedFrameRequest,
) -> Result<Response, String> {
    use tauri::Manager;
    let dir = state.folder()?.dir;
    let bytes = tauri::async_runtime::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let queue = app.state::<GenerateQueue>();
        let clip = queue.clip(Path::new(&dir), &request.key)?;
        let frame = clip
            .frame_at(request.t)
            .ok_or_else(|| format!("the generated clip {} has no frames", request.key))?;
        let bounds = (
            request.max_width.clamp(16, MAX_SIDE),
            request.max_height.clamp(16, MAX_SIDE),
        );
        let (w, h) = frame.dimensions();
        let scale = (bounds.0 as f32 / w as f32)
            .min(bounds.1 as f32 / h as f32)
            .min(1.0);
        let resized;
        let frame = if scale < 1.0 {
            let nw = ((w as f32 * scale).round() as u32).max(1);
            let nh = ((h as f32 * scale).round() as u32).max(1);
            resized = image::imageops::resize(frame, nw, nh, image::imageops::FilterType::Triangle);
            &resized
        } else {
            frame
        };
        let (w, h) = frame.dimensions();
        let mut bytes = Vec::with_capacity(8 + (w * h * 4) as usize);
        bytes.extend_from_slice(&w.to_le_bytes());
        bytes.extend_from_slice(&h.to_le_bytes());
        for px in frame.pixels() {
            bytes.extend_from_slice(&[px[0], px[1], px[2], 255]);
        }
        Ok(bytes)
    })
    .await
    .map_err(ui_error)??;
    Ok(Response::new(bytes))
}
