//! `motionboard-bench`: speed and memory of the engine at the real model sizes, with random
//! weights (no download needed), optionally against PyTorch (diffusers) in the same run.
//!
//! ```text
//! motionboard-bench dit --model wan2.1-1.3b --frames 5 --height 128 --width 128 [--device flex|wgpu]
//! motionboard-bench vae --model wan2.1 --frames 5 --height 128 --width 128
//! ... --torch /path/to/python   # also runs models/scripts/bench_torch.py, prints burn/torch
//! ```
//!
//! A DiT "step" is what one denoising step of the pipeline costs with guidance: two forwards
//! (prompt and negative prompt) over a 512-token text. Peak memory is the process's resident
//! high-water mark on the CPU and the device pool's reservation on a GPU.

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

use burn::prelude::*;
use clap::{Parser, Subcommand, ValueEnum};
use models::device::{BackendKind, EngineDevice, Precision};
use models::noise::randn;
use models::wan::dit::{DitConfig, WanDit};
use models::wan::vae::{VaeConfig, WanVae};

#[derive(Parser)]
#[command(
    name = "motionboard-bench",
    about = "Engine speed and memory at real sizes"
)]
struct Cli {
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    /// Time per denoising step of the diffusion transformer.
    Dit(Shape),
    /// VAE decode time per frame.
    Vae(Shape),
}

