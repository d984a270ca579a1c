//! Which installed model package runs a shot: the one its settings name (an id, a folder or
//! file name, or a path), else the first installed package that runs its engine. A package is
//! a diffusers folder or a set of single files named by its transformer file.

use std::path::{Path, PathBuf};

use super::error::GenerateError;
use super::plan::PackageTraits;
use crate::project::{Engine, Generation};

/// A package chosen for a shot.
#[derive(Debug, Clone, PartialEq)]
pub struct ChosenPackage {
    pub root: PathBuf,
    pub traits: PackageTraits,
    /// Whether it takes a first frame (Wan2.2 TI2V).
    pub image_to_video: bool,
}

/// Reads what planning needs of the package at `root`.
pub fn inspect(root: &Path) -> Result<ChosenPackage, GenerateError> {
    let package = crate::model_store::open::open_for_user(root)?;
    let image_to_video = package.expand_timesteps();
    Ok(ChosenPackage {
        root: root.to_owned(),
        traits: if image_to_video {
            PackageTraits::WAN22
        } else {
            PackageTraits::WAN21
        },
        image_to_video,
    })
}

/// The package for `generation` among the installed `candidates` (package folders).
pub fn choose(
    generation: &Generation,
    candidates: &[PathBuf],
) -> Result<ChosenPackage, GenerateError> {
    let wanted = generation.model.trim();
    let engine = generation.engine;
    let fits = |p: &ChosenPackage| engine != Engine::WanImageToVideo || p.image_to_video;
    if !wanted.is_empty() {
        let names = names_for(wanted);
        let named = Path::new(&names[0]);
        let root = if named.is_dir() || named.is_file() {
            Some(named.to_owned())
        } else {
            candidates
                .iter()
                .find(|c| {
                    c.file_name()
                        .is_some_and(|n| names.iter().any(|w| *w == n.to_string_lossy()))
                })
                .cloned()
        };
        let Some(root) = root else {
            let installed: Vec<String> = candidates
                .iter()
                .filter_map(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            return Err(GenerateError::UnknownPackage {
                model: wanted.to_owned(),
                installed: if installed.is_empty() {
                    "none".into()
                } else {
                    installed.join(", ")
                },
            });
        };
        let chosen = inspect(&root)?;
        if !fits(&chosen) {
            return Err(GenerateError::NotImageToVideo { root });
        }
        return Ok(chosen);
    }
    candidates
        .iter()
        .filter_map(|root| inspect(root).ok())
        .find(fits)
        .ok_or(GenerateError::NoPackage {
            engine: engine.name(),
        })
}

/// The names a package may be installed under when a person names it by `wanted`: as given,
/// or as `motionboard models list` prints it (a `local:` id is the path or name after the
/// prefix; a catalog id stands for its package folder or its files' names). The first is a path
/// or a name; the rest are file or folder names.
fn names_for(wanted: &str) -> Vec<String> {
    use crate::model_store::catalog::{find, Source};
    let plain = wanted.strip_prefix("local:").unwrap_or(wanted);
    let mut names = vec![plain.to_owned()];
    if let Some(spec) = find(wanted) {
        match &spec.source {
            Source::Repo { .. } => names.extend(spec.folder_name().map(str::to_owned)),
            Source::Files(files) => {
                names.extend(files.iter().flat_map(|f| f.names()).map(str::to_owned))
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures")
    }

    #[test]
    fn the_engine_picks_a_package_that_runs_it() {
        let t2v = fixtures().join("wan_tiny_t2v");
        let ti2v = fixtures().join("wan_tiny_ti2v");
        let candidates = vec![t2v.clone(), ti2v.clone()];
        let mut g = Generation {
            engine: Engine::WanImageToVideo,
            ..Generation::default()
        };
        assert_eq!(choose(&g, &candidates).unwrap().root, ti2v);
        g.engine = Engine::WanTextToVideo;
        assert_eq!(choose(&g, &candidates).unwrap().root, t2v);
        g.model = "wan_tiny_ti2v".into();
        assert_eq!(
            choose(&g, &candidates).unwrap().traits,
            PackageTraits::WAN22
        );
        g.model = "nope".into();
        let err = choose(&g, &candidates).unwrap_err().to_string();
        assert!(err.contains("wan_tiny_t2v, wan_tiny_ti2v"), "{err}");
        g.model = String::new();
        g.engine = Engine::WanImageToVideo;
        let err = choose(&g, &candidates[..1]).unwrap_err().to_string();
        assert!(err.contains("no installed model package"), "{err}");
    }

    #[test]
    fn a_comfyui_set_is_chosen_by_its_transformer_file() {
        let comfy = fixtures().join("wan_tiny_t2v_comfy");
        let transformer = comfy.join("diffusion_models/wan_tiny_t2v_fp16.safetensors");
        let mut g = Generation {
            engine: Engine::WanTextToVideo,
            ..Generation::default()
        };
        let chosen = choose(&g, std::slice::from_ref(&transformer)).unwrap();
        assert_eq!(chosen.root, transformer);
        assert_eq!(chosen.traits, PackageTraits::WAN21);
        g.model = "wan_tiny_t2v_fp16.safetensors".into();
        assert_eq!(
            choose(&g, std::slice::from_ref(&transformer)).unwrap().root,
            transformer
        );
        // As `motionboard models list` names it.
        g.model = format!("local:{}", transformer.display());
        assert_eq!(
            choose(&g, std::slice::from_ref(&transformer)).unwrap().root,
            transformer
        );
        g.model = "local:wan_tiny_t2v_fp16.safetensors".into();
        assert_eq!(
            choose(&g, std::slice::from_ref(&transformer)).unwrap().root,
            transformer
        );
        // A ComfyUI folder named as the model is a package too.
        g.model = comfy.display().to_string();
        assert!(choose(&g, &[]).is_ok());
        g.engine = Engine::WanImageToVideo;
        g.model = String::new();
        assert!(choose(&g, &[transformer]).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_catalog_id_names_its_installed_folder() {
        // The catalog's 1.3B package installs as `Wan2.1-T2V-1.3B-Diffusers`.
        let models = tempfile::tempdir().unwrap();
        let folder = models.path().join("Wan2.1-T2V-1.3B-Diffusers");
        std::os::unix::fs::symlink(fixtures().join("wan_tiny_t2v"), &folder).unwrap();
        let g = Generation {
            engine: Engine::WanTextToVideo,
            model: "wan2.1-t2v-1.3b-diffusers".into(),
            ..Generation::default()
        };
        let other = fixtures().join("wan_tiny_ti2v");
        let chosen = choose(&g, &[other, folder.clone()]).unwrap();
        assert_eq!(chosen.root, folder);
    }
}
