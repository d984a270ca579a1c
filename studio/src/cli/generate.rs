//! `motionboard generate`: generates a project's shots with their video model on the app's
//! Generate queue (`studio::generate::queue`): shots whose result is already cached are not generated again, each
//! new result is recorded in project.json, and Ctrl+C stops the running shot, leaving the
//! project and earlier results as they were.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Result};
use models::device::{BackendKind, Precision};
use studio::generate::{
    faults_from_env, GenerateEvent, GenerateOptions, GenerateQueue, JobSink, QueueSources,
    StepUpdate,
};
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
    let gpu_memory = match args.gpu_memory {
        Some(g) if !(g.is_finite() && g > 0.0) => {
            bail!("--gpu-memory must be a positive number of GiB")
        }
        Some(g) => Some((g * (1u64 << 30) as f64) as u64),
        None => None,
    };
    let options = GenerateOptions {
        backend: args.device,
        precision: args.precision,
        text_encoder_on_cpu: args.text_encoder_on_cpu,
        gpu_memory,
        faults: faults_from_env().map_err(anyhow::Error::msg)?,
    };
    // The app's queue: one worker, the same cache, the same events.
    let queue = GenerateQueue::new(QueueSources::from_store(
        move || Ok(options.clone()),
        locations,
    ));
    let (events, received) = mpsc::channel();
    let names: Vec<String> = project.shots.iter().map(|s| s.name.clone()).collect();
    let sink = Arc::new(Printer {
        events: Mutex::new(events),
        names: names.clone(),
        terminal: std::io::stderr().is_terminal(),
    });
    queue
        .enqueue(dir, project.clone(), &shots, sink)
        .map_err(anyhow::Error::msg)?;
    let cancel = cancel_on_ctrl_c();
    let ids: Vec<String> = project.shots.iter().map(|s| s.id.clone()).collect();
    let label = |id: &str| {
        let index = ids.iter().position(|s| s == id).unwrap_or(0);
        format!("shot {} ({})", index + 1, names[index])
    };
    let mut left = shots.len();
    let mut device_shown = false;
    let mut stopped = false;
    let mut failure: Option<String> = None;
    while left > 0 {
        let event = match received.recv_timeout(Duration::from_millis(100)) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => {
                if cancel.load(Ordering::SeqCst) && !stopped {
                    stopped = true;
                    queue.cancel(None);
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => bail!("the generate queue stopped"),
        };
        match event {
            GenerateEvent::Queued { .. } => {}
            GenerateEvent::Started { device, .. } => {
                if !device_shown {
                    eprintln!("engine: {device}");
                    device_shown = true;
                }
            }
            GenerateEvent::Done {
                shot_id,
                key,
                cached,
                width,
                height,
                frames,
                ..
            } => {
                left -= 1;
                eprintln!(
                    "{}: {frames} frames at {width}x{height}{} -> {}",
                    label(&shot_id),
                    if cached { ", from the cache" } else { "" },
                    Path::new("cache/generated").join(&key).display()
                );
                let Some(shot) = project.shots.iter_mut().find(|s| s.id == shot_id) else {
                    continue;
                };
                if shot.result.as_deref() != Some(key.as_str()) {
                    shot.result = Some(key);
                    store::save(dir, &project)?;
                }
            }
            GenerateEvent::Failed {
                shot_id, message, ..
            } => {
                left -= 1;
                // The rest stop too; the loop waits for them, so nothing is cut off midway.
                queue.cancel(None);
                stopped = true;
                failure.get_or_insert(format!("{}: {message}", label(&shot_id)));
            }
            GenerateEvent::Cancelled { shot_id, .. } => {
                left -= 1;
                failure.get_or_insert(format!(
                    "cancelled: {} and the project are as they were",
                    label(&shot_id)
                ));
            }
        }
    }
    if let Some(failure) = failure {
        eprintln!();
        bail!(failure);
    }
    Ok(())
}

/// Prints each step on stderr (a rewritten line on a terminal, one line per step otherwise)
/// and hands the events to the loop that records results.
struct Printer {
    events: Mutex<mpsc::Sender<GenerateEvent>>,
    names: Vec<String>,
    terminal: bool,
}

impl JobSink for Printer {
    fn event(&self, event: &GenerateEvent) {
        if let Ok(events) = self.events.lock() {
            // The loop has stopped listening only when the run is over.
            let _ = events.send(event.clone());
        }
    }

    fn step(&self, _job: u32, u: &StepUpdate) -> bool {
        let name = self.names.get(u.shot).map_or("", String::as_str);
        let label = format!("shot {} ({name})", u.shot + 1);
        if self.terminal {
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
