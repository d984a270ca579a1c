//! What the official Wan repositories run a model with when the user says nothing: frame rate,
//! the most frames, steps, guidance, timestep shift and the negative prompt.

/// The default negative prompt of the official Wan repositories (Wan-Video/Wan2.1 and
/// Wan2.2, `wan/configs/shared_config.py`, `sample_neg_prompt`), used when a request's is
/// empty. In Chinese, as they ship it (umT5 is multilingual); in English: garish colours,
/// overexposed, static, blurred details, subtitles, style, artwork, painting, still picture,
/// greyish, worst quality, low quality, JPEG artefacts, ugly, incomplete, extra fingers,
/// badly drawn hands or face, deformed, disfigured, malformed limbs, fused fingers, a frozen
/// frame, a cluttered background, three legs, crowds in the background, walking backwards.
pub const WAN_NEGATIVE_PROMPT: &str = "色调艳丽，过曝，静态，细节模糊不清，字幕，风格，作品，画作，画面，静止，\
整体发灰，最差质量，低质量，JPEG压缩残留，丑陋的，残缺的，多余的手指，画得不好的手部，画得不好的脸部，畸形的，毁容的，\
形态畸形的肢体，手指融合，静止不动的画面，杂乱的背景，三条腿，背景人很多，倒着走";

/// A model's official defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PackageDefaults {
    /// Frames per second the model was trained for (the clip plays at this rate).
    pub fps: u32,
    /// The most frames of one run (4k + 1).
    pub max_frames: usize,
    /// Denoising steps.
    pub steps: usize,
    /// Classifier-free guidance scale.
    pub guidance: f32,
    /// The sampler's timestep shift.
    pub shift: f32,
    /// The negative prompt when the request's is empty.
    pub negative_prompt: &'static str,
}

impl PackageDefaults {
    /// Wan2.1 T2V 1.3B: 16 fps, 81 frames (`shared_config.py`); the README recommends
    /// guidance 6 and a shift of 8 to 12 for the 1.3B model (8 taken).
    pub const WAN21_T2V_1_3B: Self = Self {
        fps: 16,
        max_frames: 81,
        steps: 50,
        guidance: 6.0,
        shift: 8.0,
        negative_prompt: WAN_NEGATIVE_PROMPT,
    };

    /// Wan2.1 T2V 14B: `wan_t2v_14B.py` (guidance 5, shift 5), 16 fps, 81 frames.
    pub const WAN21_T2V_14B: Self = Self {
        guidance: 5.0,
        shift: 5.0,
        ..Self::WAN21_T2V_1_3B
    };

    /// Wan2.2 TI2V 5B: `wan_ti2v_5B.py`: 24 fps, 121 frames, 50 steps, guidance 5, shift 5.
    pub const WAN22_TI2V_5B: Self = Self {
        fps: 24,
        max_frames: 121,
        steps: 50,
        guidance: 5.0,
        shift: 5.0,
        negative_prompt: WAN_NEGATIVE_PROMPT,
    };

    /// The defaults of a package: Wan2.2 TI2V when it takes per-token timesteps, else Wan2.1
    /// T2V, the 1.3B or the 14B by the transformer's width.
    pub fn for_model(expand_timesteps: bool, transformer_width: usize) -> Self {
        match (expand_timesteps, transformer_width) {
            (true, _) => Self::WAN22_TI2V_5B,
            (false, w) if w > 1536 => Self::WAN21_T2V_14B,
            _ => Self::WAN21_T2V_1_3B,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_model_gets_its_official_defaults() {
        let ti2v = PackageDefaults::for_model(true, 3072);
        assert_eq!((ti2v.fps, ti2v.max_frames, ti2v.shift), (24, 121, 5.0));
        let small = PackageDefaults::for_model(false, 1536);
        assert_eq!((small.fps, small.max_frames, small.guidance), (16, 81, 6.0));
        assert_eq!(PackageDefaults::for_model(false, 5120).guidance, 5.0);
        assert!(
            WAN_NEGATIVE_PROMPT.starts_with("色调艳丽") && WAN_NEGATIVE_PROMPT.ends_with("倒着走")
        );
        assert!(!WAN_NEGATIVE_PROMPT.contains(' '));
    }
}
