//! The generate queue: shots waiting for the video model, run one at a time on one worker
//! thread. The engine (a [`ShotGenerator`], which opens the GPU device and keeps the last
//! model package loaded) is created once, on first use, and shared with the status check,
//! which only borrows it when no shot is generating: opening a device and loading a model are
//! the expensive parts, and a second device would double the GPU memory.
//!
//! The app and the CLI share it: each job reports to the [`JobSink`] it was queued with
//! (the app forwards to the window, the CLI prints): events (queued, started, done, failed,
//! cancelled) and every denoising step with its preview.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, TryLockError};

use models::pipeline::FailureKind;
use serde::Serialize;
use ts_rs::TS;

use super::cache::{GeneratedClip, ResultCache};
use super::error::GenerateError;
use super::run::{GenerateOptions, ShotGenerator, StepUpdate};
use crate::model_store::discover::ready_packages;
use crate::model_store::{list, Locations, PackageStatus};
use crate::project::{Engine, Project};

/// What a job reports (besides its steps: [`JobSink::step`]).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum GenerateEvent {
    /// The job waits its turn.
    Queued {
        job: u32,
        shot_id: String,
        /// The shot's index in the storyboard when it was queued.
        shot: u32,
    },
    /// The job started on `device` (the model loads before its first step).
    Started { job: u32, device: String },
    /// The shot's frames are in the project's cache under `key`: record it as the shot's
    /// result.
    Done {
        job: u32,
        shot_id: String,
        key: String,
        /// Already in the cache: nothing had to be generated.
        cached: bool,
        width: u32,
        height: u32,
        frames: u32,
    },
    /// The job stopped on an error; the shot keeps its previous result.
    Failed {
        job: u32,
        shot_id: String,
        message: String,
    },
    /// The job was cancelled (before or while running); the shot keeps its previous result.
    Cancelled { job: u32, shot_id: String },
}

/// Where a shot stands with the video model.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum GenerationStatus {
    /// The shot uses the warp engine: nothing to generate.
    Warp,
    /// The shot's result is its current settings' result.
    UpToDate { key: String },
    /// The settings changed since the result was made (or there is none). `cached`: the
    /// result for these settings is already on disk, so generating is instant.
    NeedsGenerating { key: String, cached: bool },
    /// No installed model package runs the shot's engine (or the one it names).
    NoModel { message: String },
    /// Something else stops it (no picture, the previous shot not generated, the device).
    Blocked { message: String },
    /// The engine is busy generating; ask again when the queue is idle.
    Busy,
}

/// Where a job's reports go: the app's window, the CLI's terminal, a test's recorder. Called
/// on the queue's worker thread (and on the caller's for `Queued` and early cancels).
pub trait JobSink: Send + Sync {
    /// A job's event.
    fn event(&self, event: &GenerateEvent);
    /// Job `job` finished a denoising step. Returning false cancels the job.
    fn step(&self, job: u32, update: &StepUpdate) -> bool;
}

/// One shot waiting for (or in) the engine.
struct Job {
    id: u32,
    shot_id: String,
    dir: PathBuf,
    project: Arc<Project>,
    cancel: Arc<AtomicBool>,
    sink: Arc<dyn JobSink>,
}

impl Job {
    fn index(&self) -> Option<usize> {
        self.project.shots.iter().position(|s| s.id == self.shot_id)
    }

    fn send(&self, event: &GenerateEvent) {
        self.sink.event(event);
    }
}

#[derive(Default)]
struct Waiting {
    pending: VecDeque<Job>,
    /// The running job's id, shot and cancel flag.
    running: Option<(u32, String, Arc<AtomicBool>)>,
    next_id: u32,
    worker_started: bool,
}

/// The engine, made on first use; `None` again after a failure that may have left it broken.
type EngineSlot = Mutex<Option<ShotGenerator>>;

