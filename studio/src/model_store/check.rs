//! Whether a model file is sound: its safetensors header reads, and its tensor names and
//! shapes are the ones the model expects. Only headers are read, so a 10 GB file is judged in
//! milliseconds. A file that is not a model at all (an image, a pickle, a GGUF) or a model of
//! another kind is named as such.

use std::path::{Path, PathBuf};

use models::expected::{check_dit, check_t5, check_vae};
use models::pipeline::WanPackage;
use models::t5::T5Config;
use models::tensor_io::TensorFileError;
use models::wan::dit::DitConfig;
use models::wan::vae::VaeConfig;
use models::weights::{LoadError, WeightFiles};
use serde::Serialize;
use ts_rs::TS;

use super::catalog::{FileSpec, Role, WanVersion};

/// How many tensor names a report lists before "and N more".
const LISTED: usize = 4;

/// The verdict on one file (or one component folder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Soundness {
    /// Readable, and every tensor is there with the expected shape.
    Sound,
    /// Not found anywhere.
    Missing,
    /// Not model weights Motionboard reads (an image, a pickle, a GGUF, not safetensors).
    NotAModel { reason: String },
    /// Safetensors, but not the model expected (another model, or missing / extra /
    /// mis-shaped tensors).
    WrongModel {
        reason: String,
        missing: usize,
        unexpected: usize,
        misshaped: usize,
    },
    /// The file or folder could not be read (permissions, a broken package layout).
    Unreadable { reason: String },
}

impl Soundness {
    /// Whether the file can be used.
    pub fn is_sound(&self) -> bool {
        matches!(self, Soundness::Sound)
    }

    /// One line for a table or a message.
    pub fn describe(&self) -> String {
        match self {
            Soundness::Sound => "ok".into(),
            Soundness::Missing => "missing".into(),
            Soundness::NotAModel { reason } => format!("not a model file: {reason}"),
            Soundness::WrongModel { reason, .. } => format!("wrong model: {reason}"),
            Soundness::Unreadable { reason } => format!("unreadable: {reason}"),
        }
    }
}

/// Checks the weights at `path` (a file, an index or a component folder) as a `role` file,
/// against the real model's config.
pub fn check_file(path: &Path, role: Role) -> Soundness {
    let files = match WeightFiles::open(path) {
        Ok(files) => files,
        Err(e) => return open_failure(e),
    };
    let result = match role {
        Role::Dit(WanVersion::Wan21) => check_dit(&DitConfig::wan21_t2v_1_3b(), &files),
        Role::Dit(WanVersion::Wan22) => check_dit(&DitConfig::wan22_ti2v_5b(), &files),
        Role::Vae(WanVersion::Wan21) => check_vae(&VaeConfig::wan21(), &files),
        Role::Vae(WanVersion::Wan22) => check_vae(&VaeConfig::wan22(), &files),
        Role::TextEncoder => check_t5(&T5Config::umt5_xxl(), &files),
        Role::PreviewDecoder(version) => return check_taehv(&files, version),
    };
    verdict(result, &files, Expected::Exactly(role), role.describe())
}

/// Checks the file at `path` as the catalog file `spec`: against the published model's config,
/// or, for a file a catalog file lists ([`FileSpec::own_config`]), against the config the file
/// carries in its `__metadata__`.
pub fn check_spec_file(path: &Path, spec: &FileSpec) -> Soundness {
    if !spec.own_config {
        return check_file(path, spec.role);
    }
    let files = match WeightFiles::open(path) {
        Ok(files) => files,
        Err(e) => return open_failure(e),
    };
    let Some(text) = files
        .files()
        .first()
        .and_then(|f| f.metadata().get("config").cloned())
    else {
        return Soundness::WrongModel {
            reason: format!(
                "{} carries no config in its metadata to be checked against",
                name_of(path)
            ),
            missing: 0,
            unexpected: 0,
            misshaped: 0,
        };
    };
    let bad_config = |e: serde_json::Error| Soundness::Unreadable {
        reason: format!("{}: its config does not read: {e}", name_of(path)),
    };
    let result = match spec.role {
        Role::Dit(_) => match serde_json::from_str::<DitConfig>(&text) {
            Ok(c) => check_dit(&c, &files),
            Err(e) => return bad_config(e),
        },
        Role::Vae(_) => match serde_json::from_str::<VaeConfig>(&text) {
            Ok(c) => check_vae(&c, &files),
            Err(e) => return bad_config(e),
        },
        Role::TextEncoder => match serde_json::from_str::<T5Config>(&text) {
            Ok(c) => check_t5(&c, &files),
            Err(e) => return bad_config(e),
        },
        Role::PreviewDecoder(version) => return check_taehv(&files, version),
    };
    verdict(
        result,
        &files,
        Expected::Kind(spec.role),
        spec.role.describe(),
    )
}

