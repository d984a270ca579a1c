//! Keyed camera: the creator sets the framing ([`CameraKey`]: view centre, zoom, roll) at
//! chosen shot times and the camera travels between them.
//!
//! Between two neighbouring keys every value goes from the earlier key's to the later key's
//! with the camera's [`Easing`] applied to that stretch alone: with the default ease-in-out the
//! camera leaves each key and settles on the next one gently; with linear it moves at a steady
//! speed from key to key. Before the first key and after the last the framing holds.
//! Why not a spline through the keys (Catmull-Rom): it overshoots, so between two keys at zoom
//! 1 it would dip below 1 (showing outside the picture) and a pan would swing past the framing
//! the creator chose. Eased stretches keep every value between its two keys, so the keys bound
//! what is ever shown, and a two-key camera moves exactly like a preset move with that easing.
//! The zoom is interpolated linearly, as the preset zooms are.
//!
//! Keeping the view inside the picture, at every time, after interpolation:
//! 1. a turned view needs to be closer than the whole picture to fit: the zoom is raised to at
//!    least `max(cos r + (H/W) sin r, cos r + (W/H) sin r)` for the roll `r` (the bounding box
//!    of the turned view is what must fit, and a rectangle fits in the picture exactly when
//!    its bounding box does);
//! 2. the centre is then clamped to where that view fits: `|x - W/2|` at most `W/2` minus the
//!    view's half-extent along x, the same along y. A centre of 0.3 at zoom 1 is therefore shown
//!    at 0.5: there is no room to pan a view as large as the picture.
//!
//! Keys that are out of range (only possible for data that skipped [`Motion::validate`]) are
//! clamped to their ranges, and non-finite ones are ignored, so rendering never fails.
//!
//! [`Motion::validate`]: crate::motion::Motion::validate

use crate::motion::{CameraKey, Easing, MAX_KEY_ROLL, MAX_KEY_ZOOM};

use super::camera::{view_xform, CameraXform};

fn usable(k: &CameraKey) -> bool {
    [k.t, k.x, k.y, k.zoom, k.roll]
        .iter()
        .all(|v| v.is_finite())
}

/// The framing the keys ask for at shot time `t` (before it is made to fit the picture), with
/// `t` in its `t` field; `None` without usable keys. The keys need not be sorted.
pub fn keyed_framing(keys: &[CameraKey], easing: Easing, t: f32) -> Option<CameraKey> {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    // The latest key at or before `t` and the earliest after it, in one pass and without
    // assuming order, so unsorted keys in memory still give the same answer as sorted ones.
    let mut before: Option<&CameraKey> = None;
    let mut after: Option<&CameraKey> = None;
    for k in keys.iter().filter(|k| usable(k)) {
        if k.t <= t {
            if before.is_none_or(|b| k.t >= b.t) {
                before = Some(k);
            }
        } else if after.is_none_or(|a| k.t < a.t) {
            after = Some(k);
        }
    }
    let framing = match (before, after) {
        (Some(a), Some(b)) => {
            // b.t > t >= a.t, so the stretch has a length.
            let p = easing.apply((t - a.t) / (b.t - a.t));
            let mix = |u: f32, v: f32| u + (v - u) * p;
            CameraKey {
                t,
                x: mix(a.x, b.x),
                y: mix(a.y, b.y),
                zoom: mix(a.zoom, b.zoom),
                roll: mix(a.roll, b.roll),
            }
        }
        (Some(k), None) | (None, Some(k)) => CameraKey { t, ..*k },
        (None, None) => return None,
    };
    Some(framing)
}

