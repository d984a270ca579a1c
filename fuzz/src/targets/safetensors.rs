//! A safetensors file as the model store and the engine read it: the header and tensor index
//! (`WeightFiles::open`, memory-mapped), what the file is (`check::identify`) and whether it
//! fits each model (`check::check_file`), every tensor's values through `Weights` (ComfyUI's
//! fp8 `scale_weight` applied, rows of an embedding as the text encoder reads them), the
//! SentencePiece model a umT5 file carries, and the file as one of a ComfyUI model's single
//! files (`WanPackage::open`: configs from the headers or `__metadata__`, the tokenizer, the
//! memory plan).

use std::path::{Path, PathBuf};
use std::time::Duration;

use models::pipeline::{file_kind, FileKind, WanPackage, SPIECE_TENSOR};
use models::t5::PromptTokenizer;
use models::weights::{WeightFiles, Weights};
use studio::model_store::check::identify;
use studio::model_store::{check_file, plan, PackageConfigs, Role, WanVersion};

use super::{answer, model_fixtures, Target, TargetSpec, PROMPTS};
use crate::mutate::Format;

pub const SPEC: TargetSpec = TargetSpec {
    name: "safetensors",
    about: "a .safetensors file: header, tensor index, identification, values (fp8 scale_weight), spiece_model, ComfyUI single files",
    format: Format::Safetensors,
    max_len: 256 << 10,
    time_limit: Duration::from_secs(2),
    extension: "safetensors",
    dictionary: &[
        b"F8_E4M3", b"F8_E5M2", b"BF16", b"F16", b"F32", b"F64", b"U8", b"I8", b"I64",
        b"I32", b"BOOL", b"dtype", b"shape", b"data_offsets", b"__metadata__", b"config",
        b".scale_weight", b".weight", b".bias", b"spiece_model", b"scaled_fp8",
        b"blocks.0.self_attn.q.weight", b"patch_embedding.weight", b"decoder.conv1.weight",
        b"conv2.weight", b"encoder.block.0.layer.0.SelfAttention.q.weight", b"shared.weight",
        b"decoder.1.weight", b"text_embedding.0.weight",
    ],
    make,
};

/// The ComfyUI single files of the tiny Wan model: (folder, file name).
const COMFY: [(&str, &str, FileKind); 3] = [
    (
        "diffusion_models",
        "wan_tiny_t2v_fp16.safetensors",
        FileKind::Transformer,
    ),
    ("vae", "wan_tiny_vae.safetensors", FileKind::Vae),
    (
        "text_encoders",
        "umt5_tiny_fp8_e4m3fn_scaled.safetensors",
        FileKind::TextEncoder,
    ),
];

const ROLES: [Role; 6] = [
    Role::Dit(WanVersion::Wan21),
    Role::Dit(WanVersion::Wan22),
    Role::Vae(WanVersion::Wan21),
    Role::Vae(WanVersion::Wan22),
    Role::TextEncoder,
    Role::PreviewDecoder(WanVersion::Wan21),
];

struct SafetensorsTarget {
    lone: PathBuf,
    comfy: PathBuf,
    /// The sound file of each kind, to put back after the input took its place.
    originals: Vec<(PathBuf, Vec<u8>, FileKind)>,
}

fn make(scratch: &Path) -> anyhow::Result<Box<dyn Target>> {
    let comfy = scratch.join("comfy");
    let mut originals = Vec::new();
    for (folder, name, kind) in COMFY {
        let bytes = std::fs::read(
            model_fixtures()
                .join("wan_tiny_t2v_comfy")
                .join(folder)
                .join(name),
        )?;
        let path = comfy.join(folder).join(name);
        std::fs::create_dir_all(comfy.join(folder))?;
        std::fs::write(&path, &bytes)?;
        originals.push((path, bytes, kind));
    }
    std::fs::create_dir_all(scratch.join("lone"))?;
    Ok(Box::new(SafetensorsTarget {
        lone: scratch.join("lone").join("model.safetensors"),
        comfy,
        originals,
    }))
}

impl Target for SafetensorsTarget {
    fn run(&mut self, input: &[u8]) -> Result<String, String> {
        let io = |e: std::io::Error| format!("scratch folder: {e}");
        std::fs::write(&self.lone, input).map_err(io)?;
        let identified = identify(&self.lone);
        let mut signature = match &identified {
            Ok(role) => format!("identify: {role:?}"),
            Err(soundness) => format!("identify: {}", soundness.describe()),
        };
        for role in ROLES {
            let _ = check_file(&self.lone, role).describe();
        }
        let Ok(files) = WeightFiles::open(&self.lone) else {
            return Ok(signature);
        };
        read_every_tensor(&files);
        if let Some(file) = files.files().iter().find(|f| f.contains(SPIECE_TENSOR)) {
            if let Ok(bytes) = file.bytes(SPIECE_TENSOR) {
                if let Ok(tokenizer) = PromptTokenizer::from_sentencepiece(bytes) {
                    let _ = tokenizer.encode_batch(&PROMPTS, 16);
                }
            }
        }
        // The input as the single file of its kind in a ComfyUI folder.
        let kind = file_kind(&files);
        drop(files);
        if let Some(slot) = self.originals.iter().find(|(_, _, k)| Some(*k) == kind) {
            std::fs::write(&slot.0, input).map_err(io)?;
            let opened = open_package(&self.comfy);
            signature.push_str(&format!("; package: {opened}"));
            std::fs::write(&slot.0, &slot.1).map_err(io)?;
        }
        Ok(signature)
    }
}

/// Reads every tensor as the loaders do: all values (dequantised), and a few rows of each
/// 2-D one (token embeddings are read by rows, ids clamped to the table).
fn read_every_tensor(files: &WeightFiles) {
    let mut weights = Weights::translated(files, &|name| Some(name.to_owned()));
    for file in files.files() {
        for name in file.names() {
            let Some(shape) = file.shape(&name).map(<[usize]>::to_vec) else {
                continue;
            };
            let _ = weights.values(&name, &shape);
            if shape.len() == 2 {
                let _ = weights.rows(&name, &shape, &[0, 1, 1_000_000]);
            }
            let _ = file.i64(&name);
            let _ = file.bytes(&name);
        }
    }
    let _ = weights.finish();
}

/// Opens the ComfyUI folder as a Wan package and plans a generation with its configs.
fn open_package(root: &Path) -> String {
    let package = match WanPackage::open(root) {
        Ok(p) => p,
        Err(e) => return answer::<(), _>("open", &Err(e)),
    };
    let _ = package
        .tokenizer()
        .map(|t| t.encode_batch(&PROMPTS[..1], 8));
    let configs = (|| {
        Ok::<_, models::pipeline::PackageError>(PackageConfigs {
            dit: package.transformer()?.config,
            vae: package.vae()?.config,
            text_encoder: package.text_encoder()?.config,
        })
    })();
    match configs {
        Ok(configs) => {
            let shot = studio::model_store::ShotSize {
                width: 832,
                height: 480,
                frames: 81,
            };
            answer("plan", &plan(&configs, shot, false, 8 << 30))
        }
        Err(e) => answer::<(), _>("configs", &Err(e)),
    }
}
