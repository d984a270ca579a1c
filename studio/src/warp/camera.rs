//! Camera moves as an affine map from output pixels to scene (source) points.
//!
//! Conventions (the names describe what the *camera* does; the content does the opposite):
//! - `pan-left`: the camera travels left, so the content moves RIGHT on screen; `pan-right`:
//!   content moves left. The viewport's centre travels `amount * width` source pixels, centred
//!   on the picture (from `+amount/2` to `-amount/2` of the width for pan-left).
//! - `tilt-up`: the camera travels up, so the content moves DOWN on screen; `tilt-down`: content
//!   moves up. Same as pans with `amount * height`.
//! - `zoom-in`: the content gets bigger, scale `1 -> 1 + amount`; `zoom-out`: `1 + amount -> 1`.
//!   The scale is linear in progress.
//! - `roll-left`: the camera rolls counter-clockwise, so the content rotates CLOCKWISE on
//!   screen (as seen by the viewer); `roll-right`: counter-clockwise. The angle goes from 0 to
//!   `amount * 90` degrees.
//!
//! Progress is `p = easing.apply(t)`. The camera never shows anything outside the picture: the
//! view is cropped in (scaled up about the centre) by the smallest constant factor that keeps
//! the viewport inside the picture for the whole move: `1 / (1 - amount)` for pans and tilts,
//! `max(cos a + (H/W) sin a, cos a + (W/H) sin a)` over the roll angles `a` for rolls, 1 for
//! zooms and the static camera. The factor is capped at [`MAX_CROP`] (only reached for amounts
//! close to 1); whatever then falls outside is clamped to the picture's edge.
//!
//! Coordinates are pixel-index space: pixel `(x, y)` has its centre at `(x, y)`, the picture
//! covers `-0.5 ..= w - 0.5` and its centre is `((w - 1) / 2, (h - 1) / 2)`.

use crate::motion::{Camera, CameraKind};

use super::camera_keys;

/// The largest crop-in factor used to keep a camera move inside the picture.
pub const MAX_CROP: f32 = 10.0;

/// `scene = m * q + b` for an output pixel `q`. `m` is row-major: `[m00, m01, m10, m11]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CameraXform {
    pub m: [f32; 4],
    pub b: [f32; 2],
}

impl CameraXform {
    pub(crate) const IDENTITY: CameraXform = CameraXform {
        m: [1.0, 0.0, 0.0, 1.0],
        b: [0.0, 0.0],
    };

    pub(crate) fn is_identity(&self) -> bool {
        *self == Self::IDENTITY
    }

    /// The scene point shown at output pixel `(x, y)`.
    #[inline]
    pub(crate) fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        let m = &self.m;
        (
            m[0] * x + m[1] * y + self.b[0],
            m[2] * x + m[3] * y + self.b[1],
        )
    }
}

