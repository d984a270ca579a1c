//! A painted path mask as the field uses it: the signed distance to the painted shape,
//! sampled on a grid once per [`super::Warper`], so that the mask's weight, its feathered edge
//! and the handles on its outline come out as they do for the disk.
//!
//! The strokes ([`crate::motion::PathMask`], offsets from the path's start in picture
//! fractions) are rasterised at the render size in painting order (a cell is painted when
//! its centre lies within a stroke's capsules; an erasing stroke clears it), and an exact
//! Euclidean distance transform (Felzenszwalb and Huttenlocher, "Distance transforms of
//! sampled functions") turns the cells into a signed distance `d` in pixels: below 0
//! inside, 0 on the outline, the distance to it outside. The field then weighs a point by
//! `1 - smoothstep(d / F)` (1 inside), exactly as it weighs the disk with `d = |q - c| - R`,
//! and places the deformation's handles on the level `d = F` where the weight reaches 0.
//!
//! The grid has cells of one pixel (coarser for masks over [`MAX_CELLS`] px): the outline is
//! within half a cell of the strokes', which the feather (several pixels) smooths over.

use crate::motion::PathMask;

use super::field::RING_HANDLES;

/// The distance grid has at most this many cells along a side; larger masks get coarser cells.
const MAX_CELLS: f32 = 384.0;
/// The most handles one painted outline gives the deformation (each costs every grid node a
/// term, as the disk's [`RING_HANDLES`] do).
pub const MAX_OUTLINE_HANDLES: usize = 96;

/// A painted mask, relative to its path's start point, in pixels.
#[derive(Debug, Clone)]
pub(crate) struct PaintedShape {
    /// The first cell's centre, relative to the path's start.
    x0: f32,
    y0: f32,
    cell: f32,
    inv_cell: f32,
    nx: usize,
    ny: usize,
    /// Signed distance to the outline at each cell centre, px, row-major: below 0 inside.
    dist: Vec<f32>,
    /// The distance off the grid: beyond anything the field looks at (twice the feather).
    far: f32,
    /// The radius of the disk with the painted area: the mask's size, where the disk's
    /// radius counts (the elastic share of a move, a static brush's fall-off).
    pub area_radius: f32,
    /// The farthest painted point from the path's start.
    pub extent: f32,
    /// Points on the mask's outer edge (where its weight reaches 0, `feather` outside the
    /// paint), relative to the path's start: the deformation's handles.
    pub outline: Vec<(f32, f32)>,
}

/// One stroke in pixels, relative to the path's start.
struct Stroke {
    points: Vec<(f32, f32)>,
    radius: f32,
    erase: bool,
}

impl PaintedShape {
    /// The mask painted by `mask` at a `w` x `h` render with a feathered edge `feather` px
    /// wide; `None` when nothing is left painted.
    pub(crate) fn new(mask: &PathMask, w: u32, h: u32, feather: f32) -> Option<PaintedShape> {
        let (wf, hf) = (w as f32, h as f32);
        let strokes: Vec<Stroke> = mask
            .strokes
            .iter()
            .map(|s| Stroke {
                points: s.points.iter().map(|p| (p.x * wf, p.y * hf)).collect(),
                radius: s.radius * wf,
                erase: s.erase,
            })
            .filter(|s| {
                s.radius.is_finite()
                    && s.radius > 0.0
                    && !s.points.is_empty()
                    && s.points.iter().all(|p| p.0.is_finite() && p.1.is_finite())
            })
            .collect();
        // Only painting strokes can make a cell painted: their box bounds the shape.
        let mut bounds = [
            f32::INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NEG_INFINITY,
        ];
        for s in strokes.iter().filter(|s| !s.erase) {
            for &(x, y) in &s.points {
                bounds = [
                    bounds[0].min(x - s.radius),
                    bounds[1].min(y - s.radius),
                    bounds[2].max(x + s.radius),
                    bounds[3].max(y + s.radius),
                ];
            }
        }
        if !bounds[0].is_finite() || feather.is_nan() || feather <= 0.0 {
            return None;
        }
        // Room around the paint for the feather and the handles' sharing zone (2F).
        let span = (bounds[2] - bounds[0]).max(bounds[3] - bounds[1]) + 4.0 * feather;
        let cell = (span / MAX_CELLS).max(1.0);
        let margin = 2.0 * feather + 3.0 * cell;
        let (x0, y0) = (bounds[0] - margin, bounds[1] - margin);
        let nx = ((bounds[2] - bounds[0] + 2.0 * margin) / cell).ceil() as usize + 1;
        let ny = ((bounds[3] - bounds[1] + 2.0 * margin) / cell).ceil() as usize + 1;
        let painted = rasterise(&strokes, x0, y0, cell, nx, ny);
        let count = painted.iter().filter(|&&p| p).count();
        if count == 0 {
            return None;
        }
        let to_paint = squared_distances(&painted, nx, ny, true);
        let to_clear = squared_distances(&painted, nx, ny, false);
        let mut extent = 0.0f32;
        let dist: Vec<f32> = (0..nx * ny)
            .map(|k| {
                if painted[k] {
                    let (x, y) = (x0 + (k % nx) as f32 * cell, y0 + (k / nx) as f32 * cell);
                    extent = extent.max(x.hypot(y));
                    -((to_clear[k].sqrt() - 0.5) * cell)
                } else {
                    (to_paint[k].sqrt() - 0.5) * cell
                }
            })
            .collect();
        let area_radius = (count as f32 * cell * cell / std::f32::consts::PI).sqrt();
        let mut shape = PaintedShape {
            x0,
            y0,
            cell,
            inv_cell: 1.0 / cell,
            nx,
            ny,
            dist,
            far: margin,
            area_radius,
            extent: extent + cell,
            outline: Vec::new(),
        };
        shape.outline = shape.level_points(feather, area_radius + feather);
        Some(shape)
    }

