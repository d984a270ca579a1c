//! Finding the known packages' files in the app's models folder, a ComfyUI models folder and
//! the Hugging Face cache, and any other Wan package or model file put in the models folder.

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use super::catalog::{catalog, FileSpec, PackageKind, PackageSpec, Role, Source, WanVersion};
use super::check::{
    check_file, check_package, check_set, check_spec_file, identify, is_package, package_version,
    Soundness,
};
use super::locations::{Locations, Place};
use super::open::open_package;

/// One file (or one component folder of a diffusers package) of a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FileStatus {
    /// What it is (`Wan2.1 VAE`, `transformer`, ...).
    pub component: String,
    /// The file's name (or the component's folder).
    pub file: String,
    /// Where it was found.
    pub path: Option<String>,
    /// Which search root it was found in.
    pub place: Option<Place>,
    /// Its size in bytes when found; roughly what it will be otherwise.
    #[ts(type = "number")]
    pub bytes: u64,
    /// Whether it can be used.
    pub soundness: Soundness,
}

/// A package and the state of its files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PackageStatus {
    /// The catalog id, or `local:<folder>` for a package found only on disk.
    pub id: String,
    /// Name shown to a person.
    pub name: String,
    /// What it is.
    pub kind: PackageKind,
    /// Whether it can be downloaded (it is in the catalog).
    pub downloadable: bool,
    /// What names the package when it can run: its folder (diffusers), or its transformer file
    /// (a set of single files).
    pub root: Option<String>,
    /// Its files.
    pub files: Vec<FileStatus>,
    /// Every file is there and sound.
    pub ready: bool,
}

/// Every known package, and every other Wan package or model file in the models folder, with
/// where its files are and whether they are sound.
pub fn list(locations: &Locations) -> Vec<PackageStatus> {
    let mut out: Vec<PackageStatus> = catalog()
        .iter()
        .map(|spec| catalog_status(spec, locations))
        .collect();
    let claimed: Vec<PathBuf> = out
        .iter()
        .flat_map(|p| {
            p.root
                .iter()
                .chain(p.files.iter().filter_map(|f| f.path.as_ref()))
        })
        .map(PathBuf::from)
        .collect();
    out.extend(local_packages(&locations.models, &claimed));
    let sets = local_sets(locations, &claimed);
    let mut claimed = claimed;
    // A set's files are shown in the set (its text encoder may be a file of the models
    // folder that would otherwise be listed on its own).
    claimed.extend(
        sets.iter()
            .flat_map(|s| s.files.iter().filter_map(|f| f.path.as_ref()))
            .map(PathBuf::from),
    );
    out.extend(sets);
    out.extend(local_files(&locations.models, &claimed));
    out
}

/// The packages generation can run now (every component sound), with what names them (a
/// diffusers folder, or a set's transformer file): the catalog's first, then local ones;
/// `version` narrows to Wan2.1 or Wan2.2.
pub fn ready_packages(
    locations: &Locations,
    version: Option<super::catalog::WanVersion>,
) -> Vec<(PackageStatus, PathBuf)> {
    list(locations)
        .into_iter()
        .filter(|p| p.ready)
        .filter_map(|p| match (p.kind, &p.root) {
            (PackageKind::Pipeline(v), Some(root)) if version.is_none_or(|want| want == v) => {
                let root = PathBuf::from(root);
                Some((p, root))
            }
            _ => None,
        })
        .collect()
}

fn finish(mut status: PackageStatus) -> PackageStatus {
    status.ready = !status.files.is_empty() && status.files.iter().all(|f| f.soundness.is_sound());
    status
}

