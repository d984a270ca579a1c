//! Live previews: a fixed linear map from the model's (normalised) latent channels to RGB,
//! computed on the device and read back small (one picture per latent frame, at latent
//! resolution), or, when a TAEHV decoder is set ([`super::WanModels::set_preview_decoder`]),
//! every video frame at full resolution; and what the step callback receives and answers.

use burn::prelude::*;
use burn::tensor::TensorData;

use super::error::PipelineError;
use super::video::to_u8;
use crate::taehv::{TaehvDecoder, TaehvError};

/// Wan2.1's VAE (16 channels): RGB = latent (normalised) . factors + bias, then
/// (x + 1) / 2. Data from ComfyUI's `comfy/latent_formats.py` (`Wan21.latent_rgb_factors` and
/// `latent_rgb_factors_bias`), fitted there on the normalised latents the model samples.
pub const WAN21_LATENT_RGB: [[f32; 3]; 16] = [
    [-0.1299, -0.1692, 0.2932],
    [0.0671, 0.0406, 0.0442],
    [0.3568, 0.2548, 0.1747],
    [0.0372, 0.2344, 0.1420],
    [0.0313, 0.0189, -0.0328],
    [0.0296, -0.0956, -0.0665],
    [-0.3477, -0.4059, -0.2925],
    [0.0166, 0.1902, 0.1975],
    [-0.0412, 0.0267, -0.1364],
    [-0.1293, 0.0740, 0.1636],
    [0.0680, 0.3019, 0.1128],
    [0.0032, 0.0581, 0.0639],
    [-0.1251, 0.0927, 0.1699],
    [0.0060, -0.0633, 0.0005],
    [0.3477, 0.2275, 0.2950],
    [0.1984, 0.0913, 0.1861],
];
/// Wan2.1's RGB bias (ComfyUI, as above).
pub const WAN21_LATENT_RGB_BIAS: [f32; 3] = [-0.1835, -0.0868, -0.3360];

/// Wan2.2's VAE (48 channels, TI2V-5B). Data from ComfyUI's `comfy/latent_formats.py`
/// (`Wan22.latent_rgb_factors` and `latent_rgb_factors_bias`).
pub const WAN22_LATENT_RGB: [[f32; 3]; 48] = [
    [0.0119, 0.0103, 0.0046],
    [-0.1062, -0.0504, 0.0165],
    [0.0140, 0.0409, 0.0491],
    [-0.0813, -0.0677, 0.0607],
    [0.0656, 0.0851, 0.0808],
    [0.0264, 0.0463, 0.0912],
    [0.0295, 0.0326, 0.0590],
    [-0.0244, -0.0270, 0.0025],
    [0.0443, -0.0102, 0.0288],
    [-0.0465, -0.0090, -0.0205],
    [0.0359, 0.0236, 0.0082],
    [-0.0776, 0.0854, 0.1048],
    [0.0564, 0.0264, 0.0561],
    [0.0006, 0.0594, 0.0418],
    [-0.0319, -0.0542, -0.0637],
    [-0.0268, 0.0024, 0.0260],
    [0.0539, 0.0265, 0.0358],
    [-0.0359, -0.0312, -0.0287],
    [-0.0285, -0.1032, -0.1237],
    [0.1041, 0.0537, 0.0622],
    [-0.0086, -0.0374, -0.0051],
    [0.0390, 0.0670, 0.2863],
    [0.0069, 0.0144, 0.0082],
    [0.0006, -0.0167, 0.0079],
    [0.0313, -0.0574, -0.0232],
    [-0.1454, -0.0902, -0.0481],
    [0.0714, 0.0827, 0.0447],
    [-0.0304, -0.0574, -0.0196],
    [0.0401, 0.0384, 0.0204],
    [-0.0758, -0.0297, -0.0014],
    [0.0568, 0.1307, 0.1372],
    [-0.0055, -0.0310, -0.0380],
    [0.0239, -0.0305, 0.0325],
    [-0.0663, -0.0673, -0.0140],
    [-0.0416, -0.0047, -0.0023],
    [0.0166, 0.0112, -0.0093],
    [-0.0211, 0.0011, 0.0331],
    [0.1833, 0.1466, 0.2250],
    [-0.0368, 0.0370, 0.0295],
    [-0.3441, -0.3543, -0.2008],
    [-0.0479, -0.0489, -0.0420],
    [-0.0660, -0.0153, 0.0800],
    [-0.0101, 0.0068, 0.0156],
    [-0.0690, -0.0452, -0.0927],
    [-0.0145, 0.0041, 0.0015],
    [0.0421, 0.0451, 0.0373],
    [0.0504, -0.0483, -0.0356],
    [-0.0837, 0.0168, 0.0055],
];
/// Wan2.2's RGB bias (ComfyUI, as above).
pub const WAN22_LATENT_RGB_BIAS: [f32; 3] = [0.0317, -0.0878, -0.1388];

