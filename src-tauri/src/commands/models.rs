//! The Models panel: thin commands over `studio::model_store` (what is installed and where,
//! whether each file is sound, download with progress and cancel, import, the ComfyUI
//! folder) and the GPU memory the selected shot needs.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use studio::generate::package::{choose, ChosenPackage};
use studio::generate::plan::PackageTraits;
use studio::generate::ShotPlan;
use studio::model_store::locations::remember_comfyui;
use studio::model_store::open::configs_for_user;
use studio::model_store::{
    data_dir, download_base_url, import, list, plan, remember_mirror, remembered_mirror,
    DownloadProgress, Downloader, Imported, Installed, Locations, MemoryEstimate, MemoryPlan,
    PackageConfigs, PackageStatus, ShotSize,
};
use studio::project::{Engine, Project};
use tauri::ipc::Channel;
use tauri::State;
use ts_rs::TS;

use super::ui_error;
use crate::generate_queue::ready_package_roots;

/// Progress updates a download sends at most this often (the last one always goes).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// The Models panel's own state: the running download's cancel flag.
#[derive(Default)]
pub struct ModelsState {
    download_cancel: Arc<AtomicBool>,
}

#[derive(Serialize, TS)]
#[ts(export)]
pub struct ModelsOverview {
    /// The app's own models folder (downloads and imports land here).
    pub models_folder: String,
    /// The ComfyUI models folder searched too, if one is set.
    pub comfyui: Option<String>,
    /// The mirror downloads come from instead of the Hugging Face Hub, if one is set.
    pub mirror: Option<String>,
    pub packages: Vec<PackageStatus>,
}

fn locations() -> Result<Locations, String> {
    Locations::for_user(None).map_err(ui_error)
}

fn overview() -> Result<ModelsOverview, String> {
    let locations = locations()?;
    Ok(ModelsOverview {
        models_folder: locations.models.display().to_string(),
        comfyui: locations.comfyui.as_ref().map(|p| p.display().to_string()),
        mirror: remembered_mirror(&data_dir().map_err(ui_error)?),
        packages: list(&locations),
    })
}

/// Every known package and every model found, with each file's place, size and soundness.
/// Checking reads only the files' headers, but on a slow disk that still takes a moment: off
/// the UI thread.
#[tauri::command]
pub async fn list_models() -> Result<ModelsOverview, String> {
    tauri::async_runtime::spawn_blocking(overview)
        .await
        .map_err(ui_error)?
}

/// Downloads package `id` into the models folder, reporting on `on_progress`; an
/// interrupted or cancelled download resumes on the next try.
#[tauri::command]
pub async fn download_model(
    state: State<'_, ModelsState>,
    id: String,
    on_progress: Channel<DownloadProgress>,
) -> Result<Installed, String> {
    let cancel = state.download_cancel.clone();
    cancel.store(false, Ordering::SeqCst);
    tauri::async_runtime::spawn_blocking(move || {
        let locations = locations()?;
        let base_url = download_base_url(&data_dir().map_err(ui_error)?);
        let mut last: Option<Instant> = None;
        let mut progress = |p: &DownloadProgress| {
            let finished = p.total == Some(p.bytes);
            if finished || last.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY) {
                last = Some(Instant::now());
                let _ = on_progress.send(p.clone());
            }
        };
        Downloader::new(&base_url, &locations, &cancel, &mut progress)
            .download(&id)
            .map_err(ui_error)
    })
    .await
    .map_err(ui_error)?
}

#[tauri::command]
pub fn cancel_download(state: State<'_, ModelsState>) {
    state.download_cancel.store(true, Ordering::SeqCst);
}

/// Imports a `.safetensors` file or a diffusers package folder into the models folder (a
/// hard link where the disk allows, else a copy).
#[tauri::command]
pub async fn import_model(path: String) -> Result<Imported, String> {
    tauri::async_runtime::spawn_blocking(move || {
        let locations = locations()?;
        import(Path::new(&path), &locations.models).map_err(ui_error)
    })
    .await
    .map_err(ui_error)?
}

