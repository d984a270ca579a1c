//! A Wan model as single files, the way ComfyUI keeps it: a transformer in
//! `diffusion_models/` (or `unet/`), a VAE in `vae/`, umT5 in `text_encoders/` (or `clip/`),
//! each one `.safetensors` file without a config. The configs come from the files: a config
//! the file carries in its `__metadata__` (`"config"`, as diffusers' / transformers'
//! `config.json`), else the published model whose tensors the file has (Wan2.1 T2V 1.3B,
//! Wan2.2 TI2V 5B, their VAEs, umT5-XXL), judged from the header alone. The tokenizer comes
//! from the text encoder file's `spiece_model` tensor, or a `tokenizer.json` beside it.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::error::PackageError;
use super::models::component;
use crate::expected::{check_dit, check_t5, check_vae};
use crate::t5::{PromptTokenizer, T5Config};
use crate::wan::dit::DitConfig;
use crate::wan::vae::VaeConfig;
use crate::weights::{LoadError, WeightFiles};

/// The folders of a ComfyUI models folder each component is looked for in (the folder itself
/// is searched too).
const TRANSFORMER_FOLDERS: [&str; 2] = ["diffusion_models", "unet"];
const VAE_FOLDERS: [&str; 1] = ["vae"];
const TEXT_ENCODER_FOLDERS: [&str; 2] = ["text_encoders", "clip"];

/// The tensor a ComfyUI umT5 file keeps its SentencePiece model in.
pub const SPIECE_TENSOR: &str = "spiece_model";

/// The three files of a Wan model in single files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SingleFiles {
    pub transformer: PathBuf,
    pub vae: PathBuf,
    pub text_encoder: PathBuf,
}

/// What a single `.safetensors` file is, from its tensor names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Transformer,
    Vae,
    TextEncoder,
}

/// The kind of model in `files`, if it is a Wan component.
pub fn file_kind(files: &WeightFiles) -> Option<FileKind> {
    let names = files.names();
    let has = |suffix: &str| names.iter().any(|n| n.ends_with(suffix));
    if has("blocks.0.attn1.to_q.weight") || has("blocks.0.self_attn.q.weight") {
        Some(FileKind::Transformer)
    } else if has("encoder.block.0.layer.0.SelfAttention.q.weight") {
        Some(FileKind::TextEncoder)
    } else if has("decoder.conv_in.weight") || has("decoder.conv1.weight") {
        Some(FileKind::Vae)
    } else {
        None
    }
}

/// The configs and the tokenizer of a set of single files, read from their headers.
pub struct SingleFileConfigs {
    pub dit: DitConfig,
    pub vae: VaeConfig,
    pub t5: T5Config,
}

impl SingleFiles {
    /// The set at `path`: a transformer file (its VAE and text encoder are looked for beside
    /// it and in the ComfyUI folders next to its own), or a folder holding one transformer
    /// (directly or in `diffusion_models/` / `unet/`). Where several VAEs or text encoders
    /// would do, the one that fits the transformer is taken, the smallest first (an fp8 text
    /// encoder before an fp16 one).
    pub fn find(path: &Path) -> Result<Self, PackageError> {
        Self::find_in(path, &[])
    }

