//! [`ShotGenerator`]: generates shots of a project with a Wan model, one at a time, keeping
//! the loaded model between shots, reporting every step, and storing each result in the
//! project's [`ResultCache`] under its key. It never writes project.json: the caller records
//! the returned key in the shot (`Shot::result`) and saves, so a failed or cancelled run
//! leaves the project and the previous result as they were.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use image::RgbImage;
use models::device::{BackendKind, EngineDevice, Precision};
use models::pipeline::{
    FaultInjector, GenerateRequest, LoadOptions, PackageError, PipelineError, PreviewFrames,
    StepControl, StepPreview, WanModels,
};
use models::plan::DeviceLimits;
use models::taehv::{TaehvConfig, TaehvDecoder};

use super::cache::ResultCache;
use super::clip::shot_recipe;
use super::error::GenerateError;
use super::guide::{conditioning, has_motion};
use super::key::{package_fingerprint, result_key, KeyInputs, SourceKey};
use super::package::{choose, ChosenPackage};
use super::plan::ShotPlan;
use crate::model_store::memory::plan as memory_plan;
use crate::model_store::{
    MemoryPlan, PackageConfigs, PackageKind, PackageStatus, Role, ShotSize, WanVersion,
};
use crate::picture::{load_picture, picture_size};
use crate::project::{store, Engine, Project, ShotSource};

/// Where the engine runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateOptions {
    pub backend: BackendKind,
    pub precision: Precision,
    /// Run the umT5 text encoder on the CPU in half precision (~11 GB of system memory for
    /// umT5-XXL) instead of `backend`: for GPUs that cannot hold it beside the transformer
    /// (see `crate::model_store::plan`). On the GPU it leaves before the transformer runs.
    pub text_encoder_on_cpu: bool,
    /// The GPU's memory in bytes, when known: a shot whose memory plan does not fit is
    /// refused before any work, with what to change (the largest binding is always checked).
    /// Known, it also places the text encoder by itself: on the CPU for a shot that fits the
    /// GPU only that way.
    pub gpu_memory: Option<u64>,
    /// Device failures to simulate (tests: see [`faults_from_env`]); empty in the product.
    pub faults: FaultInjector,
}

/// The variable that simulates device failures in debug builds (see
/// [`FaultInjector::parse`]: e.g. `oom@step:2`, `device-lost@decoding`, `nan@step:1`).
pub const INJECT_FAULT_VAR: &str = "MOTIONBOARD_INJECT_FAULT";

/// The failures [`INJECT_FAULT_VAR`] asks to simulate. Read only in debug builds (the ones
/// tests run): a release build never fails on purpose.
pub fn faults_from_env() -> Result<FaultInjector, String> {
    if !cfg!(debug_assertions) {
        return Ok(FaultInjector::new());
    }
    match std::env::var(INJECT_FAULT_VAR) {
        Ok(spec) => FaultInjector::parse(&spec).map_err(|e| format!("{INJECT_FAULT_VAR}: {e}")),
        Err(_) => Ok(FaultInjector::new()),
    }
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self {
            backend: BackendKind::Wgpu,
            precision: Precision::Auto,
            text_encoder_on_cpu: false,
            gpu_memory: None,
            faults: FaultInjector::new(),
        }
    }
}

/// One denoising step of one shot, as it happens.
#[derive(Debug, Clone)]
pub struct StepUpdate {
    /// The shot's index in the storyboard.
    pub shot: usize,
    /// Steps done, 1..=steps.
    pub step: usize,
    pub steps: usize,
    /// The model's current guess: one small picture per latent frame, or every video frame
    /// at full size when a TAEHV preview decoder fits the package
    /// ([`ShotGenerator::set_preview_decoders`]).
    pub preview: PreviewFrames,
}

/// A shot's result.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedShot {
    /// The cache key: record it as the shot's `result`.
    pub key: String,
    /// Whether it was already in the cache (nothing was generated).
    pub cached: bool,
    pub width: u32,
    pub height: u32,
    pub frames: u32,
}

/// Everything decided about a shot before the model runs.
#[derive(Debug, Clone)]
pub struct PreparedShot {
    pub package: ChosenPackage,
    pub plan: ShotPlan,
    pub key: String,
    /// Where the first frame comes from (read only when the model runs).
    pub first_frame: FirstFrameSource,
    /// Whether the text encoder runs on the CPU for this shot.
    pub text_encoder_on_cpu: bool,
}

