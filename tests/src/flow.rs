//! A small dense optical-flow estimator for measuring motion on decoded frames: pyramidal
//! Lucas-Kanade, iterated at every pixel (the dense form of Bouguet's tracker).
//!
//! At each pyramid level, from the coarsest, the flow `u` from frame `a` to frame `b` is
//! refined by Gauss-Newton steps: with the gradients `Ix`, `Iy` of `a` and the difference
//! linearised back to zero displacement, `r = b(x + u(x)) - a(x) - Ix u - Iy v`, every pixel
//! solves
//!
//! ```text
//! [sum Ix^2 + k   sum IxIy    ] u = -[sum Ix r] + k u_before     sums over a
//! [sum IxIy       sum Iy^2 + k]      [sum Iy r]                  (2 WINDOW + 1)^2 box
//! ```
//!
//! The boxes are summed with integral images, so a step costs a few operations per pixel.
//! Where the picture has too little texture for the 2x2 system (its smaller eigenvalue below
//! `MIN_EIGEN`) the pixel is marked unreliable and keeps the coarser estimate.

use image::RgbImage;

/// Half-width of the summing window, in pixels of each level.
const WINDOW: usize = 4;
/// Gauss-Newton steps per level.
const STEPS: usize = 6;
/// Pyramid levels at most (each half the size of the one below)...
const LEVELS: usize = 4;
/// ...as long as the smaller side stays at least this long (coarse levels that are mostly
/// border give wrong estimates that the finer levels then inherit).
const MIN_SIDE: usize = 64;
/// Smallest eigenvalue of the structure tensor (per pixel of the window, in grey levels^2)
/// for a pixel's flow to count as measured.
const MIN_EIGEN: f32 = 4.0;
/// Added to the structure tensor's diagonal, pulling towards the estimate so far (same
/// units): keeps poorly conditioned windows from jumping about.
const DAMPING: f32 = 1.0;

/// A single-channel picture in f32.
#[derive(Debug, Clone)]
pub struct Grey {
    pub w: usize,
    pub h: usize,
    pub v: Vec<f32>,
}

impl Grey {
    /// Luma (BT.601) of an RGB frame.
    pub fn from_rgb(img: &RgbImage) -> Grey {
        let v = img
            .pixels()
            .map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32)
            .collect();
        Grey {
            w: img.width() as usize,
            h: img.height() as usize,
            v,
        }
    }

    fn at(&self, x: usize, y: usize) -> f32 {
        self.v[y * self.w + x]
    }

    /// Bilinear sample, clamped to the picture.
    fn sample(&self, x: f32, y: f32) -> f32 {
        let x = x.clamp(0.0, (self.w - 1) as f32);
        let y = y.clamp(0.0, (self.h - 1) as f32);
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let top = self.at(x0, y0) + (self.at(x1, y0) - self.at(x0, y0)) * fx;
        let bottom = self.at(x0, y1) + (self.at(x1, y1) - self.at(x0, y1)) * fx;
        top + (bottom - top) * fy
    }

    /// Half size, each pixel the mean of a 2x2 block (after a [1 2 1] blur against aliasing).
    fn half(&self) -> Grey {
        let blur = |g: &Grey| {
            let mut out = g.clone();
            for y in 0..g.h {
                for x in 0..g.w {
                    let l = g.at(x.saturating_sub(1), y);
                    let r = g.at((x + 1).min(g.w - 1), y);
                    out.v[y * g.w + x] = 0.25 * l + 0.5 * g.at(x, y) + 0.25 * r;
                }
            }
            let tmp = out.clone();
            for y in 0..g.h {
                for x in 0..g.w {
                    let u = tmp.at(x, y.saturating_sub(1));
                    let d = tmp.at(x, (y + 1).min(g.h - 1));
                    out.v[y * g.w + x] = 0.25 * u + 0.5 * tmp.at(x, y) + 0.25 * d;
                }
            }
            out
        };
        let b = blur(self);
        let (w, h) = (self.w.div_ceil(2), self.h.div_ceil(2));
        let mut v = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                let (x0, y0) = (2 * x, 2 * y);
                let (x1, y1) = ((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
                v.push(0.25 * (b.at(x0, y0) + b.at(x1, y0) + b.at(x0, y1) + b.at(x1, y1)));
            }
        }
        Grey { w, h, v }
    }
}

/// A dense flow field: where each pixel of the first frame is in the second, minus where it
/// was, and whether it was measured (enough texture).
#[derive(Debug, Clone)]
pub struct Flow {
    pub w: usize,
    pub h: usize,
    pub u: Vec<f32>,
    pub v: Vec<f32>,
    pub reliable: Vec<bool>,
}

