//! A loaded Wan package: prompt encoder (umT5 + tokenizer, cached per prompt), DiT, VAE and the
//! sampler's config, checked to fit together.

use std::path::{Path, PathBuf};

use burn::prelude::*;

use super::defaults::PackageDefaults;
use super::error::{BoxError, PackageError};
use super::failure::{guarded, FailureKind, FaultInjector, GpuFailure, Stage};
use super::package::WanPackage;
use super::request::{GenerateRequest, SizeRules};
use crate::plan::{
    DeviceLimits, GenerationPlan, PlanConfigs, PlanError, PlanRequest, TextEncoderPlacement,
    WGSL_MAX_BINDING,
};
use crate::scheduler::uses_uncond;
use crate::scheduler::{FewStepSchedule, FlowSchedulerConfig, SamplerKind, SchedulerError};
use crate::t5::{
    PromptEncoder, StreamedUmT5, T5Config, TextEncoder, UmT5Encoder, DEFAULT_MAX_SEQUENCE_LENGTH,
};
use crate::taehv::{TaehvDecoder, TaehvError};
use crate::wan::dit::{DitConfig, Rope3d, WanDit};
use crate::wan::vae::WanVae;
use crate::weights::WeightFiles;
use burn::tensor::FloatDType;

/// Every component of a Wan package, on one device. [`WanModels::generate`] runs it.
pub struct WanModels {
    /// Tokenizer + umT5 encoder + cache of prompt embeddings.
    pub prompts: PromptEncoder,
    /// The diffusion transformer.
    pub dit: WanDit,
    /// Its config.
    pub dit_config: DitConfig,
    /// The video VAE.
    pub vae: WanVae,
    /// The package's sampler config (a request's shift replaces its shift).
    pub scheduler: FlowSchedulerConfig,
    /// Wan2.2 TI2V's per-token timesteps: the model takes a first frame.
    pub expand_timesteps: bool,
    /// A distilled package's few-step schedule (FastWan), run instead of `scheduler` and
    /// without guidance; `scheduler` then only counts a request's motion strengths.
    pub few_step: Option<FewStepSchedule>,
    pub(super) device: Device,
    /// Where the text encoder runs (the main device unless [`LoadOptions`] put it elsewhere).
    pub(super) text_device: Device,
    pub(super) dit_passes: usize,
    /// Where the text encoder's weights are read again after a release.
    pub(super) text_encoder_folder: PathBuf,
    pub(super) text_encoder_config: T5Config,
    /// Drop the text encoder's weights once the prompts are encoded.
    pub(super) release_text_encoder: bool,
    /// RoPE tables of the last token grid (the same for every step of a run).
    pub(super) rope: Option<([usize; 3], Rope3d)>,
    /// What the device holds; every request's memory plan is checked against it first.
    pub(super) limits: DeviceLimits,
    /// Decodes the step previews when set (see [`WanModels::set_preview_decoder`]).
    pub(super) preview_decoder: Option<TaehvDecoder>,
    /// Failures to simulate (tests).
    pub(super) faults: FaultInjector,
}

/// How a package is placed on devices.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Run the umT5 text encoder here instead of the main device (e.g. the CPU, when the GPU
    /// cannot hold its ~11 GB in f16 beside the transformer): it runs once per new prompt,
    /// and only its output (a few MB) moves to the main device.
    pub text_encoder_device: Option<Device>,
    /// Keep the text encoder loaded between runs. By default, when it shares the main
    /// device, its weights leave once the prompts are encoded (before the transformer runs)
    /// and are read again from the package only for a prompt not in the cache; on another
    /// device (the CPU) it stays.
    pub keep_text_encoder: bool,
    /// Failures to simulate at given stages, for tests on machines without a GPU (see
    /// [`FaultInjector`]); empty in the product.
    pub faults: FaultInjector,
}

/// The text encoder at `weights` (a diffusers folder or a single file) on `device`. An fp8
/// one would double in size converted to f16 (and quadruple in f32): it runs from its file a
/// block at a time instead.
pub(super) fn load_text_encoder(
    config: &T5Config,
    weights: &Path,
    device: &Device,
) -> Result<TextEncoder, PackageError> {
    let files = WeightFiles::open(weights).map_err(component("text encoder", weights))?;
    Ok(if files.holds_fp8() {
        StreamedUmT5::from_files(config, files)
            .map_err(component("text encoder", weights))?
            .into()
    } else {
        UmT5Encoder::from_files(config, &files, device)
            .map_err(component("text encoder", weights))?
            .into()
    })
}

