//! `motionboard`: the studio without a window, for scripts, batch renders and tests.

mod parse;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use studio::export::{Fit, Preset};
use studio::motion::{Camera, CameraKind, Motion, MotionPath};
use studio::picture::load_picture;
use studio::project::{store, ExportSettings};
use studio::render::{render_project_shot, render_shot_to_mp4, ShotSettings};

#[derive(Parser)]
#[command(
    name = "motionboard",
    version,
    about = "Motionboard: animate pictures along motion paths and export MP4"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Animate one picture along motion paths and export an MP4.
    Animate(AnimateArgs),
    /// Render a saved project folder to an MP4.
    Render(RenderArgs),
    /// Print the beat times of a music file in seconds, one per line (tempo on stderr).
    Beats(BeatsArgs),
}

#[derive(clap::Args)]
struct BeatsArgs {
    /// The sound file: wav, flac, ogg (vorbis), mp3 or m4a (aac), recognised by content.
    file: PathBuf,
}

#[derive(clap::Args)]
struct AnimateArgs {
    /// The picture to animate (JPEG, PNG or WebP).
    image: PathBuf,
    /// Where to write the MP4.
    #[arg(short, long)]
    output: PathBuf,
    /// A motion path "x,y x,y ...", coordinates 0..1 from the top-left; the content around
    /// the first point travels along it. Repeat for up to 8 paths.
    #[arg(long = "path", value_parser = parse::path_points)]
    paths: Vec<Vec<studio::motion::Point>>,
    /// Radius of the region each path moves, as a fraction of the image width.
    #[arg(long, default_value_t = 0.1)]
    radius: f32,
    /// A disk "x,y,r" that must not move. Repeatable.
    #[arg(long = "static", value_parser = parse::static_disk)]
    statics: Vec<studio::motion::StaticBrush>,
    /// Camera move over the whole shot.
    #[arg(long, default_value = "static", value_parser = camera_kind)]
    camera: CameraKind,
    /// Strength of the camera move, 0..1.
    #[arg(long, default_value_t = Camera::default().amount)]
    amount: f32,
    /// Duration in seconds.
    #[arg(long, default_value_t = 5.0)]
    seconds: f32,
    /// Frames per second.
    #[arg(long, default_value_t = 30)]
    fps: u32,
    #[command(flatten)]
    framing: FramingArgs,
}

#[derive(clap::Args)]
struct RenderArgs {
    /// The project folder (the one holding project.json).
    project: PathBuf,
    /// Where to write the MP4.
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    framing: FramingArgs,
}

#[derive(clap::Args)]
struct FramingArgs {
    /// Platform preset: tiktok, reels, shorts (1080x1920), youtube (1920x1080), square
    /// (1080x1080), x (720x1280). Without it the video keeps the picture's size.
    #[arg(long, value_parser = preset)]
    preset: Option<Preset>,
    /// How a picture of another aspect fills the preset's frame: crop, or blur (fit over a
    /// blurred fill).
    #[arg(long, value_parser = fit)]
    fit: Option<Fit>,
}

fn camera_kind(name: &str) -> Result<CameraKind, String> {
    CameraKind::from_name(name).ok_or_else(|| {
        let names: Vec<_> = CameraKind::ALL.iter().map(|k| k.name()).collect();
        format!("unknown camera move; use one of {}", names.join(", "))
    })
}

fn preset(name: &str) -> Result<Preset, String> {
    Preset::from_name(name).ok_or_else(|| {
        let names: Vec<_> = Preset::ALL.iter().map(|p| p.name()).collect();
        format!("unknown preset; use one of {}", names.join(", "))
    })
}

fn fit(name: &str) -> Result<Fit, String> {
    Fit::from_name(name).ok_or_else(|| "unknown fit; use crop or blur".to_string())
}

/// Reports progress on stderr: a rewritten line on a terminal, every tenth otherwise.
fn progress_printer() -> impl FnMut(u32, u32) {
    let tty = std::io::stderr().is_terminal();
    let mut last_tenth = 0;
    move |done, total| {
        if tty {
            eprint!("\rrendering frame {done}/{total}");
            if done == total {
                eprintln!();
            }
        } else {
            let tenth = done * 10 / total.max(1);
            if tenth != last_tenth || done == total {
                last_tenth = tenth;
                eprintln!(
                    "rendering frame {done}/{total} ({}%)",
                    done * 100 / total.max(1)
                );
            }
        }
    }
}

/// Fails before any work when the output cannot be written, so a typo costs no render time.
fn check_output(output: &Path) -> Result<()> {
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        bail!(
            "cannot write {}: the folder {} does not exist",
            output.display(),
            parent.display()
        );
    }
    if output.is_dir() {
        bail!(
            "cannot write {}: it is a folder; give a file name ending in .mp4",
            output.display()
        );
    }
    Ok(())
}

fn cancel_on_ctrl_c() -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    // Without a handler the render still stops on Ctrl+C; it just leaves its temp file.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    cancel
}

fn animate(args: AnimateArgs) -> Result<()> {
    check_output(&args.output)?;
    let picture = load_picture(&args.image)?;
    let motion = Motion {
        paths: args
            .paths
            .into_iter()
            .map(|points| MotionPath {
                points,
                radius: args.radius,
            })
            .collect(),
        statics: args.statics,
        camera: Camera {
            kind: args.camera,
            amount: args.amount,
            ..Camera::default()
        },
    };
    let settings = ShotSettings {
        motion,
        seconds: args.seconds,
        fps: args.fps,
        preset: args.framing.preset,
        fit: args.framing.fit.unwrap_or_default(),
    };
    let cancel = cancel_on_ctrl_c();
    render_shot_to_mp4(
        picture,
        &settings,
        &args.output,
        progress_printer(),
        &cancel,
    )?;
    eprintln!("wrote {}", args.output.display());
    Ok(())
}

fn render(args: RenderArgs) -> Result<()> {
    check_output(&args.output)?;
    let project = store::load(&args.project)?;
    let export = ExportSettings {
        preset: args.framing.preset.or(project.export.preset),
        fit: args.framing.fit.unwrap_or(project.export.fit),
    };
    let cancel = cancel_on_ctrl_c();
    render_project_shot(
        &args.project,
        &project,
        0,
        export,
        &args.output,
        progress_printer(),
        &cancel,
    )
    .with_context(|| format!("rendering {}", args.project.display()))?;
    eprintln!("wrote {}", args.output.display());
    Ok(())
}

fn beats(args: BeatsArgs) -> Result<()> {
    use std::io::Write;
    let loaded = studio::audio::load(&args.file)?;
    if let Some(warning) = &loaded.warning {
        eprintln!("warning: {warning}");
    }
    let analysis = studio::audio::analyze(&loaded.pcm);
    if analysis.beats.is_empty() {
        eprintln!(
            "no steady beat found in {} ({:.1} s of sound)",
            args.file.display(),
            loaded.pcm.duration()
        );
        return Ok(());
    }
    eprintln!(
        "{:.1} BPM, {} beats in {:.1} s",
        analysis.bpm,
        analysis.beats.len(),
        loaded.pcm.duration()
    );
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for t in &analysis.beats {
        writeln!(out, "{t:.4}").context("writing the beat times")?;
    }
    out.flush().context("writing the beat times")?;
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Animate(args) => animate(args),
        Command::Render(args) => render(args),
        Command::Beats(args) => beats(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
