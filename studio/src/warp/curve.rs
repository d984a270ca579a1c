//! The smoothed curve of a motion path and the arc-length timing along it.
//!
//! # The curve (the web UI draws exactly this)
//!
//! A path with control points `P[0] .. P[n-1]` (normalised coordinates, n >= 2) is a uniform
//! Catmull-Rom spline through every point. The endpoints are duplicated as phantom control
//! points: `P[-1] = P[0]` and `P[n] = P[n-1]`. Segment `i` (0 <= i <= n-2) runs from `P[i]` to
//! `P[i+1]`; at local parameter `s` in 0..1 it is
//!
//! ```text
//! C_i(s) = 0.5 * ( 2*P[i]
//!                + (P[i+1] - P[i-1]) * s
//!                + (2*P[i-1] - 5*P[i] + 4*P[i+1] - P[i+2]) * s^2
//!                + (3*P[i] - P[i-1] - 3*P[i+1] + P[i+2]) * s^3 )
//! ```
//!
//! so `C_i(0) = P[i]` and `C_i(1) = P[i+1]`. With two points the curve is the straight
//! segment between them. The whole curve uses a global parameter `u` in `0..=n-1`:
//! `i = min(floor(u), n-2)`, `s = u - i`.
//!
//! [`path_curve`]`(points, samples)` returns the curve at `samples` values of `u` evenly spaced
//! from 0 to n-1: sample `k` is at `u = k * (n-1) / (samples-1)`. (A TypeScript port: loop k,
//! compute u, i, s as above and evaluate `C_i(s)` per coordinate.)
//!
//! # Timing
//!
//! Content moves along the curve at constant speed, linear in shot time `t` (no easing):
//! [`path_position`]`(points, t)` is the point whose arc length from `P[0]` is `t * L`, `L` the
//! curve's total length. Lengths are measured in *normalised* coordinates (x and y in 0..1 as
//! stored, no aspect correction) on the polyline of [`ARC_SAMPLES_PER_SEGMENT`] samples per
//! segment (`path_curve(points, 64 * (n-1) + 1)`); the point found on that polyline is mapped
//! back to its curve parameter and evaluated on the exact curve. `t <= 0` gives `P[0]`,
//! `t >= 1` gives `P[n-1]`, exactly.

use crate::motion::Point;

/// Polyline samples per curve segment used to measure arc length.
pub const ARC_SAMPLES_PER_SEGMENT: usize = 64;

/// The curve at global parameter `u` (clamped to `0..=n-1`); `points` has at least 2 points.
/// Whole values of `u` return the control point itself, bit for bit.
pub(crate) fn eval(points: &[Point], u: f32) -> Point {
    let n = points.len();
    debug_assert!(n >= 2);
    let last = (n - 1) as f32;
    let u = if u.is_nan() { 0.0 } else { u.clamp(0.0, last) };
    let i = (u.floor() as usize).min(n - 2);
    let s = u - i as f32;
    if s == 0.0 {
        return points[i];
    }
    if s == 1.0 {
        return points[i + 1];
    }
    let p0 = points[i.saturating_sub(1)];
    let p1 = points[i];
    let p2 = points[i + 1];
    let p3 = points[(i + 2).min(n - 1)];
    let axis = |a: f32, b: f32, c: f32, d: f32| {
        // The module's coefficients, written with differences so that coincident points
        // give exactly zero (a path that stands still has length 0, not rounding noise).
        let c1 = c - a;
        let c2 = 2.0 * (a - b) + 3.0 * (c - b) + (c - d);
        let c3 = (b - a) + 2.0 * (b - c) + (d - c);
        0.5 * (2.0 * b + s * (c1 + s * (c2 + s * c3)))
    };
    Point::new(axis(p0.x, p1.x, p2.x, p3.x), axis(p0.y, p1.y, p2.y, p3.y))
}

