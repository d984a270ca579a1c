//! The TAEHV decoder: normalised latents `[N, C, T, h, w]` -> video `[N, 3, 4T - 3, H, W]` in
//! [0, 1], whole or chunk by chunk with the MemBlocks' memory carried.

use std::path::Path;

use burn::nn::conv::Conv2d;
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::blocks::{conv3x3, pixel_shuffle, soft_clamp, upsample2x, MemBlock, TGrow};
use super::config::{TaehvConfig, TaehvConfigError};
use super::load::Loader;
use crate::weights::{LoadError, WeightFiles};

/// MemBlocks per stage.
pub const BLOCKS_PER_STAGE: usize = 3;

/// What can go wrong building, loading or running a TAEHV decoder.
#[derive(Debug, thiserror::Error)]
pub enum TaehvError {
    /// The config is unusable or cannot be told from the file name.
    #[error(transparent)]
    Config(#[from] TaehvConfigError),
    /// The weights file cannot be read, or does not fit the config (the report names each
    /// missing, unexpected or mis-shaped tensor).
    #[error(
        "{0}{hint}",
        hint = if matches!(.0, LoadError::Mismatch { .. }) {
            " (taew2_1 decodes Wan2.1's 16-channel latents, taew2_2 Wan2.2's 48-channel ones: \
             is the config the file's?)"
        } else {
            ""
        }
    )]
    Weights(#[from] LoadError),
    /// The latents do not fit the decoder (or the state of an earlier clip).
    #[error("{0}")]
    Input(String),
}

/// One stage: three MemBlocks, then 2x nearest upsampling (if on), a TGrow (x1 or x2 frames)
/// and a 3x3 projection to the next stage's width.
#[derive(Module, Debug)]
pub struct Stage {
    /// `decoder.{3 + 6s}`, `decoder.{4 + 6s}`, `decoder.{5 + 6s}`.
    pub blocks: Vec<MemBlock>,
    /// `decoder.{7 + 6s}`.
    pub grow: TGrow,
    /// `decoder.{8 + 6s}`: 3x3, no bias.
    pub proj: Conv2d,
    /// Whether `decoder.{6 + 6s}` doubles the size (scale factor 2, or 1).
    #[module(skip)]
    pub upscale: bool,
}

impl Stage {
    fn new(channels: usize, next: usize, upscale: bool, grow: bool, device: &Device) -> Self {
        Self {
            blocks: (0..BLOCKS_PER_STAGE)
                .map(|_| MemBlock::new(channels, device))
                .collect(),
            grow: TGrow::new(channels, if grow { 2 } else { 1 }, device),
            proj: conv3x3(channels, next, false, device),
            upscale,
        }
    }
}

/// The reference's `TAEHV.decoder` (an `nn.Sequential`): Clamp, conv (C -> w0), ReLU, three
/// [`Stage`]s, ReLU, conv (w3 -> 3 p^2), then pixel shuffle by p and a clamp to [0, 1].
#[derive(Module, Debug)]
pub struct TaehvDecoder {
    /// `decoder.1`: latent channels -> widths[0], 3x3.
    pub conv_in: Conv2d,
    /// `decoder.3` to `decoder.20`.
    pub stages: Vec<Stage>,
    /// `decoder.22`: widths[3] -> 3 p^2, 3x3.
    pub conv_out: Conv2d,
    /// The configuration it was built from.
    #[module(skip)]
    pub config: TaehvConfig,
}

/// What a chunked decode carries from one chunk to the next: each MemBlock's last input frame
/// and how many startup frames are still to be dropped. One state per clip.
#[derive(Debug, Clone)]
pub struct TaehvState {
    memory: Vec<Option<Tensor<4>>>,
    to_trim: Option<usize>,
    /// (clips, latent height, latent width) of the first chunk.
    shape: Option<[usize; 3]>,
}

impl TaehvState {
    /// The state before a clip's first chunk.
    pub fn new() -> Self {
        Self {
            memory: Vec::new(),
            to_trim: None,
            shape: None,
        }
    }
}

impl Default for TaehvState {
    fn default() -> Self {
        Self::new()
    }
}

