//! What a device can hold, and the refusal of a plan that does not fit, with what to change.

use std::path::PathBuf;

use super::buffers::{GenerationPlan, Phase, PlanRequest, TextEncoderPlacement};
use super::gib;
use burn::tensor::FloatDType;

/// The largest storage binding WGSL shaders get on Vulkan and DX12: wgpu-hal clamps it to
/// `i32::MAX` bytes, and cubecl-wgpu refuses a larger buffer (`BufferTooBig`).
pub const WGSL_MAX_BINDING: u64 = i32::MAX as u64;

/// The memory a plan must fit in. `None`: not known, not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeviceLimits {
    /// The device's memory, in bytes.
    pub memory: Option<u64>,
    /// The largest single buffer a kernel can bind, in bytes.
    pub max_binding: Option<u64>,
    /// System memory, in bytes.
    pub host_memory: Option<u64>,
}

impl DeviceLimits {
    /// A GPU with `memory` bytes reached through wgpu's WGSL path (the binding cap of
    /// [`WGSL_MAX_BINDING`]), on a machine whose system memory is read from the OS.
    pub fn gpu(memory: u64) -> Self {
        Self {
            memory: Some(memory),
            max_binding: Some(WGSL_MAX_BINDING),
            host_memory: None,
        }
    }

    /// The CPU backend: device and system memory are the same, `memory` bytes.
    pub fn cpu(memory: u64) -> Self {
        Self {
            memory: Some(memory),
            max_binding: None,
            host_memory: Some(memory),
        }
    }

    /// This machine's total memory (`MemTotal` of /proc/meminfo), where the OS says.
    pub fn system_memory() -> Option<u64> {
        let text = std::fs::read_to_string("/proc/meminfo").ok()?;
        let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }

    /// The GPU's own memory where the OS tells it (wgpu does not): the largest
    /// `mem_info_vram_total` of the DRM cards (AMD's amdgpu, Intel's xe), else NVIDIA's
    /// `nvidia-smi`. `None` on other systems and for integrated GPUs without dedicated memory.
    pub fn gpu_memory() -> Option<u64> {
        let from_sysfs = std::fs::read_dir("/sys/class/drm")
            .ok()?
            .flatten()
            .filter_map(|card| {
                std::fs::read_to_string(card.path().join("device/mem_info_vram_total")).ok()
            })
            .filter_map(|text| text.trim().parse::<u64>().ok())
            .max();
        from_sysfs.filter(|&b| b > 0).or_else(nvidia_memory)
    }

    pub(super) fn check(&self, plan: &GenerationPlan) -> Result<(), PlanError> {
        if let (Some(limit), Some(buffer)) = (self.max_binding, plan.largest_device_buffer()) {
            if buffer.largest > limit {
                return Err(PlanError::BufferTooBig {
                    buffer: buffer.name.clone(),
                    bytes: buffer.largest,
                    limit,
                    advice: binding_advice(plan, &buffer.name),
                });
            }
        }
        if let Some(memory) = self.memory {
            let peak = plan.peak_phase();
            if peak.device > memory {
                return Err(PlanError::DeviceMemory {
                    phase: peak.phase.name(),
                    needed: peak.device,
                    available: memory,
                    advice: memory_advice(plan, self),
                });
            }
        }
        if let Some(host) = self.host_memory {
            // On the CPU backend device buffers are system memory too (counted above).
            let needed = plan.host_peak();
            if self.max_binding.is_some() && needed > host {
                return Err(PlanError::HostMemory {
                    needed,
                    available: host,
                    advice: host_advice(plan),
                });
            }
        }
        Ok(())
    }
}

/// The first NVIDIA GPU's memory from `nvidia-smi` (MiB), when the driver is installed.
fn nvidia_memory() -> Option<u64> {
    let out = std::process::Command::new("nvidia-smi")
        .args(["--query-gpu=memory.total", "--format=csv,noheader,nounits"])
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    parse_nvidia_memory(&String::from_utf8_lossy(&out.stdout))
}

/// `nvidia-smi`'s memory.total lines (MiB, one per GPU) -> the first GPU's bytes.
fn parse_nvidia_memory(text: &str) -> Option<u64> {
    let mib: u64 = text.lines().next()?.trim().parse().ok()?;
    (mib > 0).then_some(mib << 20)
}

/// A plan that cannot run, or a size it cannot plan.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A buffer larger than one binding.
    #[error(
        "{buffer} needs one buffer of {}, more than the largest the GPU can bind ({}, the \
         storage binding limit): {advice}",
        gib(*bytes),
        gib(*limit)
    )]
    BufferTooBig {
        buffer: String,
        bytes: u64,
        limit: u64,
        advice: String,
    },
    /// More than the device has.
    #[error(
        "{phase} needs {} of GPU memory, the GPU has {}: {advice}",
        gib(*needed),
        gib(*available)
    )]
    DeviceMemory {
        phase: &'static str,
        needed: u64,
        available: u64,
        advice: String,
    },
    /// More than the machine has.
    #[error(
        "the run needs {} of system memory, the machine has {}: {advice}",
        gib(*needed),
        gib(*available)
    )]
    HostMemory {
        needed: u64,
        available: u64,
        advice: String,
    },
    /// A size the model cannot make.
    #[error("{0}")]
    Size(String),
    /// A config that cannot be read.
    #[error("{path}: {reason}")]
    Config { path: PathBuf, reason: String },
}

