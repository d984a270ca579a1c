//! The background plate: the source picture with every motion path's start area filled in from
//! its surroundings, built once per [`super::Warper`].
//!
//! A path carries the content of its start disk away. For a move the picture can follow by
//! bending ([`super::field`]) nothing else is needed; for a longer one the field cuts the disk
//! out, and whatever the frame shows where that content is no longer (the vacated area, and the
//! feather around the moving disk, whose backward map sweeps across the start area) must not
//! show the content again. So output pixels outside the carried disks sample the plate instead
//! of the source, by the share of the move that is cut out; outside the start areas the two
//! are the same picture.
//!
//! The fill of a start area around `s` with the path's radius `R` (pixels), for a pixel at
//! polar coordinates `(r, θ)` around `s`:
//!
//! ```text
//! R_f  = PLATE_RADIUS * R                      (a little beyond the disk: anti-aliased edges)
//! ring(θ) = the plate just outside R_f + PLATE_BLEND_PX at angle θ, averaged over
//!           PLATE_RING_SAMPLES radii 1 px apart (mean radius ρ) and smoothed over a few px
//!           of arc
//! mean = the mean of ring(θ) over all angles
//! fill(r, θ) = mean + (ring(θ) - mean) * r / ρ
//!            blended into the source by smoothstep((r - R_f) / PLATE_BLEND_PX) beyond R_f
//! plate = fill + (source - fill) * static_mask                        (brushes keep the source)
//! ```
//!
//! The fill is continuous everywhere (at the centre it is the mean, whatever the angle),
//! equals the source at its outer edge and reproduces a linear gradient exactly. Paths are
//! filled in order, each from the plate so far. A path that never moves (all its points at one
//! place) gets no fill.
//!
//! The plate is only kept where it differs from the source: one window per start area (the
//! box around its reach, with whatever earlier areas filled there). A sample that falls within
//! the reach of several areas reads the last of them, which holds them all.
//!
//! At shot time `t`, a pixel at scene point `q` sampling position `src` takes
//!
//! ```text
//! a   = prod_k (1 - inside_k(q)) * prod_k gain_k     over the start areas k whose reach holds
//!                                                    src (a = 0 if none with gain_k > 0 does)
//! out = source(src) + (plate(src) - source(src)) * a
//! inside_k(q) = clamp((R_k^2 - |q - pos_k(t)|^2) / (2 R_k) + 0.5, 0, 1)
//! gain_k      = 1 - elastic_share(|o_k(t)|, R_k)
//! ```
//!
//! `inside_k` is 1 within path `k`'s carried disk (the content itself, from the source), with
//! a one-pixel anti-aliased edge; `gain_k` is the share of the move that is cut out rather
//! than deformed ([`super::field`]): 0 for moves the picture can follow by bending, rising to 1
//! for moves of [`super::field::ELASTIC_NONE`] radii and more (and back should the content
//! come home), so a fill never pops in or out. The reach of an area is `R_f + PLATE_BLEND_PX + sqrt(2)` (the fill and a bilinear
//! sample's footprint): beyond it a sample of the plate is one of the source.

use rayon::prelude::*;

use super::camera::CameraXform;
use super::field::{smoothstep, FieldGrid};
use super::mask::StaticMask;
use super::rows::CHUNK;
use super::sample::{pack, PackedSource};

/// Radius of the filled start area in radii of the path's disk.
pub const PLATE_RADIUS: f32 = 1.1;
/// Width in pixels of the band beyond `PLATE_RADIUS` in which the fill blends into the source.
pub const PLATE_BLEND_PX: f32 = 2.0;
/// Radii (1 px apart, starting 1 px beyond the blend band) averaged into the ring colour.
pub const PLATE_RING_SAMPLES: usize = 4;

/// Ring colours are smoothed over this many samples (about 1 px apart) either side.
const RING_SMOOTH: usize = 2;