/// What a checked file should be, for naming a file of another model.
#[derive(Clone, Copy)]
enum Expected {
    /// This role and version (a catalog file).
    Exactly(Role),
    /// This kind of model, any version (a package component checked against its own config).
    Kind(Role),
}

impl Expected {
    fn accepts(self, found: Role) -> bool {
        match self {
            Expected::Exactly(role) => role == found,
            Expected::Kind(role) => std::mem::discriminant(&role) == std::mem::discriminant(&found),
        }
    }
}

/// What a file looks like, by its tensor names and a telling shape; `None` when it is
/// safetensors of no model Motionboard knows.
pub fn identify_files(files: &WeightFiles) -> Option<Role> {
    let names = files.names();
    let has = |suffix: &str| names.iter().any(|n| n.ends_with(suffix));
    let shape = |suffix: &str| -> Option<Vec<usize>> {
        let name = names.iter().find(|n| n.ends_with(suffix))?;
        files
            .files()
            .iter()
            .find_map(|f| f.shape(name).map(<[usize]>::to_vec))
    };
    let version = |channels: Option<usize>| match channels {
        Some(48) => WanVersion::Wan22,
        _ => WanVersion::Wan21,
    };
    if has("blocks.0.attn1.to_q.weight") || has("blocks.0.self_attn.q.weight") {
        let channels = shape("patch_embedding.weight").and_then(|s| s.get(1).copied());
        return Some(Role::Dit(version(channels)));
    }
    if has("encoder.block.0.layer.0.SelfAttention.q.weight") {
        return Some(Role::TextEncoder);
    }
    if has("decoder.conv_in.weight") || has("decoder.conv1.weight") {
        let z = shape("post_quant_conv.weight")
            .or_else(|| shape("conv2.weight"))
            .and_then(|s| s.first().copied());
        return Some(Role::Vae(version(z)));
    }
    if let Some(channels) = taehv_latent_channels(files) {
        return Some(Role::PreviewDecoder(version(Some(channels))));
    }
    None
}

/// TAEHV is two `nn.Sequential`s (`encoder.N...`, `decoder.N...`); the decoder's first conv
/// (`decoder.1`, after a clamp) takes the latent channels.
fn taehv_latent_channels(files: &WeightFiles) -> Option<usize> {
    let names = files.names();
    let sequential = |n: &String| {
        let rest = n
            .strip_prefix("encoder.")
            .or_else(|| n.strip_prefix("decoder."));
        rest.and_then(|r| r.split('.').next())
            .is_some_and(|index| index.parse::<usize>().is_ok())
    };
    if names.is_empty() || !names.iter().all(sequential) {
        return None;
    }
    let shape = files
        .files()
        .iter()
        .find_map(|f| f.shape("decoder.1.weight"))?;
    match shape {
        [_, channels, 3, 3] => Some(*channels),
        _ => None,
    }
}

