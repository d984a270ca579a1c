//! Every large buffer of a generation and the peak of each phase, from configs and sizes only.
//!
//! Sizes are exact where the engine's shapes are (weights from the parameter counts, tensors
//! from their shapes); how many copies of an activation are alive at once follows the code
//! (which temporaries a forward holds), checked against the process's peak memory by
//! `motionboard-bench --memory` (figures in the README).

use std::path::Path;

use burn::tensor::FloatDType;

use super::limits::{DeviceLimits, PlanError};
use super::{gib, DEFAULT_ATTENTION_CHUNK_BYTES};
use crate::expected::{dit_tensors, t5_tensors, vae_tensors, ExpectedTensor};
use crate::t5::T5Config;
use crate::wan::dit::DitConfig;
use crate::wan::vae::{VaeConfig, CACHE_T};

// The copy counts below are calibrated against `motionboard-bench memory` (peak resident
// memory of the real configs with random weights on flex, f32; figures in the README): burn
// runs most element-wise steps in place on a tensor nobody else holds, so far fewer copies are
// alive than the operations suggest.

/// Halves of the FFN's hidden layer alive at once: the up-projection, and half as much again
/// on average through the GELU's temporaries.
const FFN_HIDDEN_HALVES: u64 = 3;
/// Token-sized ([S, dim]) tensors alive in the self-attention stage besides the residual
/// stream: q, k and v (RoPE'd in place) and the attention output.
const ATTENTION_STAGE_COPIES: u64 = 4;
/// Token-sized tensors alive in the FFN stage besides the hidden layer: the projection back.
const FFN_STAGE_COPIES: u64 = 1;
/// Score-sized temporaries of one attention chunk: the f32 scores, turned into probabilities
/// in place.
const ATTENTION_SCORE_COPIES: u64 = 1;
/// Latent-sized f32 tensors through denoising: latents, noise, the model's x0, the conditional,
/// unconditional and guided flows, and the sampler's history.
const LATENT_COPIES: u64 = 8;
/// Copies of a decoder level's activation alive at once within a residual block: its input
/// and the conv's output (norms and activations run in place).
const DECODE_COPIES: u64 = 2;
/// The frames the causal convs carry between latent frames, in percent of what they keep:
/// each conv also holds its padded input while it runs.
const CARRIED_PERCENT: u64 = 125;

/// The configs a generation's memory depends on.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanConfigs {
    pub dit: DitConfig,
    pub vae: VaeConfig,
    pub text_encoder: T5Config,
}

impl PlanConfigs {
    /// The configs of the package at `root` (a diffusers folder, or a set of single files
    /// named by its transformer file).
    pub fn load(root: &Path) -> Result<Self, PlanError> {
        let bad = |e: crate::pipeline::PackageError| PlanError::Config {
            path: root.to_owned(),
            reason: e.to_string(),
        };
        let package = crate::pipeline::WanPackage::open(root).map_err(bad)?;
        Self::from_package(&package)
    }

    /// The configs of an opened package.
    pub fn from_package(package: &crate::pipeline::WanPackage) -> Result<Self, PlanError> {
        let bad = |e: crate::pipeline::PackageError| PlanError::Config {
            path: package.root().to_owned(),
            reason: e.to_string(),
        };
        Ok(Self {
            dit: package.transformer().map_err(bad)?.config,
            vae: package.vae().map_err(bad)?.config,
            text_encoder: package.text_encoder().map_err(bad)?.config,
        })
    }

    /// Wan2.1 T2V 1.3B.
    pub fn wan21_t2v_1_3b() -> Self {
        Self {
            dit: DitConfig::wan21_t2v_1_3b(),
            vae: VaeConfig::wan21(),
            text_encoder: T5Config::umt5_xxl(),
        }
    }

    /// Wan2.2 TI2V 5B.
    pub fn wan22_ti2v_5b() -> Self {
        Self {
            dit: DitConfig::wan22_ti2v_5b(),
            vae: VaeConfig::wan22(),
            text_encoder: T5Config::umt5_xxl(),
        }
    }
}