fn clean_amount(amount: f32) -> f32 {
    if amount.is_finite() {
        amount.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// The constant crop-in factor for a camera move over a `w` x `h` picture.
pub(crate) fn crop_scale(camera: &Camera, w: f32, h: f32) -> f32 {
    let a = clean_amount(camera.amount);
    let s = match camera.kind {
        CameraKind::Static | CameraKind::ZoomIn | CameraKind::ZoomOut => 1.0,
        CameraKind::PanLeft | CameraKind::PanRight | CameraKind::TiltUp | CameraKind::TiltDown => {
            if a >= 1.0 {
                MAX_CROP
            } else {
                1.0 / (1.0 - a)
            }
        }
        CameraKind::RollLeft | CameraKind::RollRight => {
            // A viewport of the picture's shape rotated by `phi` fits if
            // s >= cos(phi) + k sin(phi) for k = h/w (width) and k = w/h (height). Each bound
            // grows until phi = atan(k), so its maximum over 0..=theta is at min(theta, atan k).
            let theta = a * std::f32::consts::FRAC_PI_2;
            let bound = |k: f32| {
                let phi = theta.min(k.atan());
                phi.cos() + k * phi.sin()
            };
            bound(h / w).max(bound(w / h)).max(1.0)
        }
    };
    s.min(MAX_CROP)
}

/// The camera transform at shot time `t` for a `w` x `h` picture.
///
/// With keys, the keys alone set the framing ([`super::camera_keys`]); `kind` and `amount`
/// are then ignored.
pub(crate) fn camera_at(camera: &Camera, w: u32, h: u32, t: f32) -> CameraXform {
    if !camera.keys.is_empty() {
        return camera_keys::keyed_xform(&camera.keys, camera.easing, w, h, t);
    }
    let a = clean_amount(camera.amount);
    if camera.kind == CameraKind::Static || a == 0.0 {
        return CameraXform::IDENTITY;
    }
    let (wf, hf) = (w as f32, h as f32);
    let p = camera.easing.apply(if t.is_nan() { 0.0 } else { t });
    let crop = crop_scale(camera, wf, hf);
    let (mut tx, mut ty, mut zoom, mut phi) = (0.0f32, 0.0f32, 1.0f32, 0.0f32);
    match camera.kind {
        CameraKind::Static => {}
        // The viewport centre moves left / right / up / down through the picture's centre.
        CameraKind::PanLeft => tx = a * wf * (0.5 - p),
        CameraKind::PanRight => tx = a * wf * (p - 0.5),
        CameraKind::TiltUp => ty = a * hf * (0.5 - p),
        CameraKind::TiltDown => ty = a * hf * (p - 0.5),
        CameraKind::ZoomIn => zoom = 1.0 + a * p,
        CameraKind::ZoomOut => zoom = 1.0 + a * (1.0 - p),
        // phi: the content's rotation on screen, clockwise positive (y points down, so a
        // positive angle in the usual matrix turns +x towards +y: clockwise to the viewer).
        CameraKind::RollLeft => phi = a * std::f32::consts::FRAC_PI_2 * p,
        CameraKind::RollRight => phi = -a * std::f32::consts::FRAC_PI_2 * p,
    }
    view_xform(wf, hf, tx, ty, zoom * crop, phi)
}

/// The map of a view whose centre is `(tx, ty)` picture pixels off the picture's centre,
/// `scale` times closer than the whole picture, the content turned by `phi` radians clockwise
/// on screen. Shared by the moves and the keys ([`super::camera_keys`]) so both mean the same.
pub(crate) fn view_xform(wf: f32, hf: f32, tx: f32, ty: f32, scale: f32, phi: f32) -> CameraXform {
    // Screen from scene: q = c + scale R(phi) (scene - c - T).
    // Scene from screen: scene = c + T + R(-phi) (q - c) / scale.
    let inv = 1.0 / scale;
    let (sin, cos) = phi.sin_cos();
    let m = [cos * inv, sin * inv, -sin * inv, cos * inv];
    let (cx, cy) = ((wf - 1.0) * 0.5, (hf - 1.0) * 0.5);
    let b = [
        cx + tx - (m[0] * cx + m[1] * cy),
        cy + ty - (m[2] * cx + m[3] * cy),
    ];
    CameraXform { m, b }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::motion::Easing;

    fn cam(kind: CameraKind, amount: f32) -> Camera {
        Camera {
            kind,
            amount,
            easing: Easing::Linear,
            keys: Vec::new(),
        }
    }

    #[test]
    fn static_and_zero_amount_are_the_identity() {
        for t in [0.0, 0.3, 1.0] {
            assert!(camera_at(&cam(CameraKind::Static, 0.5), 540, 960, t).is_identity());
            for kind in CameraKind::ALL {
                assert!(
                    camera_at(&cam(kind, 0.0), 540, 960, t).is_identity(),
                    "{kind:?}"
                );
            }
        }
        // Zooms start (zoom-in) or end (zoom-out) uncropped, exactly.
        assert!(camera_at(&cam(CameraKind::ZoomIn, 0.3), 540, 960, 0.0).is_identity());
        assert!(camera_at(&cam(CameraKind::ZoomOut, 0.3), 540, 960, 1.0).is_identity());
        assert!(!camera_at(&cam(CameraKind::ZoomIn, 0.3), 540, 960, 1.0).is_identity());
    }

    #[test]
    fn the_viewport_stays_inside_the_picture() {
        let (w, h) = (300u32, 500u32);
        for kind in CameraKind::ALL {
            for amount in [0.05, 0.3, 0.6, 0.9] {
                let c = cam(kind, amount);
                for k in 0..=20 {
                    let x = camera_at(&c, w, h, k as f32 / 20.0);
                    // The outer corners of the corner pixels, not just their centres.
                    for (qx, qy) in [
                        (-0.5, -0.5),
                        (w as f32 - 0.5, -0.5),
                        (-0.5, h as f32 - 0.5),
                        (w as f32 - 0.5, h as f32 - 0.5),
                    ] {
                        let (sx, sy) = x.apply(qx, qy);
                        let eps = 1e-2;
                        assert!(
                            sx >= -0.5 - eps && sx <= w as f32 - 0.5 + eps && sy >= -0.5 - eps && sy <= h as f32 - 0.5 + eps,
                            "{kind:?} amount {amount} t {k}/20: corner ({qx}, {qy}) shows ({sx}, {sy})"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_crop_is_no_larger_than_needed() {
        // Pans and tilts touch the picture's edges at both ends of the move.
        let (w, h) = (300u32, 500u32);
        let c = cam(CameraKind::PanLeft, 0.4);
        let start = camera_at(&c, w, h, 0.0);
        let end = camera_at(&c, w, h, 1.0);
        assert!((start.apply(w as f32 - 0.5, 0.0).0 - (w as f32 - 0.5)).abs() < 1e-3);
        assert!((end.apply(-0.5, 0.0).0 + 0.5).abs() < 1e-3);
        // A 90 degree roll on a 3:5 picture needs sqrt(1 + (5/3)^2) at atan(5/3).
        let s = crop_scale(&cam(CameraKind::RollRight, 1.0), 300.0, 500.0);
        assert!(
            (s - (1.0f32 + (5.0f32 / 3.0).powi(2)).sqrt()).abs() < 1e-4,
            "{s}"
        );
    }

    #[test]
    fn directions_follow_the_conventions() {
        let (w, h) = (400u32, 400u32);
        // Where the content at the picture centre appears on screen at t = 1 relative to t = 0:
        // screen = inverse of the camera map, checked by where scene (cx, cy) is seen.
        let shown = |kind: CameraKind, t: f32, sx: f32, sy: f32| {
            let x = camera_at(&cam(kind, 0.3), w, h, t);
            // Solve m q + b = s for q.
            let det = x.m[0] * x.m[3] - x.m[1] * x.m[2];
            let (rx, ry) = (sx - x.b[0], sy - x.b[1]);
            (
                (x.m[3] * rx - x.m[1] * ry) / det,
                (x.m[0] * ry - x.m[2] * rx) / det,
            )
        };
        let moved = |kind, sx, sy| {
            let a = shown(kind, 0.0, sx, sy);
            let b = shown(kind, 1.0, sx, sy);
            (b.0 - a.0, b.1 - a.1)
        };
        assert!(moved(CameraKind::PanLeft, 200.0, 200.0).0 > 100.0);
        assert!(moved(CameraKind::PanRight, 200.0, 200.0).0 < -100.0);
        assert!(moved(CameraKind::TiltUp, 200.0, 200.0).1 > 100.0);
        assert!(moved(CameraKind::TiltDown, 200.0, 200.0).1 < -100.0);
        // Zoom-in pushes a point right of centre further right.
        assert!(moved(CameraKind::ZoomIn, 300.0, 199.5).0 > 20.0);
        assert!(moved(CameraKind::ZoomOut, 300.0, 199.5).0 < -20.0);
        // Roll-left turns the content clockwise: a point right of centre goes down (y grows).
        assert!(moved(CameraKind::RollLeft, 300.0, 199.5).1 > 20.0);
        assert!(moved(CameraKind::RollRight, 300.0, 199.5).1 < -20.0);
    }
}
