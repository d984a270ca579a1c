//! How much GPU memory a shot needs, from the engine's own plan (`models::plan`): every large
//! buffer of the run and the peak of each phase, for the precision the engine uses on a GPU
//! (f16) and with the text encoder where it fits: on the GPU (it leaves before the transformer
//! runs) or, when that does not fit, on the CPU in half precision. The Models panel and
//! `motionboard models memory` both show this report.

use models::plan::{
    DeviceLimits, GenerationPlan, Phase, Place, PlanError, PlanRequest, TextEncoderPlacement,
};
use serde::Serialize;
use ts_rs::TS;

use super::StoreError;

pub use models::plan::{gib, PlanConfigs as PackageConfigs};

/// A shot's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
// Not `ShotSize` in TypeScript: the project's shot size (wide, close-up, ...) has that name.
#[ts(export, rename = "GeneratedSize")]
pub struct ShotSize {
    pub width: u32,
    pub height: u32,
    pub frames: u32,
}

/// One phase's peak.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PhaseMemory {
    /// "loading", "text encoding", "denoising" or "decoding".
    pub phase: String,
    #[ts(type = "number")]
    pub device: u64,
    #[ts(type = "number")]
    pub system: u64,
}

/// One large buffer of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct MemoryBuffer {
    pub name: String,
    /// On the GPU (`true`) or in system memory.
    pub on_device: bool,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// The plan of a shot, as the engine will run it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct MemoryEstimate {
    pub shot: ShotSize,
    /// Transformer tokens (latent frames x latent height x latent width / patch).
    #[ts(type = "number")]
    pub tokens: u64,
    /// Whether umT5 runs on the CPU (half precision, system memory).
    pub text_encoder_on_cpu: bool,
    /// The most GPU memory any phase takes.
    #[ts(type = "number")]
    pub device_peak: u64,
    /// The most system memory any phase takes.
    #[ts(type = "number")]
    pub system_peak: u64,
    /// The phase with the GPU peak.
    pub peak_phase: String,
    pub phases: Vec<PhaseMemory>,
    pub buffers: Vec<MemoryBuffer>,
}

/// Whether the shot runs on the GPU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case", tag = "plan")]
pub enum MemoryPlan {
    /// Runs in f16 with the text encoder on the GPU (released before the transformer runs).
    Fits {
        #[ts(type = "number")]
        needed: u64,
    },
    /// Runs in f16 with the text encoder on the CPU.
    FitsTextOnCpu {
        #[ts(type = "number")]
        needed: u64,
        /// System memory the text encoder takes.
        #[ts(type = "number")]
        cpu_bytes: u64,
    },
    /// Will not run: why, and what to change.
    WillNotFit {
        #[ts(type = "number")]
        needed: u64,
        #[ts(type = "number")]
        budget: u64,
        reason: String,
    },
}

impl MemoryPlan {
    /// A sentence for a person.
    pub fn describe(&self) -> String {
        match self {
            MemoryPlan::Fits { needed } => format!(
                "fits in f16 ({} at the peak; the text encoder leaves the GPU before the \
                 transformer runs)",
                gib(*needed)
            ),
            MemoryPlan::FitsTextOnCpu { needed, cpu_bytes } => format!(
                "fits in f16 with the text encoder on the CPU ({} on the GPU; {} of system \
                 memory for the text encoder, which runs once per new prompt)",
                gib(*needed),
                gib(*cpu_bytes)
            ),
            MemoryPlan::WillNotFit { reason, .. } => format!("will not fit: {reason}"),
        }
    }
}

/// The plan of `shot` with `configs` and its text encoder placed by `text_encoder`.
pub fn engine_plan(
    configs: &PackageConfigs,
    shot: ShotSize,
    image: bool,
    text_encoder: TextEncoderPlacement,
) -> Result<GenerationPlan, StoreError> {
    let mut request = PlanRequest::new(shot.width, shot.height, shot.frames);
    request.image = image;
    request.text_encoder = text_encoder;
    GenerationPlan::new(configs, &request).map_err(|e| StoreError::Config {
        path: "the shot's size".into(),
        reason: e.to_string(),
    })
}

