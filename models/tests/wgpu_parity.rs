//! The engine on the GPU path: the checking tool with `--device wgpu` on the committed tiny
//! fixtures, against the references. Without a GPU, wgpu runs on Mesa's lavapipe (Debian's
//! `mesa-vulkan-drivers`, installed by `scripts/setup.sh test`); with no Vulkan adapter at all
//! these tests fail, naming what to install.
//!
//! Each run is its own process because burn fixes a device's precision once per process.

mod common;

use std::path::{Path, PathBuf};

use models::tensor_io::TensorFile;

use common::{errors, fixtures, run_checking_tool};

/// f32 on lavapipe: the same arithmetic as flex, in another order.
const F32_RELATIVE: f64 = 1e-4;
/// f16 (10-bit mantissa) through every layer of a tiny random model.
const F16_RELATIVE: f64 = 3e-2;

/// Runs `motionboard-models run` on wgpu and returns the output file.
fn run_on_wgpu(
    component: &str,
    folder: &Path,
    config: &str,
    weights: &str,
    inputs: &str,
    precision: &str,
) -> (TensorFile, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.safetensors");
    let output = run_checking_tool(
        component,
        &folder.join(config),
        Some(&folder.join(weights)),
        &folder.join(inputs),
        &out,
        &["--device", "wgpu", "--precision", precision],
    );
    assert!(
        output.status.success(),
        "{component} on wgpu failed (is a Vulkan driver installed? on Debian/Ubuntu: \
         apt install mesa-vulkan-drivers): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let file = TensorFile::read(&out).unwrap();
    // Keep the folder alive until the file is read.
    drop(dir);
    (file, folder.join(inputs))
}

fn compare(label: &str, ours: &TensorFile, reference: &Path, names: &[&str], limit: f64) {
    let reference = TensorFile::read(reference).unwrap();
    for name in names {
        let a = ours.f32(name).unwrap();
        let b = reference.f32(name).unwrap();
        assert_eq!(a.shape, b.shape, "{label} {name}");
        let (max_abs, rel) = errors(&a.values, &b.values);
        println!("{label} {name}: max abs {max_abs:.3e} rel {rel:.3e}");
        assert!(rel < limit, "{label} {name}: relative error {rel:.3e}");
    }
}

#[test]
fn dit_on_wgpu_matches_diffusers_in_f32_and_f16() {
    let folder = fixtures().join("dit_tiny");
    for (precision, limit) in [("f32", F32_RELATIVE), ("f16", F16_RELATIVE)] {
        let (out, reference) = run_on_wgpu(
            "dit",
            &folder,
            "config.json",
            "diffusion_pytorch_model.safetensors",
            "forward_per_token.safetensors",
            precision,
        );
        compare(
            &format!("dit wgpu {precision}"),
            &out,
            &reference,
            &["sample"],
            limit,
        );
    }
}

#[test]
fn vae_on_wgpu_matches_diffusers() {
    for name in ["vae_2_1_tiny", "vae_2_2_tiny"] {
        let folder = fixtures().join(name);
        let (out, reference) = run_on_wgpu(
            "vae",
            &folder,
            "config.json",
            "diffusion_pytorch_model.safetensors",
            "forward.safetensors",
            "f32",
        );
        compare(
            &format!("{name} wgpu f32"),
            &out,
            &reference,
            &["latent", "decoded"],
            F32_RELATIVE,
        );
    }
}

#[test]
fn t5_on_wgpu_matches_transformers() {
    let folder = fixtures().join("t5_tiny");
    let (out, reference) = run_on_wgpu(
        "t5",
        &folder,
        "config.json",
        "model.safetensors",
        "forward.safetensors",
        "f32",
    );
    compare(
        "t5 wgpu f32",
        &out,
        &reference,
        &["last_hidden_state"],
        F32_RELATIVE,
    );
}
