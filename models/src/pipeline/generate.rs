//! The denoising loop, as diffusers' `WanPipeline.__call__` (text-to-video) and
//! `WanImageToVideoPipeline.__call__` with `expand_timesteps=True` (Wan2.2 TI2V image-to-video).

use burn::prelude::*;
use burn::tensor::{DType, TensorData};

use super::error::PipelineError;
use super::failure::{all_finite, guarded, FailureKind, GpuFailure, Stage};
use super::first_frame::FirstFrame;
use super::models::{load_text_encoder, WanModels};
use super::motion_guide::GuideLatents;
use super::preview::{LatentPreview, StepControl, StepPreview};
use super::request::GenerateRequest;
use super::sampling::Sampling;
use super::video::Video;
use crate::noise::randn;
use crate::plan::Phase;
use crate::precision::to_f32;
use crate::scheduler::{cfg, uses_uncond};

/// The prompt embeddings of one run.
struct Text {
    /// [1, L, d].
    cond: Tensor<3>,
    /// [1, L, d] when guidance applies.
    uncond: Option<Tensor<3>>,
}

impl WanModels {
    /// The latent shape of `request`: [1, z, 1 + (F - 1) / 4, H / s, W / s].
    pub fn latent_shape(&self, request: &GenerateRequest) -> [usize; 5] {
        let config = self.vae.config();
        let s = config.spatial_factor();
        [
            1,
            config.z_dim,
            1 + (request.frames.max(1) - 1) / config.temporal_factor(),
            request.height / s,
            request.width / s,
        ]
    }

    /// Generates a clip. After each step `on_step` receives a [`StepPreview`] (in order, one
    /// per step) and answers [`StepControl::Continue`] or [`StepControl::Cancel`]; cancelling
    /// returns [`PipelineError::Cancelled`] at once, with no further model pass and no decode.
    ///
    /// Text-to-video: seeded noise [1, z, F', h, w] (models::noise, the same on every device)
    /// is denoised by the package's sampler, with classifier-free guidance against the negative
    /// prompt when `guidance > 1` (two DiT passes per step, one otherwise), then decoded by the
    /// VAE. With `request.image` (Wan2.2 TI2V packages), the image's latent stands in for
    /// latent frame 0 at every step, with timestep 0 on its tokens.
    pub fn generate(
        &mut self,
        request: &GenerateRequest,
        mut on_step: impl FnMut(StepPreview) -> StepControl,
    ) -> Result<Video, PipelineError> {
        self.size_rules().check(request)?;
        self.memory_plan(request)?.check(&self.limits)?;
        let shape = self.latent_shape(request);
        let noise = randn(request.seed, shape, &self.device);
        self.denoise(request, noise, &mut on_step)
    }

    /// [`Self::generate`] from given starting latents `noise` [1, z, F', h, w] instead of the
    /// seeded noise (e.g. noise drawn by another program, for comparisons).
    pub fn generate_from(
        &mut self,
        request: &GenerateRequest,
        noise: Tensor<5>,
        mut on_step: impl FnMut(StepPreview) -> StepControl,
    ) -> Result<Video, PipelineError> {
        self.size_rules().check(request)?;
        self.memory_plan(request)?.check(&self.limits)?;
        let shape = self.latent_shape(request);
        if noise.dims() != shape {
            return Err(PipelineError::InvalidRequest(format!(
                "starting latents {:?}, this request needs {shape:?}",
                noise.dims()
            )));
        }
        self.denoise(request, noise, &mut on_step)
    }

