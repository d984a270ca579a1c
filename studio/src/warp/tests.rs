//! Whole-engine tests: measured motion of a synthetic picture.

use image::{Rgb, RgbImage};

use super::*;
use crate::motion::{CameraKind, Easing, MotionPath, Point, StaticBrush};

const W: u32 = 480;
const H: u32 = 320;
/// The bright patch: a disk of this radius (px) centred on the first path point.
const PATCH_RADIUS: f32 = 10.0;

fn px(p: Point) -> (f32, f32) {
    (p.x * W as f32 - 0.5, p.y * H as f32 - 0.5)
}

/// Grey noise (R == G, so `R - G` is 0) with a blue checkerboard, plus a magenta disk
/// (R - G = 255) centred on `patch`.
fn textured(w: u32, h: u32, patch: (f32, f32)) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - patch.0, y as f32 - patch.1);
        if dx * dx + dy * dy <= PATCH_RADIUS * PATCH_RADIUS {
            return Rgb([255, 0, 255]);
        }
        let mut v = x.wrapping_mul(0x9e37_79b9) ^ y.wrapping_mul(0x85eb_ca6b);
        v ^= v >> 15;
        v = v.wrapping_mul(0x2c1b_3c6d);
        v ^= v >> 12;
        let grey = 40 + (v % 160) as u8;
        let blue = if (x / 8 + y / 8) % 2 == 0 { 60 } else { 180 };
        Rgb([grey, grey, blue])
    })
}

/// Centroid and mass of `R - G` within `window` px of `around`.
fn patch_centroid(img: &RgbImage, around: (f32, f32), window: f32) -> ((f32, f32), f32) {
    let (mut m, mut mx, mut my) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y, p) in img.enumerate_pixels() {
        let (dx, dy) = (x as f32 - around.0, y as f32 - around.1);
        if dx * dx + dy * dy > window * window {
            continue;
        }
        let v = (p[0] as f64 - p[1] as f64).max(0.0);
        m += v;
        mx += v * x as f64;
        my += v * y as f64;
    }
    (((mx / m) as f32, (my / m) as f32), m as f32)
}

fn path_through(points: &[(f32, f32)], radius: f32) -> MotionPath {
    MotionPath::disk(
        points.iter().map(|&(x, y)| Point::new(x, y)).collect(),
        radius,
    )
}

fn sweep() -> MotionPath {
    path_through(&[(0.2, 0.5), (0.5, 0.5), (0.8, 0.5)], 0.08)
}

fn camera(kind: CameraKind, amount: f32) -> Camera {
    Camera {
        kind,
        amount,
        easing: Easing::EaseInOut,
        keys: Vec::new(),
    }
}

#[test]
fn frame_times_span_the_shot() {
    assert_eq!(frame_time(0, 1), 0.0);
    assert_eq!(frame_time(0, 0), 0.0);
    assert_eq!(frame_time(0, 81), 0.0);
    assert_eq!(frame_time(40, 81), 0.5);
    assert_eq!(frame_time(80, 81), 1.0);
    assert_eq!(frame_time(1, 4), 1.0 / 3.0);
}

#[test]
fn the_brushed_patch_follows_its_path() {
    let path = sweep();
    let start = px(path.points[0]);
    let source = textured(W, H, start);
    let motion = Motion {
        paths: vec![path.clone()],
        ..Default::default()
    };
    let warper = Warper::new(source.clone(), &motion);
    let (_, mass0) = patch_centroid(&source, start, 25.0);
    for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let frame = warper.render(t);
        let expected = px(path_position(&path.points, t));
        let (c, mass) = patch_centroid(&frame, expected, 25.0);
        let err = ((c.0 - expected.0).powi(2) + (c.1 - expected.1).powi(2)).sqrt();
        assert!(err < 1.0, "t = {t}: patch at {c:?}, path at {expected:?}");
        // The whole patch arrived, not a smear of it.
        assert!(
            (mass / mass0 - 1.0).abs() < 0.02,
            "t = {t}: mass {mass} vs {mass0}"
        );
    }
    // And it really travelled: at t = 0.5 it is on the middle control point, 144 px along.
    let mid = px(path.points[1]);
    let (c, _) = patch_centroid(&warper.render(0.5), mid, 25.0);
    assert!(
        (c.0 - mid.0).abs() < 1.0 && (c.0 - start.0) > 140.0,
        "{c:?}"
    );
}

