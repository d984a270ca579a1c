//! The fuzzing loop: every seed of a target's corpus (and its kept regressions) first, then
//! mutants of them for a fixed number of executions or seconds. Each input runs on a worker
//! thread: a panic is a crash (caught with `catch_unwind`), an input that runs past the
//! target's time limit is a hang (the worker is abandoned and the target stops), a broken
//! invariant the target checks is a failure, and an execution whose memory peaks above the
//! limit is a memory finding. Every finding's input is written to `artifacts/<target>/`.
//!
//! There is no coverage instrumentation on stable Rust; instead an input whose outcome (the
//! error it gets, with numbers blanked) was not seen before joins the corpus, so the fuzzer
//! keeps and builds on inputs that reach new error paths.

use std::cell::RefCell;
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::memory;
use crate::mutate::Mutator;
use crate::targets::{Target, TargetSpec};

/// What one run of the fuzzer does.
#[derive(Debug, Clone)]
pub struct Options {
    /// Executions per target, the seeds included.
    pub executions: u64,
    /// Seconds per target at most (whichever of the two ends first).
    pub budget: Option<Duration>,
    pub seed: u64,
    /// The `fuzz/` folder: `corpus/`, `regressions/` and `artifacts/` are under it.
    pub root: PathBuf,
    /// An execution holding more memory than this at its peak is a finding.
    pub memory_limit: usize,
}

impl Options {
    pub fn new(root: PathBuf) -> Self {
        Self {
            executions: 1000,
            budget: None,
            seed: 1,
            root,
            memory_limit: 1 << 30,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FindingKind {
    Crash,
    Hang,
    Failure,
    Memory,
}

impl FindingKind {
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::Crash => "crash",
            FindingKind::Hang => "hang",
            FindingKind::Failure => "failure",
            FindingKind::Memory => "memory",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub kind: FindingKind,
    pub message: String,
    pub artifact: PathBuf,
}

/// What a target's run did.
#[derive(Debug, Clone)]
pub struct Report {
    pub target: &'static str,
    pub executions: u64,
    pub seconds: f64,
    /// Distinct outcomes seen (error kinds, successes).
    pub outcomes: usize,
    pub corpus: usize,
    pub slowest: Duration,
    pub peak_memory: usize,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn execs_per_second(&self) -> f64 {
        self.executions as f64 / self.seconds.max(1e-9)
    }

    pub fn summary(&self) -> String {
        format!(
            "{:<17} {:>7} execs {:>6.1} s {:>8.0}/s  {:>4} outcomes  corpus {:>3}  slowest {:>6.1} ms  peak {:>5} MB  findings {}",
            self.target,
            self.executions,
            self.seconds,
            self.execs_per_second(),
            self.outcomes,
            self.corpus,
            self.slowest.as_secs_f64() * 1e3,
            self.peak_memory >> 20,
            self.findings.len()
        )
    }
}

/// What one execution gave.
#[derive(Debug)]
pub enum Outcome {
    /// The parser answered (a value or an error): its signature.
    Answered(String),
    /// An invariant the target checks was broken.
    Failed(String),
    /// It panicked: where and why.
    Panicked(String),
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replaces the panic message printed to stderr by a note kept for the report (fuzzing panics
/// thousands of times on purpose in some runs; the report says what matters).
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = match info.payload().downcast_ref::<&str>() {
            Some(s) => (*s).to_owned(),
            None => info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "(no message)".into()),
        };
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("panicked at {location}: {message}")));
    }));
}

/// Runs one input through a target, catching a panic.
pub fn execute(target: &mut dyn Target, input: &[u8]) -> Outcome {
    LAST_PANIC.with(|p| p.borrow_mut().take());
    match catch_unwind(AssertUnwindSafe(|| target.run(input))) {
        Ok(Ok(signature)) => Outcome::Answered(signature),
        Ok(Err(failure)) => Outcome::Failed(failure),
        Err(payload) => {
            let noted = LAST_PANIC.with(|p| p.borrow_mut().take());
            Outcome::Panicked(noted.unwrap_or_else(|| {
                payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "panicked".into())
            }))
        }
    }
}

/// FNV-1a, to name artifacts by their content.
pub fn content_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The files of `dir`, sorted by name (none when it does not exist).
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// An outcome's signature for novelty: numbers and paths vary without meaning a new path
/// through the parser.
fn normalise(signature: &str) -> String {
    let mut out = String::with_capacity(signature.len().min(160));
    let mut last_digit = false;
    for c in signature.chars().take(160) {
        if c.is_ascii_digit() {
            if !last_digit {
                out.push('#');
            }
            last_digit = true;
        } else {
            out.push(c);
            last_digit = false;
        }
    }
    out
}

struct Worker {
    inputs: mpsc::Sender<Vec<u8>>,
    results: mpsc::Receiver<(Outcome, Duration, usize)>,
}