/// TAEHV has no config here: the structure and the latent channels are what is checked.
fn check_taehv(files: &WeightFiles, version: WanVersion) -> Soundness {
    let want = match version {
        WanVersion::Wan21 => 16,
        WanVersion::Wan22 => 48,
    };
    match taehv_latent_channels(files) {
        Some(channels) if channels == want => Soundness::Sound,
        Some(channels) => Soundness::WrongModel {
            reason: format!(
                "{} is a TAEHV decoder for {channels} latent channels; this one needs {want} \
                 ({})",
                name_of(files.path()),
                Role::PreviewDecoder(version).describe()
            ),
            missing: 0,
            unexpected: 0,
            misshaped: 1,
        },
        None => other_model(files, Role::PreviewDecoder(version).describe()),
    }
}

/// The verdict from a shape check.
fn verdict(
    result: Result<(), LoadError>,
    files: &WeightFiles,
    role: Expected,
    expected: &str,
) -> Soundness {
    match result {
        Ok(()) => Soundness::Sound,
        Err(LoadError::Mismatch { report, .. }) => {
            // A file of another model entirely is named as such rather than listing
            // hundreds of tensors.
            if identify_files(files).is_some_and(|found| !role.accepts(found)) {
                return other_model(files, expected);
            }
            let mut parts = Vec::new();
            if !report.missing.is_empty() {
                parts.push(format!(
                    "{} missing ({})",
                    report.missing.len(),
                    listed(&report.missing)
                ));
            }
            if !report.unexpected.is_empty() {
                parts.push(format!(
                    "{} unexpected ({})",
                    report.unexpected.len(),
                    listed(&report.unexpected)
                ));
            }
            if !report.misshaped.is_empty() {
                let shown: Vec<String> = report
                    .misshaped
                    .iter()
                    .take(LISTED)
                    .map(|(n, want, got)| format!("{n} is {got:?}, expected {want:?}"))
                    .collect();
                parts.push(format!(
                    "{} mis-shaped ({})",
                    report.misshaped.len(),
                    shown.join(", ")
                ));
            }
            parts.extend(report.unreadable.iter().cloned());
            Soundness::WrongModel {
                reason: format!(
                    "{} does not fit the {expected}: {}",
                    name_of(files.path()),
                    parts.join("; ")
                ),
                missing: report.missing.len(),
                unexpected: report.unexpected.len(),
                misshaped: report.misshaped.len(),
            }
        }
        Err(e) => open_failure(e),
    }
}

/// "`x` is a Wan2.1 VAE, not a Wan2.1 T2V 1.3B transformer", or "no model Motionboard knows".
fn other_model(files: &WeightFiles, expected: &str) -> Soundness {
    let what = match identify_files(files) {
        Some(role) => format!("is a {}", role.describe()),
        None => "holds no model Motionboard knows".to_owned(),
    };
    Soundness::WrongModel {
        reason: format!("{} {what}, not a {expected}", name_of(files.path())),
        missing: 0,
        unexpected: files.names().len(),
        misshaped: 0,
    }
}

fn listed(names: &[String]) -> String {
    let mut shown = names
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > LISTED {
        shown.push_str(&format!(", and {} more", names.len() - LISTED));
    }
    shown
}

/// A file that could not be opened as weights: not a model, or not readable.
fn open_failure(error: LoadError) -> Soundness {
    match error {
        LoadError::File(TensorFileError::Io { path, source }) => Soundness::Unreadable {
            reason: format!("{}: {source}", path.display()),
        },
        LoadError::File(e) => Soundness::NotAModel {
            reason: e.to_string(),
        },
        e @ LoadError::NoWeights { .. } => Soundness::NotAModel {
            reason: e.to_string(),
        },
        e => Soundness::Unreadable {
            reason: e.to_string(),
        },
    }
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// What a lone file is: its role, or why it is not a model Motionboard reads.
pub fn identify(path: &Path) -> Result<Role, Soundness> {
    let files = WeightFiles::open(path).map_err(open_failure)?;
    identify_files(&files).ok_or_else(|| Soundness::NotAModel {
        reason: format!(
            "{} is a safetensors file, but of no model Motionboard knows (a Wan2.1 or Wan2.2 \
             transformer or VAE, umT5-XXL, or a TAEHV decoder)",
            name_of(path)
        ),
    })
}

/// One checked part of a diffusers package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ComponentCheck {
    /// `transformer`, `vae`, `text_encoder`, or `package` for the layout itself.
    pub component: String,
    /// The component's folder.
    pub path: String,
    /// Bytes of weights in it.
    #[ts(type = "number")]
    pub bytes: u64,
    /// The verdict.
    pub soundness: Soundness,
}

