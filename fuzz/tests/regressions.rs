//! Every input in `fuzz/regressions/<target>/` (each once crashed, hung or broke an invariant
//! of a parser, since fixed) and every seed in `fuzz/corpus/<target>/` runs through its
//! target once: each must get an answer (a value or an error), within the target's time
//! limit, without a panic.

use std::path::Path;
use std::sync::mpsc;

use fuzz::engine::{self, files_in, Outcome};
use fuzz::targets::{self, TargetSpec};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `files` through `spec` on a thread of their own, so a hang fails the test instead of
/// stalling it.
fn replay(spec: &'static TargetSpec, files: Vec<std::path::PathBuf>) -> Vec<String> {
    let (tx, rx) = mpsc::channel();
    let limit = spec.time_limit * 5 * (files.len().max(1) as u32);
    std::thread::spawn(move || {
        let scratch = tempfile::tempdir().expect("a scratch folder");
        let mut target = (spec.make)(scratch.path()).expect("the target sets up");
        let mut problems = Vec::new();
        for file in &files {
            let input = std::fs::read(file).expect("the file reads");
            match engine::execute(target.as_mut(), &input) {
                Outcome::Answered(_) => {}
                Outcome::Failed(m) => problems.push(format!("{}: {m}", file.display())),
                Outcome::Panicked(m) => problems.push(format!("{}: {m}", file.display())),
            }
        }
        let _ = tx.send(problems);
    });
    match rx.recv_timeout(limit) {
        Ok(problems) => problems,
        Err(_) => vec![format!("{}: hung (more than {limit:?})", spec.name)],
    }
}

#[test]
fn every_kept_input_and_seed_gets_an_answer() {
    engine::install_panic_hook();
    let mut problems = Vec::new();
    let mut replayed = 0;
    for spec in targets::all() {
        let mut files = files_in(&root().join("regressions").join(spec.name));
        files.extend(files_in(&root().join("corpus").join(spec.name)));
        replayed += files.len();
        problems.extend(replay(spec, files));
    }
    assert!(replayed > 40, "only {replayed} files replayed");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_target_has_seeds_and_every_kept_folder_a_target() {
    for spec in targets::all() {
        let seeds = files_in(&root().join("corpus").join(spec.name));
        assert!(!seeds.is_empty(), "{} has no seeds", spec.name);
        let bytes: u64 = seeds
            .iter()
            .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
            .sum();
        assert!(
            bytes < 400 << 10,
            "{}: the corpus is {bytes} bytes",
            spec.name
        );
    }
    for folder in ["corpus", "regressions"] {
        for entry in std::fs::read_dir(root().join(folder)).expect("the folder exists") {
            let name = entry.expect("an entry").file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            assert!(
                targets::find(&name).is_some(),
                "{folder}/{name} belongs to no target"
            );
        }
    }
}

#[test]
fn a_short_run_is_deterministic_for_a_seed() {
    let spec = targets::find("script").expect("the script target");
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let run = |seed: u64| {
        let mut options = engine::Options::new(root().to_owned());
        options.executions = 150;
        options.seed = seed;
        // Artifacts of this run stay out of the repository.
        let copy = scratch.path().join(format!("root-{seed}"));
        for folder in ["corpus", "regressions"] {
            let from = root().join(folder).join(spec.name);
            let to = copy.join(folder).join(spec.name);
            std::fs::create_dir_all(&to).expect("a folder");
            for f in files_in(&from) {
                std::fs::copy(&f, to.join(f.file_name().expect("a name"))).expect("a copy");
            }
        }
        options.root = copy;
        let report = engine::fuzz(spec, &options).expect("the run");
        (report.executions, report.outcomes, report.corpus)
    };
    assert_eq!(run(5), run(5));
    assert_eq!(run(5).0, 150);
}
