//! `motionboard-bench`: speed and memory of the engine at the real model sizes, with random
//! weights (no download needed), optionally against PyTorch (diffusers) in the same run.
//!
//! ```text
//! motionboard-bench dit --model wan2.1-1.3b --frames 5 --height 128 --width 128 [--device flex|wgpu]
//! motionboard-bench vae --model wan2.1 --frames 5 --height 128 --width 128
//! motionboard-bench generation --model wan2.1-1.3b --frames 81 --height 480 --width 832 --steps 50
//! ... --torch /path/to/python   # also runs models/scripts/bench_torch.py, prints burn/torch
//! motionboard-bench memory block --model wan2.1-1.3b --frames 81 --height 480 --width 832
//! motionboard-bench memory decode --model wan2.1 --height 480 --width 832
//! motionboard-bench memory text --text-layers 2
//! ```
//!
//! `memory` runs one part of a real-size generation on flex in f32 with random weights (one
//! DiT block over every token, one latent frame through the VAE decoder, umT5 with
//! `--text-layers` of its layers over two 512-token prompts) and prints the process's peak
//! resident memory above what it held before, beside `models::plan`'s figure for the same
//! work. Run each part in its own process: the peak is the process's high-water mark.
//!
//! `generation` is what a creator waits for: seconds per generated second of video (16 fps),
//! split into text encoding (umT5-XXL over the prompt and the negative prompt, 512 tokens
//! each), denoising (`--steps` DiT steps, each measured once and multiplied) and decoding (the
//! VAE over the whole latent). `--text-layers` runs fewer of umT5's 24 layers where the whole
//! encoder does not fit (its time is scaled up by 24 / layers, and says so).
//!
//! A DiT "step" is what one denoising step of the pipeline costs with guidance: two forwards
//! (prompt and negative prompt) over a 512-token text. Peak memory is the process's resident
//! high-water mark on the CPU and the device pool's reservation on a GPU.

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

