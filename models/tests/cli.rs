//! The checking tool end to end: `motionboard-models run --component scheduler|dit` on
//! fixtures writes diffusers' outputs.

mod common;

use std::path::Path;

use models::tensor_io::TensorFile;

use common::{errors, fixtures, run_checking_tool};

#[test]
fn run_scheduler_writes_the_references_outputs() {
    let folder = fixtures().join("scheduler_unipc");
    let out_dir = std::env::temp_dir().join(format!("mb-models-cli-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = out_dir.join("out.safetensors");
    let inputs = folder.join("steps10.safetensors");
    let output = run_checking_tool(
        "scheduler",
        &folder.join("scheduler_config.json"),
        None,
        &inputs,
        &out,
        &["--device", "flex"],
    );
    assert!(output.status.success());

    let ours = TensorFile::read(&out).unwrap().f32("prev_samples").unwrap();
    let reference = TensorFile::read(&inputs)
        .unwrap()
        .f32("prev_samples")
        .unwrap();
    assert_eq!(ours.shape, vec![10, 1, 4, 3, 4, 4]);
    let (max_abs, _) = errors(&ours.values, &reference.values);
    assert!(max_abs < 1e-4, "max abs error {max_abs}");
    std::fs::remove_dir_all(&out_dir).unwrap();
}

#[test]
fn a_bad_config_is_reported_with_its_path() {
    let dir = std::env::temp_dir().join(format!("mb-models-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("scheduler_config.json");
    std::fs::write(&config, r#"{"_class_name": "DDIMScheduler"}"#).unwrap();
    let output = run_checking_tool(
        "scheduler",
        &config,
        None,
        Path::new("unused.safetensors"),
        &dir.join("out.safetensors"),
        &[],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("DDIMScheduler") && stderr.contains("scheduler_config.json"),
        "{stderr}"
    );
    assert!(!dir.join("out.safetensors").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn run_dit_writes_the_references_sample() {
    let folder = fixtures().join("dit_tiny");
    let out_dir = std::env::temp_dir().join(format!("mb-models-cli-dit-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = out_dir.join("out.safetensors");
    let inputs = folder.join("forward.safetensors");
    let output = run_checking_tool(
        "dit",
        &folder.join("config.json"),
        Some(&folder.join("diffusion_pytorch_model.safetensors")),
        &inputs,
        &out,
        &[],
    );
    assert!(output.status.success());
    let ours = TensorFile::read(&out).unwrap().f32("sample").unwrap();
    let reference = TensorFile::read(&inputs).unwrap().f32("sample").unwrap();
    assert_eq!(ours.shape, reference.shape);
    let (max_abs, _) = errors(&ours.values, &reference.values);
    assert!(max_abs < 1e-4, "max abs error {max_abs}");
    std::fs::remove_dir_all(&out_dir).unwrap();
}
