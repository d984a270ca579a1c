//! Where a frame is steered: the mask Time-to-Move ties to the warped video for longer
//! (`models::pipeline::MotionGuide`). It is the content the creator placed: every path's
//! carried mask (its disk or the painted one, without the feather) at its position at time `t` (the moved object, not the hole it left) and the
//! static brushes (held still), both as the camera shows them. Under a camera move the whole
//! frame is placed by the creator, so all of it is steered, as in Time-to-Move's camera
//! control.

use super::camera;
use super::Warper;

impl Warper {
    /// The steered mask at shot time `t` in 0..=1: `[height, width]` bytes, 255 where the
    /// content is steered, 0 elsewhere.
    pub fn steered_mask(&self, t: f32) -> Vec<u8> {
        let (w, h) = (self.width() as usize, self.height() as usize);
        if self.camera.moves() {
            return vec![255; w * h];
        }
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        let xform = camera::camera_at(&self.camera, w as u32, h as u32, t);
        let (wf, hf) = (w as f32, h as f32);
        let carried: Vec<_> = self
            .tracks
            .iter()
            .map(|tr| {
                let p = tr.arc.position(t);
                (p.x * wf - 0.5, p.y * hf - 0.5, tr)
            })
            .collect();
        let mut out = vec![0u8; w * h];
        for (y, row) in out.chunks_mut(w.max(1)).enumerate() {
            for (x, v) in row.iter_mut().enumerate() {
                // The scene point this output pixel shows.
                let (sx, sy) = xform.apply(x as f32, y as f32);
                let moved = carried.iter().any(|&(cx, cy, tr)| {
                    let (dx, dy) = (sx - cx, sy - cy);
                    match &tr.painted {
                        None => dx * dx + dy * dy <= tr.radius_px * tr.radius_px,
                        Some(shape) => shape.distance(dx, dy) <= 0.0,
                    }
                });
                let held = self.mask.as_ref().is_some_and(|m| m.at(sx, sy) >= 128);
                if moved || held {
                    *v = 255;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use image::RgbImage;

    use crate::motion::{Camera, Motion, MotionPath, Point, StaticBrush};
    use crate::warp::Warper;

    fn at(mask: &[u8], w: usize, x: usize, y: usize) -> u8 {
        mask[y * w + x]
    }

    #[test]
    fn the_carried_disk_is_steered_where_it_is_now_and_brushes_always() {
        let motion = Motion {
            paths: vec![MotionPath {
                points: vec![Point { x: 0.25, y: 0.5 }, Point { x: 0.75, y: 0.5 }],
                radius: 0.05,
                mask: None,
            }],
            statics: vec![StaticBrush {
                points: vec![Point { x: 0.5, y: 0.1 }],
                radius: 0.04,
            }],
            camera: Camera::default(),
        };
        let warper = Warper::new(RgbImage::new(200, 100), &motion);
        let start = warper.steered_mask(0.0);
        let end = warper.steered_mask(1.0);
        assert_eq!(at(&start, 200, 50, 50), 255, "the disk at its start");
        assert_eq!(at(&start, 200, 150, 50), 0);
        assert_eq!(at(&end, 200, 150, 50), 255, "the disk at its end");
        assert_eq!(at(&end, 200, 50, 50), 0, "the hole it left is not steered");
        assert_eq!(at(&end, 200, 100, 10), 255, "a static brush is held");
        assert_eq!(at(&end, 200, 100, 90), 0);
        let steered = end.iter().filter(|&&v| v == 255).count();
        assert!(steered < 200 * 100 / 10, "{steered} pixels steered");
    }

    #[test]
    fn a_camera_move_steers_the_whole_frame() {
        let mut motion = Motion::default();
        motion.camera.kind = crate::motion::CameraKind::ZoomIn;
        motion.camera.amount = 0.5;
        let warper = Warper::new(RgbImage::new(40, 20), &motion);
        assert!(warper.steered_mask(0.5).iter().all(|&v| v == 255));
        let still = Warper::new(RgbImage::new(40, 20), &Motion::default());
        assert!(still.steered_mask(0.5).iter().all(|&v| v == 0));
    }
}
