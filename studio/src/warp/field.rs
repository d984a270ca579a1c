//! The object displacement field: how far each scene point's content has travelled, as one
//! smooth elastic deformation.
//!
//! Path `k` carries a soft mask around its first point: a disk of radius `R_k` (pixels:
//! `radius * width`) or the mask the creator painted ([`super::painted`]; `R_k` is then the
//! radius of the disk of the same area), with a feathered edge `F_k = MASK_FEATHER * radius`
//! wide. Everything below is written for the disk and holds for a painted mask with
//! `|q - pos_k(t)| - R_k` read as the signed distance to its outline. At time `t` the
//! content is centred on `pos_k(t)` (from [`super::path_position`], in pixels), so its offset is
//! `o_k(t) = pos_k(t) - pos_k(0)`. The field lives in the OUTPUT (scene) space of the frame and
//! is used for backward warping: the scene point `q` shows the source at `q - d(q, t)`.
//!
//! ```text
//! m_k(q)  = mask_k(|q - pos_k(t)|) * (1 - (1 - l_k) near(q - o_k))          moved content
//! d0(q)   = sum_k m_k o_k + (1 - sum_k m_k) e(q)        (sum_k m_k > 1: the m_k normalised)
//! d(q, t) = keep(q, d0(q)) d0(q)                        held beside the static brushes
//! e(q)    = the rigid moving-least-squares deformation of the controls below
//! ```
//!
//! - Inside its mask a path's content moves rigidly by `o_k`: no stretch, no swirl.
//! - Around it the picture bends: `e` is the as-rigid-as-possible deformation (Schaefer et al.,
//!   "Image deformation using moving least squares", rigid variant, weights `1 / |p - q|^4`)
//!   that carries handles on the outer edge of every mask by the path's *elastic* move
//!   `l_k o_k` (less where another mask claims them), and holds anchors still: a lattice over
//!   the picture (its edges included) away from the paths' reach, and the outline of every
//!   static brush. So the surroundings stretch and compress smoothly between the moved
//!   content and whatever holds still.
//! - A static brush wins: within one mask radius of a brush the whole displacement is scaled
//!   down by the share `keep` of it that the content keeps (`kept_share`): the least
//!   clearance from the brushes along the way it travelled, solved so that the share grows by
//!   less than a pixel per pixel along the move. So nothing from beside a brush is carried
//!   away, nothing is dragged onto one, and the picture between a brush and content moved
//!   away from it stretches instead of folding over. The renderer then multiplies the
//!   displacement by `1 - static_mask` per pixel ([`super::mask`]).
//! - Moves too large to be plausible as a deformation are cut out instead: the elastic share
//!   `l_k = 1 - smoothstep((|o_k| / R_k - ELASTIC_FULL) / (ELASTIC_NONE - ELASTIC_FULL))` falls
//!   from 1 to 0 between `ELASTIC_FULL` and `ELASTIC_NONE` radii of travel, and the background
//!   plate ([`super::plate`]) fades in by `1 - l_k` outside the carried disk, hiding the content
//!   where it was.
//!
//! The anchors' lattice gives way to the paths once per shot: an anchor's weight is
//! `smoothstep((dist(anchor, path) - R_k - F_k) / (ELASTIC_REACH * e_k))` for each path, where
//! `dist` is to the whole curve the path's content travels along and `e_k` the largest elastic
//! move over the shot; so the picture bends over a distance proportional to the move (the
//! field's slope stays well below one: no fold) and stays put beyond it.
//!
//! Everything here is continuous in `q` and `t`, and smooth (continuous slope) away from the
//! static brushes' fall-off. The deformation `e` is smooth and costly, so it is evaluated on
//! a coarse grid ([`MLS_GRID_FACTOR`] times the field grid) and interpolated bilinearly; the
//! masks are evaluated on the field grid ([`grid_spacing`]), itself interpolated bilinearly
//! per pixel.

use rayon::prelude::*;

use std::sync::Arc;

use super::camera::CameraXform;
use super::mask::StaticShapes;
use super::painted::PaintedShape;