/// Where the umT5 text encoder runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoderPlacement {
    /// On the device, in the device's precision; its weights leave the device once the
    /// prompts are encoded, before the transformer runs.
    Device,
    /// On the CPU, in system memory, at `bytes` per value (2: bf16/f16; 4: f32).
    Cpu { bytes: u64 },
}

/// What is planned: the video, the precision and the choices that change the memory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanRequest {
    pub width: u32,
    pub height: u32,
    /// 4k + 1.
    pub frames: u32,
    /// The device's float type (weights and activations).
    pub precision: FloatDType,
    pub text_encoder: TextEncoderPlacement,
    /// Classifier-free guidance: the negative prompt is encoded too.
    pub guidance: bool,
    /// A first frame (Wan2.2 TI2V): the timestep varies per latent frame.
    pub image: bool,
    /// Bound on attention's score temporaries.
    pub attention_chunk_bytes: u64,
    /// Text tokens per prompt (Wan: 512).
    pub text_tokens: u32,
}

impl PlanRequest {
    /// `width` x `height` x `frames` in f16, the text encoder on the CPU in half precision,
    /// with guidance, no first frame, the default attention bound.
    pub fn new(width: u32, height: u32, frames: u32) -> Self {
        Self {
            width,
            height,
            frames,
            precision: FloatDType::F16,
            text_encoder: TextEncoderPlacement::Cpu { bytes: 2 },
            guidance: true,
            image: false,
            attention_chunk_bytes: DEFAULT_ATTENTION_CHUNK_BYTES,
            text_tokens: 512,
        }
    }

    /// Bytes per value on the device.
    pub fn bytes(&self) -> u64 {
        match self.precision {
            FloatDType::F64 => 8,
            FloatDType::F32 | FloatDType::Flex32 => 4,
            _ => 2,
        }
    }
}

/// A part of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// Reading the weights.
    Load,
    /// The prompts through umT5.
    Text,
    /// The transformer over the latents, step after step.
    Denoise,
    /// The VAE, one latent frame at a time.
    Decode,
}

impl Phase {
    /// In words.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Load => "loading",
            Phase::Text => "text encoding",
            Phase::Denoise => "denoising",
            Phase::Decode => "decoding",
        }
    }
}

/// What a buffer is for: the parts `motionboard-bench memory` measures on their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BufferKind {
    /// Model weights.
    Weights,
    /// Reading the weights.
    Staging,
    /// The text encoder's activations.
    Text,
    /// What lives through denoising: latents, sampler state, text, RoPE, modulation.
    Denoising,
    /// One transformer block's activations.
    Block,
    /// One latent frame through the VAE decoder.
    Decode,
    /// The decoded clip.
    Output,
}

/// Which memory a buffer takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The device's (the GPU's; system memory on the CPU backend).
    Device,
    /// System memory.
    Host,
}

/// One large buffer (or a group of equal ones) of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Buffer {
    /// What it is, in words.
    pub name: String,
    pub place: Place,
    /// The phases it is alive in.
    pub phases: Vec<Phase>,
    /// All of it.
    pub bytes: u64,
    /// Its largest single allocation (what one storage binding must hold).
    pub largest: u64,
    pub kind: BufferKind,
    /// Buffers of a phase with different stages are never alive together (the
    /// self-attention and the FFN of a block); `None`: alive through the whole phase.
    pub stage: Option<&'static str>,
}

/// The peak of one phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhasePeak {
    pub phase: Phase,
    pub device: u64,
    pub host: u64,
}

/// The memory of one generation.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationPlan {
    pub configs: PlanConfigs,
    pub request: PlanRequest,
    /// Transformer tokens.
    pub tokens: u64,
    /// Latent [channels, frames, height, width].
    pub latent: [u64; 4],
    pub buffers: Vec<Buffer>,
    pub phases: Vec<PhasePeak>,
}

fn params(tensors: &[ExpectedTensor]) -> (u64, u64) {
    let sizes = tensors
        .iter()
        .map(|(_, shape)| shape.iter().product::<usize>() as u64);
    (sizes.clone().sum(), sizes.max().unwrap_or(0))
}