impl Flow {
    fn zero(w: usize, h: usize) -> Flow {
        Flow {
            w,
            h,
            u: vec![0.0; w * h],
            v: vec![0.0; w * h],
            reliable: vec![false; w * h],
        }
    }

    pub fn at(&self, x: usize, y: usize) -> (f32, f32) {
        let i = y * self.w + x;
        (self.u[i], self.v[i])
    }

    /// Twice the size, flow doubled, by nearest neighbour (the next level refines it).
    fn upsampled(&self, w: usize, h: usize) -> Flow {
        let mut out = Flow::zero(w, h);
        for y in 0..h {
            for x in 0..w {
                let (sx, sy) = ((x / 2).min(self.w - 1), (y / 2).min(self.h - 1));
                let (u, v) = self.at(sx, sy);
                out.u[y * w + x] = 2.0 * u;
                out.v[y * w + x] = 2.0 * v;
            }
        }
        out
    }

    /// The mean flow over the reliable pixels within `radius` of `(cx, cy)`; `None` if none.
    pub fn mean_in_disk(&self, cx: f32, cy: f32, radius: f32) -> Option<(f32, f32)> {
        let (mut su, mut sv, mut n) = (0.0f64, 0.0f64, 0u32);
        let (x0, x1) = (
            (cx - radius).floor().max(0.0) as usize,
            (cx + radius).ceil(),
        );
        let (y0, y1) = (
            (cy - radius).floor().max(0.0) as usize,
            (cy + radius).ceil(),
        );
        for y in y0..(y1.max(0.0) as usize + 1).min(self.h) {
            for x in x0..(x1.max(0.0) as usize + 1).min(self.w) {
                let i = y * self.w + x;
                let inside = (x as f32 - cx).hypot(y as f32 - cy) <= radius;
                if inside && self.reliable[i] {
                    su += self.u[i] as f64;
                    sv += self.v[i] as f64;
                    n += 1;
                }
            }
        }
        (n > 0).then(|| ((su / n as f64) as f32, (sv / n as f64) as f32))
    }

    /// How fast the flow changes across the picture: at every reliable pixel at least
    /// `margin` px inside the frame whose neighbours two pixels away are reliable too, the
    /// Frobenius norm of the flow's Jacobian by central differences. Unsorted.
    pub fn gradient_norms(&self, margin: usize) -> Vec<f32> {
        let mut out = Vec::new();
        let m = margin.max(2);
        for y in m..self.h.saturating_sub(m) {
            for x in m..self.w.saturating_sub(m) {
                let idx = [
                    y * self.w + x,
                    y * self.w + x - 2,
                    y * self.w + x + 2,
                    (y - 2) * self.w + x,
                    (y + 2) * self.w + x,
                ];
                if !idx.iter().all(|&i| self.reliable[i]) {
                    continue;
                }
                let d = |a: &[f32], i: usize, j: usize| (a[j] - a[i]) / 4.0;
                let (ux, uy) = (d(&self.u, idx[1], idx[2]), d(&self.u, idx[3], idx[4]));
                let (vx, vy) = (d(&self.v, idx[1], idx[2]), d(&self.v, idx[3], idx[4]));
                out.push((ux * ux + uy * uy + vx * vx + vy * vy).sqrt());
            }
        }
        out
    }
}