impl TaehvDecoder {
    /// Random weights for `config` (which should have passed [`TaehvConfig::validate`]).
    pub fn init(config: &TaehvConfig, device: &Device) -> Self {
        let w = config.widths;
        Self {
            conv_in: conv3x3(config.latent_channels, w[0], true, device),
            stages: (0..3)
                .map(|s| {
                    Stage::new(
                        w[s],
                        w[s + 1],
                        config.space_upscale[s],
                        config.time_upscale[s],
                        device,
                    )
                })
                .collect(),
            conv_out: conv3x3(w[3], config.out_channels(), true, device),
            config: config.clone(),
        }
    }

    /// The decoder for `config` with the weights of the TAEHV safetensors file at `path`
    /// (`taew2_1.safetensors` / `taew2_2.safetensors`: the reference's state-dict names,
    /// `decoder.N...`; the encoder's tensors beside them are not used), memory-mapped and
    /// converted to the device's float type. [`TaehvConfig::from_file_name`] gives the config
    /// of a file that kept its name.
    pub fn load(
        path: impl AsRef<Path>,
        config: &TaehvConfig,
        device: &Device,
    ) -> Result<Self, TaehvError> {
        config.validate()?;
        let files = WeightFiles::open(path)?;
        let mut model = Self::init(config, device);
        Loader::new(&files).decoder(&mut model)?;
        Ok(model)
    }

    /// [`Self::load`] with the config the file name says (see [`TaehvConfig::from_file_name`]).
    pub fn load_named(path: impl AsRef<Path>, device: &Device) -> Result<Self, TaehvError> {
        let config = TaehvConfig::from_file_name(&path)?;
        Self::load(path, &config, device)
    }

    /// The configuration.
    pub fn config(&self) -> &TaehvConfig {
        &self.config
    }

    /// Latent channels it reads.
    pub fn latent_channels(&self) -> usize {
        self.config.latent_channels
    }

    /// The whole clip at once: `latents` `[N, C, T, h, w]`, normalised as the pipeline samples
    /// them -> `[N, 3, 4T - 3, 8h or 16h, 8w or 16w]` in [0, 1]. Memory grows with T (every
    /// frame is in flight at full resolution); [`Self::decode_chunk`] bounds it.
    pub fn decode(&self, latents: Tensor<5>) -> Result<Tensor<5>, TaehvError> {
        self.decode_chunk(latents, &mut TaehvState::new())
    }

    /// The next `t` latent frames of a clip, given the state the previous chunks left:
    /// `[N, C, t, h, w]` -> the frames they complete, `[N, 3, 4t, H, W]` (`4t - 3` for the
    /// first chunk, whose startup frames are dropped). Chunks of any length give the same
    /// frames as one [`Self::decode`] (the memory is causal: one frame back).
    pub fn decode_chunk(
        &self,
        latents: Tensor<5>,
        state: &mut TaehvState,
    ) -> Result<Tensor<5>, TaehvError> {
        let [n, c, t, h, w] = latents.dims();
        if c != self.config.latent_channels {
            return Err(TaehvError::Input(format!(
                "latents with {c} channels given to a TAEHV decoder for {} (taew2_1 takes \
                 Wan2.1's 16, taew2_2 Wan2.2's 48)",
                self.config.latent_channels
            )));
        }
        if n == 0 || t == 0 || h == 0 || w == 0 {
            return Err(TaehvError::Input(format!(
                "empty latents {:?}",
                latents.dims()
            )));
        }
        match state.shape {
            Some(shape) if shape != [n, h, w] => {
                return Err(TaehvError::Input(format!(
                    "a chunk of {n} clip(s) of {h}x{w} latents continues a decode of {} of \
                     {}x{}: use a new TaehvState for each clip",
                    shape[0], shape[1], shape[2]
                )))
            }
            _ => state.shape = Some([n, h, w]),
        }
        if state.memory.is_empty() {
            state.memory = vec![None; self.stages.len() * BLOCKS_PER_STAGE];
        }

        // [N, C, T, h, w] -> frames [N * T, C, h, w].
        let x = latents.swap_dims(1, 2).reshape([n * t, c, h, w]);
        let mut x = relu(self.conv_in.forward(soft_clamp(x)));
        for (s, stage) in self.stages.iter().enumerate() {
            for (b, block) in stage.blocks.iter().enumerate() {
                x = block.forward(x, n, &mut state.memory[s * BLOCKS_PER_STAGE + b]);
            }
            if stage.upscale {
                x = upsample2x(x);
            }
            x = stage.proj.forward(stage.grow.forward(x));
        }
        // [N * T', 3 p^2, H / p, W / p] -> [N * T', 3, H, W].
        let x =
            pixel_shuffle(self.conv_out.forward(relu(x)), self.config.patch_size).clamp(0.0, 1.0);
        let [frames, _, out_h, out_w] = x.dims();
        let per_clip = frames / n;
        let video = x.reshape([n, per_clip, 3, out_h, out_w]).swap_dims(1, 2);

        let to_trim = state.to_trim.get_or_insert(self.config.frames_to_trim());
        let trim = (*to_trim).min(per_clip);
        *to_trim -= trim;
        Ok(video.narrow(2, trim, per_clip - trim))
    }

