//! f16 at real-model magnitudes: the tiny umT5, DiT and VAE of `fixtures/*_magnitude` (written
//! by scripts/fixtures_magnitude.py) have weights scaled so activations reach what the real
//! checkpoints produce (umT5 feed-forward outputs past 65,504, DiT residuals near 1000 and
//! queries past 256, VAE feature RMS ~20x sqrt(65504 / channels)). The checking tool runs them
//! in f16 on flex and on wgpu (lavapipe without a GPU) against transformers' / diffusers' f32
//! outputs: the engine must agree within f16 rounding, with no inf or NaN.
//!
//! The same fixtures also run with a tiny attention bound (`MOTIONBOARD_ATTENTION_MAX_BYTES`)
//! so that every attention (DiT self and cross, the VAE's mid block, umT5's biased one) is
//! split into single query rows on wgpu, and must give what the unsplit run gives.
//!
//! Each run is its own process because burn fixes a device's precision once per process.

mod common;

use std::path::Path;

use models::attention::MAX_BYTES_ENV;
use models::tensor_io::TensorFile;

use common::{errors, fixtures};

/// What f16's 10-bit mantissa allows through a few layers, relative to the output's largest
/// value: a rounding of 2^-11 ~ 4.9e-4 per operation.
const F16_RELATIVE: f64 = 1e-2;
/// The VAE's decoded video goes through every decoder convolution in f16, far more layers
/// than the others: 1.26e-2 was measured on lavapipe (1.6 levels of an 8-bit pixel at the
/// worst one), 4.2e-3 on flex; before the f32 norm statistics it was 1.46.
const F16_VAE_RELATIVE: f64 = 2e-2;
/// f32 runs against the f32 reference: features near 1000 to 20,000 summed in another order
/// leave ~3e-4 of an output of size 1 (measured on flex).
const F32_RELATIVE: f64 = 1e-3;

struct Case {
    component: &'static str,
    folder: &'static str,
    weights: &'static str,
    outputs: &'static [&'static str],
}

const T5: Case = Case {
    component: "t5",
    folder: "t5_magnitude",
    weights: "model.safetensors",
    outputs: &["last_hidden_state"],
};
const DIT: Case = Case {
    component: "dit",
    folder: "dit_magnitude",
    weights: "diffusion_pytorch_model.safetensors",
    outputs: &["sample"],
};
const VAE: Case = Case {
    component: "vae",
    folder: "vae_magnitude",
    weights: "diffusion_pytorch_model.safetensors",
    outputs: &["latent", "decoded"],
};

/// Runs the checking tool on `case` and returns its output file.
fn run(case: &Case, device: &str, precision: &str, attention_bytes: Option<usize>) -> TensorFile {
    let folder = fixtures().join(case.folder);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.safetensors");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_motionboard-models"));
    command
        .args(["run", "--component", case.component, "--config"])
        .arg(folder.join("config.json"))
        .arg("--weights")
        .arg(folder.join(case.weights))
        .arg("--inputs")
        .arg(folder.join("forward.safetensors"))
        .arg("--out")
        .arg(&out)
        .args(["--device", device, "--precision", precision]);
    match attention_bytes {
        Some(bytes) => command.env(MAX_BYTES_ENV, bytes.to_string()),
        None => command.env_remove(MAX_BYTES_ENV),
    };
    let output = command.output().expect("run motionboard-models");
    assert!(
        output.status.success(),
        "{} on {device} in {precision} failed (for wgpu without a GPU: apt install \
         mesa-vulkan-drivers): {}",
        case.component,
        String::from_utf8_lossy(&output.stderr)
    );
    TensorFile::read(&out).unwrap()
}

/// (max abs error, that over max |reference|, values that are not finite: the first two
/// skip NaN, so the count is what catches it).
fn measure(ours: &[f32], reference: &[f32]) -> (f64, f64, usize) {
    let (max_abs, rel) = errors(ours, reference);
    let non_finite = ours.iter().filter(|v| !v.is_finite()).count();
    (max_abs, rel, non_finite)
}

fn compare(label: &str, case: &Case, ours: &TensorFile, reference: &Path, limit: f64) {
    let reference = TensorFile::read(reference).unwrap();
    for name in case.outputs {
        let a = ours.f32(name).unwrap();
        let b = reference.f32(name).unwrap();
        assert_eq!(a.shape, b.shape, "{label} {name}");
        let (max_abs, rel, non_finite) = measure(&a.values, &b.values);
        println!("{label} {name}: max abs {max_abs:.3e} rel {rel:.3e}, {non_finite} not finite");
        assert_eq!(non_finite, 0, "{label} {name}: inf or NaN");
        assert!(rel < limit, "{label} {name}: relative error {rel:.3e}");
    }
}

fn check(case: &Case, device: &str, precision: &str, limit: f64) {
    let reference = fixtures().join(case.folder).join("forward.safetensors");
    let out = run(case, device, precision, None);
    let label = format!("{} {device} {precision}", case.folder);
    compare(&label, case, &out, &reference, limit);
}

#[test]
fn t5_at_real_magnitudes_holds_in_f16() {
    check(&T5, "flex", "f32", F32_RELATIVE);
    check(&T5, "flex", "f16", F16_RELATIVE);
    check(&T5, "wgpu", "f16", F16_RELATIVE);
}

#[test]
fn dit_at_real_magnitudes_holds_in_f16() {
    check(&DIT, "flex", "f32", F32_RELATIVE);
    check(&DIT, "flex", "f16", F16_RELATIVE);
    check(&DIT, "wgpu", "f16", F16_RELATIVE);
}

#[test]
fn vae_at_real_magnitudes_holds_in_f16() {
    check(&VAE, "flex", "f32", F32_RELATIVE);
    check(&VAE, "flex", "f16", F16_VAE_RELATIVE);
    check(&VAE, "wgpu", "f16", F16_VAE_RELATIVE);
}

/// A bound of one byte: every attention runs one query row of one head at a time.
#[test]
fn split_attention_matches_unsplit_on_flex_and_wgpu() {
    for (case, device) in [&T5, &DIT, &VAE]
        .into_iter()
        .flat_map(|case| [(case, "flex"), (case, "wgpu")])
    {
        let whole = run(case, device, "f32", None);
        let split = run(case, device, "f32", Some(1));
        for name in case.outputs {
            let a = split.f32(name).unwrap();
            let b = whole.f32(name).unwrap();
            let (max_abs, rel, non_finite) = measure(&a.values, &b.values);
            println!(
                "{} {device} split vs whole {name}: max abs {max_abs:.3e} rel {rel:.3e}",
                case.folder
            );
            assert_eq!(non_finite, 0);
            assert!(
                rel < 1e-5,
                "{} {name}: split differs by {rel:.3e}",
                case.folder
            );
        }
    }
}