/// Where the engine runs and which packages it may use: the environment and the model store
/// in the app, the command line in the CLI, fixed ones in tests. Each is asked when needed,
/// so a package installed while the app runs is used by the next job.
pub struct QueueSources {
    /// Where the engine runs (asked once, when it is first opened).
    pub options: Box<dyn Fn() -> Result<GenerateOptions, String> + Send + Sync>,
    /// The ready model packages' folders.
    pub packages: Box<dyn Fn() -> Result<Vec<PathBuf>, String> + Send + Sync>,
    /// The model store's statuses, for sharper step previews with a TAEHV decoder (empty:
    /// the latent projection).
    pub statuses: Box<dyn Fn() -> Vec<PackageStatus> + Send + Sync>,
}

impl QueueSources {
    /// The ready packages and statuses of the model store at `locations`, the engine where
    /// `options` says.
    pub fn from_store(
        options: impl Fn() -> Result<GenerateOptions, String> + Send + Sync + 'static,
        locations: Locations,
    ) -> Self {
        let store = Arc::new(locations);
        let for_statuses = store.clone();
        Self {
            options: Box::new(options),
            packages: Box::new(move || {
                Ok(ready_packages(&store, None)
                    .into_iter()
                    .map(|(_, root)| root)
                    .collect())
            }),
            statuses: Box::new(move || list(&for_statuses)),
        }
    }
}

/// The queue and its engine (kept in the app's state, or for one run of the CLI).
pub struct GenerateQueue {
    waiting: Arc<(Mutex<Waiting>, Condvar)>,
    engine: Arc<EngineSlot>,
    sources: Arc<QueueSources>,
    /// The last generated clip the stage asked for, decoded once for all its frames.
    clip: Mutex<Option<(PathBuf, String, Arc<GeneratedClip>)>>,
}

