//! `motionboard-models`: the diffusion engine's checking tool.
//!
//! `motionboard-models run --component scheduler --config scheduler_config.json
//!  --inputs IN.safetensors --out OUT.safetensors [--device flex]` runs one component on
//! tensors in the reference's names (see `models::check`), so its outputs can be compared with
//! diffusers'. `--component dit --config config.json --weights
//! diffusion_pytorch_model.safetensors` runs one forward of the Wan DiT.

use std::path::PathBuf;
use std::process::ExitCode;

use burn::prelude::Device;
use clap::{Parser, Subcommand, ValueEnum};
use models::check::{run_dit, run_scheduler, CheckError};
use models::scheduler::FlowSchedulerConfig;
use models::tensor_io::{write_f32, TensorFile};
use models::wan::dit::{DitConfig, WanDit};

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
    } = cli.command;
    let device = match device {
        DeviceArg::Flex => Device::flex(),
        DeviceArg::Wgpu => {
            return Err(
                "this build has no wgpu backend yet (it comes with the DiT); use --device flex"
                    .into(),
            )
        }
    };
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
        Component::Vae => Err("--component vae is not implemented yet".into()),
        Component::T5 => Err("--component t5 is not implemented yet".into()),
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