/// Where a shot's first frame comes from: found by [`ShotGenerator::prepare`] without
/// decoding anything, so a status check stays cheap.
#[derive(Debug, Clone, PartialEq)]
pub enum FirstFrameSource {
    /// The shot's picture file.
    Picture(PathBuf),
    /// The last frame of the previous shot's generated clip (its cache key).
    PreviousClip(String),
    /// Text only.
    None,
}

struct Loaded {
    root: PathBuf,
    text_encoder_on_cpu: bool,
    models: WanModels,
}

/// Generates shots on one device, keeping the last model package loaded.
pub struct ShotGenerator {
    device: EngineDevice,
    /// The text encoder always on the CPU (asked for), else where each shot's plan fits.
    text_encoder_on_cpu: bool,
    /// The CPU, once the text encoder has run there with a GPU as the main device.
    text_device: Option<EngineDevice>,
    loaded: Option<Loaded>,
    fingerprints: HashMap<PathBuf, String>,
    /// TAEHV files the step previews may be decoded with.
    preview_decoders: Vec<(TaehvConfig, PathBuf)>,
    gpu_memory: Option<u64>,
    faults: FaultInjector,
}

/// The ready TAEHV preview decoders among the model store's `statuses`
/// (`model_store::list`), each with the config of the Wan version the store identified it as
/// (by its tensors, so a renamed file still counts).
fn preview_decoders(statuses: &[PackageStatus]) -> Vec<(TaehvConfig, PathBuf)> {
    statuses
        .iter()
        .filter(|p| p.ready)
        .filter_map(|p| match p.kind {
            PackageKind::Component(Role::PreviewDecoder(version)) => {
                let config = match version {
                    WanVersion::Wan21 => TaehvConfig::taew2_1(),
                    WanVersion::Wan22 => TaehvConfig::taew2_2(),
                };
                let path = p.files.first()?.path.as_ref()?;
                Some((config, PathBuf::from(path)))
            }
            _ => None,
        })
        .collect()
}

/// The first of `files` that decodes `models`' latents, loaded on their device. A file that
/// fails to load is passed over: previews fall back to the latent projection rather than
/// failing a shot (the store has already checked the file; this is for a file changed since).
fn preview_decoder_for(
    models: &WanModels,
    files: &[(TaehvConfig, PathBuf)],
) -> Option<TaehvDecoder> {
    files
        .iter()
        .filter(|(config, _)| config.latent_channels == models.latent_channels())
        .find_map(|(config, path)| TaehvDecoder::load(path, config, models.device()).ok())
}

/// Whether the text encoder runs on the CPU: when `asked`, or on a GPU of known memory
/// (`gpu_memory`) where the shot fits only with the text encoder on the CPU (the choice the
/// Models panel shows). Never on the CPU backend, where it is on the CPU anyway.
fn text_encoder_on_cpu(
    asked: bool,
    backend: BackendKind,
    gpu_memory: Option<u64>,
    configs: impl FnOnce() -> Option<PackageConfigs>,
    shot: ShotSize,
    image: bool,
) -> bool {
    if backend == BackendKind::Flex {
        return false;
    }
    if asked {
        return true;
    }
    let (Some(budget), Some(configs)) = (gpu_memory, configs()) else {
        return false;
    };
    matches!(
        memory_plan(&configs, shot, image, budget),
        Ok((_, MemoryPlan::FitsTextOnCpu { .. }))
    )
}

/// Keeps the GPU kernels a tuning build benchmarks in the app's cache folder, so each shape is
/// tuned once per machine. Not being able to only costs the tuning again: it is said, not
/// fatal.
fn keep_tuned_kernels() {
    let kept = crate::model_store::cache_dir()
        .map_err(|e| e.to_string())
        .and_then(|dir| {
            models::kernel_cache::keep_tuned_kernels_in(&dir.join("gpu-kernels"))
                .map_err(|e| e.to_string())
        });
    if let Err(e) = kept {
        eprintln!("{e}; GPU kernels will be tuned again on the next run");
    }
}

/// The CPU device the text encoder runs on beside a GPU. Half precision halves umT5's host
/// memory; a CPU device this process already set to f32 (tensors exist on it, e.g. from a
/// job on the CPU backend) keeps f32.
fn cpu_text_device() -> Result<EngineDevice, GenerateError> {
    EngineDevice::open(BackendKind::Flex, Precision::F16)
        .or_else(|_| EngineDevice::open(BackendKind::Flex, Precision::F32))
        .map_err(|e| GenerateError::Device(e.to_string()))
}

