//! The fuzz targets: one per parser of a file a user or a download hands Motionboard, each
//! calling the entry points the app and the CLI call (not internal helpers), and checking
//! what must hold whatever the file says.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::mutate::Format;

mod audio;
mod model_config;
mod picture;
mod project;
mod safetensors;
mod script;
mod spiece;
mod tokenizer_json;
mod weights_index;

/// One input through a parser.
pub trait Target {
    /// `Ok`: what the parser answered, as a short signature (a new one makes the input
    /// interesting); `Err`: an invariant that must hold for every file was broken.
    fn run(&mut self, input: &[u8]) -> Result<String, String>;
}

/// A target: its name, how its inputs are mutated and how it is set up.
pub struct TargetSpec {
    pub name: &'static str,
    pub about: &'static str,
    pub format: Format,
    /// Inputs are cut to this length, so the time limit means something.
    pub max_len: usize,
    /// An input running longer is a hang.
    pub time_limit: Duration,
    /// The extension of written artifacts.
    pub extension: &'static str,
    /// Tokens the mutator inserts (magic numbers, field names, keywords).
    pub dictionary: &'static [&'static [u8]],
    /// Sets the target up in a scratch folder of its own.
    pub make: fn(&Path) -> anyhow::Result<Box<dyn Target>>,
}

/// Every target, in the order `all` runs them.
pub fn all() -> &'static [TargetSpec] {
    &TARGETS
}

pub fn find(name: &str) -> Option<&'static TargetSpec> {
    TARGETS.iter().find(|t| t.name == name)
}

static TARGETS: [TargetSpec; 13] = [
    project::SPEC,
    safetensors::SPEC,
    weights_index::SPEC,
    picture::SPEC,
    audio::SPEC,
    script::SPEC,
    model_config::DIT,
    model_config::VAE,
    model_config::T5,
    model_config::SCHEDULER,
    model_config::MODEL_INDEX,
    tokenizer_json::SPEC,
    spiece::SPEC,
];

/// The repository's root (the fuzz crate sits in `fuzz/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new(".."))
        .to_owned()
}

/// The models crate's committed fixtures (tiny packages, shards, tokenizers).
pub fn model_fixtures() -> PathBuf {
    repo_root().join("models").join("fixtures")
}

/// A signature for a parser's answer: "ok" or its error's first line.
pub fn answer<T, E: std::fmt::Display>(what: &str, result: &Result<T, E>) -> String {
    match result {
        Ok(_) => format!("{what}: ok"),
        Err(e) => {
            let text = e.to_string();
            format!("{what}: {}", text.lines().next().unwrap_or(""))
        }
    }
}

/// Copies every file under `from` into `to` (folders included), skipping files for which
/// `keep` is false.
pub fn copy_tree(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_tree(&path, &target, keep)?;
        } else if keep(&path) {
            std::fs::copy(&path, &target)?;
        }
    }
    Ok(())
}

/// Prompts a tokenizer is tried with: plain, empty, unusual characters, long.
pub const PROMPTS: [&str; 4] = [
    "a dog runs along the beach",
    "",
    "ß漢字🎬 tabs\tand\nnew lines  and   spaces \u{200b}",
    "many words many words many words many words many words many words many words many \
     words many words many words many words many words many words many words",
];