/// The advice when no size or length fits.
const NOTHING_FITS: &str =
    "this model does not fit this GPU even at its smallest size; use a GPU with more memory";

impl GenerationPlan {
    /// The device memory `phase` needs.
    pub fn phase_device(&self, phase: Phase) -> u64 {
        self.phases
            .iter()
            .find(|p| p.phase == phase)
            .map_or(0, |p| p.device)
    }

    /// A shorter or smaller run of the same shot whose `phase` needs at most `memory` bytes of
    /// device memory, or `None` when even the smallest does not.
    pub fn smaller_run_within(&self, phase: Phase, memory: u64) -> Option<String> {
        Some(shorter_or_smaller(self, &|p: &GenerationPlan| {
            p.phase_device(phase) <= memory
        }))
        .filter(|advice| advice != NOTHING_FITS)
    }
}

fn binding_advice(plan: &GenerationPlan, buffer: &str) -> String {
    let r = &plan.request;
    if buffer.starts_with("text encoder weights") {
        return "run the text encoder on the CPU (it runs once per new prompt), or in f16".into();
    }
    if buffer.starts_with("attention scores") {
        return format!(
            "lower the attention chunk bound (now {})",
            gib(r.attention_chunk_bytes)
        );
    }
    if r.precision != FloatDType::F16 {
        return "use f16, which halves every buffer, or a smaller size or fewer frames".into();
    }
    shorter_or_smaller(plan, &|p| {
        p.largest_device_buffer().map_or(0, |b| b.largest) <= WGSL_MAX_BINDING
    })
}

fn memory_advice(plan: &GenerationPlan, limits: &DeviceLimits) -> String {
    let r = plan.request;
    let fits = |request: &PlanRequest| {
        GenerationPlan::new(&plan.configs, request)
            .is_ok_and(|p| p.device_peak() <= limits.memory.unwrap_or(u64::MAX))
    };
    let memory = limits.memory.unwrap_or(u64::MAX);
    if r.text_encoder == TextEncoderPlacement::Device {
        let mut cpu = r;
        cpu.text_encoder = TextEncoderPlacement::Cpu { bytes: 2 };
        if fits(&cpu) {
            return "run the text encoder on the CPU (half precision, ~11 GB of system memory \
                    for umT5-XXL; it runs once per new prompt)"
                .into();
        }
        // The text encoder beside the transformer is the peak no shorter clip lowers: move it
        // first, then shorten or shrink.
        if r.precision == FloatDType::F16 {
            if let Ok(cpu_plan) = GenerationPlan::new(&plan.configs, &cpu) {
                let rest = shorter_or_smaller(&cpu_plan, &|p| p.device_peak() <= memory);
                return format!("run the text encoder on the CPU, and {rest}");
            }
        }
    }
    if r.precision != FloatDType::F16 {
        let mut half = r;
        half.precision = FloatDType::F16;
        if fits(&half) {
            return "use f16 (half the memory of f32)".into();
        }
    }
    shorter_or_smaller(plan, &|p| p.device_peak() <= memory)
}

fn host_advice(plan: &GenerationPlan) -> String {
    match plan.request.text_encoder {
        TextEncoderPlacement::Cpu { bytes } if bytes > 2 => {
            "run the text encoder in half precision (bf16/f16 halves its ~23 GB)".into()
        }
        TextEncoderPlacement::Cpu { .. } => {
            "run the text encoder on the GPU (it leaves before the transformer runs), or close \
             other programs"
                .into()
        }
        TextEncoderPlacement::Device => "make a shorter clip, or close other programs".into(),
    }
}

/// The longest clip at this size that `fits`, else the model's smallest sides that do.
fn shorter_or_smaller(plan: &GenerationPlan, fits: &dyn Fn(&GenerationPlan) -> bool) -> String {
    let r = plan.request;
    let tf = plan.configs.vae.temporal_factor() as u32;
    let try_plan = |request: PlanRequest| {
        GenerationPlan::new(&plan.configs, &request)
            .ok()
            .filter(|p| fits(p))
    };
    let mut frames = r.frames;
    while frames > 1 + tf {
        frames -= tf;
        if try_plan(PlanRequest { frames, ..r }).is_some() {
            return format!(
                "make {frames} frames at {}x{} (or split the shot)",
                r.width, r.height
            );
        }
    }
    let multiple = (plan.configs.vae.spatial_factor() * plan.configs.dit.patch_size[1]) as u32;
    let (mut w, mut h) = (r.width, r.height);
    while w > multiple && h > multiple {
        w = (w * 3 / 4) / multiple * multiple;
        h = (h * 3 / 4) / multiple * multiple;
        if try_plan(PlanRequest {
            width: w,
            height: h,
            ..r
        })
        .is_some()
        {
            return format!("make it smaller: {w}x{h} fits at {} frames", r.frames);
        }
    }
    NOTHING_FITS.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nvidia_smi_memory_is_read_in_mib_from_the_first_gpu() {
        assert_eq!(parse_nvidia_memory("24564\n8192\n"), Some(24564 << 20));
        assert_eq!(parse_nvidia_memory(" 8188 \n"), Some(8188 << 20));
        assert_eq!(parse_nvidia_memory("[N/A]\n"), None);
        assert_eq!(parse_nvidia_memory(""), None);
        assert_eq!(parse_nvidia_memory("0\n"), None);
    }
}