impl GenerationPlan {
    /// The plan of `request` with `configs`. Refuses sizes the model cannot make (with what to
    /// use instead); nothing is allocated.
    pub fn new(configs: &PlanConfigs, request: &PlanRequest) -> Result<Self, PlanError> {
        let (dit, vae, t5) = (&configs.dit, &configs.vae, &configs.text_encoder);
        let e = request.bytes();
        let s = vae.spatial_factor() as u64;
        let tf = vae.temporal_factor() as u64;
        let [pt, ph, pw] = dit.patch_size.map(|p| p as u64);
        let (w, h, f) = (
            u64::from(request.width),
            u64::from(request.height),
            u64::from(request.frames),
        );
        let multiple = s * ph.max(pw);
        if f == 0 || (f - 1) % tf != 0 || w == 0 || h == 0 || w % multiple != 0 || h % multiple != 0
        {
            return Err(PlanError::Size(format!(
                "{w}x{h}, {f} frames: this model needs sides that are multiples of {multiple} \
                 pixels and {tf}k + 1 frames"
            )));
        }
        let latent_frames = 1 + (f - 1) / tf;
        let latent = [vae.z_dim as u64, latent_frames, h / s, w / s];
        let tokens = latent_frames / pt * (h / s / ph) * (w / s / pw);
        let dim = dit.inner_dim() as u64;
        let ffn = dit.ffn_dim as u64;
        let prompts: u64 = if request.guidance { 2 } else { 1 };
        let text_tokens = u64::from(request.text_tokens);
        let bound = request.attention_chunk_bytes;

        let mut buffers = Vec::new();
        let mut add = |kind: BufferKind,
                       name: &str,
                       place: Place,
                       phases: &[Phase],
                       bytes: u64,
                       largest: u64,
                       stage: Option<&'static str>| {
            buffers.push(Buffer {
                name: name.to_owned(),
                place,
                phases: phases.to_vec(),
                bytes,
                largest,
                kind,
                stage,
            })
        };
        use Phase::*;
        const RUN: &[Phase] = &[Load, Text, Denoise, Decode];

        // Weights. The files are memory-mapped (page cache, not counted); each tensor is
        // converted on its own, so loading holds one tensor's f32 copy on the host at a time.
        let t5_tensors = t5_tensors(t5).map_err(|e| PlanError::Config {
            path: "text_encoder/config.json".into(),
            reason: e.to_string(),
        })?;
        let (t5_params, t5_largest) = params(&t5_tensors);
        let (dit_params, dit_largest) = params(&dit_tensors(dit));
        let (vae_params, vae_largest) = params(&vae_tensors(vae));
        let (text_place, text_bytes, text_phases): (Place, u64, &[Phase]) =
            match request.text_encoder {
                TextEncoderPlacement::Device => (Place::Device, e, &[Load, Text]),
                // Kept in system memory for the next new prompt.
                TextEncoderPlacement::Cpu { bytes } => (Place::Host, bytes, RUN),
            };
        add(
            BufferKind::Weights,
            "text encoder weights (umT5)",
            text_place,
            text_phases,
            t5_params * text_bytes,
            t5_largest * text_bytes,
            None,
        );
        add(
            BufferKind::Weights,
            "transformer weights",
            Place::Device,
            RUN,
            dit_params * e,
            dit_largest * e,
            None,
        );
        add(
            BufferKind::Weights,
            "VAE weights",
            Place::Device,
            RUN,
            vae_params * e,
            vae_largest * e,
            None,
        );
        let staging = t5_largest.max(dit_largest).max(vae_largest) * 4;
        add(
            BufferKind::Staging,
            "loading: one tensor converted through f32",
            Place::Host,
            &[Load],
            staging,
            staging,
            None,
        );