    fn denoise(
        &mut self,
        request: &GenerateRequest,
        noise: Tensor<5>,
        on_step: &mut dyn FnMut(StepPreview) -> StepControl,
    ) -> Result<Video, PipelineError> {
        let device = self.device.clone();
        // The sampler's state in f32 whatever the compute dtype, as diffusers keeps it: the
        // DiT sees its input rounded, the updates accumulate unrounded.
        let dtype = noise.dtype();
        let noise = to_f32(noise);
        let Sampling {
            mut sampler,
            clock,
            guidance,
        } = self.sampling(request)?;
        let text = self.stage(Stage::TextEncoding, request, |m| {
            let mut text = m.encode_text(request, guidance)?;
            if m.faults.poison(Stage::TextEncoding) {
                text.cond = text.cond.add_scalar(f32::NAN);
            }
            for embeds in std::iter::once(&text.cond).chain(&text.uncond) {
                if !all_finite(embeds) {
                    return Err(not_finite(Stage::TextEncoding, "prompt embeddings"));
                }
            }
            Ok(text)
        })?;
        let [_, z, latent_frames, _, _] = noise.dims();
        let (first_frame, guide) = self.stage(Stage::Conditioning, request, |m| {
            let first_frame = request
                .image
                .as_ref()
                .map(|image| FirstFrame::encode(&m.vae, image, latent_frames, &device));
            let guide = match (&request.motion, clock) {
                (Some(motion), Some(clock)) => Some(GuideLatents::prepare(
                    &m.vae,
                    motion,
                    noise.dims(),
                    clock,
                    &device,
                )?),
                _ => None,
            };
            Ok((first_frame, guide))
        })?;
        let preview =
            LatentPreview::for_channels(z, &device).with_decoder(self.preview_decoder.clone());
        let sigmas = sampler.sigmas().to_vec();
        let steps = match &guide {
            Some(guide) => {
                sampler.set_begin_index(guide.clock.first_step())?;
                guide.clock.steps_run()
            }
            None => sampler.schedule().steps(),
        };

        // [1, z, F', h, w]; for image-to-video frame 0 is kept at the image's latent (the
        // official Wan loop does so; diffusers puts it back only at the end, which gives the
        // same video: the sampler's update is per element, and the model only ever sees the
        // image's latent there). A motion guide starts from its noised latent.
        let start = match &guide {
            Some(guide) => guide.start(noise.clone(), sigmas[guide.clock.first_step()]),
            None => noise.clone(),
        };
        let mut latents = match &first_frame {
            Some(first) => first.apply(start),
            None => start,
        };
        let mut step = 0;
        while let (Some(t), Some(sigma)) = (sampler.current_timestep(), sampler.current_sigma()) {
            step += 1;
            let stage = Stage::Denoising { step };
            let current = latents;
            let (next, control) = self.stage(stage, request, |m| {
                let mut latents = current;
                // [1, 1] (one timestep) or [1, tokens] (frame 0's tokens at 0).
                let timestep = match &first_frame {
                    Some(first) => first.timesteps(t, &device),
                    None => {
                        Tensor::from_data(TensorData::new(vec![t], [1, 1]), (&device, DType::F32))
                    }
                };
                let cond = m.dit_pass(latents.clone(), timestep.clone(), text.cond.clone());
                let flow = match &text.uncond {
                    Some(uncond) => {
                        let uncond = m.dit_pass(latents.clone(), timestep, uncond.clone());
                        cfg(uncond, cond, guidance)
                    }
                    None => cond,
                };
                // The model's guess of the clean video: x0 = x_sigma - sigma * flow.
                let mut x0 = latents.clone() - flow.clone().mul_scalar(sigma);
                let k = sampler.step_index();
                latents = sampler.step(flow, latents);
                if let Some(guide) = &guide {
                    latents = guide.tie(k, latents, &noise, &sigmas);
                }
                if let Some(first) = &first_frame {
                    x0 = first.apply(x0);
                    latents = first.apply(latents);
                }
                if m.faults.poison(stage) {
                    latents = latents.add_scalar(f32::NAN);
                }
                // One reduction per step: a NaN here would otherwise reach the clip as black
                // frames after every remaining step.
                if !all_finite(&latents) {
                    return Err(not_finite(stage, "latents"));
                }
                let frames = preview.project(x0.cast(dtype))?;
                let control = on_step(StepPreview {
                    step,
                    steps,
                    timestep: t,
                    preview: frames,
                    latents: latents.clone().cast(dtype),
                });
                Ok((latents, control))
            })?;
            latents = next;
            if control == StepControl::Cancel {
                return Err(PipelineError::Cancelled);
            }
        }

        // One latent frame at a time -> host [F, H, W, 3] bytes.
        self.stage(Stage::Decoding, request, |m| {
            let mut latents = latents;
            if m.faults.poison(Stage::Decoding) {
                latents = latents.add_scalar(f32::NAN);
            }
            Video::decode(&m.vae, m.vae.denormalize(latents.cast(dtype)))
        })
    }

    /// Runs `f` as `stage` of `request`: a simulated fault due there fires first; a panic
    /// inside (the device failing in burn or cubecl) comes back as a [`GpuFailure`] with what
    /// to change, and the models stay usable for the next request.
    fn stage<T>(
        &mut self,
        stage: Stage,
        request: &GenerateRequest,
        f: impl FnOnce(&mut Self) -> Result<T, PipelineError>,
    ) -> Result<T, PipelineError> {
        let faults = self.faults.clone();
        let caught = guarded(|| {
            faults.trip(stage);
            f(self)
        });
        match caught {
            Ok(result) => result,
            Err((kind, detail)) => {
                // The encoder would otherwise stay on the device beside the next run's
                // transformer.
                if stage == Stage::TextEncoding && self.release_text_encoder {
                    drop(self.prompts.release_encoder());
                }
                Err(GpuFailure {
                    stage,
                    kind,
                    detail,
                    advice: self.failure_advice(request, stage, kind),
                }
                .into())
            }
        }
    }

