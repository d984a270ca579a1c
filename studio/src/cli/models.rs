//! `motionboard models`: the Models panel on the command line: what is installed and where,
//! whether it is sound, downloading and importing packages, and the GPU memory a shot needs.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use models::plan::{DeviceLimits, TextEncoderPlacement};
use studio::model_store::catalog::{catalog, Source};
use studio::model_store::check::{check_file, check_package, identify, is_package};
use studio::model_store::download::Stage;
use studio::model_store::memory::{engine_plan, gib};
use studio::model_store::open::configs_for_user;
use studio::model_store::{
    data_dir, download_base_url, import, list, plan, DownloadProgress, Downloader, Locations,
    PackageConfigs, Role, ShotSize, Soundness,
};

#[derive(Args)]
pub struct ModelsArgs {
    #[command(subcommand)]
    command: ModelsCommand,
}

#[derive(Subcommand)]
enum ModelsCommand {
    /// The packages Motionboard knows and any found in the models folder: each file, where it
    /// was found, its size and whether it is sound.
    List(ListArgs),
    /// Check model files (a file, a folder, or everything found); exits non-zero when
    /// something is unsound.
    Check(CheckArgs),
    /// Download a package into the models folder (progress on stderr; an interrupted download
    /// resumes on the next run).
    Download(DownloadArgs),
    /// Import a model file or a diffusers package folder into the models folder.
    Import(ImportArgs),
    /// The engine's memory plan of a shot: every large buffer, the peak of each phase, and
    /// whether it fits the GPU (the same plan the Models panel shows).
    Memory(MemoryArgs),
}

#[derive(Args)]
struct WhereArgs {
    /// A ComfyUI `models` folder to search too (remembered with --remember).
    #[arg(long, value_name = "DIR")]
    comfyui: Option<PathBuf>,
    /// Remember the --comfyui folder for later runs (and the app).
    #[arg(long, requires = "comfyui")]
    remember: bool,
}

#[derive(Args)]
struct ListArgs {
    #[command(flatten)]
    place: WhereArgs,
    /// Print the list as JSON (the Models panel's data) instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct CheckArgs {
    /// A model file or folder; everything found when left out.
    path: Option<PathBuf>,
    #[command(flatten)]
    place: WhereArgs,
}

#[derive(Args)]
struct DownloadArgs {
    /// The package id (see `motionboard models list`).
    id: String,
    /// Where to download from (default: the mirror set in the app's Models panel, else
    /// MOTIONBOARD_MODELS_URL, else https://huggingface.co).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
}

#[derive(Args)]
struct ImportArgs {
    /// A .safetensors file or a diffusers package folder.
    path: PathBuf,
}

#[derive(Args)]
struct MemoryArgs {
    /// A package id (wan2.1-t2v-1.3b-diffusers, wan2.2-ti2v-5b-diffusers) or a package folder.
    #[arg(long, default_value = "wan2.1-t2v-1.3b-diffusers")]
    package: String,
    #[arg(long, default_value_t = 832)]
    width: u32,
    #[arg(long, default_value_t = 480)]
    height: u32,
    #[arg(long, default_value_t = 81)]
    frames: u32,
    /// The GPU's memory in GiB.
    #[arg(long, value_name = "GIB")]
    gpu_memory: f64,
    /// The largest buffer the GPU can bind, in GiB (default: WGSL's 2 GiB storage binding).
    #[arg(long, value_name = "GIB")]
    max_binding: Option<f64>,
    /// Image-to-video (a first frame; Wan2.2 TI2V packages).
    #[arg(long)]
    image: bool,
    /// Where the text encoder runs: auto (the GPU when everything fits, else the CPU), gpu
    /// or cpu.
    #[arg(long, default_value = "auto", value_parser = ["auto", "gpu", "cpu"])]
    text_encoder: String,
    /// Print every buffer of each phase.
    #[arg(long)]
    buffers: bool,
}

pub fn models(args: ModelsArgs) -> Result<()> {
    match args.command {
        ModelsCommand::List(args) => list_models(&locations(&args.place)?, args.json),
        ModelsCommand::Check(args) => check(args),
        ModelsCommand::Download(args) => download(args),
        ModelsCommand::Import(args) => import_path(&args.path),
        ModelsCommand::Memory(args) => memory(args),
    }
}

fn locations(place: &WhereArgs) -> Result<Locations> {
    if let Some(dir) = &place.comfyui {
        if !dir.is_dir() {
            bail!("the ComfyUI models folder {} does not exist", dir.display());
        }
    }
    let data = studio::model_store::data_dir()?;
    if place.remember {
        studio::model_store::locations::remember_comfyui(&data, place.comfyui.as_deref())?;
    }
    Ok(Locations::in_data_dir(&data, place.comfyui.clone()))
}

