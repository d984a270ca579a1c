//! The request a shot makes of a model: its size, frame count, steps and strengths, from the
//! shot's [`Generation`] settings and what the model package needs.

use crate::project::{Generation, Shot};

/// Wan models generate 16 frames per second.
pub const GENERATED_FPS: u32 = 16;

/// The most frames Wan generates in one run (5 s at 16 fps).
pub const MAX_FRAMES: u32 = 81;

/// What a package needs of a request, as far as planning goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageTraits {
    /// Sides must be multiples of this (16 for Wan2.1, 32 for Wan2.2).
    pub size_multiple: u32,
    /// Its own landscape size (832x480 for Wan2.1, 1280x704 for Wan2.2 TI2V).
    pub landscape: (u32, u32),
}

impl PackageTraits {
    pub const WAN21: PackageTraits = PackageTraits {
        size_multiple: 16,
        landscape: (832, 480),
    };
    pub const WAN22: PackageTraits = PackageTraits {
        size_multiple: 32,
        landscape: (1280, 704),
    };
}

/// Everything about one generation of one shot except the pictures.
#[derive(Debug, Clone, PartialEq)]
pub struct ShotPlan {
    pub prompt: String,
    pub negative_prompt: String,
    pub width: u32,
    pub height: u32,
    /// 4k + 1 frames at [`GENERATED_FPS`].
    pub frames: u32,
    pub steps: u32,
    pub guidance: f32,
    pub shift: Option<f32>,
    pub seed: u32,
    /// Clamped to `0 <= t_weak < steps` and `t_weak <= t_strong <= steps`.
    pub t_weak: u32,
    pub t_strong: u32,
}

impl ShotPlan {
    /// The plan for `shot` on a package with `traits`; `aspect` is the shot's picture size
    /// (portrait pictures get the model's portrait size).
    pub fn new(shot: &Shot, traits: PackageTraits, aspect: Option<(u32, u32)>) -> Self {
        let g: Generation = shot.generation();
        let (width, height) = g.size.unwrap_or_else(|| {
            let (w, h) = traits.landscape;
            match aspect {
                Some((aw, ah)) if ah > aw => (h, w),
                _ => (w, h),
            }
        });
        let frames = g.frames.unwrap_or_else(|| frames_for(shot.seconds));
        let steps = g.steps.max(1);
        let t_weak = g.t_weak.min(steps - 1);
        Self {
            prompt: shot.prompt.clone(),
            negative_prompt: shot.negative_prompt.clone(),
            width,
            height,
            frames,
            steps,
            guidance: g.guidance,
            shift: g.shift,
            seed: shot.seed,
            t_weak,
            t_strong: g.t_strong.clamp(t_weak, steps),
        }
    }
}

/// The 4k + 1 frame count nearest to `seconds` at 16 fps, from 5 to 81.
pub fn frames_for(seconds: f32) -> u32 {
    let wanted = if seconds.is_finite() {
        (seconds.max(0.0) * GENERATED_FPS as f32).round() as u32
    } else {
        MAX_FRAMES
    };
    let k = (wanted.saturating_sub(1) as f32 / 4.0).round() as u32;
    (4 * k + 1).clamp(5, MAX_FRAMES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Engine;

    #[test]
    fn durations_become_wan_frame_counts() {
        assert_eq!(frames_for(5.0), 81);
        assert_eq!(frames_for(15.0), 81, "one run makes at most 81 frames");
        assert_eq!(frames_for(2.0), 33);
        assert_eq!(frames_for(0.1), 5);
        assert_eq!(frames_for(f32::NAN), 81);
        for s in [0.5, 1.0, 1.7, 3.3] {
            assert_eq!((frames_for(s) - 1) % 4, 0);
        }
    }

    #[test]
    fn the_size_follows_the_model_and_the_pictures_aspect() {
        let mut shot = Shot::new("s", "Shot 1");
        shot.generation = Some(Generation {
            engine: Engine::WanImageToVideo,
            steps: 4,
            t_weak: 9,
            t_strong: 2,
            ..Generation::default()
        });
        let plan = ShotPlan::new(&shot, PackageTraits::WAN22, Some((1080, 1920)));
        assert_eq!((plan.width, plan.height), (704, 1280));
        let plan = ShotPlan::new(&shot, PackageTraits::WAN21, Some((1920, 1080)));
        assert_eq!((plan.width, plan.height), (832, 480));
        assert_eq!(
            (plan.t_weak, plan.t_strong),
            (3, 3),
            "strengths fit the steps"
        );
    }
}