/// The radius around a start point beyond which the plate equals the source.
pub(crate) fn plate_reach(radius_px: f32) -> f32 {
    radius_px * PLATE_RADIUS + PLATE_BLEND_PX
}

/// The radius around a start point beyond which a bilinear sample of the plate equals one of
/// the source: [`plate_reach`] plus the sample's footprint.
pub(crate) fn sample_reach(radius_px: f32) -> f32 {
    plate_reach(radius_px) + std::f32::consts::SQRT_2
}

/// `atan2(y, x)` to within about 2e-4 rad (a polynomial for `atan` on 0..1).
#[inline]
fn fast_atan2(y: f32, x: f32) -> f32 {
    use std::f32::consts::{FRAC_PI_2, PI};
    let (ax, ay) = (x.abs(), y.abs());
    let a = ax.min(ay) / ax.max(ay).max(f32::MIN_POSITIVE);
    let s = a * a;
    let mut r = ((-0.046_496_475 * s + 0.159_314_22) * s - 0.327_622_76) * s * a + a;
    if ay > ax {
        r = FRAC_PI_2 - r;
    }
    if x < 0.0 {
        r = PI - r;
    }
    if y < 0.0 {
        -r
    } else {
        r
    }
}

fn unpack(v: u64) -> [f32; 3] {
    [
        (v & 0xffff) as f32,
        ((v >> 16) & 0xffff) as f32,
        ((v >> 32) & 0xffff) as f32,
    ]
}

/// The plate over the box around one start area.
#[derive(Debug, Clone)]
struct Window {
    /// The area's centre and squared [`sample_reach`].
    sx: f32,
    sy: f32,
    reach2: f32,
    /// The window's first pixel in the picture, in pixels and in 1/256 px.
    x0: usize,
    y0: usize,
    fx0: u32,
    fy0: u32,
    img: PackedSource,
}

impl Window {
    #[inline]
    fn reaches(&self, x: f32, y: f32) -> bool {
        let (dx, dy) = (x - self.sx, y - self.sy);
        dx * dx + dy * dy < self.reach2
    }

    fn contains_pixel(&self, x: usize, y: usize) -> bool {
        (self.x0..self.x0 + self.img.width()).contains(&x)
            && (self.y0..self.y0 + self.img.height()).contains(&y)
    }
}

/// The background plate: the source with the start areas filled in, kept as one window per
/// start area (in the order of the areas given to [`Plate::build`]).
#[derive(Debug, Clone)]
pub(crate) struct Plate {
    windows: Vec<Window>,
}

impl Plate {
    /// The plate of `source` for start areas `(centre, radius)` in pixel-index coordinates.
    pub(crate) fn build(
        source: &PackedSource,
        areas: &[((f32, f32), f32)],
        mask: Option<&StaticMask>,
    ) -> Plate {
        let mut plate = Plate {
            windows: Vec::with_capacity(areas.len()),
        };
        let (w, h) = (source.width(), source.height());
        for &((sx, sy), radius) in areas {
            let reach = sample_reach(radius);
            // Every tap of a sample within `reach` (rounded to 1/256 px), clipped.
            let lo = |v: f32, n: usize| ((v - reach).floor().max(0.0) as usize).min(n - 1);
            let hi = |v: f32, n: usize| {
                ((v + reach).ceil().max(0.0) as usize)
                    .saturating_add(1)
                    .min(n - 1)
            };
            let (x0, y0) = (lo(sx, w), lo(sy, h));
            let (x1, y1) = (hi(sx, w).max(x0), hi(sy, h).max(y0));
            let (ww, wh) = (x1 - x0 + 1, y1 - y0 + 1);
            let mut pixels = vec![0u64; ww * wh];
            pixels.par_chunks_mut(ww).enumerate().for_each(|(dy, row)| {
                let y = y0 + dy;
                // The earlier windows across this row (the last one holding a pixel has it).
                let under: Vec<&Window> = plate
                    .windows
                    .iter()
                    .filter(|w| (w.y0..w.y0 + w.img.height()).contains(&y))
                    .collect();
                if under.is_empty() {
                    row.copy_from_slice(&source.row(y)[x0..x0 + ww]);
                } else {
                    for (dx, px) in row.iter_mut().enumerate() {
                        let x = x0 + dx;
                        *px = match under.iter().rev().find(|w| w.contains_pixel(x, y)) {
                            Some(w) => w.img.pixel(x - w.x0, y - w.y0),
                            None => source.pixel(x, y),
                        };
                    }
                }
            });
            let finite = sx.is_finite() && sy.is_finite() && radius.is_finite() && radius > 0.0;
            if finite {
                plate.fill(source, &mut pixels, (x0, y0, ww), (sx, sy), radius, mask);
            }
            plate.windows.push(Window {
                sx,
                sy,
                reach2: if finite { reach * reach } else { -1.0 },
                x0,
                y0,
                fx0: x0 as u32 * 256,
                fy0: y0 as u32 * 256,
                img: PackedSource::from_pixels(ww, wh, pixels),
            });
        }
        plate
    }

