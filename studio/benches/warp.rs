//! Warp engine throughput: frames per second of `Warper::render_into` at the preview size
//! (540x960) and the export size (1080x1920), for 3 paths + 1 static brush + a zoom-in, next to
//! the alternative: a naive renderer that evaluates a field per pixel at full resolution (same
//! rayon thread pool, f32 bilinear sampling). The naive field is the engine's former cut-out
//! field (each path's disk with a smooth fall-off band, no deformation around it, no plate),
//! which is far cheaper per pixel than the elastic one: the engine evaluates its
//! moving-least-squares deformation on a coarse grid instead, and still comes out ahead.
//!
//! The engine runs once more with painted masks on two of the paths.
//!
//! Run with `cargo test --workspace --bench warp` (the dev profile optimises the studio
//! crate and every dependency: the figures are the engine's).

use std::hint::black_box;
use std::time::{Duration, Instant};

use image::{Rgb, RgbImage};
use rayon::prelude::*;
use studio::motion::{
    Camera, CameraKind, Easing, MaskStroke, Motion, MotionPath, PathMask, Point, StaticBrush,
};
use studio::warp::{
    frame_time, mask::STATIC_EDGE_FRACTION, mask::STATIC_EDGE_MIN_PX, path_position, Warper,
};

/// The naive field's fall-off band beyond each disk, in radii.
const FALLOFF_BAND: f32 = 0.75;

const FRAMES: u32 = 81;
const MIN_TIME: Duration = Duration::from_millis(2500);

fn picture(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let mut v = x.wrapping_mul(0x9e37_79b9) ^ y.wrapping_mul(0x85eb_ca6b);
        v ^= v >> 15;
        v = v.wrapping_mul(0x2c1b_3c6d);
        v ^= v >> 12;
        let n = (v % 64) as u8;
        Rgb([
            (x * 255 / w) as u8 / 2 + n,
            (y * 255 / h) as u8 / 2 + n,
            100 + n,
        ])
    })
}

fn motion() -> Motion {
    let path = |pts: &[(f32, f32)], radius| MotionPath {
        points: pts.iter().map(|&(x, y)| Point::new(x, y)).collect(),
        radius,
        mask: None,
    };
    Motion {
        paths: vec![
            path(&[(0.3, 0.6), (0.45, 0.55), (0.7, 0.62)], 0.12),
            path(&[(0.6, 0.3), (0.55, 0.2), (0.4, 0.18)], 0.08),
            path(&[(0.5, 0.85), (0.5, 0.75)], 0.15),
        ],
        statics: vec![StaticBrush {
            points: vec![
                Point::new(0.1, 0.1),
                Point::new(0.3, 0.12),
                Point::new(0.45, 0.1),
            ],
            radius: 0.05,
        }],
        camera: Camera {
            kind: CameraKind::ZoomIn,
            amount: 0.2,
            easing: Easing::EaseInOut,
            keys: Vec::new(),
        },
    }
}

/// The same motion with painted masks on the first two paths: an elongated stroke with a
/// stamp and an erased bite, and a bent stroke (the disks' size, other shapes).
fn painted(mut motion: Motion) -> Motion {
    let stroke = |points: &[(f32, f32)], radius, erase| MaskStroke {
        points: points.iter().map(|&(x, y)| Point::new(x, y)).collect(),
        radius,
        erase,
    };
    motion.paths[0].mask = Some(PathMask {
        strokes: vec![
            stroke(&[(-0.15, 0.0), (0.0, -0.02), (0.15, 0.0)], 0.07, false),
            stroke(&[(0.0, 0.04)], 0.09, false),
            stroke(&[(0.12, 0.03)], 0.04, true),
        ],
    });
    motion.paths[1].mask = Some(PathMask {
        strokes: vec![stroke(
            &[(0.0, -0.06), (0.05, 0.0), (0.0, 0.06), (-0.04, 0.08)],
            0.04,
            false,
        )],
    });
    motion
}

/// Frames per second of `render` over a sweep of shot times, run for at least `MIN_TIME`.
fn measure(mut render: impl FnMut(f32)) -> f64 {
    for i in 0..5 {
        render(frame_time(i, 5));
    }
    let start = Instant::now();
    let mut frames = 0u64;
    while start.elapsed() < MIN_TIME {
        for i in 0..FRAMES {
            render(frame_time(i, FRAMES));
            frames += 1;
        }
    }
    frames as f64 / start.elapsed().as_secs_f64()
}

/// A cut-out warp computed the obvious way: every pixel evaluates the camera, every path's
/// weight and the static capsules, then samples bilinearly in f32.
struct Naive<'a> {
    source: &'a RgbImage,
    motion: &'a Motion,
}

