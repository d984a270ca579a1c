//! `motionboard`: the studio without a window, for scripts, batch renders and tests.

mod args;
mod generate;
mod models;
mod parse;
mod script;
mod storyboard;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use studio::export::Crop;
use studio::picture::load_picture_for_use;
use studio::render::{render_shot_to_mp4, ShotSettings};

use args::{FramingArgs, MotionArgs};

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
    /// Create a new, empty project folder.
    New(storyboard::NewArgs),
    /// Add a shot at the end of a project's storyboard.
    AddShot(storyboard::AddShotArgs),
    /// Import a sound file into a project and place it on the audio lanes.
    AddAudio(storyboard::AddAudioArgs),
    /// Set the shot durations so that every cut lands on a beat of the first audio clip
    /// (prints the new cut times in seconds, one per line).
    Snap(storyboard::SnapArgs),
    /// Render a project's whole sequence, with its sound, to an MP4.
    Render(storyboard::RenderArgs),
    /// Turn a scene script (a text file) into shots at the end of a project's storyboard.
    Script(script::ScriptArgs),
    /// Generate the shots that use a video model (all, or --shot N), recording each result in
    /// the project; cached results are reused.
    Generate(generate::GenerateArgs),
    /// Print the beat times of a music file in seconds, one per line (tempo on stderr).
    Beats(BeatsArgs),
    /// The model store: list, check, download and import model packages.
    Models(models::ModelsArgs),
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
    #[command(flatten)]
    motion: MotionArgs,
    /// Duration in seconds.
    #[arg(long, default_value_t = 5.0)]
    seconds: f32,
    /// Frames per second.
    #[arg(long, default_value_t = 30)]
    fps: u32,
    #[command(flatten)]
    framing: FramingArgs,
    /// Animate a damaged picture (a file cut short) as far as it decodes, instead of refusing
    /// it; the missing part shows grey.
    #[arg(long)]
    allow_damaged: bool,
}

/// Reports progress on stderr: a rewritten line on a terminal, every tenth otherwise.
pub(crate) fn progress_printer() -> impl FnMut(u32, u32) {
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
pub(crate) fn check_output(output: &Path) -> Result<()> {
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

pub(crate) fn cancel_on_ctrl_c() -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    // Without a handler the render still stops on Ctrl+C; it just leaves its temp file.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    cancel
}

fn animate(args: AnimateArgs) -> Result<()> {
    check_output(&args.output)?;
    let (picture, scaled_from) = load_picture_for_use(&args.image, args.allow_damaged)?;
    if let Some((w, h)) = scaled_from {
        eprintln!(
            "{} is {w}x{h}: animating it scaled down to {}x{}",
            args.image.display(),
            picture.width(),
            picture.height()
        );
    }
    let motion = args.motion.into_motion();
    let settings = ShotSettings {
        motion,
        seconds: args.seconds,
        fps: args.fps,
        preset: args.framing.preset,
        fit: args.framing.fit.unwrap_or_default(),
        crop: Crop::default(),
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
        Command::New(args) => storyboard::new(args),
        Command::AddShot(args) => storyboard::add_shot(args),
        Command::AddAudio(args) => storyboard::add_audio(args),
        Command::Snap(args) => storyboard::snap(args),
        Command::Render(args) => storyboard::render(args),
        Command::Beats(args) => beats(args),
        Command::Generate(args) => generate::generate(args),
        Command::Models(args) => models::models(args),
        Command::Script(args) => script::script(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