#[test]
fn static_brushes_hold_their_content_while_paths_move() {
    let path = sweep();
    let source = textured(W, H, px(path.points[0]));
    // Just below the path, inside the moving disk's fall-off as it passes.
    let brush = StaticBrush {
        points: vec![Point::new(0.45, 0.62), Point::new(0.55, 0.62)],
        radius: 0.04,
    };
    let held = Motion {
        paths: vec![path.clone()],
        statics: vec![brush.clone()],
        ..Default::default()
    };
    let free = Motion {
        paths: vec![path],
        ..Default::default()
    };
    let (held, free) = (
        Warper::new(source.clone(), &held),
        Warper::new(source.clone(), &free),
    );
    let (a, b) = (px(brush.points[0]), px(brush.points[1]));
    let radius = brush.radius * W as f32;
    let inside = |x: u32, y: u32| {
        let (x, y) = (x as f32, y as f32);
        let h = ((x - a.0) / (b.0 - a.0)).clamp(0.0, 1.0);
        let (dx, dy) = (x - (a.0 + h * (b.0 - a.0)), y - a.1);
        dx * dx + dy * dy <= radius * radius
    };
    let mut free_moved = 0;
    let mut count = 0;
    for t in [0.45, 0.5, 0.55] {
        let (frame, loose) = (held.render(t), free.render(t));
        let map = held.source_map(t);
        for (x, y, p) in frame.enumerate_pixels().filter(|&(x, y, _)| inside(x, y)) {
            count += 1;
            assert_eq!(
                p,
                source.get_pixel(x, y),
                "t = {t}: static pixel ({x}, {y}) changed"
            );
            let (sx, sy) = map[(y * W + x) as usize];
            assert!(
                (sx - x as f32).abs() < 0.5 && (sy - y as f32).abs() < 0.5,
                "({x}, {y}) samples ({sx}, {sy})"
            );
            if loose.get_pixel(x, y) != p {
                free_moved += 1;
            }
        }
    }
    assert!(count > 1000);
    // Without the brush most of that region does move.
    assert!(free_moved > count / 2, "{free_moved} of {count}");
}

#[test]
fn the_first_frame_is_the_source_with_a_static_camera() {
    let source = textured(W, H, (100.0, 100.0));
    let motion = Motion {
        paths: vec![sweep(), path_through(&[(0.1, 0.1), (0.9, 0.9)], 0.2)],
        statics: vec![StaticBrush {
            points: vec![Point::new(0.5, 0.2)],
            radius: 0.1,
        }],
        camera: camera(CameraKind::Static, 0.5),
    };
    let warper = Warper::new(source.clone(), &motion);
    assert_eq!(warper.render(0.0), source);
    assert_ne!(warper.render(0.5), source);
    // A zoom-in starts uncropped too; a pan does not.
    let zoom = Motion {
        camera: camera(CameraKind::ZoomIn, 0.3),
        ..motion.clone()
    };
    assert_eq!(Warper::new(source.clone(), &zoom).render(0.0), source);
    let pan = Motion {
        camera: camera(CameraKind::PanLeft, 0.3),
        ..motion
    };
    assert_ne!(Warper::new(source.clone(), &pan).render(0.0), source);
    // No motion at all: every frame is the source.
    let still = Warper::new(source.clone(), &Motion::default());
    assert_eq!(still.render(0.7), source);
}

/// Largest difference of the displacement `map - identity` between horizontal or vertical
/// neighbours, and the largest displacement.
fn field_steps(map: &[(f32, f32)], w: usize) -> (f32, f32) {
    let d = |i: usize| {
        let (x, y) = ((i % w) as f32, (i / w) as f32);
        (map[i].0 - x, map[i].1 - y)
    };
    let (mut step, mut most) = (0.0f32, 0.0f32);
    for i in 0..map.len() {
        let a = d(i);
        most = most.max(a.0.hypot(a.1));
        for j in [i + 1, i + w] {
            if j < map.len() && (j != i + 1 || (i + 1) % w != 0) {
                let b = d(j);
                step = step.max((a.0 - b.0).hypot(a.1 - b.1));
            }
        }
    }
    (step, most)
}

#[test]
fn the_field_is_continuous() {
    let path = sweep();
    let warper = Warper::new(
        textured(W, H, (0.0, 0.0)),
        &Motion {
            paths: vec![path.clone()],
            ..Default::default()
        },
    );
    let radius = path.radius * W as f32;
    for t in [0.5, 1.0] {
        let travelled = px(path_position(&path.points, t)).0 - px(path.points[0]).0;
        let (step, most) = field_steps(&warper.source_map(t), W as usize);
        // A move this long is cut out (no deformation around it): across the mask's feather
        // smoothstep's steepest slope is 1.5 per feather width, so the field can change by at
        // most |offset| * 1.5 / (feather) between neighbours. A tear would jump by the whole
        // offset.
        assert_eq!(field::elastic_share(travelled, radius), 0.0);
        let bound = travelled * 1.5 / (field::MASK_FEATHER * radius);
        assert!(
            (most - travelled).abs() < 0.01,
            "t = {t}: largest displacement {most}, travelled {travelled}"
        );
        assert!(
            step <= bound * 1.02 + 1e-3,
            "t = {t}: neighbours differ by {step} > {bound}"
        );
        assert!(step < travelled / 4.0);
    }
    // Overlapping paths, a static brush and a camera move: still no tears.
    let motion = Motion {
        paths: vec![sweep(), path_through(&[(0.4, 0.3), (0.6, 0.6)], 0.1)],
        statics: vec![StaticBrush {
            points: vec![Point::new(0.5, 0.75)],
            radius: 0.05,
        }],
        camera: camera(CameraKind::RollLeft, 0.2),
    };
    let warper = Warper::new(textured(W, H, (0.0, 0.0)), &motion);
    let (step, _) = field_steps(&warper.source_map(1.0), W as usize);
    let camera_step = 2.0; // the camera alone moves neighbours apart by under 1 px (scale >= 1)
    let band = field::MASK_FEATHER * 0.08 * W as f32;
    let edge = mask::STATIC_EDGE_FRACTION * 0.05 * W as f32;
    let bound = 288.0 * (2.0 * 1.5 / band + 1.5 / edge) + camera_step;
    assert!(step < bound, "{step} >= {bound}");
}

