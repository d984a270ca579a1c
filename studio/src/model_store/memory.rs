//! How much GPU memory a shot needs, and what the engine will do to fit a budget. Only
//! measures the engine has are offered: f32, or f16 where the GPU supports it. Everything is
//! resident at once today (the text encoder, the transformer and the VAE are all loaded on the
//! device), so the estimate adds them up.
//!
//! The figures are estimates: weights are exact (parameter counts from the configs, at the
//! device precision the loader converts to), activations are modelled per transformer block
//! with a memory-efficient attention kernel (burn's wgpu flash attention), and the VAE decode
//! is scaled from the decoder's width at full resolution, calibrated against the measured
//! decode in the README's speed table.

use std::path::Path;

use models::expected::{dit_tensors, t5_tensors, vae_tensors};
use models::t5::T5Config;
use models::wan::dit::DitConfig;
use models::wan::vae::{VaeConfig, CACHE_T};
use serde::Serialize;
use ts_rs::TS;

use super::StoreError;

/// Text tokens per prompt (Wan's default `max_sequence_length`).
const TEXT_TOKENS: u64 = 512;
/// Slack for the allocator's rounding and the backend's own buffers.
const OVERHEAD: f64 = 1.15;
/// Live activation buffers per decoder channel and pixel at the finest level (input, output,
/// norm and padding copies), fitted to the measured Wan2.1 decode.
const VAE_BUFFERS: u64 = 6;

/// A shot's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
// Not `ShotSize` in TypeScript: the project's shot size (wide, close-up, ...) has that name.
#[ts(export, rename = "GeneratedSize")]
pub struct ShotSize {
    pub width: u32,
    pub height: u32,
    pub frames: u32,
}

/// The configs a package's memory depends on.
#[derive(Debug, Clone)]
pub struct PackageConfigs {
    pub dit: DitConfig,
    pub vae: VaeConfig,
    pub text_encoder: T5Config,
}

impl PackageConfigs {
    /// The configs of the package at `root` (a diffusers folder, or a set of single files
    /// named by its transformer file).
    pub fn load(root: &Path) -> Result<Self, StoreError> {
        let bad = |e: models::pipeline::PackageError| StoreError::Config {
            path: root.to_owned(),
            reason: e.to_string(),
        };
        let package = models::pipeline::WanPackage::open(root).map_err(bad)?;
        Ok(Self {
            dit: package.transformer().map_err(bad)?.config,
            vae: package.vae().map_err(bad)?.config,
            text_encoder: package.text_encoder().map_err(bad)?.config,
        })
    }

    /// The real Wan2.1 T2V 1.3B package.
    pub fn wan21_t2v_1_3b() -> Self {
        Self {
            dit: DitConfig::wan21_t2v_1_3b(),
            vae: VaeConfig::wan21(),
            text_encoder: T5Config::umt5_xxl(),
        }
    }

    /// The real Wan2.2 TI2V 5B package.
    pub fn wan22_ti2v_5b() -> Self {
        Self {
            dit: DitConfig::wan22_ti2v_5b(),
            vae: VaeConfig::wan22(),
            text_encoder: T5Config::umt5_xxl(),
        }
    }
}

/// Bytes per part, at one precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct MemoryParts {
    #[ts(type = "number")]
    pub text_encoder: u64,
    #[ts(type = "number")]
    pub transformer: u64,
    #[ts(type = "number")]
    pub vae: u64,
    /// The transformer's activations at this shot's token count.
    #[ts(type = "number")]
    pub activations: u64,
    /// The VAE decoder's working memory and the decoded video.
    #[ts(type = "number")]
    pub decode: u64,
    /// Everything, with the allocator's slack.
    #[ts(type = "number")]
    pub total: u64,
}

/// The estimate at both precisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct MemoryEstimate {
    pub shot: ShotSize,
    /// Transformer tokens (latent frames x latent height x latent width / patch).
    #[ts(type = "number")]
    pub tokens: u64,
    pub f32: MemoryParts,
    pub f16: MemoryParts,
}