impl ShotGenerator {
    /// Opens the device (once per process and backend).
    pub fn new(options: GenerateOptions) -> Result<Self, GenerateError> {
        if options.backend == BackendKind::Wgpu {
            keep_tuned_kernels();
        }
        let device = EngineDevice::open(options.backend, options.precision)
            .map_err(|e| GenerateError::Device(e.to_string()))?;
        let text_encoder_on_cpu =
            options.text_encoder_on_cpu && options.backend != BackendKind::Flex;
        let text_device = if text_encoder_on_cpu {
            Some(cpu_text_device()?)
        } else {
            None
        };
        Ok(Self {
            device,
            text_encoder_on_cpu,
            text_device,
            loaded: None,
            fingerprints: HashMap::new(),
            preview_decoders: Vec::new(),
            gpu_memory: options.gpu_memory,
            faults: options.faults,
        })
    }

    /// Decodes the step previews with a ready TAEHV file among the model store's `statuses`
    /// (`model_store::list`: taew2_1 / taew2_2) when one fits the package's latents: full-size
    /// video frames instead of one small picture per latent frame. Applies to the loaded
    /// package at once and to later ones; statuses without one go back to the projection.
    pub fn set_preview_decoders(&mut self, statuses: &[PackageStatus]) {
        self.preview_decoders = preview_decoders(statuses);
        if let Some(loaded) = self.loaded.as_mut() {
            let decoder = preview_decoder_for(&loaded.models, &self.preview_decoders);
            // Chosen by latent channels, so it fits; a refusal would keep the projection.
            let _ = loaded.models.set_preview_decoder(decoder);
        }
    }

    /// The device and precision, as people read them (and as the cache key records them).
    pub fn device_label(&self) -> String {
        self.label(self.text_encoder_on_cpu)
    }

    fn label(&self, text_encoder_on_cpu: bool) -> String {
        match (&self.text_device, text_encoder_on_cpu) {
            (Some(text), true) => format!("{}, text encoder on {text}", self.device),
            (None, true) => format!("{}, text encoder on the CPU", self.device),
            (_, false) => self.device.to_string(),
        }
    }

    /// Whether the text encoder runs on the CPU for a shot of `plan` on the package at
    /// `root` (see [`text_encoder_on_cpu`]).
    fn text_encoder_on_cpu_for(&self, root: &Path, plan: &ShotPlan, image: bool) -> bool {
        let shot = ShotSize {
            width: plan.width,
            height: plan.height,
            frames: plan.frames,
        };
        text_encoder_on_cpu(
            self.text_encoder_on_cpu,
            self.device.backend,
            self.gpu_memory,
            // Unreadable configs fail the load itself, with the reason.
            || PackageConfigs::load(root).ok(),
            shot,
            image,
        )
    }