#[test]
fn pan_right_moves_the_content_left_by_the_expected_amount() {
    let source = textured(W, H, (200.0, 160.0));
    let amount = 0.2;
    let warper = Warper::new(
        source,
        &Motion {
            camera: camera(CameraKind::PanRight, amount),
            ..Default::default()
        },
    );
    let (first, last) = (warper.render(0.0), warper.render(1.0));
    // The camera's viewport crosses amount * W source px; cropped in by 1 / (1 - amount).
    let expected = (amount * W as f32 / (1.0 - amount)).round() as u32;
    assert_eq!(expected, 120);
    let rows = (40..H - 40).step_by(3).count() as u64;
    let compared = rows * (W - 240) as u64 * 3;
    let sad = |shift: u32| -> u64 {
        let mut total = 0u64;
        for y in (40..H - 40).step_by(3) {
            for x in 20..(W - 220) {
                let (a, b) = (last.get_pixel(x, y), first.get_pixel(x + shift, y));
                total += (0..3)
                    .map(|c| (a[c] as i32 - b[c] as i32).unsigned_abs() as u64)
                    .sum::<u64>();
            }
        }
        total
    };
    let best = (0..=200).min_by_key(|&s| sad(s)).unwrap();
    assert_eq!(best, expected, "content moved left by {best} px");
    // Same sampling phase in both frames: they agree to rounding.
    assert!(
        sad(best) * 20 < compared,
        "mean difference {}",
        sad(best) as f64 / compared as f64
    );
    assert!(sad(best + 1) > 20 * compared);
}

#[test]
fn zoom_in_enlarges_the_content() {
    let centre = ((W - 1) as f32 / 2.0 + 30.0, (H - 1) as f32 / 2.0);
    let source = textured(W, H, centre);
    let warper = Warper::new(
        source.clone(),
        &Motion {
            camera: camera(CameraKind::ZoomIn, 0.3),
            ..Default::default()
        },
    );
    let size = |img: &RgbImage| {
        let (c, m) = patch_centroid(
            img,
            ((W - 1) as f32 / 2.0 + 40.0, (H - 1) as f32 / 2.0),
            40.0,
        );
        let mut second = 0.0f64;
        for (x, y, p) in img.enumerate_pixels() {
            let (dx, dy) = (x as f32 - c.0, y as f32 - c.1);
            if dx * dx + dy * dy <= 40.0 * 40.0 {
                second += (p[0] as f64 - p[1] as f64).max(0.0) * (dx * dx + dy * dy) as f64;
            }
        }
        (c, (second / m as f64).sqrt() as f32)
    };
    let (c0, r0) = size(&warper.render(0.0));
    let (c1, r1) = size(&warper.render(1.0));
    assert!((r1 / r0 - 1.3).abs() < 0.02, "size {r0} -> {r1}");
    // About the centre: the patch 30 px right of it ends up 39 px right of it.
    assert!(
        (c0.0 - centre.0).abs() < 0.1 && (c1.0 - (centre.0 + 0.3 * 30.0)).abs() < 0.2,
        "{c0:?} {c1:?}"
    );
}

#[test]
fn cameras_never_show_outside_the_picture() {
    let flat = RgbImage::from_pixel(W, H, Rgb([12, 34, 56]));
    for kind in CameraKind::ALL {
        for amount in [0.2, 0.6, 0.85] {
            let motion = Motion {
                camera: camera(kind, amount),
                ..Default::default()
            };
            let warper = Warper::new(flat.clone(), &motion);
            for k in 0..=10 {
                let t = k as f32 / 10.0;
                let map = warper.source_map(t);
                let eps = 1e-2;
                let (lo, hx, hy) = (-0.5 - eps, W as f32 - 0.5 + eps, H as f32 - 0.5 + eps);
                let outside = map
                    .iter()
                    .filter(|&&(x, y)| !(x >= lo && x <= hx && y >= lo && y <= hy))
                    .count();
                assert_eq!(outside, 0, "{kind:?} {amount} t = {t}");
            }
            let frame = warper.render(0.5);
            assert!(
                frame.pixels().all(|p| *p == Rgb([12, 34, 56])),
                "{kind:?} {amount}"
            );
        }
    }
}