fn size(bytes: u64) -> String {
    if bytes >= 1_000_000_000 {
        format!("{:.1} GB", bytes as f64 / 1e9)
    } else if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else {
        format!("{:.1} kB", bytes as f64 / 1e3)
    }
}

fn list_models(locations: &Locations, json: bool) -> Result<()> {
    if json {
        let text = serde_json::to_string_pretty(&list(locations)).context("writing the list")?;
        println!("{text}");
        return Ok(());
    }
    let mut rows = vec![[
        "PACKAGE".to_owned(),
        "COMPONENT".to_owned(),
        "FILE".to_owned(),
        "WHERE".to_owned(),
        "SIZE".to_owned(),
        "STATUS".to_owned(),
    ]];
    for package in list(locations) {
        for file in &package.files {
            let place = match (&file.place, &file.path) {
                (Some(place), Some(path)) => format!("{} ({path})", place.describe()),
                _ => "-".to_owned(),
            };
            let bytes = if file.path.is_some() {
                size(file.bytes)
            } else {
                format!("~{}", size(file.bytes))
            };
            rows.push([
                package.id.clone(),
                file.component.clone(),
                file.file.clone(),
                place,
                bytes,
                file.soundness.describe(),
            ]);
        }
    }
    let mut widths = [0usize; 5];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in rows {
        let mut line = String::new();
        for (cell, w) in row.iter().zip(widths) {
            line.push_str(&format!("{cell:<w$}  "));
        }
        line.push_str(&row[5]);
        println!("{}", line.trim_end());
    }
    eprintln!("models folder: {}", locations.models.display());
    Ok(())
}

/// The role a file's name says it has (a catalog file name), else what its tensors say.
fn role_of(path: &Path) -> Result<Role, Soundness> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    for spec in catalog() {
        if let Source::Files(files) = &spec.source {
            if let Some(file) = files.iter().find(|f| f.file_name() == name) {
                return Ok(file.role);
            }
        }
    }
    identify(path)
}

/// (path, verdict) for one path the creator named.
fn check_path(path: &Path) -> Result<Vec<(String, Soundness)>> {
    if !path.exists() {
        bail!("{} does not exist", path.display());
    }
    if path.is_dir() {
        if is_package(path) {
            return Ok(check_package(path)
                .into_iter()
                .map(|c| (c.path, c.soundness))
                .collect());
        }
        let mut out = Vec::new();
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot list {}", path.display()))?
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for entry in entries {
            if entry.is_dir() || is_weights_name(&entry) {
                out.extend(check_path(&entry)?);
            }
        }
        if out.is_empty() {
            bail!("{} holds no model files", path.display());
        }
        return Ok(out);
    }
    let verdict = match role_of(path) {
        Ok(role) => check_file(path, role),
        Err(verdict) => verdict,
    };
    Ok(vec![(path.display().to_string(), verdict)])
}

/// Files worth checking in a folder: weights and the pickles / images people put beside them.
fn is_weights_name(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    matches!(
        ext.as_deref(),
        Some("safetensors" | "pth" | "pt" | "ckpt" | "bin" | "pkl" | "gguf")
    )
}

fn check(args: CheckArgs) -> Result<()> {
    let results = match &args.path {
        Some(path) => check_path(path)?,
        None => {
            let locations = locations(&args.place)?;
            list(&locations)
                .into_iter()
                .flat_map(|p| p.files)
                .filter_map(|f| f.path.map(|path| (path, f.soundness)))
                .collect()
        }
    };
    let bad = results.iter().filter(|(_, v)| !v.is_sound()).count();
    for (path, verdict) in &results {
        println!("{path}: {}", verdict.describe());
    }
    if results.is_empty() {
        println!("no model files found (see `motionboard models list`)");
    }
    if bad > 0 {
        bail!("{bad} of {} checked is not sound", results.len());
    }
    Ok(())
}