    /// Pixel `(x, y)` of the plate.
    #[cfg(test)]
    fn pixel(&self, source: &PackedSource, x: usize, y: usize) -> u64 {
        match self.windows.iter().rev().find(|w| w.contains_pixel(x, y)) {
            Some(w) => w.img.pixel(x - w.x0, y - w.y0),
            None => source.pixel(x, y),
        }
    }

    /// The bilinear sample of the plate (built so far) at `(x, y)`, lane-packed.
    pub(crate) fn sample(&self, source: &PackedSource, x: f32, y: f32) -> u64 {
        match self.windows.iter().rposition(|w| w.reaches(x, y)) {
            Some(i) => {
                let w = &self.windows[i];
                w.img.sample(x - w.x0 as f32, y - w.y0 as f32)
            }
            None => source.sample(x, y),
        }
    }

    /// The bilinear sample at fixed-point position `(fx, fy)` (as for
    /// [`PackedSource::sample_fixed`]) of the plate, which must be within the reach of area
    /// `area`.
    #[inline(always)]
    pub(crate) fn sample_fixed(&self, area: usize, fx: u32, fy: u32) -> u64 {
        let w = &self.windows[area];
        w.img
            .sample_fixed(fx.saturating_sub(w.fx0), fy.saturating_sub(w.fy0))
    }