#[test]
fn rolls_turn_the_right_way() {
    // A patch right of centre: roll-left (content clockwise) carries it downwards.
    let centre = ((W - 1) as f32 / 2.0, (H - 1) as f32 / 2.0);
    let source = textured(W, H, (centre.0 + 60.0, centre.1));
    for (kind, down) in [(CameraKind::RollLeft, true), (CameraKind::RollRight, false)] {
        let warper = Warper::new(
            source.clone(),
            &Motion {
                camera: camera(kind, 0.2),
                ..Default::default()
            },
        );
        let (c0, _) = patch_centroid(&warper.render(0.0), (centre.0 + 90.0, centre.1), 60.0);
        let (c1, _) = patch_centroid(&warper.render(1.0), c0, 80.0);
        assert!(
            (c1.1 > c0.1 + 20.0) == down && (c1.1 - c0.1).abs() > 20.0,
            "{kind:?}: {c0:?} -> {c1:?}"
        );
    }
}

#[test]
fn render_into_fixes_the_output_size_and_matches_render() {
    let warper = Warper::new(
        textured(W, H, (50.0, 50.0)),
        &Motion {
            paths: vec![sweep()],
            ..Default::default()
        },
    );
    let mut out = RgbImage::new(3, 3);
    warper.render_into(0.6, &mut out);
    assert_eq!(out.dimensions(), (W, H));
    assert_eq!(out, warper.render(0.6));
    assert_eq!((warper.width(), warper.height()), (W, H));
}

#[test]
fn degenerate_motion_does_not_panic() {
    let source = textured(16, 9, (4.0, 4.0));
    let motion = Motion {
        paths: vec![
            path_through(&[(0.5, 0.5)], 0.1),
            path_through(&[(0.1, 0.1), (0.1, 0.1)], 0.1),
            path_through(&[(0.1, 0.1), (0.9, 0.9)], 0.0),
            // Unvalidated: a huge disk, and a path from far outside the picture.
            path_through(&[(0.3, 0.3), (0.6, 0.6)], 1e6),
            path_through(&[(-3.0, 7.0), (0.5, 0.5)], 0.2),
            path_through(&[(f32::NAN, 0.5), (0.5, 0.5)], 0.2),
        ],
        statics: vec![StaticBrush {
            points: vec![],
            radius: 0.1,
        }],
        camera: camera(CameraKind::PanLeft, 1.0),
    };
    let warper = Warper::new(source, &motion);
    for t in [f32::NAN, -1.0, 0.0, 0.5, 1.0, 2.0] {
        warper.render(t);
    }
    let tiny = Warper::new(
        RgbImage::new(1, 1),
        &Motion {
            paths: vec![sweep()],
            ..Default::default()
        },
    );
    assert_eq!(tiny.render(0.5).dimensions(), (1, 1));
    let empty = Warper::new(
        RgbImage::new(0, 0),
        &Motion {
            paths: vec![sweep()],
            ..Default::default()
        },
    );
    assert_eq!(empty.render(0.5).dimensions(), (0, 0));
}

/// The exact backward map at one output pixel, per the module docs, without the grids.
fn exact_source(
    warper: &Warper,
    motion: &Motion,
    static_mask: Option<&mask::StaticMask>,
    t: f32,
    x: f32,
    y: f32,
) -> (f32, f32) {
    let (w, h) = (warper.width(), warper.height());
    let cam = camera::camera_at(&motion.camera, w, h, t);
    let (qx, qy) = cam.apply(x, y);
    let (dx, dy) = warper.exact_displacement(t, qx, qy);
    let keep = match static_mask {
        Some(m) => (255 - m.at(qx, qy) as u32) as f32 / 255.0,
        None => 1.0,
    };
    (qx - dx * keep, qy - dy * keep)
}