        // Text encoding, both prompts in one batch.
        let d_model = t5.d_model as u64;
        let rows = prompts * text_tokens;
        let full_scores = prompts * t5.num_heads as u64 * text_tokens * text_tokens * 4;
        let text_act = rows * d_model * text_bytes * 4
            + rows * t5.inner_dim() as u64 * text_bytes * 3
            + rows * t5.d_ff as u64 * text_bytes * 3
            + t5.num_heads as u64 * text_tokens * text_tokens * text_bytes
            + full_scores.min(bound);
        add(
            BufferKind::Text,
            "text encoder activations (hidden states, q/k/v, FFN, relative bias, scores)",
            text_place,
            &[Text],
            text_act,
            (rows * t5.d_ff as u64 * text_bytes).max(full_scores.min(bound)),
            None,
        );
        let embeds = rows * d_model * 4;
        add(
            BufferKind::Text,
            "prompt embeddings (cached per prompt)",
            Place::Device,
            &[Text, Denoise],
            embeds,
            embeds / prompts,
            None,
        );

        // Denoising.
        let latent_values: u64 = latent.iter().product();
        add(
            BufferKind::Denoising,
            "latents, noise and the sampler's state (f32)",
            Place::Device,
            &[Denoise],
            latent_values * 4 * LATENT_COPIES,
            latent_values * 4,
            None,
        );
        add(
            BufferKind::Denoising,
            "text in the transformer's width",
            Place::Device,
            &[Denoise],
            prompts * text_tokens * dim * e,
            text_tokens * dim * e,
            None,
        );
        let rope = tokens * dit.attention_head_dim as u64 * e;
        add(
            BufferKind::Denoising,
            "RoPE tables (cached per token grid)",
            Place::Device,
            &[Denoise],
            rope,
            rope / 2,
            None,
        );
        if request.image {
            // Computed per latent frame, then broadcast over the frame's tokens: the [S, 6,
            // dim] modulation and the block's sum with its table.
            let modulation = tokens * 6 * dim * e;
            add(
                BufferKind::Denoising,
                "per-token timestep modulation",
                Place::Device,
                &[Denoise],
                2 * modulation,
                modulation,
                None,
            );
        }
        let token_bytes = tokens * dim * e;
        add(
            BufferKind::Block,
            "residual stream (block input and output)",
            Place::Device,
            &[Denoise],
            2 * token_bytes,
            token_bytes,
            None,
        );
        add(
            BufferKind::Block,
            "self-attention: normed input, q, k, v, RoPE, output",
            Place::Device,
            &[Denoise],
            ATTENTION_STAGE_COPIES * token_bytes,
            token_bytes,
            Some("attention"),
        );
        let heads = dit.num_attention_heads as u64;
        // Scores are f32 whatever the compute precision (the softmax runs in f32).
        let self_scores = heads * tokens * tokens * 4;
        let cross_scores = heads * tokens * text_tokens * 4;
        let scores = self_scores.max(cross_scores).min(bound);
        add(
            BufferKind::Block,
            "attention scores (queries and heads split under the bound)",
            Place::Device,
            &[Denoise],
            ATTENTION_SCORE_COPIES * scores,
            scores,
            Some("attention"),
        );
        let hidden = tokens * ffn * e;
        add(
            BufferKind::Block,
            "feed-forward: hidden layer and GELU",
            Place::Device,
            &[Denoise],
            FFN_HIDDEN_HALVES * hidden / 2 + FFN_STAGE_COPIES * token_bytes,
            hidden,
            Some("ffn"),
        );

        // Decoding: one latent frame at a time.
        add(
            BufferKind::Denoising,
            "latents to decode (f32)",
            Place::Device,
            &[Decode],
            2 * latent_values * 4,
            latent_values * 4,
            None,
        );
        let (working, largest, caches) = decoder_memory(vae, latent[2], latent[3], e);
        add(
            BufferKind::Decode,
            "VAE decoder: one latent frame's activations",
            Place::Device,
            &[Decode],
            working,
            largest,
            None,
        );
        add(
            BufferKind::Decode,
            "VAE decoder: frames carried between latent frames",
            Place::Device,
            &[Decode],
            caches,
            caches / 4,
            None,
        );
        let chunk_frames = tf * 3 * w * h;
        add(
            BufferKind::Decode,
            "decoded frames of one latent frame (f32, then 8-bit)",
            Place::Device,
            &[Decode],
            chunk_frames * (4 + 1),
            chunk_frames * 4,
            None,
        );
        add(
            BufferKind::Output,
            "the clip in 8-bit RGB",
            Place::Host,
            &[Decode],
            f * h * w * 3,
            f * h * w * 3,
            None,
        );