/// Width of a moving mask's feathered edge, as a fraction of its radius.
pub const MASK_FEATHER: f32 = 0.5;
/// Moves up to this many radii are purely elastic.
pub const ELASTIC_FULL: f32 = 1.5;
/// Moves of this many radii and more are cut out over the background plate.
pub const ELASTIC_NONE: f32 = 3.0;
/// The picture bends over this many times a path's largest elastic move around its mask.
pub const ELASTIC_REACH: f32 = 3.0;
/// Handles on the outer edge of each moving mask.
pub const RING_HANDLES: usize = 24;
/// Anchors along the longer side of the picture (the lattice is square).
pub const LATTICE: usize = 14;
/// Added to squared distances in the deformation's weights (px^2): keeps the field smooth
/// on the scale of a few pixels around each control.
const SOFTEN_PX2: f32 = 4.0;
/// Samples along a move's way when finding how much of it content beside a static brush
/// keeps ([`kept_share`]).
const CLEARANCE_SAMPLES: usize = 16;
/// The deformation's grid is this many times coarser than the field's.
pub const MLS_GRID_FACTOR: usize = 4;

/// `3u^2 - 2u^3` for `u` clamped to 0..1.
#[inline]
pub(crate) fn smoothstep(u: f32) -> f32 {
    let u = u.clamp(0.0, 1.0);
    u * u * (3.0 - 2.0 * u)
}

/// A disk mask's weight at distance `r` from its centre: 1 within `radius`, falling smoothly
/// to 0 over `feather` beyond.
#[cfg(test)]
pub(crate) fn mask_weight(r: f32, radius: f32, feather: f32) -> f32 {
    outline_weight(r - radius, feather)
}

/// The share of a move of `travelled` px by a mask of `radius` px that deforms the picture
/// (the rest is cut out over the plate).
pub fn elastic_share(travelled: f32, radius: f32) -> f32 {
    let x = travelled / radius;
    1.0 - smoothstep((x - ELASTIC_FULL) / (ELASTIC_NONE - ELASTIC_FULL))
}

/// A mask's weight at signed distance `d` from its outline (below 0 inside): 1 inside,
/// falling smoothly to 0 over `feather` beyond. For the disk `d = r - radius`.
#[inline]
pub(crate) fn outline_weight(d: f32, feather: f32) -> f32 {
    if d <= 0.0 {
        1.0
    } else {
        1.0 - smoothstep(d / feather)
    }
}

/// One path's moving mask at a given time, in pixel-index coordinates.
#[derive(Debug, Clone)]
pub(crate) struct MovingMask {
    /// Where the path's start point (with its content) is now.
    pub cx: f32,
    pub cy: f32,
    /// How far it has travelled since t = 0.
    pub ox: f32,
    pub oy: f32,
    /// The mask's size: the disk's radius, or that of the disk as large as the painted area.
    pub radius: f32,
    pub feather: f32,
    /// The farthest point of the mask (without its feather) from the start point.
    pub extent: f32,
    /// Squared distance from the start point beyond which the weight is 0.
    pub reach2: f32,
    /// The elastic share of the move.
    pub elastic: f32,
    /// The painted mask; `None`: the disk of `radius`.
    pub painted: Option<Arc<PaintedShape>>,
}

impl MovingMask {
    /// The disk of `radius_px` carried from `start` to `now`.
    #[cfg(test)]
    pub(crate) fn new(start: (f32, f32), now: (f32, f32), radius_px: f32) -> MovingMask {
        let feather = (MASK_FEATHER * radius_px).max(1.0);
        MovingMask::shaped(start, now, radius_px, feather, None)
    }

    /// The mask carried from `start` to `now`: the painted one, or else the disk of
    /// `radius_px`; its edge `feather_px` wide.
    pub(crate) fn shaped(
        start: (f32, f32),
        now: (f32, f32),
        radius_px: f32,
        feather_px: f32,
        painted: Option<Arc<PaintedShape>>,
    ) -> MovingMask {
        let (radius, extent) = painted
            .as_ref()
            .map_or((radius_px, radius_px), |s| (s.area_radius, s.extent));
        let reach = extent + feather_px;
        let (ox, oy) = (now.0 - start.0, now.1 - start.1);
        MovingMask {
            cx: now.0,
            cy: now.1,
            ox,
            oy,
            radius,
            feather: feather_px,
            extent,
            reach2: reach * reach,
            elastic: elastic_share(ox.hypot(oy), radius),
            painted,
        }
    }