    /// The signed distance (px) to the painted outline at `(x, y)` relative to the path's
    /// start: below 0 inside. Bilinear between cell centres.
    #[inline]
    pub(crate) fn distance(&self, x: f32, y: f32) -> f32 {
        let gx = (x - self.x0) * self.inv_cell;
        let gy = (y - self.y0) * self.inv_cell;
        // Written so that NaN lands off the grid too.
        let on_grid =
            gx >= 0.0 && gy >= 0.0 && gx < (self.nx - 1) as f32 && gy < (self.ny - 1) as f32;
        if !on_grid {
            return self.far;
        }
        let (i, j) = (gx as usize, gy as usize);
        let (fx, fy) = (gx - i as f32, gy - j as f32);
        let k = j * self.nx + i;
        let (a, b) = (self.dist[k], self.dist[k + 1]);
        let (c, d) = (self.dist[k + self.nx], self.dist[k + self.nx + 1]);
        let top = a + (b - a) * fx;
        let bottom = c + (d - c) * fx;
        top + (bottom - top) * fy
    }

    /// Points where the distance crosses `level`, thinned to about `TAU * size / RING_HANDLES`
    /// apart (the disk's handle spacing for a disk of that size), at most
    /// [`MAX_OUTLINE_HANDLES`].
    fn level_points(&self, level: f32, size: f32) -> Vec<(f32, f32)> {
        let mut crossings = Vec::new();
        let at = |i: usize, j: usize| self.dist[j * self.nx + i] - level;
        let centre = |i: f32, j: f32| (self.x0 + i * self.cell, self.y0 + j * self.cell);
        for j in 0..self.ny {
            for i in 0..self.nx {
                let a = at(i, j);
                if i + 1 < self.nx {
                    let b = at(i + 1, j);
                    if (a < 0.0) != (b < 0.0) {
                        crossings.push(centre(i as f32 + a / (a - b), j as f32));
                    }
                }
                if j + 1 < self.ny {
                    let b = at(i, j + 1);
                    if (a < 0.0) != (b < 0.0) {
                        crossings.push(centre(i as f32, j as f32 + a / (a - b)));
                    }
                }
            }
        }
        let mut spacing = std::f32::consts::TAU * size / RING_HANDLES as f32;
        loop {
            let mut kept: Vec<(f32, f32)> = Vec::new();
            let s2 = spacing * spacing;
            for &(x, y) in &crossings {
                if kept
                    .iter()
                    .all(|&(kx, ky)| (kx - x) * (kx - x) + (ky - y) * (ky - y) >= s2)
                {
                    kept.push((x, y));
                }
            }
            if kept.len() <= MAX_OUTLINE_HANDLES {
                return kept;
            }
            spacing *= 1.25;
        }
    }
}

