//! `motionboard-models`: the diffusion engine's checking tool.
//!
//! `motionboard-models run --component scheduler --config scheduler_config.json
//!  --inputs IN.safetensors --out OUT.safetensors [--device flex|wgpu] [--precision f32|f16|auto]` runs one component on
//! tensors in the reference's names (see `models::check`), so its outputs can be compared with
//! diffusers'. `--component dit --config config.json --weights
//! diffusion_pytorch_model.safetensors` runs one forward of the Wan DiT; `--component t5
//! --config config.json --weights model.safetensors` one forward of the umT5 text encoder;
//! `--component vae --config vae/config.json --weights
//! vae/diffusion_pytorch_model.safetensors` encodes `sample` and decodes its latent.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use models::check::{run_dit, run_scheduler, run_t5, run_vae, CheckError};
use models::device::{BackendKind, EngineDevice, Precision};
use models::scheduler::FlowSchedulerConfig;
use models::t5::{T5Config, UmT5Encoder};
use models::tensor_io::{write_f32, TensorFile};
use models::wan::dit::{DitConfig, WanDit};
use models::wan::vae::{VaeConfig, WanVae};

#[derive(Parser)]
#[command(
    name = "motionboard-models",
    version,
    about = "Motionboard's diffusion engine: checking tool"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one component on inputs from a safetensors file and write its outputs.
    Run {
        /// Which component to run.
        #[arg(long, value_enum)]
        component: Component,
        /// The component's config.json, as the reference's save_pretrained writes it (for the
        /// scheduler: scheduler_config.json).
        #[arg(long)]
        config: PathBuf,
        /// The component's weights (safetensors); the scheduler has none.
        #[arg(long)]
        weights: Option<PathBuf>,
        /// Input tensors, in the reference's argument names.
        #[arg(long)]
        inputs: PathBuf,
        /// Where to write the output tensors.
        #[arg(long)]
        out: PathBuf,
        /// The device to run on.
        #[arg(long, value_enum, default_value_t = DeviceArg::Flex)]
        device: DeviceArg,
        /// Float precision: auto is f16 on a GPU that has it, f32 on the CPU.
        #[arg(long, value_enum, default_value_t = PrecisionArg::F32)]
        precision: PrecisionArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Component {
    Dit,
    Vae,
    T5,
    Scheduler,
}

#[derive(Clone, Copy, ValueEnum)]
enum PrecisionArg {
    Auto,
    F32,
    F16,
}

#[derive(Clone, Copy, ValueEnum)]
enum DeviceArg {
    /// burn's CPU backend.
    Flex,
    /// The GPU through wgpu (Vulkan, Metal, DX12).
    Wgpu,
}

fn run(cli: Cli) -> Result<(), String> {
    let Command::Run {
        component,
        config,
        weights,
        inputs,
        out,
        device,
        precision,
    } = cli.command;
    let backend = match device {
        DeviceArg::Flex => BackendKind::Flex,
        DeviceArg::Wgpu => BackendKind::Wgpu,
    };
    let precision = match precision {
        PrecisionArg::Auto => Precision::Auto,
        PrecisionArg::F32 => Precision::F32,
        PrecisionArg::F16 => Precision::F16,
    };
    let engine = EngineDevice::open(backend, precision).map_err(|e| e.to_string())?;
    let device = engine.device.clone();
    match component {
        Component::Scheduler => {
            if weights.is_some() {
                return Err("the scheduler has no weights: leave out --weights".into());
            }
            let config = FlowSchedulerConfig::load(&config).map_err(|e| e.to_string())?;
            let inputs = TensorFile::read(&inputs).map_err(|e| e.to_string())?;
            let outputs = run_scheduler(&config, &inputs, &device)
                .map_err(|e: CheckError| format!("{}: {e}", inputs.path().display()))?;
            write_f32(&out, &outputs).map_err(|e| e.to_string())?;
            let steps = outputs["prev_samples"].shape[0];
            println!(
                "scheduler: {steps} steps, outputs written to {}",
                out.display()
            );
            Ok(())
        }
        Component::Dit => {
            let weights =
                weights.ok_or("the DiT needs --weights (diffusion_pytorch_model.safetensors)")?;
            let config = DitConfig::load(&config).map_err(|e| e.to_string())?;
            let model = WanDit::load(&config, &weights, &device).map_err(|e| e.to_string())?;
            let inputs = TensorFile::read(&inputs).map_err(|e| e.to_string())?;
            let outputs = run_dit(&model, &inputs, &device)
                .map_err(|e: CheckError| format!("{}: {e}", inputs.path().display()))?;
            write_f32(&out, &outputs).map_err(|e| e.to_string())?;
            println!(
                "dit: sample {:?} written to {}",
                outputs["sample"].shape,
                out.display()
            );
            Ok(())
        }
        Component::Vae => {
            let weights = weights
                .ok_or("the VAE needs --weights (vae/diffusion_pytorch_model.safetensors)")?;
            let config = VaeConfig::load(&config).map_err(|e| e.to_string())?;
            let model = WanVae::load(&config, &weights, &device).map_err(|e| e.to_string())?;
            let inputs = TensorFile::read(&inputs).map_err(|e| e.to_string())?;
            let outputs = run_vae(&model, &inputs, &device)
                .map_err(|e: CheckError| format!("{}: {e}", inputs.path().display()))?;
            write_f32(&out, &outputs).map_err(|e| e.to_string())?;
            println!(
                "vae: latent {:?} and decoded {:?} written to {}",
                outputs["latent"].shape,
                outputs["decoded"].shape,
                out.display()
            );
            Ok(())
        }
        Component::T5 => {
            let weights = weights.ok_or("umT5 needs --weights (model.safetensors)")?;
            let config = T5Config::load(&config).map_err(|e| e.to_string())?;
            let model = UmT5Encoder::load(&config, &weights, &device).map_err(|e| e.to_string())?;
            let inputs = TensorFile::read(&inputs).map_err(|e| e.to_string())?;
            let outputs = run_t5(&model, &inputs, &device)
                .map_err(|e: CheckError| format!("{}: {e}", inputs.path().display()))?;
            write_f32(&out, &outputs).map_err(|e| e.to_string())?;
            println!(
                "t5: last_hidden_state {:?} written to {}",
                outputs["last_hidden_state"].shape,
                out.display()
            );
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