    /// [`Self::find`], also looking in `also` (searched after the transformer's own folders)
    /// for a VAE or text encoder that is not beside it: a umT5 file kept in another models
    /// folder tree (the app's, another ComfyUI install) completes the set.
    pub fn find_in(path: &Path, also: &[PathBuf]) -> Result<Self, PackageError> {
        let missing = |path: &Path, hint: String| PackageError::Missing {
            path: path.to_owned(),
            hint,
        };
        let (transformer, root) = if path.is_dir() {
            let mut folders = vec![path.to_owned()];
            folders.extend(TRANSFORMER_FOLDERS.iter().map(|f| path.join(f)));
            let found = candidates(&folders, FileKind::Transformer);
            match &found[..] {
                [(file, _)] => (file.clone(), path.to_owned()),
                [] => {
                    return Err(missing(
                        path,
                        "no Wan transformer here: a model is a diffusers folder \
                         (model_index.json) or ComfyUI's files (diffusion_models/, vae/, \
                         text_encoders/), e.g. wan2.1_t2v_1.3B_fp16.safetensors"
                            .into(),
                    ))
                }
                several => {
                    return Err(PackageError::Unsupported {
                        path: path.to_owned(),
                        message: format!(
                            "it holds several transformers ({}): choose one of the files",
                            several
                                .iter()
                                .filter_map(|(p, _)| p.file_name())
                                .map(|n| n.to_string_lossy())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    })
                }
            }
        } else if path.is_file() {
            let folder = path.parent().unwrap_or(Path::new(".")).to_owned();
            let in_comfy_folder = folder
                .file_name()
                .is_some_and(|n| TRANSFORMER_FOLDERS.iter().any(|f| n == *f));
            let root = if in_comfy_folder {
                folder.parent().unwrap_or(&folder).to_owned()
            } else {
                folder
            };
            (path.to_owned(), root)
        } else {
            return Err(missing(path, "no such file or folder".into()));
        };

        let dit =
            WeightFiles::open(&transformer).map_err(component("transformer", &transformer))?;
        if file_kind(&dit) != Some(FileKind::Transformer) {
            return Err(PackageError::Unsupported {
                path: transformer,
                message: "it is not a Wan transformer (diffusion model) file".into(),
            });
        }
        let latent_channels = dit_latent_channels(&dit);
        let text_dim = dit_text_dim(&dit);

        let search = |folders: &[&str]| -> Vec<PathBuf> {
            let mut out = vec![root.clone()];
            if let Some(own) = transformer.parent() {
                out.push(own.to_owned());
            }
            out.extend(folders.iter().map(|f| root.join(f)));
            out.extend(also.iter().cloned());
            out
        };
        let vae = candidates(&search(&VAE_FOLDERS), FileKind::Vae)
            .into_iter()
            .find(|(_, files)| {
                latent_channels.is_none() || vae_latent_channels(files) == latent_channels
            })
            .map(|(p, _)| p)
            .ok_or_else(|| {
                missing(
                    &root.join("vae"),
                    format!(
                        "no VAE with {} latent channels for {}: put the model's VAE in vae/ \
                         (wan_2.1_vae.safetensors for Wan2.1, wan2.2_vae.safetensors for Wan2.2)",
                        latent_channels.map_or("the".into(), |c| c.to_string()),
                        file_name(&transformer)
                    ),
                )
            })?;
        let text_encoder = candidates(&search(&TEXT_ENCODER_FOLDERS), FileKind::TextEncoder)
            .into_iter()
            .find(|(_, files)| text_dim.is_none() || t5_width(files) == text_dim)
            .map(|(p, _)| p)
            .ok_or_else(|| {
                missing(
                    &root.join("text_encoders"),
                    format!(
                        "no umT5 text encoder for {}: put umt5_xxl_fp8_e4m3fn_scaled.safetensors \
                         (or umt5_xxl_fp16.safetensors) in text_encoders/",
                        file_name(&transformer)
                    ),
                )
            })?;
        Ok(Self {
            transformer,
            vae,
            text_encoder,
        })
    }

    /// The configs, from the files' metadata or the published model they match.
    pub fn configs(&self) -> Result<SingleFileConfigs, PackageError> {
        let open = |component: &'static str, path: &Path| {
            WeightFiles::open(path).map_err(self::component(component, path))
        };
        let files = open("transformer", &self.transformer)?;
        let dit = match carried_config::<DitConfig>(&files) {
            Some(config) => config.map_err(component("transformer", &self.transformer))?,
            None => published(
                &files,
                &[DitConfig::wan21_t2v_1_3b(), DitConfig::wan22_ti2v_5b()],
                check_dit,
                "Wan2.1 T2V 1.3B or Wan2.2 TI2V 5B transformer",
            )
            .map_err(component("transformer", &self.transformer))?,
        };
        dit.validate()
            .map_err(component("transformer", &self.transformer))?;

        let files = open("VAE", &self.vae)?;
        let vae = match carried_config::<VaeConfig>(&files) {
            Some(config) => config.map_err(component("VAE", &self.vae))?,
            None => published(
                &files,
                &[VaeConfig::wan21(), VaeConfig::wan22()],
                check_vae,
                "Wan2.1 or Wan2.2 VAE",
            )
            .map_err(component("VAE", &self.vae))?,
        };
        vae.validate().map_err(component("VAE", &self.vae))?;

        let files = open("text encoder", &self.text_encoder)?;
        let t5 = match carried_config::<T5Config>(&files) {
            Some(config) => config.map_err(component("text encoder", &self.text_encoder))?,
            None => published(
                &files,
                &[T5Config::umt5_xxl()],
                check_t5,
                "umT5-XXL encoder",
            )
            .map_err(component("text encoder", &self.text_encoder))?,
        };
        Ok(SingleFileConfigs { dit, vae, t5 })
    }