/// Which cells of the grid are painted after every stroke in order.
fn rasterise(strokes: &[Stroke], x0: f32, y0: f32, cell: f32, nx: usize, ny: usize) -> Vec<bool> {
    let mut painted = vec![false; nx * ny];
    let index = |v: f32, origin: f32, n: usize| ((v - origin) / cell).clamp(0.0, (n - 1) as f32);
    for s in strokes {
        let segments = s.points.len().saturating_sub(1).max(1);
        for k in 0..segments {
            let a = s.points[k];
            let b = s.points[(k + 1).min(s.points.len() - 1)];
            let (i0, i1) = (
                index(a.0.min(b.0) - s.radius, x0, nx).floor() as usize,
                index(a.0.max(b.0) + s.radius, x0, nx).ceil() as usize,
            );
            let (j0, j1) = (
                index(a.1.min(b.1) - s.radius, y0, ny).floor() as usize,
                index(a.1.max(b.1) + s.radius, y0, ny).ceil() as usize,
            );
            for j in j0..=j1 {
                for i in i0..=i1 {
                    let (x, y) = (x0 + i as f32 * cell, y0 + j as f32 * cell);
                    if distance_to_segment(a, b, x, y) <= s.radius {
                        painted[j * nx + i] = !s.erase;
                    }
                }
            }
        }
    }
    painted
}

