//! The object displacement field: how far each scene point's content has travelled.
//!
//! Path `k` carries the content of a disk of radius `R_k` (pixels: `radius * width`) around its
//! first point. At time `t` that content is centred on `pos_k(t)` (from
//! [`super::path_position`], in pixels), so its offset is `o_k(t) = pos_k(t) - pos_k(0)`. The
//! field lives in the OUTPUT (scene) space of the frame and is used for backward warping: the
//! scene point `q` shows the source at `q - d(q, t)`, where
//!
//! ```text
//! w_k(q, t) = falloff(|q - pos_k(t)| / R_k)
//! d(q, t)   = sum_k w_k o_k / max(1, sum_k w_k)          (times 1 - static mask, elsewhere)
//! falloff(r) = 1                                  for r <= 1
//!            = 1 - smoothstep((r - 1) / BAND)     for 1 < r < 1 + BAND, BAND = 0.75
//!            = 0                                  beyond
//! ```
//!
//! Backward warping alone would leave the carried content visible at its start as well (a
//! ghost: two dogs), and the fall-off band, whose `q - d` sweeps across the start, would show
//! a compressed streak of it. Neither is the field's business: every output pixel outside the
//! carried disks samples the background plate, where the start areas are filled in from their
//! surroundings ([`super::plate`]).
//!
//! The fall-off is continuous (and C1), so the field has no tears at the regions' edges. The
//! field is smooth, so it is evaluated on a coarse grid of output pixels (every
//! [`grid_spacing`] pixels) and interpolated bilinearly in between; inside a disk the field is
//! constant and the interpolation exact.

use rayon::prelude::*;

use super::camera::CameraXform;

/// Width of the fall-off band beyond a moving disk, as a fraction of its radius.
pub const FALLOFF_BAND: f32 = 0.75;

/// `3u^2 - 2u^3` for `u` clamped to 0..1.
#[inline]
pub(crate) fn smoothstep(u: f32) -> f32 {
    let u = u.clamp(0.0, 1.0);
    u * u * (3.0 - 2.0 * u)
}

/// A path's weight at distance `r` (in radii) from its content's current centre.
#[inline]
pub(crate) fn falloff(r: f32) -> f32 {
    if r <= 1.0 {
        1.0
    } else {
        1.0 - smoothstep((r - 1.0) / FALLOFF_BAND)
    }
}

/// One path's moving disk at a given time, in pixel-index coordinates.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MovingDisk {
    /// Where the carried content's centre is now.
    pub cx: f32,
    pub cy: f32,
    /// How far it has travelled since t = 0.
    pub ox: f32,
    pub oy: f32,
    pub inv_radius: f32,
    /// Squared distance beyond which the weight is 0.
    pub reach2: f32,
}

impl MovingDisk {
    pub(crate) fn new(start: (f32, f32), now: (f32, f32), radius_px: f32) -> MovingDisk {
        let reach = radius_px * (1.0 + FALLOFF_BAND);
        MovingDisk {
            cx: now.0,
            cy: now.1,
            ox: now.0 - start.0,
            oy: now.1 - start.1,
            inv_radius: 1.0 / radius_px,
            reach2: reach * reach,
        }
    }
}

/// The object displacement `d(q, t)` at scene point `(x, y)` (before the static mask).
#[inline]
pub(crate) fn displacement(disks: &[MovingDisk], x: f32, y: f32) -> (f32, f32) {
    let (mut sw, mut sx, mut sy) = (0.0f32, 0.0f32, 0.0f32);
    for d in disks {
        let (dx, dy) = (x - d.cx, y - d.cy);
        let r2 = dx * dx + dy * dy;
        if r2 < d.reach2 {
            let w = falloff(r2.sqrt() * d.inv_radius);
            sw += w;
            sx += w * d.ox;
            sy += w * d.oy;
        }
    }
    if sw > 1.0 {
        (sx / sw, sy / sw)
    } else {
        (sx, sy)
    }
}

/// The grid step in output pixels for a `w` x `h` frame: about 256 cells along the longer side,
/// a power of two between 2 and 16 (4 at 540x960, 8 at 1080x1920).
pub fn grid_spacing(w: u32, h: u32) -> usize {
    let long = w.max(h) as usize;
    long.div_ceil(256).next_power_of_two().clamp(2, 16)
}

/// The object displacement sampled at output pixels `(i * step, j * step)`, evaluated at the
/// scene point the camera shows there. Row-major, `nx` x `ny` nodes, covering at least the
/// whole frame (the last row and column lie at or beyond the frame's edge).
#[derive(Debug, Clone)]
pub(crate) struct FieldGrid {
    pub step: usize,
    pub nx: usize,
    pub ny: usize,
    pub d: Vec<[f32; 2]>,
}

impl FieldGrid {
    pub(crate) fn build(
        disks: &[MovingDisk],
        camera: &CameraXform,
        w: u32,
        h: u32,
        step: usize,
    ) -> FieldGrid {
        let nx = (w as usize).saturating_sub(1) / step + 2;
        let ny = (h as usize).saturating_sub(1) / step + 2;
        let mut d = vec![[0.0f32; 2]; nx * ny];
        d.par_chunks_mut(nx).enumerate().for_each(|(j, row)| {
            let y = (j * step) as f32;
            for (i, node) in row.iter_mut().enumerate() {
                let (sx, sy) = camera.apply((i * step) as f32, y);
                let (dx, dy) = displacement(disks, sx, sy);
                *node = [dx, dy];
            }
        });
        FieldGrid { step, nx, ny, d }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falloff_is_one_inside_zero_outside_and_continuous() {
        assert_eq!(falloff(0.0), 1.0);
        assert_eq!(falloff(1.0), 1.0);
        assert_eq!(falloff(1.0 + FALLOFF_BAND), 0.0);
        assert_eq!(falloff(3.0), 0.0);
        let mut prev = falloff(0.0);
        for k in 1..=2000 {
            let v = falloff(k as f32 * 0.001);
            assert!(v <= prev && prev - v < 0.003, "jump at {k}");
            prev = v;
        }
    }

    #[test]
    fn overlapping_disks_blend_and_normalise() {
        let a = MovingDisk::new((0.0, 0.0), (100.0, 100.0), 10.0);
        let b = MovingDisk::new((200.0, 100.0), (100.0, 100.0), 10.0);
        // Both fully weighted at the shared centre: the mean of (100, 100) and (-100, 0).
        assert_eq!(displacement(&[a, b], 100.0, 100.0), (0.0, 50.0));
        // Alone, a disk carries its full offset inside and nothing far away.
        assert_eq!(displacement(&[a], 105.0, 100.0), (100.0, 100.0));
        assert_eq!(displacement(&[a], 150.0, 100.0), (0.0, 0.0));
        // In the band, a single path's weight is below one and not renormalised.
        let (dx, _) = displacement(&[a], 113.75, 100.0);
        assert!((dx - 50.0).abs() < 1e-3, "{dx}");
    }

    #[test]
    fn grid_spacing_matches_the_sizes_we_use() {
        assert_eq!(grid_spacing(540, 960), 4);
        assert_eq!(grid_spacing(1080, 1920), 8);
        assert_eq!(grid_spacing(10, 10), 2);
        assert_eq!(grid_spacing(8000, 8000), 16);
    }
}
