//! The GPU is allowed to fail: running out of memory, a buffer larger than one binding, a lost
//! device (a driver reset, a kernel timeout, an unplugged GPU), or NaN/inf in a latent end the
//! run with a [`GpuFailure`] that says where it happened and what to change, instead of
//! taking the process down.
//!
//! burn and cubecl report most device failures by panicking (an `IoError::OutOfMemory`
//! unwrapped in an op, wgpu's uncaptured-error handler, a poisoned device at a sync point), so
//! each stage of a run is a [`guarded`] call that turns the panic back into an error; the
//! panic's text says which failure it was ([`classify`]). A [`FaultInjector`] makes any stage
//! fail the way a real device would, for tests on machines without a GPU.

use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use burn::prelude::*;
use burn::tensor::DType;

/// Where a run was when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the weights onto the device.
    Loading,
    /// The prompts through the text encoder.
    TextEncoding,
    /// The first frame and the motion guide through the VAE's encoder.
    Conditioning,
    /// Denoising step `step` (1-based).
    Denoising { step: usize },
    /// The latents through the VAE's decoder.
    Decoding,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stage::Loading => f.write_str("loading the model"),
            Stage::TextEncoding => f.write_str("encoding the prompt"),
            Stage::Conditioning => f.write_str("encoding the first frame and the motion guide"),
            Stage::Denoising { step } => write!(f, "denoising step {step}"),
            Stage::Decoding => f.write_str("decoding the video"),
        }
    }
}

/// What failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The device had no memory left for an allocation.
    OutOfMemory,
    /// One buffer was larger than the device can bind.
    BufferTooBig,
    /// The device went away (driver reset, timeout, unplugged).
    DeviceLost,
    /// Values became NaN or infinite.
    NotFinite,
    /// Anything else that stopped the engine.
    Crashed,
}

/// A run that the device (or the numbers) stopped, with what to change.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.message())]
pub struct GpuFailure {
    pub stage: Stage,
    pub kind: FailureKind,
    /// What the engine said (the first line of its report), or what became NaN.
    pub detail: String,
    /// What to change before trying again.
    pub advice: String,
}

impl GpuFailure {
    fn message(&self) -> String {
        let Self {
            stage,
            detail,
            advice,
            ..
        } = self;
        match self.kind {
            FailureKind::OutOfMemory => {
                format!("the GPU ran out of memory while {stage} ({detail}): {advice}")
            }
            FailureKind::BufferTooBig => format!(
                "a buffer was larger than the GPU can bind while {stage} ({detail}): {advice}"
            ),
            FailureKind::DeviceLost => format!(
                "the GPU was lost while {stage} (the driver reset it, a kernel ran too long, or \
                 it went away: {detail}): {advice}"
            ),
            FailureKind::NotFinite => {
                format!("the {detail} became NaN or infinite while {stage}: {advice}")
            }
            FailureKind::Crashed => format!("the engine stopped while {stage}: {detail}"),
        }
    }

    /// The advice for a non-finite value: where NaN comes from in practice.
    pub(crate) fn nan_advice() -> String {
        "f16 may have overflowed, so use f32 precision (`--precision f32`), or lower the \
         guidance; if it happens in f32 too, the model's weights hold NaN: check the package \
         in the Models panel (`motionboard models list`) and download it again"
            .into()
    }

    /// The advice after a lost device.
    pub(crate) fn lost_advice() -> String {
        "nothing was saved from this run; try again, and if it happens again make fewer frames \
         or a smaller size (shorter kernels), update the GPU driver, or restart the app"
            .into()
    }
}

/// Which failure a panic's text reports, from the words burn, cubecl and wgpu use.
pub fn classify(text: &str) -> FailureKind {
    let t = text.to_ascii_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if any(&[
        "out of memory",
        "out-of-memory",
        "outofmemory",
        "out of device memory",
    ]) {
        FailureKind::OutOfMemory
    } else if any(&["can't allocate buffer", "buffertoobig", "buffer too big"]) {
        FailureKind::BufferTooBig
    } else if any(&[
        "device is lost",
        "device was lost",
        "device lost",
        "devicelost",
        "device is poisoned",
        "device was poisoned",
    ]) {
        FailureKind::DeviceLost
    } else {
        FailureKind::Crashed
    }
}