/// Checks a diffusers Wan package: its layout (model_index.json and the five component
/// folders), then each weighted component against its own config.json.
pub fn check_package(root: &Path) -> Vec<ComponentCheck> {
    let layout = match WanPackage::open_diffusers(root) {
        Ok(package) => package,
        Err(e) => {
            return vec![ComponentCheck {
                component: "package".into(),
                path: root.display().to_string(),
                bytes: 0,
                soundness: Soundness::Unreadable {
                    reason: e.to_string(),
                },
            }]
        }
    };
    ["transformer", "vae", "text_encoder"]
        .into_iter()
        .map(|component| {
            let folder = layout.folder(component);
            ComponentCheck {
                component: component.to_owned(),
                path: folder.display().to_string(),
                bytes: weights_bytes(&folder),
                soundness: check_component(component, &folder),
            }
        })
        .collect()
}

/// Checks each file of a set of single files against the configs the set was opened with (a
/// file's own `__metadata__` config, or the published model its shapes match):
/// (role, file, verdict) for the transformer, the VAE and the text encoder.
pub fn check_set(package: &WanPackage) -> Vec<(Role, PathBuf, Soundness)> {
    let version = if package.expand_timesteps() {
        WanVersion::Wan22
    } else {
        WanVersion::Wan21
    };
    let judge = |role: Role, path: &Path, check: &dyn Fn(&WeightFiles) -> Result<(), LoadError>| {
        let soundness = match WeightFiles::open(path) {
            Ok(files) => verdict(check(&files), &files, Expected::Kind(role), role.describe()),
            Err(e) => open_failure(e),
        };
        (role, path.to_owned(), soundness)
    };
    let mut out = Vec::new();
    if let Ok(c) = package.transformer() {
        out.push(judge(Role::Dit(version), &c.weights, &|f| {
            check_dit(&c.config, f)
        }));
    }
    if let Ok(c) = package.vae() {
        out.push(judge(Role::Vae(version), &c.weights, &|f| {
            check_vae(&c.config, f)
        }));
    }
    if let Ok(c) = package.text_encoder() {
        out.push(judge(Role::TextEncoder, &c.weights, &|f| {
            check_t5(&c.config, f)
        }));
    }
    out
}

fn check_component(component: &str, folder: &Path) -> Soundness {
    let config = folder.join("config.json");
    let files = match WeightFiles::open(folder) {
        Ok(files) => files,
        Err(e) => return open_failure(e),
    };
    let bad_config = |e: String| Soundness::Unreadable { reason: e };
    // The version in these roles is not checked (Expected::Kind): the config says the size.
    let (result, role, expected) = match component {
        "transformer" => match DitConfig::load(&config) {
            Ok(c) => (
                check_dit(&c, &files),
                Role::Dit(WanVersion::Wan21),
                "transformer of this package",
            ),
            Err(e) => return bad_config(e.to_string()),
        },
        "vae" => match VaeConfig::load(&config) {
            Ok(c) => (
                check_vae(&c, &files),
                Role::Vae(WanVersion::Wan21),
                "VAE of this package",
            ),
            Err(e) => return bad_config(e.to_string()),
        },
        _ => match T5Config::load(&config) {
            Ok(c) => (
                check_t5(&c, &files),
                Role::TextEncoder,
                "text encoder of this package",
            ),
            Err(e) => return bad_config(e.to_string()),
        },
    };
    verdict(result, &files, Expected::Kind(role), expected)
}

/// Bytes of `.safetensors` files directly in `folder`, following symbolic links (the
/// Hugging Face cache's snapshots link to its blobs: the link itself is a few hundred bytes).
pub fn weights_bytes(folder: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "safetensors"))
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// Whether `folder` holds a diffusers package (has a `model_index.json`).
pub fn is_package(folder: &Path) -> bool {
    folder.join("model_index.json").is_file()
}

