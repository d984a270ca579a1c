//! The pictures a generation starts from: the shot's first frame at the model's size and, when
//! the shot has motion, the warp engine's frames and steered masks as a Time-to-Move guide.

use image::RgbImage;
use models::pipeline::{MotionGuide, RgbImage as ModelImage};

use super::plan::ShotPlan;
use crate::export::{Crop, Fit};
use crate::motion::Motion;
use crate::render::{RenderError, ShotRenderer, ShotSettings};

/// The first frame and the motion guide of one generation.
pub struct Conditioning {
    /// The picture framed (centre crop) to the plan's size.
    pub first_frame: ModelImage,
    /// `None` when the shot has no motion: plain image-to-video.
    pub guide: Option<MotionGuide>,
}

/// Whether `motion` moves or holds anything.
pub fn has_motion(motion: &Motion) -> bool {
    motion.paths.iter().any(|p| p.points.len() >= 2)
        || !motion.statics.is_empty()
        || motion.camera.moves()
}

/// Renders the conditioning of `plan` from `picture` and `motion`.
pub fn conditioning(
    picture: RgbImage,
    motion: &Motion,
    plan: &ShotPlan,
) -> Result<Conditioning, RenderError> {
    let settings = ShotSettings {
        motion: motion.clone(),
        // Exactly `plan.frames` frames at the model's rate.
        seconds: plan.frames as f32 / plan.fps as f32,
        fps: plan.fps,
        preset: None,
        fit: Fit::Crop,
        // The model sees the whole picture; the shot's crop applies when it is exported.
        crop: Crop::default(),
    };
    let size = (plan.width, plan.height);
    let renderer = ShotRenderer::with_output_size(picture, &settings, size)?;
    let mut scratch = RgbImage::new(1, 1);
    let mut frame = RgbImage::new(plan.width, plan.height);
    let to_model = |frame: &RgbImage| {
        ModelImage::new(
            plan.width as usize,
            plan.height as usize,
            frame.as_raw().clone(),
        )
        .expect("a frame of the plan's size has the plan's byte count")
    };
    renderer.render_frame(0, &mut scratch, &mut frame);
    let first_frame = to_model(&frame);
    let guide = has_motion(motion).then(|| {
        let mut frames = Vec::with_capacity(plan.frames as usize);
        let mut masks = Vec::with_capacity(plan.frames as usize);
        for i in 0..renderer.frame_count() {
            renderer.render_frame(i, &mut scratch, &mut frame);
            frames.push(to_model(&frame));
            masks.push(renderer.steered_mask(i));
        }
        MotionGuide {
            frames,
            masks,
            t_weak: plan.t_weak as usize,
            t_strong: plan.t_strong as usize,
        }
    });
    Ok(Conditioning { first_frame, guide })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::motion::{MotionPath, Point};
    use crate::project::Shot;

    fn plan() -> ShotPlan {
        let mut shot = Shot::new("s", "Shot");
        shot.generation = Some(crate::project::Generation {
            size: Some((64, 32)),
            frames: Some(9),
            steps: 10,
            ..Default::default()
        });
        ShotPlan::new(&shot, super::super::plan::PackageTraits::WAN22, None)
    }

    #[test]
    fn a_still_shot_is_plain_image_to_video() {
        let c = conditioning(RgbImage::new(200, 100), &Motion::default(), &plan()).unwrap();
        assert_eq!((c.first_frame.width(), c.first_frame.height()), (64, 32));
        assert!(c.guide.is_none());
    }

    #[test]
    fn a_path_gives_one_guide_frame_and_mask_per_generated_frame() {
        let mut picture = RgbImage::new(200, 100);
        for (x, _, p) in picture.enumerate_pixels_mut() {
            *p = image::Rgb([(x % 256) as u8, 90, 30]);
        }
        let motion = Motion {
            paths: vec![MotionPath {
                points: vec![Point { x: 0.3, y: 0.5 }, Point { x: 0.7, y: 0.5 }],
                radius: 0.08,
                mask: None,
            }],
            ..Motion::default()
        };
        let c = conditioning(picture, &motion, &plan()).unwrap();
        let guide = c.guide.unwrap();
        assert_eq!(guide.frames.len(), 9);
        assert_eq!(guide.masks.len(), 9);
        assert_eq!((guide.t_weak, guide.t_strong), (3, 7));
        // The steered region moves right with the path.
        let centre = |m: &[u8]| {
            let (sum, n) = m
                .iter()
                .enumerate()
                .filter(|(_, &v)| v == 255)
                .fold((0usize, 0usize), |(s, n), (i, _)| (s + i % 64, n + 1));
            sum as f32 / n.max(1) as f32
        };
        assert!(centre(&guide.masks[8]) > centre(&guide.masks[0]) + 10.0);
        assert_eq!(guide.frames[0], c.first_frame);
    }
}