    /// Plans shot `index` of `project` (in `dir`) on one of the installed `packages` and
    /// computes its key, without running the model or decoding any picture (only the
    /// picture's header is read, for its aspect).
    pub fn prepare(
        &mut self,
        dir: &Path,
        project: &Project,
        index: usize,
        packages: &[PathBuf],
    ) -> Result<PreparedShot, GenerateError> {
        let shot = project.shots.get(index).ok_or(GenerateError::NoSuchShot {
            shot: index + 1,
            count: project.shots.len(),
        })?;
        let generation = shot.generation();
        let named = || (index + 1, shot.name.clone());
        if generation.engine == Engine::Warp {
            let (shot, name) = named();
            return Err(GenerateError::WarpEngine { shot, name });
        }
        // Paths and held regions steer the image condition; text-to-video has none.
        if generation.engine == Engine::WanTextToVideo && has_motion(&shot.motion) {
            let (shot, name) = named();
            return Err(GenerateError::MotionNeedsImage { shot, name });
        }
        let package = choose(&generation, packages)?;
        let cache = ResultCache::new(dir);
        let (first_frame, size, source) = match shot.source {
            ShotSource::Image => match &shot.image {
                Some(asset) => {
                    let path = store::asset_path(dir, asset)?;
                    let size = picture_size(&path)?;
                    (
                        FirstFrameSource::Picture(path),
                        Some(size),
                        SourceKey::Asset(asset.as_str()),
                    )
                }
                None if generation.engine == Engine::WanImageToVideo => {
                    let (shot, name) = named();
                    return Err(GenerateError::NoPicture { shot, name });
                }
                None => (FirstFrameSource::None, None, SourceKey::None),
            },
            ShotSource::PreviousShot => {
                let previous = index
                    .checked_sub(1)
                    .and_then(|i| project.shots[i].playing_result());
                match previous.and_then(|key| Some((key, cache.frame_size(key)?))) {
                    Some((key, size)) => (
                        FirstFrameSource::PreviousClip(key.to_owned()),
                        Some(size),
                        SourceKey::Previous(key),
                    ),
                    None => {
                        let (shot, name) = named();
                        return Err(GenerateError::PreviousNotGenerated { shot, name });
                    }
                }
            }
        };
        let plan = ShotPlan::new(shot, package.traits, size);
        let image = generation.engine == Engine::WanImageToVideo;
        let text_encoder_on_cpu = self.text_encoder_on_cpu_for(&package.root, &plan, image);
        let fingerprint = match self.fingerprints.get(&package.root) {
            Some(f) => f.clone(),
            None => {
                let f = package_fingerprint(&package.root).map_err(|e| GenerateError::Cache {
                    path: package.root.clone(),
                    message: format!("the package cannot be read: {e}"),
                })?;
                self.fingerprints.insert(package.root.clone(), f.clone());
                f
            }
        };
        let key = result_key(&KeyInputs {
            engine: generation.engine,
            package: &fingerprint,
            device: &self.label(text_encoder_on_cpu),
            plan: &plan,
            source,
            motion: &shot.motion,
        });
        Ok(PreparedShot {
            package,
            plan,
            key,
            first_frame,
            text_encoder_on_cpu,
        })
    }

    /// Generates shot `index` (or finds it in the cache), calling `on_step` after every
    /// denoising step; `on_step` returning false, or `cancel` becoming true, stops the run
    /// with [`GenerateError::Cancelled`] and nothing written.
    pub fn generate(
        &mut self,
        dir: &Path,
        project: &Project,
        index: usize,
        packages: &[PathBuf],
        on_step: &mut dyn FnMut(StepUpdate) -> bool,
        cancel: &AtomicBool,
    ) -> Result<GeneratedShot, GenerateError> {
        let PreparedShot {
            package,
            plan,
            key,
            first_frame,
            text_encoder_on_cpu,
        } = self.prepare(dir, project, index, packages)?;
        let cache = ResultCache::new(dir);
        let done = |cached| GeneratedShot {
            key: key.clone(),
            cached,
            width: plan.width,
            height: plan.height,
            frames: plan.frames,
        };
        // The clip remembers the shot it was made for, so a later change shows it out of date.
        let recipe = shot_recipe(project, index);
        let record = |cache: &ResultCache| match &recipe {
            Some(recipe) => cache.record_recipe(&key, recipe),
            None => Ok(()),
        };
        if cache.contains(&key) {
            record(&cache)?;
            return Ok(done(true));
        }
        let shot = &project.shots[index];
        let engine = shot.generation().engine;
        let mut request = GenerateRequest::new(plan.prompt.clone());
        request.negative_prompt = plan.negative_prompt.clone();
        request.frames = plan.frames as usize;
        request.width = plan.width as usize;
        request.height = plan.height as usize;
        request.steps = plan.steps as usize;
        request.guidance = plan.guidance;
        request.shift = plan.shift;
        request.seed = plan.seed as u64;
        let picture = match first_frame {
            FirstFrameSource::Picture(path) => Some(load_picture(&path)?),
            FirstFrameSource::PreviousClip(previous) => {
                let clip = cache.load(&previous)?;
                match clip.and_then(|c| c.frames.last().cloned()) {
                    Some(last) => Some(last),
                    None => {
                        return Err(GenerateError::PreviousNotGenerated {
                            shot: index + 1,
                            name: shot.name.clone(),
                        })
                    }
                }
            }
            FirstFrameSource::None => None,
        };
        if let Some(picture) = picture {
            let c = conditioning(picture, &shot.motion, &plan)?;
            if engine == Engine::WanImageToVideo {
                request.image = Some(c.first_frame);
            }
            request.motion = c.guide;
        }
        if cancel.load(Ordering::Relaxed) {
            return Err(GenerateError::Cancelled);
        }
        if text_encoder_on_cpu && self.text_device.is_none() {
            self.text_device = Some(cpu_text_device()?);
        }
        self.check_plan_before_loading(&package.root, &request, index, text_encoder_on_cpu)?;
        let models = self.models_for(&package.root, text_encoder_on_cpu)?;
        let result = models.generate(&request, |p: StepPreview| {
            let go = !cancel.load(Ordering::Relaxed)
                && on_step(StepUpdate {
                    shot: index,
                    step: p.step,
                    steps: p.steps,
                    preview: p.preview,
                })
                && !cancel.load(Ordering::Relaxed);
            if go {
                StepControl::Continue
            } else {
                StepControl::Cancel
            }
        });
        let video = match result {
            Ok(video) => video,
            Err(PipelineError::Cancelled) => return Err(GenerateError::Cancelled),
            Err(PipelineError::Gpu(failure)) => {
                return Err(GenerateError::Gpu {
                    shot: index + 1,
                    failure,
                })
            }
            Err(source) => {
                return Err(GenerateError::Pipeline {
                    shot: index + 1,
                    source,
                })
            }
        };
        let frames: Vec<RgbImage> = (0..video.frames)
            .filter_map(|i| {
                RgbImage::from_raw(video.width as u32, video.height as u32, video.frame_rgb8(i))
            })
            .collect();
        cache.store(&key, plan.fps, &frames)?;
        record(&cache)?;
        Ok(done(false))
    }