/// A panic payload's text.
pub fn panic_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the engine stopped unexpectedly".to_string())
}

/// Runs `f`; a panic comes back as its kind and the first line of its text (backtraces and
/// causes follow on later lines).
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, (FailureKind, String)> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let text = panic_text(&*payload);
        let kind = classify(&text);
        let first = text.lines().next().unwrap_or("").trim();
        let detail: String = first.chars().take(200).collect();
        (kind, detail)
    })
}

/// Whether every value of `x` is finite: one reduction in f32 (a sum is NaN or infinite as
/// soon as one term is; an f16 sum could overflow on finite values).
pub(crate) fn all_finite<const D: usize>(x: &Tensor<D>) -> bool {
    x.clone()
        .cast(DType::F32)
        .sum()
        .try_into_vec_as::<f32>()
        .ok()
        .and_then(|v| v.first().copied())
        .is_some_and(f32::is_finite)
}

/// A failure to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimulatedFault {
    /// Panics as cubecl does when an allocation finds no device memory.
    OutOfMemory,
    /// Panics as cubecl does for a buffer past the binding limit.
    BufferTooBig,
    /// Panics as cubecl does at a sync point once wgpu lost the device.
    DeviceLost,
    /// Puts NaN into the stage's output.
    Nan,
}

/// Failures to make happen once each, at given stages: tests use it where there is no GPU to
/// run out of memory. Shared (cloning keeps the same faults), so a fault set after loading
/// still reaches the loaded models; each fires once, so the next run succeeds.
#[derive(Debug, Clone, Default)]
pub struct FaultInjector {
    faults: Arc<Mutex<Vec<(Stage, SimulatedFault)>>>,
}

impl PartialEq for FaultInjector {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.faults, &other.faults)
    }
}

impl Eq for FaultInjector {}

impl FaultInjector {
    /// No faults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes `fault` happen the next time a run reaches `stage`.
    pub fn add(&self, stage: Stage, fault: SimulatedFault) {
        self.lock().push((stage, fault));
    }

    /// Faults written as `fault@stage`, comma-separated: `oom`, `buffer-too-big`,
    /// `device-lost` or `nan` at `loading`, `text`, `conditioning`, `step:N` or `decoding`
    /// (e.g. `oom@step:2,nan@decoding`).
    pub fn parse(spec: &str) -> Result<Self, String> {
        let injector = Self::new();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let bad = || {
                format!(
                    "{item:?}: write fault@stage, the fault oom, buffer-too-big, device-lost or \
                     nan, the stage loading, text, conditioning, step:N or decoding"
                )
            };
            let (fault, stage) = item.split_once('@').ok_or_else(bad)?;
            let fault = match fault {
                "oom" => SimulatedFault::OutOfMemory,
                "buffer-too-big" => SimulatedFault::BufferTooBig,
                "device-lost" => SimulatedFault::DeviceLost,
                "nan" => SimulatedFault::Nan,
                _ => return Err(bad()),
            };
            let stage = match stage {
                "loading" => Stage::Loading,
                "text" => Stage::TextEncoding,
                "conditioning" => Stage::Conditioning,
                "decoding" => Stage::Decoding,
                s => match s.strip_prefix("step:").and_then(|n| n.parse().ok()) {
                    Some(step) if step > 0 => Stage::Denoising { step },
                    _ => return Err(bad()),
                },
            };
            if fault == SimulatedFault::Nan && stage == Stage::Loading {
                return Err(format!(
                    "{item:?}: NaN is simulated in a stage's output, not loading"
                ));
            }
            injector.add(stage, fault);
        }
        Ok(injector)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(Stage, SimulatedFault)>> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn take(&self, stage: Stage, nan: bool) -> Option<SimulatedFault> {
        let mut faults = self.lock();
        let i = faults
            .iter()
            .position(|&(s, f)| s == stage && (f == SimulatedFault::Nan) == nan)?;
        Some(faults.remove(i).1)
    }