/// The smoothed curve of a path as a polyline of `samples` points in normalised coordinates,
/// evenly spaced in the spline parameter (see the module docs for the exact formula). The first
/// and last samples are the first and last control points; interior control points are samples
/// whenever `samples - 1` is a multiple of `points.len() - 1`.
///
/// No points or no samples give an empty polyline; a single point is repeated.
pub fn path_curve(points: &[Point], samples: usize) -> Vec<Point> {
    match (points.len(), samples) {
        (0, _) | (_, 0) => Vec::new(),
        (1, _) => vec![points[0]; samples],
        (_, 1) => vec![points[0]],
        (n, _) => {
            let scale = (n - 1) as f64 / (samples - 1) as f64;
            (0..samples)
                .map(|k| {
                    // Whole u values come out exact, so control points land on samples.
                    let u = if k == samples - 1 {
                        (n - 1) as f32
                    } else {
                        (k as f64 * scale) as f32
                    };
                    eval(points, u)
                })
                .collect()
        }
    }
}

/// Position along a path at shot time `t` (arc-length parameterised, linear in time): where
/// the path's brushed content's centre is at time `t`, in normalised coordinates.
///
/// `t` is clamped to 0..1. No points give the origin; a single point gives that point.
pub fn path_position(points: &[Point], t: f32) -> Point {
    ArcTable::new(points).position(t)
}

/// A path's curve sampled densely with cumulative arc lengths, so positions at many times
/// cost a binary search each. [`path_position`] and the warper both use it.
#[derive(Debug, Clone)]
pub(crate) struct ArcTable {
    points: Vec<Point>,
    /// Cumulative normalised length at each polyline sample; sample k is at u = k / 64.
    lengths: Vec<f32>,
}

impl ArcTable {
    pub(crate) fn new(points: &[Point]) -> ArcTable {
        let points = points.to_vec();
        if points.len() < 2 {
            return ArcTable {
                points,
                lengths: Vec::new(),
            };
        }
        let samples = ARC_SAMPLES_PER_SEGMENT * (points.len() - 1) + 1;
        let line = path_curve(&points, samples);
        let mut lengths = Vec::with_capacity(samples);
        let mut total = 0.0f64;
        lengths.push(0.0);
        for pair in line.windows(2) {
            let (dx, dy) = (
                (pair[1].x - pair[0].x) as f64,
                (pair[1].y - pair[0].y) as f64,
            );
            total += (dx * dx + dy * dy).sqrt();
            lengths.push(total as f32);
        }
        ArcTable { points, lengths }
    }

    /// Total arc length in normalised units (0 for fewer than two points).
    pub(crate) fn length(&self) -> f32 {
        self.lengths.last().copied().unwrap_or(0.0)
    }