fn catalog_status(spec: &PackageSpec, locations: &Locations) -> PackageStatus {
    let status = PackageStatus {
        id: spec.id.to_owned(),
        name: spec.name.to_owned(),
        kind: spec.kind,
        downloadable: true,
        root: None,
        files: Vec::new(),
        ready: false,
    };
    match &spec.source {
        Source::Repo { repo, approx_bytes } => {
            let found = package_candidates(spec, repo, locations)
                .into_iter()
                .find(|(root, _)| is_package(root));
            match found {
                Some((root, place)) => finish(PackageStatus {
                    root: Some(root.display().to_string()),
                    files: package_rows(&root, place),
                    ..status
                }),
                None => finish(PackageStatus {
                    files: vec![FileStatus {
                        component: "package".into(),
                        file: format!("{}/", spec.folder_name().unwrap_or(repo)),
                        path: None,
                        place: None,
                        bytes: *approx_bytes,
                        soundness: Soundness::Missing,
                    }],
                    ..status
                }),
            }
        }
        Source::Files(files) => {
            let status = finish(PackageStatus {
                files: files.iter().map(|f| file_row(f, locations)).collect(),
                ..status
            });
            match spec.kind {
                PackageKind::Pipeline(_) => runnable_set(status, locations),
                _ => status,
            }
        }
    }
}

/// A set of single files whose files are all sound: ready when they open as one package
/// (the transformer names it; its VAE and text encoder are found beside it or in another
/// models folder tree, see [`open_package`]), else a row says why not.
fn runnable_set(mut status: PackageStatus, locations: &Locations) -> PackageStatus {
    if !status.ready {
        return status;
    }
    let Some(transformer) = status.files.first().and_then(|f| f.path.clone()) else {
        return status;
    };
    match open_package(Path::new(&transformer), locations) {
        Ok(_) => status.root = Some(transformer),
        Err(e) => {
            status.files.push(FileStatus {
                component: "set".into(),
                file: "the files together".into(),
                path: None,
                place: None,
                bytes: 0,
                soundness: Soundness::Unreadable {
                    reason: format!(
                        "{e} (keep the three files in a models folder: diffusion_models/, \
                         vae/, text_encoders/)"
                    ),
                },
            });
            status.ready = false;
        }
    }
    status
}

/// Wan models as single files in the models folder or a ComfyUI models folder that no
/// catalog set claimed: one entry per transformer file, with the VAE and text encoder found
/// for it, or what is missing.
fn local_sets(locations: &Locations, claimed: &[PathBuf]) -> Vec<PackageStatus> {
    let mut folders: Vec<(PathBuf, Place)> = vec![(
        locations.models.join(Role::Dit(WanVersion::Wan21).folder()),
        Place::App,
    )];
    if let Some(comfy) = &locations.comfyui {
        for sub in Role::Dit(WanVersion::Wan21).comfyui_folders() {
            folders.push((comfy.join(sub), Place::ComfyUi));
        }
    }
    let mut out = Vec::new();
    for (folder, place) in folders {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "safetensors")
                    && p.is_file()
                    && !hidden(p)
                    && !claimed.contains(p)
            })
            .collect();
        paths.sort();
        for transformer in paths {
            let Ok(Role::Dit(version)) = identify(&transformer) else {
                continue;
            };
            out.push(set_status(&transformer, version, place, locations));
        }
    }
    out
}