    /// Fills the start area around `s` into `pixels`, the window `(x0, y0, width)` of the plate
    /// built so far.
    fn fill(
        &self,
        source: &PackedSource,
        pixels: &mut [u64],
        (x0, y0, ww): (usize, usize, usize),
        (sx, sy): (f32, f32),
        radius: f32,
        mask: Option<&StaticMask>,
    ) {
        let rf = radius * PLATE_RADIUS;
        let outer = plate_reach(radius);
        // The ring: about one sample per pixel of circumference.
        let ring_r = outer + 1.0;
        let rho = ring_r + (PLATE_RING_SAMPLES - 1) as f32 / 2.0;
        let count = ((std::f32::consts::TAU * (ring_r + 1.5)).ceil() as usize).clamp(16, 16_384);
        let raw: Vec<[f32; 3]> = (0..count)
            .map(|i| {
                let a = i as f32 * std::f32::consts::TAU / count as f32;
                let (sin, cos) = a.sin_cos();
                let mut c = [0.0f32; 3];
                for j in 0..PLATE_RING_SAMPLES {
                    let r = ring_r + j as f32;
                    let v = unpack(self.sample(source, sx + r * cos, sy + r * sin));
                    (0..3).for_each(|ch| c[ch] += v[ch]);
                }
                c.map(|v| v / PLATE_RING_SAMPLES as f32)
            })
            .collect();
        let ring: Vec<[f32; 3]> = (0..count)
            .map(|i| {
                let mut c = [0.0f32; 3];
                for k in 0..=2 * RING_SMOOTH {
                    let v = raw[(i + count + k - RING_SMOOTH) % count];
                    (0..3).for_each(|ch| c[ch] += v[ch]);
                }
                c.map(|v| v / (2 * RING_SMOOTH + 1) as f32)
            })
            .collect();
        let mut mean = [0.0f32; 3];
        for c in &ring {
            (0..3).for_each(|ch| mean[ch] += c[ch]);
        }
        let mean = mean.map(|v| v / count as f32);

        let wh = pixels.len() / ww;
        let (fx1, fy1) = ((x0 + ww) as f32, (y0 + wh) as f32);
        let mask = mask.filter(|m| m.any_in(x0 as f32, y0 as f32, fx1, fy1));
        pixels.par_chunks_mut(ww).enumerate().for_each(|(dy, row)| {
            let y = y0 + dy;
            let vy = y as f32 - sy;
            for (dx, px) in row.iter_mut().enumerate() {
                let x = x0 + dx;
                let vx = x as f32 - sx;
                let r = (vx * vx + vy * vy).sqrt();
                if r >= outer {
                    continue;
                }
                let turn = fast_atan2(vy, vx) * (1.0 / std::f32::consts::TAU);
                let pos = if turn < 0.0 { turn + 1.0 } else { turn } * count as f32;
                let i0 = (pos as usize).min(count - 1);
                let f = pos - i0 as f32;
                let (a, b) = (ring[i0], ring[if i0 + 1 == count { 0 } else { i0 + 1 }]);
                let here = unpack(*px);
                let k = r / rho;
                let mut keep = smoothstep((r - rf) / PLATE_BLEND_PX);
                if let Some(m) = mask {
                    keep += (1.0 - keep) * (m.at(x as f32, y as f32) as f32 / 255.0);
                }
                let rgb: [u8; 3] = std::array::from_fn(|ch| {
                    let ring_here = a[ch] + (b[ch] - a[ch]) * f;
                    let fill = mean[ch] + (ring_here - mean[ch]) * k;
                    (fill + (here[ch] - fill) * keep + 0.5).clamp(0.0, 255.0) as u8
                });
                *px = pack(rgb);
            }
        });
    }
}

/// A path's carried disk at one shot time: output pixels inside it show the source.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Carried {
    pub cx: f32,
    pub cy: f32,
    pub r2: f32,
    pub inv_2r: f32,
    /// Box around the disk and its anti-aliased edge: `x0, y0, x1, y1`.
    pub bounds: [f32; 4],
}

/// A path's start area at one shot time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Vacated {
    pub sx: f32,
    pub sy: f32,
    /// Squared [`sample_reach`]: beyond it the plate samples as the source.
    pub reach2: f32,
    /// How far the fill shows: 0 while the content is home, 1 once it left.
    pub gain: f32,
}

/// What the rows need of the plate at one shot time.
#[derive(Debug, Clone)]
pub(crate) struct PlateFrame {
    /// Where each start area's content is now (same order as the plate's areas).
    pub carried: Vec<Carried>,
    /// Each start area (same order as the plate's areas).
    pub areas: Vec<Vacated>,
    /// Whether any area's fill shows only partly (0 < gain < 1, or 0 next to one that shows).
    pub fading: bool,
    /// Per band of rows between two grid rows and per chunk of [`CHUNK`] pixels (row-major,
    /// `chunks` per band): which areas with a fill that shows its samples may reach, bit
    /// [`area_bit`]. Filled by [`PlateFrame::index`].
    pub reach: Vec<u32>,
    pub chunks: usize,
}

/// The bit of start area `k` in [`PlateFrame::reach`]; areas from 31 on share the last bit.
#[inline]
pub(crate) fn area_bit(k: usize) -> u32 {
    1 << k.min(31)
}

