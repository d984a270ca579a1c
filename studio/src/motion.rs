//! What a creator draws on a shot: motion paths, static brushes and a camera move.
//!
//! Every coordinate is normalised to the source image: x and y in 0..1 with the origin at the
//! top-left; radii are fractions of the image *width*, so a disk stays round on any aspect.

use serde::{Deserialize, Serialize};
use thiserror::Error;
use ts_rs::TS;

/// The most motion paths one shot may carry.
pub const MAX_PATHS: usize = 8;

/// A point in image-normalised coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub const fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }
}

/// One motion path: the content inside a disk of `radius` around the first point travels
/// along the curve through `points`, arriving at the last point on the shot's last frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MotionPath {
    /// At least two points; the curve passes through every one of them.
    pub points: Vec<Point>,
    /// Radius of the moving region, as a fraction of the image width.
    pub radius: f32,
}

/// A region painted as "must not move": the union of capsules of `radius` around each
/// segment of `points` (a single point is a disk).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StaticBrush {
    pub points: Vec<Point>,
    pub radius: f32,
}

/// The kinds of camera move a shot can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum CameraKind {
    #[default]
    Static,
    PanLeft,
    PanRight,
    TiltUp,
    TiltDown,
    ZoomIn,
    ZoomOut,
    RollLeft,
    RollRight,
}

impl CameraKind {
    pub const ALL: [CameraKind; 9] = [
        CameraKind::Static,
        CameraKind::PanLeft,
        CameraKind::PanRight,
        CameraKind::TiltUp,
        CameraKind::TiltDown,
        CameraKind::ZoomIn,
        CameraKind::ZoomOut,
        CameraKind::RollLeft,
        CameraKind::RollRight,
    ];

    /// The name used on the command line and in project.json.
    pub fn name(self) -> &'static str {
        match self {
            CameraKind::Static => "static",
            CameraKind::PanLeft => "pan-left",
            CameraKind::PanRight => "pan-right",
            CameraKind::TiltUp => "tilt-up",
            CameraKind::TiltDown => "tilt-down",
            CameraKind::ZoomIn => "zoom-in",
            CameraKind::ZoomOut => "zoom-out",
            CameraKind::RollLeft => "roll-left",
            CameraKind::RollRight => "roll-right",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// How a camera move accelerates over the shot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum Easing {
    Linear,
    EaseIn,
    EaseOut,
    #[default]
    EaseInOut,
}

impl Easing {
    /// Maps shot time 0..1 to move progress 0..1.
    pub fn apply(self, t: f32) -> f32 {
        let t = t.clamp(0.0, 1.0);
        match self {
            Easing::Linear => t,
            Easing::EaseIn => t * t,
            Easing::EaseOut => 1.0 - (1.0 - t) * (1.0 - t),
            Easing::EaseInOut => t * t * (3.0 - 2.0 * t),
        }
    }
}

/// A camera move over the whole shot.
///
/// `amount` is in 0..1: for pans and tilts the fraction of the frame travelled, for zooms the
/// relative change of scale (0.2 = 20 % closer or further), for rolls a fraction of 90 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Camera {
    pub kind: CameraKind,
    pub amount: f32,
    pub easing: Easing,
}

impl Default for Camera {
    fn default() -> Self {
        Self {
            kind: CameraKind::Static,
            amount: 0.15,
            easing: Easing::EaseInOut,
        }
    }
}

/// Everything that moves (or must not move) in one shot.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Motion {
    pub paths: Vec<MotionPath>,
    #[serde(default)]
    pub statics: Vec<StaticBrush>,
    #[serde(default)]
    pub camera: Camera,
}

/// Why a motion description cannot be used.
#[derive(Debug, Error, PartialEq)]
pub enum MotionError {
    #[error("a shot can have at most {MAX_PATHS} motion paths, this one has {0}")]
    TooManyPaths(usize),
    #[error("motion path {index} needs at least two points, it has {count}")]
    PathTooShort { index: usize, count: usize },
    #[error("{what} point ({x}, {y}) is outside the image: coordinates go from 0 to 1")]
    PointOutOfRange { what: &'static str, x: f32, y: f32 },
    #[error("{what} radius {radius} must be greater than 0 and at most 1 (a fraction of the image width)")]
    BadRadius { what: &'static str, radius: f32 },
    #[error("camera amount {0} must be between 0 and 1")]
    BadCameraAmount(f32),
}

fn check_point(what: &'static str, p: Point) -> Result<(), MotionError> {
    let inside = |v: f32| v.is_finite() && (0.0..=1.0).contains(&v);
    if inside(p.x) && inside(p.y) {
        Ok(())
    } else {
        Err(MotionError::PointOutOfRange {
            what,
            x: p.x,
            y: p.y,
        })
    }
}

fn check_radius(what: &'static str, radius: f32) -> Result<(), MotionError> {
    if radius.is_finite() && radius > 0.0 && radius <= 1.0 {
        Ok(())
    } else {
        Err(MotionError::BadRadius { what, radius })
    }
}

impl Motion {
    /// Checks everything a file or a command line could get wrong.
    pub fn validate(&self) -> Result<(), MotionError> {
        if self.paths.len() > MAX_PATHS {
            return Err(MotionError::TooManyPaths(self.paths.len()));
        }
        for (index, path) in self.paths.iter().enumerate() {
            if path.points.len() < 2 {
                return Err(MotionError::PathTooShort {
                    index,
                    count: path.points.len(),
                });
            }
            for &p in &path.points {
                check_point("motion path", p)?;
            }
            check_radius("motion path", path.radius)?;
        }
        for brush in &self.statics {
            for &p in &brush.points {
                check_point("static brush", p)?;
            }
            check_radius("static brush", brush.radius)?;
        }
        let amount = self.camera.amount;
        if !(amount.is_finite() && (0.0..=1.0).contains(&amount)) {
            return Err(MotionError::BadCameraAmount(amount));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(points: &[(f32, f32)]) -> MotionPath {
        MotionPath {
            points: points.iter().map(|&(x, y)| Point::new(x, y)).collect(),
            radius: 0.1,
        }
    }

    #[test]
    fn validate_accepts_a_plain_path_and_rejects_bad_ones() {
        let mut m = Motion {
            paths: vec![path(&[(0.2, 0.5), (0.8, 0.5)])],
            ..Default::default()
        };
        assert_eq!(m.validate(), Ok(()));
        m.paths[0].points[1].x = 1.5;
        assert!(matches!(
            m.validate(),
            Err(MotionError::PointOutOfRange { .. })
        ));
        m.paths[0] = path(&[(0.2, 0.5)]);
        assert_eq!(
            m.validate(),
            Err(MotionError::PathTooShort { index: 0, count: 1 })
        );
        m.paths = vec![path(&[(0.1, 0.1), (0.2, 0.2)]); 9];
        assert_eq!(m.validate(), Err(MotionError::TooManyPaths(9)));
    }

    #[test]
    fn easing_starts_at_zero_and_ends_at_one() {
        for e in [
            Easing::Linear,
            Easing::EaseIn,
            Easing::EaseOut,
            Easing::EaseInOut,
        ] {
            assert_eq!(e.apply(0.0), 0.0);
            assert!((e.apply(1.0) - 1.0).abs() < 1e-6);
            assert!(e.apply(0.25) < e.apply(0.75));
        }
    }

    #[test]
    fn camera_names_round_trip() {
        for k in CameraKind::ALL {
            assert_eq!(CameraKind::from_name(k.name()), Some(k));
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.name()));
        }
    }
}