/// The status of the set a transformer file heads (found in `place`; its other files may be
/// in another of `locations`).
fn set_status(
    transformer: &Path,
    version: WanVersion,
    place: Place,
    locations: &Locations,
) -> PackageStatus {
    let name = transformer
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let row = |role: Role, path: &Path, soundness: Soundness| FileStatus {
        component: role.describe().to_owned(),
        file: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        path: Some(path.display().to_string()),
        place: Some(place_of(path, locations).unwrap_or(place)),
        bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        soundness,
    };
    let opened = open_package(transformer, locations);
    // The opened set knows its generation (per-token timesteps: Wan2.2) better than the
    // transformer's channel count, which only the published sizes tell apart.
    let version = match &opened {
        Ok(package) if package.expand_timesteps() => WanVersion::Wan22,
        Ok(_) => WanVersion::Wan21,
        Err(_) => version,
    };
    let files = match opened {
        Ok(package) => check_set(&package)
            .into_iter()
            .map(|(role, path, soundness)| row(role, &path, soundness))
            .collect(),
        Err(e) => vec![
            row(
                Role::Dit(version),
                transformer,
                check_file(transformer, Role::Dit(version)),
            ),
            FileStatus {
                component: "set".into(),
                file: "VAE and text encoder".into(),
                path: None,
                place: None,
                bytes: 0,
                soundness: Soundness::Unreadable {
                    reason: e.to_string(),
                },
            },
        ],
    };
    let status = finish(PackageStatus {
        id: format!("local:{}", transformer.display()),
        name: format!("{name} (single files)"),
        kind: PackageKind::Pipeline(version),
        downloadable: false,
        root: None,
        files,
        ready: false,
    });
    runnable_set(status, locations)
}

/// Which of `locations` holds `path`.
fn place_of(path: &Path, locations: &Locations) -> Option<Place> {
    if path.starts_with(&locations.models) {
        Some(Place::App)
    } else if locations
        .comfyui
        .as_ref()
        .is_some_and(|c| path.starts_with(c))
    {
        Some(Place::ComfyUi)
    } else if locations
        .hf_cache
        .as_ref()
        .is_some_and(|c| path.starts_with(c))
    {
        Some(Place::HfCache)
    } else {
        None
    }
}

/// The component rows of a diffusers package.
fn package_rows(root: &Path, place: Place) -> Vec<FileStatus> {
    check_package(root)
        .into_iter()
        .map(|c| FileStatus {
            file: format!("{}/", c.component),
            component: c.component,
            path: Some(c.path),
            place: Some(place),
            bytes: c.bytes,
            soundness: c.soundness,
        })
        .collect()
}

/// Where a diffusers repository may be: `<models>/<Name>`, and the HF cache's snapshots.
fn package_candidates(
    spec: &PackageSpec,
    repo: &str,
    locations: &Locations,
) -> Vec<(PathBuf, Place)> {
    let mut out = Vec::new();
    if let Some(folder) = spec.folder_name() {
        out.push((locations.models.join(folder), Place::App));
    }
    if let Some(cache) = &locations.hf_cache {
        for snapshot in snapshots(cache, repo) {
            out.push((snapshot, Place::HfCache));
        }
    }
    out
}

/// `<cache>/models--Org--Name/snapshots/<revision>` folders, newest first.
fn snapshots(cache: &Path, repo: &str) -> Vec<PathBuf> {
    let folder = cache
        .join(format!("models--{}", repo.replace('/', "--")))
        .join("snapshots");
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| {
            let modified = e
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (modified, e.path())
        })
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.into_iter().map(|(_, p)| p).collect()
}

/// Where a single file may be, in search order: the models folder, ComfyUI's, the HF cache;
/// under its own name, then its alternatives.
fn file_candidates(spec: &FileSpec, locations: &Locations) -> Vec<(PathBuf, Place)> {
    let role = spec.role;
    let mut out = Vec::new();
    let folder = spec.repo_path.rsplit_once('/').map_or("", |(dir, _)| dir);
    let snapshots = locations
        .hf_cache
        .as_deref()
        .map(|cache| snapshots(cache, spec.repo))
        .unwrap_or_default();
    for name in spec.names() {
        out.push((locations.models.join(role.folder()).join(name), Place::App));
        out.push((locations.models.join(name), Place::App));
        if let Some(comfy) = &locations.comfyui {
            for sub in role.comfyui_folders() {
                out.push((comfy.join(sub).join(name), Place::ComfyUi));
            }
        }
        for snapshot in &snapshots {
            out.push((snapshot.join(folder).join(name), Place::HfCache));
        }
    }
    out
}

