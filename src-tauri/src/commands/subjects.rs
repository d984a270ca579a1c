//! The subject library's pictures. Subjects themselves live in the project the UI edits (shots
//! link to them by id); the backend only copies their reference pictures into the project.

use std::path::Path;

use studio::project::{store, ImportedImage};
use tauri::State;

use super::ui_error;
use crate::state::AppState;

/// Copies every picture into the open project's assets (decoding each, off the UI thread).
/// The first picture that cannot be read fails the whole call, naming the file, so a subject
/// never ends up with only some of the pictures the creator chose.
#[tauri::command]
pub async fn import_subject_images(
    state: State<'_, AppState>,
    paths: Vec<String>,
) -> Result<Vec<ImportedImage>, String> {
    if paths.is_empty() {
        return Err("choose at least one picture of the subject".to_string());
    }
    let dir = state.folder()?.dir;
    tauri::async_runtime::spawn_blocking(move || {
        paths
            .iter()
            .map(|p| store::import_image(&dir, Path::new(p)))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(ui_error)?
    .map_err(ui_error)
}
