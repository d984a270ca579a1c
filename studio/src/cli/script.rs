//! `motionboard script DIR FILE`: a scene script (one beat per line or sentence, "Shot 3: ..."
//! lines, screenplay headings) becomes shots at the end of the project's storyboard, each with
//! its beat as the prompt and a shot size from `studio::script`'s rule. Like the other
//! project commands it saves only as its last step: a script that cannot be used leaves
//! project.json as it was.

use std::path::PathBuf;

use anyhow::{Context, Result};
use studio::project::{store, ShotSource};
use studio::script::storyboard_from_script;

#[derive(clap::Args)]
pub struct ScriptArgs {
    /// The project folder.
    dir: PathBuf,
    /// The script: a UTF-8 text file.
    file: PathBuf,
}

pub fn script(args: ScriptArgs) -> Result<()> {
    let mut project = store::load(&args.dir)?;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read the script {}", args.file.display()))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        anyhow::anyhow!(
            "{} is not UTF-8 text; save the script as UTF-8 and try again",
            args.file.display()
        )
    })?;
    let board = storyboard_from_script(&project, &text)
        .with_context(|| format!("{}", args.file.display()))?;
    project.shots = board.shots;
    store::validate(&args.dir.join(store::PROJECT_FILE), &project)?;
    store::save(&args.dir, &project)?;
    let first = board.first_new as usize;
    // The plan on stdout, one shot a line (name, size, seconds, prompt), for scripts to read.
    for shot in &project.shots[first..] {
        println!(
            "{}\t{}\t{}\t{}",
            shot.name,
            shot.shot_size.name(),
            shot.seconds,
            shot.prompt
        );
    }
    let waiting = project.shots[first..]
        .iter()
        .filter(|s| s.source == ShotSource::Image && s.image.is_none())
        .count();
    eprintln!(
        "added {} shots to {}{}",
        board.added,
        args.dir.display(),
        if waiting > 0 {
            "; give the first one a picture (the others continue from it)"
        } else {
            ""
        }
    );
    Ok(())
}
