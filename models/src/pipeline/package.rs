//! A Wan model package, in one of two layouts:
//! - diffusers' folder: `model_index.json` and one folder per component (`scheduler/`,
//!   `text_encoder/`, `tokenizer/`, `transformer/`, `vae/`), as `WanPipeline.save_pretrained`
//!   writes it and the Hub's `Wan-AI/*-Diffusers` repositories hold it;
//! - single files, as ComfyUI keeps them (see [`super::single_files`]): a transformer, a VAE
//!   and umT5, configs and tokenizer read from the files themselves.
//!
//! Opening a package checks the layout (and what `model_index.json` says); loading it builds
//! the components ([`super::WanModels`]).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::error::{BoxError, PackageError};
use super::single_files::{SingleFileConfigs, SingleFiles};
use crate::scheduler::FlowSchedulerConfig;
use crate::t5::{PromptTokenizer, T5Config};
use crate::wan::dit::DitConfig;
use crate::wan::vae::VaeConfig;

/// The pipeline classes a package may name (`_class_name`).
const PIPELINES: [&str; 3] = ["WanPipeline", "WanImageToVideoPipeline", DISTILLED_PIPELINE];

/// FastVideo's class for its few-step distilled (DMD) FastWan releases.
const DISTILLED_PIPELINE: &str = "WanDMDPipeline";

/// The component folders, with the class each one must hold (`None`: not checked) and the
/// file in it that is read first.
const COMPONENTS: [(&str, Option<&str>, &str); 5] = [
    ("scheduler", None, "scheduler_config.json"),
    ("text_encoder", Some("UMT5EncoderModel"), "config.json"),
    ("tokenizer", None, "tokenizer.json"),
    ("transformer", Some("WanTransformer3DModel"), "config.json"),
    ("vae", Some("AutoencoderKLWan"), "config.json"),
];

/// Wan2.1's and Wan2.2 TI2V's default timestep shift (their diffusers scheduler configs).
const WAN21_FLOW_SHIFT: f64 = 3.0;
const WAN22_FLOW_SHIFT: f64 = 5.0;

/// An opened (not yet loaded) Wan package.
#[derive(Clone)]
pub struct WanPackage {
    root: PathBuf,
    class_name: String,
    expand_timesteps: bool,
    layout: Layout,
}

#[derive(Clone)]
enum Layout {
    Diffusers,
    SingleFiles(SingleFiles, std::sync::Arc<SingleFileConfigs>),
}

impl std::fmt::Debug for WanPackage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WanPackage")
            .field("root", &self.root)
            .field("class_name", &self.class_name)
            .field("expand_timesteps", &self.expand_timesteps)
            .field("single_files", &self.single_files())
            .finish()
    }
}

/// The config and weights of one component.
pub struct Component<C> {
    pub config: C,
    /// A file, a shard index or a folder ([`crate::weights::WeightFiles::open`]).
    pub weights: PathBuf,
}

fn failed<E: Into<BoxError>>(
    component: &'static str,
    folder: &Path,
) -> impl FnOnce(E) -> PackageError {
    let folder = folder.to_owned();
    move |e| PackageError::Component {
        component,
        folder,
        source: e.into(),
    }
}