    /// Panics the way the device would if a panicking fault is due at `stage`.
    pub(crate) fn trip(&self, stage: Stage) {
        let Some(fault) = self.take(stage, false) else {
            return;
        };
        // The texts cubecl's errors carry, so the real classification is what is tested.
        match fault {
            SimulatedFault::OutOfMemory => {
                panic!("out of device memory allocating 1073741824 bytes (simulated)")
            }
            SimulatedFault::BufferTooBig => {
                panic!("can't allocate buffer of size: 4294967296 (simulated)")
            }
            SimulatedFault::DeviceLost => {
                panic!("The device is poisoned: Lost: device lost (simulated)")
            }
            SimulatedFault::Nan => {}
        }
    }

    /// Whether NaN is due in the output of `stage`.
    pub(crate) fn poison(&self, stage: Stage) -> bool {
        self.take(stage, true).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_texts_of_burn_cubecl_and_wgpu_are_classified() {
        let cases = [
            (
                "called `Result::unwrap()` on an `Err` value: out of device memory allocating \
                 123 bytes",
                FailureKind::OutOfMemory,
            ),
            ("wgpu error: Out of Memory", FailureKind::OutOfMemory),
            (
                "An out-of-memory error happened during launch",
                FailureKind::OutOfMemory,
            ),
            (
                "can't allocate buffer of size: 3000000000",
                FailureKind::BufferTooBig,
            ),
            (
                "The device is poisoned: Lost: GPU hung",
                FailureKind::DeviceLost,
            ),
            ("wgpu error: Parent device is lost", FailureKind::DeviceLost),
            // A poisoned std mutex is not a lost device.
            (
                "poisoned lock: another task failed inside",
                FailureKind::Crashed,
            ),
            ("index out of bounds", FailureKind::Crashed),
        ];
        for (text, kind) in cases {
            assert_eq!(classify(text), kind, "{text}");
        }
    }

    #[test]
    fn guarded_panics_become_their_kind_and_first_line() {
        let caught = guarded(|| -> u32 {
            panic!("out of device memory allocating 8 bytes\nBacktrace\n...")
        });
        assert_eq!(
            caught,
            Err((
                FailureKind::OutOfMemory,
                "out of device memory allocating 8 bytes".into()
            ))
        );
        assert_eq!(guarded(|| 7), Ok(7));
    }

    #[test]
    fn injected_faults_fire_once_at_their_stage() {
        let faults = FaultInjector::parse("oom@step:2, nan@decoding").unwrap();
        faults.trip(Stage::Denoising { step: 1 });
        assert!(!faults.poison(Stage::Denoising { step: 2 }));
        let shared = faults.clone();
        let caught = guarded(|| shared.trip(Stage::Denoising { step: 2 }));
        assert!(matches!(caught, Err((FailureKind::OutOfMemory, _))));
        // Fired once: the same stage runs the next time.
        assert_eq!(
            guarded(|| faults.trip(Stage::Denoising { step: 2 })),
            Ok(())
        );
        assert!(faults.poison(Stage::Decoding));
        assert!(!faults.poison(Stage::Decoding));
        for bad in ["oom", "oom@step:0", "nan@loading", "melt@text"] {
            assert!(FaultInjector::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn finiteness_is_one_reduction_that_sees_nan_and_inf() {
        let device = Device::flex();
        let x = Tensor::<2>::from_floats([[1.0, 2.0], [3.0, 4.0]], &device);
        assert!(all_finite(&x));
        assert!(!all_finite(&x.clone().add_scalar(f32::NAN)));
        let inf = Tensor::<1>::from_floats([1.0, f32::INFINITY], &device);
        assert!(!all_finite(&inf));
    }
}
