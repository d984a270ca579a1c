//! The storyboard commands: `new`, `add-shot`, `add-audio`, `snap` and `render` of a
//! project folder. Each loads project.json, changes it in memory, checks it, and saves it
//! (atomically) only as its very last step, so a command that fails leaves project.json
//! byte for byte as it was. Imported files go into assets/ only once everything else has
//! been checked.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use studio::project::{
    store, AudioClip, Project, Shot, ShotSize, ShotSource, Transition, TransitionKind,
};
use studio::sequence::{beats_on_sequence, export_sequence, snap_to_beats, Timing};

use crate::args::{FramingArgs, GenerationArgs, MotionArgs};
use crate::{cancel_on_ctrl_c, check_output, progress_printer};

#[derive(clap::Args)]
pub struct NewArgs {
    /// The folder to create the project in (new, or empty).
    dir: PathBuf,
    /// The project's name (the folder's name by default).
    #[arg(long)]
    name: Option<String>,
}

#[derive(clap::Args)]
pub struct AddShotArgs {
    /// The project folder.
    dir: PathBuf,
    /// The shot's picture (JPEG, PNG or WebP); leave it out with --continue.
    #[arg(required_unless_present = "continue_previous")]
    image: Option<PathBuf>,
    /// Start from the previous shot's last frame instead of a picture.
    #[arg(long = "continue", conflicts_with = "image")]
    continue_previous: bool,
    /// Import a damaged picture (a file cut short) as far as it decodes, instead of refusing
    /// it; the missing part shows grey.
    #[arg(long)]
    allow_damaged: bool,
    /// The shot's name ("Shot N" by default).
    #[arg(long)]
    name: Option<String>,
    /// Duration in seconds.
    #[arg(long, default_value_t = 5.0)]
    seconds: f32,
    /// What the video model should make of the shot.
    #[arg(long, default_value = "")]
    prompt: String,
    /// What it should avoid.
    #[arg(long, default_value = "")]
    negative_prompt: String,
    /// Shot size: extreme-long, long, full, medium, close-up, extreme-close-up.
    #[arg(long, default_value = "medium", value_parser = shot_size)]
    size: ShotSize,
    /// Generation seed.
    #[arg(long, default_value_t = 0)]
    seed: u32,
    #[command(flatten)]
    motion: MotionArgs,
    #[command(flatten)]
    generation: GenerationArgs,
    /// The transition into the next shot: cut, crossfade or dip (to black).
    #[arg(long, default_value = "cut", value_parser = transition_kind)]
    transition: TransitionKind,
    /// The transition's length in seconds (0.5 by default for crossfade and dip).
    #[arg(long)]
    transition_seconds: Option<f32>,
}

#[derive(clap::Args)]
pub struct AddAudioArgs {
    /// The project folder.
    dir: PathBuf,
    /// The sound file: wav, flac, ogg (vorbis), mp3 or m4a (aac), recognised by content.
    file: PathBuf,
    /// Where the clip starts on the sequence, in seconds.
    #[arg(long, default_value_t = 0.0)]
    start: f64,
    /// Gain in dB (0 leaves it as is, -6 halves it).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    gain: f32,
    /// The clip's name (the file's name by default).
    #[arg(long)]
    name: Option<String>,
}

#[derive(clap::Args)]
pub struct SnapArgs {
    /// The project folder.
    dir: PathBuf,
}

#[derive(clap::Args)]
pub struct RenderArgs {
    /// The project folder (the one holding project.json).
    project: PathBuf,
    /// Where to write the MP4.
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    framing: FramingArgs,
}

fn shot_size(name: &str) -> Result<ShotSize, String> {
    ShotSize::from_name(name).ok_or_else(|| {
        let names: Vec<_> = ShotSize::ALL.iter().map(|s| s.name()).collect();
        format!("unknown shot size; use one of {}", names.join(", "))
    })
}

fn transition_kind(name: &str) -> Result<TransitionKind, String> {
    TransitionKind::from_name(name)
        .ok_or_else(|| "unknown transition; use cut, crossfade or dip".to_string())
}

/// `project` with its change checked as a whole, before any file is written.
fn check(dir: &Path, project: &Project) -> Result<()> {
    store::validate(&dir.join(store::PROJECT_FILE), project)?;
    Ok(())
}

