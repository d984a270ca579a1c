//! A loaded Wan package: prompt encoder (umT5 + tokenizer, cached per prompt), DiT, VAE and the
//! sampler's config, checked to fit together.

use std::path::Path;

use burn::prelude::*;

use super::error::{BoxError, PackageError};
use super::package::WanPackage;
use super::request::SizeRules;
use crate::scheduler::{FlowSchedulerConfig, SamplerKind, SchedulerError};
use crate::t5::{PromptEncoder, PromptTokenizer, T5Config, UmT5Encoder};
use crate::wan::dit::{DitConfig, WanDit};
use crate::wan::vae::{VaeConfig, WanVae};

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
    pub(super) device: Device,
    pub(super) dit_passes: usize,
}

/// Wraps a component's error with the component's name and folder.
fn component<E>(component: &'static str, folder: &Path) -> impl FnOnce(E) -> PackageError
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
    /// Opens and loads the diffusers package at `root` onto `device` (see [`WanPackage`]).
    pub fn load(root: impl AsRef<Path>, device: &Device) -> Result<Self, PackageError> {
        Self::from_package(&WanPackage::open(root)?, device)
    }

    /// Loads an opened package: configs, tokenizer and weights (memory-mapped, converted to
    /// the device's float type), then checks that the parts fit together.
    pub fn from_package(package: &WanPackage, device: &Device) -> Result<Self, PackageError> {
        let folder = package.folder("scheduler");
        let scheduler = FlowSchedulerConfig::load(folder.join("scheduler_config.json"))
            .map_err(component("scheduler", &folder))?;

        let folder = package.folder("tokenizer");
        let tokenizer = PromptTokenizer::from_file(folder.join("tokenizer.json"))
            .map_err(component("tokenizer", &folder))?;

        let folder = package.folder("text_encoder");
        let t5_config = T5Config::load(folder.join("config.json"))
            .map_err(component("text encoder", &folder))?;
        let encoder = UmT5Encoder::load(&t5_config, &folder, device)
            .map_err(component("text encoder", &folder))?;

        let folder = package.folder("transformer");
        let dit_config = DitConfig::load(folder.join("config.json"))
            .map_err(component("transformer", &folder))?;
        let dit = WanDit::load(&dit_config, &folder, device)
            .map_err(component("transformer", &folder))?;

        let folder = package.folder("vae");
        let vae_config =
            VaeConfig::load(folder.join("config.json")).map_err(component("VAE", &folder))?;
        let vae = WanVae::load(&vae_config, &folder, device).map_err(component("VAE", &folder))?;

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
            prompts: PromptEncoder::new(tokenizer, encoder, device.clone()),
            dit,
            dit_config,
            vae,
            scheduler,
            expand_timesteps: package.expand_timesteps(),
            device: device.clone(),
            dit_passes: 0,
        })
    }

    /// The device everything runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Whether requests may carry a first frame (Wan2.2 TI2V packages).
    pub fn supports_image(&self) -> bool {
        self.expand_timesteps
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

    /// DiT forward passes run since loading (two per step with guidance, one without).
    pub fn dit_passes(&self) -> usize {
        self.dit_passes
    }

    /// Tokens per prompt (default 512, as Wan's pipeline). Changing it empties the prompt
    /// cache.
    pub fn set_max_sequence_length(&mut self, tokens: usize) {
        if tokens != self.prompts.max_sequence_length() {
            self.prompts = PromptEncoder::new(
                self.prompts.tokenizer().clone(),
                self.prompts.encoder().clone(),
                self.device.clone(),
            )
            .with_max_sequence_length(tokens);
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