#[test]
fn the_coarse_field_stays_close_to_the_exact_one() {
    let brush = StaticBrush {
        points: vec![Point::new(0.5, 0.75)],
        radius: 0.05,
    };
    let zoom = camera(CameraKind::ZoomIn, 0.2);
    let one = Motion {
        paths: vec![sweep()],
        statics: vec![brush.clone()],
        camera: zoom.clone(),
    };
    let two = Motion {
        paths: vec![sweep(), path_through(&[(0.4, 0.3), (0.6, 0.6)], 0.1)],
        statics: vec![brush],
        camera: zoom,
    };
    // The masks are interpolated from a 2 px grid, the deformation from an 8 px one: close
    // almost everywhere, off by a pixel or two where the deformation bends hardest (at its
    // handles next to the static brush). Two overlapping paths: where their masks' weights
    // sum past 1 the blend has a kink, and where one's handles sit in the other's mask the
    // deformation turns sharply; the grids round those off by a few pixels along a line.
    for (motion, worst_allowed, mean_allowed) in [(one, 2.0, 0.05), (two, 6.0, 0.1)] {
        let warper = Warper::new(textured(W, H, (0.0, 0.0)), &motion);
        let static_mask = mask::static_mask(&motion.statics, W, H);
        for t in [0.3, 1.0] {
            let map = warper.source_map(t);
            let (mut worst, mut total) = (0.0f32, 0.0f64);
            for (i, &(sx, sy)) in map.iter().enumerate() {
                let (x, y) = ((i % W as usize) as f32, (i / W as usize) as f32);
                let e = exact_source(&warper, &motion, static_mask.as_ref(), t, x, y);
                let err = (sx - e.0).hypot(sy - e.1);
                worst = worst.max(err);
                total += err as f64;
            }
            let mean = total / map.len() as f64;
            let paths = motion.paths.len();
            println!("{paths} paths, t = {t}: worst {worst} px, mean {mean} px");
            assert!(
                mean < mean_allowed && worst < worst_allowed,
                "{paths} paths, t = {t}: worst {worst} px, mean {mean} px"
            );
        }
    }
}

#[test]
fn rendered_pixels_sample_the_source_map() {
    let source = textured(W, H, (200.0, 150.0));
    let motion = Motion {
        paths: vec![sweep(), path_through(&[(0.4, 0.3), (0.6, 0.6)], 0.1)],
        statics: vec![StaticBrush {
            points: vec![Point::new(0.5, 0.75)],
            radius: 0.05,
        }],
        camera: camera(CameraKind::RollRight, 0.2),
    };
    let warper = Warper::new(source.clone(), &motion);
    let packed = sample::PackedSource::new(&source);
    let plate = warper.plate.as_ref().unwrap();
    let plate_at = |x: f32, y: f32| plate.sample(&packed, x, y);
    for t in [0.0, 0.3, 0.6] {
        let frame = warper.render(t);
        let map = warper.sample_map(t);
        // Some of it from the plate, some blended (the disks' edges), most from the source.
        let count = |f: fn(u32) -> bool| map.iter().filter(|m| f(m.2)).count();
        let (plated, blended) = (count(|a| a == 256), count(|a| a > 0 && a < 256));
        if t > 0.5 {
            assert!(plated > 100 && blended > 10, "t = {t}: {plated} {blended}");
        } else if t > 0.0 {
            // Part way, part of the move is still a deformation: the fill shows only partly.
            assert!(plated == 0 && blended > 100, "t = {t}: {plated} {blended}");
        } else {
            assert_eq!(plated + blended, 0);
        }
        for (i, &(sx, sy, a)) in map.iter().enumerate() {
            let mut want = [0u8; 3];
            let v = sample::lerp(packed.sample(sx, sy), plate_at(sx, sy), a as u64);
            sample::store(&mut want, v);
            let got = frame.get_pixel(i as u32 % W, i as u32 / W).0;
            // The renderer rounds positions to 1/256 px the same way, up to one level.
            assert!(
                got.iter().zip(want).all(|(&a, b)| a.abs_diff(b) <= 1),
                "pixel {i}: {got:?} vs {want:?}"
            );
        }
    }
}

/// A smooth background (R well below G everywhere) with a red disk of radius 12 around
/// `red` and a green one around `green`.
fn red_on_gradient(red: (f32, f32), green: (f32, f32)) -> RgbImage {
    RgbImage::from_fn(W, H, |x, y| {
        let d = |c: (f32, f32)| (x as f32 - c.0).hypot(y as f32 - c.1);
        if d(red) <= 12.0 {
            Rgb([230, 30, 30])
        } else if d(green) <= 12.0 {
            Rgb([30, 220, 60])
        } else {
            Rgb([40 + (x / 8) as u8, 100 + (y / 4) as u8, 160])
        }
    })
}

fn is_red(p: &Rgb<u8>) -> bool {
    p[0] as i32 - p[1] as i32 > 60
}

#[test]
fn the_moved_content_shows_only_where_it_is_now() {
    let path = path_through(&[(0.2, 0.5), (0.8, 0.5)], 0.05);
    let (start, still) = (px(path.points[0]), (0.5 * W as f32, 0.2 * H as f32));
    let source = red_on_gradient(start, still);
    let motion = Motion {
        // A path that never leaves its start: its content stays, nothing is filled in there.
        paths: vec![path.clone(), path_through(&[(0.5, 0.2), (0.5, 0.2)], 0.05)],
        ..Default::default()
    };
    let warper = Warper::new(source.clone(), &motion);
    let red0 = source.pixels().filter(|p| is_red(p)).count();
    for t in [0.02, 0.1, 0.25, 0.5, 0.75, 1.0] {
        let frame = warper.render(t);
        let now = px(path_position(&path.points, t));
        let (mut near, mut stray) = (0, 0);
        for (x, y, _) in frame.enumerate_pixels().filter(|(_, _, p)| is_red(p)) {
            if (x as f32 - now.0).hypot(y as f32 - now.1) <= 13.5 {
                near += 1;
            } else {
                stray += 1;
            }
        }
        // No ghost at the start, no streak in the feather: all of it, and only there.
        assert_eq!(stray, 0, "t = {t}: {stray} red pixels away from the patch");
        assert!(
            (near as f32 / red0 as f32 - 1.0).abs() < 0.03,
            "t = {t}: {near} of {red0}"
        );
        for (x, y, p) in frame.enumerate_pixels() {
            if (x as f32 - still.0).hypot(y as f32 - still.1) < 30.0 {
                assert_eq!(
                    p,
                    source.get_pixel(x, y),
                    "t = {t}: ({x}, {y}) near the still path"
                );
            }
        }
    }
}

