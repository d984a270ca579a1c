//! scripts/gpu-bench.sh's dry run: the GPU measurement's steps on the CPU at a tiny shape, with
//! the `motionboard-bench` this test build made (nothing built in release). It must time the
//! VAE, print the pairs, and pair burn with PyTorch where a Python with torch is found.

use std::path::Path;
use std::process::Command;

#[test]
fn the_gpu_benchmark_dry_run_measures_and_reports_on_the_cpu() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/gpu-bench.sh");
    let output = Command::new("bash")
        .arg(&script)
        .arg("dry-run")
        .env("MOTIONBOARD_BENCH", env!("CARGO_BIN_EXE_motionboard-bench"))
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}\n{stderr}");
    assert!(output.status.success(), "exit {:?}", output.status);
    assert!(stdout.contains("== vae-wgsl"), "the VAE was not run");
    assert!(!stdout.contains("FAILED"), "a dry-run measurement failed");
    assert!(
        stdout
            .lines()
            .any(|l| l.trim_start().starts_with("burn:") && l.contains("per decoded frame")),
        "no burn figure"
    );
    assert!(stdout.contains("== pairs"), "no report");
    if stdout.contains("== torch-vae") {
        assert!(
            stdout.contains("Wan2.1 VAE decode, per frame: burn") && stdout.contains("x, memory"),
            "burn and PyTorch were not paired"
        );
    }
}
