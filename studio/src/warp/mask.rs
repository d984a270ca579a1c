//! The static-brush mask: 1 where content must not move, rasterised once in scene space.
//!
//! A brush is the union of capsules of `radius` (fraction of the width) around each segment of
//! its points (one point: a disk). The mask is 1 inside, then falls smoothly to 0 over a short
//! edge just outside: `edge = max(STATIC_EDGE_FRACTION * radius, STATIC_EDGE_MIN_PX)` pixels.
//! Everything the creator painted is therefore fully static. The renderer multiplies the
//! object displacement at a scene point by `1 - mask` there. The same capsules
//! ([`StaticShapes`]) give the deformation its anchors on their outline and tell the moving
//! masks where to give way, so the picture bends towards a brush instead of tearing at it.

use rayon::prelude::*;

use crate::motion::StaticBrush;

use super::field::smoothstep;

/// Width of the mask's soft edge as a fraction of the brush radius.
pub const STATIC_EDGE_FRACTION: f32 = 0.25;
/// The soft edge is at least this many pixels wide.
pub const STATIC_EDGE_MIN_PX: f32 = 2.0;

/// A capsule in pixel-index coordinates.
#[derive(Debug, Clone, Copy)]
struct Capsule {
    ax: f32,
    ay: f32,
    bx: f32,
    by: f32,
    radius: f32,
    edge: f32,
    /// Rows and columns the capsule (with its edge) can touch, inclusive.
    y0: usize,
    y1: usize,
    x0: usize,
    x1: usize,
}