use burn::prelude::*;
use burn::tensor::TensorData;
use clap::{Parser, Subcommand, ValueEnum};
use models::device::{BackendKind, EngineDevice, Precision};
use models::noise::randn;
use models::t5::{T5Config, UmT5Encoder};
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
    /// Seconds per generated second of video: text encoding + denoising + decoding.
    Generation(GenerationArgs),
    /// Peak memory of one part of a generation beside the memory plan's figure.
    Memory(MemoryArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum Part {
    /// One DiT block's forward over all the tokens (attention split under the bound).
    Block,
    /// One latent frame after the first through the VAE decoder, converted to 8 bits.
    Decode,
    /// umT5 over a prompt and a negative prompt of 512 tokens.
    Text,
}

#[derive(clap::Args, Clone)]
struct MemoryArgs {
    #[arg(value_enum)]
    part: Part,
    /// wan2.1-1.3b / wan2.2-5b (block, decode picks the model's VAE).
    #[arg(long, default_value = "wan2.1-1.3b")]
    model: String,
    #[arg(long, default_value_t = 81)]
    frames: u32,
    #[arg(long, default_value_t = 480)]
    height: u32,
    #[arg(long, default_value_t = 832)]
    width: u32,
    /// umT5 layers to build (24 = all; f32 umT5-XXL is 22.7 GB).
    #[arg(long, default_value_t = 2)]
    text_layers: usize,
    /// Bound on attention's score temporaries, bytes.
    #[arg(long, default_value_t = models::plan::DEFAULT_ATTENTION_CHUNK_BYTES)]
    attention_bytes: u64,
    /// Print the plan's buffers for the part and stop (no measurement).
    #[arg(long)]
    plan_only: bool,
}

#[derive(clap::Args, Clone)]
struct GenerationArgs {
    #[command(flatten)]
    shape: Shape,
    /// Denoising steps (Wan: 50).
    #[arg(long, default_value_t = 50)]
    steps: usize,
    /// umT5 layers to run (24 = all); the time is scaled to 24.
    #[arg(long, default_value_t = 24)]
    text_layers: usize,
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
    let result = match &cli.what {
        What::Dit(shape) => run("dit", shape),
        What::Vae(shape) => run("vae", shape),
        What::Generation(args) => run_generation(args),
        What::Memory(args) => memory::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The device `shape` asks for, after checking its frame count.
fn open_device(shape: &Shape) -> Result<EngineDevice, String> {
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
    EngineDevice::open(backend, precision).map_err(|e| e.to_string())
}

fn run(kind: &str, shape: &Shape) -> Result<(), String> {
    let engine = open_device(shape)?;
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
        let theirs = bench_torch(python, kind, shape, &engine, &[])?;
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

/// Text encoding, denoising and decoding of one clip, and seconds per generated second.
fn run_generation(args: &GenerationArgs) -> Result<(), String> {
    let shape = &args.shape;
    let engine = open_device(shape)?;
    let vae_model = match shape.model.as_str() {
        "wan2.1-1.3b" => "wan2.1",
        "wan2.2-5b" => "wan2.2",
        other => return Err(format!("unknown model `{other}`: wan2.1-1.3b or wan2.2-5b")),
    };
    println!(
        "generation {} at {}x{}x{} frames, {} steps, on {engine}",
        shape.model, shape.width, shape.height, shape.frames, args.steps
    );
    let layers = args.text_layers.clamp(1, 24);
    let text = bench_t5(shape, layers, &engine)?;
    let text_seconds = text.seconds * 24.0 / layers as f64;
    let step = bench_dit(shape, &engine)?;
    let decode = bench_vae(
        &Shape {
            model: vae_model.into(),
            ..shape.clone()
        },
        &engine,
    )?;
    let ours = Breakdown {
        text: text_seconds,
        denoise: step.seconds * args.steps as f64,
        decode: decode.seconds * shape.frames as f64,
    };
    let video_seconds = shape.frames as f64 / 16.0;
    if layers < 24 {
        println!("(text encoding measured on {layers} of 24 layers, scaled to 24)");
    }
    ours.print("burn", video_seconds);
    if let Some(python) = &shape.torch {
        let theirs = Breakdown {
            text: bench_torch(python, "t5", shape, &engine, &[("--layers", layers)])?.seconds
                * 24.0
                / layers as f64,
            denoise: bench_torch(python, "dit", shape, &engine, &[])?.seconds * args.steps as f64,
            decode: bench_torch(
                python,
                "vae",
                &Shape {
                    model: vae_model.into(),
                    ..shape.clone()
                },
                &engine,
                &[],
            )?
            .seconds
                * shape.frames as f64,
        };
        theirs.print("torch", video_seconds);
        println!(
            "ratio burn / torch: text {:.2}x, denoise {:.2}x, decode {:.2}x, total {:.2}x",
            ours.text / theirs.text,
            ours.denoise / theirs.denoise,
            ours.decode / theirs.decode,
            ours.total() / theirs.total()
        );
    }
    Ok(())
}

/// Seconds spent in each part of one generation.
struct Breakdown {
    text: f64,
    denoise: f64,
    decode: f64,
}

impl Breakdown {
    fn total(&self) -> f64 {
        self.text + self.denoise + self.decode
    }

    fn print(&self, who: &str, video_seconds: f64) {
        println!(
            "{who}: text {:.2} s + denoise {:.2} s + decode {:.2} s = {:.2} s for {:.2} s of \
             video: {:.1} s per generated second",
            self.text,
            self.denoise,
            self.decode,
            self.total(),
            video_seconds,
            self.total() / video_seconds
        );
    }
}

/// umT5-XXL (with `layers` of its 24 layers) over a prompt and a negative prompt of 512
/// tokens each: the pipeline's text encoding.
fn bench_t5(shape: &Shape, layers: usize, engine: &EngineDevice) -> Result<Figures, String> {
    let mut config = T5Config::umt5_xxl();
    config.num_layers = layers;
    let device = &engine.device;
    let encoder = UmT5Encoder::init(&config, device).map_err(|e| e.to_string())?;
    let ids: Vec<i64> = (0..2 * 512).map(|i| (i * 7919 % 250_000) as i64).collect();
    let ids = Tensor::<2, Int>::from_data(TensorData::new(ids, [2, 512]), device);
    let mask = Tensor::<2, Int>::ones([2, 512], device);
    time(
        shape.repeats,
        || {
            let _: f32 = encoder
                .forward(ids.clone(), mask.clone())
                .sum()
                .into_scalar::<f32>();
        },
        engine,
    )
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
    extra: &[(&str, usize)],
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
        .args(
            extra
                .iter()
                .flat_map(|(k, v)| [k.to_string(), v.to_string()]),
        )
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

/// `memory`: one part of a real-size generation against the plan's figure.
mod memory {
    use std::time::Instant;

    use burn::prelude::*;
    use burn::tensor::{Distribution, FloatDType};
    use models::expected::dit_tensors;
    use models::pipeline::Video;
    use models::plan::{
        gib, BufferKind, GenerationPlan, Phase, PlanConfigs, PlanRequest, TextEncoderPlacement,
    };
    use models::t5::{T5Config, UmT5Encoder};
    use models::wan::dit::{Rope3d, TransformerBlock};
    use models::wan::vae::WanVae;

    use super::{resident_high_water_mark, MemoryArgs, Part};

    /// VmRSS from /proc/self/status, in bytes.
    fn resident() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("VmRSS:"))?.to_owned();
                line.split_whitespace().nth(1)?.parse::<u64>().ok()
            })
            .map_or(0, |kib| kib * 1024)
    }

    pub fn run(args: &MemoryArgs) -> Result<(), String> {
        let device = Device::flex();
        let configs = match args.model.as_str() {
            "wan2.1-1.3b" => PlanConfigs::wan21_t2v_1_3b(),
            "wan2.2-5b" => PlanConfigs::wan22_ti2v_5b(),
            other => return Err(format!("unknown model `{other}`: wan2.1-1.3b or wan2.2-5b")),
        };
        let mut request = PlanRequest::new(args.width, args.height, args.frames);
        request.precision = FloatDType::F32;
        request.attention_chunk_bytes = args.attention_bytes;
        request.text_encoder = TextEncoderPlacement::Device;
        let before = resident();
        let started = Instant::now();
        let (what, planned) = match args.part {
            Part::Block => {
                request.guidance = false;
                let plan = GenerationPlan::new(&configs, &request).map_err(|e| e.to_string())?;
                if args.plan_only {
                    print_buffers(&plan, Phase::Denoise, BufferKind::Block);
                } else {
                    block(&configs, &plan, args, &device);
                }
                let weights: u64 = dit_tensors(&configs.dit)
                    .iter()
                    .filter(|(name, _)| name.starts_with("blocks.0."))
                    .map(|(_, shape)| shape.iter().product::<usize>() as u64 * 4)
                    .sum();
                let around: u64 = plan
                    .buffers
                    .iter()
                    .filter(|b| b.name.starts_with("RoPE") || b.name.starts_with("text in"))
                    .map(|b| b.bytes)
                    .sum();
                let figure = plan.part(Phase::Denoise, &[BufferKind::Block]) + weights + around;
                (format!("one DiT block over {} tokens", plan.tokens), figure)
            }
            Part::Decode => {
                request.frames = 5;
                let plan = GenerationPlan::new(&configs, &request).map_err(|e| e.to_string())?;
                if args.plan_only {
                    print_buffers(&plan, Phase::Decode, BufferKind::Decode);
                } else {
                    decode(&configs, &plan, &device)?;
                }
                let vae_weights: u64 = plan
                    .buffers
                    .iter()
                    .filter(|b| b.name == "VAE weights")
                    .map(|b| b.bytes)
                    .sum();
                let figure = plan.part(Phase::Decode, &[BufferKind::Decode]) + vae_weights;
                (
                    "the VAE decoder over 2 latent frames (1 + 4 video frames)".into(),
                    figure,
                )
            }
            Part::Text => {
                let layers = args.text_layers.clamp(1, 24);
                let mut configs = configs.clone();
                configs.text_encoder.num_layers = layers;
                let plan = GenerationPlan::new(&configs, &request).map_err(|e| e.to_string())?;
                if args.plan_only {
                    print_buffers(&plan, Phase::Text, BufferKind::Text);
                } else {
                    text(&configs.text_encoder, &device)?;
                }
                let weights: u64 = plan
                    .buffers
                    .iter()
                    .filter(|b| b.name.starts_with("text encoder weights"))
                    .map(|b| b.bytes)
                    .sum();
                let figure = plan.part(Phase::Text, &[BufferKind::Text]) + weights;
                (
                    format!("umT5 ({layers} of 24 layers) over 2 x 512 tokens"),
                    figure,
                )
            }
        };
        if args.plan_only {
            println!("{what}: the plan says {}", gib(planned));
            return Ok(());
        }
        let peak = resident_high_water_mark().unwrap_or(0);
        let measured = peak.saturating_sub(before);
        println!(
            "{what}: {:.1} s; peak resident {} above the {} held before; the plan says {} \
             ({:+.1}%)",
            started.elapsed().as_secs_f64(),
            gib(measured),
            gib(before),
            gib(planned),
            (measured as f64 / planned as f64 - 1.0) * 100.0
        );
        Ok(())
    }

    /// The plan's `kind` buffers alive in `phase`, in MB.
    fn print_buffers(plan: &GenerationPlan, phase: Phase, kind: BufferKind) {
        for b in plan
            .buffers
            .iter()
            .filter(|b| b.kind == kind && b.phases.contains(&phase))
        {
            let stage = b.stage.map(|s| format!(" [{s}]")).unwrap_or_default();
            println!("  {:>9.1} MB  {}{stage}", b.bytes as f64 / 1e6, b.name);
        }
    }

    /// One block's forward over every token: the engine's own `TransformerBlock::forward`,
    /// whose self-attention splits under the process-wide bound set from `--attention-bytes`.
    fn block(configs: &PlanConfigs, plan: &GenerationPlan, args: &MemoryArgs, device: &Device) {
        let config = &configs.dit;
        let dim = config.inner_dim();
        let block = TransformerBlock::init(config, device);
        let [_, f, h, w] = plan.latent;
        let [pt, ph, pw] = config.patch_size;
        let grid = [f as usize / pt, h as usize / ph, w as usize / pw];
        let rope = Rope3d::new(
            config.attention_head_dim,
            grid,
            config.rope_max_seq_len,
            device,
        );
        let s = plan.tokens as usize;
        let normal = Distribution::Normal(0.0, 1.0);
        let x = Tensor::<3>::random([1, s, dim], normal, device);
        let text = Tensor::<3>::random([1, 512, dim], normal, device);
        let modulation = Tensor::<4>::random([1, 1, 6, dim], normal, device) * 0.1;
        models::attention::set_max_bytes(args.attention_bytes as usize);
        let started = Instant::now();
        let out = block.forward(x, text, modulation, &rope);
        let _: f32 = out.sum().into_scalar::<f32>();
        println!("block forward: {:.1} s", started.elapsed().as_secs_f64());
    }

    /// The first two latent frames through the decoder, to 8-bit frames.
    fn decode(configs: &PlanConfigs, plan: &GenerationPlan, device: &Device) -> Result<(), String> {
        let vae = WanVae::init(&configs.vae, device);
        let [z, f, h, w] = plan.latent.map(|v| v as usize);
        let latents = Tensor::<5>::random([1, z, f, h, w], Distribution::Normal(0.0, 1.0), device);
        let video = Video::decode(&vae, latents).map_err(|e| e.to_string())?;
        println!(
            "decoded {} frames of {}x{}",
            video.frames, video.width, video.height
        );
        Ok(())
    }

    /// umT5 over two prompts of 512 tokens.
    fn text(config: &T5Config, device: &Device) -> Result<(), String> {
        let encoder = UmT5Encoder::init(config, device).map_err(|e| e.to_string())?;
        let ids: Vec<i64> = (0..2 * 512).map(|i| (i * 7919 % 250_000) as i64).collect();
        let ids = Tensor::<2, Int>::from_data(burn::tensor::TensorData::new(ids, [2, 512]), device);
        let mask = Tensor::<2, Int>::ones([2, 512], device);
        let _: f32 = encoder.forward(ids, mask).sum().into_scalar::<f32>();
        Ok(())
    }
}