/// What the app will do with a shot on a GPU with a given memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case", tag = "plan")]
pub enum MemoryPlan {
    /// Runs in f32, the reference precision.
    F32 {
        #[ts(type = "number")]
        needed: u64,
    },
    /// Runs in f16 (half the weights and activations); f32 would not fit.
    F16 {
        #[ts(type = "number")]
        needed: u64,
        #[ts(type = "number")]
        f32_needed: u64,
    },
    /// Runs in f16 with the umT5 text encoder on the CPU (f32, in system memory): the GPU
    /// keeps only the transformer, the VAE and the activations.
    F16TextOnCpu {
        #[ts(type = "number")]
        needed: u64,
        /// System memory the text encoder takes.
        #[ts(type = "number")]
        cpu_bytes: u64,
    },
    /// Will not fit, even in f16 with the text encoder on the CPU.
    WillNotFit {
        #[ts(type = "number")]
        needed: u64,
        #[ts(type = "number")]
        budget: u64,
        /// The part that takes the most, in words.
        largest: String,
    },
}

impl MemoryPlan {
    /// A sentence for a person.
    pub fn describe(&self) -> String {
        match self {
            MemoryPlan::F32 { needed } => format!("fits in f32 ({})", gib(*needed)),
            MemoryPlan::F16 { needed, f32_needed } => format!(
                "fits in f16 ({}; f32 would need {}), on a GPU that supports f16",
                gib(*needed),
                gib(*f32_needed)
            ),
            MemoryPlan::F16TextOnCpu { needed, cpu_bytes } => format!(
                "fits in f16 with the text encoder on the CPU ({} on the GPU; {} of system \
                 memory for the text encoder, which runs once per new prompt)",
                gib(*needed),
                gib(*cpu_bytes)
            ),
            MemoryPlan::WillNotFit {
                needed,
                budget,
                largest,
            } => format!(
                "will not fit: needs {} even in f16 with the text encoder on the CPU, the GPU \
                 has {} ({largest})",
                gib(*needed),
                gib(*budget)
            ),
        }
    }
}

/// `bytes` as GiB with one decimal.
pub fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

fn params(tensors: &[(String, Vec<usize>)]) -> u64 {
    tensors
        .iter()
        .map(|(_, shape)| shape.iter().product::<usize>() as u64)
        .sum()
}

/// The estimate for `shot` with the package `configs`.
pub fn estimate(configs: &PackageConfigs, shot: ShotSize) -> Result<MemoryEstimate, StoreError> {
    let (dit, vae) = (&configs.dit, &configs.vae);
    let t5_params = params(
        &t5_tensors(&configs.text_encoder).map_err(|e| StoreError::Config {
            path: "text_encoder/config.json".into(),
            reason: e.to_string(),
        })?,
    );
    let dit_params = params(&dit_tensors(dit));
    let vae_params = params(&vae_tensors(vae));

    let s = vae.spatial_factor() as u64;
    let t = vae.temporal_factor() as u64;
    let latent_frames = 1 + u64::from(shot.frames.saturating_sub(1)) / t;
    let grid_h = u64::from(shot.height) / s / dit.patch_size[1] as u64;
    let grid_w = u64::from(shot.width) / s / dit.patch_size[2] as u64;
    let tokens = latent_frames / dit.patch_size[0] as u64 * grid_h * grid_w;
    let dim = dit.inner_dim() as u64;
    // Per block: the residual stream, its normed copy, q, k, v, the attention output, two
    // RoPE temporaries, the cross-attention output and modulation; the FFN's hidden layer
    // and its GELU.
    let block_elements = tokens * (10 * dim + 2 * dit.ffn_dim as u64) + TEXT_TOKENS * dim * 4;
    // Latents, noise, the prediction and the sampler's history (UniPC keeps a few).
    let latent_elements = vae.z_dim as u64
        * latent_frames
        * (u64::from(shot.height) / s)
        * (u64::from(shot.width) / s)
        * 8;
    let activation_elements = block_elements + latent_elements;

    let patch = vae.patch().max(1) as u64;
    let pixels = u64::from(shot.width) / patch * (u64::from(shot.height) / patch);
    let decode_elements =
        (t + CACHE_T as u64) * vae.decoder_base_dim() as u64 * pixels * VAE_BUFFERS;
    let video_bytes =
        u64::from(shot.frames) * 3 * u64::from(shot.width) * u64::from(shot.height) * 4;

    let parts = |bytes: u64| {
        let text_encoder = t5_params * bytes;
        let transformer = dit_params * bytes;
        let vae_weights = vae_params * bytes;
        let activations = activation_elements * bytes;
        let decode = decode_elements * bytes + video_bytes;
        let sum = text_encoder + transformer + vae_weights + activations.max(decode);
        MemoryParts {
            text_encoder,
            transformer,
            vae: vae_weights,
            activations,
            decode,
            total: (sum as f64 * OVERHEAD) as u64,
        }
    };
    Ok(MemoryEstimate {
        shot,
        tokens,
        f32: parts(4),
        f16: parts(2),
    })
}