    /// umT5's tokenizer: the text encoder file's `spiece_model`, else a `tokenizer.json`
    /// beside it.
    pub fn tokenizer(&self) -> Result<PromptTokenizer, PackageError> {
        let path = &self.text_encoder;
        let files = WeightFiles::open(path).map_err(component("tokenizer", path))?;
        if let Some(file) = files.files().iter().find(|f| f.contains(SPIECE_TENSOR)) {
            let bytes = file
                .bytes(SPIECE_TENSOR)
                .map_err(component("tokenizer", path))?;
            return PromptTokenizer::from_sentencepiece(bytes)
                .map_err(component("tokenizer", path));
        }
        let beside = path.with_file_name("tokenizer.json");
        if beside.is_file() {
            return PromptTokenizer::from_file(&beside).map_err(component("tokenizer", &beside));
        }
        Err(PackageError::Missing {
            path: beside,
            hint: format!(
                "{} carries no tokenizer (no `{SPIECE_TENSOR}` tensor): use ComfyUI's \
                 umt5_xxl_fp8_e4m3fn_scaled.safetensors or umt5_xxl_fp16.safetensors, which do, \
                 or put umT5's tokenizer.json beside it",
                file_name(path)
            ),
        })
    }

    /// Wan2.2 TI2V's per-token timesteps go with its VAE (residual blocks, 2x2 patchify).
    pub fn expand_timesteps(configs: &SingleFileConfigs) -> bool {
        configs.vae.is_residual
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The `.safetensors` files of `kind` in `folders` (each folder once), smallest first.
fn candidates(folders: &[PathBuf], kind: FileKind) -> Vec<(PathBuf, WeightFiles)> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for folder in folders {
        let Ok(canonical) = folder.canonicalize() else {
            continue;
        };
        if seen.contains(&canonical) {
            continue;
        }
        seen.push(canonical);
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        let mut files: Vec<(u64, PathBuf)> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "safetensors") && p.is_file())
            .map(|p| (std::fs::metadata(&p).map_or(0, |m| m.len()), p))
            .collect();
        files.sort();
        for (_, path) in files {
            if let Ok(files) = WeightFiles::open(&path) {
                if file_kind(&files) == Some(kind) {
                    out.push((path, files));
                }
            }
        }
    }
    out
}

fn shape_exact(files: &WeightFiles, name: &str) -> Option<Vec<usize>> {
    files
        .files()
        .iter()
        .find_map(|f| f.shape(name).map(<[usize]>::to_vec))
}

fn shape_of(files: &WeightFiles, suffix: &str) -> Option<Vec<usize>> {
    files.files().iter().find_map(|f| {
        let name = f.names().into_iter().find(|n| n.ends_with(suffix))?;
        f.shape(&name).map(<[usize]>::to_vec)
    })
}

/// A transformer's latent channels: the patch embedding's input channels.
fn dit_latent_channels(files: &WeightFiles) -> Option<usize> {
    shape_of(files, "patch_embedding.weight").and_then(|s| s.get(1).copied())
}

/// The text width a transformer reads: its text embedding's input width.
fn dit_text_dim(files: &WeightFiles) -> Option<usize> {
    shape_of(files, "text_embedding.0.weight")
        .or_else(|| shape_of(files, "condition_embedder.text_embedder.linear_1.weight"))
        .and_then(|s| s.get(1).copied())
}

/// A VAE's latent channels (`conv2` / `post_quant_conv` takes them in).
fn vae_latent_channels(files: &WeightFiles) -> Option<usize> {
    shape_exact(files, "post_quant_conv.weight")
        .or_else(|| shape_exact(files, "conv2.weight"))
        .and_then(|s| s.get(1).copied())
}

/// umT5's width (its token embedding's).
fn t5_width(files: &WeightFiles) -> Option<usize> {
    shape_of(files, "shared.weight")
        .or_else(|| shape_of(files, "encoder.embed_tokens.weight"))
        .and_then(|s| s.get(1).copied())
}

/// The config a file carries in `__metadata__["config"]`, if any.
fn carried_config<T: DeserializeOwned>(
    files: &WeightFiles,
) -> Option<Result<T, serde_json::Error>> {
    let text = files.files().first()?.metadata().get("config")?;
    Some(serde_json::from_str(text))
}

/// The first of `known` configs the file's tensors fit, or the report against the first.
fn published<C: Clone>(
    files: &WeightFiles,
    known: &[C],
    check: fn(&C, &WeightFiles) -> Result<(), LoadError>,
    what: &str,
) -> Result<C, String> {
    let mut first_error = None;
    for config in known {
        match check(config, files) {
            Ok(()) => return Ok(config.clone()),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(format!(
        "its tensors are not those of a {what}{}",
        first_error.map_or(String::new(), |e| format!(" ({e})"))
    ))
}