fn start_worker(spec: &'static TargetSpec, scratch: PathBuf) -> anyhow::Result<Worker> {
    let (input_tx, input_rx) = mpsc::channel::<Vec<u8>>();
    let (result_tx, result_rx) = mpsc::channel();
    let (ready_tx, ready_rx) = mpsc::channel::<Result<(), String>>();
    std::thread::Builder::new()
        .name(format!("fuzz-{}", spec.name))
        .stack_size(64 << 20)
        .spawn(move || {
            let mut target = match (spec.make)(&scratch) {
                Ok(t) => {
                    let _ = ready_tx.send(Ok(()));
                    t
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(format!("{e:#}")));
                    return;
                }
            };
            while let Ok(input) = input_rx.recv() {
                memory::reset_peak();
                let (before, _) = memory::live_and_peak();
                let start = Instant::now();
                let outcome = execute(target.as_mut(), &input);
                let elapsed = start.elapsed();
                let (_, peak) = memory::live_and_peak();
                if result_tx
                    .send((outcome, elapsed, peak.saturating_sub(before)))
                    .is_err()
                {
                    return;
                }
            }
        })?;
    ready_rx
        .recv()
        .map_err(|_| anyhow::anyhow!("{}: the target's worker stopped", spec.name))?
        .map_err(|e| anyhow::anyhow!("{}: cannot set the target up: {e}", spec.name))?;
    Ok(Worker {
        inputs: input_tx,
        results: result_rx,
    })
}

/// Reads the seeds: the corpus, then the kept regressions (both are valid starting points).
pub fn seeds(root: &Path, spec: &TargetSpec) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for folder in ["corpus", "regressions"] {
        for path in files_in(&root.join(folder).join(spec.name)) {
            if let Ok(bytes) = std::fs::read(&path) {
                out.push(bytes);
            }
        }
    }
    out
}

/// The corpus stops growing here: a bigger one only dilutes the seeds.
const MAX_CORPUS: usize = 400;

/// Fuzzes one target.
pub fn fuzz(spec: &'static TargetSpec, options: &Options) -> anyhow::Result<Report> {
    let scratch = tempfile::Builder::new()
        .prefix(&format!("motionboard-fuzz-{}-", spec.name))
        .tempdir()?;
    let worker = start_worker(spec, scratch.path().to_owned())?;
    let artifacts = options.root.join("artifacts").join(spec.name);
    let mut corpus = seeds(&options.root, spec);
    if corpus.is_empty() {
        anyhow::bail!(
            "{}: no seeds in {}",
            spec.name,
            options.root.join("corpus").join(spec.name).display()
        );
    }
    let seed_count = corpus.len();
    let mut mutator = Mutator::new(
        options.seed ^ content_hash(spec.name.as_bytes()),
        spec.dictionary,
    );
    let mut seen: HashSet<String> = HashSet::new();
    let mut reported: HashSet<(FindingKind, String)> = HashSet::new();
    let mut report = Report {
        target: spec.name,
        executions: 0,
        seconds: 0.0,
        outcomes: 0,
        corpus: 0,
        slowest: Duration::ZERO,
        peak_memory: 0,
        findings: Vec::new(),
    };
    let start = Instant::now();
    let mut index = 0u64;
    while report.executions < options.executions
        && options.budget.is_none_or(|b| start.elapsed() < b)
    {
        let input = if (index as usize) < seed_count {
            corpus[index as usize].clone()
        } else {
            let parent = &corpus[mutator.rng().below(corpus.len())];
            mutator.mutate(parent, &corpus, spec.format, spec.max_len)
        };
        index += 1;
        let hash = content_hash(&input);
        let name = |kind: FindingKind| {
            artifacts.join(format!("{}-{hash:016x}.{}", kind.name(), spec.extension))
        };
        memory::set_current(name(FindingKind::Memory), &input);
        worker.inputs.send(input.clone())?;
        report.executions += 1;
        let (outcome, elapsed, peak) = match worker.results.recv_timeout(spec.time_limit) {
            Ok(result) => result,
            Err(_) => {
                let artifact = name(FindingKind::Hang);
                write_artifact(&artifact, &input)?;
                report.findings.push(Finding {
                    kind: FindingKind::Hang,
                    message: format!("ran longer than {:?}", spec.time_limit),
                    artifact,
                });
                // The worker is stuck in the input; leave it and stop this target.
                break;
            }
        };
        report.slowest = report.slowest.max(elapsed);
        report.peak_memory = report.peak_memory.max(peak);
        let mut finding = |kind: FindingKind,
                           message: String,
                           input: &[u8]|
         -> anyhow::Result<()> {
            // One report per distinct message (location for a panic): the same bug found
            // again by another input adds nothing.
            let key = match kind {
                // A panic is known by where it happened, whatever its message says.
                FindingKind::Crash => (kind, message.split(": ").next().unwrap_or("").to_owned()),
                _ => (kind, normalise(&message)),
            };
            if reported.insert(key) {
                let artifact = name(kind);
                write_artifact(&artifact, input)?;
                report.findings.push(Finding {
                    kind,
                    message,
                    artifact,
                });
            }
            Ok(())
        };
        match outcome {
            Outcome::Panicked(message) => finding(FindingKind::Crash, message, &input)?,
            Outcome::Failed(message) => finding(FindingKind::Failure, message, &input)?,
            Outcome::Answered(signature) => {
                if peak > options.memory_limit {
                    finding(
                        FindingKind::Memory,
                        format!("held {} MB for a {}-byte input", peak >> 20, input.len()),
                        &input,
                    )?;
                } else if seen.insert(normalise(&signature))
                    && corpus.len() < MAX_CORPUS
                    && index as usize > seed_count
                {
                    corpus.push(input);
                }
            }
        }
    }
    report.seconds = start.elapsed().as_secs_f64();
    report.outcomes = seen.len();
    report.corpus = corpus.len();
    Ok(report)
}

fn write_artifact(path: &Path, input: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, input)?;
    Ok(())
}