/// RGB pictures on the host: `rgb` is `[frames, height, width, 3]` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewFrames {
    /// Pictures: with the projection one per latent frame (each stands for 4 video frames,
    /// the first for 1); with a TAEHV decoder one per video frame.
    pub frames: usize,
    /// Pixels per column (the latent height; with TAEHV the video's).
    pub height: usize,
    /// Pixels per row (the latent width; with TAEHV the video's).
    pub width: usize,
    /// `[frames, height, width, 3]` 8-bit RGB.
    pub rgb: Vec<u8>,
}

/// What the step callback receives after each denoising step.
#[derive(Debug, Clone)]
pub struct StepPreview {
    /// Steps done so far, 1..=steps.
    pub step: usize,
    /// Steps in the run.
    pub steps: usize,
    /// The timestep the model saw at this step.
    pub timestep: f32,
    /// The model's current guess of the clean video (x0 = sample - sigma * flow), projected to
    /// RGB, or decoded by TAEHV when the models have a preview decoder.
    pub preview: PreviewFrames,
    /// The sample after this step, normalised latents [1, z, F', h, w] on the device (for a
    /// sharper preview decoder such as TAEHV); for image-to-video with the first frame's
    /// latent in place.
    pub latents: Tensor<5>,
}

/// The callback's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepControl {
    /// Go on with the next step.
    Continue,
    /// Stop now: `generate` returns [`PipelineError::Cancelled`] without decoding.
    Cancel,
}

/// The latent -> RGB map for one latent channel count, or a TAEHV decoder in its place.
#[derive(Debug, Clone)]
pub struct LatentPreview {
    /// [C, 3].
    factors: Tensor<2>,
    /// [1, 3].
    bias: Tensor<2>,
    /// Decodes instead of projecting when set.
    decoder: Option<TaehvDecoder>,
}

/// Latent frames a TAEHV preview decodes at a time: its activations at full resolution for a
/// whole 81-frame clip would take gigabytes; one latent frame (4 video frames) at a time gives
/// the same frames (its memory is causal) within a few hundred MB at 480x832.
const TAEHV_CHUNK: usize = 1;

impl LatentPreview {
    /// Wan2.1's factors for 16 channels, Wan2.2's for 48; for any other count (tiny test
    /// models) a fixed fallback: channel c adds to colour c mod 3, each colour the mean of its
    /// channels.
    pub fn for_channels(channels: usize, device: &Device) -> Self {
        let (factors, bias): (Vec<[f32; 3]>, [f32; 3]) = match channels {
            16 => (WAN21_LATENT_RGB.to_vec(), WAN21_LATENT_RGB_BIAS),
            48 => (WAN22_LATENT_RGB.to_vec(), WAN22_LATENT_RGB_BIAS),
            _ => (fallback_factors(channels), [0.0; 3]),
        };
        let flat: Vec<f32> = factors.iter().flatten().copied().collect();
        Self {
            factors: Tensor::from_data(TensorData::new(flat, [channels, 3]), device),
            bias: Tensor::from_data(TensorData::new(bias.to_vec(), [1, 3]), device),
            decoder: None,
        }
    }

    /// This preview with `decoder` (when given) decoding the latents instead of the
    /// projection: full-resolution video frames.
    pub fn with_decoder(mut self, decoder: Option<TaehvDecoder>) -> Self {
        self.decoder = decoder;
        self
    }

