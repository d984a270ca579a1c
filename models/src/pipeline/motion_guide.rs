//! Motion control by "warp then denoise" (Time-to-Move, arXiv 2511.08633): a coarse video
//! that already moves as the creator asked (the warp engine's frames) is VAE-encoded, noised,
//! and denoised like an image-to-video run, with a dual clock: inside the steered regions
//! the latent is tied to the noised coarse video for more steps (until `t_strong`) than
//! outside it (from `t_weak`, where the whole frame starts).
//!
//! As in the authors' Wan pipeline: one fixed noise `e` (here the request's seeded noise, the
//! one plain generation starts from); the run starts at step index `t_weak` from
//! `add_noise(ref, e, sigma[t_weak])`; after each step `k < t_strong` the steered positions
//! are put back to `add_noise(ref, e, sigma[k + 1])` (the clean `ref` after the very last
//! step). Two deliberate differences, both documented where they happen:
//! - `t_weak = 0` starts from `e` itself, as plain generation does (diffusers' first sigma is
//!   0.9997, not 1), so that a guide with `t_weak = t_strong = 0` gives exactly the plain
//!   run;
//! - the latent mask marks a latent cell when any pixel of its block is steered (the authors
//!   take the nearest pixel), so thin brushed regions do not vanish at 8x or 16x fewer cells.

use burn::prelude::*;
use burn::tensor::TensorData;

use super::error::PipelineError;
use super::request::{video_tensor, RgbImage};
use crate::scheduler::add_noise;
use crate::wan::vae::WanVae;

/// A coarse motion video and where it steers, for one request.
#[derive(Debug, Clone, PartialEq)]
pub struct MotionGuide {
    /// The coarse video: exactly the request's frame count, each of the request's size.
    pub frames: Vec<RgbImage>,
    /// Per frame, `[height, width]` bytes: 128 or more where the content is steered (moved
    /// along a path or held by a brush) in that frame.
    pub masks: Vec<Vec<u8>>,
    /// Step index at which the whole frame starts denoising from the noised guide.
    pub t_weak: usize,
    /// Inside the masks the latent is tied to the guide before this step index.
    pub t_strong: usize,
}

impl MotionGuide {
    /// Checks the guide against a request's frame count, size and steps.
    pub fn check(
        &self,
        frames: usize,
        width: usize,
        height: usize,
        steps: usize,
    ) -> Result<(), PipelineError> {
        let invalid = |m: String| Err(PipelineError::InvalidRequest(m));
        if self.frames.len() != frames || self.masks.len() != frames {
            return invalid(format!(
                "the motion guide has {} frames and {} masks; the request has {frames} frames",
                self.frames.len(),
                self.masks.len()
            ));
        }
        if let Some(i) = self
            .frames
            .iter()
            .position(|f| (f.width(), f.height()) != (width, height))
        {
            let f = &self.frames[i];
            return invalid(format!(
                "motion guide frame {i} is {}x{}, the video {width}x{height}",
                f.width(),
                f.height()
            ));
        }
        if let Some(i) = self.masks.iter().position(|m| m.len() != width * height) {
            return invalid(format!(
                "motion guide mask {i} has {} values; {width}x{height} needs {}",
                self.masks[i].len(),
                width * height
            ));
        }
        DualClock::new(steps, self.t_weak, self.t_strong).map(|_| ())
    }
}

/// What happens at which step under the dual clock: plain host logic, so it is tested alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DualClock {
    steps: usize,
    t_weak: usize,
    t_strong: usize,
}

/// What the steered positions are set to after a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tie {
    /// The guide noised to the sigma at this index of the schedule (the next step's).
    Noised(usize),
    /// The clean guide (after the last step).
    Clean,
}

impl DualClock {
    /// `0 <= t_weak <= t_strong <= steps` and `t_weak < steps` (at least one step runs).
    pub fn new(steps: usize, t_weak: usize, t_strong: usize) -> Result<Self, PipelineError> {
        if t_weak >= steps || t_strong < t_weak || t_strong > steps {
            return Err(PipelineError::InvalidRequest(format!(
                "motion strengths t_weak {t_weak} and t_strong {t_strong} with {steps} steps: \
                 they must satisfy 0 <= t_weak <= t_strong <= steps and t_weak < steps"
            )));
        }
        Ok(Self {
            steps,
            t_weak,
            t_strong,
        })
    }