#[test]
fn the_vacated_area_is_filled_smoothly_from_its_surroundings() {
    let path = path_through(&[(0.2, 0.5), (0.8, 0.5)], 0.05);
    let start = px(path.points[0]);
    let source = red_on_gradient(start, (-100.0, -100.0));
    let motion = Motion {
        paths: vec![path.clone()],
        ..Default::default()
    };
    let warper = Warper::new(source.clone(), &motion);
    let radius = path.radius * W as f32;
    let frame = warper.render(1.0);
    let (mut worst_step, mut worst_off) = (0u8, 0u8);
    for y in 0..H {
        for x in 0..W - 1 {
            let r = (x as f32 - start.0).hypot(y as f32 - start.1);
            if r > 2.5 * radius {
                continue;
            }
            let (p, q) = (frame.get_pixel(x, y), frame.get_pixel(x + 1, y));
            let below = frame.get_pixel(x, (y + 1).min(H - 1));
            assert!(!is_red(p), "({x}, {y}) is red: {p:?}");
            for c in 0..3 {
                worst_step = worst_step
                    .max(p[c].abs_diff(q[c]))
                    .max(p[c].abs_diff(below[c]));
            }
            if r >= plate::plate_reach(radius) + 1.0 {
                // Beyond the filled area: the source itself.
                assert_eq!(p, source.get_pixel(x, y), "({x}, {y})");
            } else {
                // Inside: close to the gradient it replaces (the fill follows linear ramps).
                let want = [40.0 + (x / 8) as f32, 100.0 + (y / 4) as f32, 160.0];
                for c in 0..3 {
                    worst_off = worst_off.max((p[c] as f32 - want[c]).abs() as u8);
                }
            }
        }
    }
    // The background's own steps are 1 level; the fill adds no edges (the stopgap's radial
    // projection jumped across the whole ring at the start point).
    assert!(worst_step <= 2, "neighbours differ by {worst_step} levels");
    assert!(worst_off <= 3, "fill {worst_off} levels off the gradient");
}

#[test]
fn static_brushes_keep_their_pixels_even_on_a_start_area() {
    let path = path_through(&[(0.2, 0.5), (0.8, 0.5)], 0.05);
    let start = px(path.points[0]);
    let source = red_on_gradient(start, (-100.0, -100.0));
    // Over the lower half of the red disk and its start area, and across the path further on.
    let brush = StaticBrush {
        points: vec![Point::new(0.2, 0.54), Point::new(0.5, 0.54)],
        radius: 0.02,
    };
    let motion = Motion {
        paths: vec![path],
        statics: vec![brush],
        ..Default::default()
    };
    let warper = Warper::new(source.clone(), &motion);
    let mask = warper.mask.clone().unwrap();
    let held: Vec<(u32, u32)> = (0..H)
        .flat_map(|y| (0..W).map(move |x| (x, y)))
        .filter(|&(x, y)| mask.at(x as f32, y as f32) == 255)
        .collect();
    assert!(held.len() > 1000);
    let mut red_held = 0;
    for t in [0.0, 0.05, 0.3, 0.6, 1.0] {
        let frame = warper.render(t);
        for &(x, y) in &held {
            assert_eq!(
                frame.get_pixel(x, y),
                source.get_pixel(x, y),
                "t = {t}: ({x}, {y})"
            );
            red_held += (t == 1.0 && is_red(frame.get_pixel(x, y))) as u32;
        }
    }
    // The part of the disk under the brush stayed, as painted.
    assert!(red_held > 20, "{red_held}");
}

#[test]
fn content_that_comes_home_shows_the_source_again() {
    // There and back: the start area's fill fades out as the content returns.
    let path = path_through(&[(0.2, 0.5), (0.5, 0.3), (0.2, 0.5)], 0.05);
    let source = red_on_gradient(px(path.points[0]), (-100.0, -100.0));
    let motion = Motion {
        paths: vec![path],
        ..Default::default()
    };
    let warper = Warper::new(source.clone(), &motion);
    assert_eq!(warper.render(1.0), source);
    assert_eq!(warper.render(0.0), source);
    assert_ne!(warper.render(0.5), source);
    // The fill fades out as it comes back, rather than popping off at the last frame.
    let most = |t: f32| warper.sample_map(t).iter().map(|m| m.2).max().unwrap();
    assert_eq!(most(0.5), 256);
    assert!(
        most(0.99) < 256 && most(0.998) < 16,
        "{} {}",
        most(0.99),
        most(0.998)
    );
}