    /// What to change after `kind` at `stage` of `request`.
    fn failure_advice(&self, request: &GenerateRequest, stage: Stage, kind: FailureKind) -> String {
        let text_on_device = self.text_device == self.device;
        match kind {
            FailureKind::OutOfMemory if stage == Stage::TextEncoding && text_on_device => {
                "run the text encoder on the CPU (`--text-encoder-on-cpu`; it runs once per new \
                 prompt, in ~11 GB of system memory for umT5-XXL), or close other programs \
                 that use the GPU"
                    .into()
            }
            FailureKind::OutOfMemory => {
                // The device held less than the plan's figure for this phase: aim for three
                // quarters of it.
                let phase = match stage {
                    Stage::Loading => Phase::Load,
                    Stage::TextEncoding => Phase::Text,
                    Stage::Conditioning | Stage::Denoising { .. } => Phase::Denoise,
                    Stage::Decoding => Phase::Decode,
                };
                let smaller = self.memory_plan(request).ok().and_then(|plan| {
                    plan.smaller_run_within(phase, plan.phase_device(phase) / 4 * 3)
                });
                match smaller {
                    Some(advice) => {
                        format!("{advice}; or close other programs that use the GPU")
                    }
                    None => "make fewer frames or a smaller size, or close other programs \
                             that use the GPU"
                        .into(),
                }
            }
            FailureKind::BufferTooBig => "make fewer frames or a smaller size, or use f16 \
                                          (half the size of every buffer)"
                .into(),
            FailureKind::DeviceLost => GpuFailure::lost_advice(),
            FailureKind::NotFinite => GpuFailure::nan_advice(),
            FailureKind::Crashed => String::new(),
        }
    }

    /// The prompt (and, with guidance, the negative prompt) embeddings, from the cache when
    /// they were encoded before. A released text encoder is read again only for a prompt not
    /// in the cache, and released again afterwards, before the transformer runs.
    fn encode_text(
        &mut self,
        request: &GenerateRequest,
        guidance: f32,
    ) -> Result<Text, PipelineError> {
        let prompts: Vec<&str> = if uses_uncond(guidance) {
            vec![&request.prompt, &request.negative_prompt]
        } else {
            vec![&request.prompt]
        };
        if !self.prompts.all_cached(&prompts) && self.prompts.encoder().is_none() {
            let encoder = load_text_encoder(
                &self.text_encoder_config,
                &self.text_encoder_folder,
                &self.text_device,
            )
            .map_err(|e| PipelineError::TextEncoder(e.to_string()))?;
            self.prompts.put_encoder(encoder);
        }
        let text = self.encode_prompts(request, guidance);
        if self.release_text_encoder {
            drop(self.prompts.release_encoder());
        }
        text
    }

    fn encode_prompts(
        &mut self,
        request: &GenerateRequest,
        guidance: f32,
    ) -> Result<Text, PipelineError> {
        if uses_uncond(guidance) {
            let both = self
                .prompts
                .encode_many(&[&request.prompt, &request.negative_prompt])?;
            let both = self.to_main_device(both)?;
            let [_, l, d] = both.dims();
            Ok(Text {
                cond: both.clone().narrow(0, 0, 1).reshape([1, l, d]),
                uncond: Some(both.narrow(0, 1, 1).reshape([1, l, d])),
            })
        } else {
            let cond = self.prompts.encode(&request.prompt)?;
            Ok(Text {
                cond: self.to_main_device(cond)?,
                uncond: None,
            })
        }
    }

    /// Prompt embeddings from the text encoder's device on the main one (through the host
    /// when they differ, e.g. CPU -> GPU: a few MB once per prompt).
    fn to_main_device(&self, embeds: Tensor<3>) -> Result<Tensor<3>, PipelineError> {
        if self.text_device == self.device {
            return Ok(embeds);
        }
        let dims = embeds.dims();
        let values: Vec<f32> =
            embeds
                .try_into_vec_as::<f32>()
                .map_err(|e| PipelineError::Readback {
                    what: "the prompt embeddings",
                    message: format!("{e:?}"),
                })?;
        Ok(Tensor::from_data(
            TensorData::new(values, dims),
            &self.device,
        ))
    }

    /// One DiT forward, counted: f32 latents [1, z, F', h, w] in, the f32 flow out (the DiT
    /// runs in the text's compute dtype). The RoPE tables are built once per token grid and
    /// kept.
    fn dit_pass(&mut self, latents: Tensor<5>, timestep: Tensor<2>, text: Tensor<3>) -> Tensor<5> {
        self.dit_passes += 1;
        let dtype = text.dtype();
        let grid = self.dit.grid(latents.dims());
        let rope = match self.rope.take() {
            Some((cached, rope)) if cached == grid => rope,
            _ => self.dit.rope(grid, &self.device),
        };
        let flow = self
            .dit
            .forward_with_rope(latents.cast(dtype), timestep, text, &rope);
        self.rope = Some((grid, rope));
        to_f32(flow)
    }
}

/// `what` became NaN or infinite at `stage`.
pub(super) fn not_finite(stage: Stage, what: &str) -> PipelineError {
    GpuFailure {
        stage,
        kind: FailureKind::NotFinite,
        detail: what.into(),
        advice: GpuFailure::nan_advice(),
    }
    .into()
}
