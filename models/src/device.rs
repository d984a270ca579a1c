//! Where the engine runs: burn's flex backend on the CPU, or the GPU through wgpu (Vulkan,
//! Metal, DX12), in f16 where the adapter supports it.
//!
//! burn fixes a device's default float dtype the first time a tensor is made on it, and never
//! promotes dtypes within an operation, so the precision is chosen here, once, before any
//! model is loaded: every weight, activation and noise tensor then shares it.

use std::fmt;

use burn::prelude::*;
use burn::tensor::{DType, DeviceKind, FloatDType};

use crate::adapter::GpuAdapter;

/// Which backend runs the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// burn's CPU backend.
    Flex,
    /// The default GPU adapter through wgpu.
    Wgpu,
}

impl BackendKind {
    /// Where the engine runs when nobody said: the GPU `adapter` (burn's default wgpu
    /// adapter, [`crate::adapter::default_adapter`]) unless it is a software rasterizer or
    /// there is none, where the CPU is faster (a tiny package: 46 s on lavapipe, 1.1 s on
    /// flex).
    pub fn default_for(adapter: Option<&GpuAdapter>) -> Self {
        match adapter {
            Some(adapter) if !adapter.software => BackendKind::Wgpu,
            _ => BackendKind::Flex,
        }
    }

    /// What the app says about where generation runs, when it runs on `self` and `adapter`
    /// is the GPU there is: the GPU's line, or why the CPU.
    pub fn describe(self, adapter: Option<&GpuAdapter>) -> String {
        match (self, adapter) {
            (BackendKind::Wgpu, Some(adapter)) => adapter.line(),
            (BackendKind::Wgpu, None) => "GPU: none found".to_owned(),
            (BackendKind::Flex, Some(adapter)) if adapter.software => format!(
                "CPU: the only GPU, {}, is a software rasterizer, slower than the CPU \
                 (MOTIONBOARD_ENGINE_DEVICE=wgpu uses it anyway)",
                adapter.name
            ),
            (BackendKind::Flex, Some(adapter)) => format!(
                "CPU (MOTIONBOARD_ENGINE_DEVICE=flex; the GPU would be {})",
                adapter.name
            ),
            (BackendKind::Flex, None) => "CPU: no GPU found".to_owned(),
        }
    }
}

/// The float precision asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// f16 on a GPU that supports it, otherwise f32 (always f32 on the CPU, where f16 is slower
    /// on flex).
    Auto,
    /// f32 everywhere: the reference precision.
    F32,
    /// f16; an error where the device lacks it.
    F16,
}

/// A device chosen and configured for the engine.
#[derive(Debug, Clone)]
pub struct EngineDevice {
    /// The burn device every model and tensor of this run lives on.
    pub device: Device,
    /// The backend.
    pub backend: BackendKind,
    /// The float precision of every tensor on it.
    pub precision: FloatDType,
}

impl fmt::Display for EngineDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backend = match self.backend {
            BackendKind::Flex => "CPU (flex)",
            BackendKind::Wgpu => "GPU (wgpu)",
        };
        write!(f, "{backend}, {:?}", self.precision)
    }
}

/// The device could not be set up as asked.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// The device lacks the precision asked for.
    #[error("{backend:?} does not support {precision:?} on this machine; use --precision f32")]
    Unsupported {
        backend: BackendKind,
        precision: FloatDType,
    },
    /// burn refused the configuration (e.g. tensors were already made on this device).
    #[error("could not configure the {backend:?} device for {precision:?}: {message}")]
    Configure {
        backend: BackendKind,
        precision: FloatDType,
        message: String,
    },
}

impl EngineDevice {
    /// Opens `backend` at `precision`. Call once per process and backend, before any tensor is
    /// made on it.
    pub fn open(backend: BackendKind, precision: Precision) -> Result<Self, DeviceError> {
        let mut device = match backend {
            BackendKind::Flex => Device::flex(),
            BackendKind::Wgpu => Device::wgpu(DeviceKind::DefaultDevice),
        };
        let dtype = match (precision, backend) {
            (Precision::F32, _) | (Precision::Auto, BackendKind::Flex) => FloatDType::F32,
            (Precision::F16, _) => FloatDType::F16,
            (Precision::Auto, BackendKind::Wgpu) => {
                if device.supports_dtype(DType::F16) {
                    FloatDType::F16
                } else {
                    FloatDType::F32
                }
            }
        };
        if !device.supports_dtype(DType::from(dtype)) {
            return Err(DeviceError::Unsupported {
                backend,
                precision: dtype,
            });
        }
        // Configuring an already-configured device to the same dtype is harmless; anything
        // else means tensors exist in another precision.
        if let Err(e) = device.configure(dtype) {
            let current = device.settings().float_dtype;
            if current != dtype {
                return Err(DeviceError::Configure {
                    backend,
                    precision: dtype,
                    message: format!("{e:?} (it is already {current:?})"),
                });
            }
        }
        // burn's fused attention only where it tunes between flash kernels (see attention.rs).
        crate::attention::set_fused(backend == BackendKind::Wgpu && cfg!(feature = "gpu-tuned"));
        Ok(Self {
            device,
            backend,
            precision: dtype,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapter::{AdapterFacts, CompilersBuilt, DeviceType, GraphicsApi};

    fn adapter(name: &str, device_type: DeviceType) -> GpuAdapter {
        AdapterFacts {
            name: name.into(),
            driver: String::new(),
            driver_info: String::new(),
            device_type,
            api: GraphicsApi::Vulkan,
            cooperative_matrix: true,
            shader_f16: true,
        }
        .classify(CompilersBuilt {
            spirv: true,
            msl: false,
        })
    }

    #[test]
    fn software_adapters_and_none_default_to_the_cpu() {
        let gpu = adapter("NVIDIA GeForce RTX 4090", DeviceType::Discrete);
        let lavapipe = adapter("llvmpipe (LLVM 15.0.6, 256 bits)", DeviceType::Cpu);
        assert_eq!(BackendKind::default_for(Some(&gpu)), BackendKind::Wgpu);
        assert_eq!(BackendKind::default_for(Some(&lavapipe)), BackendKind::Flex);
        assert_eq!(BackendKind::default_for(None), BackendKind::Flex);
        assert_eq!(
            BackendKind::Wgpu.describe(Some(&gpu)),
            "GPU: NVIDIA GeForce RTX 4090, Vulkan (SPIR-V), f16, tensor cores"
        );
        let why = BackendKind::Flex.describe(Some(&lavapipe));
        assert!(
            why.starts_with("CPU:") && why.contains("software") && why.contains("wgpu"),
            "{why}"
        );
        assert!(BackendKind::Wgpu
            .describe(Some(&lavapipe))
            .contains("slower than the CPU"));
    }

    #[test]
    fn flex_opens_in_f32_and_reopens() {
        let first = EngineDevice::open(BackendKind::Flex, Precision::Auto).unwrap();
        assert_eq!(first.precision, FloatDType::F32);
        let x = Tensor::<1>::ones([3], &first.device);
        assert_eq!(x.dtype(), DType::F32);
        // A second open at the same precision is fine once tensors exist.
        let again = EngineDevice::open(BackendKind::Flex, Precision::F32).unwrap();
        assert_eq!(again.to_string(), "CPU (flex), F32");
    }
}