    /// The signed distance to the mask's outline (below 0 inside) at `(x, y)` relative to
    /// its start point, wherever that is.
    #[inline]
    pub(crate) fn outside(&self, x: f32, y: f32) -> f32 {
        match &self.painted {
            None => x.hypot(y) - self.radius,
            Some(shape) => shape.distance(x, y),
        }
    }

    /// The mask's weight at scene point `(x, y)`.
    #[inline]
    pub(crate) fn weight(&self, x: f32, y: f32) -> f32 {
        let (dx, dy) = (x - self.cx, y - self.cy);
        if dx * dx + dy * dy >= self.reach2 {
            0.0
        } else {
            outline_weight(self.outside(dx, dy), self.feather)
        }
    }

    /// Points on the mask's outer edge (where its weight reaches 0) relative to its start
    /// point: [`RING_HANDLES`] on the disk's, or the painted outline's.
    fn rim(&self) -> Vec<(f32, f32)> {
        match &self.painted {
            None => {
                let r = self.radius + self.feather;
                (0..RING_HANDLES)
                    .map(|i| {
                        let a = std::f32::consts::TAU * i as f32 / RING_HANDLES as f32;
                        (r * a.cos(), r * a.sin())
                    })
                    .collect()
            }
            Some(shape) => shape.outline.clone(),
        }
    }
}

/// How much of the displacement `(dx, dy)` the content at scene point `(x, y)` keeps beside
/// the static brushes: 0 on a brush, rising to 1 at `width` px from all of them.
///
/// Content that keeps the share `s` came from `(x, y) - s (dx, dy)`; it keeps as much as the
/// clearance (1 - nearness) allows along the way it travelled, so `s` is the one solution of
/// `s = min { clear((x, y) - u (dx, dy)) : 0 <= u <= s }` (the right side never grows with
/// `s`). Solving it, rather than reading the clearance where the whole move would have taken
/// the content from, is what keeps the picture from folding over: the share grows along the
/// move by less than one pixel per pixel, so content moved away from a brush stretches the
/// picture behind it instead of repeating rows (streaks, as a creator saw them in a TikTok
/// export). Only the last `ELASTIC_FULL * width` px of the way count: a long, cut-out move
/// that passed a brush halfway is not torn where it passed (the masks give way where such a
/// move started instead).
pub(crate) fn kept_share(
    statics: &StaticShapes,
    x: f32,
    y: f32,
    dx: f32,
    dy: f32,
    width: f32,
) -> f32 {
    let travel = dx.hypot(dy);
    // Far from every brush along the whole way: the clearance is 1 all along.
    if statics.gap(x - 0.5 * dx, y - 0.5 * dy) - 0.5 * travel >= width {
        return 1.0;
    }
    let clear = |u: f32| 1.0 - statics.nearness(x - u * dx, y - u * dy, width);
    let way = ELASTIC_FULL * width;
    let reach = if travel > way { way / travel } else { 1.0 };
    // The least clearance from u = 0 to each sample, linear between samples; the solution
    // lies where `s` passes it (once it is past, it stays past).
    let step = reach / CLEARANCE_SAMPLES as f32;
    let mut least = clear(0.0);
    for i in 0..CLEARANCE_SAMPLES {
        let u0 = i as f32 * step;
        let next = least.min(clear(u0 + step));
        if u0 + step > next {
            return u0 + step * (least - u0) / (step + least - next);
        }
        least = next;
    }
    // Clear enough along the whole way that counts.
    least
}

/// A point the deformation moves (a handle) or holds (an anchor): where it is now, how far
/// its content has come, how much it counts (0..1) and how far its pull is spread (px^2,
/// added to squared distances: a control that counts little is also spread wide, so it
/// fades out everywhere at once rather than still pinning the picture right at itself).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Control {
    pub x: f32,
    pub y: f32,
    pub dx: f32,
    pub dy: f32,
    pub weight: f32,
    pub soften: f32,
}