    pub(crate) fn position(&self, t: f32) -> Point {
        let n = self.points.len();
        match n {
            0 => return Point::new(0.0, 0.0),
            1 => return self.points[0],
            _ => {}
        }
        let total = self.length();
        if t.is_nan() || t <= 0.0 || total <= 0.0 {
            return self.points[0];
        }
        if t >= 1.0 {
            return self.points[n - 1];
        }
        let target = t * total;
        // First sample whose cumulative length reaches the target.
        let k = self
            .lengths
            .partition_point(|&l| l < target)
            .clamp(1, self.lengths.len() - 1);
        let (l0, l1) = (self.lengths[k - 1], self.lengths[k]);
        let frac = if l1 > l0 {
            ((target - l0) / (l1 - l0)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let u = ((k - 1) as f32 + frac) / ARC_SAMPLES_PER_SEGMENT as f32;
        eval(&self.points, u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(list: &[(f32, f32)]) -> Vec<Point> {
        list.iter().map(|&(x, y)| Point::new(x, y)).collect()
    }

    fn dist(a: Point, b: Point) -> f32 {
        ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
    }

    #[test]
    fn curve_passes_through_every_control_point() {
        let p = pts(&[(0.1, 0.9), (0.3, 0.2), (0.35, 0.25), (0.9, 0.6), (0.5, 0.1)]);
        // 4 segments, 4 * 25 + 1 samples: control point j is sample 25 j, exactly.
        let line = path_curve(&p, 101);
        assert_eq!(line.len(), 101);
        for (j, &c) in p.iter().enumerate() {
            assert_eq!(line[25 * j], c, "control point {j}");
        }
        // Any sample count still starts and ends on the endpoints and passes close to the rest.
        let line = path_curve(&p, 97);
        assert_eq!(line[0], p[0]);
        assert_eq!(line[96], p[4]);
        for &c in &p {
            let nearest = line.iter().map(|&q| dist(q, c)).fold(f32::MAX, f32::min);
            assert!(
                nearest < 0.02,
                "control point {c:?} is {nearest} from the curve"
            );
        }
        // The curve is smooth and not a polyline through the points: between control points
        // 1 and 2 it bends away from the chord.
        let mid = eval(&p, 1.5);
        let chord_mid = Point::new((p[1].x + p[2].x) / 2.0, (p[1].y + p[2].y) / 2.0);
        assert!(dist(mid, chord_mid) > 1e-3);
    }

    #[test]
    fn two_points_make_a_straight_segment() {
        let p = pts(&[(0.1, 0.2), (0.7, 0.5)]);
        for q in path_curve(&p, 33) {
            // On the line through the two points and between them.
            let cross = (q.x - 0.1) * 0.3 - (q.y - 0.2) * 0.6;
            assert!(cross.abs() < 1e-6, "{q:?} off the line");
            assert!((0.1..=0.7).contains(&q.x));
        }
        // Arc-length timing makes it uniform: half time is the midpoint.
        let mid = path_position(&p, 0.5);
        assert!(dist(mid, Point::new(0.4, 0.35)) < 1e-4, "{mid:?}");
        let quarter = path_position(&p, 0.25);
        assert!(dist(quarter, Point::new(0.25, 0.275)) < 1e-4, "{quarter:?}");
    }

    #[test]
    fn position_is_arc_length_parameterised() {
        // Unevenly spaced points: the plain spline parameter would run at very uneven speed.
        // (Uniform Catmull-Rom can cusp when neighbouring segments differ wildly in length;
        // chords then stop approximating arcs, so these points keep the curve smooth.)
        let p = pts(&[(0.1, 0.2), (0.2, 0.25), (0.6, 0.5), (0.7, 0.9)]);
        assert_eq!(path_position(&p, 0.0), p[0]);
        assert_eq!(path_position(&p, 1.0), p[3]);
        assert_eq!(path_position(&p, -3.0), p[0]);
        assert_eq!(path_position(&p, 7.0), p[3]);
        let total = ArcTable::new(&p).length();
        let steps = 400;
        let step_len = total / steps as f32;
        let mut walked = 0.0;
        for k in 0..steps {
            let a = path_position(&p, k as f32 / steps as f32);
            let b = path_position(&p, (k + 1) as f32 / steps as f32);
            let d = dist(a, b);
            assert!(
                (d - step_len).abs() < 0.02 * step_len,
                "step {k}: {d} vs {step_len}"
            );
            walked += d;
        }
        assert!((walked - total).abs() < 1e-3 * total);
        // The uniform-parameter polyline really is uneven here (so the check above means something).
        let line = path_curve(&p, 301);
        let d0 = dist(line[0], line[1]);
        let d1 = dist(line[150], line[151]);
        assert!(d1 > 3.0 * d0 || d0 > 3.0 * d1, "{d0} {d1}");
    }

    #[test]
    fn symmetric_path_reaches_its_middle_point_at_half_time() {
        let p = pts(&[(0.2, 0.5), (0.5, 0.5), (0.8, 0.5)]);
        let mid = path_position(&p, 0.5);
        assert!(dist(mid, p[1]) < 1e-5, "{mid:?}");
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        assert!(path_curve(&[], 10).is_empty());
        assert!(path_curve(&pts(&[(0.1, 0.1), (0.2, 0.2)]), 0).is_empty());
        assert_eq!(path_curve(&pts(&[(0.3, 0.4)]), 3), pts(&[(0.3, 0.4); 3]));
        assert_eq!(path_position(&[], 0.5), Point::new(0.0, 0.0));
        assert_eq!(
            path_position(&pts(&[(0.3, 0.4)]), 0.5),
            Point::new(0.3, 0.4)
        );
        let same = pts(&[(0.3, 0.4), (0.3, 0.4)]);
        assert_eq!(path_position(&same, 0.5), Point::new(0.3, 0.4));
        assert_eq!(
            path_position(&pts(&[(0.1, 0.1), (0.2, 0.2)]), f32::NAN),
            Point::new(0.1, 0.1)
        );
    }
}