        let phases = [Load, Text, Denoise, Decode]
            .into_iter()
            .map(|phase| PhasePeak {
                phase,
                device: peak(&buffers, phase, Place::Device),
                host: peak(&buffers, phase, Place::Host),
            })
            .collect();
        Ok(Self {
            configs: configs.clone(),
            request: *request,
            tokens,
            latent,
            buffers,
            phases,
        })
    }

    /// The most device memory any phase takes.
    pub fn device_peak(&self) -> u64 {
        self.phases.iter().map(|p| p.device).max().unwrap_or(0)
    }

    /// The most system memory any phase takes (besides the program itself).
    pub fn host_peak(&self) -> u64 {
        self.phases.iter().map(|p| p.host).max().unwrap_or(0)
    }

    /// The phase with the most device memory.
    pub fn peak_phase(&self) -> PhasePeak {
        self.phases
            .iter()
            .copied()
            .max_by_key(|p| p.device)
            .unwrap_or(PhasePeak {
                phase: Phase::Load,
                device: 0,
                host: 0,
            })
    }

    /// The device buffer with the largest single allocation.
    pub fn largest_device_buffer(&self) -> Option<&Buffer> {
        self.buffers
            .iter()
            .filter(|b| b.place == Place::Device)
            .max_by_key(|b| b.largest)
    }

    /// The bytes of the buffers of `kinds` alive in `phase` (both places), stages not added
    /// up: what that part of the run takes on its own.
    pub fn part(&self, phase: Phase, kinds: &[BufferKind]) -> u64 {
        let chosen: Vec<Buffer> = self
            .buffers
            .iter()
            .filter(|b| kinds.contains(&b.kind))
            .map(|b| Buffer {
                place: Place::Device,
                ..b.clone()
            })
            .collect();
        peak(&chosen, phase, Place::Device)
    }

    /// The buffers alive in `phase` at `place`.
    pub fn buffers_in(&self, phase: Phase, place: Place) -> impl Iterator<Item = &Buffer> {
        self.buffers
            .iter()
            .filter(move |b| b.place == place && b.phases.contains(&phase))
    }

    /// Whether this plan runs on a device with `limits`; if not, why and what to change.
    pub fn check(&self, limits: &DeviceLimits) -> Result<(), PlanError> {
        limits.check(self)
    }

    /// The plan in lines for a person: each phase's peak and its buffers.
    pub fn describe(&self) -> String {
        let mut out = format!(
            "{}x{}, {} frames, {:?}: {} transformer tokens; peak {} on the device, {} of \
             system memory\n",
            self.request.width,
            self.request.height,
            self.request.frames,
            self.request.precision,
            self.tokens,
            gib(self.device_peak()),
            gib(self.host_peak())
        );
        for p in &self.phases {
            out.push_str(&format!(
                "{}: device {}, system {}\n",
                p.phase.name(),
                gib(p.device),
                gib(p.host)
            ));
            for place in [Place::Device, Place::Host] {
                for b in self.buffers_in(p.phase, place) {
                    let stage = b.stage.map(|s| format!(" [{s} stage]")).unwrap_or_default();
                    out.push_str(&format!(
                        "  {:<6} {:>9}  {}{stage}\n",
                        match place {
                            Place::Device => "device",
                            Place::Host => "system",
                        },
                        gib(b.bytes),
                        b.name
                    ));
                }
            }
        }
        out
    }
}