    /// The step index the run begins at.
    pub fn first_step(&self) -> usize {
        self.t_weak
    }

    /// Steps actually run.
    pub fn steps_run(&self) -> usize {
        self.steps - self.t_weak
    }

    /// Whether the start is the guide noised to `sigma[t_weak]` (else the plain noise).
    pub fn starts_from_guide(&self) -> bool {
        self.t_weak > 0
    }

    /// What the steered positions become after step `k` (an absolute step index), if they
    /// are tied at all.
    pub fn tie_after(&self, k: usize) -> Option<Tie> {
        if k < self.t_weak || k >= self.t_strong {
            None
        } else if k + 1 < self.steps {
            Some(Tie::Noised(k + 1))
        } else {
            Some(Tie::Clean)
        }
    }
}

/// A guide on the device: its latent, the latent mask and the dual clock.
pub(crate) struct GuideLatents {
    /// Normalised latent of the coarse video [1, z, F', h, w].
    reference: Tensor<5>,
    /// [1, 1, F', h, w]: 1 where steered, 0 elsewhere.
    mask: Tensor<5>,
    pub(crate) clock: DualClock,
}

impl GuideLatents {
    /// Encodes `guide` (already checked) with `vae` and downsamples its masks to `latent`
    /// ([1, z, F', h, w]); `clock` is its strengths on the schedule being run.
    pub(crate) fn prepare(
        vae: &WanVae,
        guide: &MotionGuide,
        latent: [usize; 5],
        clock: DualClock,
        device: &Device,
    ) -> Result<Self, PipelineError> {
        let (w, h) = match guide.frames.first() {
            Some(f) => (f.width(), f.height()),
            None => {
                return Err(PipelineError::InvalidRequest(
                    "the motion guide has no frames".into(),
                ))
            }
        };
        let video = video_tensor(&guide.frames, device);
        let reference = vae.normalize(vae.encode(video));
        let [_, _, lf, lh, lw] = latent;
        if reference.dims() != latent {
            return Err(PipelineError::InvalidRequest(format!(
                "the motion guide encodes to {:?}, the request's latents are {latent:?}",
                reference.dims()
            )));
        }
        let config = vae.config();
        let mask = latent_mask(
            &guide.masks,
            (w, h),
            (lw, lh, lf),
            config.temporal_factor(),
            config.spatial_factor(),
        );
        let mask = Tensor::<5>::from_data(TensorData::new(mask, [1, 1, lf, lh, lw]), device);
        Ok(Self {
            reference,
            mask,
            clock,
        })
    }

    /// The starting latents: the guide noised to `sigma` with `noise` when the clock starts
    /// from it, else `noise` itself.
    pub(crate) fn start(&self, noise: Tensor<5>, sigma: f32) -> Tensor<5> {
        if self.clock.starts_from_guide() {
            // The sampler's latents are f32; the encoded guide is in the compute dtype.
            add_noise(self.reference.clone().cast(noise.dtype()), noise, sigma)
        } else {
            noise
        }
    }

    /// `latents` after step `k`, with the steered positions tied to the guide when the clock
    /// says so; `sigmas` is the schedule's.
    pub(crate) fn tie(
        &self,
        k: usize,
        latents: Tensor<5>,
        noise: &Tensor<5>,
        sigmas: &[f32],
    ) -> Tensor<5> {
        let dtype = latents.dtype();
        let reference = self.reference.clone().cast(dtype);
        let target = match self.clock.tie_after(k) {
            None => return latents,
            Some(Tie::Clean) => reference,
            Some(Tie::Noised(i)) => add_noise(
                reference,
                noise.clone().cast(dtype),
                sigmas[i.min(sigmas.len() - 1)],
            ),
        };
        let mask = self.mask.clone().cast(dtype);
        let keep = mask.clone().neg().add_scalar(1.0);
        latents * keep + target * mask
    }
}

