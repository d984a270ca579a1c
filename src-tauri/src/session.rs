//! The app's own data folder: where untitled projects live until "Save as", and which project
//! was open last, so a killed app comes back with its autosaved work.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use studio::project::store;

const SESSION_FILE: &str = "session.json";

#[derive(Serialize, Deserialize, Default)]
struct Session {
    last_project: Option<PathBuf>,
}

/// The platform data folder (e.g. ~/.local/share/motionboard); `MOTIONBOARD_DATA_DIR`
/// overrides it so tests never touch a real profile.
pub fn data_dir() -> Result<PathBuf, String> {
    // One definition for the app, the CLI and the model store.
    studio::model_store::data_dir().map_err(|e| e.to_string())
}

/// A fresh, unused folder for an untitled project.
pub fn new_untitled_dir() -> Result<PathBuf, String> {
    let root = data_dir()?.join("Untitled");
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    (0..1000)
        .map(|n| root.join(format!("untitled-{stamp}-{n}")))
        .find(|dir| !dir.exists())
        .ok_or_else(|| format!("cannot create a project folder in {}", root.display()))
}

/// Whether `dir` is one of the app's own untitled project folders.
pub fn is_untitled(dir: &Path) -> bool {
    data_dir()
        .map(|d| dir.starts_with(d.join("Untitled")))
        .unwrap_or(false)
}

/// Records the project now open.
pub fn remember(dir: &Path) {
    let Ok(data) = data_dir() else { return };
    let session = Session {
        last_project: Some(dir.to_owned()),
    };
    if let Ok(bytes) = serde_json::to_vec_pretty(&session) {
        let _ = std::fs::create_dir_all(&data);
        // Losing this file only means no automatic recovery; never worth an error dialog.
        let _ = store::write_atomic(&data.join(SESSION_FILE), &bytes);
    }
}

/// The project open when the app last ran.
pub fn last_project() -> Option<PathBuf> {
    let text = std::fs::read_to_string(data_dir().ok()?.join(SESSION_FILE)).ok()?;
    serde_json::from_str::<Session>(&text).ok()?.last_project
}

/// Removes untitled projects that were opened and left without any work in them (no picture,
/// no autosaved edits), so the data folder does not fill with empty folders, one per start.
pub fn prune_empty_untitled(keep: &Path) {
    let Ok(root) = data_dir().map(|d| d.join("Untitled")) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(&root) else {
        return;
    };
    for dir in entries.flatten().map(|e| e.path()) {
        let empty_assets = std::fs::read_dir(dir.join(store::ASSETS_DIR))
            .map(|mut a| a.next().is_none())
            .unwrap_or(true);
        if dir != keep && empty_assets && !dir.join(store::AUTOSAVE_FILE).exists() {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}