    /// `latents` [1, C, F', h, w] (normalised) -> TAEHV's 4F' - 3 frames of 8h x 8w (16h x 16w
    /// for Wan2.2), each chunk read back as soon as it is decoded.
    fn decode(
        &self,
        decoder: &TaehvDecoder,
        latents: Tensor<5>,
    ) -> Result<PreviewFrames, PipelineError> {
        let mut out = PreviewFrames {
            frames: 0,
            height: 0,
            width: 0,
            rgb: Vec::new(),
        };
        let mut readback = None;
        let decoded = decoder.decode_chunked(latents.narrow(0, 0, 1), TAEHV_CHUNK, |video| {
            // [1, 3, F, H, W] in [0, 1] -> [F, H, W, 3].
            let [_, _, frames, height, width] = video.dims();
            let rgb = video
                .permute([0, 2, 3, 4, 1])
                .reshape([frames * height * width * 3])
                .try_into_vec_as::<f32>()
                .map_err(|e| {
                    let message = format!("{e:?}");
                    readback = Some(message.clone());
                    TaehvError::Input(message)
                })?;
            out.rgb.extend(rgb.into_iter().map(to_u8));
            out.frames += frames;
            out.height = height;
            out.width = width;
            Ok(())
        });
        match (decoded, readback) {
            (_, Some(message)) => Err(PipelineError::Readback {
                what: "the TAEHV preview",
                message,
            }),
            // Only latents that do not fit the decoder fail, which set_preview_decoder rules out.
            (Err(e), None) => Err(PipelineError::InvalidRequest(format!("TAEHV preview: {e}"))),
            (Ok(()), None) => Ok(out),
        }
    }

    /// `latents` [1, C, F', h, w] (normalised) -> F' RGB pictures of h x w, read back; with a
    /// TAEHV decoder, the 4F' - 3 video frames at full size.
    pub fn project(&self, latents: Tensor<5>) -> Result<PreviewFrames, PipelineError> {
        if let Some(decoder) = &self.decoder {
            return self.decode(decoder, latents);
        }
        let [_, c, frames, height, width] = latents.dims();
        let pixels = latents
            .narrow(0, 0, 1)
            .permute([0, 2, 3, 4, 1])
            .reshape([frames * height * width, c]);
        let rgb = (pixels.matmul(self.factors.clone()) + self.bias.clone())
            .add_scalar(1.0)
            .mul_scalar(0.5)
            .clamp(0.0, 1.0)
            .reshape([frames * height * width * 3]);
        let values = rgb
            .try_into_vec_as::<f32>()
            .map_err(|e| PipelineError::Readback {
                what: "the preview",
                message: format!("{e:?}"),
            })?;
        Ok(PreviewFrames {
            frames,
            height,
            width,
            rgb: values.into_iter().map(to_u8).collect(),
        })
    }
}

fn fallback_factors(channels: usize) -> Vec<[f32; 3]> {
    let per_colour: Vec<usize> = (0..3)
        .map(|k| (0..channels).filter(|c| c % 3 == k).count())
        .collect();
    (0..channels)
        .map(|c| {
            let mut row = [0.0; 3];
            row[c % 3] = 1.0 / per_colour[c % 3] as f32;
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_averages_channels_per_colour() {
        let f = fallback_factors(4);
        assert_eq!(
            f,
            vec![
                [0.5, 0.0, 0.0],
                [0.0, 1.0, 0.0],
                [0.0, 0.0, 1.0],
                [0.5, 0.0, 0.0]
            ]
        );
    }

    #[test]
    fn projection_is_per_pixel() {
        let device = Device::flex();
        let preview = LatentPreview::for_channels(3, &device);
        // [1, 3, 1, 1, 2]: pixel 0 = (-1, 0, 1), pixel 1 = (1, 1, -1).
        let latents = Tensor::<5>::from_data(
            TensorData::new(vec![-1.0, 1.0, 0.0, 1.0, 1.0, -1.0], [1, 3, 1, 1, 2]),
            &device,
        );
        let out = preview.project(latents).unwrap();
        assert_eq!((out.frames, out.height, out.width), (1, 1, 2));
        assert_eq!(out.rgb, vec![0, 128, 255, 255, 255, 0]);
    }

    #[test]
    fn wan_factors_have_three_colours_per_channel() {
        let device = Device::flex();
        for c in [16, 48] {
            let p = LatentPreview::for_channels(c, &device);
            assert_eq!(p.factors.dims(), [c, 3]);
        }
    }
}
