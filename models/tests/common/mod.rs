//! What the parity tests share: where the fixtures are and how an output is compared.

use std::path::PathBuf;

/// models/fixtures, written by models/scripts/make_fixtures.py.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// (max abs error, relative error = max abs error / max |reference|).
pub fn errors(ours: &[f32], reference: &[f32]) -> (f64, f64) {
    assert_eq!(ours.len(), reference.len(), "lengths differ");
    let max_abs = ours
        .iter()
        .zip(reference)
        .map(|(a, b)| (*a as f64 - *b as f64).abs())
        .fold(0.0, f64::max);
    let scale = reference.iter().map(|v| v.abs() as f64).fold(0.0, f64::max);
    (max_abs, max_abs / scale.max(f64::MIN_POSITIVE))
}

/// Runs the checking tool: `motionboard-models run --component COMPONENT --config CONFIG
/// [--weights WEIGHTS] --inputs INPUTS --out OUT` followed by `extra`.
#[allow(dead_code)] // Not every test binary runs the tool.
pub fn run_checking_tool(
    component: &str,
    config: &std::path::Path,
    weights: Option<&std::path::Path>,
    inputs: &std::path::Path,
    out: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_motionboard-models"));
    command
        .args(["run", "--component", component, "--config"])
        .arg(config);
    if let Some(weights) = weights {
        command.arg("--weights").arg(weights);
    }
    command
        .arg("--inputs")
        .arg(inputs)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .expect("run motionboard-models")
}
