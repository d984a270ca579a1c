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

/// Opens the exported file in the system's video player, or (`reveal`) its folder in the file
/// manager, without waiting for either.
#[tauri::command]
pub fn show_export(path: String, reveal: bool) -> Result<(), String> {
    let file = PathBuf::from(&path);
    if !file.is_file() {
        return Err(format!("{path} is not there any more; export again"));
    }
    let target = if reveal {
        file.parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| file.clone())
    } else {
        file.clone()
    };
    let mut command = if cfg!(target_os = "macos") {
        let mut c = std::process::Command::new("open");
        if reveal {
            c.arg("-R").arg(&file);
        } else {
            c.arg(&file);
        }
        c
    } else if cfg!(target_os = "windows") {
        let mut c = std::process::Command::new("explorer");
        if reveal {
            c.arg(format!("/select,{}", file.display()));
        } else {
            c.arg(&file);
        }
        c
    } else {
        let mut c = std::process::Command::new("xdg-open");
        c.arg(&target);
        c
    };
    let mut child = command
        .spawn()
        .map_err(|e| format!("could not open {}: {e}", target.display()))?;
    // Reap the opener when it exits, so it does not linger as a zombie.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}
