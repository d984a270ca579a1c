//! What a caller asks for: prompt, size, length, steps, guidance, seed, and optionally the
//! first frame; and the checks that turn a bad request into a message a person can act on.

use burn::prelude::*;
use burn::tensor::TensorData;

use super::error::PipelineError;
use super::motion_guide::MotionGuide;

/// An 8-bit RGB picture on the host: `pixels` is `[height, width, 3]` row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbImage {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl RgbImage {
    /// A picture of `width` x `height` from interleaved RGB bytes (`width * height * 3`).
    pub fn new(width: usize, height: usize, pixels: Vec<u8>) -> Result<Self, PipelineError> {
        if pixels.len() != width * height * 3 {
            return Err(PipelineError::InvalidRequest(format!(
                "the image has {} bytes, but {width}x{height} RGB needs {}",
                pixels.len(),
                width * height * 3
            )));
        }
        Ok(Self {
            width,
            height,
            pixels,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// `[height, width, 3]` bytes.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }
}

/// Pictures of one size as the VAE's input video [1, 3, F, H, W] in [-1, 1], as diffusers'
/// video processor scales them (x / 255, then 2x - 1).
pub(crate) fn video_tensor(frames: &[RgbImage], device: &Device) -> Tensor<5> {
    let (w, h) = frames.first().map_or((0, 0), |f| (f.width, f.height));
    let values: Vec<f32> = frames
        .iter()
        .flat_map(|f| f.pixels.iter().map(|&v| (v as f32 / 255.0) * 2.0 - 1.0))
        .collect();
    Tensor::<5>::from_data(TensorData::new(values, [1, frames.len(), h, w, 3]), device)
        .permute([0, 4, 1, 2, 3])
}

/// One generation. The defaults ([`GenerateRequest::new`]) are diffusers' `WanPipeline`'s:
/// 480x832, 81 frames, 50 steps, guidance 5, an empty negative prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateRequest {
    /// What to show.
    pub prompt: String,
    /// What to steer away from (used only when `guidance > 1`).
    pub negative_prompt: String,
    /// Video frames: 4k + 1 (1, 5, ..., 81).
    pub frames: usize,
    /// Pixels; a multiple of the VAE's spatial factor times the DiT's patch (16 for Wan2.1,
    /// 32 for Wan2.2).
    pub height: usize,
    /// Pixels; same rule as `height`.
    pub width: usize,
    /// Denoising steps (at least 1).
    pub steps: usize,
    /// Classifier-free guidance scale; at 1 or below the negative prompt is not run (one DiT
    /// pass per step instead of two).
    pub guidance: f32,
    /// The sampler's timestep shift (diffusers' `flow_shift`), replacing the package's
    /// (Wan: 3.0 for 480p, 5.0 for 720p).
    pub shift: Option<f32>,
    /// The seed of the starting noise (the same on every device).
    pub seed: u64,
    /// The first frame, for image-to-video (Wan2.2 TI2V packages): exactly `width` x `height`.
    pub image: Option<RgbImage>,
    /// A coarse motion video to follow (Time-to-Move), with the first frame usually the
    /// image's: see [`MotionGuide`].
    pub motion: Option<MotionGuide>,
}

impl GenerateRequest {
    /// A text-to-video request with diffusers' defaults.
    pub fn new(prompt: impl Into<String>) -> Self {
        Self {
            prompt: prompt.into(),
            negative_prompt: String::new(),
            frames: 81,
            height: 480,
            width: 832,
            steps: 50,
            guidance: 5.0,
            shift: None,
            seed: 0,
            image: None,
            motion: None,
        }
    }
}

/// What a model needs of a request's sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeRules {
    /// Video frames per latent frame after the first (4).
    pub temporal_factor: usize,
    /// Height and width must be multiples of this (VAE spatial factor x DiT patch).
    pub size_multiple: usize,
    /// Whether the model takes a first frame.
    pub supports_image: bool,
}

