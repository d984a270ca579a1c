//! Opening a package the store found. A set of single files is named by its transformer file;
//! its VAE and text encoder are looked for beside it first, then in every models folder tree
//! the store searches (the app's models folder, the ComfyUI folder): a Wan2.2 transformer and
//! VAE in ComfyUI with umT5 downloaded into the app's models folder (or the reverse) is one
//! runnable set.

use std::path::{Path, PathBuf};

use models::pipeline::{PackageError, WanPackage};

use super::catalog::{Role, WanVersion};
use super::locations::Locations;
use super::memory::PackageConfigs;

/// The folders a set's VAE and text encoder may be in besides its transformer's own tree.
pub fn component_folders(locations: &Locations) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for role in [Role::Vae(WanVersion::Wan21), Role::TextEncoder] {
        out.push(locations.models.join(role.folder()));
    }
    if let Some(comfy) = &locations.comfyui {
        for role in [Role::Vae(WanVersion::Wan21), Role::TextEncoder] {
            out.extend(role.comfyui_folders().iter().map(|f| comfy.join(f)));
        }
    }
    out.retain(|folder| folder.is_dir());
    out
}

/// The package at `root`, its missing parts taken from `locations` (see the module's note).
pub fn open_package(root: &Path, locations: &Locations) -> Result<WanPackage, PackageError> {
    WanPackage::open_in(root, &component_folders(locations))
}

/// [`open_package`] with this user's locations (just the package's own folders when there is
/// no data folder).
pub fn open_for_user(root: &Path) -> Result<WanPackage, PackageError> {
    match Locations::for_user(None) {
        Ok(locations) => open_package(root, &locations),
        Err(_) => WanPackage::open(root),
    }
}

/// The configs of the package at `root` (as [`open_for_user`] finds it), for memory plans.
pub fn configs_for_user(root: &Path) -> Result<PackageConfigs, models::plan::PlanError> {
    let package = open_for_user(root).map_err(|e| models::plan::PlanError::Config {
        path: root.to_owned(),
        reason: e.to_string(),
    })?;
    PackageConfigs::from_package(&package)
}
