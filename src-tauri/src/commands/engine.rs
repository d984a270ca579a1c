//! Where generation runs: the GPU the engine would take, in one line for the status bar.

use models::adapter::default_adapter;
use serde::Serialize;
use ts_rs::TS;

use crate::generate_queue::engine_options;

/// The engine's device, as the app shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct EngineDevice {
    /// "GPU: NVIDIA GeForce RTX 4090, Vulkan (SPIR-V), f16, tensor cores", or why the CPU.
    pub line: String,
    /// Generation runs on the GPU (else on the CPU).
    pub gpu: bool,
    /// The GPU there is is a software rasterizer (lavapipe, llvmpipe, WARP).
    pub software: bool,
}

/// The device generation would use now (`MOTIONBOARD_ENGINE_DEVICE`, else the GPU unless it
/// is a software rasterizer). Probing the adapter takes a moment once: off the main thread.
#[tauri::command]
pub async fn engine_device() -> Result<EngineDevice, String> {
    tauri::async_runtime::spawn_blocking(|| {
        let backend = engine_options()?.backend;
        let adapter = default_adapter();
        Ok(EngineDevice {
            line: backend.describe(adapter),
            gpu: backend == models::device::BackendKind::Wgpu,
            software: adapter.is_some_and(|a| a.software),
        })
    })
    .await
    .map_err(|e| format!("could not look at the GPU: {e}"))?
}
