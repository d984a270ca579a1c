//! New, open, save, save as, autosave and picture import.

use std::path::{Path, PathBuf};

use serde::Serialize;
use studio::picture::PictureError;
use studio::project::{store, ImportOptions, ImportedImage, OpenedProject, Project, ProjectError};
use tauri::State;
use ts_rs::TS;

use super::ui_error;
use crate::session;
use crate::state::{AppState, OpenFolder};

fn opened(dir: &Path, project: Project, untitled: bool, recovered: bool) -> OpenedProject {
    OpenedProject {
        dir: dir.to_string_lossy().into_owned(),
        project,
        untitled,
        recovered,
    }
}

fn switch_to(state: &AppState, dir: &Path, untitled: bool) {
    state.set_folder(OpenFolder {
        dir: dir.to_owned(),
        untitled,
    });
    session::remember(dir);
}

/// A new untitled project in the app's data folder.
#[tauri::command]
pub fn new_project(state: State<'_, AppState>) -> Result<OpenedProject, String> {
    let dir = session::new_untitled_dir()?;
    // No name: the UI shows "Untitled" in the creator's language until "Save as" names it.
    let project = store::create(&dir, "").map_err(ui_error)?;
    session::prune_empty_untitled(&dir);
    switch_to(&state, &dir, true);
    Ok(opened(&dir, project, true, false))
}

/// At start-up: the project that was open when the app last ran, if it has unsaved work in
/// its autosave (the app was killed or crashed); otherwise a new project.
#[tauri::command]
pub fn restore_session(state: State<'_, AppState>) -> Result<OpenedProject, String> {
    if let Some(dir) = session::last_project() {
        if let Ok((project, true)) = store::open(&dir) {
            let untitled = session::is_untitled(&dir);
            switch_to(&state, &dir, untitled);
            return Ok(opened(&dir, project, untitled, true));
        }
    }
    new_project(state)
}

#[tauri::command]
pub fn open_project(state: State<'_, AppState>, dir: String) -> Result<OpenedProject, String> {
    let dir = PathBuf::from(dir);
    let (project, recovered) = store::open(&dir).map_err(ui_error)?;
    let untitled = session::is_untitled(&dir);
    switch_to(&state, &dir, untitled);
    Ok(opened(&dir, project, untitled, recovered))
}

#[tauri::command]
pub fn save_project(state: State<'_, AppState>, project: Project) -> Result<(), String> {
    let folder = state.folder()?;
    store::save(&folder.dir, &project).map_err(ui_error)
}

#[tauri::command]
pub fn save_project_as(
    state: State<'_, AppState>,
    dir: String,
    project: Project,
) -> Result<OpenedProject, String> {
    let from = state.folder()?.dir;
    let to = PathBuf::from(dir);
    let mut project = project;
    if let Some(name) = to.file_name().map(|n| n.to_string_lossy().into_owned()) {
        project.name = name;
    }
    store::save_as(&from, &to, &project).map_err(ui_error)?;
    switch_to(&state, &to, false);
    Ok(opened(&to, project, false, false))
}

#[tauri::command]
pub fn autosave(state: State<'_, AppState>, project: Project) -> Result<(), String> {
    let folder = state.folder()?;
    store::autosave(&folder.dir, &project).map_err(ui_error)
}

/// What importing a picture came to.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum PictureImport {
    /// In the project's assets (scaled down when it was huge: see `image.original`).
    Imported { image: ImportedImage },
    /// The file is damaged and nothing was copied: `message` says what decoded, and the
    /// creator may import it anyway (`allow_damaged`).
    Damaged { message: String },
}

/// Copies a picture into the open project's assets (decoding it first, off the UI thread),
/// upright by its EXIF orientation. A damaged file is reported, not imported, unless
/// `allow_damaged`.
#[tauri::command]
pub async fn import_image(
    state: State<'_, AppState>,
    path: String,
    allow_damaged: Option<bool>,
) -> Result<PictureImport, String> {
    let dir = state.folder()?.dir;
    let options = ImportOptions {
        allow_damaged: allow_damaged.unwrap_or(false),
    };
    let imported = tauri::async_runtime::spawn_blocking(move || {
        store::import_image_with(&dir, Path::new(&path), options)
    })
    .await
    .map_err(ui_error)?;
    match imported {
        Ok(image) => Ok(PictureImport::Imported { image }),
        Err(ProjectError::Picture(e @ PictureError::Damaged { .. })) => {
            Ok(PictureImport::Damaged {
                message: e.to_string(),
            })
        }
        Err(e) => Err(ui_error(e)),
    }
}