/// Remembers the ComfyUI models folder to search (or forgets it with `None`), and returns
/// what is found now.
#[tauri::command]
pub async fn set_comfyui_folder(folder: Option<String>) -> Result<ModelsOverview, String> {
    tauri::async_runtime::spawn_blocking(move || {
        let data = data_dir().map_err(ui_error)?;
        remember_comfyui(&data, folder.as_deref().map(Path::new)).map_err(ui_error)?;
        overview()
    })
    .await
    .map_err(ui_error)?
}

/// Checks and remembers the mirror downloads come from (or forgets it with `None` or an empty
/// text), and returns the overview with it. A refused address is not saved and says why.
#[tauri::command]
pub async fn set_download_mirror(mirror: Option<String>) -> Result<ModelsOverview, String> {
    tauri::async_runtime::spawn_blocking(move || {
        let data = data_dir().map_err(ui_error)?;
        remember_mirror(&data, mirror.as_deref()).map_err(ui_error)?;
        overview()
    })
    .await
    .map_err(ui_error)?
}

#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MemoryRequest {
    pub project: Project,
    /// The shot (an index into `project.shots`).
    pub shot: u32,
    /// The GPU's memory in GiB.
    pub gpu_gib: f64,
}

#[derive(Serialize, TS)]
#[ts(export)]
pub struct MemoryReport {
    /// The package the estimate is for: an installed one's folder, or the catalog package
    /// the shot's engine would download.
    pub package: String,
    pub estimate: MemoryEstimate,
    pub plan: MemoryPlan,
    /// The plan as a sentence.
    pub text: String,
}

/// The package a shot would run on (installed, else the catalog's default for its engine)
/// and the configs its memory depends on.
fn package_for(
    project: &Project,
    index: usize,
) -> Result<(String, PackageConfigs, ShotPlan, bool), String> {
    let shot = project
        .shots
        .get(index)
        .ok_or_else(|| format!("shot {} does not exist", index + 1))?;
    let generation = shot.generation();
    let aspect = shot.image_size;
    // A first frame makes the timestep vary per latent frame (more memory).
    let image = generation.engine == Engine::WanImageToVideo;
    let installed: Option<ChosenPackage> = if generation.engine == Engine::Warp {
        None
    } else {
        choose(&generation, &ready_package_roots()?).ok()
    };
    match installed {
        Some(chosen) => {
            let configs = configs_for_user(&chosen.root).map_err(ui_error)?;
            let name = package_name(&chosen.root);
            Ok((
                name,
                configs,
                ShotPlan::new(shot, chosen.traits, aspect),
                image,
            ))
        }
        None if generation.engine == Engine::WanTextToVideo => Ok((
            "wan2.1-t2v-1.3b-diffusers".into(),
            PackageConfigs::wan21_t2v_1_3b(),
            ShotPlan::new(shot, PackageTraits::WAN21, aspect),
            image,
        )),
        // Image-to-video (and a warp shot someone is thinking of switching) needs Wan2.2.
        None => Ok((
            "wan2.2-ti2v-5b-diffusers".into(),
            PackageConfigs::wan22_ti2v_5b(),
            ShotPlan::new(shot, PackageTraits::WAN22, aspect),
            image,
        )),
    }
}

fn package_name(root: &Path) -> String {
    root.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| root.display().to_string())
}

/// The GPU memory shot `shot` needs at its generated size, and what the engine will do on a
/// GPU with `gpu_gib` GiB.
#[tauri::command]
pub async fn memory_estimate(request: MemoryRequest) -> Result<MemoryReport, String> {
    if !request.gpu_gib.is_finite() || request.gpu_gib <= 0.0 {
        return Err("the GPU memory must be a positive number of GiB".into());
    }
    tauri::async_runtime::spawn_blocking(move || {
        let (package, configs, shot_plan, image) =
            package_for(&request.project, request.shot as usize)?;
        let size = ShotSize {
            width: shot_plan.width,
            height: shot_plan.height,
            frames: shot_plan.frames,
        };
        let budget = (request.gpu_gib * (1u64 << 30) as f64) as u64;
        let (estimate, plan) = plan(&configs, size, image, budget).map_err(ui_error)?;
        Ok(MemoryReport {
            package,
            text: plan.describe(),
            estimate,
            plan,
        })
    })
    .await
    .map_err(ui_error)?
}
