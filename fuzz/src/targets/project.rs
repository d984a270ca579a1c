//! project.json as the app and the CLI open it (`store::load`, upgrades from version 1
//! included) and the autosave beside it (`store::open`). Whatever the file holds: an error or
//! a project; a project that opened saves and opens again as the same project (a file the
//! app accepts but cannot write back would lose the creator's work at the next save); and a
//! damaged autosave never makes a sound project unopenable.

use std::path::{Path, PathBuf};
use std::time::Duration;

use studio::generate::shot_recipe;
use studio::project::store::{self, AUTOSAVE_FILE, PROJECT_FILE};
use studio::project::Project;
use studio::sequence::Timing;

use super::{answer, Target, TargetSpec};
use crate::mutate::Format;

pub const SPEC: TargetSpec = TargetSpec {
    name: "project",
    about: "project.json (and the v1 upgrade) through store::load, and the autosave through store::open",
    format: Format::Json,
    max_len: 64 << 10,
    time_limit: Duration::from_secs(2),
    extension: "json",
    dictionary: &[
        b"schema_version", b"shots", b"name", b"image", b"assets/a.jpg", b"image_size",
        b"seconds", b"motion", b"paths", b"points", b"radius", b"statics", b"camera", b"kind",
        b"zoom-in", b"pan-left", b"orbit", b"amount", b"easing", b"keys", b"zoom", b"roll",
        b"source", b"previous-shot", b"prompt", b"negative_prompt", b"shot_size", b"close-up",
        b"transition", b"dissolve", b"fade-through-black", b"subjects", b"generation",
        b"engine", b"wan-image-to-video", b"wan-text-to-video", b"steps", b"frames", b"size",
        b"guidance", b"shift", b"t_weak", b"t_strong", b"result", b"crop", b"export",
        b"preset", b"fit", b"blur", b"audio", b"file", b"file_seconds", b"start", b"gain_db",
        b"trim_in", b"trim_out", b"fade_in", b"fade_out", b"images", b"id", b"seed",
    ],
    make,
};

struct ProjectTarget {
    /// Where the input is opened as project.json.
    opened: PathBuf,
    /// A sound project whose autosave is the input.
    recovered: PathBuf,
}

fn make(scratch: &Path) -> anyhow::Result<Box<dyn Target>> {
    let opened = scratch.join("opened");
    let recovered = scratch.join("recovered");
    std::fs::create_dir_all(&opened)?;
    store::create(&recovered, "Sound")?;
    Ok(Box::new(ProjectTarget { opened, recovered }))
}

impl Target for ProjectTarget {
    fn run(&mut self, input: &[u8]) -> Result<String, String> {
        let io = |e: std::io::Error| format!("scratch folder: {e}");
        std::fs::write(self.opened.join(PROJECT_FILE), input).map_err(io)?;
        let loaded = store::load(&self.opened);
        let signature = answer("load", &loaded);
        if let Ok(project) = &loaded {
            use_project(project)?;
        }

        std::fs::write(self.recovered.join(AUTOSAVE_FILE), input).map_err(io)?;
        match store::open(&self.recovered) {
            Ok(_) => {}
            Err(e) => {
                return Err(format!(
                    "a sound project with this autosave beside it did not open: {e}"
                ))
            }
        }
        Ok(signature)
    }
}

/// What the app does with a project it opened: times the sequence, keys the shots' results,
/// and saves it again (the saved text must open as the same project).
fn use_project(project: &Project) -> Result<(), String> {
    let timing = Timing::new(&project.shots, project.export.fps());
    let _ = timing.total_seconds();
    let _ = timing.starts();
    for index in 0..project.shots.len() {
        let _ = shot_recipe(project, index);
    }
    let _ = project.assets();
    let saved = serde_json::to_vec_pretty(project)
        .map_err(|e| format!("the opened project cannot be written as JSON: {e}"))?;
    let text = String::from_utf8_lossy(&saved);
    match store::parse_project(Path::new(PROJECT_FILE), &text) {
        Ok(again) if &again == project => Ok(()),
        Ok(_) => Err("the opened project, saved and opened again, is another project".into()),
        Err(e) => Err(format!(
            "the opened project, saved, does not open again: {e}"
        )),
    }
}
