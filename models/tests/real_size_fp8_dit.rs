//! An fp8-scaled transformer file (as ComfyUI publishes `*_fp8_e4m3fn_scaled` Wan models)
//! never becomes an f32 model: each tensor is dequantised with its `scale_weight` into the
//! device's float type as it is read, so on an f16 device (here flex at `--precision f16`)
//! the transformer is resident in f16. Files of the Wan2.1 T2V 1.3B set's real shapes (the
//! transformer's block matrices in fp8 e4m3fn with per-tensor scales, the rest fp16; the fp8
//! umT5-XXL) whose data is sparse zeros, loaded and run at a tiny size while the process's
//! peak resident memory is read: it stays under what the transformer alone would take in f32.
//!
//! One test in its own binary, so the peak is this test's alone.

#[path = "real_size/sparse.rs"]
mod sparse;

use std::path::Path;

use burn::tensor::FloatDType;
use models::device::{BackendKind, EngineDevice, Precision};
use models::expected::{dit_tensors, t5_tensors, vae_tensors};
use models::pipeline::{GenerateRequest, StepControl, WanModels, WanPackage};
use models::t5::T5Config;
use models::wan::dit::DitConfig;
use models::wan::vae::VaeConfig;

use sparse::{dit_fp8_scaled, f16, fp8_scaled, gb, resident, write_sparse};

#[test]
fn an_fp8_transformer_is_resident_in_the_devices_f16_not_f32() {
    if !cfg!(target_os = "linux") {
        eprintln!("peak resident memory is read from /proc: Linux only");
        return;
    }
    // First: the CPU device's precision is fixed by the first tensor made on it.
    let engine = EngineDevice::open(BackendKind::Flex, Precision::F16).unwrap();
    assert_eq!(engine.precision, FloatDType::F16);
    let dir = tempfile::tempdir().unwrap();
    for sub in ["diffusion_models", "vae", "text_encoders"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    let spiece = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/spiece_tiny/spiece.model"),
    )
    .unwrap();
    let config = DitConfig::wan21_t2v_1_3b();
    let tensors = dit_tensors(&config);
    let parameters: u64 = tensors
        .iter()
        .map(|(_, shape)| shape.iter().product::<usize>() as u64)
        .sum();
    let dit = write_sparse(
        &dir.path()
            .join("diffusion_models/wan2.1_t2v_1.3B_fp8_e4m3fn_scaled.safetensors"),
        &dit_fp8_scaled(tensors),
        &[],
    );
    write_sparse(
        &dir.path().join("vae/wan_2.1_vae.safetensors"),
        &f16(vae_tensors(&VaeConfig::wan21())),
        &[],
    );
    write_sparse(
        &dir.path()
            .join("text_encoders/umt5_xxl_fp8_e4m3fn_scaled.safetensors"),
        &fp8_scaled(t5_tensors(&T5Config::umt5_xxl()).unwrap()),
        &[("spiece_model", spiece)],
    );
    let in_f32 = parameters * 4;
    println!(
        "fp8 transformer file {} ({parameters} parameters: {} in f16, {} in f32)",
        gb(dit),
        gb(parameters * 2),
        gb(in_f32)
    );
    assert!(
        dit < parameters * 2,
        "the block matrices are fp8: the file is smaller than fp16"
    );

    let package = WanPackage::open(dir.path()).unwrap();
    let (before, _) = resident();
    let started = std::time::Instant::now();
    let mut wan = WanModels::from_package(&package, &engine.device).unwrap();
    let (after_load, rss) = resident();
    println!(
        "loaded in {:.1} s: peak {} (before {}), resident now {}",
        started.elapsed().as_secs_f64(),
        gb(after_load),
        gb(before),
        gb(rss)
    );
    wan.set_max_sequence_length(16);
    let mut request = GenerateRequest::new("a cat walks across a sunny garden");
    request.frames = 1;
    request.height = 16;
    request.width = 16;
    request.steps = 1;
    request.guidance = 1.0;
    let started = std::time::Instant::now();
    let video = wan.generate(&request, |_| StepControl::Continue).unwrap();
    let (peak, rss) = resident();
    println!(
        "generated {} frame(s) in {:.1} s: peak {} (the transformer alone in f32: {}), \
         resident now {}",
        video.frames,
        started.elapsed().as_secs_f64(),
        gb(peak),
        gb(in_f32),
        gb(rss)
    );
    assert_eq!(video.frames, 1);
    assert!(
        peak < in_f32,
        "peak resident memory {} reaches the transformer's f32 size {}",
        gb(peak),
        gb(in_f32)
    );
}
