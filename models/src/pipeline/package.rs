//! A Wan model package in diffusers' folder layout: `model_index.json` and one folder per
//! component (`scheduler/`, `text_encoder/`, `tokenizer/`, `transformer/`, `vae/`), as
//! `WanPipeline.save_pretrained` writes it and the Hub's `Wan-AI/*-Diffusers` repositories
//! hold it. Opening a package checks the layout and what `model_index.json` says; loading it
//! builds the components ([`super::WanModels`]).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::error::PackageError;

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

/// An opened (not yet loaded) diffusers Wan package.
#[derive(Debug, Clone, PartialEq)]
pub struct WanPackage {
    root: PathBuf,
    class_name: String,
    expand_timesteps: bool,
}

impl WanPackage {
    /// Checks the folder at `root`: `model_index.json` names a Wan pipeline this crate runs
    /// (one transformer, no CLIP image encoder), and every component folder and its first file
    /// are there. Nothing is loaded yet.
    pub fn open(root: impl AsRef<Path>) -> Result<Self, PackageError> {
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
        })
    }

    /// The package folder.
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

    /// A component's folder (`"vae"`, `"transformer"`, ...).
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