/// The camera transform the keys give at shot time `t` for a `w` x `h` picture.
pub(crate) fn keyed_xform(
    keys: &[CameraKey],
    easing: Easing,
    w: u32,
    h: u32,
    t: f32,
) -> CameraXform {
    let Some(f) = keyed_framing(keys, easing, t) else {
        return CameraXform::IDENTITY;
    };
    if w == 0 || h == 0 {
        return CameraXform::IDENTITY;
    }
    let (wf, hf) = (w as f32, h as f32);
    let phi = f.roll.clamp(-MAX_KEY_ROLL, MAX_KEY_ROLL).to_radians();
    // |roll| <= 90 degrees, so cos >= 0; the extents only depend on the angle's size.
    let (sin, cos) = (phi.abs().sin(), phi.cos().max(0.0));
    let fit = (cos + hf / wf * sin).max(cos + wf / hf * sin).max(1.0);
    let scale = f.zoom.clamp(1.0, MAX_KEY_ZOOM).max(fit);
    // Half the turned view's extent along the picture's axes, in picture pixels.
    let ex = (wf * cos + hf * sin) / (2.0 * scale);
    let ey = (wf * sin + hf * cos) / (2.0 * scale);
    let (room_x, room_y) = ((wf * 0.5 - ex).max(0.0), (hf * 0.5 - ey).max(0.0));
    let tx = ((f.x.clamp(0.0, 1.0) - 0.5) * wf).clamp(-room_x, room_x);
    let ty = ((f.y.clamp(0.0, 1.0) - 0.5) * hf).clamp(-room_y, room_y);
    view_xform(wf, hf, tx, ty, scale, phi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::motion::{Camera, CameraKind};
    use crate::warp::camera::camera_at;

    fn key(t: f32, x: f32, y: f32, zoom: f32, roll: f32) -> CameraKey {
        CameraKey {
            t,
            x,
            y,
            zoom,
            roll,
        }
    }

    fn keyed(easing: Easing, keys: Vec<CameraKey>) -> Camera {
        Camera {
            // A move that must be ignored once there are keys.
            kind: CameraKind::PanLeft,
            amount: 0.6,
            easing,
            keys,
        }
    }

    /// Where the scene point `(sx, sy)` appears on screen under `x` (the inverse map).
    fn shown(x: &CameraXform, sx: f32, sy: f32) -> (f32, f32) {
        let det = x.m[0] * x.m[3] - x.m[1] * x.m[2];
        let (rx, ry) = (sx - x.b[0], sy - x.b[1]);
        (
            (x.m[3] * rx - x.m[1] * ry) / det,
            (x.m[0] * ry - x.m[2] * rx) / det,
        )
    }

    fn close(a: f32, b: f32, tol: f32) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn keys_at_the_ends_reproduce_their_framing() {
        let (w, h) = (400u32, 300u32);
        let c = keyed(
            Easing::EaseInOut,
            vec![key(0.0, 0.5, 0.5, 1.0, 0.0), key(1.0, 0.7, 0.4, 2.0, 0.0)],
        );
        // Key 0: the whole picture, exactly the identity (so the first frame is the source).
        assert!(camera_at(&c, w, h, 0.0).is_identity());
        // Key 1: zoom 2 centred at (0.7, 0.4): the output's centre shows that scene point and
        // the output's width spans half the picture.
        let end = camera_at(&c, w, h, 1.0);
        let (cx, cy) = end.apply(199.5, 149.5);
        assert!(close(cx, 0.7 * 400.0 - 0.5, 1e-3), "{cx}");
        assert!(close(cy, 0.4 * 300.0 - 0.5, 1e-3), "{cy}");
        let (l, _) = end.apply(-0.5, 149.5);
        let (r, _) = end.apply(399.5, 149.5);
        assert!(close(r - l, 200.0, 1e-3), "{}", r - l);
    }

    #[test]
    fn halfway_follows_the_easing() {
        let keys = vec![key(0.2, 0.4, 0.5, 2.0, 0.0), key(0.6, 0.6, 0.5, 3.0, 10.0)];
        // Halfway through the stretch (t = 0.4): ease-in-out and linear both give the midpoint.
        for easing in [Easing::EaseInOut, Easing::Linear] {
            let f = keyed_framing(&keys, easing, 0.4).unwrap();
            assert!(close(f.x, 0.5, 1e-6) && close(f.zoom, 2.5, 1e-6) && close(f.roll, 5.0, 1e-5));
        }
        // A quarter of the way: linear is a quarter, ease-in-out is behind (it starts gently).
        let lin = keyed_framing(&keys, Easing::Linear, 0.3).unwrap();
        let eased = keyed_framing(&keys, Easing::EaseInOut, 0.3).unwrap();
        assert!(close(lin.x, 0.45, 1e-6), "{}", lin.x);
        assert!(eased.x > 0.4 && eased.x < lin.x - 0.01, "{}", eased.x);
        // Outside the keys the framing holds.
        assert_eq!(keyed_framing(&keys, Easing::Linear, 0.0).unwrap().x, 0.4);
        assert_eq!(keyed_framing(&keys, Easing::Linear, 1.0).unwrap().zoom, 3.0);
        // Three keys: the middle one is reached exactly and the stretch after it is its own.
        let three = vec![keys[0], keys[1], key(1.0, 0.5, 0.2, 1.0, -20.0)];
        let mid = keyed_framing(&three, Easing::EaseInOut, 0.6).unwrap();
        assert_eq!((mid.x, mid.zoom, mid.roll), (0.6, 3.0, 10.0));
        let late = keyed_framing(&three, Easing::Linear, 0.8).unwrap();
        assert!(close(late.y, 0.35, 1e-6) && close(late.roll, -5.0, 1e-5));
    }

    #[test]
    fn unsorted_keys_give_the_same_framing() {
        let sorted = vec![
            key(0.0, 0.3, 0.5, 2.0, 0.0),
            key(0.5, 0.7, 0.4, 2.5, 5.0),
            key(1.0, 0.5, 0.6, 1.5, 0.0),
        ];
        let shuffled = vec![sorted[2], sorted[0], sorted[1]];
        for i in 0..=10 {
            let t = i as f32 / 10.0;
            assert_eq!(
                keyed_framing(&sorted, Easing::EaseIn, t),
                keyed_framing(&shuffled, Easing::EaseIn, t)
            );
        }
    }

    #[test]
    fn a_pan_key_moves_the_content_by_what_the_keys_say() {
        // Zoom 2 leaves room to pan a quarter of the width either way. Moving the centre from
        // 0.35 to 0.65 moves the content 0.3 * W scene pixels = 0.6 * W screen pixels left.
        let (w, h) = (500u32, 500u32);
        let c = keyed(
            Easing::Linear,
            vec![key(0.0, 0.35, 0.5, 2.0, 0.0), key(1.0, 0.65, 0.5, 2.0, 0.0)],
        );
        let a = shown(&camera_at(&c, w, h, 0.0), 249.5, 249.5);
        let b = shown(&camera_at(&c, w, h, 1.0), 249.5, 249.5);
        assert!(close(b.0 - a.0, -0.6 * 500.0, 1e-2), "{a:?} -> {b:?}");
        assert!(close(b.1, a.1, 1e-3));
        // Positive roll turns the content clockwise: a point right of centre goes down.
        let roll = keyed(Easing::Linear, vec![key(0.0, 0.5, 0.5, 1.0, 30.0)]);
        let p = shown(&camera_at(&roll, w, h, 0.5), 349.5, 249.5);
        assert!(p.1 > 249.5 + 20.0, "{p:?}");
    }

    #[test]
    fn the_view_stays_inside_the_picture_for_extreme_keys() {
        let extremes = [
            vec![
                key(0.0, 0.0, 0.0, 1.0, 90.0),
                key(1.0, 1.0, 1.0, 1.0, -90.0),
            ],
            vec![key(0.0, 1.0, 0.0, 10.0, 45.0), key(1.0, 0.0, 1.0, 1.0, 0.0)],
            vec![key(0.3, 0.0, 0.5, 1.0, 0.0), key(0.7, 1.0, 0.5, 1.3, 60.0)],
            vec![key(0.5, 0.02, 0.98, 1.01, -89.0)],
        ];
        for (w, h) in [(300u32, 500u32), (640, 360), (1000, 50), (1, 1)] {
            for keys in &extremes {
                for easing in [Easing::Linear, Easing::EaseInOut] {
                    let c = keyed(easing, keys.clone());
                    for k in 0..=40 {
                        let x = camera_at(&c, w, h, k as f32 / 40.0);
                        let (wf, hf) = (w as f32, h as f32);
                        let eps = 1e-2 * wf.max(hf) / 500.0 + 1e-3;
                        for (qx, qy) in [
                            (-0.5, -0.5),
                            (wf - 0.5, -0.5),
                            (-0.5, hf - 0.5),
                            (wf - 0.5, hf - 0.5),
                        ] {
                            let (sx, sy) = x.apply(qx, qy);
                            assert!(
                                sx >= -0.5 - eps
                                    && sx <= wf - 0.5 + eps
                                    && sy >= -0.5 - eps
                                    && sy <= hf - 0.5 + eps,
                                "{w}x{h} {keys:?} t {k}/40: corner ({qx}, {qy}) shows ({sx}, {sy})"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_view_that_cannot_pan_is_held_at_the_centre() {
        // Zoom 1 leaves no room: a centre of 0.2 shows the whole picture.
        let c = keyed(Easing::Linear, vec![key(0.0, 0.2, 0.9, 1.0, 0.0)]);
        assert!(camera_at(&c, 320, 240, 0.5).is_identity());
    }

    #[test]
    fn without_keys_the_move_is_unchanged_bit_for_bit() {
        // The preset move's own formula, recomputed here, against camera_at.
        let (w, h) = (360u32, 640u32);
        for kind in CameraKind::ALL {
            let c = Camera {
                kind,
                amount: 0.35,
                easing: Easing::EaseInOut,
                keys: Vec::new(),
            };
            let with_key = Camera {
                keys: vec![CameraKey::whole(0.0)],
                ..c.clone()
            };
            for i in 0..=8 {
                let t = i as f32 / 8.0;
                let x = camera_at(&c, w, h, t);
                let reference = reference_move(&c, w, h, t);
                assert_eq!(
                    x.m.map(f32::to_bits),
                    reference.m.map(f32::to_bits),
                    "{kind:?} {t}"
                );
                assert_eq!(
                    x.b.map(f32::to_bits),
                    reference.b.map(f32::to_bits),
                    "{kind:?} {t}"
                );
                // A single whole-picture key overrides the move entirely.
                assert!(camera_at(&with_key, w, h, t).is_identity());
            }
        }
    }

    /// The preset moves as they were computed before keys existed.
    fn reference_move(camera: &Camera, w: u32, h: u32, t: f32) -> CameraXform {
        let a = camera.amount;
        if camera.kind == CameraKind::Static || a == 0.0 {
            return CameraXform::IDENTITY;
        }
        let (wf, hf) = (w as f32, h as f32);
        let p = camera.easing.apply(t);
        let crop = super::super::camera::crop_scale(camera, wf, hf);
        let (mut tx, mut ty, mut zoom, mut phi) = (0.0f32, 0.0f32, 1.0f32, 0.0f32);
        let quarter = std::f32::consts::FRAC_PI_2;
        match camera.kind {
            CameraKind::Static => {}
            CameraKind::PanLeft => tx = a * wf * (0.5 - p),
            CameraKind::PanRight => tx = a * wf * (p - 0.5),
            CameraKind::TiltUp => ty = a * hf * (0.5 - p),
            CameraKind::TiltDown => ty = a * hf * (p - 0.5),
            CameraKind::ZoomIn => zoom = 1.0 + a * p,
            CameraKind::ZoomOut => zoom = 1.0 + a * (1.0 - p),
            CameraKind::RollLeft => phi = a * quarter * p,
            CameraKind::RollRight => phi = -a * quarter * p,
        }
        let inv = 1.0 / (zoom * crop);
        let (sin, cos) = phi.sin_cos();
        let m = [cos * inv, sin * inv, -sin * inv, cos * inv];
        let (cx, cy) = ((wf - 1.0) * 0.5, (hf - 1.0) * 0.5);
        let b = [
            cx + tx - (m[0] * cx + m[1] * cy),
            cy + ty - (m[2] * cx + m[3] * cy),
        ];
        CameraXform { m, b }
    }

    #[test]
    fn the_warper_follows_keys_and_steers_the_whole_frame() {
        use crate::motion::Motion;
        use crate::warp::Warper;
        use image::{Rgb, RgbImage};
        // A horizontal ramp: a pixel's red value says which source column it shows.
        let (w, h) = (256u32, 64u32);
        let source = RgbImage::from_fn(w, h, |x, _| Rgb([x as u8, 0, 0]));
        let mut motion = Motion::default();
        // A static kind: only the keys move the camera.
        motion.camera.keys = vec![key(0.0, 0.5, 0.5, 1.0, 0.0), key(1.0, 0.75, 0.5, 2.0, 0.0)];
        motion.camera.easing = Easing::Linear;
        let warper = Warper::new(source.clone(), &motion);
        // The first key is the whole picture: the source, bit for bit.
        assert_eq!(warper.render(0.0), source);
        // The last: zoom 2 centred at 0.75 shows source columns 128..256 across the frame.
        let end = warper.render(1.0);
        let red = |x: u32| end.get_pixel(x, 32)[0] as f32;
        assert!((red(0) - 127.75).abs() <= 1.0, "{}", red(0));
        assert!((red(255) - 255.0).abs() <= 1.0, "{}", red(255));
        // Keys place the whole frame, so Time-to-Move steers all of it.
        assert!(warper.steered_mask(0.5).iter().all(|&v| v == 255));
        assert!(motion.camera.moves());
    }

    #[test]
    fn unusable_keys_are_ignored() {
        let keys = vec![key(f32::NAN, 0.9, 0.9, 5.0, 0.0)];
        assert!(keyed_framing(&keys, Easing::Linear, 0.5).is_none());
        let c = keyed(Easing::Linear, keys);
        assert!(camera_at(&c, 100, 100, 0.5).is_identity());
    }
}