#[test]
fn a_small_move_bends_the_picture_without_tear_or_fold() {
    // A move of 0.6 radii: all of it elastic. A static brush to the right, well clear of it.
    let path = path_through(&[(0.4, 0.5), (0.46, 0.5)], 0.1);
    let brush = StaticBrush {
        points: vec![Point::new(0.85, 0.5)],
        radius: 0.04,
    };
    let motion = Motion {
        paths: vec![path.clone()],
        statics: vec![brush.clone()],
        ..Default::default()
    };
    let warper = Warper::new(textured(W, H, (0.0, 0.0)), &motion);
    let travelled = 0.06 * W as f32;
    let radius = path.radius * W as f32;
    assert_eq!(field::elastic_share(travelled, radius), 1.0);
    for t in [0.5, 1.0] {
        let map = warper.source_map(t);
        let d = |x: u32, y: u32| {
            let (sx, sy) = map[(y * W + x) as usize];
            (x as f32 - sx, y as f32 - sy)
        };
        let now = px(path_position(&path.points, t));
        let moved = t * travelled;
        // The content of the disk moved rigidly, by the whole move.
        for (x, y) in [(0.0, 0.0), (0.7, 0.0), (0.0, -0.7), (-0.5, 0.5)] {
            let (qx, qy) = (now.0 + x * radius, now.1 + y * radius);
            let (dx, dy) = d(qx.round() as u32, qy.round() as u32);
            assert!(
                (dx - moved).abs() < 0.05 && dy.abs() < 0.05,
                "t = {t}: ({qx}, {qy}) moved ({dx}, {dy}), not {moved}"
            );
        }
        // The picture around it bends along: just beyond the mask it moved a good part of
        // the way, and more behind the disk than far away.
        let edge = radius * (1.0 + field::MASK_FEATHER);
        let (near, _) = d((now.0 + edge + 4.0) as u32, now.1 as u32);
        let (far, _) = d((now.0 + edge + 40.0) as u32, now.1 as u32);
        assert!(near > 0.3 * moved && near > far, "t = {t}: {near} {far}");
        // The static brush and the far corners hold still.
        let b = px(brush.points[0]);
        for (x, y) in [
            (b.0, b.1),
            (b.0 + 15.0, b.1),
            (0.0, 0.0),
            ((W - 1) as f32, 0.0),
        ] {
            let (dx, dy) = d(x as u32, y as u32);
            assert!(
                dx.hypot(dy) < 0.05,
                "t = {t}: ({x}, {y}) moved ({dx}, {dy})"
            );
        }
        // One smooth sheet: neighbours differ by under a pixel, so the map never folds over
        // (a fold needs a slope of one) and never tears.
        let (step, most) = field_steps(&map, W as usize);
        println!("t = {t}: most {most} px, neighbours differ by at most {step} px");
        assert!((most - moved).abs() < 0.02 * moved, "t = {t}: {most}");
        assert!(step < 1.0, "t = {t}: neighbours differ by {step} px");
    }
}

#[test]
fn a_static_brush_over_a_moving_mask_wins_without_a_tear() {
    // The brush covers the right part of the disk that moves right by half a radius.
    let path = path_through(&[(0.4, 0.5), (0.45, 0.5)], 0.1);
    let brush = StaticBrush {
        points: vec![Point::new(0.48, 0.4), Point::new(0.48, 0.6)],
        radius: 0.02,
    };
    let motion = Motion {
        paths: vec![path.clone()],
        statics: vec![brush.clone()],
        ..Default::default()
    };
    let source = textured(W, H, (0.0, 0.0));
    let warper = Warper::new(source.clone(), &motion);
    let mask = warper.mask.clone().unwrap();
    let frame = warper.render(1.0);
    let map = warper.source_map(1.0);
    let mut held = 0;
    for (x, y, p) in frame.enumerate_pixels() {
        if mask.at(x as f32, y as f32) == 255 {
            held += 1;
            assert_eq!(
                p,
                source.get_pixel(x, y),
                "({x}, {y}) under the brush changed"
            );
        }
    }
    assert!(held > 500, "{held}");
    // The content a path radius from the brush still moves with the path (24 px), nearer it
    // less and less, and in between the picture gives way smoothly: no jump of anything like
    // the whole move.
    let now = px(path_position(&path.points, 1.0));
    let moved = |x: f32| x.floor() - map[(now.1 as u32 * W + x as u32) as usize].0;
    let (far, near) = (moved(now.0 - 44.0), moved(now.0 - 10.0));
    assert!(
        (far - 24.0).abs() < 1.0 && near < far && near > 0.0,
        "{far} {near}"
    );
    let (step, _) = field_steps(&map, W as usize);
    println!("static over a moving mask: neighbours differ by at most {step} px");
    assert!(step < 3.0, "a tear: neighbours differ by {step} px");
}