fn file_row(spec: &FileSpec, locations: &Locations) -> FileStatus {
    let role = spec.role;
    let found: Vec<(PathBuf, Place)> = file_candidates(spec, locations)
        .into_iter()
        .filter(|(p, _)| p.is_file())
        .collect();
    let mut first = None;
    for (path, place) in found {
        let soundness = check_spec_file(&path, spec);
        let row = FileStatus {
            component: role.describe().to_owned(),
            file: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            bytes: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
            path: Some(path.display().to_string()),
            place: Some(place),
            soundness,
        };
        // A sound copy anywhere wins over a broken one found first.
        if row.soundness.is_sound() {
            return row;
        }
        first.get_or_insert(row);
    }
    first.unwrap_or_else(|| FileStatus {
        component: role.describe().to_owned(),
        file: spec.file_name().to_owned(),
        path: None,
        place: None,
        bytes: spec.approx_bytes,
        soundness: Soundness::Missing,
    })
}

/// Diffusers packages in the models folder (up to two levels down) no catalog entry claimed.
fn local_packages(models: &Path, claimed: &[PathBuf]) -> Vec<PackageStatus> {
    let mut roots = Vec::new();
    for dir in subfolders(models) {
        if is_package(&dir) {
            roots.push(dir);
        } else {
            roots.extend(subfolders(&dir).into_iter().filter(|d| is_package(d)));
        }
    }
    roots
        .into_iter()
        .filter(|root| !claimed.contains(root))
        .map(|root| {
            let name = root
                .strip_prefix(models)
                .unwrap_or(&root)
                .display()
                .to_string();
            let version = package_version(&root).unwrap_or(super::catalog::WanVersion::Wan21);
            finish(PackageStatus {
                id: format!("local:{name}"),
                name,
                kind: PackageKind::Pipeline(version),
                downloadable: false,
                files: package_rows(&root, Place::App),
                root: Some(root.display().to_string()),
                ready: false,
            })
        })
        .collect()
}

/// Loose `.safetensors` files in the models folder's role folders that no catalog entry
/// claimed (imported files under their own names), each checked as what it looks like.
fn local_files(models: &Path, claimed: &[PathBuf]) -> Vec<PackageStatus> {
    let folders = ["diffusion_models", "vae", "text_encoders", "vae_approx"];
    let mut out = Vec::new();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(models.join(folder)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            // A tokenizer.json is the tokenizer a text encoder file without one uses.
            .filter(|p| p.is_file() && !hidden(p) && !claimed.contains(p) && !is_tokenizer(p))
            .collect();
        paths.sort();
        for path in paths {
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            let (kind, component, soundness) = match identify(&path) {
                Ok(role) => (
                    PackageKind::Component(role),
                    role.describe().to_owned(),
                    check_file(&path, role),
                ),
                Err(verdict) => (PackageKind::Unknown, "unknown".to_owned(), verdict),
            };
            out.push(finish(PackageStatus {
                id: format!("local:{folder}/{file}"),
                name: file.clone(),
                kind,
                downloadable: false,
                root: None,
                files: vec![FileStatus {
                    component,
                    file,
                    path: Some(path.display().to_string()),
                    place: Some(Place::App),
                    bytes,
                    soundness,
                }],
                ready: false,
            }));
        }
    }
    out
}

fn subfolders(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && !hidden(p))
        .collect();
    out.sort();
    out
}

fn is_tokenizer(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "tokenizer.json")
}