/// Box sums of `(2 WINDOW + 1)^2` around every pixel (clamped at the edges) via an integral
/// image.
fn box_sum(w: usize, h: usize, values: &[f32]) -> Vec<f32> {
    let mut integral = vec![0.0f64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0.0f64;
        for x in 0..w {
            row += values[y * w + x] as f64;
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let mut out = vec![0.0f32; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(WINDOW), (y + WINDOW + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(WINDOW), (x + WINDOW + 1).min(w));
            let s = integral[y1 * (w + 1) + x1]
                - integral[y0 * (w + 1) + x1]
                - integral[y1 * (w + 1) + x0]
                + integral[y0 * (w + 1) + x0];
            // Normalised per pixel of the window, so edge pixels are on the same scale.
            out[y * w + x] = (s / ((y1 - y0) * (x1 - x0)) as f64) as f32;
        }
    }
    out
}

/// Refines `flow` (from `a` to `b`, both at this level) by `STEPS` Gauss-Newton steps.
fn refine(a: &Grey, b: &Grey, flow: &mut Flow) {
    let (w, h) = (a.w, a.h);
    let mut ix = vec![0.0f32; w * h];
    let mut iy = vec![0.0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let (l, r) = (x.saturating_sub(1), (x + 1).min(w - 1));
            let (u, d) = (y.saturating_sub(1), (y + 1).min(h - 1));
            ix[y * w + x] = (a.at(r, y) - a.at(l, y)) / (r - l).max(1) as f32;
            iy[y * w + x] = (a.at(x, d) - a.at(x, u)) / (d - u).max(1) as f32;
        }
    }
    let prod = |p: &[f32], q: &[f32]| p.iter().zip(q).map(|(a, b)| a * b).collect::<Vec<_>>();
    let gxx = box_sum(w, h, &prod(&ix, &ix));
    let gxy = box_sum(w, h, &prod(&ix, &iy));
    let gyy = box_sum(w, h, &prod(&iy, &iy));
    // Smaller eigenvalue of [[gxx, gxy], [gxy, gyy]].
    for i in 0..w * h {
        let (p, q, r) = (gxx[i], gxy[i], gyy[i]);
        let half_trace = 0.5 * (p + r);
        let disc = (0.25 * (p - r) * (p - r) + q * q).sqrt();
        flow.reliable[i] = half_trace - disc >= MIN_EIGEN;
    }
    // Each pixel's difference, linearised about its own flow back to zero displacement: the
    // window then solves for the flow itself (not a step from its pixels' differing
    // estimates, which would keep their noise), damped towards the estimate so far.
    let mut rest = vec![0.0f32; w * h];
    for _ in 0..STEPS {
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                let (u, v) = (flow.u[i], flow.v[i]);
                let warped = b.sample(x as f32 + u, y as f32 + v);
                rest[i] = warped - a.at(x, y) - ix[i] * u - iy[i] * v;
            }
        }
        let bx = box_sum(w, h, &prod(&ix, &rest));
        let by = box_sum(w, h, &prod(&iy, &rest));
        for i in 0..w * h {
            if !flow.reliable[i] {
                continue;
            }
            let (p, r) = (gxx[i] + DAMPING, gyy[i] + DAMPING);
            let det = p * r - gxy[i] * gxy[i];
            let (rx, ry) = (-bx[i] + DAMPING * flow.u[i], -by[i] + DAMPING * flow.v[i]);
            flow.u[i] = (r * rx - gxy[i] * ry) / det;
            flow.v[i] = (p * ry - gxy[i] * rx) / det;
        }
    }
}

/// Dense flow from frame `a` to frame `b` (same size).
pub fn dense_flow(a: &RgbImage, b: &RgbImage) -> Flow {
    assert_eq!(a.dimensions(), b.dimensions(), "frames of different sizes");
    let mut pa = vec![Grey::from_rgb(a)];
    let mut pb = vec![Grey::from_rgb(b)];
    for _ in 1..LEVELS {
        let (na, nb) = (pa.last().unwrap().half(), pb.last().unwrap().half());
        if na.w.min(na.h) < MIN_SIDE {
            break;
        }
        pa.push(na);
        pb.push(nb);
    }
    let top = pa.last().unwrap();
    let mut flow = Flow::zero(top.w, top.h);
    for level in (0..pa.len()).rev() {
        let (ga, gb) = (&pa[level], &pb[level]);
        if (flow.w, flow.h) != (ga.w, ga.h) {
            flow = flow.upsampled(ga.w, ga.h);
        }
        refine(ga, gb, &mut flow);
    }
    flow
}

/// The value below which `q` (0..1) of `values` lie; 0 for none.
pub fn percentile(values: &mut [f32], q: f32) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let i = ((values.len() - 1) as f32 * q.clamp(0.0, 1.0)).round() as usize;
    values[i]
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// A smooth, textured pattern shifted by `(dx, dy)`.
    fn pattern(w: u32, h: u32, dx: f32, dy: f32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let (x, y) = (x as f32 - dx, y as f32 - dy);
            let v = 128.0
                + 50.0 * (x * 0.21).sin() * (y * 0.17).cos()
                + 40.0 * (x * 0.07 + y * 0.11).sin()
                + 20.0 * (x * 0.37 - y * 0.29).cos();
            let g = v.clamp(0.0, 255.0) as u8;
            Rgb([g, g, g])
        })
    }

    #[test]
    fn a_shifted_pattern_gives_its_shift_everywhere() {
        for (dx, dy) in [(0.0, 0.0), (1.3, -0.6), (4.0, 2.5)] {
            let flow = dense_flow(&pattern(256, 192, 0.0, 0.0), &pattern(256, 192, dx, dy));
            let (u, v) = flow.mean_in_disk(128.0, 96.0, 40.0).unwrap();
            assert!(
                (u - dx).abs() < 0.1 && (v - dy).abs() < 0.1,
                "shift ({dx}, {dy}) measured ({u}, {v})"
            );
            let mut grads = flow.gradient_norms(12);
            let p99 = percentile(&mut grads, 0.99);
            assert!(p99 < 0.15, "a uniform shift has a flat field: {p99}");
        }
    }
}