impl Capsule {
    /// Distance from pixel `(x, y)` to the capsule's axis.
    #[inline]
    fn distance(&self, x: f32, y: f32) -> f32 {
        let (vx, vy) = (self.bx - self.ax, self.by - self.ay);
        let (px, py) = (x - self.ax, y - self.ay);
        let len2 = vx * vx + vy * vy;
        let h = if len2 > 0.0 {
            ((px * vx + py * vy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (dx, dy) = (px - vx * h, py - vy * h);
        (dx * dx + dy * dy).sqrt()
    }

    /// Mask value 0..1 at pixel `(x, y)`.
    #[inline]
    fn value(&self, x: f32, y: f32) -> f32 {
        let dist = self.distance(x, y);
        if dist <= self.radius {
            1.0
        } else {
            1.0 - smoothstep((dist - self.radius) / self.edge)
        }
    }
}

/// Side of the square tiles in which the mask records whether anything is static.
const TILE: usize = 8;

/// The rasterised mask with a coarse index of where it is non-zero.
#[derive(Debug, Clone)]
pub(crate) struct StaticMask {
    w: usize,
    h: usize,
    /// `round(mask * 255)` per pixel, row-major: 255 means exactly static.
    values: Vec<u8>,
    /// Per `TILE` x `TILE` tile: whether any pixel in it is non-zero.
    tiles: Vec<bool>,
    tiles_x: usize,
}

impl StaticMask {
    /// The mask at the pixel nearest to scene point `(x, y)` (clamped to the picture).
    #[inline(always)]
    pub(crate) fn at(&self, x: f32, y: f32) -> u8 {
        let xi = ((x + 0.5).max(0.0) as usize).min(self.w - 1);
        let yi = ((y + 0.5).max(0.0) as usize).min(self.h - 1);
        self.values[yi * self.w + xi]
    }

    /// Whether the mask may be non-zero at the pixel nearest to any point of the box
    /// spanned by `(x0, y0)` and `(x1, y1)`.
    pub(crate) fn any_in(&self, x0: f32, y0: f32, x1: f32, y1: f32) -> bool {
        let tile = |v: f32, n: usize| (((v + 0.5).max(0.0) as usize).min(n - 1)) / TILE;
        let (tx0, tx1) = (tile(x0.min(x1), self.w), tile(x0.max(x1), self.w));
        let (ty0, ty1) = (tile(y0.min(y1), self.h), tile(y0.max(y1), self.h));
        (ty0..=ty1).any(|ty| {
            self.tiles[ty * self.tiles_x + tx0..=ty * self.tiles_x + tx1]
                .iter()
                .any(|&t| t)
        })
    }
}

/// The static brushes as capsules in pixel-index coordinates, for the deformation: how near a
/// point is to one, and points on their outline to hold still.
#[derive(Debug, Clone)]
pub(crate) struct StaticShapes {
    capsules: Vec<Capsule>,
}

/// Anchors on the outline of one capsule are at most this far apart, in radii.
const OUTLINE_SPACING: f32 = 0.75;
/// The most anchors all outlines together give (longer strokes get sparser anchors).
const MAX_OUTLINE: usize = 160;

impl StaticShapes {
    /// The brushes over a `w` x `h` picture; `None` when none covers anything.
    pub(crate) fn new(brushes: &[StaticBrush], w: u32, h: u32) -> Option<StaticShapes> {
        let capsules = capsules(brushes, w, h);
        (!capsules.is_empty()).then_some(StaticShapes { capsules })
    }

    /// 1 on a brush and its soft edge, falling smoothly to 0 at `width` px beyond.
    pub(crate) fn nearness(&self, x: f32, y: f32, width: f32) -> f32 {
        1.0 - smoothstep(self.gap(x, y) / width)
    }

    /// Distance from `(x, y)` to the nearest brush's soft edge (below 0 on a brush).
    pub(crate) fn gap(&self, x: f32, y: f32) -> f32 {
        self.capsules
            .iter()
            .map(|c| c.distance(x, y) - c.radius - c.edge)
            .fold(f32::INFINITY, f32::min)
    }

    /// Points on the outer edge of every capsule (radius plus soft edge).
    pub(crate) fn outline(&self) -> Vec<(f32, f32)> {
        let mut out = Vec::new();
        for c in &self.capsules {
            let r = c.radius + c.edge;
            let spacing = (OUTLINE_SPACING * r).max(4.0);
            let (vx, vy) = (c.bx - c.ax, c.by - c.ay);
            let len = vx.hypot(vy);
            // Round caps at both ends.
            let around = ((std::f32::consts::TAU * r / spacing).ceil() as usize).max(6);
            for i in 0..around {
                let a = std::f32::consts::TAU * i as f32 / around as f32;
                out.push((c.ax + r * a.cos(), c.ay + r * a.sin()));
                if len > 0.0 {
                    out.push((c.bx + r * a.cos(), c.by + r * a.sin()));
                }
            }
            if len > 0.0 {
                let (nx, ny) = (-vy / len * r, vx / len * r);
                let steps = (len / spacing).ceil() as usize;
                for k in 1..steps {
                    let f = k as f32 / steps as f32;
                    let (x, y) = (c.ax + vx * f, c.ay + vy * f);
                    out.push((x + nx, y + ny));
                    out.push((x - nx, y - ny));
                }
            }
        }
        if out.len() > MAX_OUTLINE {
            let keep = out.len().div_ceil(MAX_OUTLINE);
            out = out.into_iter().step_by(keep).collect();
        }
        out
    }
}

fn capsules(brushes: &[StaticBrush], w: u32, h: u32) -> Vec<Capsule> {
    let (wf, hf) = (w as f32, h as f32);
    let mut capsules = Vec::new();
    if w == 0 || h == 0 {
        return capsules;
    }
    for brush in brushes {
        if !(brush.radius.is_finite() && brush.radius > 0.0) || brush.points.is_empty() {
            continue;
        }
        let radius = brush.radius * wf;
        let edge = (STATIC_EDGE_FRACTION * radius).max(STATIC_EDGE_MIN_PX);
        let px = |i: usize| {
            let p = brush.points[i];
            (p.x * wf - 0.5, p.y * hf - 0.5)
        };
        let segments = brush.points.len().saturating_sub(1).max(1);
        for i in 0..segments {
            let (ax, ay) = px(i);
            let (bx, by) = px((i + 1).min(brush.points.len() - 1));
            if !(ax.is_finite() && ay.is_finite() && bx.is_finite() && by.is_finite()) {
                continue;
            }
            let reach = radius + edge;
            let lo = |v: f32| (v - reach).floor().max(0.0) as usize;
            let hi = |v: f32, n: u32| ((v + reach).ceil().max(0.0) as usize).min(n as usize - 1);
            let (x0, x1) = (lo(ax.min(bx)), hi(ax.max(bx), w));
            let (y0, y1) = (lo(ay.min(by)), hi(ay.max(by), h));
            if x0 > x1 || y0 > y1 {
                continue;
            }
            capsules.push(Capsule {
                ax,
                ay,
                bx,
                by,
                radius,
                edge,
                y0,
                y1,
                x0,
                x1,
            });
        }
    }
    capsules
}

/// Rasterises the brushes over a `w` x `h` picture; `None` when no brush covers anything.
pub(crate) fn static_mask(brushes: &[StaticBrush], w: u32, h: u32) -> Option<StaticMask> {
    let capsules = capsules(brushes, w, h);
    if capsules.is_empty() || w == 0 || h == 0 {
        return None;
    }
    let mut mask = vec![0u8; w as usize * h as usize];
    mask.par_chunks_mut(w as usize)
        .enumerate()
        .for_each(|(y, row)| {
            for c in capsules.iter().filter(|c| (c.y0..=c.y1).contains(&y)) {
                for (x, m) in (c.x0..).zip(&mut row[c.x0..=c.x1]) {
                    if *m < 255 {
                        *m = (*m).max((c.value(x as f32, y as f32) * 255.0 + 0.5) as u8);
                    }
                }
            }
        });
    let (w, h) = (w as usize, h as usize);
    let (tiles_x, tiles_y) = (w.div_ceil(TILE), h.div_ceil(TILE));
    let mut tiles = vec![false; tiles_x * tiles_y];
    for (y, row) in mask.chunks(w).enumerate() {
        for (x, _) in row.iter().enumerate().filter(|(_, &v)| v != 0) {
            tiles[(y / TILE) * tiles_x + x / TILE] = true;
        }
    }
    Some(StaticMask {
        w,
        h,
        values: mask,
        tiles,
        tiles_x,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::motion::Point;

    #[test]
    fn capsules_are_solid_inside_with_a_soft_edge() {
        let brush = StaticBrush {
            points: vec![Point::new(0.25, 0.5), Point::new(0.75, 0.5)],
            radius: 0.1,
        };
        let (w, h) = (200u32, 100u32);
        let mask = static_mask(&[brush], w, h).unwrap();
        let at = |x: usize, y: usize| mask.at(x as f32, y as f32);
        // Segment from x = 49.5 to 149.5 on row 49.5, radius 20 px, edge 5 px.
        assert_eq!(at(100, 50), 255);
        assert_eq!(at(100, 30), 255); // 19.5 px from the axis
        assert_eq!(at(30, 50), 255); // round cap: 19.5 px from the end
        assert!(at(100, 72) > 0 && at(100, 72) < 255, "{}", at(100, 72)); // in the soft edge
        assert_eq!(at(100, 76), 0);
        assert_eq!(at(100, 5), 0);
        assert_eq!(at(180, 50), 0);
        // Monotone fall-off across the edge.
        let column: Vec<u8> = (69..=76).map(|y| at(100, y)).collect();
        assert!(column.windows(2).all(|p| p[0] >= p[1]), "{column:?}");
        // The tile index finds the brush and only the brush.
        assert!(mask.any_in(90.0, 40.0, 110.0, 45.0));
        assert!(mask.any_in(0.0, 0.0, 199.0, 99.0));
        assert!(!mask.any_in(170.0, 10.0, 199.0, 20.0));
        assert!(!mask.any_in(100.0, 80.0, 100.0, 99.0));
    }

    #[test]
    fn no_brushes_no_mask() {
        assert!(static_mask(&[], 10, 10).is_none());
        let empty = StaticBrush {
            points: vec![],
            radius: 0.1,
        };
        assert!(static_mask(&[empty], 10, 10).is_none());
        let one = StaticBrush {
            points: vec![Point::new(0.5, 0.5)],
            radius: 0.2,
        };
        let mask = static_mask(&[one], 10, 10).unwrap();
        assert_eq!(mask.at(5.0, 5.0), 255);
        assert_eq!(mask.at(0.0, 0.0), 0);
        assert_eq!(mask.at(-3.0, 20.0), 0);
    }
}