/// Names starting with a dot: imports and copies in progress, which are not models yet.
fn hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../models/fixtures")
            .join(path)
    }

    fn copy_tree(from: &Path, to: &Path) {
        for relative in super::super::check::package_files(from) {
            let target = to.join(&relative);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(from.join(&relative), target).unwrap();
        }
    }

    #[test]
    fn finds_packages_in_every_root() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let comfy = dir.path().join("comfy");
        let hf = dir.path().join("hf");
        // The tiny package as a local package in the models folder.
        copy_tree(
            &fixture("wan_tiny_ti2v"),
            &data.join("models/wan_tiny_ti2v"),
        );
        // The tiny t2v package where the real Wan2.1 package would be in the HF cache.
        copy_tree(
            &fixture("wan_tiny_t2v"),
            &hf.join("models--Wan-AI--Wan2.1-T2V-1.3B-Diffusers/snapshots/abc123"),
        );
        // A JPEG called like the Wan2.1 VAE in the ComfyUI folder.
        std::fs::create_dir_all(comfy.join("vae")).unwrap();
        std::fs::write(
            comfy.join("vae/wan_2.1_vae.safetensors"),
            [0xFF, 0xD8, 0xFF, 0xE0],
        )
        .unwrap();
        // The tiny umT5 under the fp8 name ComfyUI users often have, in the `clip` folder.
        std::fs::create_dir_all(comfy.join("clip")).unwrap();
        std::fs::copy(
            fixture("t5_tiny/model.safetensors"),
            comfy.join("clip/umt5_xxl_fp8_e4m3fn_scaled.safetensors"),
        )
        .unwrap();
        let mut locations = Locations::in_data_dir(&data, Some(comfy));
        locations.hf_cache = Some(hf);

        let all = list(&locations);
        let local = all
            .iter()
            .find(|p| p.id == "local:wan_tiny_ti2v")
            .expect("local package");
        assert!(local.ready, "{local:?}");
        assert_eq!(
            local.kind,
            PackageKind::Pipeline(super::super::catalog::WanVersion::Wan22)
        );

        let cached = all
            .iter()
            .find(|p| p.id == "wan2.1-t2v-1.3b-diffusers")
            .unwrap();
        assert_eq!(cached.files.len(), 3, "{cached:?}");
        assert!(cached.files.iter().all(|f| f.place == Some(Place::HfCache)));
        assert!(cached.ready);

        let vae = all.iter().find(|p| p.id == "wan2.1-vae").unwrap();
        assert_eq!(vae.files[0].place, Some(Place::ComfyUi));
        assert!(
            vae.files[0].soundness.describe().contains("JPEG"),
            "{vae:?}"
        );
        assert!(!vae.ready);

        let t5 = &all.iter().find(|p| p.id == "umt5-xxl").unwrap().files[0];
        assert_eq!(t5.file, "umt5_xxl_fp8_e4m3fn_scaled.safetensors");
        assert_eq!(t5.place, Some(Place::ComfyUi));
        // Found, and judged: the tiny encoder is not umT5-XXL's size.
        assert!(t5.soundness.describe().contains("mis-shaped"), "{t5:?}");

        let absent = all.iter().find(|p| p.id == "taew2_1").unwrap();
        assert_eq!(absent.files[0].soundness, Soundness::Missing);

        use super::super::catalog::WanVersion;
        let ready = ready_packages(&locations, Some(WanVersion::Wan22));
        assert_eq!(ready.len(), 1, "{ready:?}");
        assert_eq!(ready[0].1, data.join("models/wan_tiny_ti2v"));
        assert_eq!(ready_packages(&locations, None).len(), 2);
    }

    #[test]
    fn a_comfyui_set_is_a_ready_package_and_a_broken_one_says_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let comfy = dir.path().join("comfy");
        copy_tree(&fixture("wan_tiny_t2v_comfy"), &comfy);
        let locations = Locations::in_data_dir(&data, Some(comfy.clone()));
        let transformer = comfy.join("diffusion_models/wan_tiny_t2v_fp16.safetensors");

        let all = list(&locations);
        let set = all
            .iter()
            .find(|p| {
                p.files.first().and_then(|f| f.path.as_deref())
                    == Some(transformer.to_str().unwrap())
            })
            .expect("the set is listed");
        assert!(set.ready, "{set:?}");
        assert_eq!(set.kind, PackageKind::Pipeline(WanVersion::Wan21));
        assert_eq!(set.files.len(), 3, "{set:?}");
        assert!(set.files.iter().all(|f| f.place == Some(Place::ComfyUi)));
        // The transformer is not listed again as a loose file.
        assert_eq!(
            all.iter()
                .filter(|p| p
                    .files
                    .iter()
                    .any(|f| f.path.as_deref() == Some(transformer.to_str().unwrap())))
                .count(),
            1
        );
        let ready = ready_packages(&locations, Some(WanVersion::Wan21));
        assert_eq!(ready.len(), 1, "{ready:?}");
        assert_eq!(ready[0].1, transformer);

        std::fs::remove_dir_all(comfy.join("text_encoders")).unwrap();
        let all = list(&locations);
        let set = all
            .iter()
            .find(|p| p.name.starts_with("wan_tiny_t2v_fp16"))
            .expect("still listed");
        assert!(!set.ready);
        let why = set.files.last().unwrap().soundness.describe();
        assert!(why.contains("text_encoders"), "{why}");
        assert!(ready_packages(&locations, None).is_empty());
    }

    /// `component`'s weights of the tiny diffusers package `package` as one ComfyUI-style
    /// file at `to`, carrying its config.json in `__metadata__` (as the ComfyUI fixtures do).
    fn single_file(package: &str, component: &str, weights: &str, to: &Path) {
        let from = fixture(package).join(component);
        let bytes = std::fs::read(from.join(weights)).unwrap();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let mut header: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&bytes[8..8 + n]).unwrap();
        let config = std::fs::read_to_string(from.join("config.json")).unwrap();
        header.insert(
            "__metadata__".into(),
            serde_json::json!({ "config": config }),
        );
        let mut text = serde_json::to_vec(&header).unwrap();
        while !text.len().is_multiple_of(8) {
            text.push(b' ');
        }
        let mut out = (text.len() as u64).to_le_bytes().to_vec();
        out.extend(text);
        out.extend(&bytes[8 + n..]);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, out).unwrap();
    }

    #[test]
    fn a_wan22_set_takes_its_text_encoder_from_another_models_folder_tree() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let models = data.join("models");
        let comfy = dir.path().join("ComfyUI/models");
        // Transformer and VAE in ComfyUI; umT5 (with its tokenizer beside it) in the app's
        // models folder, where a download puts it.
        let transformer = comfy.join("diffusion_models/wan_tiny_ti2v_fp16.safetensors");
        let vae = comfy.join("vae/wan_tiny_ti2v_vae.safetensors");
        let umt5 = models.join("text_encoders/umt5_tiny.safetensors");
        single_file(
            "wan_tiny_ti2v",
            "transformer",
            "diffusion_pytorch_model.safetensors",
            &transformer,
        );
        single_file(
            "wan_tiny_ti2v",
            "vae",
            "diffusion_pytorch_model.safetensors",
            &vae,
        );
        single_file("wan_tiny_ti2v", "text_encoder", "model.safetensors", &umt5);
        std::fs::copy(
            fixture("wan_tiny_ti2v/tokenizer/tokenizer.json"),
            umt5.with_file_name("tokenizer.json"),
        )
        .unwrap();
        let mut locations = Locations::in_data_dir(&data, Some(comfy.clone()));
        locations.hf_cache = None;

        // Alone, the ComfyUI folder is not a set: its text encoder is elsewhere.
        assert!(models::pipeline::WanPackage::open(&transformer).is_err());
        let find = |all: &[PackageStatus]| {
            all.iter()
                .find(|p| p.name.starts_with("wan_tiny_ti2v_fp16"))
                .cloned()
                .expect("the set is listed")
        };
        let set = find(&list(&locations));
        assert!(set.ready, "{set:?}");
        assert_eq!(set.kind, PackageKind::Pipeline(WanVersion::Wan22));
        let places: Vec<(String, Option<Place>)> = set
            .files
            .iter()
            .map(|f| (f.file.clone(), f.place))
            .collect();
        assert_eq!(
            places,
            [
                (
                    "wan_tiny_ti2v_fp16.safetensors".into(),
                    Some(Place::ComfyUi)
                ),
                ("wan_tiny_ti2v_vae.safetensors".into(), Some(Place::ComfyUi)),
                ("umt5_tiny.safetensors".into(), Some(Place::App)),
            ]
        );
        let ready = ready_packages(&locations, Some(WanVersion::Wan22));
        assert_eq!(ready.len(), 1, "{ready:?}");
        assert_eq!(ready[0].1, transformer);
        // What generation opens from that root is the whole set, tokenizer included.
        let package = open_package(&transformer, &locations).unwrap();
        assert!(package.expand_timesteps());
        assert_eq!(
            package.single_files().map(|f| f.text_encoder.clone()),
            Some(umt5.clone())
        );
        assert!(package.tokenizer().is_ok());
        // Not loose: the text encoder is claimed by the set, not listed again on its own.
        let all = list(&locations);
        assert!(
            !all.iter().any(|p| p.id.starts_with("local:text_encoders/")),
            "{all:?}"
        );

        // The other way round: transformer and VAE in the app's models folder, umT5 in
        // ComfyUI's clip/.
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let comfy = dir.path().join("comfy");
        let transformer = data.join("models/diffusion_models/wan_tiny_ti2v_fp16.safetensors");
        single_file(
            "wan_tiny_ti2v",
            "transformer",
            "diffusion_pytorch_model.safetensors",
            &transformer,
        );
        single_file(
            "wan_tiny_ti2v",
            "vae",
            "diffusion_pytorch_model.safetensors",
            &data.join("models/vae/wan_tiny_ti2v_vae.safetensors"),
        );
        let umt5 = comfy.join("clip/umt5_tiny.safetensors");
        single_file("wan_tiny_ti2v", "text_encoder", "model.safetensors", &umt5);
        let mut locations = Locations::in_data_dir(&data, Some(comfy));
        locations.hf_cache = None;
        let set = find(&list(&locations));
        assert!(set.ready, "{set:?}");
        assert_eq!(set.files[2].place, Some(Place::ComfyUi));
        // Without the ComfyUI folder the set says what is missing.
        locations.comfyui = None;
        let set = find(&list(&locations));
        assert!(!set.ready);
        let why = set.files.last().unwrap().soundness.describe();
        assert!(why.contains("text_encoders"), "{why}");
    }

    #[cfg(unix)]
    #[test]
    fn hugging_face_cache_sizes_are_the_linked_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let hf = dir.path().join("hf");
        let repo = hf.join("models--Wan-AI--Wan2.1-T2V-1.3B-Diffusers");
        let snapshot = repo.join("snapshots/abc123");
        copy_tree(&fixture("wan_tiny_t2v"), &snapshot);
        // As huggingface_hub stores it: the snapshot's file is a link to a blob.
        let weights = snapshot.join("transformer/diffusion_pytorch_model.safetensors");
        let blob = repo.join("blobs/0123abcd");
        std::fs::create_dir_all(blob.parent().unwrap()).unwrap();
        std::fs::rename(&weights, &blob).unwrap();
        std::os::unix::fs::symlink(&blob, &weights).unwrap();
        let mut locations = Locations::in_data_dir(&dir.path().join("data"), None);
        locations.hf_cache = Some(hf);
        let all = list(&locations);
        let package = all
            .iter()
            .find(|p| p.id == "wan2.1-t2v-1.3b-diffusers")
            .unwrap();
        let transformer = package
            .files
            .iter()
            .find(|f| f.component == "transformer")
            .unwrap();
        assert_eq!(
            transformer.bytes,
            std::fs::metadata(&blob).unwrap().len(),
            "{transformer:?}"
        );
    }
}