impl Control {
    /// A control that counts fully, spread over a couple of pixels.
    pub(crate) fn sharp(x: f32, y: f32, dx: f32, dy: f32) -> Control {
        Control {
            x,
            y,
            dx,
            dy,
            weight: 1.0,
            soften: SOFTEN_PX2,
        }
    }
}

/// The rigid moving-least-squares deformation at scene point `(x, y)`, as a backward
/// displacement `d` (the point shows the source at `(x, y) - d`). Each control `i` at `p_i`
/// (now) came from `q_i = p_i - d_i`; with `w_i = weight_i / (|p_i - v|^2 + soften_i)^2`,
/// centroids `p*`, `q*` and `^` for "minus the centroid", the best rotation `R` maximises `sum w_i q^_i . R p^_i`
/// and the point maps to `R (v - p*) + q*`.
pub(crate) fn deformation(controls: &[Control], x: f32, y: f32) -> (f32, f32) {
    // Coordinates relative to the point keep the sums small (f32 is enough).
    let (mut sw, mut spx, mut spy, mut sqx, mut sqy, mut sdot, mut scross) =
        (0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32);
    for c in controls {
        let (px, py) = (c.x - x, c.y - y);
        let (qx, qy) = (px - c.dx, py - c.dy);
        let r2 = px * px + py * py + c.soften;
        let w = c.weight / (r2 * r2.sqrt());
        sw += w;
        spx += w * px;
        spy += w * py;
        sqx += w * qx;
        sqy += w * qy;
        sdot += w * (px * qx + py * qy);
        scross += w * (px * qy - py * qx);
    }
    if sw <= 0.0 {
        return (0.0, 0.0);
    }
    let inv = 1.0 / sw;
    let (px, py, qx, qy) = (spx * inv, spy * inv, sqx * inv, sqy * inv);
    let a = sdot - sw * (px * qx + py * qy);
    let b = scross - sw * (px * qy - py * qx);
    let n = a.hypot(b);
    let (c, s) = if n > 0.0 { (a / n, b / n) } else { (1.0, 0.0) };
    // The point maps to R (0 - p*) + q*, relative to itself; d = -(that).
    let (rx, ry) = (c * px - s * py, s * px + c * py);
    (rx - qx, ry - qy)
}

/// How far one path's move bends the picture, for placing the anchors.
#[derive(Debug, Clone)]
pub(crate) struct PathReach {
    /// The curve its content travels along, in pixels.
    pub curve: Vec<(f32, f32)>,
    /// Within this distance of the curve the picture moves with the content (mask + feather).
    pub inner: f32,
    /// Beyond `inner`, the distance over which the picture bends back to still.
    pub bend: f32,
}

/// The anchors of the lattice and of the static brushes' outlines, with their weights, for
/// paths that bend the picture as `reaches` say. Computed once per shot.
pub(crate) fn anchors(
    w: u32,
    h: u32,
    reaches: &[PathReach],
    statics: Option<&StaticShapes>,
) -> Vec<Control> {
    let (wf, hf) = (w as f32, h as f32);
    let spacing = wf.max(hf) / (LATTICE - 1) as f32;
    let (nx, ny) = (
        (wf / spacing).ceil() as usize + 1,
        (hf / spacing).ceil() as usize + 1,
    );
    let mut out = Vec::new();
    for j in 0..ny {
        for i in 0..nx {
            // From edge to edge of the picture.
            let x = -0.5 + wf * i as f32 / (nx - 1) as f32;
            let y = -0.5 + hf * j as f32 / (ny - 1) as f32;
            let mut weight = 1.0f32;
            for r in reaches {
                let d = distance_to_polyline(&r.curve, x, y);
                weight = weight.min(smoothstep((d - r.inner) / r.bend));
            }
            if weight > 0.0 {
                let spread = spacing * (1.0 - weight);
                out.push(Control {
                    weight,
                    soften: SOFTEN_PX2 + spread * spread,
                    ..Control::sharp(x, y, 0.0, 0.0)
                });
            }
        }
    }
    if let Some(shapes) = statics {
        out.extend(
            shapes
                .outline()
                .into_iter()
                .map(|(x, y)| Control::sharp(x, y, 0.0, 0.0)),
        );
    }
    out
}