/// The most of `place` alive in `phase`: every unstaged buffer, plus the largest stage.
fn peak(buffers: &[Buffer], phase: Phase, place: Place) -> u64 {
    let live = buffers
        .iter()
        .filter(|b| b.place == place && b.phases.contains(&phase));
    let mut always = 0;
    let mut stages: Vec<(&str, u64)> = Vec::new();
    for b in live {
        match b.stage {
            None => always += b.bytes,
            Some(stage) => match stages.iter_mut().find(|(s, _)| *s == stage) {
                Some((_, bytes)) => *bytes += b.bytes,
                None => stages.push((stage, b.bytes)),
            },
        }
    }
    always + stages.iter().map(|(_, b)| *b).max().unwrap_or(0)
}

/// The VAE decoder's memory for one latent frame of `h` x `w` latent pixels at `e` bytes per
/// value: (working memory, its largest tensor, the frames every causal conv carries to the
/// next latent frame). The level with the most values dominates the working memory: its
/// activation over the frames one latent frame makes, plus the carried frames, a few times.
fn decoder_memory(vae: &VaeConfig, h: u64, w: u64, e: u64) -> (u64, u64, u64) {
    let dims = vae.decoder_dims();
    let temporal = vae.temperal_upsample();
    let levels = vae.dim_mult.len();
    let tf = vae.temporal_factor() as u64;
    let cache_t = CACHE_T as u64;
    let resnets = vae.num_res_blocks as u64 + 1;
    let mut frames = 1u64;
    let mut pixels = h * w;
    // The mid block at the latent size: two residual blocks (two convs each) and conv_in.
    let mut caches = (1 + 4) * dims[0] as u64 * cache_t * pixels;
    let mut largest_level = dims[0] as u64 * (frames + cache_t) * pixels;
    for i in 0..levels {
        let c_out = dims[i + 1] as u64;
        // Every resnet's two convs carry their input's last frames.
        caches += 2 * resnets * c_out * cache_t * pixels;
        largest_level = largest_level.max(c_out * (frames + cache_t) * pixels);
        if i + 1 < levels {
            if temporal[i] {
                // The time conv before the frames double.
                caches += c_out * cache_t * pixels;
                frames = (frames * 2).min(tf);
            }
            pixels *= 4;
            // The up-sampler's output, before the next level's first resnet.
            let up = if vae.is_residual { c_out } else { c_out / 2 };
            largest_level = largest_level.max(up * (frames + cache_t) * pixels);
        }
    }
    // `frames` follows a latent frame after the first (which makes one video frame, not
    // `tf`): the larger case.
    debug_assert!(frames <= tf);
    (
        largest_level * e * DECODE_COPIES,
        largest_level * e,
        caches * e * CARRIED_PERCENT / 100,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    fn plan(configs: PlanConfigs, request: PlanRequest) -> GenerationPlan {
        GenerationPlan::new(&configs, &request).unwrap()
    }

    #[test]
    fn wan21_480p_fits_eight_gigabytes_with_the_text_encoder_on_the_cpu() {
        let p = plan(
            PlanConfigs::wan21_t2v_1_3b(),
            PlanRequest::new(832, 480, 81),
        );
        assert_eq!(p.tokens, 32_760);
        assert_eq!(p.latent, [16, 21, 60, 104]);
        // umT5-XXL in half precision on the CPU: ~11.4 GB, under 12 GB.
        let text = &p.buffers[0];
        assert_eq!(text.place, Place::Host);
        assert!(
            (10 * GIB..12 * GIB).contains(&text.bytes),
            "{}",
            p.describe()
        );
        assert!(text.bytes < 12_000_000_000);
        // Loading adds one tensor's f32 copy (umT5's 4.2 GB token embedding): under 16 GB.
        assert!(p.host_peak() < 16_000_000_000, "{}", p.describe());
        assert!(p.device_peak() < 8 * GIB, "{}", p.describe());
        // The largest device allocation: the FFN's hidden layer, 32,760 x 8,960 in f16.
        let largest = p.largest_device_buffer().unwrap();
        assert_eq!(largest.largest, 32_760 * 8_960 * 2, "{}", largest.name);
        p.check(&DeviceLimits::gpu(8 * GIB)).unwrap();
    }

    #[test]
    fn wan21_720p_needs_more_and_the_text_encoder_on_the_gpu_needs_most() {
        let small = plan(
            PlanConfigs::wan21_t2v_1_3b(),
            PlanRequest::new(832, 480, 81),
        );
        let big = plan(
            PlanConfigs::wan21_t2v_1_3b(),
            PlanRequest::new(1280, 720, 81),
        );
        assert_eq!(big.tokens, 21 * 45 * 80);
        assert!(big.device_peak() > small.device_peak());
        let mut on_gpu = PlanRequest::new(1280, 720, 81);
        on_gpu.text_encoder = TextEncoderPlacement::Device;
        let on_gpu = plan(PlanConfigs::wan21_t2v_1_3b(), on_gpu);
        // umT5 leaves before denoising: the text phase is the peak.
        assert_eq!(on_gpu.peak_phase().phase, Phase::Text);
        assert!(on_gpu.device_peak() > 11 * GIB);
        let err = on_gpu.check(&DeviceLimits::gpu(8 * GIB)).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("text encoder on the CPU"), "{message}");
    }

    #[test]
    fn ti2v_5b_at_704p_121_frames_fits_22_gigabytes() {
        let mut request = PlanRequest::new(1280, 704, 121);
        request.image = true;
        let p = plan(PlanConfigs::wan22_ti2v_5b(), request);
        assert_eq!(p.tokens, 31 * 22 * 40);
        assert!(p.device_peak() < 22 * GIB, "{}", p.describe());
        assert!(p.host_peak() < 16_000_000_000, "{}", p.describe());
        p.check(&DeviceLimits::gpu(22 * GIB)).unwrap();
        // Without the bound, the self-attention scores alone are 24 x 27,280^2 in f16: 33 GiB.
        let mut unbounded = request;
        unbounded.attention_chunk_bytes = u64::MAX;
        let p = plan(PlanConfigs::wan22_ti2v_5b(), unbounded);
        let err = p
            .check(&DeviceLimits::gpu(24 * GIB))
            .unwrap_err()
            .to_string();
        assert!(err.contains("attention scores"), "{err}");
    }

    #[test]
    fn a_buffer_past_the_binding_is_refused_with_what_to_do() {
        // umT5's token embedding in f32 (256,384 x 4,096 x 4 bytes) passes WGSL's 2 GiB.
        let mut request = PlanRequest::new(832, 480, 81);
        request.precision = FloatDType::F32;
        request.text_encoder = TextEncoderPlacement::Device;
        let p = plan(PlanConfigs::wan21_t2v_1_3b(), request);
        let err = p
            .check(&DeviceLimits::gpu(80 * GIB))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("text encoder weights") && err.contains("storage binding"),
            "{err}"
        );
        // The same on a device without the cap.
        let mut limits = DeviceLimits::gpu(80 * GIB);
        limits.max_binding = None;
        p.check(&limits).unwrap();
    }

    #[test]
    fn a_plan_over_memory_suggests_a_length_that_fits() {
        let p = plan(
            PlanConfigs::wan21_t2v_1_3b(),
            PlanRequest::new(832, 480, 81),
        );
        let err = p
            .check(&DeviceLimits::gpu(4 * GIB))
            .unwrap_err()
            .to_string();
        assert!(err.contains("frames") || err.contains("smaller"), "{err}");
    }

    #[test]
    fn bad_sizes_say_what_the_model_needs() {
        let err = GenerationPlan::new(
            &PlanConfigs::wan22_ti2v_5b(),
            &PlanRequest::new(1280, 720, 121),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("multiples of 32"), "{err}");
    }

    #[test]
    fn stages_of_a_block_do_not_add_up() {
        let b = |stage, bytes| Buffer {
            name: String::new(),
            place: Place::Device,
            phases: vec![Phase::Denoise],
            bytes,
            largest: bytes,
            kind: BufferKind::Block,
            stage,
        };
        let buffers = [
            b(None, 1),
            b(Some("a"), 10),
            b(Some("a"), 5),
            b(Some("b"), 12),
        ];
        assert_eq!(peak(&buffers, Phase::Denoise, Place::Device), 16);
        assert_eq!(peak(&buffers, Phase::Decode, Place::Device), 0);
    }
}