/// The engine in `slot`, opening the device when there is none yet.
fn engine_in<'a>(
    slot: &'a mut Option<ShotGenerator>,
    sources: &QueueSources,
) -> Result<&'a mut ShotGenerator, String> {
    if slot.is_none() {
        let options = (sources.options)()?;
        let generator = catch_unwind(|| ShotGenerator::new(options))
            .map_err(|p| format!("the engine's device cannot be used: {}", panic_text(&*p)))?
            .map_err(|e| e.to_string())?;
        *slot = Some(generator);
    }
    slot.as_mut()
        .ok_or_else(|| "internal error: no engine".to_string())
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the engine stopped unexpectedly".to_string())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding these locks is caught before it can leave them half-changed
    // (every panic-prone call runs inside catch_unwind), so a poisoned lock is still sound.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl GenerateQueue {
    pub fn new(sources: QueueSources) -> Self {
        Self {
            waiting: Arc::default(),
            engine: Arc::default(),
            sources: Arc::new(sources),
            clip: Mutex::default(),
        }
    }

    /// Queues `shots` (indices into `project`, saved in `dir`), reporting to `sink`.
    /// Returns the job ids, in order.
    pub fn enqueue(
        &self,
        dir: &Path,
        project: Project,
        shots: &[usize],
        sink: Arc<dyn JobSink>,
    ) -> Result<Vec<u32>, String> {
        for &i in shots {
            if i >= project.shots.len() {
                return Err(format!(
                    "shot {} does not exist; the project has {} shots",
                    i + 1,
                    project.shots.len()
                ));
            }
        }
        let project = Arc::new(project);
        let (lock_, wake) = &*self.waiting;
        let mut waiting = lock(lock_);
        let mut ids = Vec::new();
        for &i in shots {
            waiting.next_id += 1;
            let job = Job {
                id: waiting.next_id,
                shot_id: project.shots[i].id.clone(),
                dir: dir.to_owned(),
                project: project.clone(),
                cancel: Arc::new(AtomicBool::new(false)),
                sink: sink.clone(),
            };
            job.send(&GenerateEvent::Queued {
                job: job.id,
                shot_id: job.shot_id.clone(),
                shot: i as u32,
            });
            ids.push(job.id);
            waiting.pending.push_back(job);
        }
        if !waiting.worker_started {
            let shared = self.waiting.clone();
            let engine = self.engine.clone();
            let sources = self.sources.clone();
            std::thread::Builder::new()
                .name("generate".into())
                // The engine's CPU backend recurses through large graphs: room to spare.
                .stack_size(64 << 20)
                .spawn(move || worker(shared, engine, sources))
                .map_err(|e| format!("cannot start the generate worker: {e}"))?;
            waiting.worker_started = true;
        }
        wake.notify_all();
        Ok(ids)
    }

    /// Cancels the jobs of shot `shot_id`, or every job with `None`: waiting ones are dropped
    /// at once, the running one stops after its current step. Returns how many were hit.
    pub fn cancel(&self, shot_id: Option<&str>) -> usize {
        let hits = |id: &str| shot_id.is_none_or(|want| want == id);
        let mut waiting = lock(&self.waiting.0);
        let mut count = 0;
        if let Some((_, id, flag)) = &waiting.running {
            if hits(id) {
                flag.store(true, Ordering::SeqCst);
                count += 1;
            }
        }
        let (gone, kept): (Vec<Job>, Vec<Job>) =
            waiting.pending.drain(..).partition(|j| hits(&j.shot_id));
        waiting.pending = kept.into();
        drop(waiting);
        for job in gone {
            count += 1;
            job.send(&GenerateEvent::Cancelled {
                job: job.id,
                shot_id: job.shot_id.clone(),
            });
        }
        count
    }

    /// Where shot `index` of `project` (in `dir`) stands; never waits for a running job.
    pub fn status(&self, dir: &Path, project: &Project, index: usize) -> GenerationStatus {
        let Some(shot) = project.shots.get(index) else {
            return GenerationStatus::Blocked {
                message: format!(
                    "shot {} does not exist; the project has {} shots",
                    index + 1,
                    project.shots.len()
                ),
            };
        };
        if shot.generation().engine == Engine::Warp {
            return GenerationStatus::Warp;
        }
        let mut slot = match self.engine.try_lock() {
            Ok(slot) => slot,
            Err(TryLockError::WouldBlock) => return GenerationStatus::Busy,
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
        };
        let packages = match (self.sources.packages)() {
            Ok(p) => p,
            Err(message) => return GenerationStatus::Blocked { message },
        };
        let engine = match engine_in(&mut slot, &self.sources) {
            Ok(engine) => engine,
            Err(message) => return GenerationStatus::Blocked { message },
        };
        let prepared = catch_unwind(AssertUnwindSafe(|| {
            engine.prepare(dir, project, index, &packages)
        }));
        match prepared {
            Ok(Ok(prepared)) => {
                let key = prepared.key;
                let cached = ResultCache::new(dir).contains(&key);
                if cached && shot.result.as_deref() == Some(key.as_str()) {
                    GenerationStatus::UpToDate { key }
                } else {
                    GenerationStatus::NeedsGenerating { key, cached }
                }
            }
            Ok(Err(
                e @ (GenerateError::NoPackage { .. }
                | GenerateError::UnknownPackage { .. }
                | GenerateError::NotImageToVideo { .. }
                | GenerateError::Package(_)),
            )) => GenerationStatus::NoModel {
                message: e.to_string(),
            },
            Ok(Err(e)) => GenerationStatus::Blocked {
                message: e.to_string(),
            },
            Err(p) => {
                *slot = None;
                GenerationStatus::Blocked {
                    message: panic_text(&*p),
                }
            }
        }
    }

    /// The clip under `key` in the project at `dir`, decoded once and kept while the stage
    /// shows it.
    pub fn clip(&self, dir: &Path, key: &str) -> Result<Arc<GeneratedClip>, String> {
        let mut cached = lock(&self.clip);
        if let Some((d, k, clip)) = cached.as_ref() {
            if d == dir && k == key {
                return Ok(clip.clone());
            }
        }
        *cached = None;
        let clip = ResultCache::new(dir)
            .load(key)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| {
                format!("the generated clip {key} is not in the project's cache: generate the shot again")
            })?;
        let clip = Arc::new(clip);
        *cached = Some((dir.to_owned(), key.to_owned(), clip.clone()));
        Ok(clip)
    }
}

