//! Export of the whole sequence (every shot, transitions and the audio mix) to MP4, with
//! progress over a channel, cancellable.

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};
use studio::project::Project;
use studio::sequence::export_sequence;
use tauri::ipc::Channel;
use tauri::State;
use ts_rs::TS;

use super::ui_error;
use crate::state::AppState;

#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExportRequest {
    /// The project as the creator sees it now (it may have unsaved edits).
    pub project: Project,
    /// The MP4 to write.
    pub path: String,
}

#[derive(Clone, Serialize, TS)]
#[ts(export)]
pub struct ExportProgress {
    pub done: u32,
    pub total: u32,
}

#[tauri::command]
pub async fn export_video(
    state: State<'_, AppState>,
    request: ExportRequest,
    on_progress: Channel<ExportProgress>,
) -> Result<(), String> {
    let dir = state.folder()?.dir;
    let cancel = state.export_cancel.clone();
    cancel.store(false, Ordering::SeqCst);
    tauri::async_runtime::spawn_blocking(move || {
        let out = PathBuf::from(&request.path);
        let export = request.project.export;
        export_sequence(
            &dir,
            &request.project,
            export,
            &out,
            |done, total| {
                let _ = on_progress.send(ExportProgress { done, total });
            },
            &cancel,
        )
        .map(|_| ())
    })
    .await
    .map_err(ui_error)?
    .map_err(ui_error)
}

#[tauri::command]
pub fn cancel_export(state: State<'_, AppState>) {
    state.export_cancel.store(true, Ordering::SeqCst);
}