pub fn new(args: NewArgs) -> Result<()> {
    if args.dir.join(store::PROJECT_FILE).exists() {
        bail!(
            "{} already holds a project; choose another folder for a new one",
            args.dir.display()
        );
    }
    let name = args.name.unwrap_or_else(|| {
        args.dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    store::create_with(&args.dir, &Project::empty(name))?;
    eprintln!("created {}", args.dir.display());
    Ok(())
}

pub fn add_shot(args: AddShotArgs) -> Result<()> {
    let mut project = store::load(&args.dir)?;
    let number = project.shots.len() + 1;
    let mut shot = Shot::new(
        project.fresh_id("shot"),
        args.name.unwrap_or_else(|| format!("Shot {number}")),
    );
    shot.seconds = args.seconds;
    shot.prompt = args.prompt;
    shot.negative_prompt = args.negative_prompt;
    shot.shot_size = args.size;
    shot.seed = args.seed;
    shot.motion = args.motion.into_motion();
    shot.generation = args.generation.into_generation();
    let default_seconds = match args.transition {
        TransitionKind::Cut => 0.0,
        _ => 0.5,
    };
    shot.transition = Transition {
        kind: args.transition,
        seconds: args.transition_seconds.unwrap_or(default_seconds),
    };
    if args.continue_previous {
        if project.shots.is_empty() {
            bail!("the first shot cannot continue from a previous one; give it a picture");
        }
        shot.source = ShotSource::PreviousShot;
    } else {
        // Checked with a stand-in picture first, so a bad option imports nothing.
        shot.image = Some(format!("{}/pending.png", store::ASSETS_DIR));
    }
    project.shots.push(shot);
    check(&args.dir, &project)?;
    if let Some(image) = &args.image {
        let options = store::ImportOptions {
            allow_damaged: args.allow_damaged,
        };
        let imported = store::import_image_with(&args.dir, image, options)?;
        if let Some(damage) = &imported.damage {
            eprintln!(
                "warning: {} is damaged ({damage}); imported as far as it decodes",
                image.display()
            );
        }
        if let Some(original) = &imported.original {
            eprintln!(
                "{} is {}x{}: the shot uses a copy scaled down to {}x{}; the original is kept \
                 in the project as {}",
                image.display(),
                original.width,
                original.height,
                imported.width,
                imported.height,
                original.asset
            );
        }
        let shot = project.shots.last_mut().context("the shot just added")?;
        shot.image = Some(imported.asset);
        shot.image_size = Some((imported.width, imported.height));
    }
    store::save(&args.dir, &project)?;
    let shot = project.shots.last().context("the shot just added")?;
    eprintln!(
        "added shot {number} (\"{}\", {} s) to {}",
        shot.name,
        shot.seconds,
        args.dir.display()
    );
    Ok(())
}

pub fn add_audio(args: AddAudioArgs) -> Result<()> {
    let mut project = store::load(&args.dir)?;
    let name = args.name.unwrap_or_else(|| {
        args.file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let mut clip = AudioClip::new(
        project.fresh_id("audio"),
        name,
        format!("{}/pending.wav", store::ASSETS_DIR),
        0.0,
    );
    clip.start = args.start;
    clip.gain_db = args.gain;
    project.audio.push(clip);
    check(&args.dir, &project)?;
    let imported = store::import_audio(&args.dir, &args.file)?;
    if let Some(warning) = &imported.warning {
        eprintln!("warning: {warning}");
    }
    let clip = project.audio.last_mut().context("the clip just added")?;
    clip.file = imported.asset;
    clip.file_seconds = imported.seconds;
    store::save(&args.dir, &project)?;
    eprintln!(
        "added {} ({:.1} s) at {} s",
        args.file.display(),
        imported.seconds,
        args.start
    );
    Ok(())
}

pub fn snap(args: SnapArgs) -> Result<()> {
    let mut project = store::load(&args.dir)?;
    let clip = project.audio.first().cloned().with_context(|| {
        format!(
            "{} has no audio clip to take beats from; add one with motionboard add-audio",
            args.dir.display()
        )
    })?;
    if project.shots.len() < 2 {
        bail!("snapping moves the cuts between shots; the project needs at least two shots");
    }
    let path = store::asset_path(&args.dir, &clip.file)?;
    let loaded =
        studio::audio::load(&path).with_context(|| format!("audio clip \"{}\"", clip.name))?;
    let analysis = studio::audio::analyze(&loaded.pcm);
    if analysis.beats.is_empty() {
        bail!(
            "no steady beat found in audio clip \"{}\"; snapping needs music with a beat",
            clip.name
        );
    }
    let beats = beats_on_sequence(&clip, &analysis.beats);
    let fps = project.export.fps();
    let report = snap_to_beats(&mut project.shots, &beats, fps);
    store::save(&args.dir, &project)?;
    eprintln!(
        "{:.1} BPM in \"{}\"; {} of {} cuts on a beat",
        analysis.bpm,
        clip.name,
        report.iter().filter(|c| c.beat.is_some()).count(),
        report.len()
    );
    let mut stdout = String::new();
    for (i, cut) in report.iter().enumerate() {
        match cut.beat {
            Some(beat) => eprintln!("cut {}: {:.3} s (beat at {beat:.3} s)", i + 1, cut.cut),
            None => eprintln!(
                "cut {}: {:.3} s (no beat in reach; length kept)",
                i + 1,
                cut.cut
            ),
        }
        stdout.push_str(&format!("{:.4}\n", cut.cut));
    }
    print!("{stdout}");
    Ok(())
}

pub fn render(args: RenderArgs) -> Result<()> {
    check_output(&args.output)?;
    let project = store::load(&args.project)?;
    let export = studio::project::ExportSettings {
        preset: args.framing.preset.or(project.export.preset),
        fit: args.framing.fit.unwrap_or(project.export.fit),
    };
    let cancel = cancel_on_ctrl_c();
    let started = std::time::Instant::now();
    let done = export_sequence(
        &args.project,
        &project,
        export,
        &args.output,
        progress_printer(),
        &cancel,
    )
    .with_context(|| format!("rendering {}", args.project.display()))?;
    let timing: &Timing = &done.timing;
    eprintln!(
        "wrote {}: {} shots, {} frames ({:.3} s) at {}x{}{} in {:.1} s",
        args.output.display(),
        timing.shots.len(),
        timing.total_frames,
        timing.total_seconds(),
        done.spec.width,
        done.spec.height,
        if done.with_audio { " with sound" } else { "" },
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
