//! `motionboard generate`: generates a project's shots with their video model, as the app's
//! Generate queue does: shots whose result is already cached are not generated again, each
//! new result is recorded in project.json, and Ctrl+C stops the running shot, leaving the
//! project and earlier results as they were.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use models::device::{BackendKind, Precision};
use studio::generate::{GenerateError, GenerateOptions, ShotGenerator, StepUpdate};
use studio::model_store::discover::ready_packages;
use studio::model_store::Locations;
use studio::project::{store, Engine};

use crate::cancel_on_ctrl_c;

#[derive(clap::Args)]
pub struct GenerateArgs {
    /// The project folder.
    dir: PathBuf,
    /// Only this shot (1 = the first); without it, every shot that uses a model.
    #[arg(long)]
    shot: Option<usize>,
    /// Where the model runs: wgpu (the GPU; Vulkan, Metal or DX12) or flex (the CPU).
    #[arg(long, default_value = "wgpu", value_parser = backend)]
    device: BackendKind,
    /// Float precision: auto (f16 on a GPU that has it), f32 or f16.
    #[arg(long, default_value = "auto", value_parser = precision)]
    precision: Precision,
    /// Run the umT5 text encoder on the CPU in half precision (for GPUs that cannot hold it
    /// beside the transformer; `motionboard models memory` says when).
    #[arg(long)]
    text_encoder_on_cpu: bool,
    /// The GPU's memory in GiB: a shot whose memory plan does not fit is refused before any
    /// work, with what to change.
    #[arg(long, value_name = "GIB")]
    gpu_memory: Option<f64>,
    /// A ComfyUI `models` folder to look for model files in, besides the app's own.
    #[arg(long)]
    comfyui: Option<PathBuf>,
}

fn backend(name: &str) -> Result<BackendKind, String> {
    match name {
        "wgpu" => Ok(BackendKind::Wgpu),
        "flex" => Ok(BackendKind::Flex),
        _ => Err("use wgpu (the GPU) or flex (the CPU)".into()),
    }
}

fn precision(name: &str) -> Result<Precision, String> {
    match name {
        "auto" => Ok(Precision::Auto),
        "f32" => Ok(Precision::F32),
        "f16" => Ok(Precision::F16),
        _ => Err("use auto, f32 or f16".into()),
    }
}

pub fn generate(args: GenerateArgs) -> Result<()> {
    let dir = args.dir.as_path();
    let mut project = store::load(dir)?;
    let shots: Vec<usize> = match args.shot {
        Some(0) => bail!("shots are numbered from 1"),
        Some(n) if n > project.shots.len() => bail!(
            "shot {n} does not exist; {} has {} shots",
            dir.display(),
            project.shots.len()
        ),
        Some(n) => vec![n - 1],
        None => (0..project.shots.len())
            .filter(|&i| project.shots[i].generation().engine != Engine::Warp)
            .collect(),
    };
    if shots.is_empty() {
        eprintln!(
            "no shot uses a video model (every shot uses the warp engine): nothing to generate"
        );
        return Ok(());
    }
    let locations = Locations::for_user(args.comfyui.clone())?;
    let packages: Vec<PathBuf> = ready_packages(&locations, None)
        .into_iter()
        .map(|(_, root)| root)
        .collect();
    let gpu_memory = match args.gpu_memory {
        Some(g) if !(g.is_finite() && g > 0.0) => {
            bail!("--gpu-memory must be a positive number of GiB")
        }
        Some(g) => Some((g * (1u64 << 30) as f64) as u64),
        None => None,
    };
    let mut generator = ShotGenerator::new(GenerateOptions {
        backend: args.device,
        precision: args.precision,
        text_encoder_on_cpu: args.text_encoder_on_cpu,
        gpu_memory,
    })?;
    eprintln!("engine: {}", generator.device_label());
    let cancel = cancel_on_ctrl_c();
    for index in shots {
        let name = project.shots[index].name.clone();
        let mut on_step = step_printer(index, &name);
        let result = generator.generate(dir, &project, index, &packages, &mut on_step, &cancel);
        let shot = match result {
            Ok(shot) => shot,
            Err(GenerateError::Cancelled) => {
                eprintln!();
                bail!(
                    "cancelled: shot {} ({name}) and the project are as they were",
                    index + 1
                )
            }
            Err(e) => return Err(e).with_context(|| format!("shot {} ({name})", index + 1)),
        };
        eprintln!(
            "shot {} ({name}): {} frames at {}x{}{} -> {}",
            index + 1,
            shot.frames,
            shot.width,
            shot.height,
            if shot.cached { ", from the cache" } else { "" },
            Path::new("cache/generated").join(&shot.key).display()
        );
        if project.shots[index].result.as_deref() != Some(shot.key.as_str()) {
            project.shots[index].result = Some(shot.key);
            store::save(dir, &project)?;
        }
    }
    Ok(())
}

/// Prints each step on stderr: a rewritten line on a terminal, one line per step otherwise.
fn step_printer(index: usize, name: &str) -> impl FnMut(StepUpdate) -> bool {
    let terminal = std::io::stderr().is_terminal();
    let label = format!("shot {} ({name})", index + 1);
    move |u: StepUpdate| {
        if terminal {
            eprint!("\r{label}: step {}/{}", u.step, u.steps);
            if u.step == u.steps {
                eprintln!();
            }
        } else {
            eprintln!("{label}: step {}/{}", u.step, u.steps);
        }
        true
    }
}