impl PlateFrame {
    /// `paths`: (start, position now, radius, gain) of each start area of the plate, in
    /// order. `None` when no fill shows.
    pub(crate) fn new(
        paths: impl Iterator<Item = ((f32, f32), (f32, f32), f32, f32)>,
    ) -> Option<Self> {
        let mut frame = PlateFrame {
            carried: Vec::new(),
            areas: Vec::new(),
            fading: false,
            reach: Vec::new(),
            chunks: 0,
        };
        for (start, now, radius, gain) in paths {
            let edge = radius + 1.0;
            frame.carried.push(Carried {
                cx: now.0,
                cy: now.1,
                r2: radius * radius,
                inv_2r: 0.5 / radius,
                bounds: [now.0 - edge, now.1 - edge, now.0 + edge, now.1 + edge],
            });
            let reach = sample_reach(radius);
            frame.areas.push(Vacated {
                sx: start.0,
                sy: start.1,
                reach2: reach * reach,
                gain: gain.clamp(0.0, 1.0),
            });
        }
        frame.fading = frame.areas.iter().any(|v| v.gain < 1.0);
        frame.areas.iter().any(|v| v.gain > 0.0).then_some(frame)
    }

    /// Which areas with a fill that shows reach into the box `(x0, y0) .. (x1, y1)`, as bits.
    #[inline]
    pub(crate) fn touches(&self, x0: f32, y0: f32, x1: f32, y1: f32) -> u32 {
        let mut bits = 0;
        for (k, v) in self.areas.iter().enumerate() {
            // The box's point nearest to the centre is within reach.
            let dx = v.sx - v.sx.max(x0).min(x1);
            let dy = v.sy - v.sy.max(y0).min(y1);
            if v.gain > 0.0 && dx * dx + dy * dy < v.reach2 {
                bits |= area_bit(k);
            }
        }
        bits
    }