/// The version of the Wan package at `root`: Wan2.2 TI2V packages take per-token timesteps
/// (`expand_timesteps`), Wan2.1 T2V ones do not.
pub fn package_version(root: &Path) -> Option<WanVersion> {
    let package = WanPackage::open(root).ok()?;
    Some(if package.expand_timesteps() {
        WanVersion::Wan22
    } else {
        WanVersion::Wan21
    })
}

/// Every path inside a package (files only), relative to it, sorted: for copies and sizes.
pub fn package_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(root) {
                out.push(relative.to_owned());
            }
        }
    }
    out.sort();
    out
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
    fn the_tiny_packages_are_sound() {
        for name in ["wan_tiny_t2v", "wan_tiny_ti2v"] {
            let checks = check_package(&fixture(name));
            assert_eq!(checks.len(), 3, "{checks:?}");
            for c in &checks {
                assert!(c.soundness.is_sound(), "{name}: {c:?}");
                assert!(c.bytes > 1000, "{c:?}");
            }
        }
        assert_eq!(
            package_version(&fixture("wan_tiny_ti2v")),
            Some(WanVersion::Wan22)
        );
        assert_eq!(
            package_version(&fixture("wan_tiny_t2v")),
            Some(WanVersion::Wan21)
        );
    }

    #[test]
    fn files_are_identified_by_their_tensors() {
        let dit = WeightFiles::open(fixture("dit_tiny")).unwrap();
        assert!(matches!(identify_files(&dit), Some(Role::Dit(_))));
        let comfy = WeightFiles::open(fixture("dit_comfy/wan_tiny_fp16.safetensors")).unwrap();
        assert!(matches!(identify_files(&comfy), Some(Role::Dit(_))));
        let vae = WeightFiles::open(fixture("vae_2_1_tiny")).unwrap();
        assert!(matches!(identify_files(&vae), Some(Role::Vae(_))));
        let t5 = WeightFiles::open(fixture("t5_tiny")).unwrap();
        assert_eq!(identify_files(&t5), Some(Role::TextEncoder));
    }

    #[test]
    fn a_file_of_another_model_is_named() {
        // The tiny VAE where the real Wan2.1 transformer is expected.
        let verdict = check_file(
            &fixture("vae_2_1_tiny/diffusion_pytorch_model.safetensors"),
            Role::Dit(WanVersion::Wan21),
        );
        let text = verdict.describe();
        assert!(
            text.contains("is a Wan2.1 VAE") && text.contains("not a Wan2.1 T2V 1.3B"),
            "{text}"
        );
        // The tiny transformer is a transformer, but not the real one's size.
        let verdict = check_file(&fixture("dit_tiny"), Role::Dit(WanVersion::Wan21));
        match verdict {
            Soundness::WrongModel {
                misshaped, reason, ..
            } => {
                assert!(misshaped > 0, "{reason}");
                assert!(reason.contains("mis-shaped"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn images_and_pickles_are_not_models() {
        let dir = tempfile::tempdir().unwrap();
        let jpeg = dir.path().join("wan_2.1_vae.safetensors");
        std::fs::write(
            &jpeg,
            [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F'],
        )
        .unwrap();
        let text = check_file(&jpeg, Role::Vae(WanVersion::Wan21)).describe();
        assert!(
            text.starts_with("not a model file") && text.contains("JPEG"),
            "{text}"
        );
        let pickle = dir.path().join("model.ckpt");
        std::fs::write(&pickle, b"\x80\x02}q\x00.").unwrap();
        let text = check_file(&pickle, Role::TextEncoder).describe();
        assert!(
            text.contains("pickle") && text.contains("model.ckpt"),
            "{text}"
        );
        assert!(matches!(
            check_file(&dir.path().join("absent.safetensors"), Role::TextEncoder),
            Soundness::Unreadable { .. } | Soundness::NotAModel { .. }
        ));
    }
}