impl Naive<'_> {
    fn render_into(&self, t: f32, out: &mut RgbImage) {
        let (w, h) = self.source.dimensions();
        let (wf, hf) = (w as f32, h as f32);
        let to_px = |p: Point| (p.x * wf - 0.5, p.y * hf - 0.5);
        let disks: Vec<_> = self
            .motion
            .paths
            .iter()
            .map(|p| {
                let (s, n) = (to_px(p.points[0]), to_px(path_position(&p.points, t)));
                (n, (n.0 - s.0, n.1 - s.1), p.radius * wf)
            })
            .collect();
        let camera = &self.motion.camera;
        let zoom = 1.0 + camera.amount * camera.easing.apply(t);
        let (cx, cy) = ((wf - 1.0) / 2.0, (hf - 1.0) / 2.0);
        let src = self.source.as_raw();
        out.par_chunks_mut(w as usize * 3)
            .enumerate()
            .for_each(|(y, row)| {
                for x in 0..w as usize {
                    let (qx, qy) = (cx + (x as f32 - cx) / zoom, cy + (y as f32 - cy) / zoom);
                    let (mut sw, mut dx, mut dy) = (0.0f32, 0.0f32, 0.0f32);
                    for &(c, o, r) in &disks {
                        let dist = ((qx - c.0).powi(2) + (qy - c.1).powi(2)).sqrt() / r;
                        let u = ((dist - 1.0) / FALLOFF_BAND).clamp(0.0, 1.0);
                        let wgt = 1.0 - u * u * (3.0 - 2.0 * u);
                        sw += wgt;
                        dx += wgt * o.0;
                        dy += wgt * o.1;
                    }
                    if sw > 1.0 {
                        dx /= sw;
                        dy /= sw;
                    }
                    let mut s = 0.0f32;
                    for brush in &self.motion.statics {
                        let r = brush.radius * wf;
                        let edge = (STATIC_EDGE_FRACTION * r).max(STATIC_EDGE_MIN_PX);
                        for seg in brush.points.windows(2) {
                            let (a, b) = (to_px(seg[0]), to_px(seg[1]));
                            let (vx, vy) = (b.0 - a.0, b.1 - a.1);
                            let hh = (((qx - a.0) * vx + (qy - a.1) * vy) / (vx * vx + vy * vy))
                                .clamp(0.0, 1.0);
                            let d = ((qx - a.0 - vx * hh).powi(2) + (qy - a.1 - vy * hh).powi(2))
                                .sqrt();
                            let u = ((d - r) / edge).clamp(0.0, 1.0);
                            s = s.max(1.0 - u * u * (3.0 - 2.0 * u));
                        }
                    }
                    let (sx, sy) = (
                        (qx - dx * (1.0 - s)).clamp(0.0, wf - 1.0),
                        (qy - dy * (1.0 - s)).clamp(0.0, hf - 1.0),
                    );
                    let (x0, y0) = (sx.floor() as usize, sy.floor() as usize);
                    let (x1, y1) = ((x0 + 1).min(w as usize - 1), (y0 + 1).min(h as usize - 1));
                    let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
                    for c in 0..3 {
                        let p = |xx: usize, yy: usize| src[(yy * w as usize + xx) * 3 + c] as f32;
                        let top = p(x0, y0) + (p(x1, y0) - p(x0, y0)) * fx;
                        let bottom = p(x0, y1) + (p(x1, y1) - p(x0, y1)) * fx;
                        row[x * 3 + c] = (top + (bottom - top) * fy + 0.5) as u8;
                    }
                }
            });
    }
}

fn main() {
    let motion = motion();
    println!(
        "warp engine: 3 paths + 1 static brush + zoom-in, {} rayon threads",
        rayon::current_num_threads()
    );
    for (w, h) in [(540u32, 960u32), (1080, 1920)] {
        let source = picture(w, h);
        let start = Instant::now();
        let mut builds = 0u32;
        while start.elapsed() < Duration::from_millis(500) {
            black_box(Warper::new(source.clone(), &motion));
            builds += 1;
        }
        let build_ms = start.elapsed().as_secs_f64() * 1000.0 / builds as f64;
        let warper = Warper::new(source.clone(), &motion);
        let mut out = RgbImage::new(w, h);
        let fast = measure(|t| {
            warper.render_into(t, &mut out);
            black_box(&out);
        });
        let painted_motion = painted(motion.clone());
        let start = Instant::now();
        black_box(Warper::new(source.clone(), &painted_motion));
        let painted_build_ms = start.elapsed().as_secs_f64() * 1000.0;
        let painted_warper = Warper::new(source.clone(), &painted_motion);
        let with_painted = measure(|t| {
            painted_warper.render_into(t, &mut out);
            black_box(&out);
        });
        let naive = Naive {
            source: &source,
            motion: &motion,
        };
        let mut slow_out = RgbImage::new(w, h);
        let slow = measure(|t| {
            naive.render_into(t, &mut slow_out);
            black_box(&slow_out);
        });
        println!(
            "{w}x{h}: render_into (elastic field) {fast:.1} fps ({:.2} ms/frame); naive per-pixel cut-out field {slow:.1} fps ({:.2} ms/frame); \
             ratio x{:.1}; Warper::new {build_ms:.2} ms (with cloning the picture)",
            1000.0 / fast,
            1000.0 / slow,
            fast / slow
        );
        println!(
            "{w}x{h}: render_into with two painted masks {with_painted:.1} fps ({:.2} ms/frame); Warper::new {painted_build_ms:.2} ms",
            1000.0 / with_painted,
        );
    }
}
