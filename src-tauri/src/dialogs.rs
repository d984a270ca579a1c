//! Native file dialogs (rfd through tauri-plugin-dialog).
//!
//! End-to-end tests cannot click inside a native dialog, so `MOTIONBOARD_TEST_PICK_IMAGE`,
//! `MOTIONBOARD_TEST_PICK_AUDIO`, `MOTIONBOARD_TEST_PICK_FOLDER` and
//! `MOTIONBOARD_TEST_PICK_EXPORT` answer in its place when set; everything after the dialog is the real code path.

use std::path::PathBuf;

use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

fn test_answer(var: &str) -> Option<Option<String>> {
    std::env::var(var)
        .ok()
        .map(|v| Some(v).filter(|v| !v.is_empty()))
}

fn into_string(path: Option<tauri_plugin_dialog::FilePath>) -> Option<String> {
    path.and_then(|p| p.into_path().ok())
        .map(|p: PathBuf| p.to_string_lossy().into_owned())
}

#[tauri::command]
pub async fn pick_image(app: AppHandle) -> Option<String> {
    if let Some(answer) = test_answer("MOTIONBOARD_TEST_PICK_IMAGE") {
        return answer;
    }
    into_string(
        app.dialog()
            .file()
            .add_filter("Pictures", &["jpg", "jpeg", "png", "webp"])
            .blocking_pick_file(),
    )
}

/// Several pictures at once (a subject's references). In tests `MOTIONBOARD_TEST_PICK_IMAGE`
/// answers here too, as a list of paths joined like PATH (`:` on Unix, `;` on Windows).
#[tauri::command]
pub async fn pick_images(app: AppHandle) -> Vec<String> {
    if let Ok(answer) = std::env::var("MOTIONBOARD_TEST_PICK_IMAGE") {
        return std::env::split_paths(&answer)
            .filter(|p| !p.as_os_str().is_empty())
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
    }
    app.dialog()
        .file()
        .add_filter("Pictures", &["jpg", "jpeg", "png", "webp"])
        .blocking_pick_files()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| into_string(Some(p)))
        .collect()
}

#[tauri::command]
pub async fn pick_audio(app: AppHandle) -> Option<String> {
    if let Some(answer) = test_answer("MOTIONBOARD_TEST_PICK_AUDIO") {
        return answer;
    }
    into_string(
        app.dialog()
            .file()
            .add_filter(
                "Sound",
                &["wav", "flac", "ogg", "oga", "mp3", "m4a", "aac", "mp4"],
            )
            .blocking_pick_file(),
    )
}

#[tauri::command]
pub async fn pick_project_folder(app: AppHandle) -> Option<String> {
    if let Some(answer) = test_answer("MOTIONBOARD_TEST_PICK_FOLDER") {
        return answer;
    }
    into_string(app.dialog().file().blocking_pick_folder())
}

#[tauri::command]
pub async fn pick_export_path(app: AppHandle, default_name: String) -> Option<String> {
    if let Some(answer) = test_answer("MOTIONBOARD_TEST_PICK_EXPORT") {
        return answer;
    }
    let path = into_string(
        app.dialog()
            .file()
            .add_filter("MP4 video", &["mp4"])
            .set_file_name(&default_name)
            .blocking_save_file(),
    )?;
    // GTK's save dialog does not add the extension of the chosen filter.
    Some(if path.to_ascii_lowercase().ends_with(".mp4") {
        path
    } else {
        format!("{path}.mp4")
    })
}

/// A model file or package folder to import. `MOTIONBOARD_TEST_PICK_MODEL` answers in tests.
/// GTK's dialog picks either files or folders: this one a file; a package folder comes
/// through `pick_models_folder`.
#[tauri::command]
pub async fn pick_model_file(app: AppHandle) -> Option<String> {
    if let Some(answer) = test_answer("MOTIONBOARD_TEST_PICK_MODEL") {
        return answer;
    }
    into_string(
        app.dialog()
            .file()
            .add_filter("Model weights", &["safetensors"])
            .blocking_pick_file(),
    )
}

/// A folder of models: a ComfyUI `models` folder or a diffusers package to import.
/// `MOTIONBOARD_TEST_PICK_MODELS_FOLDER` answers in tests.
#[tauri::command]
pub async fn pick_models_folder(app: AppHandle) -> Option<String> {
    if let Some(answer) = test_answer("MOTIONBOARD_TEST_PICK_MODELS_FOLDER") {
        return answer;
    }
    into_string(app.dialog().file().blocking_pick_folder())
}