impl SizeRules {
    /// Checks `request`, with a message that says what to use instead.
    pub fn check(&self, request: &GenerateRequest) -> Result<(), PipelineError> {
        let invalid = |m: String| Err(PipelineError::InvalidRequest(m));
        let t = self.temporal_factor;
        if request.frames == 0 || !(request.frames - 1).is_multiple_of(t) {
            let below = request.frames.saturating_sub(1) / t * t + 1;
            return invalid(format!(
                "{} frames: the frame count must be {t}k + 1 (1, {}, {}, ..., 81); use {} or {}",
                request.frames,
                t + 1,
                2 * t + 1,
                below,
                below + t
            ));
        }
        let m = self.size_multiple;
        for (name, value) in [("height", request.height), ("width", request.width)] {
            if value == 0 || value % m != 0 {
                let below = value / m * m;
                let suggestion = if below == 0 {
                    format!("{m}")
                } else {
                    format!("{below} or {}", below + m)
                };
                return invalid(format!(
                    "{name} {value}: this model needs a multiple of {m} pixels; use {suggestion}"
                ));
            }
        }
        if request.steps == 0 {
            return invalid("0 steps: at least 1 denoising step is needed".into());
        }
        if !request.guidance.is_finite() {
            return invalid(format!(
                "guidance {}: it must be a number",
                request.guidance
            ));
        }
        if let Some(shift) = request.shift {
            if !(shift.is_finite() && shift > 0.0) {
                return invalid(format!(
                    "shift {shift}: the timestep shift must be a positive number (Wan: 3.0 for \
                     480p, 5.0 for 720p)"
                ));
            }
        }
        if let Some(image) = &request.image {
            if !self.supports_image {
                return invalid(
                    "this model package does text-to-video only; for image-to-video use a Wan2.2 \
                     TI2V package (model_index.json `expand_timesteps: true`)"
                        .into(),
                );
            }
            if (image.width, image.height) != (request.width, request.height) {
                return invalid(format!(
                    "the image is {}x{}, the video {}x{}: resize or crop the image to the \
                     video's size first",
                    image.width, image.height, request.width, request.height
                ));
            }
        }
        if let Some(guide) = &request.motion {
            guide.check(request.frames, request.width, request.height, request.steps)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAN21: SizeRules = SizeRules {
        temporal_factor: 4,
        size_multiple: 16,
        supports_image: false,
    };

    fn message(rules: SizeRules, request: &GenerateRequest) -> String {
        match rules.check(request) {
            Err(PipelineError::InvalidRequest(m)) => m,
            other => panic!("expected an invalid request, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_valid() {
        WAN21.check(&GenerateRequest::new("a cat")).unwrap();
    }

    #[test]
    fn bad_requests_say_what_to_use() {
        let mut r = GenerateRequest::new("a cat");
        r.frames = 80;
        let m = message(WAN21, &r);
        assert!(m.contains("77 or 81"), "{m}");
        r.frames = 0;
        assert!(message(WAN21, &r).contains("1 or 5"));

        let mut r = GenerateRequest::new("a cat");
        r.width = 833;
        let m = message(WAN21, &r);
        assert!(m.contains("width 833") && m.contains("832 or 848"), "{m}");
        r.width = 8;
        assert!(message(WAN21, &r).contains("use 16"));

        let mut r = GenerateRequest::new("a cat");
        r.steps = 0;
        assert!(message(WAN21, &r).contains("0 steps"));
        let mut r = GenerateRequest::new("a cat");
        r.shift = Some(-1.0);
        assert!(message(WAN21, &r).contains("shift"));
    }

    #[test]
    fn images_need_a_ti2v_model_and_the_video_size() {
        let mut r = GenerateRequest::new("a cat");
        r.image = Some(RgbImage::new(832, 480, vec![0; 832 * 480 * 3]).unwrap());
        assert!(message(WAN21, &r).contains("TI2V"));
        let ti2v = SizeRules {
            temporal_factor: 4,
            size_multiple: 32,
            supports_image: true,
        };
        r.height = 704;
        r.width = 1280;
        assert!(message(ti2v, &r).contains("832x480"));
        assert!(RgbImage::new(2, 2, vec![0; 11]).is_err());
    }
}