/// Prints download progress on stderr: a rewritten line on a terminal, each tenth otherwise.
fn progress_printer() -> impl FnMut(&DownloadProgress) {
    let tty = std::io::stderr().is_terminal();
    let mut last = (String::new(), u64::MAX);
    move |p: &DownloadProgress| {
        let prefix = format!("[{}/{}] {}", p.file_index, p.files, p.file);
        match &p.stage {
            Stage::Retrying(reason) => {
                eprintln!("{prefix}: {reason}; resuming at {} bytes", p.bytes)
            }
            Stage::Verifying => eprintln!("{prefix}: verifying"),
            Stage::Downloading => {
                let percent = p.total.map(|t| p.bytes * 100 / t.max(1));
                let step = if tty {
                    percent.unwrap_or(0)
                } else {
                    percent.unwrap_or(0) / 10
                };
                let key = (p.file.clone(), step);
                let done = p.total == Some(p.bytes);
                if key == last && !done {
                    return;
                }
                let resumed = if p.resumed_from > 0 {
                    format!(", resumed from {}", size(p.resumed_from))
                } else {
                    String::new()
                };
                let line = match (p.total, percent) {
                    (Some(total), Some(percent)) => {
                        format!(
                            "{prefix}: {} of {} ({percent}%{resumed})",
                            size(p.bytes),
                            size(total)
                        )
                    }
                    _ => format!("{prefix}: {}{resumed}", size(p.bytes)),
                };
                if tty {
                    eprint!("\r{line}\x1b[K");
                    if done {
                        eprintln!();
                    }
                } else if key != last {
                    eprintln!("{line}");
                }
                last = key;
            }
        }
    }
}

fn download(args: DownloadArgs) -> Result<()> {
    let locations = Locations::for_user(None)?;
    let base_url = match args.base_url {
        Some(url) => url,
        None => download_base_url(&data_dir()?),
    };
    let cancel = crate::cancel_on_ctrl_c();
    let mut progress = progress_printer();
    let mut downloader = Downloader::new(&base_url, &locations, &cancel, &mut progress);
    let installed = downloader.download(&args.id)?;
    for path in &installed.paths {
        if installed.already_there {
            eprintln!("{} is already installed and sound: {path}", installed.id);
        } else {
            eprintln!("installed {path}");
        }
    }
    Ok(())
}

fn import_path(path: &Path) -> Result<()> {
    let locations = Locations::for_user(None)?;
    let done = import(path, &locations.models)?;
    eprintln!(
        "imported {} as a {} ({})",
        done.path,
        done.what,
        if done.linked {
            "hard link, no extra space"
        } else {
            "copied"
        }
    );
    Ok(())
}

fn memory(args: MemoryArgs) -> Result<()> {
    let configs = match args.package.as_str() {
        "wan2.1-t2v-1.3b-diffusers" | "wan2.1-t2v-1.3b" | "fastwan2.1-t2v-1.3b-diffusers" => {
            PackageConfigs::wan21_t2v_1_3b()
        }
        "wan2.2-ti2v-5b-diffusers" | "wan2.2-ti2v-5b" | "fastwan2.2-ti2v-5b-diffusers" => {
            PackageConfigs::wan22_ti2v_5b()
        }
        folder => configs_for_user(Path::new(folder))?,
    };
    let shot = ShotSize {
        width: args.width,
        height: args.height,
        frames: args.frames,
    };
    let positive = |v: f64| v.is_finite() && v > 0.0;
    if !positive(args.gpu_memory) {
        bail!("--gpu-memory must be a positive number of GiB");
    }
    let to_bytes = |g: f64| (g * (1u64 << 30) as f64) as u64;
    let budget = to_bytes(args.gpu_memory);
    let mut limits = DeviceLimits::gpu(budget);
    if let Some(binding) = args.max_binding {
        if !positive(binding) {
            bail!("--max-binding must be a positive number of GiB");
        }
        limits.max_binding = Some(to_bytes(binding));
    }
    let placement = match args.text_encoder.as_str() {
        "gpu" => Some(TextEncoderPlacement::Device),
        "cpu" => Some(TextEncoderPlacement::Cpu { bytes: 2 }),
        _ => None,
    };
    let chosen = match placement {
        Some(placement) => engine_plan(&configs, shot, args.image, placement)?,
        None => {
            let (estimate, _) = plan(&configs, shot, args.image, budget)?;
            let placement = if estimate.text_encoder_on_cpu {
                TextEncoderPlacement::Cpu { bytes: 2 }
            } else {
                TextEncoderPlacement::Device
            };
            engine_plan(&configs, shot, args.image, placement)?
        }
    };
    let on_cpu = matches!(
        chosen.request.text_encoder,
        TextEncoderPlacement::Cpu { .. }
    );
    println!(
        "text encoder on the {}",
        if on_cpu {
            "CPU (half precision)"
        } else {
            "GPU (released before denoising)"
        }
    );
    if args.buffers {
        print!("{}", chosen.describe());
    } else {
        print!("{}", chosen.describe().lines().next().unwrap_or_default());
        println!();
        for p in &chosen.phases {
            println!(
                "{}: GPU {}, system {}",
                p.phase.name(),
                gib(p.device),
                gib(p.host)
            );
        }
    }
    match chosen.check(&limits) {
        Ok(()) => println!("fits a {} GPU", gib(budget)),
        Err(e) => println!("will not fit: {e}"),
    }
    Ok(())
}