    /// Fills [`PlateFrame::reach`] for a `width` px wide frame. Within a cell of the grid the
    /// scene point and the displacement are both bilinear in the output pixel, so every
    /// source position lies in the convex hull of the cell's corners' (the static mask only
    /// pulls a position towards its scene point, so near brushes those count too): the box
    /// around a chunk's grid nodes bounds all its samples.
    pub(crate) fn index(
        &mut self,
        grid: &FieldGrid,
        camera: &CameraXform,
        mask: Option<&StaticMask>,
        width: usize,
    ) {
        let g = grid.step;
        let chunks = width.div_ceil(CHUNK).max(1);
        let per_chunk = CHUNK / g;
        let mut reach = vec![0u32; (grid.ny - 1) * chunks];
        let m = camera.m;
        reach
            .par_chunks_mut(chunks)
            .enumerate()
            .for_each(|(j, band)| {
                let rows = [
                    &grid.d[j * grid.nx..(j + 1) * grid.nx],
                    &grid.d[(j + 1) * grid.nx..],
                ];
                for (c, bits) in band.iter_mut().enumerate() {
                    let i0 = c * per_chunk;
                    let i1 = (i0 + per_chunk).min(grid.nx - 1);
                    // The scene points are affine in the output pixel: their box is the corners'.
                    let (qa, qb) = (
                        camera.apply((i0 * g) as f32, (j * g) as f32),
                        camera.apply((i1 * g) as f32, ((j + 1) * g) as f32),
                    );
                    let (qc, qd) = (
                        camera.apply((i1 * g) as f32, (j * g) as f32),
                        camera.apply((i0 * g) as f32, ((j + 1) * g) as f32),
                    );
                    let q_lo = (
                        qa.0.min(qb.0).min(qc.0).min(qd.0),
                        qa.1.min(qb.1).min(qc.1).min(qd.1),
                    );
                    let q_hi = (
                        qa.0.max(qb.0).max(qc.0).max(qd.0),
                        qa.1.max(qb.1).max(qc.1).max(qd.1),
                    );
                    // The source positions: scene point minus displacement at each node.
                    let (mut lo, mut hi) = ([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]);
                    for (jj, row) in rows.iter().enumerate() {
                        let y = ((j + jj) * g) as f32;
                        let (bx, by) = (m[1] * y + camera.b[0], m[3] * y + camera.b[1]);
                        for (i, d) in row.iter().enumerate().take(i1 + 1).skip(i0) {
                            let x = (i * g) as f32;
                            let sx = m[0] * x + bx - d[0];
                            let sy = m[2] * x + by - d[1];
                            lo[0] = if sx < lo[0] { sx } else { lo[0] };
                            hi[0] = if sx > hi[0] { sx } else { hi[0] };
                            lo[1] = if sy < lo[1] { sy } else { lo[1] };
                            hi[1] = if sy > hi[1] { sy } else { hi[1] };
                        }
                    }
                    if let Some(mk) = mask {
                        if mk.any_in(q_lo.0, q_lo.1, q_hi.0, q_hi.1) {
                            lo = [lo[0].min(q_lo.0), lo[1].min(q_lo.1)];
                            hi = [hi[0].max(q_hi.0), hi[1].max(q_hi.1)];
                        }
                    }
                    *bits = self.touches(lo[0], lo[1], hi[0], hi[1]);
                }
            });
        self.reach = reach;
        self.chunks = chunks;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    #[test]
    fn the_fill_replaces_the_disk_and_keeps_everything_else() {
        // A horizontal grey ramp with a red disk of radius 10 at (40, 30).
        let img = RgbImage::from_fn(80, 60, |x, y| {
            let (dx, dy) = (x as f32 - 40.0, y as f32 - 30.0);
            if dx * dx + dy * dy <= 100.0 {
                Rgb([250, 0, 0])
            } else {
                let v = (x * 3) as u8;
                Rgb([v, v, v])
            }
        });
        let src = PackedSource::new(&img);
        let plate = Plate::build(&src, &[((40.0, 30.0), 10.0)], None);
        let reach = plate_reach(10.0);
        for y in 0..60 {
            for x in 0..80 {
                let (dx, dy) = (x as f32 - 40.0, y as f32 - 30.0);
                let (p, s) = (plate.pixel(&src, x, y), src.pixel(x, y));
                if dx.hypot(dy) >= reach {
                    assert_eq!(p, s, "({x}, {y}) outside the area changed");
                } else {
                    // Grey again, following the ramp to within a few levels.
                    let rgb = unpack(p);
                    assert!(rgb[0] == rgb[1] && rgb[1] == rgb[2], "({x}, {y}): {rgb:?}");
                    assert!(
                        (rgb[0] - 3.0 * x as f32).abs() <= 2.0,
                        "({x}, {y}): {rgb:?}"
                    );
                }
            }
        }
        let centre = unpack(plate.pixel(&src, 40, 30));
        assert!((centre[0] - 120.0).abs() <= 1.0, "{centre:?}");
    }

    #[test]
    fn fast_atan2_is_close() {
        for i in 0..1000 {
            let a = i as f32 * 0.0063 - 3.1;
            for r in [0.5f32, 3.0, 200.0] {
                let (y, x) = (r * a.sin(), r * a.cos());
                assert!((fast_atan2(y, x) - y.atan2(x)).abs() < 3e-4, "{a} {r}");
            }
        }
        assert_eq!(fast_atan2(0.0, 0.0), 0.0);
    }

    #[test]
    fn the_gain_says_how_much_of_the_fill_shows() {
        let frame = |g: f32| {
            PlateFrame::new([((10.0, 10.0), (10.0 + 50.0 * g, 10.0), 20.0, g)].into_iter())
        };
        assert!(frame(0.0).is_none());
        let half = frame(0.5).unwrap();
        assert!(half.fading);
        assert_eq!(half.areas[0].gain, 0.5);
        let gone = frame(1.0).unwrap();
        assert!(!gone.fading);
        assert_eq!(gone.areas[0].gain, 1.0);
        assert_eq!(gone.touches(-20.0, 0.0, -5.0, 1.0), 1);
        assert_eq!(gone.touches(-30.0, 0.0, -25.0, 1.0), 0);
    }
}
