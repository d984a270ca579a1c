//! The generated clip on the host, in 8-bit RGB. The VAE's output is converted on the device,
//! one decoded latent frame (1 or 4 video frames) at a time, so neither the device nor the host
//! ever holds the whole clip in floats.

use burn::prelude::*;
use burn::tensor::{DType, IntDType};

use super::error::PipelineError;
use super::failure::{all_finite, Stage};
use super::generate::not_finite;
use crate::wan::vae::WanVae;

/// A decoded video: `pixels` is `[frames, height, width, 3]` row-major, 8-bit RGB
/// (`round(255 * (x / 2 + 0.5))` of the VAE's output in [-1, 1], clamped, as diffusers'
/// postprocessing and `numpy_to_pil`).
#[derive(Debug, Clone, PartialEq)]
pub struct Video {
    /// Frames.
    pub frames: usize,
    /// Pixels per column.
    pub height: usize,
    /// Pixels per row.
    pub width: usize,
    /// `[frames, height, width, 3]`.
    pub pixels: Vec<u8>,
}

impl Video {
    /// An empty clip of `width` x `height` frames.
    fn empty(width: usize, height: usize, capacity_frames: usize) -> Self {
        Self {
            frames: 0,
            height,
            width,
            pixels: Vec::with_capacity(capacity_frames * height * width * 3),
        }
    }

    /// Decodes `latents` [1, z, F', h, w] (denormalised) with `vae` one latent frame at a
    /// time, converting each piece to 8 bits on the device before reading it back.
    pub fn decode(vae: &WanVae, latents: Tensor<5>) -> Result<Self, PipelineError> {
        let [_, _, latent_frames, h, w] = latents.dims();
        let s = vae.config().spatial_factor();
        let frames = 1 + (latent_frames.max(1) - 1) * vae.config().temporal_factor();
        let mut video = Self::empty(w * s, h * s, frames);
        let mut failed = None;
        vae.decode_frames(latents, |_, piece| {
            if failed.is_none() {
                if let Err(e) = video.push(piece) {
                    failed = Some(e);
                }
            }
        });
        match failed {
            Some(e) => Err(e),
            None => Ok(video),
        }
    }

    /// The VAE's output `video` [1, 3, F, H, W] in [-1, 1] as 8-bit RGB, channels-last.
    pub fn from_decoded(video: Tensor<5>) -> Result<Self, PipelineError> {
        let [_, _, frames, height, width] = video.dims();
        let mut out = Self::empty(width, height, frames);
        out.push(video)?;
        Ok(out)
    }

    /// Appends the frames of `piece` [1, 3, T, H, W] in [-1, 1].
    fn push(&mut self, piece: Tensor<5>) -> Result<(), PipelineError> {
        let [b, c, frames, height, width] = piece.dims();
        assert!(
            b == 1 && c == 3,
            "decoded video [{b}, {c}, ..]: one RGB clip expected"
        );
        if (height, width) != (self.height, self.width) {
            return Err(PipelineError::InvalidRequest(format!(
                "decoded frames of {width}x{height} for a {}x{} clip",
                self.width, self.height
            )));
        }
        // 8 bits would turn NaN into black frames without a word.
        if !all_finite(&piece) {
            return Err(not_finite(Stage::Decoding, "decoded video"));
        }
        let bytes =
            rgb8_on_device(piece)
                .try_into_vec_as::<u8>()
                .map_err(|e| PipelineError::Readback {
                    what: "the video",
                    message: format!("{e:?}"),
                })?;
        self.pixels.extend_from_slice(&bytes);
        self.frames += frames;
        Ok(())
    }

    /// Values per frame (`height * width * 3`).
    pub fn frame_len(&self) -> usize {
        self.height * self.width * 3
    }

    /// Frame `index` as `[height, width, 3]` bytes.
    pub fn frame(&self, index: usize) -> &[u8] {
        let len = self.frame_len();
        &self.pixels[index * len..(index + 1) * len]
    }

    /// Frame `index` as 8-bit RGB.
    pub fn frame_rgb8(&self, index: usize) -> Vec<u8> {
        self.frame(index).to_vec()
    }

    /// The whole clip as 8-bit RGB, `[frames, height, width, 3]`.
    pub fn to_rgb8(&self) -> Vec<u8> {
        self.pixels.clone()
    }
}

/// [1, 3, T, H, W] in [-1, 1] -> [T * H * W * 3] integers 0..=255, channels-last, in 8 bits
/// where the device has them (else 32-bit integers, still a quarter of a float clip's
/// conversions on the host).
fn rgb8_on_device(piece: Tensor<5>) -> Tensor<1, Int> {
    let [_, _, t, h, w] = piece.dims();
    let device = piece.device();
    let levels = piece
        .mul_scalar(0.5)
        .add_scalar(0.5)
        .clamp(0.0, 1.0)
        .mul_scalar(255.0)
        .round()
        .permute([0, 2, 3, 4, 1])
        .reshape([t * h * w * 3])
        .int();
    if device.supports_dtype(DType::U8) {
        levels.cast(IntDType::U8)
    } else {
        levels
    }
}

/// [0, 1] -> 0..=255, rounded.
pub(crate) fn to_u8(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wan::vae::VaeConfig;
    use burn::tensor::TensorData;

    #[test]
    fn decoded_video_becomes_channels_last_bytes() {
        let device = Device::flex();
        // [1, 3, 1, 1, 2]: two pixels; R, G, B planes.
        let values = vec![-1.0, 1.0, 0.0, 0.5, 2.0, -3.0];
        let video = Tensor::<5>::from_data(TensorData::new(values, [1, 3, 1, 1, 2]), &device);
        let v = Video::from_decoded(video).unwrap();
        assert_eq!((v.frames, v.height, v.width), (1, 1, 2));
        assert_eq!(v.pixels, vec![0, 128, 255, 255, 191, 0]);
        assert_eq!(v.frame_rgb8(0), v.pixels);
    }

    #[test]
    fn decoding_in_pieces_gives_the_whole_clips_bytes() {
        let device = Device::flex();
        let config = VaeConfig::load(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/wan_tiny_t2v/vae/config.json"
        ))
        .unwrap();
        let vae = WanVae::init(&config, &device);
        let latents = Tensor::<5>::random(
            [1, 4, 3, 2, 3],
            burn::tensor::Distribution::Normal(0.0, 1.0),
            &device,
        );
        let whole = vae.decode(latents.clone());
        let reference: Vec<u8> = whole
            .clone()
            .mul_scalar(0.5)
            .add_scalar(0.5)
            .permute([0, 2, 3, 4, 1])
            .reshape([9 * 16 * 24 * 3])
            .try_into_vec_as::<f32>()
            .unwrap()
            .into_iter()
            .map(to_u8)
            .collect();
        let pieces = Video::decode(&vae, latents).unwrap();
        assert_eq!((pieces.frames, pieces.height, pieces.width), (9, 16, 24));
        // Frame by frame the convolutions sum in another order (and flex's threads split the
        // work by load), so a value on a rounding edge may land one 8-bit level away; the
        // pieces must not differ more than that, nor often.
        assert_eq!(pieces.pixels.len(), reference.len());
        let off: Vec<i16> = pieces
            .pixels
            .iter()
            .zip(&reference)
            .map(|(&a, &b)| a as i16 - b as i16)
            .filter(|d| *d != 0)
            .collect();
        assert!(off.iter().all(|d| d.abs() <= 1), "{off:?}");
        assert!(
            off.len() * 1000 <= reference.len(),
            "{} of {} bytes differ",
            off.len(),
            reference.len()
        );
    }
}