/// Wraps a component's error with the component's name and folder.
pub(super) fn component<E>(component: &'static str, folder: &Path) -> impl FnOnce(E) -> PackageError
where
    E: Into<BoxError>,
{
    let folder = folder.to_owned();
    move |e| PackageError::Component {
        component,
        folder,
        source: e.into(),
    }
}

impl WanModels {
    /// Opens and loads the package at `root` (a diffusers folder or a model in single files,
    /// see [`WanPackage::open`]) onto `device`.
    pub fn load(root: impl AsRef<Path>, device: &Device) -> Result<Self, PackageError> {
        Self::from_package(&WanPackage::open(root)?, device)
    }

    /// [`Self::load`] with the text encoder placed as `options` say.
    pub fn load_with(
        root: impl AsRef<Path>,
        device: &Device,
        options: &LoadOptions,
    ) -> Result<Self, PackageError> {
        Self::from_package_with(&WanPackage::open(root)?, device, options)
    }

    /// Loads an opened package: configs, tokenizer and weights (memory-mapped, converted to
    /// the device's float type), then checks that the parts fit together.
    pub fn from_package(package: &WanPackage, device: &Device) -> Result<Self, PackageError> {
        Self::from_package_with(package, device, &LoadOptions::default())
    }

    /// [`Self::from_package`] with the text encoder placed as `options` say. A device that
    /// fails while the weights load (out of memory, lost) is a [`PackageError::Gpu`] that says
    /// what to change, not a crash; what was loaded is freed.
    pub fn from_package_with(
        package: &WanPackage,
        device: &Device,
        options: &LoadOptions,
    ) -> Result<Self, PackageError> {
        match guarded(|| Self::load_components(package, device, options)) {
            Ok(loaded) => loaded,
            Err((kind, detail)) => {
                let text_on_device = options
                    .text_encoder_device
                    .as_ref()
                    .is_none_or(|d| d == device);
                Err(PackageError::Gpu(GpuFailure {
                    stage: Stage::Loading,
                    kind,
                    detail,
                    advice: loading_advice(kind, text_on_device),
                }))
            }
        }
    }

    fn load_components(
        package: &WanPackage,
        device: &Device,
        options: &LoadOptions,
    ) -> Result<Self, PackageError> {
        let text_device = options
            .text_encoder_device
            .clone()
            .unwrap_or_else(|| device.clone());
        let scheduler = package.scheduler()?;
        let tokenizer = package.tokenizer()?;

        let text = package.text_encoder()?;
        let text_encoder_weights = text.weights.clone();
        let t5_config = text.config;
        let encoder = load_text_encoder(&t5_config, &text.weights, &text_device)?;
        options.faults.trip(Stage::Loading);

        let transformer = package.transformer()?;
        let dit_config = transformer.config;
        let dit = WanDit::load(&dit_config, &transformer.weights, device)
            .map_err(component("transformer", &transformer.weights))?;

        let vae = package.vae()?;
        let vae_config = vae.config;
        let vae = WanVae::load(&vae_config, &vae.weights, device)
            .map_err(component("VAE", &vae.weights))?;

        let mismatch = |message: String| PackageError::Mismatch {
            root: package.root().to_owned(),
            message,
        };
        let z = vae_config.z_dim;
        if dit_config.in_channels != z || dit_config.out_channels() != z {
            return Err(mismatch(format!(
                "the transformer takes {} and gives {} latent channels, the VAE has {z}: they \
                 are from different models",
                dit_config.in_channels,
                dit_config.out_channels()
            )));
        }
        if dit_config.text_dim != t5_config.d_model {
            return Err(mismatch(format!(
                "the transformer reads {}-wide text, the text encoder gives {}",
                dit_config.text_dim, t5_config.d_model
            )));
        }
        if package.expand_timesteps() && dit_config.patch_size[0] != 1 {
            return Err(mismatch(format!(
                "per-token timesteps (expand_timesteps) need a temporal patch of 1, the \
                 transformer's is {}",
                dit_config.patch_size[0]
            )));
        }

        Ok(Self {
            prompts: PromptEncoder::new(tokenizer, encoder, text_device.clone()),
            dit,
            dit_config,
            vae,
            scheduler,
            expand_timesteps: package.expand_timesteps(),
            // FastVideo's shifts for FastWan: 8 for the Wan2.1 model, 5 for Wan2.2 TI2V.
            few_step: package.distilled().then(|| match z {
                48 => FewStepSchedule::fastwan22(),
                _ => FewStepSchedule::fastwan21(),
            }),
            release_text_encoder: !options.keep_text_encoder && text_device == *device,
            device: device.clone(),
            text_device,
            dit_passes: 0,
            text_encoder_folder: text_encoder_weights,
            text_encoder_config: t5_config,
            rope: None,
            limits: default_limits(device),
            preview_decoder: None,
            faults: options.faults.clone(),
        })
    }

    /// The device everything runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Where the text encoder runs.
    pub fn text_device(&self) -> &Device {
        &self.text_device
    }

    /// Whether requests may carry a first frame (Wan2.2 TI2V packages).
    pub fn supports_image(&self) -> bool {
        self.expand_timesteps
    }

    /// Sets what the device holds (its memory, its largest binding): requests whose memory
    /// plan does not fit are refused before any work, with what to change.
    pub fn set_limits(&mut self, limits: DeviceLimits) {
        self.limits = limits;
    }

    /// The device limits requests are checked against.
    pub fn limits(&self) -> DeviceLimits {
        self.limits
    }

    /// The memory plan of `request` on this device, as it will run.
    pub fn memory_plan(&self, request: &GenerateRequest) -> Result<GenerationPlan, PlanError> {
        let configs = PlanConfigs {
            dit: self.dit_config.clone(),
            vae: self.vae.config().clone(),
            text_encoder: self.text_encoder_config.clone(),
        };
        plan_of(
            &configs,
            request,
            &self.device,
            &self.text_device,
            self.prompts.max_sequence_length(),
        )
    }

    /// The memory plan of `request` for the package at `root` loaded as `options` say, from
    /// its configs alone: a run that cannot fit is refused before any weight is read.
    pub fn plan_before_loading(
        root: &Path,
        request: &GenerateRequest,
        device: &Device,
        options: &LoadOptions,
    ) -> Result<GenerationPlan, PlanError> {
        let text_device = options.text_encoder_device.as_ref().unwrap_or(device);
        plan_of(
            &PlanConfigs::load(root)?,
            request,
            device,
            text_device,
            DEFAULT_MAX_SEQUENCE_LENGTH,
        )
    }

    /// What is known of `device` without asking, with `memory` bytes when given.
    pub fn limits_for(device: &Device, memory: Option<u64>) -> DeviceLimits {
        DeviceLimits {
            memory,
            ..default_limits(device)
        }
    }

    /// The official frame rate, length, guidance, shift and negative prompt of this model.
    pub fn defaults(&self) -> PackageDefaults {
        PackageDefaults::for_model(self.expand_timesteps, self.dit_config.inner_dim())
    }

    /// Latent channels (16 for Wan2.1, 48 for Wan2.2).
    pub fn latent_channels(&self) -> usize {
        self.vae.config().z_dim
    }

    /// What a request's frame count and size must satisfy for this model.
    pub fn size_rules(&self) -> SizeRules {
        let config = self.vae.config();
        SizeRules {
            temporal_factor: config.temporal_factor(),
            size_multiple: config.spatial_factor()
                * self.dit_config.patch_size[1].max(self.dit_config.patch_size[2]),
            supports_image: self.supports_image(),
        }
    }

    /// Decodes every step's preview with `decoder` (TAEHV: taew2_1 for Wan2.1 packages,
    /// taew2_2 for Wan2.2) instead of the latent -> RGB projection, so
    /// [`super::StepPreview::preview`] holds the video's frames at full size; `None` goes back
    /// to the projection. A decoder for other latents (channels, or a scale other than the
    /// VAE's) is refused and the previous choice kept.
    pub fn set_preview_decoder(&mut self, decoder: Option<TaehvDecoder>) -> Result<(), TaehvError> {
        if let Some(decoder) = &decoder {
            let taehv = decoder.config();
            let vae = self.vae.config();
            let fits = if vae.z_dim == 48 {
                "use taew2_2 for Wan2.2's latents"
            } else {
                "use taew2_1 for Wan2.1's latents"
            };
            if taehv.latent_channels != vae.z_dim {
                return Err(TaehvError::Input(format!(
                    "the TAEHV preview decoder reads {}-channel latents, this model's have {}: \
                     {fits}",
                    taehv.latent_channels, vae.z_dim
                )));
            }
            let (frames, pixels) = (taehv.temporal_factor(), taehv.spatial_factor());
            let (vae_frames, vae_pixels) = (vae.temporal_factor(), vae.spatial_factor());
            if (frames, pixels) != (vae_frames, vae_pixels) {
                return Err(TaehvError::Input(format!(
                    "the TAEHV preview decoder makes {frames} frames of {pixels}x{pixels} pixels \
                     per latent, this model's VAE {vae_frames} of {vae_pixels}x{vae_pixels}: \
                     {fits}"
                )));
            }
        }
        self.preview_decoder = decoder;
        Ok(())
    }

    /// The TAEHV decoder the step previews use, if any.
    pub fn preview_decoder(&self) -> Option<&TaehvDecoder> {
        self.preview_decoder.as_ref()
    }

    /// DiT forward passes run since loading (two per step with guidance, one without).
    pub fn dit_passes(&self) -> usize {
        self.dit_passes
    }

    /// Tokens per prompt (default 512, as Wan's pipeline). Changing it empties the prompt
    /// cache.
    pub fn set_max_sequence_length(&mut self, tokens: usize) {
        if tokens != self.prompts.max_sequence_length() {
            self.prompts.set_max_sequence_length(tokens);
            self.prompts.clear_cache();
        }
    }

    /// The package's sampler config with `shift` (if given) as its timestep shift.
    pub fn scheduler_with_shift(
        &self,
        shift: Option<f32>,
    ) -> Result<FlowSchedulerConfig, SchedulerError> {
        let mut config = self.scheduler.clone();
        if let Some(shift) = shift {
            match config.kind()? {
                SamplerKind::Euler => config.shift = shift as f64,
                SamplerKind::UniPc => config.flow_shift = shift as f64,
            }
            config.validate()?;
        }
        Ok(config)
    }
}

/// The memory plan of `request` on `device`, the text encoder on `text_device`.
fn plan_of(
    configs: &PlanConfigs,
    request: &GenerateRequest,
    device: &Device,
    text_device: &Device,
    text_tokens: usize,
) -> Result<GenerationPlan, PlanError> {
    let mut plan = PlanRequest::new(
        request.width as u32,
        request.height as u32,
        request.frames as u32,
    );
    plan.precision = device.settings().float_dtype;
    plan.text_encoder = if text_device == device {
        TextEncoderPlacement::Device
    } else {
        let bytes = match text_device.settings().float_dtype {
            FloatDType::F64 => 8,
            FloatDType::F32 | FloatDType::Flex32 => 4,
            _ => 2,
        };
        TextEncoderPlacement::Cpu { bytes }
    };
    plan.guidance = uses_uncond(request.guidance);
    plan.image = request.image.is_some();
    plan.text_tokens = text_tokens as u32;
    GenerationPlan::new(configs, &plan)
}

/// What to change after the device failed while loading.
fn loading_advice(kind: FailureKind, text_on_device: bool) -> String {
    let text = if text_on_device {
        "run the text encoder on the CPU, "
    } else {
        ""
    };
    match kind {
        FailureKind::OutOfMemory => format!(
            "the weights do not fit beside what the GPU already holds: {text}use f16, close \
             other programs that use the GPU, or use a smaller model (Wan2.1 T2V 1.3B)"
        ),
        FailureKind::BufferTooBig => {
            format!("one weight is larger than the GPU can bind in one buffer: {text}or use f16")
        }
        FailureKind::DeviceLost => GpuFailure::lost_advice(),
        FailureKind::NotFinite | FailureKind::Crashed => String::new(),
    }
}

/// What is known of `device` without asking: a GPU through wgpu binds at most
/// [`WGSL_MAX_BINDING`] bytes per buffer; its memory is not read (burn does not expose the
/// adapter's), so it is only checked when [`WanModels::set_limits`] gives it.
fn default_limits(device: &Device) -> DeviceLimits {
    if *device == Device::flex() {
        DeviceLimits::default()
    } else {
        DeviceLimits {
            max_binding: Some(WGSL_MAX_BINDING),
            ..DeviceLimits::default()
        }
    }
}