#[derive(clap::Args, Clone)]
struct Shape {
    /// Which model: wan2.1-1.3b / wan2.2-5b (dit), wan2.1 / wan2.2 (vae).
    #[arg(long, default_value = "wan2.1-1.3b")]
    model: String,
    /// Video frames (4k + 1).
    #[arg(long, default_value_t = 5)]
    frames: usize,
    /// Video height in pixels.
    #[arg(long, default_value_t = 128)]
    height: usize,
    /// Video width in pixels.
    #[arg(long, default_value_t = 128)]
    width: usize,
    /// Timed repetitions (after one warm-up).
    #[arg(long, default_value_t = 2)]
    repeats: usize,
    #[arg(long, value_enum, default_value_t = DeviceArg::Flex)]
    device: DeviceArg,
    #[arg(long, value_enum, default_value_t = PrecisionArg::Auto)]
    precision: PrecisionArg,
    /// A Python with torch + diffusers: run the same shape in PyTorch and print the ratio.
    #[arg(long)]
    torch: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum DeviceArg {
    Flex,
    Wgpu,
}

#[derive(Clone, Copy, ValueEnum)]
enum PrecisionArg {
    Auto,
    F32,
    F16,
}

/// One measurement: seconds per unit and peak bytes.
struct Figures {
    seconds: f64,
    peak_bytes: Option<u64>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (kind, shape) = match &cli.what {
        What::Dit(shape) => ("dit", shape.clone()),
        What::Vae(shape) => ("vae", shape.clone()),
    };
    match run(kind, &shape) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(kind: &str, shape: &Shape) -> Result<(), String> {
    if shape.frames % 4 != 1 {
        return Err(format!(
            "--frames must be 4k + 1 (5, 9, ..., 81), not {}",
            shape.frames
        ));
    }
    let backend = match shape.device {
        DeviceArg::Flex => BackendKind::Flex,
        DeviceArg::Wgpu => BackendKind::Wgpu,
    };
    let precision = match shape.precision {
        PrecisionArg::Auto => Precision::Auto,
        PrecisionArg::F32 => Precision::F32,
        PrecisionArg::F16 => Precision::F16,
    };
    let engine = EngineDevice::open(backend, precision).map_err(|e| e.to_string())?;
    println!(
        "{kind} {} at {}x{}x{} frames on {engine}",
        shape.model, shape.width, shape.height, shape.frames
    );
    let ours = match kind {
        "dit" => bench_dit(shape, &engine)?,
        _ => bench_vae(shape, &engine)?,
    };
    let unit = if kind == "dit" {
        "s per step (2 forwards)"
    } else {
        "s per decoded frame"
    };
    println!(
        "burn:  {:.3} {unit}, peak {}",
        ours.seconds,
        mib(ours.peak_bytes)
    );
    if let Some(python) = &shape.torch {
        let theirs = bench_torch(python, kind, shape, &engine)?;
        println!(
            "torch: {:.3} {unit}, peak {}",
            theirs.seconds,
            mib(theirs.peak_bytes)
        );
        println!(
            "ratio burn / torch: time {:.2}x, memory {}",
            ours.seconds / theirs.seconds,
            match (ours.peak_bytes, theirs.peak_bytes) {
                (Some(a), Some(b)) if b > 0 => format!("{:.2}x", a as f64 / b as f64),
                _ => "n/a".into(),
            }
        );
    }
    Ok(())
}

fn bench_dit(shape: &Shape, engine: &EngineDevice) -> Result<Figures, String> {
    let (config, spatial) = match shape.model.as_str() {
        "wan2.1-1.3b" => (DitConfig::wan21_t2v_1_3b(), 8),
        "wan2.2-5b" => (DitConfig::wan22_ti2v_5b(), 16),
        other => return Err(format!("unknown DiT `{other}`: wan2.1-1.3b or wan2.2-5b")),
    };
    check_divisible(shape, spatial * 2)?;
    let device = &engine.device;
    let started = Instant::now();
    let model = WanDit::init(&config, device);
    println!("random weights: {:.1} s", started.elapsed().as_secs_f64());
    let latent = [
        1,
        config.in_channels,
        1 + (shape.frames - 1) / 4,
        shape.height / spatial,
        shape.width / spatial,
    ];
    let tokens = latent[2] * latent[3] * latent[4] / 4;
    println!("latent {latent:?}: {tokens} tokens");
    let x = randn(1, latent, device);
    let text = randn(2, [1, 512, config.text_dim], device);
    let negative = randn(3, [1, 512, config.text_dim], device);
    let t = Tensor::<2>::from_floats([[500.0]], device);
    let step = || {
        let cond = model.forward(x.clone(), t.clone(), text.clone());
        let uncond = model.forward(x.clone(), t.clone(), negative.clone());
        // Reading one value back waits for the device to finish.
        let _: f32 = (cond - uncond).sum().into_scalar::<f32>();
    };
    time(shape.repeats, step, engine)
}

fn bench_vae(shape: &Shape, engine: &EngineDevice) -> Result<Figures, String> {
    let config = match shape.model.as_str() {
        "wan2.1" => VaeConfig::wan21(),
        "wan2.2" => VaeConfig::wan22(),
        other => return Err(format!("unknown VAE `{other}`: wan2.1 or wan2.2")),
    };
    let spatial = config.spatial_factor();
    check_divisible(shape, spatial)?;
    let device = &engine.device;
    let vae = WanVae::init(&config, device);
    let latent = [
        1,
        config.z_dim,
        vae.latent_frames(shape.frames),
        shape.height / spatial,
        shape.width / spatial,
    ];
    let z = randn(1, latent, device);
    let frames = shape.frames as f64;
    let figures = time(
        shape.repeats,
        || {
            let _: f32 = vae.decode(z.clone()).sum().into_scalar::<f32>();
        },
        engine,
    )?;
    Ok(Figures {
        seconds: figures.seconds / frames,
        ..figures
    })
}

fn check_divisible(shape: &Shape, by: usize) -> Result<(), String> {
    if !shape.height.is_multiple_of(by) || !shape.width.is_multiple_of(by) {
        return Err(format!("height and width must be multiples of {by}"));
    }
    Ok(())
}

/// One warm-up, then the median of `repeats` runs.
fn time(repeats: usize, mut run: impl FnMut(), engine: &EngineDevice) -> Result<Figures, String> {
    let warm = Instant::now();
    run();
    println!("warm-up: {:.2} s", warm.elapsed().as_secs_f64());
    let mut seconds: Vec<f64> = (0..repeats.max(1))
        .map(|_| {
            let started = Instant::now();
            run();
            started.elapsed().as_secs_f64()
        })
        .collect();
    seconds.sort_by(f64::total_cmp);
    let peak_bytes = match engine.backend {
        BackendKind::Flex => resident_high_water_mark(),
        BackendKind::Wgpu => engine
            .device
            .memory_pool_usage()
            .map(|usage| usage.bytes_reserved),
    };
    Ok(Figures {
        seconds: seconds[seconds.len() / 2],
        peak_bytes,
    })
}

/// VmHWM from /proc/self/status (Linux), in bytes.
fn resident_high_water_mark() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("n/a".into(), |b| {
        format!("{:.0} MiB", b as f64 / (1024.0 * 1024.0))
    })
}

/// Runs models/scripts/bench_torch.py with the same shape; it prints one JSON line
/// `{"seconds": .., "peak_bytes": ..}`.
fn bench_torch(
    python: &PathBuf,
    kind: &str,
    shape: &Shape,
    engine: &EngineDevice,
) -> Result<Figures, String> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/bench_torch.py");
    let device = match engine.backend {
        BackendKind::Flex => "cpu",
        BackendKind::Wgpu => "cuda",
    };
    let dtype = format!("{:?}", engine.precision).to_lowercase();
    let output = Command::new(python)
        .arg(&script)
        .args([
            kind,
            "--model",
            &shape.model,
            "--device",
            device,
            "--dtype",
            &dtype,
        ])
        .args(["--frames", &shape.frames.to_string()])
        .args(["--height", &shape.height.to_string()])
        .args(["--width", &shape.width.to_string()])
        .args(["--repeats", &shape.repeats.to_string()])
        .output()
        .map_err(|e| format!("running {}: {e}", python.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| format!("{} printed no result: {stdout}", script.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("bad result line `{line}`: {e}"))?;
    Ok(Figures {
        seconds: value["seconds"]
            .as_f64()
            .ok_or("no seconds in the result")?,
        peak_bytes: value["peak_bytes"].as_u64(),
    })
}