/// The Jacobian determinant of a backward map (`map[q]` = source point shown at `q`) at every
/// inner pixel: below 0 the picture folds over (source content shows twice, mirrored), near
/// 0 it is smeared into streaks.
fn map_determinants(map: &[(f32, f32)], w: usize, h: usize) -> Vec<(usize, usize, f32)> {
    let mut out = Vec::new();
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let at = |x: usize, y: usize| map[y * w + x];
            let (l, r, u, d) = (at(x - 1, y), at(x + 1, y), at(x, y - 1), at(x, y + 1));
            let (a, b) = (0.5 * (r.0 - l.0), 0.5 * (d.0 - u.0));
            let (c, e) = (0.5 * (r.1 - l.1), 0.5 * (d.1 - u.1));
            out.push((x, y, a * e - b * c));
        }
    }
    out
}

/// The move a creator drew in the app (the nose bridge of a 450x300 photo painted as the mask,
/// moved 0.10 of the width right and 0.04 of the height up) beside a static stroke across the
/// other eye whose edge touches the mask: the picture between the held eye and the moved
/// bridge stretches and never folds over. Before, the mask gave way over a band narrower than
/// the move: 1,285 px folded at the end of the shot (determinant down to -1.48), seen as
/// streaks in the export. Without the brush nothing folds either way.
#[test]
fn a_move_away_from_a_static_brush_stretches_without_folding() {
    let (w, h) = (450u32, 300u32);
    let stroke = |points: &[(f32, f32)]| crate::motion::MaskStroke {
        points: points.iter().map(|&(x, y)| Point::new(x, y)).collect(),
        radius: 0.08,
        erase: false,
    };
    let mut bridge = path_through(&[(0.56, 0.62), (0.66, 0.58)], 0.08);
    bridge.mask = Some(crate::motion::PathMask {
        strokes: vec![stroke(&[(0.0, 0.0)]), stroke(&[(0.0, 0.0), (0.0, -0.14)])],
    });
    let held = StaticBrush {
        points: vec![Point::new(0.36, 0.38), Point::new(0.40, 0.38)],
        radius: 0.08,
    };
    for statics in [vec![held], vec![]] {
        let brushed = !statics.is_empty();
        let motion = Motion {
            paths: vec![bridge.clone()],
            statics,
            ..Default::default()
        };
        let warper = Warper::new(RgbImage::new(w, h), &motion);
        for t in [0.5, 1.0] {
            let dets = map_determinants(&warper.source_map(t), w as usize, h as usize);
            let least = dets.iter().map(|d| d.2).fold(f32::INFINITY, f32::min);
            let folded = dets.iter().filter(|d| d.2 <= 0.0).count();
            println!(
                "static brush {brushed}, t = {t}: least determinant {least:.3}, {folded} px folded"
            );
            // Measured 0.28 with the brush, 0.41 without: stretched about 3x at most.
            assert!(least > 0.2, "brush {brushed}, t = {t}: {least}");
        }
    }
}

/// A long sweep right past a static brush (3.7 radii, all of it cut out): the disk's content
/// arrives whole. Counting the brush anywhere along the way would hold back the side of the
/// disk that passed near it and tear the disk in two.
#[test]
fn a_cut_out_move_past_a_static_brush_arrives_whole() {
    let path = path_through(&[(0.2, 0.5), (0.8, 0.5)], 0.08);
    let brush = StaticBrush {
        points: vec![Point::new(0.5, 0.68)],
        radius: 0.05,
    };
    let motion = Motion {
        paths: vec![path.clone()],
        statics: vec![brush],
        ..Default::default()
    };
    let warper = Warper::new(textured(W, H, (0.0, 0.0)), &motion);
    let map = warper.source_map(1.0);
    let travelled = 0.6 * W as f32;
    let radius = path.radius * W as f32;
    let now = px(path.points[1]);
    // Across the whole disk, the side nearest the brush included, the content moved by the
    // whole move.
    for (x, y) in [(0.0, 0.0), (0.0, 0.9), (0.6, 0.6), (-0.6, 0.6), (0.0, -0.9)] {
        let (qx, qy) = ((now.0 + x * radius).round(), (now.1 + y * radius).round());
        let (sx, sy) = map[(qy as u32 * W + qx as u32) as usize];
        let moved = (qx - sx, qy - sy);
        assert!(
            (moved.0 - travelled).abs() < 0.5 && moved.1.abs() < 0.5,
            "({qx}, {qy}) moved {moved:?}, not {travelled}"
        );
    }
}