/// The report of `plan` for `shot`.
pub fn estimate_of(plan: &GenerationPlan, shot: ShotSize) -> MemoryEstimate {
    MemoryEstimate {
        shot,
        tokens: plan.tokens,
        text_encoder_on_cpu: matches!(plan.request.text_encoder, TextEncoderPlacement::Cpu { .. }),
        device_peak: plan.device_peak(),
        system_peak: plan.host_peak(),
        peak_phase: plan.peak_phase().phase.name().to_owned(),
        phases: plan
            .phases
            .iter()
            .map(|p| PhaseMemory {
                phase: p.phase.name().to_owned(),
                device: p.device,
                system: p.host,
            })
            .collect(),
        buffers: plan
            .buffers
            .iter()
            .map(|b| MemoryBuffer {
                name: b.name.clone(),
                on_device: b.place == Place::Device,
                bytes: b.bytes,
            })
            .collect(),
    }
}

/// What the engine will do with `shot` on a GPU of `budget` bytes: the text encoder on the GPU
/// where everything fits, else on the CPU; the estimate is the plan chosen (or, when nothing
/// fits, the one with the text encoder on the CPU).
pub fn plan(
    configs: &PackageConfigs,
    shot: ShotSize,
    image: bool,
    budget: u64,
) -> Result<(MemoryEstimate, MemoryPlan), StoreError> {
    let limits = DeviceLimits::gpu(budget);
    let on_gpu = engine_plan(configs, shot, image, TextEncoderPlacement::Device)?;
    if on_gpu.check(&limits).is_ok() {
        let needed = on_gpu.device_peak();
        return Ok((estimate_of(&on_gpu, shot), MemoryPlan::Fits { needed }));
    }
    let on_cpu = engine_plan(configs, shot, image, TextEncoderPlacement::Cpu { bytes: 2 })?;
    let estimate = estimate_of(&on_cpu, shot);
    let plan = match on_cpu.check(&limits) {
        Ok(()) => MemoryPlan::FitsTextOnCpu {
            needed: on_cpu.device_peak(),
            cpu_bytes: text_encoder_bytes(&on_cpu),
        },
        Err(e) => MemoryPlan::WillNotFit {
            needed: on_cpu.device_peak(),
            budget,
            reason: reason(&e),
        },
    };
    Ok((estimate, plan))
}

fn text_encoder_bytes(plan: &GenerationPlan) -> u64 {
    plan.buffers_in(Phase::Denoise, Place::Host)
        .filter(|b| b.name.starts_with("text encoder weights"))
        .map(|b| b.bytes)
        .sum()
}

fn reason(e: &PlanError) -> String {
    e.to_string()
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
    fn wan21_plans_follow_the_budget() {
        let configs = PackageConfigs::wan21_t2v_1_3b();
        let (e, big) = plan(&configs, SHOT, false, 80 * GIB).unwrap();
        assert!(matches!(big, MemoryPlan::Fits { .. }), "{big:?}");
        assert_eq!(e.tokens, 21 * 30 * 52);
        assert!(!e.text_encoder_on_cpu);
        assert_eq!(e.peak_phase, "text encoding");
        let (e, eight) = plan(&configs, SHOT, false, 8 * GIB).unwrap();
        assert!(
            matches!(eight, MemoryPlan::FitsTextOnCpu { .. }),
            "{eight:?}"
        );
        assert!(e.text_encoder_on_cpu && e.device_peak < 8 * GIB);
        assert!(eight.describe().contains("text encoder on the CPU"));
        let (_, none) = plan(&configs, SHOT, false, 2 * GIB).unwrap();
        let text = none.describe();
        assert!(
            text.starts_with("will not fit") && text.contains("GPU has"),
            "{text}"
        );
    }

    #[test]
    fn the_report_lists_phases_and_buffers() {
        let configs = PackageConfigs::wan22_ti2v_5b();
        let shot = ShotSize {
            width: 1280,
            height: 704,
            frames: 121,
        };
        // The decode (20.9 GiB) is the peak with umT5 on the CPU; umT5 (11.4 GB in f16) beside
        // the 5B transformer while encoding is 21.5 GiB: a 22 GiB card holds both, one of
        // 21.25 GiB only with the text encoder on the CPU.
        let (_, roomy) = plan(&configs, shot, true, 22 * GIB).unwrap();
        assert!(matches!(roomy, MemoryPlan::Fits { .. }), "{roomy:?}");
        let (e, p) = plan(&configs, shot, true, 21 * GIB + GIB / 4).unwrap();
        assert!(matches!(p, MemoryPlan::FitsTextOnCpu { .. }), "{p:?}");
        assert_eq!(e.phases.len(), 4);
        assert!(e
            .buffers
            .iter()
            .any(|b| b.name.contains("modulation") && b.on_device));
    }
}