    /// [`Self::decode`] run `chunk` latent frames at a time (at least 1), returning each
    /// chunk's frames to `on_frames` as they are ready: peak memory is that of one chunk.
    pub fn decode_chunked(
        &self,
        latents: Tensor<5>,
        chunk: usize,
        mut on_frames: impl FnMut(Tensor<5>) -> Result<(), TaehvError>,
    ) -> Result<(), TaehvError> {
        let t = latents.dims()[2];
        let chunk = chunk.max(1);
        let mut state = TaehvState::new();
        let mut start = 0;
        while start < t {
            let len = chunk.min(t - start);
            let frames = self.decode_chunk(latents.clone().narrow(2, start, len), &mut state)?;
            if frames.dims()[2] > 0 {
                on_frames(frames)?;
            }
            start += len;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;

    fn tiny(channels: usize, patch: usize) -> TaehvDecoder {
        let config = TaehvConfig::taew2_1()
            .with_latent_channels(channels)
            .with_widths([8, 4, 4, 4]);
        let config = TaehvConfig {
            patch_size: patch,
            ..config
        };
        TaehvDecoder::init(&config, &Device::flex())
    }

    #[test]
    fn wan_frame_counts_and_sizes() {
        let device = Device::flex();
        for (patch, factor) in [(1, 8), (2, 16)] {
            let decoder = tiny(5, patch);
            let latents =
                Tensor::<5>::random([1, 5, 3, 2, 3], Distribution::Normal(0.0, 1.0), &device);
            let video = decoder.decode(latents).unwrap();
            assert_eq!(video.dims(), [1, 3, 9, 2 * factor, 3 * factor]);
            let min: f32 = video.clone().min().into_scalar();
            let max: f32 = video.max().into_scalar();
            assert!((0.0..=1.0).contains(&min) && (0.0..=1.0).contains(&max));
        }
    }

    #[test]
    fn chunks_give_the_whole_decode() {
        let device = Device::flex();
        let decoder = tiny(4, 1);
        let latents = Tensor::<5>::random([1, 4, 4, 2, 2], Distribution::Normal(0.0, 1.0), &device);
        let whole = decoder.decode(latents.clone()).unwrap();
        assert_eq!(whole.dims()[2], 13);
        let mut counts = Vec::new();
        let mut parts = Vec::new();
        decoder
            .decode_chunked(latents, 1, |frames| {
                counts.push(frames.dims()[2]);
                parts.push(frames);
                Ok(())
            })
            .unwrap();
        assert_eq!(counts, [1, 4, 4, 4]);
        let diff: f32 = (whole - Tensor::cat(parts, 2)).abs().max().into_scalar();
        assert!(diff < 1e-6, "chunked decode differs by {diff}");
    }

    #[test]
    fn wrong_latents_are_refused() {
        let device = Device::flex();
        let decoder = tiny(4, 1);
        let latents = Tensor::<5>::zeros([1, 16, 1, 2, 2], &device);
        let err = decoder.decode(latents).unwrap_err().to_string();
        assert!(
            err.contains("16 channels") && err.contains("for 4"),
            "{err}"
        );

        let mut state = TaehvState::new();
        decoder
            .decode_chunk(Tensor::zeros([1, 4, 1, 2, 2], &device), &mut state)
            .unwrap();
        let err = decoder
            .decode_chunk(Tensor::zeros([1, 4, 1, 3, 2], &device), &mut state)
            .unwrap_err()
            .to_string();
        assert!(err.contains("new TaehvState"), "{err}");
    }
}
