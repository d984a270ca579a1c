//! The sharded weights index a diffusers folder lists its shards in
//! (`*.safetensors.index.json`), opened as the engine opens it (`WeightFiles::open`), beside
//! the tiny DiT's three real shards; then identified, checked against the DiT's config and
//! read tensor by tensor.

use std::path::{Path, PathBuf};
use std::time::Duration;

use models::expected::check_dit;
use models::wan::dit::DitConfig;
use models::weights::{WeightFiles, Weights};
use studio::model_store::check::identify_files;
use studio::model_store::{check_file, Role, WanVersion};

use super::{answer, copy_tree, model_fixtures, Target, TargetSpec};
use crate::mutate::Format;

pub const SPEC: TargetSpec = TargetSpec {
    name: "weights-index",
    about: "a sharded weights index (diffusion_pytorch_model.safetensors.index.json) beside real shards",
    format: Format::Json,
    max_len: 32 << 10,
    time_limit: Duration::from_secs(2),
    extension: "json",
    dictionary: &[
        b"weight_map",
        b"metadata",
        b"total_size",
        b"diffusion_pytorch_model-00001-of-00003.safetensors",
        b"diffusion_pytorch_model-00002-of-00003.safetensors",
        b"diffusion_pytorch_model-00003-of-00003.safetensors",
        b"config.json",
        b"blocks.0.attn1.to_q.weight",
        b"patch_embedding.weight",
    ],
    make,
};

const INDEX: &str = "diffusion_pytorch_model.safetensors.index.json";

struct IndexTarget {
    index: PathBuf,
    config: DitConfig,
}

fn make(scratch: &Path) -> anyhow::Result<Box<dyn Target>> {
    let folder = scratch.join("transformer");
    copy_tree(&model_fixtures().join("dit_sharded"), &folder, &|_| true)?;
    let config = DitConfig::load(folder.join("config.json"))?;
    Ok(Box::new(IndexTarget {
        index: folder.join(INDEX),
        config,
    }))
}

impl Target for IndexTarget {
    fn run(&mut self, input: &[u8]) -> Result<String, String> {
        std::fs::write(&self.index, input).map_err(|e| format!("scratch folder: {e}"))?;
        let _ = check_file(&self.index, Role::Dit(WanVersion::Wan21)).describe();
        let opened = WeightFiles::open(&self.index);
        let signature = answer("open", &opened);
        let Ok(files) = opened else {
            return Ok(signature);
        };
        let _ = identify_files(&files);
        let checked = check_dit(&self.config, &files);
        let mut weights = Weights::translated(&files, &|name| Some(name.to_owned()));
        for file in files.files() {
            for name in file.names() {
                if let Some(shape) = file.shape(&name).map(<[usize]>::to_vec) {
                    let _ = weights.values(&name, &shape);
                }
            }
        }
        let _ = weights.finish();
        Ok(format!("{signature}; {}", answer("check", &checked)))
    }
}
