//! Where model files live: the app's own models folder under the platform data folder, a
//! ComfyUI models folder the creator points at, and the Hugging Face cache.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::StoreError;

/// The settings file (in the data folder) that remembers the ComfyUI models folder and the
/// download mirror.
const SETTINGS_FILE: &str = "models.json";

/// The platform data folder (e.g. `~/.local/share/motionboard`); `MOTIONBOARD_DATA_DIR`
/// overrides it so tests never touch a real profile. The app and the CLI share this one
/// definition.
pub fn data_dir() -> Result<PathBuf, StoreError> {
    if let Some(dir) = std::env::var_os("MOTIONBOARD_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("app", "Motionboard", "Motionboard")
        .map(|d| d.data_dir().to_owned())
        .ok_or(StoreError::NoDataDir)
}

/// The app's cache folder (e.g. `~/.cache/motionboard`): what can be made again, such as the
/// GPU kernels tuned for this machine. `MOTIONBOARD_CACHE_DIR` overrides it; under
/// `MOTIONBOARD_DATA_DIR` (tests) it is that folder's `cache`, so tests never touch a profile.
pub fn cache_dir() -> Result<PathBuf, StoreError> {
    if let Some(dir) = std::env::var_os("MOTIONBOARD_CACHE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("MOTIONBOARD_DATA_DIR") {
        return Ok(PathBuf::from(dir).join("cache"));
    }
    directories::ProjectDirs::from("app", "Motionboard", "Motionboard")
        .map(|d| d.cache_dir().to_owned())
        .ok_or(StoreError::NoDataDir)
}

/// The Hugging Face hub cache: `HF_HUB_CACHE`, else `HF_HOME/hub`, else
/// `~/.cache/huggingface/hub` (as `huggingface_hub` resolves it).
pub fn hf_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("HF_HUB_CACHE") {
        return Some(PathBuf::from(dir));
    }
    if let Some(home) = std::env::var_os("HF_HOME") {
        return Some(PathBuf::from(home).join("hub"));
    }
    directories::BaseDirs::new().map(|d| d.home_dir().join(".cache/huggingface/hub"))
}

/// Where a file was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// The app's own models folder.
    App,
    /// The creator's ComfyUI models folder.
    ComfyUi,
    /// The Hugging Face cache.
    HfCache,
}

impl Place {
    /// In words.
    pub fn describe(self) -> &'static str {
        match self {
            Place::App => "models folder",
            Place::ComfyUi => "ComfyUI",
            Place::HfCache => "HF cache",
        }
    }
}

/// The folders searched for models, and the app's own working folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locations {
    /// `<data dir>/models`: downloads and imports land here.
    pub models: PathBuf,
    /// `<data dir>/downloads`: partial downloads, kept outside the models folder so nothing
    /// half-written is ever found there.
    pub downloads: PathBuf,
    /// A ComfyUI `models` folder, if the creator gave one.
    pub comfyui: Option<PathBuf>,
    /// The Hugging Face hub cache, if there is one.
    pub hf_cache: Option<PathBuf>,
}

/// What the settings file holds.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Settings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comfyui_models: Option<PathBuf>,
    /// The server downloads come from instead of the Hugging Face Hub (checked by
    /// [`super::mirror::validate_mirror`] before it is saved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_mirror: Option<String>,
}

impl Locations {
    /// The folders under `data_dir`, the ComfyUI folder `comfyui` (or the one remembered in
    /// the settings) and the HF cache from the environment.
    pub fn in_data_dir(data_dir: &Path, comfyui: Option<PathBuf>) -> Self {
        let comfyui = comfyui.or_else(|| read_settings(data_dir).comfyui_models);
        Self {
            models: data_dir.join("models"),
            downloads: data_dir.join("downloads"),
            comfyui,
            hf_cache: hf_cache_dir().filter(|d| d.is_dir()),
        }
    }

    /// The locations for this user ([`data_dir`]).
    pub fn for_user(comfyui: Option<PathBuf>) -> Result<Self, StoreError> {
        Ok(Self::in_data_dir(&data_dir()?, comfyui))
    }
}

pub(super) fn read_settings(data_dir: &Path) -> Settings {
    // A missing or unreadable settings file means "nothing remembered", not an error: the
    // creator can always pass the folder again.
    std::fs::read_to_string(data_dir.join(SETTINGS_FILE))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Remembers (or forgets, with `None`) the ComfyUI models folder for later runs.
pub fn remember_comfyui(data_dir: &Path, folder: Option<&Path>) -> Result<(), StoreError> {
    if let Some(folder) = folder {
        if !folder.is_dir() {
            return Err(StoreError::NotAFolder(folder.to_owned()));
        }
    }
    // The other settings stay as they are.
    let mut settings = read_settings(data_dir);
    settings.comfyui_models = folder.map(Path::to_owned);
    write_settings(data_dir, &settings)
}

/// Saves `settings` whole (through a temporary file, so a crash never leaves half a file).
pub(super) fn write_settings(data_dir: &Path, settings: &Settings) -> Result<(), StoreError> {
    let path = data_dir.join(SETTINGS_FILE);
    let io = |source| StoreError::Io {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(data_dir).map_err(io)?;
    let text = serde_json::to_string_pretty(settings).unwrap_or_default();
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_comfyui_folder_is_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let comfy = dir.path().join("ComfyUI/models");
        std::fs::create_dir_all(&comfy).unwrap();
        let data = dir.path().join("data");
        let before = Locations::in_data_dir(&data, None);
        assert_eq!(before.comfyui, None);
        assert_eq!(before.models, data.join("models"));
        remember_comfyui(&data, Some(&comfy)).unwrap();
        assert_eq!(Locations::in_data_dir(&data, None).comfyui, Some(comfy));
        // A folder given explicitly wins over the remembered one.
        let other = dir.path().join("other");
        assert_eq!(
            Locations::in_data_dir(&data, Some(other.clone())).comfyui,
            Some(other)
        );
        assert!(remember_comfyui(&data, Some(&dir.path().join("nope"))).is_err());
    }
}
