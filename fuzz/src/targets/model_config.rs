//! The configs of a diffusers Wan package, each fuzzed in place inside an otherwise sound
//! copy of the tiny package: `model_index.json`, and the `config.json` of the transformer,
//! the VAE and the text encoder, and the scheduler's `scheduler_config.json`. Each goes
//! through what the app does before it loads a weight: `PlanConfigs::load` (the package
//! opened, every config read and validated), the memory plan of a generation, the package's
//! defaults and the sampler's schedule.

use std::path::{Path, PathBuf};
use std::time::Duration;

use models::pipeline::{PackageDefaults, WanPackage};
use studio::model_store::{plan, PackageConfigs, ShotSize};

use super::{answer, copy_tree, model_fixtures, Target, TargetSpec};
use crate::mutate::Format;

const WORDS: &[&[u8]] = &[
    b"_class_name",
    b"patch_size",
    b"num_attention_heads",
    b"attention_head_dim",
    b"in_channels",
    b"out_channels",
    b"text_dim",
    b"freq_dim",
    b"ffn_dim",
    b"num_layers",
    b"qk_norm",
    b"rms_norm_across_heads",
    b"eps",
    b"rope_max_seq_len",
    b"cross_attn_norm",
    b"image_dim",
    b"base_dim",
    b"decoder_base_dim",
    b"z_dim",
    b"dim_mult",
    b"num_res_blocks",
    b"temperal_downsample",
    b"latents_mean",
    b"latents_std",
    b"is_residual",
    b"scale_factor_temporal",
    b"scale_factor_spatial",
    b"vocab_size",
    b"d_model",
    b"d_kv",
    b"d_ff",
    b"num_heads",
    b"relative_attention_num_buckets",
    b"relative_attention_max_distance",
    b"feed_forward_proj",
    b"gated-gelu",
    b"relu",
    b"dense_act_fn",
    b"model_type",
    b"umt5",
    b"layer_norm_epsilon",
    b"num_train_timesteps",
    b"shift",
    b"flow_shift",
    b"use_flow_sigmas",
    b"use_dynamic_shifting",
    b"solver_order",
    b"solver_type",
    b"bh1",
    b"bh2",
    b"predict_x0",
    b"lower_order_final",
    b"final_sigmas_type",
    b"prediction_type",
    b"flow_prediction",
    b"FlowMatchEulerDiscreteScheduler",
    b"UniPCMultistepScheduler",
    b"WanPipeline",
    b"WanImageToVideoPipeline",
    b"WanDMDPipeline",
    b"expand_timesteps",
    b"transformer",
    b"vae",
    b"text_encoder",
    b"boundary_ratio",
    b"transformer_2",
    b"image_encoder",
    b"WanTransformer3DModel",
    b"AutoencoderKLWan",
    b"UMT5EncoderModel",
];

const fn spec(
    name: &'static str,
    about: &'static str,
    make: fn(&Path) -> anyhow::Result<Box<dyn Target>>,
) -> TargetSpec {
    TargetSpec {
        name,
        about,
        format: Format::Json,
        max_len: 16 << 10,
        time_limit: Duration::from_secs(2),
        extension: "json",
        dictionary: WORDS,
        make,
    }
}

pub const DIT: TargetSpec = spec(
    "dit-config",
    "transformer/config.json (WanTransformer3DModel) in a package",
    |s| make(s, "transformer/config.json"),
);
pub const VAE: TargetSpec = spec(
    "vae-config",
    "vae/config.json (AutoencoderKLWan) in a package",
    |s| make(s, "vae/config.json"),
);
pub const T5: TargetSpec = spec(
    "t5-config",
    "text_encoder/config.json (UMT5EncoderModel) in a package",
    |s| make(s, "text_encoder/config.json"),
);
pub const SCHEDULER: TargetSpec = spec(
    "scheduler-config",
    "scheduler/scheduler_config.json (UniPC, Euler) in a package",
    |s| make(s, "scheduler/scheduler_config.json"),
);
pub const MODEL_INDEX: TargetSpec = spec(
    "model-index",
    "model_index.json of a diffusers package",
    |s| make(s, "model_index.json"),
);

struct ConfigTarget {
    root: PathBuf,
    file: PathBuf,
}

fn make(scratch: &Path, file: &str) -> anyhow::Result<Box<dyn Target>> {
    let root = scratch.join("wan_tiny_t2v");
    // Only the text files: opening a package and its configs reads no weights.
    copy_tree(&model_fixtures().join("wan_tiny_t2v"), &root, &|p| {
        p.extension().is_some_and(|e| e == "json")
    })?;
    Ok(Box::new(ConfigTarget {
        file: root.join(file),
        root,
    }))
}

impl Target for ConfigTarget {
    fn run(&mut self, input: &[u8]) -> Result<String, String> {
        std::fs::write(&self.file, input).map_err(|e| format!("scratch folder: {e}"))?;
        let configs = PackageConfigs::load(&self.root);
        let mut signature = answer("configs", &configs);
        if let Ok(configs) = &configs {
            for (width, height, frames, image) in [(832, 480, 81, false), (64, 64, 5, true)] {
                let shot = ShotSize {
                    width,
                    height,
                    frames,
                };
                let planned = plan(configs, shot, image, 8 << 30);
                if let Ok((estimate, memory)) = &planned {
                    let _ = memory.describe();
                    let _ = estimate.device_peak;
                }
                signature.push_str(&format!("; {}", answer("plan", &planned)));
            }
            let _ = PackageDefaults::for_model(false, configs.dit.inner_dim());
        }
        if let Ok(package) = WanPackage::open(&self.root) {
            let scheduler = package.scheduler();
            signature.push_str(&format!("; {}", answer("scheduler", &scheduler)));
            if let Ok(scheduler) = scheduler {
                for steps in [1, 4, 50] {
                    if let Ok(sampler) = scheduler.sampler::<5>(steps) {
                        let _ = sampler.timesteps().len();
                    }
                }
            }
        }
        Ok(signature)
    }
}