    /// Drops the loaded model package, freeing its weights: after the device ran out of
    /// memory the next job starts from an empty device.
    pub fn unload(&mut self) {
        self.loaded = None;
    }

    /// Whether a model package is loaded.
    pub fn is_loaded(&self) -> bool {
        self.loaded.is_some()
    }

    /// How a package loads: the text encoder on the CPU device when `text_encoder_on_cpu`
    /// (opened by then), else beside the transformer.
    fn load_options(&self, text_encoder_on_cpu: bool) -> LoadOptions {
        LoadOptions {
            text_encoder_device: self
                .text_device
                .as_ref()
                .filter(|_| text_encoder_on_cpu)
                .map(|d| d.device.clone()),
            faults: self.faults.clone(),
            ..LoadOptions::default()
        }
    }

    /// Refuses `request` with what to change when its memory plan (from the package's
    /// configs) cannot fit the device, before a weight is read. A package whose configs
    /// cannot be read is left to loading, which says what is wrong with it.
    fn check_plan_before_loading(
        &self,
        root: &Path,
        request: &GenerateRequest,
        index: usize,
        text_encoder_on_cpu: bool,
    ) -> Result<(), GenerateError> {
        let device = &self.device.device;
        let options = self.load_options(text_encoder_on_cpu);
        let Ok(plan) = WanModels::plan_before_loading(root, request, device, &options) else {
            return Ok(());
        };
        plan.check(&WanModels::limits_for(device, self.gpu_memory))
            .map_err(|e| GenerateError::Pipeline {
                shot: index + 1,
                source: PipelineError::Plan(e),
            })
    }