/// Takes jobs one at a time, for as long as the process runs.
fn worker(
    waiting: Arc<(Mutex<Waiting>, Condvar)>,
    engine: Arc<EngineSlot>,
    sources: Arc<QueueSources>,
) {
    let (lock_, wake) = &*waiting;
    loop {
        let job = {
            let mut w = lock(lock_);
            loop {
                if let Some(job) = w.pending.pop_front() {
                    w.running = Some((job.id, job.shot_id.clone(), job.cancel.clone()));
                    break job;
                }
                w = wake.wait(w).unwrap_or_else(|e| e.into_inner());
            }
        };
        let event = run(&job, &engine, &sources);
        lock(lock_).running = None;
        job.send(&event);
        // The job's latents, frames and previews are dropped by now (the engine keeps only
        // the loaded model, for the next job): give their memory back to the system.
        drop(job);
        crate::heap::release_freed();
    }
}

/// Runs one job to its last event.
fn run(job: &Job, engine: &EngineSlot, sources: &QueueSources) -> GenerateEvent {
    let failed = |message: String| GenerateEvent::Failed {
        job: job.id,
        shot_id: job.shot_id.clone(),
        message,
    };
    let cancelled = || GenerateEvent::Cancelled {
        job: job.id,
        shot_id: job.shot_id.clone(),
    };
    if job.cancel.load(Ordering::SeqCst) {
        return cancelled();
    }
    let Some(index) = job.index() else {
        return failed("the shot is no longer in the project".into());
    };
    let packages = match (sources.packages)() {
        Ok(p) => p,
        Err(message) => return failed(message),
    };
    let mut slot = lock(engine);
    let generator = match engine_in(&mut slot, sources) {
        Ok(g) => g,
        Err(message) => return failed(message),
    };
    // Sharper step previews when a TAEHV decoder for the package's latents is installed.
    generator.set_preview_decoders(&(sources.statuses)());
    job.send(&GenerateEvent::Started {
        job: job.id,
        device: generator.device_label(),
    });
    let mut on_step =
        |update: StepUpdate| job.sink.step(job.id, &update) && !job.cancel.load(Ordering::SeqCst);
    let result = catch_unwind(AssertUnwindSafe(|| {
        generator.generate(
            &job.dir,
            &job.project,
            index,
            &packages,
            &mut on_step,
            &job.cancel,
        )
    }));
    match result {
        Ok(Ok(shot)) => GenerateEvent::Done {
            job: job.id,
            shot_id: job.shot_id.clone(),
            key: shot.key,
            cached: shot.cached,
            width: shot.width,
            height: shot.height,
            frames: shot.frames,
        },
        Ok(Err(GenerateError::Cancelled)) => cancelled(),
        Ok(Err(e)) => {
            match e.device_failure() {
                // The device may be gone or broken: open it afresh for the next job.
                Some(FailureKind::DeviceLost | FailureKind::Crashed) => *slot = None,
                // Free the weights, so the next job (maybe smaller) meets an empty device.
                Some(FailureKind::OutOfMemory | FailureKind::BufferTooBig) => {
                    if let Some(generator) = slot.as_mut() {
                        generator.unload();
                    }
                }
                Some(FailureKind::NotFinite) | None => {}
            }
            failed(e.to_string())
        }
        Err(p) => {
            // The engine may be half-way through something: start afresh next time.
            *slot = None;
            failed(format!("the engine stopped: {}", panic_text(&*p)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::{store, Generation, Shot};
    use models::device::{BackendKind, Precision};
    use models::pipeline::FaultInjector;

    /// A project in a temporary folder with one image-to-video shot for the tiny Wan2.2
    /// package (models/fixtures/wan_tiny_ti2v, random weights): 96x32, 5 frames, 3 steps.
    fn tiny_project() -> (tempfile::TempDir, PathBuf, Project) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("story");
        let mut project = store::create(&dir, "story").unwrap();
        let picture = tmp.path().join("picture.png");
        image::RgbImage::from_fn(192, 64, |x, y| {
            image::Rgb([(x * 3) as u8, (y * 5) as u8, 90])
        })
        .save(&picture)
        .unwrap();
        let imported = store::import_image(&dir, &picture).unwrap();
        let mut shot = Shot::new("a", "Shot 1");
        shot.image = Some(imported.asset);
        shot.image_size = Some((imported.width, imported.height));
        shot.generation = Some(Generation {
            engine: Engine::WanImageToVideo,
            steps: 3,
            t_weak: 0,
            t_strong: 2,
            size: Some((96, 32)),
            frames: Some(5),
            ..Generation::default()
        });
        project.shots = vec![
            shot.clone(),
            Shot {
                id: "b".into(),
                ..shot
            },
        ];
        (tmp, dir, project)
    }

    fn tiny_queue() -> Arc<GenerateQueue> {
        let package =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures/wan_tiny_ti2v");
        Arc::new(GenerateQueue::new(QueueSources {
            options: Box::new(|| {
                Ok(GenerateOptions {
                    backend: BackendKind::Flex,
                    precision: Precision::F32,
                    ..GenerateOptions::default()
                })
            }),
            packages: Box::new(move || Ok(vec![package.clone()])),
            statuses: Box::new(Vec::new),
        }))
    }

    /// What a sink received: the events (as JSON values) and the steps (job, step, steps).
    #[derive(Default)]
    struct Received {
        events: Vec<serde_json::Value>,
        previews: Vec<(u32, usize, usize)>,
    }

    struct Recorder {
        received: Arc<Mutex<Received>>,
        on_step: Box<dyn Fn() + Send + Sync>,
    }

    impl JobSink for Recorder {
        fn event(&self, event: &GenerateEvent) {
            let value = serde_json::to_value(event).unwrap();
            self.received.lock().unwrap().events.push(value);
        }

        fn step(&self, job: u32, update: &StepUpdate) -> bool {
            let step = (job, update.step, update.steps);
            self.received.lock().unwrap().previews.push(step);
            (self.on_step)();
            true
        }
    }

    fn recording(
        on_step: impl Fn() + Send + Sync + 'static,
    ) -> (Arc<dyn JobSink>, Arc<Mutex<Received>>) {
        let received = Arc::new(Mutex::new(Received::default()));
        let sink = Arc::new(Recorder {
            received: received.clone(),
            on_step: Box::new(on_step),
        });
        (sink, received)
    }

    /// Waits until `n` jobs have sent their last event.
    fn wait_for_ends(received: &Mutex<Received>, n: usize) {
        let ends = ["done", "failed", "cancelled"];
        for _ in 0..1200 {
            let r = received.lock().unwrap();
            let count = r
                .events
                .iter()
                .filter(|e| ends.contains(&e["kind"].as_str().unwrap_or("")))
                .count();
            if count >= n {
                return;
            }
            drop(r);
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!(
            "the jobs did not end: {:?}",
            received.lock().unwrap().events
        );
    }

    #[test]
    fn a_job_sends_its_steps_and_its_result_and_the_cache_answers_again() {
        let (_tmp, dir, mut project) = tiny_project();
        let queue = tiny_queue();
        let before = queue.status(&dir, &project, 0);
        let GenerationStatus::NeedsGenerating {
            key: planned,
            cached: false,
        } = before
        else {
            panic!("{before:?}");
        };

        let (sink, received) = recording(|| {});
        let ids = queue.enqueue(&dir, project.clone(), &[0], sink).unwrap();
        assert_eq!(ids.len(), 1);
        wait_for_ends(&received, 1);
        let r = received.lock().unwrap();
        let kinds: Vec<&str> = r
            .events
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["queued", "started", "done"], "{:?}", r.events);
        assert_eq!(r.previews.len(), 3, "one preview per step");
        assert_eq!(*r.previews.last().unwrap(), (ids[0], 3, 3));
        let done = &r.events[2];
        let key = done["key"].as_str().unwrap().to_owned();
        assert_eq!(key, planned, "the status named the key the job made");
        assert_eq!(done["shot_id"], "a");
        assert_eq!(done["cached"], false);
        assert_eq!(
            (&done["width"], &done["height"], &done["frames"]),
            (&96.into(), &32.into(), &5.into())
        );
        drop(r);
        let clip = queue.clip(&dir, &key).unwrap();
        assert_eq!(clip.frames.len(), 5);
        assert_eq!(clip.frames[0].dimensions(), (96, 32));

        // Recorded in the shot, it is up to date; the second shot (same settings) comes from
        // the cache at once, with no step run.
        project.shots[0].result = Some(key.clone());
        assert_eq!(
            queue.status(&dir, &project, 0),
            GenerationStatus::UpToDate { key: key.clone() }
        );
        let (sink, received) = recording(|| {});
        queue.enqueue(&dir, project, &[1], sink).unwrap();
        wait_for_ends(&received, 1);
        let r = received.lock().unwrap();
        assert!(r.previews.is_empty());
        assert_eq!(r.events.last().unwrap()["cached"], true, "{:?}", r.events);
    }

    #[test]
    fn cancelling_stops_the_running_job_and_drops_the_waiting_one() {
        let (_tmp, dir, mut project) = tiny_project();
        // Another seed for the second shot: not the first one's result from the cache.
        project.shots[1].seed = 7;
        let queue = tiny_queue();
        // Cancel everything as soon as the first step preview arrives (on the worker, between
        // two steps): the running job stops there, the waiting one never starts.
        let canceller = Arc::downgrade(&queue);
        let (sink, received) = recording(move || {
            if let Some(q) = canceller.upgrade() {
                q.cancel(None);
            }
        });
        queue.enqueue(&dir, project.clone(), &[0, 1], sink).unwrap();
        wait_for_ends(&received, 2);
        let r = received.lock().unwrap();
        let ends: Vec<(&str, &str)> = r
            .events
            .iter()
            .filter(|e| e["kind"] == "cancelled")
            .map(|e| (e["kind"].as_str().unwrap(), e["shot_id"].as_str().unwrap()))
            .collect();
        assert_eq!(ends.len(), 2, "{:?}", r.events);
        assert!(ends.contains(&("cancelled", "a")) && ends.contains(&("cancelled", "b")));
        assert_eq!(r.previews.len(), 1, "no step after the cancel");
        drop(r);
        // Nothing was stored: the shot still needs generating, and not from the cache.
        assert!(matches!(
            queue.status(&dir, &project, 0),
            GenerationStatus::NeedsGenerating { cached: false, .. }
        ));
    }

    /// A queue on the tiny package at `package`, failing as `faults` say, with `gpu_memory`.
    fn queue_with(
        package: PathBuf,
        faults: FaultInjector,
        gpu_memory: Option<u64>,
    ) -> GenerateQueue {
        GenerateQueue::new(QueueSources {
            options: Box::new(move || {
                Ok(GenerateOptions {
                    backend: BackendKind::Flex,
                    precision: Precision::F32,
                    gpu_memory,
                    faults: faults.clone(),
                    ..GenerateOptions::default()
                })
            }),
            packages: Box::new(move || Ok(vec![package.clone()])),
            statuses: Box::new(Vec::new),
        })
    }

    fn tiny_package() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures/wan_tiny_ti2v")
    }

    /// Runs shot `shot` of `project` on `queue`; its last event.
    fn run_one(
        queue: &GenerateQueue,
        dir: &Path,
        project: &Project,
        shot: usize,
    ) -> serde_json::Value {
        let (sink, received) = recording(|| {});
        queue.enqueue(dir, project.clone(), &[shot], sink).unwrap();
        wait_for_ends(&received, 1);
        let r = received.lock().unwrap();
        r.events.last().unwrap().clone()
    }

    /// The clips in the project's cache.
    fn cached(dir: &Path) -> Vec<String> {
        let mut keys: Vec<String> = std::fs::read_dir(dir.join("cache/generated"))
            .map(|entries| {
                entries
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        keys.sort();
        keys
    }

    /// A copy of the tiny package in `into` with NaN in the first value of `tensor` of the
    /// weights file `file`.
    fn package_with_nan(into: &Path, file: &str, tensor: &str) -> PathBuf {
        let copy = into.join("wan_tiny_nan");
        copy_dir(&tiny_package(), &copy);
        let path = copy.join(file);
        let mut bytes = std::fs::read(&path).unwrap();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
        assert_eq!(header[tensor]["dtype"], "F32");
        let at = 8 + n + header[tensor]["data_offsets"][0].as_u64().unwrap() as usize;
        bytes[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        std::fs::write(&path, bytes).unwrap();
        copy
    }

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let target = to.join(path.file_name().unwrap());
            if path.is_dir() {
                copy_dir(&path, &target);
            } else {
                std::fs::copy(&path, &target).unwrap();
            }
        }
    }

    #[test]
    fn a_failing_device_ends_the_job_with_what_to_change_and_the_next_job_runs() {
        let (_tmp, dir, mut project) = tiny_project();
        // An earlier result, which no failure may touch.
        let earlier = run_one(&tiny_queue(), &dir, &project, 0);
        assert_eq!(earlier["kind"], "done", "{earlier}");
        let key = earlier["key"].as_str().unwrap().to_owned();
        let clip = ResultCache::new(&dir).load(&key).unwrap().unwrap().frames;
        let project_json = std::fs::read(dir.join("project.json")).unwrap();

        let cases: [(&str, &[&str]); 9] = [
            (
                "oom@loading",
                &[
                    "out of memory",
                    "loading the model",
                    "text encoder on the CPU",
                ],
            ),
            (
                "oom@text",
                &[
                    "out of memory",
                    "encoding the prompt",
                    "text encoder on the CPU",
                ],
            ),
            (
                "oom@conditioning",
                &["out of memory", "first frame", "smaller size"],
            ),
            (
                "oom@step:2",
                &["out of memory", "denoising step 2", "smaller size"],
            ),
            (
                "oom@decoding",
                &["out of memory", "decoding the video", "smaller size"],
            ),
            (
                "buffer-too-big@step:1",
                &["larger than the GPU can bind", "f16"],
            ),
            (
                "device-lost@step:1",
                &["GPU was lost", "denoising step 1", "restart the app"],
            ),
            (
                "nan@step:2",
                &["latents became NaN", "denoising step 2", "f32"],
            ),
            (
                "nan@decoding",
                &["decoded video became NaN", "decoding the video", "f32"],
            ),
        ];
        for (i, (spec, words)) in cases.into_iter().enumerate() {
            // Another seed each time: not an earlier case's clip from the cache.
            project.shots[1].seed = 100 + i as u32;
            let before = cached(&dir);
            let faults = FaultInjector::parse(spec).unwrap();
            let queue = queue_with(tiny_package(), faults, None);
            let failed = run_one(&queue, &dir, &project, 1);
            assert_eq!(failed["kind"], "failed", "{spec}: {failed}");
            let message = failed["message"].as_str().unwrap();
            for word in words {
                assert!(message.contains(word), "{spec}: {word:?} not in {message}");
            }
            assert!(
                message.contains("earlier clips are as they were"),
                "{message}"
            );
            assert_eq!(cached(&dir), before, "{spec}: nothing half-written");
            // The same queue takes the next job and makes it.
            let next = run_one(&queue, &dir, &project, 1);
            assert_eq!(next["kind"], "done", "{spec}: {next}");
        }
        assert_eq!(
            std::fs::read(dir.join("project.json")).unwrap(),
            project_json
        );
        assert_eq!(
            ResultCache::new(&dir).load(&key).unwrap().unwrap().frames,
            clip,
            "the earlier clip is intact"
        );
    }

    #[test]
    fn nan_in_the_weights_ends_the_job_at_the_stage_that_meets_it() {
        let (tmp, dir, project) = tiny_project();
        let cases = [
            (
                "vae/diffusion_pytorch_model.safetensors",
                "decoder.conv_out.bias",
                "decoded video",
                "decoding the video",
            ),
            (
                "transformer/diffusion_pytorch_model.safetensors",
                "proj_out.bias",
                "latents",
                "denoising step 1",
            ),
        ];
        for (file, tensor, what, stage) in cases {
            let root = tmp.path().join(tensor);
            let package = package_with_nan(&root, file, tensor);
            let queue = queue_with(package, FaultInjector::new(), None);
            let failed = run_one(&queue, &dir, &project, 0);
            let message = failed["message"].as_str().unwrap_or_default();
            assert_eq!(failed["kind"], "failed", "{tensor}: {failed}");
            assert!(
                message.contains(&format!("the {what} became NaN or infinite while {stage}"))
                    && message.contains("download it again"),
                "{tensor}: {message}"
            );
            assert!(cached(&dir).is_empty(), "no clip of NaN");
        }
    }

    #[test]
    fn a_plan_over_the_memory_budget_is_refused_before_loading_with_the_advice() {
        use models::device::EngineDevice;
        use models::pipeline::{GenerateRequest, LoadOptions, RgbImage, WanModels};
        let (tmp, dir, mut project) = tiny_project();
        let mut generation = project.shots[0].generation();
        generation.frames = Some(9);
        project.shots[0].generation = Some(generation);
        // A package whose transformer cannot be read: refused by its plan, it never loads.
        let package = tmp.path().join("unreadable");
        copy_dir(&tiny_package(), &package);
        std::fs::write(
            package.join("transformer/diffusion_pytorch_model.safetensors"),
            b"not weights",
        )
        .unwrap();
        // A budget just under what the shot needs: the refusal is the plan's, with its advice.
        let mut request = GenerateRequest::new("p");
        (request.width, request.height, request.frames) = (96, 32, 9);
        request.image = Some(RgbImage::new(96, 32, vec![0; 96 * 32 * 3]).unwrap());
        let device = EngineDevice::open(BackendKind::Flex, Precision::F32).unwrap();
        let plan = WanModels::plan_before_loading(
            &tiny_package(),
            &request,
            &device.device,
            &LoadOptions::default(),
        )
        .unwrap();
        let budget = plan.device_peak() - 1;
        let expected = plan
            .check(&WanModels::limits_for(&device.device, Some(budget)))
            .unwrap_err()
            .to_string();
        let queue = queue_with(package, FaultInjector::new(), Some(budget));
        let failed = run_one(&queue, &dir, &project, 0);
        let message = failed["message"].as_str().unwrap_or_default();
        assert_eq!(failed["kind"], "failed", "{failed}");
        assert!(
            message.contains("does not fit") && message.contains(&expected),
            "{message}\nexpected {expected}"
        );
        // What to change, after the figures.
        let advice = expected.rsplit(": ").next().unwrap();
        assert!(advice.split_whitespace().count() >= 4, "{expected}");
        assert!(cached(&dir).is_empty());
        let engine = queue.engine.lock().unwrap();
        assert!(!engine.as_ref().unwrap().is_loaded(), "nothing was loaded");
    }

    #[test]
    fn a_device_that_cannot_open_is_a_message_not_a_crash() {
        let (_tmp, dir, project) = tiny_project();
        let queue = GenerateQueue::new(QueueSources {
            options: Box::new(|| Err("MOTIONBOARD_ENGINE_DEVICE=cuda is not a device".into())),
            packages: Box::new(|| Ok(Vec::new())),
            statuses: Box::new(Vec::new),
        });
        let status = queue.status(&dir, &project, 0);
        assert!(
            matches!(&status, GenerationStatus::Blocked { message } if message.contains("cuda")),
            "{status:?}"
        );
        let (sink, received) = recording(|| {});
        queue.enqueue(&dir, project, &[0], sink).unwrap();
        wait_for_ends(&received, 1);
        let r = received.lock().unwrap();
        let last = r.events.last().unwrap();
        assert_eq!(last["kind"], "failed");
        assert!(last["message"].as_str().unwrap().contains("cuda"), "{last}");
    }

    #[test]
    fn a_warp_shot_needs_no_engine() {
        let dir = Path::new("/nonexistent/project");
        let mut project = Project::new("p");
        project.shots.push(Shot::new("a", "Shot 1"));
        let queue = GenerateQueue::new(QueueSources {
            options: Box::new(|| Err("no device in this test".into())),
            packages: Box::new(|| Ok(Vec::new())),
            statuses: Box::new(Vec::new),
        });
        assert_eq!(queue.status(dir, &project, 0), GenerationStatus::Warp);
        assert!(matches!(
            queue.status(dir, &project, 3),
            GenerationStatus::Blocked { .. }
        ));
        // Nothing was opened for either answer.
        assert!(queue.engine.lock().unwrap().is_none());
        assert_eq!(queue.cancel(None), 0);
    }
}