fn distance_to_segment(a: (f32, f32), b: (f32, f32), x: f32, y: f32) -> f32 {
    let (vx, vy) = (b.0 - a.0, b.1 - a.1);
    let len2 = vx * vx + vy * vy;
    let h = if len2 > 0.0 {
        (((x - a.0) * vx + (y - a.1) * vy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (x - a.0 - vx * h).hypot(y - a.1 - vy * h)
}

/// Squared distance (in cells) from every cell to the nearest cell whose `cells` value is
/// `target`; infinite when there is none.
fn squared_distances(cells: &[bool], nx: usize, ny: usize, target: bool) -> Vec<f32> {
    let mut d: Vec<f64> = cells
        .iter()
        .map(|&c| if c == target { 0.0 } else { f64::INFINITY })
        .collect();
    let mut line = Vec::new();
    let mut out = Vec::new();
    let mut scratch = Scratch::default();
    // Along rows, then along columns of the rows' result.
    for row in d.chunks_mut(nx) {
        line.clear();
        line.extend_from_slice(row);
        out.resize(nx, 0.0);
        lower_envelope(&line, &mut out, &mut scratch);
        row.copy_from_slice(&out);
    }
    for i in 0..nx {
        line.clear();
        line.extend((0..ny).map(|j| d[j * nx + i]));
        out.resize(ny, 0.0);
        lower_envelope(&line, &mut out, &mut scratch);
        for (j, &v) in out.iter().enumerate() {
            d[j * nx + i] = v;
        }
    }
    d.into_iter().map(|v| v as f32).collect()
}

#[derive(Default)]
struct Scratch {
    /// The parabolas of the lower envelope (their positions) and where each starts.
    roots: Vec<usize>,
    starts: Vec<f64>,
}

/// The one-dimensional squared distance transform: `out[q] = min_p (q - p)^2 + f[p]` over the
/// finite `f[p]` (infinite where there are none), in linear time.
fn lower_envelope(f: &[f64], out: &mut [f64], s: &mut Scratch) {
    s.roots.clear();
    s.starts.clear();
    let meet = |p: usize, q: usize| {
        let (pf, qf) = (p as f64, q as f64);
        ((f[q] + qf * qf) - (f[p] + pf * pf)) / (2.0 * (qf - pf))
    };
    for q in (0..f.len()).filter(|&q| f[q].is_finite()) {
        // Parabolas the new one hides entirely leave the envelope.
        while let (Some(&p), Some(&start)) = (s.roots.last(), s.starts.last()) {
            if meet(p, q) <= start {
                s.roots.pop();
                s.starts.pop();
            } else {
                break;
            }
        }
        let start = s.roots.last().map_or(f64::NEG_INFINITY, |&p| meet(p, q));
        s.roots.push(q);
        s.starts.push(start);
    }
    if s.roots.is_empty() {
        out.fill(f64::INFINITY);
        return;
    }
    let mut k = 0;
    for (q, o) in out.iter_mut().enumerate() {
        while k + 1 < s.roots.len() && s.starts[k + 1] <= q as f64 {
            k += 1;
        }
        let p = s.roots[k];
        *o = (q as f64 - p as f64).powi(2) + f[p];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::motion::{MaskStroke, Point};

    fn stroke(points: &[(f32, f32)], radius: f32, erase: bool) -> MaskStroke {
        MaskStroke {
            points: points.iter().map(|&(x, y)| Point::new(x, y)).collect(),
            radius,
            erase,
        }
    }

    #[test]
    fn the_distance_transform_is_exact_on_a_small_grid() {
        // One painted cell in a 7 x 5 grid: squared distances are i^2 + j^2.
        let (nx, ny) = (7, 5);
        let mut cells = vec![false; nx * ny];
        cells[2 * nx + 3] = true;
        let d = squared_distances(&cells, nx, ny, true);
        for j in 0..ny {
            for i in 0..nx {
                let want = (i as f32 - 3.0).powi(2) + (j as f32 - 2.0).powi(2);
                assert_eq!(d[j * nx + i], want, "({i}, {j})");
            }
        }
        assert!(squared_distances(&[false; 4], 2, 2, true)
            .iter()
            .all(|v| v.is_infinite()));
    }

    #[test]
    fn a_painted_dot_is_the_disk() {
        // One stamp of radius 0.1 on a 400 x 200 render: a disk of 40 px around the start.
        let mask = PathMask {
            strokes: vec![stroke(&[(0.0, 0.0)], 0.1, false)],
        };
        let shape = PaintedShape::new(&mask, 400, 200, 20.0).unwrap();
        for (x, y, want) in [
            (0.0, 0.0, -40.0),
            (40.0, 0.0, 0.0),
            (0.0, -50.0, 10.0),
            (42.0, 42.0, 19.4),
        ] {
            let d = shape.distance(x, y);
            assert!((d - want).abs() < 0.8, "({x}, {y}): {d} not {want}");
        }
        assert!(
            (shape.area_radius - 40.0).abs() < 0.5,
            "{}",
            shape.area_radius
        );
        assert!((shape.extent - 40.0).abs() < 2.0, "{}", shape.extent);
        // The disk's handles: about RING_HANDLES on the circle of radius + feather.
        let n = shape.outline.len();
        assert!(
            (RING_HANDLES - 3..=RING_HANDLES + 3).contains(&n),
            "{n} handles"
        );
        for &(x, y) in &shape.outline {
            assert!((x.hypot(y) - 60.0).abs() < 1.0, "handle at ({x}, {y})");
        }
        // Far away and NaN: off the grid.
        assert!(shape.distance(500.0, 0.0) >= 40.0);
        assert!(shape.distance(f32::NAN, 0.0) >= 40.0);
    }

    #[test]
    fn strokes_paint_and_erase_in_order() {
        // A bar 100 px long, 20 px wide; its right end erased; then a dot painted back into
        // the erased part.
        let mask = PathMask {
            strokes: vec![
                stroke(&[(-0.125, 0.0), (0.125, 0.0)], 0.025, false),
                stroke(&[(0.1, 0.0)], 0.03, true),
                stroke(&[(0.1, 0.0)], 0.01, false),
            ],
        };
        let shape = PaintedShape::new(&mask, 400, 400, 10.0).unwrap();
        assert!(shape.distance(-40.0, 0.0) < -8.0, "the bar");
        assert!(shape.distance(-40.0, 15.0) > 4.0, "beside the bar");
        assert!(shape.distance(32.0, 0.0) > 3.0, "erased");
        assert!(shape.distance(40.0, 0.0) < -1.0, "painted again");
        // Elongated: its area is that of the strokes, not of a disk around the start.
        assert!(shape.extent > 45.0 && shape.area_radius < 30.0, "{shape:?}");
        // Everything erased: nothing moves.
        let gone = PathMask {
            strokes: vec![
                stroke(&[(0.0, 0.0)], 0.05, false),
                stroke(&[(0.0, 0.0)], 0.2, true),
            ],
        };
        assert!(PaintedShape::new(&gone, 400, 400, 10.0).is_none());
        assert!(PaintedShape::new(&PathMask::default(), 400, 400, 10.0).is_none());
    }
}
