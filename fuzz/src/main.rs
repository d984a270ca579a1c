//! `motionboard-fuzz`: runs the fuzz targets for a fixed number of executions (or seconds)
//! from a seed, and replays inputs. Exits non-zero when anything was found, naming the file
//! each finding's input was written to.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use fuzz::engine::{self, Options, Outcome};
use fuzz::targets::{self, TargetSpec};

#[global_allocator]
static ALLOCATOR: fuzz::memory::Counting = fuzz::memory::Counting;

/// Fuzz Motionboard's file parsers.
#[derive(Parser)]
#[command(name = "motionboard-fuzz")]
struct Args {
    /// A target's name, or `all`; `list` prints the targets.
    target: String,
    /// Executions per target (the seeds included).
    #[arg(long, default_value_t = 1000)]
    executions: u64,
    /// Seconds per target at most (stops at whichever of this and --executions comes first).
    #[arg(long)]
    budget_seconds: Option<f64>,
    /// The random seed: the same seed and counts give the same inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// An execution holding more than this many MB at its peak is a finding.
    #[arg(long, default_value_t = 1024)]
    memory_limit_mb: usize,
    /// Runs these files through the target once each instead of fuzzing.
    #[arg(long, num_args = 1..)]
    replay: Vec<PathBuf>,
    /// The fuzz folder (corpus/, regressions/, artifacts/).
    #[arg(long, default_value = env!("CARGO_MANIFEST_DIR"))]
    root: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    // Far above any input's honest need; an allocation this large is written out and aborts.
    fuzz::memory::limit_single_allocation(4 << 30);
    if args.target == "list" {
        for t in targets::all() {
            println!("{:<17} {}", t.name, t.about);
        }
        return ExitCode::SUCCESS;
    }
    let chosen: Vec<&'static TargetSpec> = if args.target == "all" {
        targets::all().iter().collect()
    } else {
        match targets::find(&args.target) {
            Some(t) => vec![t],
            None => {
                eprintln!(
                    "motionboard-fuzz: no target `{}`; `motionboard-fuzz list` names them",
                    args.target
                );
                return ExitCode::from(2);
            }
        }
    };
    engine::install_panic_hook();
    if !args.replay.is_empty() {
        return replay(&chosen, &args.replay);
    }
    let mut options = Options::new(args.root.clone());
    options.executions = args.executions;
    options.budget = args.budget_seconds.map(Duration::from_secs_f64);
    options.seed = args.seed;
    options.memory_limit = args.memory_limit_mb << 20;
    let mut found = 0;
    let mut total = 0;
    for spec in chosen {
        match engine::fuzz(spec, &options) {
            Ok(report) => {
                println!("{}", report.summary());
                total += report.executions;
                for f in &report.findings {
                    found += 1;
                    println!(
                        "  {} {}: {}\n    input written to {}; replay it with \
                         `motionboard-fuzz {} --replay {}`; once fixed, move it to \
                         fuzz/regressions/{}/",
                        f.kind.name().to_uppercase(),
                        spec.name,
                        f.message,
                        f.artifact.display(),
                        spec.name,
                        f.artifact.display(),
                        spec.name
                    );
                }
            }
            Err(e) => {
                eprintln!("motionboard-fuzz: {e:#}");
                return ExitCode::from(2);
            }
        }
    }
    println!("{total} executions, {found} findings (seed {})", args.seed);
    if found > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn replay(chosen: &[&'static TargetSpec], files: &[PathBuf]) -> ExitCode {
    let [spec] = chosen else {
        eprintln!("motionboard-fuzz: --replay needs one target");
        return ExitCode::from(2);
    };
    let scratch = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("motionboard-fuzz: {e}");
            return ExitCode::from(2);
        }
    };
    let mut target = match (spec.make)(scratch.path()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("motionboard-fuzz: {}: {e:#}", spec.name);
            return ExitCode::from(2);
        }
    };
    let mut bad = 0;
    for file in files {
        let input = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("motionboard-fuzz: {}: {e}", file.display());
                return ExitCode::from(2);
            }
        };
        let start = std::time::Instant::now();
        let outcome = engine::execute(target.as_mut(), &input);
        let ms = start.elapsed().as_secs_f64() * 1e3;
        match outcome {
            Outcome::Answered(s) => println!("{}: {s} ({ms:.1} ms)", file.display()),
            Outcome::Failed(s) => {
                bad += 1;
                println!("{}: FAILURE {s} ({ms:.1} ms)", file.display());
            }
            Outcome::Panicked(s) => {
                bad += 1;
                println!("{}: CRASH {s} ({ms:.1} ms)", file.display());
            }
        }
    }
    if bad > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