/// What the engine will do with `estimate` on a GPU with `budget` bytes.
pub fn plan(estimate: &MemoryEstimate, budget: u64) -> MemoryPlan {
    if estimate.f32.total <= budget {
        return MemoryPlan::F32 {
            needed: estimate.f32.total,
        };
    }
    if estimate.f16.total <= budget {
        return MemoryPlan::F16 {
            needed: estimate.f16.total,
            f32_needed: estimate.f32.total,
        };
    }
    let p = &estimate.f16;
    // The text encoder's weights leave the GPU (their share of the slack stays counted: a
    // conservative figure).
    let without_text = p.total.saturating_sub(p.text_encoder);
    if without_text <= budget {
        return MemoryPlan::F16TextOnCpu {
            needed: without_text,
            cpu_bytes: estimate.f32.text_encoder,
        };
    }
    let parts = [
        ("the transformer's weights", p.transformer),
        ("the VAE's weights", p.vae),
        ("the transformer's activations at this size", p.activations),
        ("the VAE decode at this size", p.decode),
    ];
    let (name, bytes) = parts
        .iter()
        .max_by_key(|(_, b)| *b)
        .copied()
        .unwrap_or(("", 0));
    MemoryPlan::WillNotFit {
        needed: without_text,
        budget,
        largest: format!("the largest part is {name}, {}", gib(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;
    const SHOT: ShotSize = ShotSize {
        width: 832,
        height: 480,
        frames: 81,
    };

    #[test]
    fn wan21_weights_are_what_the_models_weigh() {
        let e = estimate(&PackageConfigs::wan21_t2v_1_3b(), SHOT).unwrap();
        // 480x832x81: 21 latent frames of 30x52 tokens.
        assert_eq!(e.tokens, 21 * 30 * 52);
        // umT5-XXL's encoder: ~5.7 billion parameters, ~11.4 GB in f16.
        assert!((10 * GIB..12 * GIB).contains(&e.f16.text_encoder), "{e:?}");
        // The 1.3B transformer: ~2.8 GB in f16, twice that in f32.
        assert!((2 * GIB..3 * GIB).contains(&e.f16.transformer), "{e:?}");
        assert_eq!(e.f32.transformer, 2 * e.f16.transformer);
        assert!(e.f32.total > e.f16.total);
    }

    #[test]
    fn plans_follow_the_budget() {
        let e = estimate(&PackageConfigs::wan21_t2v_1_3b(), SHOT).unwrap();
        assert!(matches!(plan(&e, 80 * GIB), MemoryPlan::F32 { .. }));
        let f16 = plan(&e, e.f16.total + GIB);
        assert!(matches!(f16, MemoryPlan::F16 { .. }), "{f16:?}");
        // Not with umT5 (~11 GiB in f16) beside the rest, but without it.
        let split = plan(&e, e.f16.total - e.f16.text_encoder + GIB);
        assert!(
            matches!(split, MemoryPlan::F16TextOnCpu { .. }),
            "{split:?}"
        );
        assert!(split.describe().contains("text encoder on the CPU"));
        let none = plan(&e, 2 * GIB);
        let text = none.describe();
        assert!(
            text.starts_with("will not fit") && text.contains("the largest part is"),
            "{text}"
        );
    }

    #[test]
    fn bigger_shots_need_more() {
        let configs = PackageConfigs::wan22_ti2v_5b();
        let small = estimate(
            &configs,
            ShotSize {
                width: 640,
                height: 352,
                frames: 49,
            },
        )
        .unwrap();
        let big = estimate(
            &configs,
            ShotSize {
                width: 1280,
                height: 704,
                frames: 121,
            },
        )
        .unwrap();
        assert!(big.tokens > 4 * small.tokens);
        assert!(big.f16.activations > small.f16.activations);
        assert_eq!(big.f16.transformer, small.f16.transformer);
    }
}