    /// The loaded models of the package at `root` with the text encoder where asked, loading
    /// them (and dropping any other package's) when needed.
    fn models_for(
        &mut self,
        root: &Path,
        text_encoder_on_cpu: bool,
    ) -> Result<&mut WanModels, GenerateError> {
        let loaded = match self.loaded.take() {
            Some(loaded)
                if loaded.root == root && loaded.text_encoder_on_cpu == text_encoder_on_cpu =>
            {
                loaded
            }
            // Drop the other package before loading this one: both may not fit.
            previous => {
                drop(previous);
                let options = self.load_options(text_encoder_on_cpu);
                let package = crate::model_store::open::open_for_user(root)?;
                let loaded = WanModels::from_package_with(&package, &self.device.device, &options);
                let mut models = match loaded {
                    Ok(models) => models,
                    Err(PackageError::Gpu(failure)) => {
                        return Err(GenerateError::LoadingFailed { failure })
                    }
                    Err(e) => return Err(e.into()),
                };
                let decoder = preview_decoder_for(&models, &self.preview_decoders);
                // Chosen by latent channels, so it fits; a refusal would keep the projection.
                let _ = models.set_preview_decoder(decoder);
                if self.gpu_memory.is_some() {
                    let limits = models.limits();
                    models.set_limits(DeviceLimits {
                        memory: self.gpu_memory,
                        ..limits
                    });
                }
                Loaded {
                    root: root.to_owned(),
                    text_encoder_on_cpu,
                    models,
                }
            }
        };
        Ok(&mut self.loaded.insert(loaded).models)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_encoder_moves_to_the_cpu_only_where_that_makes_the_shot_fit() {
        const GIB: u64 = 1 << 30;
        let shot = ShotSize {
            width: 832,
            height: 480,
            frames: 81,
        };
        let wan21 = || Some(PackageConfigs::wan21_t2v_1_3b());
        let on_cpu = |asked, backend, memory| {
            text_encoder_on_cpu(asked, backend, memory, wan21, shot, false)
        };
        // umT5-XXL (11 GB in f16) beside the 1.3B transformer does not fit 8 GiB; alone it does.
        assert!(on_cpu(false, BackendKind::Wgpu, Some(8 * GIB)));
        assert!(!on_cpu(false, BackendKind::Wgpu, Some(24 * GIB)));
        // Not known: stays where it was asked.
        assert!(!on_cpu(false, BackendKind::Wgpu, None));
        assert!(on_cpu(true, BackendKind::Wgpu, None));
        // Nothing fits 2 GiB either way: the plan's refusal says what to change, not a move.
        assert!(!on_cpu(false, BackendKind::Wgpu, Some(2 * GIB)));
        assert!(!on_cpu(true, BackendKind::Flex, Some(8 * GIB)));
        // Configs that cannot be read leave it on the GPU (the load reports why).
        assert!(!text_encoder_on_cpu(
            false,
            BackendKind::Wgpu,
            Some(8 * GIB),
            || None,
            shot,
            false
        ));
    }
    use crate::model_store::{FileStatus, Soundness};

    fn status(kind: PackageKind, ready: bool, path: &str) -> PackageStatus {
        PackageStatus {
            id: path.into(),
            name: path.into(),
            kind,
            downloadable: true,
            root: None,
            files: vec![FileStatus {
                component: "TAEHV".into(),
                file: path.into(),
                path: Some(path.into()),
                place: None,
                bytes: 1,
                soundness: if ready {
                    Soundness::Sound
                } else {
                    Soundness::Missing
                },
            }],
            ready,
        }
    }

    #[test]
    fn only_ready_taehv_files_are_preview_decoders_with_their_version_config() {
        let taehv = |v| PackageKind::Component(Role::PreviewDecoder(v));
        let statuses = [
            status(PackageKind::Pipeline(WanVersion::Wan21), true, "/m/wan"),
            status(taehv(WanVersion::Wan21), false, "/m/taew2_1.safetensors"),
            status(taehv(WanVersion::Wan22), true, "/m/renamed.safetensors"),
        ];
        let found = preview_decoders(&statuses);
        assert_eq!(
            found,
            [(
                TaehvConfig::taew2_2(),
                PathBuf::from("/m/renamed.safetensors")
            )]
        );
    }

    #[test]
    fn motion_on_a_text_to_video_shot_is_refused_with_the_way_out() {
        use crate::motion::{MotionPath, Point};
        use crate::project::{Generation, Shot};
        let mut shot = Shot::new("s", "Kite");
        shot.generation = Some(Generation {
            engine: Engine::WanTextToVideo,
            ..Generation::default()
        });
        shot.motion.paths.push(MotionPath {
            points: vec![Point { x: 0.2, y: 0.5 }, Point { x: 0.8, y: 0.5 }],
            radius: 0.1,
            mask: None,
        });
        let mut project = Project::empty("p");
        project.shots.push(shot);
        let mut generator = ShotGenerator::new(GenerateOptions {
            backend: BackendKind::Flex,
            ..GenerateOptions::default()
        })
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let err = generator.prepare(dir.path(), &project, 0, &[]).unwrap_err();
        assert!(
            matches!(err, GenerateError::MotionNeedsImage { shot: 1, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("wan-image-to-video"), "{err}");
        // Without motion the shot goes on to choosing a package (none installed here).
        project.shots[0].motion = Default::default();
        let err = generator.prepare(dir.path(), &project, 0, &[]).unwrap_err();
        assert!(matches!(err, GenerateError::NoPackage { .. }), "{err}");
    }
}
