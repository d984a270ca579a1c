//! What the app keeps between commands: the open project's folder, the preview cache and the
//! running export's cancel flag.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use studio::motion::Motion;
use studio::warp::Warper;

/// The folder of the project being edited.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenFolder {
    pub dir: PathBuf,
    pub untitled: bool,
}

/// A warper for the last previewed picture, size and motion: while a creator scrubs or the
/// loop plays, only `t` changes, so each frame is just a render.
pub struct PreviewCache {
    pub asset: PathBuf,
    pub bounds: (u32, u32),
    pub motion: Motion,
    pub warper: Arc<Warper>,
}

/// The picture at `path`, scaled to fit `bounds`.
pub struct PreviewPicture {
    pub path: PathBuf,
    pub bounds: (u32, u32),
    pub image: Arc<image::RgbImage>,
}

#[derive(Default)]
pub struct AppState {
    pub folder: Mutex<Option<OpenFolder>>,
    pub preview: Mutex<Option<PreviewCache>>,
    /// The picture scaled for the preview, kept apart from the motion so that editing a path
    /// does not decode the file again.
    pub preview_picture: Mutex<Option<PreviewPicture>>,
    pub export_cancel: Arc<AtomicBool>,
}

impl AppState {
    /// The open project's folder, or an error a person understands.
    pub fn folder(&self) -> Result<OpenFolder, String> {
        self.folder
            .lock()
            .map_err(|_| "internal error: project state poisoned".to_string())?
            .clone()
            .ok_or_else(|| "no project is open".to_string())
    }

    pub fn set_folder(&self, folder: OpenFolder) {
        if let Ok(mut f) = self.folder.lock() {
            *f = Some(folder);
        }
    }
}