/// Pixel masks `[F][H * W]` -> the latent mask `[F' * h * w]` (1.0 steered, 0.0 not).
///
/// Latent frame 0 is pixel frame 0 and latent frame `j > 0` stands for pixel frames
/// `t (j - 1) + 1 ..= t j`; like the authors we take the first of them. Spatially a cell is
/// steered when any pixel of its `s` x `s` block is (a max-pool, where the authors take the
/// nearest pixel), so a brushed region thinner than a cell still counts.
pub fn latent_mask(
    masks: &[Vec<u8>],
    (width, height): (usize, usize),
    (lw, lh, lf): (usize, usize, usize),
    temporal: usize,
    spatial: usize,
) -> Vec<f32> {
    let mut out = vec![0.0f32; lf * lh * lw];
    for j in 0..lf {
        let frame = if j == 0 { 0 } else { temporal * (j - 1) + 1 };
        let Some(mask) = masks.get(frame.min(masks.len().saturating_sub(1))) else {
            continue;
        };
        for cy in 0..lh {
            for cx in 0..lw {
                let steered = (cy * spatial..((cy + 1) * spatial).min(height)).any(|y| {
                    let row = &mask[y * width..(y + 1) * width];
                    row[cx * spatial..((cx + 1) * spatial).min(width)]
                        .iter()
                        .any(|&v| v >= 128)
                });
                if steered {
                    out[(j * lh + cy) * lw + cx] = 1.0;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_ties_from_t_weak_until_t_strong() {
        let clock = DualClock::new(10, 3, 7).unwrap();
        assert_eq!(clock.first_step(), 3);
        assert_eq!(clock.steps_run(), 7);
        assert!(clock.starts_from_guide());
        let ties: Vec<_> = (0..10).map(|k| clock.tie_after(k)).collect();
        assert_eq!(ties[2], None, "before t_weak nothing runs, nothing is tied");
        assert_eq!(ties[3], Some(Tie::Noised(4)));
        assert_eq!(ties[6], Some(Tie::Noised(7)));
        assert_eq!(ties[7], None, "from t_strong on everything denoises freely");
        assert_eq!(ties[9], None);
    }

    #[test]
    fn a_strong_clock_to_the_end_ends_on_the_clean_guide() {
        let clock = DualClock::new(4, 0, 4).unwrap();
        assert!(!clock.starts_from_guide());
        assert_eq!(clock.tie_after(0), Some(Tie::Noised(1)));
        assert_eq!(clock.tie_after(2), Some(Tie::Noised(3)));
        assert_eq!(clock.tie_after(3), Some(Tie::Clean));
    }

    #[test]
    fn zero_strengths_tie_nothing() {
        let clock = DualClock::new(5, 0, 0).unwrap();
        assert_eq!(clock.steps_run(), 5);
        assert!((0..5).all(|k| clock.tie_after(k).is_none()));
    }

    #[test]
    fn bad_strengths_are_refused_with_the_rule() {
        for (steps, weak, strong) in [(10, 5, 4), (10, 10, 10), (10, 2, 11)] {
            let err = DualClock::new(steps, weak, strong).unwrap_err().to_string();
            assert!(err.contains("t_weak <= t_strong <= steps"), "{err}");
        }
    }

    #[test]
    fn the_latent_mask_takes_each_groups_first_frame_and_any_pixel_of_a_block() {
        // 9 frames of 8x4 pixels -> 3 latent frames of 4x2 cells (2x2 blocks).
        let (w, h) = (8, 4);
        let mut masks = vec![vec![0u8; w * h]; 9];
        masks[0][0] = 255; // frame 0, cell (0, 0)
        masks[1][w + 7] = 200; // frame 1 (latent 1), cell (3, 0), the block's second row
        masks[2][0] = 255; // frame 2: inside latent frame 1's group but not its first frame
        masks[5][3 * w + 2] = 128; // frame 5 (latent 2), cell (1, 1)
        masks[5][3 * w + 5] = 127; // below the threshold
        let m = latent_mask(&masks, (w, h), (4, 2, 3), 4, 2);
        let on: Vec<usize> = (0..m.len()).filter(|&i| m[i] == 1.0).collect();
        assert_eq!(on, vec![0, 8 + 3, 16 + 4 + 1]);
    }
}
