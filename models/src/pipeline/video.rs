//! The generated clip on the host: frames of RGB in [0, 1], as diffusers' `output_type="np"`.

use burn::prelude::*;

use super::error::PipelineError;

/// A decoded video: `pixels` is `[frames, height, width, 3]` row-major, in [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct Video {
    /// Frames.
    pub frames: usize,
    /// Pixels per column.
    pub height: usize,
    /// Pixels per row.
    pub width: usize,
    /// `[frames, height, width, 3]` in [0, 1].
    pub pixels: Vec<f32>,
}

impl Video {
    /// The VAE's output `video` [1, 3, F, H, W] in [-1, 1] mapped to [0, 1] (x / 2 + 0.5,
    /// clamped, as diffusers' postprocessing) and read back channels-last.
    pub fn from_decoded(video: Tensor<5>) -> Result<Self, PipelineError> {
        let [b, c, frames, height, width] = video.dims();
        assert!(
            b == 1 && c == 3,
            "decoded video [{b}, {c}, ..]: one RGB clip expected"
        );
        let rgb = video
            .mul_scalar(0.5)
            .add_scalar(0.5)
            .clamp(0.0, 1.0)
            .permute([0, 2, 3, 4, 1])
            .reshape([frames * height * width * 3]);
        let pixels = rgb
            .try_into_vec_as::<f32>()
            .map_err(|e| PipelineError::Readback {
                what: "the video",
                message: format!("{e:?}"),
            })?;
        Ok(Self {
            frames,
            height,
            width,
            pixels,
        })
    }

    /// Values per frame (`height * width * 3`).
    pub fn frame_len(&self) -> usize {
        self.height * self.width * 3
    }

    /// Frame `index` as `[height, width, 3]` in [0, 1].
    pub fn frame(&self, index: usize) -> &[f32] {
        let len = self.frame_len();
        &self.pixels[index * len..(index + 1) * len]
    }

    /// Frame `index` as 8-bit RGB (`round(x * 255)`, as diffusers' `numpy_to_pil`).
    pub fn frame_rgb8(&self, index: usize) -> Vec<u8> {
        self.frame(index).iter().map(|&v| to_u8(v)).collect()
    }

    /// The whole clip as 8-bit RGB, `[frames, height, width, 3]`.
    pub fn to_rgb8(&self) -> Vec<u8> {
        self.pixels.iter().map(|&v| to_u8(v)).collect()
    }
}

/// [0, 1] -> 0..=255, rounded.
pub(crate) fn to_u8(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    #[test]
    fn decoded_video_becomes_channels_last_in_unit_range() {
        let device = Device::flex();
        // [1, 3, 1, 1, 2]: two pixels; R, G, B planes.
        let values = vec![-1.0, 1.0, 0.0, 0.5, 2.0, -3.0];
        let video = Tensor::<5>::from_data(TensorData::new(values, [1, 3, 1, 1, 2]), &device);
        let v = Video::from_decoded(video).unwrap();
        assert_eq!((v.frames, v.height, v.width), (1, 1, 2));
        assert_eq!(v.pixels, vec![0.0, 0.5, 1.0, 1.0, 0.75, 0.0]);
        assert_eq!(v.frame_rgb8(0), vec![0, 128, 255, 255, 191, 0]);
    }
}