impl WanPackage {
    /// Opens the package at `path`: a diffusers folder (it has `model_index.json`), or a Wan
    /// model in single files: a transformer file, or a folder with one transformer in it or in
    /// `diffusion_models/` (ComfyUI's layout), its VAE and text encoder found beside it (see
    /// [`SingleFiles::find`]). Nothing is loaded yet; only headers are read.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, PackageError> {
        let path = path.as_ref();
        if path.is_dir() && path.join("model_index.json").is_file() {
            return Self::open_diffusers(path);
        }
        if path.is_dir()
            && ["transformer", "scheduler"]
                .iter()
                .any(|c| path.join(c).is_dir())
        {
            // A diffusers folder missing its index: say so rather than look for single files.
            return Self::open_diffusers(path);
        }
        if !path.exists() {
            return Err(PackageError::NotAFolder {
                path: path.to_owned(),
            });
        }
        Self::from_single_files(SingleFiles::find(path)?)
    }

    /// [`Self::open`], where a model in single files may also take its VAE or text encoder
    /// from the folders `also` (see [`SingleFiles::find_in`]).
    pub fn open_in(path: impl AsRef<Path>, also: &[PathBuf]) -> Result<Self, PackageError> {
        let path = path.as_ref();
        if also.is_empty() || (path.is_dir() && path.join("model_index.json").is_file()) {
            return Self::open(path);
        }
        match Self::open(path) {
            Ok(package) => Ok(package),
            // Only a set of single files looks further; anything else says what it said.
            Err(first) => match SingleFiles::find_in(path, also) {
                Ok(files) => Self::from_single_files(files),
                Err(_) => Err(first),
            },
        }
    }

    /// A package from single files (checked against each other's shapes when loaded).
    pub fn from_single_files(files: SingleFiles) -> Result<Self, PackageError> {
        let configs = files.configs()?;
        let expand_timesteps = SingleFiles::expand_timesteps(&configs);
        Ok(Self {
            root: files.transformer.clone(),
            class_name: "WanPipeline".into(),
            expand_timesteps,
            layout: Layout::SingleFiles(files, std::sync::Arc::new(configs)),
        })
    }

    /// The single files, when the package is in that layout.
    pub fn single_files(&self) -> Option<&SingleFiles> {
        match &self.layout {
            Layout::SingleFiles(files, _) => Some(files),
            Layout::Diffusers => None,
        }
    }

    /// Checks the diffusers folder at `root`: `model_index.json` names a Wan pipeline this
    /// crate runs (one transformer, no CLIP image encoder), and every component folder and its
    /// first file are there.
    pub fn open_diffusers(root: impl AsRef<Path>) -> Result<Self, PackageError> {
        let root = root.as_ref().to_owned();
        if !root.is_dir() {
            return Err(PackageError::NotAFolder { path: root });
        }
        let index_path = root.join("model_index.json");
        if !index_path.is_file() {
            return Err(PackageError::Missing {
                path: index_path,
                hint: "it is not a diffusers model folder (download the whole repository, e.g. \
                       Wan-AI/Wan2.1-T2V-1.3B-Diffusers, not single files)"
                    .into(),
            });
        }
        let text = std::fs::read_to_string(&index_path).map_err(|e| PackageError::ModelIndex {
            path: index_path.clone(),
            message: e.to_string(),
        })?;
        let index: Value = serde_json::from_str(&text).map_err(|e| PackageError::ModelIndex {
            path: index_path.clone(),
            message: e.to_string(),
        })?;
        let unsupported = |message: String| PackageError::Unsupported {
            path: index_path.clone(),
            message,
        };

        let class_name = index
            .get("_class_name")
            .and_then(Value::as_str)
            .ok_or_else(|| PackageError::ModelIndex {
                path: index_path.clone(),
                message: "it has no `_class_name`".into(),
            })?
            .to_owned();
        if !PIPELINES.contains(&class_name.as_str()) {
            return Err(unsupported(format!(
                "the pipeline is `{class_name}`; Motionboard runs {} packages (Wan2.1 T2V, \
                 Wan2.2 TI2V, FastWan)",
                PIPELINES.join(" and ")
            )));
        }
        // Wan2.2 A14B: a second, low-noise expert switched in at `boundary_ratio`.
        let present = |key: &str| index.get(key).is_some_and(|v| !is_null_entry(v));
        if present("transformer_2") || present("boundary_ratio") {
            return Err(unsupported(
                "this package has two transformers (Wan2.2 A14B's high- and low-noise experts); \
                 only single-transformer packages (Wan2.1 T2V, Wan2.2 TI2V-5B) are supported"
                    .into(),
            ));
        }
        if present("image_encoder") {
            return Err(unsupported(
                "this package conditions on a CLIP image encoder (Wan2.1 I2V); for \
                 image-to-video use a Wan2.2 TI2V package (model_index.json \
                 `expand_timesteps: true`)"
                    .into(),
            ));
        }
        let expand_timesteps = index
            .get("expand_timesteps")
            .and_then(Value::as_bool)
            .unwrap_or(false);

        for (name, class, first_file) in COMPONENTS {
            let folder = root.join(name);
            if !folder.is_dir() {
                return Err(PackageError::Missing {
                    path: folder,
                    hint: format!(
                        "a Wan package needs the folders scheduler/, text_encoder/, tokenizer/, \
                         transformer/ and vae/ beside model_index.json; download the `{name}` \
                         folder of the same repository"
                    ),
                });
            }
            if let (Some(class), Some(entry)) = (class, index.get(name)) {
                let found = entry.get(1).and_then(Value::as_str);
                if found.is_some_and(|found| found != class) {
                    return Err(unsupported(format!(
                        "`{name}` is a `{}`; this pipeline needs a `{class}`",
                        found.unwrap_or_default()
                    )));
                }
            }
            let file = folder.join(first_file);
            if !file.is_file() {
                let hint = match name {
                    "tokenizer" => {
                        "Motionboard reads the fast tokenizer file tokenizer.json (spiece.model \
                         alone is not enough): download it from the same repository"
                    }
                    _ => "download it from the same repository",
                };
                return Err(PackageError::Missing {
                    path: file,
                    hint: hint.into(),
                });
            }
        }
        Ok(Self {
            root,
            class_name,
            expand_timesteps,
            layout: Layout::Diffusers,
        })
    }

    /// The sampler's config: the package's `scheduler_config.json`, or for single files Wan's
    /// default UniPC with the model's shift.
    pub fn scheduler(&self) -> Result<FlowSchedulerConfig, PackageError> {
        match &self.layout {
            Layout::Diffusers => {
                let folder = self.folder("scheduler");
                FlowSchedulerConfig::load(folder.join("scheduler_config.json"))
                    .map_err(failed("scheduler", &folder))
            }
            Layout::SingleFiles(..) => {
                Ok(FlowSchedulerConfig::wan_unipc(if self.expand_timesteps {
                    WAN22_FLOW_SHIFT
                } else {
                    WAN21_FLOW_SHIFT
                }))
            }
        }
    }

    /// umT5's tokenizer.
    pub fn tokenizer(&self) -> Result<PromptTokenizer, PackageError> {
        match &self.layout {
            Layout::Diffusers => {
                let folder = self.folder("tokenizer");
                PromptTokenizer::from_file(folder.join("tokenizer.json"))
                    .map_err(failed("tokenizer", &folder))
            }
            Layout::SingleFiles(files, _) => files.tokenizer(),
        }
    }

    /// The text encoder's config and weights.
    pub fn text_encoder(&self) -> Result<Component<T5Config>, PackageError> {
        match &self.layout {
            Layout::Diffusers => {
                let folder = self.folder("text_encoder");
                let config = T5Config::load(folder.join("config.json"))
                    .map_err(failed("text encoder", &folder))?;
                Ok(Component {
                    config,
                    weights: folder,
                })
            }
            Layout::SingleFiles(files, configs) => Ok(Component {
                config: configs.t5.clone(),
                weights: files.text_encoder.clone(),
            }),
        }
    }

    /// The transformer's config and weights.
    pub fn transformer(&self) -> Result<Component<DitConfig>, PackageError> {
        match &self.layout {
            Layout::Diffusers => {
                let folder = self.folder("transformer");
                let config = DitConfig::load(folder.join("config.json"))
                    .map_err(failed("transformer", &folder))?;
                Ok(Component {
                    config,
                    weights: folder,
                })
            }
            Layout::SingleFiles(files, configs) => Ok(Component {
                config: configs.dit.clone(),
                weights: files.transformer.clone(),
            }),
        }
    }

    /// The VAE's config and weights.
    pub fn vae(&self) -> Result<Component<VaeConfig>, PackageError> {
        match &self.layout {
            Layout::Diffusers => {
                let folder = self.folder("vae");
                let config =
                    VaeConfig::load(folder.join("config.json")).map_err(failed("VAE", &folder))?;
                Ok(Component {
                    config,
                    weights: folder,
                })
            }
            Layout::SingleFiles(files, configs) => Ok(Component {
                config: configs.vae.clone(),
                weights: files.vae.clone(),
            }),
        }
    }

    /// The package folder (diffusers) or the transformer file (single files): what names the
    /// package.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `_class_name` of model_index.json.
    pub fn class_name(&self) -> &str {
        &self.class_name
    }

    /// `expand_timesteps` of model_index.json: Wan2.2 TI2V's per-token timesteps, which is what
    /// lets the same model do image-to-video.
    pub fn expand_timesteps(&self) -> bool {
        self.expand_timesteps
    }

    /// Whether this is a few-step distilled package (FastVideo's `WanDMDPipeline`: FastWan),
    /// sampled in its release's few steps without guidance.
    pub fn distilled(&self) -> bool {
        self.class_name == DISTILLED_PIPELINE
    }

    /// A diffusers component's folder (`"vae"`, `"transformer"`, ...).
    pub fn folder(&self, component: &str) -> PathBuf {
        self.root.join(component)
    }
}

/// Whether a model_index entry says "absent": null, or `[null, null]` as diffusers writes an
/// unset optional component.
fn is_null_entry(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().all(Value::is_null),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_entries_are_absent_components() {
        assert!(is_null_entry(&Value::Null));
        assert!(is_null_entry(&serde_json::json!([null, null])));
        assert!(!is_null_entry(&serde_json::json!([
            "diffusers",
            "WanTransformer3DModel"
        ])));
        assert!(!is_null_entry(&serde_json::json!(0.875)));
    }

    #[test]
    fn a_file_is_not_a_package() {
        let err = WanPackage::open(file!()).unwrap_err();
        assert!(matches!(err, PackageError::NotAFolder { .. }), "{err}");
    }
}