/// Distance from `(x, y)` to a polyline (one point: to that point).
pub(crate) fn distance_to_polyline(line: &[(f32, f32)], x: f32, y: f32) -> f32 {
    if line.len() == 1 {
        return (x - line[0].0).hypot(y - line[0].1);
    }
    line.windows(2)
        .map(|s| {
            let (a, b) = (s[0], s[1]);
            let (vx, vy) = (b.0 - a.0, b.1 - a.1);
            let len2 = vx * vx + vy * vy;
            let h = if len2 > 0.0 {
                (((x - a.0) * vx + (y - a.1) * vy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            (x - a.0 - vx * h).hypot(y - a.1 - vy * h)
        })
        .fold(f32::INFINITY, f32::min)
}

/// The handles of the masks at one time: points on the outer edge of each mask (where its
/// weight reaches 0), carried by the path's elastic move (none for a path at its start: there
/// they hold the picture like anchors), and less of it where another mask claims them (the
/// static brushes hold the result afterwards: [`kept_share`]).
pub(crate) fn handles(masks: &[MovingMask]) -> Vec<Control> {
    // Each mask's start point where it would be if the content moved by its elastic share.
    let rings: Vec<(f32, f32, f32, f32)> = masks
        .iter()
        .map(|m| {
            let (ex, ey) = (m.ox * m.elastic, m.oy * m.elastic);
            (m.cx - m.ox + ex, m.cy - m.oy + ey, ex, ey)
        })
        .collect();
    let mut out = Vec::with_capacity(masks.len() * RING_HANDLES);
    for (k, m) in masks.iter().enumerate() {
        let (cx, cy, ex, ey) = rings[k];
        for (rx, ry) in m.rim() {
            let (x, y) = (cx + rx, cy + ry);
            // Where another path's rim reaches this handle, the two share their moves (two
            // nearby handles pulling apart would fold the picture between them); where
            // another mask claims it, it moves less.
            let (mut sw, mut sx, mut sy) = (1.0f32, ex, ey);
            let mut carry = 1.0f32;
            for (j, other) in masks.iter().enumerate() {
                if j == k {
                    continue;
                }
                let (ocx, ocy, oex, oey) = rings[j];
                let rim = other.outside(x - ocx, y - ocy) - other.feather;
                let g = outline_weight(rim, other.feather);
                sw += g;
                sx += g * oex;
                sy += g * oey;
                carry *= 1.0 - other.weight(x, y);
            }
            out.push(Control::sharp(x, y, sx / sw * carry, sy / sw * carry));
        }
    }
    out
}

/// The grid step in output pixels for a `w` x `h` frame: about 256 cells along the longer side,
/// a power of two between 2 and 16 (4 at 540x960, 8 at 1080x1920).
pub fn grid_spacing(w: u32, h: u32) -> usize {
    let long = w.max(h) as usize;
    long.div_ceil(256).next_power_of_two().clamp(2, 16)
}

/// Nodes along a side of `len` pixels for a grid of `step`: covering the whole side (the last
/// node lies at or beyond its last pixel).
fn nodes(len: u32, step: usize) -> usize {
    (len as usize).saturating_sub(1) / step + 2
}

/// Everything the field needs at one shot time.
pub(crate) struct FieldInputs<'a> {
    pub masks: &'a [MovingMask],
    /// Anchors and handles together; empty when nothing deforms.
    pub controls: &'a [Control],
    pub statics: Option<&'a StaticShapes>,
    /// How far beside a static brush the displacement falls off: the largest mask's radius.
    pub hold_width: f32,
}

impl<'a> FieldInputs<'a> {
    pub(crate) fn new(
        masks: &'a [MovingMask],
        controls: &'a [Control],
        statics: Option<&'a StaticShapes>,
    ) -> FieldInputs<'a> {
        FieldInputs {
            masks,
            controls,
            statics,
            hold_width: masks.iter().map(|m| m.radius).fold(1.0f32, f32::max),
        }
    }
}

/// The object displacement at scene point `(x, y)` given the deformation `e` there.
#[inline]
pub(crate) fn blend(inputs: &FieldInputs, x: f32, y: f32, e: (f32, f32)) -> (f32, f32) {
    let (mut sm, mut sx, mut sy) = (0.0f32, 0.0f32, 0.0f32);
    for m in inputs.masks {
        let mut wgt = m.weight(x, y);
        if wgt > 0.0 {
            // A move too long to bend the picture leaves what started beside a brush there
            // (the rest of the way is left to `kept_share`).
            if let Some(s) = inputs.statics.filter(|_| m.elastic < 1.0) {
                wgt *= 1.0 - (1.0 - m.elastic) * s.nearness(x - m.ox, y - m.oy, m.radius);
            }
            sm += wgt;
            sx += wgt * m.ox;
            sy += wgt * m.oy;
        }
    }
    let (dx, dy) = if sm > 1.0 {
        (sx / sm, sy / sm)
    } else {
        (sx + (1.0 - sm) * e.0, sy + (1.0 - sm) * e.1)
    };
    match inputs.statics {
        Some(statics) if dx != 0.0 || dy != 0.0 => {
            let keep = kept_share(statics, x, y, dx, dy, inputs.hold_width);
            (keep * dx, keep * dy)
        }
        _ => (dx, dy),
    }
}

/// The exact displacement at scene point `(x, y)` (without the grids).
#[cfg(test)]
pub(crate) fn displacement(inputs: &FieldInputs, x: f32, y: f32) -> (f32, f32) {
    let e = if inputs.controls.iter().any(|c| c.dx != 0.0 || c.dy != 0.0) {
        deformation(inputs.controls, x, y)
    } else {
        (0.0, 0.0)
    };
    blend(inputs, x, y, e)
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
        inputs: &FieldInputs,
        camera: &CameraXform,
        w: u32,
        h: u32,
        step: usize,
    ) -> FieldGrid {
        let (nx, ny) = (nodes(w, step), nodes(h, step));
        // The deformation on the coarse grid, if anything deforms.
        let coarse = MLS_GRID_FACTOR * step;
        let (cnx, cny) = (nodes(w, coarse), nodes(h, coarse));
        let deforms = inputs.controls.iter().any(|c| c.dx != 0.0 || c.dy != 0.0);
        let mut e = Vec::new();
        if deforms {
            e = vec![[0.0f32; 2]; cnx * cny];
            e.par_chunks_mut(cnx).enumerate().for_each(|(j, row)| {
                let y = (j * coarse) as f32;
                for (i, node) in row.iter_mut().enumerate() {
                    let (sx, sy) = camera.apply((i * coarse) as f32, y);
                    let (dx, dy) = deformation(inputs.controls, sx, sy);
                    *node = [dx, dy];
                }
            });
        }
        let mut d = vec![[0.0f32; 2]; nx * ny];
        d.par_chunks_mut(nx).enumerate().for_each(|(j, row)| {
            let y = (j * step) as f32;
            let (cj, fy) = (
                (j / MLS_GRID_FACTOR).min(cny - 2),
                (j % MLS_GRID_FACTOR) as f32 / MLS_GRID_FACTOR as f32,
            );
            let fy = fy + ((j / MLS_GRID_FACTOR) - cj) as f32;
            for (i, node) in row.iter_mut().enumerate() {
                let (sx, sy) = camera.apply((i * step) as f32, y);
                let ev = if deforms {
                    let ci = (i / MLS_GRID_FACTOR).min(cnx - 2);
                    let fx = (i - ci * MLS_GRID_FACTOR) as f32 / MLS_GRID_FACTOR as f32;
                    let at = |ii: usize, jj: usize| e[jj * cnx + ii];
                    let (a, b) = (at(ci, cj), at(ci + 1, cj));
                    let (c, dd) = (at(ci, cj + 1), at(ci + 1, cj + 1));
                    let lerp = |p: f32, q: f32, f: f32| p + (q - p) * f;
                    let top = [lerp(a[0], b[0], fx), lerp(a[1], b[1], fx)];
                    let bottom = [lerp(c[0], dd[0], fx), lerp(c[1], dd[1], fx)];
                    (lerp(top[0], bottom[0], fy), lerp(top[1], bottom[1], fy))
                } else {
                    (0.0, 0.0)
                };
                let (dx, dy) = blend(inputs, sx, sy, ev);
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
    fn mask_weight_is_one_inside_zero_outside_and_continuous() {
        assert_eq!(mask_weight(0.0, 10.0, 5.0), 1.0);
        assert_eq!(mask_weight(10.0, 10.0, 5.0), 1.0);
        assert_eq!(mask_weight(15.0, 10.0, 5.0), 0.0);
        assert_eq!(mask_weight(30.0, 10.0, 5.0), 0.0);
        let mut prev = 1.0;
        for k in 1..=2000 {
            let v = mask_weight(k as f32 * 0.01, 10.0, 5.0);
            assert!(v <= prev && prev - v < 0.005, "jump at {k}");
            prev = v;
        }
    }

    #[test]
    fn small_moves_are_elastic_large_ones_cut_out() {
        assert_eq!(elastic_share(0.0, 20.0), 1.0);
        assert_eq!(elastic_share(ELASTIC_FULL * 20.0, 20.0), 1.0);
        assert_eq!(elastic_share(ELASTIC_NONE * 20.0, 20.0), 0.0);
        let mid = elastic_share(0.5 * (ELASTIC_FULL + ELASTIC_NONE) * 20.0, 20.0);
        assert!((mid - 0.5).abs() < 1e-6, "{mid}");
    }

    fn still(x: f32, y: f32) -> Control {
        Control::sharp(x, y, 0.0, 0.0)
    }

    #[test]
    fn the_deformation_interpolates_its_controls_and_keeps_a_common_move_rigid() {
        // All controls moved alike: the whole plane moves alike.
        let moved: Vec<Control> = [(0.0, 0.0), (100.0, 0.0), (50.0, 80.0)]
            .iter()
            .map(|&(x, y)| Control::sharp(x, y, 7.0, -3.0))
            .collect();
        for (x, y) in [(10.0, 10.0), (300.0, -40.0), (50.0, 30.0)] {
            let (dx, dy) = deformation(&moved, x, y);
            assert!(
                (dx - 7.0).abs() < 1e-3 && (dy + 3.0).abs() < 1e-3,
                "{dx} {dy}"
            );
        }
        // A handle between anchors: its own move at itself, nothing at the anchors, and in
        // between a displacement that shrinks with the distance from the handle.
        let mut controls = vec![still(0.0, 0.0), still(200.0, 0.0), still(100.0, 100.0)];
        controls.push(Control::sharp(100.0, 0.0, 10.0, 0.0));
        let at = |x: f32, y: f32| deformation(&controls, x, y);
        assert!((at(100.0, 0.0).0 - 10.0).abs() < 0.01);
        assert!(at(0.0, 0.0).0.abs() < 0.01 && at(200.0, 0.0).0.abs() < 0.01);
        let (near, far) = (at(80.0, 0.0).0, at(40.0, 0.0).0);
        assert!(10.0 > near && near > far && far > 0.0, "{near} {far}");
        // No control counts: no displacement.
        assert_eq!(deformation(&[], 1.0, 2.0), (0.0, 0.0));
    }

    #[test]
    fn masks_move_rigidly_and_blend_with_the_deformation_outside() {
        let m = MovingMask::new((100.0, 100.0), (110.0, 100.0), 20.0);
        assert_eq!(m.elastic, 1.0);
        let masks = [m];
        let inputs = FieldInputs::new(&masks, &[], None);
        // Inside: the whole offset; beyond the feather: the deformation (none here).
        assert_eq!(blend(&inputs, 115.0, 105.0, (3.0, 0.0)), (10.0, 0.0));
        assert_eq!(blend(&inputs, 150.0, 100.0, (3.0, 0.0)), (3.0, 0.0));
        let (dx, _) = blend(&inputs, 135.0, 100.0, (0.0, 0.0));
        assert!((dx - 5.0).abs() < 1e-4, "{dx}");
    }

    #[test]
    fn grid_spacing_matches_the_sizes_we_use() {
        assert_eq!(grid_spacing(540, 960), 4);
        assert_eq!(grid_spacing(1080, 1920), 8);
        assert_eq!(grid_spacing(10, 10), 2);
        assert_eq!(grid_spacing(8000, 8000), 16);
    }
}
