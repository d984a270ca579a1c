//! Bringing model files the creator already has into the app's models folder: a single file
//! (identified by its tensors) or a diffusers package folder, checked first, then hard-linked
//! when on the same disk (no second copy of 10 GB) or copied under a hidden name and renamed.

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use super::catalog::Role;
use super::check::{check_file, check_package, identify, is_package, package_files};

/// An import that was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The path is not a model Motionboard reads.
    #[error("{path} was not imported: {reason}")]
    Refused { path: PathBuf, reason: String },
    /// Something of that name is already in the models folder.
    #[error("{target} is already in the models folder; remove or rename it first")]
    Exists { target: PathBuf },
    /// The models folder's disk is full.
    #[error(
        "cannot import into {folder}: the disk is full; {advice} and import again (nothing \
         was left half-copied)",
        advice = crate::disk::free_advice(folder, Some(*needed))
    )]
    DiskFull { folder: PathBuf, needed: u64 },
    /// The models folder cannot be written.
    #[error(
        "cannot import into {folder}: it cannot be written ({error}); make it writable, or \
         set MOTIONBOARD_DATA_DIR to a folder you can write"
    )]
    ReadOnly {
        folder: PathBuf,
        /// Not a `source`: the message already holds it, once.
        error: std::io::Error,
    },
    /// Reading or writing failed.
    #[error("cannot import {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What an import put in the models folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Imported {
    /// Where it now is.
    pub path: String,
    /// What it is (a role's description, or "Wan package").
    pub what: String,
    /// Hard-linked (no extra disk space) rather than copied.
    pub linked: bool,
}

/// Imports `source` (a `.safetensors` file or a diffusers package folder) into `models`.
pub fn import(source: &Path, models: &Path) -> Result<Imported, ImportError> {
    let refused = |reason: String| ImportError::Refused {
        path: source.to_owned(),
        reason,
    };
    let name = source
        .file_name()
        .ok_or_else(|| refused("it has no file name".into()))?;
    if source.is_dir() {
        if !is_package(source) {
            return Err(refused(
                "the folder has no model_index.json, so it is not a diffusers package; import \
                 its .safetensors files one by one instead"
                    .into(),
            ));
        }
        if let Some(bad) = check_package(source)
            .into_iter()
            .find(|c| !c.soundness.is_sound())
        {
            return Err(refused(format!(
                "{}: {}",
                bad.component,
                bad.soundness.describe()
            )));
        }
        let target = models.join(name);
        return place(source, &target, "Wan package".into());
    }
    let role: Role = identify(source).map_err(|verdict| refused(verdict.describe()))?;
    let verdict = check_file(source, role);
    if !verdict.is_sound() {
        return Err(refused(verdict.describe()));
    }
    let target = models.join(role.folder()).join(name);
    place(source, &target, role.describe().to_owned())
}

fn place(source: &Path, target: &Path, what: String) -> Result<Imported, ImportError> {
    if target.exists() {
        return Err(ImportError::Exists {
            target: target.to_owned(),
        });
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ImportError::Io { path, source }
    };
    let parent = target.parent().unwrap_or(Path::new("."));
    // A write into the models folder that failed: a full or read-only disk is named as such.
    let write_failed = |path: &Path, e: std::io::Error| {
        if crate::disk::is_full(&e) {
            ImportError::DiskFull {
                folder: parent.to_owned(),
                needed: size_of(source),
            }
        } else if crate::disk::is_read_only(&e) {
            ImportError::ReadOnly {
                folder: parent.to_owned(),
                error: e,
            }
        } else {
            io(path)(e)
        }
    };
    std::fs::create_dir_all(parent).map_err(|e| write_failed(parent, e))?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let hidden = parent.join(format!(".{name}.importing"));
    let linked = link_tree(source, &hidden).is_ok();
    if !linked {
        let _ = remove(&hidden);
        if let Err(e) = copy_tree(source, &hidden) {
            let _ = remove(&hidden);
            return Err(write_failed(source, e));
        }
    }
    if let Err(e) = std::fs::rename(&hidden, target) {
        let _ = remove(&hidden);
        return Err(write_failed(target, e));
    }
    Ok(Imported {
        path: target.display().to_string(),
        what,
        linked,
    })
}

/// Bytes of a file, or of the files of a package folder.
fn size_of(path: &Path) -> u64 {
    let len = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    if path.is_file() {
        return len(path);
    }
    package_files(path).iter().map(|r| len(&path.join(r))).sum()
}

fn remove(path: &Path) -> std::io::Result<()> {
    if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
}

/// Hard-links a file, or every file of a folder, to `to`.
fn link_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    if from.is_file() {
        return std::fs::hard_link(from, to);
    }
    for relative in package_files(from) {
        let target = to.join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::hard_link(from.join(&relative), target)?;
    }
    Ok(())
}

/// Copies a file, or every file of a folder, to `to`.
pub(crate) fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    if from.is_file() {
        return std::fs::copy(from, to).map(|_| ());
    }
    for relative in package_files(from) {
        let target = to.join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(from.join(&relative), target)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../models/fixtures")
            .join(path)
    }

    #[test]
    fn a_package_is_imported_and_a_second_time_refused() {
        let dir = tempfile::tempdir().unwrap();
        let models = dir.path().join("models");
        let done = import(&fixture("wan_tiny_t2v"), &models).unwrap();
        assert_eq!(PathBuf::from(&done.path), models.join("wan_tiny_t2v"));
        assert!(check_package(&models.join("wan_tiny_t2v"))
            .iter()
            .all(|c| c.soundness.is_sound()));
        let again = import(&fixture("wan_tiny_t2v"), &models).unwrap_err();
        assert!(matches!(again, ImportError::Exists { .. }), "{again}");
        // Nothing hidden is left behind.
        let names: Vec<String> = std::fs::read_dir(&models)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["wan_tiny_t2v"]);
    }

    #[test]
    fn non_models_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let models = dir.path().join("models");
        let jpeg = dir.path().join("holiday.safetensors");
        std::fs::write(&jpeg, [0xFF, 0xD8, 0xFF, 0xE0, 0, 16]).unwrap();
        let err = import(&jpeg, &models).unwrap_err().to_string();
        assert!(
            err.contains("holiday.safetensors") && err.contains("JPEG"),
            "{err}"
        );
        // A safetensors of a tiny model is identified, but does not fit the real one.
        let err = import(
            &fixture("vae_2_1_tiny/diffusion_pytorch_model.safetensors"),
            &models,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("wrong model"), "{err}");
        assert!(!models.exists() || std::fs::read_dir(&models).unwrap().next().is_none());
    }
}
