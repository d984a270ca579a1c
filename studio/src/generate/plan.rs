//! The request a shot makes of a model: its size, frame count, steps and strengths, from the
//! shot's [`Generation`] settings and, for what the shot leaves open, the package's official
//! defaults (frame rate, length, guidance, shift, negative prompt).

use models::pipeline::PackageDefaults;

use crate::project::{Generation, Shot};

/// What a package needs of a request, as far as planning goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PackageTraits {
    /// Sides must be multiples of this (16 for Wan2.1, 32 for Wan2.2).
    pub size_multiple: u32,
    /// Its own landscape size (832x480 for Wan2.1, 1280x704 for Wan2.2 TI2V).
    pub landscape: (u32, u32),
    /// Its official frame rate, length, guidance, shift and negative prompt.
    pub defaults: PackageDefaults,
}

impl PackageTraits {
    pub const WAN21: PackageTraits = PackageTraits {
        size_multiple: 16,
        landscape: (832, 480),
        defaults: PackageDefaults::WAN21_T2V_1_3B,
    };
    pub const WAN22: PackageTraits = PackageTraits {
        size_multiple: 32,
        landscape: (1280, 704),
        defaults: PackageDefaults::WAN22_TI2V_5B,
    };
}

/// Everything about one generation of one shot except the pictures.
#[derive(Debug, Clone, PartialEq)]
pub struct ShotPlan {
    pub prompt: String,
    /// The shot's, or the package's default when the shot has none.
    pub negative_prompt: String,
    pub width: u32,
    pub height: u32,
    /// 4k + 1 frames at `fps`.
    pub frames: u32,
    /// The package's frame rate: the clip plays at it.
    pub fps: u32,
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
        let d = traits.defaults;
        let (width, height) = g.size.unwrap_or_else(|| {
            let (w, h) = traits.landscape;
            match aspect {
                Some((aw, ah)) if ah > aw => (h, w),
                _ => (w, h),
            }
        });
        let frames = g
            .frames
            .unwrap_or_else(|| frames_for(shot.seconds, d.fps, d.max_frames as u32));
        let steps = g.steps.max(1);
        let t_weak = g.t_weak.min(steps - 1);
        let negative_prompt = if shot.negative_prompt.trim().is_empty() {
            d.negative_prompt.to_owned()
        } else {
            shot.negative_prompt.clone()
        };
        Self {
            prompt: shot.prompt.clone(),
            negative_prompt,
            width,
            height,
            frames,
            fps: d.fps,
            steps,
            guidance: g.guidance.unwrap_or(d.guidance),
            shift: Some(g.shift.unwrap_or(d.shift)),
            seed: shot.seed,
            t_weak,
            t_strong: g.t_strong.clamp(t_weak, steps),
        }
    }
}

/// The 4k + 1 frame count nearest to `seconds` at `fps`, from 5 to `max_frames`.
pub fn frames_for(seconds: f32, fps: u32, max_frames: u32) -> u32 {
    let wanted = if seconds.is_finite() {
        (seconds.max(0.0) * fps as f32).round() as u32
    } else {
        max_frames
    };
    let k = (wanted.saturating_sub(1) as f32 / 4.0).round() as u32;
    (4 * k + 1).clamp(5, max_frames)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Engine;

    #[test]
    fn durations_become_wan_frame_counts() {
        assert_eq!(frames_for(5.0, 16, 81), 81);
        assert_eq!(
            frames_for(15.0, 16, 81),
            81,
            "one run makes at most 81 frames"
        );
        assert_eq!(frames_for(2.0, 16, 81), 33);
        assert_eq!(frames_for(0.1, 16, 81), 5);
        assert_eq!(frames_for(f32::NAN, 16, 81), 81);
        // Wan2.2 TI2V: 24 fps, up to 121 frames (5 s).
        assert_eq!(frames_for(5.0, 24, 121), 121);
        assert_eq!(frames_for(9.0, 24, 121), 121);
        assert_eq!(frames_for(2.0, 24, 121), 49);
        for s in [0.5, 1.0, 1.7, 3.3] {
            assert_eq!((frames_for(s, 16, 81) - 1) % 4, 0);
            assert_eq!((frames_for(s, 24, 121) - 1) % 4, 0);
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

    #[test]
    fn what_the_shot_leaves_open_comes_from_the_package() {
        let mut shot = Shot::new("s", "Shot 1");
        shot.seconds = 5.0;
        shot.generation = Some(Generation {
            engine: Engine::WanImageToVideo,
            ..Generation::default()
        });
        let ti2v = ShotPlan::new(&shot, PackageTraits::WAN22, None);
        assert_eq!((ti2v.fps, ti2v.frames), (24, 121));
        assert_eq!((ti2v.guidance, ti2v.shift), (5.0, Some(5.0)));
        assert!(ti2v.negative_prompt.starts_with("色调艳丽"));
        let t2v = ShotPlan::new(&shot, PackageTraits::WAN21, None);
        assert_eq!((t2v.fps, t2v.frames), (16, 81));
        assert_eq!((t2v.guidance, t2v.shift), (6.0, Some(8.0)));
        // The shot's own settings win.
        shot.negative_prompt = "blurry".into();
        shot.generation = Some(Generation {
            guidance: Some(3.5),
            shift: Some(3.0),
            frames: Some(33),
            ..Generation::default()
        });
        let own = ShotPlan::new(&shot, PackageTraits::WAN22, None);
        assert_eq!(own.negative_prompt, "blurry");
        assert_eq!((own.guidance, own.shift, own.frames), (3.5, Some(3.0), 33));
    }
}
