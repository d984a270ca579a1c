//! Where generation runs: the GPU the engine would take, in one line for the status bar.

use models::adapter::default_adapter;
use serde::Serialize;
use ts_rs::TS;

use crate::generate_queue::engine_options;

/// The engine's device, as the app shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct EngineDevice {
    /// "GPU: NVIDIA GeForce RTX 4090, Vulkan (SPIR-V), f16, tensor cores", or why the CPU.
    pub line: String,
    /// Generation runs on the GPU (else on the CPU).
    pub gpu: bool,
    /// The GPU there is is a software rasterizer (lavapipe, llvmpipe, WARP).
    pub software: bool,
    /// The GPU's memory in GiB (rounded to a tenth) where known: the memory plan's budget.
    pub memory_gib: Option<f64>,
}

/// The device generation would use now (`MOTIONBOARD_ENGINE_DEVICE`, else the GPU unless it
/// is a software rasterizer). Probing the adapter takes a moment once: off the main thread.
#[tauri::command]
pub async fn engine_device() -> Result<EngineDevice, String> {
    tauri::async_runtime::spawn_blocking(|| {
        let options = engine_options()?;
        let backend = options.backend;
        let adapter = default_adapter();
        Ok(EngineDevice {
            line: backend.describe(adapter),
            gpu: backend == models::device::BackendKind::Wgpu,
            software: adapter.is_some_and(|a| a.software),
            memory_gib: options
                .gpu_memory
                .map(|bytes| (bytes as f64 / (1u64 << 30) as f64 * 10.0).round() / 10.0),
        })
    })
    .await
    .map_err(|e| format!("could not look at the GPU: {e}"))?
}
