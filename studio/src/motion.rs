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

/// The most strokes a painted mask keeps (painting past it asks the creator to reset).
pub const MAX_MASK_STROKES: usize = 64;
/// The most points one stroke of a painted mask keeps.
pub const MAX_MASK_STROKE_POINTS: usize = 256;

/// One motion path: the content under its mask around the first point travels along the
/// curve through `points`, arriving at the last point on the shot's last frame. The mask is a
/// disk of `radius` unless the creator painted one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MotionPath {
    /// At least two points; the curve passes through every one of them.
    pub points: Vec<Point>,
    /// Radius of the moving disk, as a fraction of the image width. With a painted mask it
    /// sizes the mask's feathered edge (`MASK_FEATHER` times it) and the brush.
    pub radius: f32,
    /// The painted mask, when the creator painted one; left out of the file otherwise, so a
    /// path with its disk is saved (and hashed) as before masks existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub mask: Option<PathMask>,
}

impl MotionPath {
    /// A path that moves the disk of `radius` around its first point.
    pub fn disk(points: Vec<Point>, radius: f32) -> MotionPath {
        MotionPath {
            points,
            radius,
            mask: None,
        }
    }
}

/// A mask the creator painted for a path: brush strokes in painting order, each painting or
/// erasing over what the earlier ones left. Kept as strokes rather than a bitmap: a few
/// hundred bytes in project.json, exact at any render size, and moved with the path.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PathMask {
    pub strokes: Vec<MaskStroke>,
}

/// One brush stroke of a painted mask: the union of capsules of `radius` around each segment
/// of `points` (one point: a disk).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MaskStroke {
    /// Offsets from the path's first point in picture fractions (x of the width, y of the
    /// height), so the mask moves with the start point when it is dragged.
    pub points: Vec<Point>,
    /// Brush radius, as a fraction of the image width.
    pub radius: f32,
    /// Erases what earlier strokes painted instead of painting.
    #[serde(default)]
    pub erase: bool,
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

/// The most keys one camera may carry.
pub const MAX_CAMERA_KEYS: usize = 64;
/// The closest a camera key may zoom in (10 times closer than the whole picture).
pub const MAX_KEY_ZOOM: f32 = 10.0;
/// The most a camera key may roll, either way, in degrees.
pub const MAX_KEY_ROLL: f32 = 90.0;

/// The camera's framing at one shot time, set by the creator.
///
/// `x` and `y` are the centre of the view in picture fractions (0.5, 0.5 = centred), `zoom`
/// is how much closer than the whole picture the view is (1 = the whole picture, 2 = half its
/// width and height), and `roll` turns the picture on screen, in degrees, clockwise as the
/// viewer sees it. A framing that would show something outside the picture is tightened when
/// rendered: a roll zooms in just enough, and the centre slides towards the picture's centre
/// (`warp::camera_keys` says how).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CameraKey {
    /// Shot time, 0 (first frame) to 1 (last frame).
    pub t: f32,
    pub x: f32,
    pub y: f32,
    pub zoom: f32,
    pub roll: f32,
}

impl CameraKey {
    /// The whole picture, centred and level, at shot time `t`.
    pub const fn whole(t: f32) -> Self {
        Self {
            t,
            x: 0.5,
            y: 0.5,
            zoom: 1.0,
            roll: 0.0,
        }
    }
}

/// A camera move over the whole shot.
///
/// `amount` is in 0..1: for pans and tilts the fraction of the frame travelled, for zooms the
/// relative change of scale (0.2 = 20 % closer or further), for rolls a fraction of 90 degrees.
///
/// With `keys`, the keys set the framing instead of `kind` and `amount`: the camera moves from
/// key to key with `easing` in every stretch between two keys (see `warp::camera_keys`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Camera {
    pub kind: CameraKind,
    pub amount: f32,
    pub easing: Easing,
    /// Framings at chosen shot times, in time order (sorted when read). Left out of the file
    /// when there are none, so a camera without keys is saved, and hashed, as before keys.
    #[serde(
        default,
        deserialize_with = "keys_in_time_order",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[ts(as = "Option<Vec<CameraKey>>", optional)]
    pub keys: Vec<CameraKey>,
}

impl Default for Camera {
    fn default() -> Self {
        Self {
            kind: CameraKind::Static,
            amount: 0.15,
            easing: Easing::EaseInOut,
            keys: Vec::new(),
        }
    }
}

impl Camera {
    /// Whether the camera moves the view at all: keys (which place the whole frame) or a move
    /// with some amount.
    pub fn moves(&self) -> bool {
        !self.keys.is_empty() || (self.kind != CameraKind::Static && self.amount > 0.0)
    }
}

/// Reads camera keys and puts them in time order, so a hand-edited file with keys out of
/// order means what it says rather than failing.
fn keys_in_time_order<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Vec<CameraKey>, D::Error> {
    let mut keys = Vec::<CameraKey>::deserialize(de)?;
    sort_camera_keys(&mut keys);
    Ok(keys)
}

/// Puts camera keys in time order (a stable sort: keys at the same time keep their order, and
/// [`Motion::validate`] then reports them).
pub fn sort_camera_keys(keys: &mut [CameraKey]) {
    keys.sort_by(|a, b| a.t.total_cmp(&b.t));
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
    #[error("motion path {index}'s painted mask: {problem}")]
    BadMask { index: usize, problem: String },
    #[error("camera amount {0} must be between 0 and 1")]
    BadCameraAmount(f32),
    #[error("a camera can have at most {MAX_CAMERA_KEYS} keys, this one has {0}; delete some")]
    TooManyCameraKeys(usize),
    #[error("camera key {key}: {problem}")]
    BadCameraKey { key: usize, problem: String },
    #[error("camera keys {first} and {second} are both at time {t}; move or delete one of them")]
    CameraKeysAtSameTime { first: usize, second: usize, t: f32 },
    #[error("camera key {key} (time {t}) comes before key {previous} (time {previous_t}); keys must be in time order")]
    CameraKeysOutOfOrder {
        key: usize,
        t: f32,
        previous: usize,
        previous_t: f32,
    },
}

/// What is wrong with one camera key, if anything (numbers are 1-based in messages).
fn camera_key_problem(k: &CameraKey) -> Option<String> {
    let within = |v: f32, lo: f32, hi: f32| v.is_finite() && (lo..=hi).contains(&v);
    if !within(k.t, 0.0, 1.0) {
        return Some(format!(
            "time {} is outside the shot; times go from 0 (first frame) to 1 (last frame)",
            k.t
        ));
    }
    if !within(k.x, 0.0, 1.0) || !within(k.y, 0.0, 1.0) {
        return Some(format!(
            "the view's centre ({}, {}) is outside the picture; x and y go from 0 to 1 from the top-left",
            k.x, k.y
        ));
    }
    if !within(k.zoom, 1.0, MAX_KEY_ZOOM) {
        return Some(format!(
            "zoom {} must be between 1 (the whole picture) and {MAX_KEY_ZOOM}",
            k.zoom
        ));
    }
    if !within(k.roll, -MAX_KEY_ROLL, MAX_KEY_ROLL) {
        return Some(format!(
            "roll {} must be between -{MAX_KEY_ROLL} and {MAX_KEY_ROLL} degrees",
            k.roll
        ));
    }
    None
}

fn check_camera_keys(keys: &[CameraKey]) -> Result<(), MotionError> {
    if keys.len() > MAX_CAMERA_KEYS {
        return Err(MotionError::TooManyCameraKeys(keys.len()));
    }
    for (i, k) in keys.iter().enumerate() {
        if let Some(problem) = camera_key_problem(k) {
            return Err(MotionError::BadCameraKey {
                key: i + 1,
                problem,
            });
        }
    }
    for (i, pair) in keys.windows(2).enumerate() {
        let (a, b) = (pair[0], pair[1]);
        if b.t == a.t {
            return Err(MotionError::CameraKeysAtSameTime {
                first: i + 1,
                second: i + 2,
                t: a.t,
            });
        }
        if b.t < a.t {
            return Err(MotionError::CameraKeysOutOfOrder {
                key: i + 2,
                t: b.t,
                previous: i + 1,
                previous_t: a.t,
            });
        }
    }
    Ok(())
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

/// What is wrong with a painted mask, if anything (numbers are 1-based in messages).
fn mask_problem(mask: &PathMask) -> Option<String> {
    if mask.strokes.len() > MAX_MASK_STROKES {
        return Some(format!(
            "it has {} strokes, at most {MAX_MASK_STROKES} are kept; reset it to the disk and paint it again",
            mask.strokes.len()
        ));
    }
    for (i, s) in mask.strokes.iter().enumerate() {
        let n = i + 1;
        if s.points.is_empty() || s.points.len() > MAX_MASK_STROKE_POINTS {
            return Some(format!(
                "stroke {n} has {} points; a stroke has 1 to {MAX_MASK_STROKE_POINTS}",
                s.points.len()
            ));
        }
        let offset = |v: f32| v.is_finite() && (-1.0..=1.0).contains(&v);
        if let Some(p) = s.points.iter().find(|p| !(offset(p.x) && offset(p.y))) {
            return Some(format!(
                "stroke {n} has the offset ({}, {}); offsets from the path's start go from -1 to 1",
                p.x, p.y
            ));
        }
        if check_radius("mask stroke", s.radius).is_err() {
            return Some(format!(
                "stroke {n} has the radius {}; it must be greater than 0 and at most 1 (a fraction of the image width)",
                s.radius
            ));
        }
    }
    None
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
            if let Some(mask) = &path.mask {
                mask_problem(mask).map_or(Ok(()), |problem| {
                    Err(MotionError::BadMask { index, problem })
                })?;
            }
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
        check_camera_keys(&self.camera.keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(points: &[(f32, f32)]) -> MotionPath {
        MotionPath::disk(points.iter().map(|&(x, y)| Point::new(x, y)).collect(), 0.1)
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
    fn a_painted_mask_is_optional_in_the_file_and_checked() {
        // A path saved before masks reads with its disk, and one with its disk saves as before.
        let old: MotionPath = serde_json::from_str(
            r#"{"points":[{"x":0.2,"y":0.5},{"x":0.8,"y":0.5}],"radius":0.1}"#,
        )
        .unwrap();
        assert_eq!(old.mask, None);
        assert!(!serde_json::to_string(&old).unwrap().contains("mask"));
        let mut m = Motion {
            paths: vec![old],
            ..Default::default()
        };
        let stroke = |points: &[(f32, f32)], erase| MaskStroke {
            points: points.iter().map(|&(x, y)| Point::new(x, y)).collect(),
            radius: 0.04,
            erase,
        };
        m.paths[0].mask = Some(PathMask {
            strokes: vec![
                stroke(&[(-0.1, 0.0), (0.1, 0.0)], false),
                stroke(&[(0.1, 0.0)], true),
            ],
        });
        assert_eq!(m.validate(), Ok(()));
        let back: Motion = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
        let bad = |m: &Motion| m.validate().unwrap_err().to_string();
        let mut far = m.clone();
        far.paths[0].mask.as_mut().unwrap().strokes[0].points[0].x = -1.5;
        assert!(
            bad(&far).contains("stroke 1 has the offset (-1.5, 0)"),
            "{}",
            bad(&far)
        );
        let mut empty = m.clone();
        empty.paths[0].mask.as_mut().unwrap().strokes[1]
            .points
            .clear();
        assert!(
            bad(&empty).contains("stroke 2 has 0 points"),
            "{}",
            bad(&empty)
        );
        let mut many = m.clone();
        many.paths[0].mask.as_mut().unwrap().strokes = vec![stroke(&[(0.0, 0.0)], false); 65];
        assert!(
            bad(&many).contains("reset it to the disk"),
            "{}",
            bad(&many)
        );
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

    fn key(t: f32, x: f32, y: f32, zoom: f32, roll: f32) -> CameraKey {
        CameraKey {
            t,
            x,
            y,
            zoom,
            roll,
        }
    }

    #[test]
    fn camera_keys_are_checked_with_messages_that_say_what_to_do() {
        let mut m = Motion::default();
        m.camera.keys = vec![key(0.0, 0.5, 0.5, 1.0, 0.0), key(1.0, 0.3, 0.6, 2.0, -15.0)];
        assert_eq!(m.validate(), Ok(()));
        let cases = [
            (key(1.2, 0.5, 0.5, 1.0, 0.0), "time 1.2 is outside the shot"),
            (key(0.5, -0.1, 0.5, 1.0, 0.0), "x and y go from 0 to 1"),
            (key(0.5, 0.5, 0.5, 0.5, 0.0), "zoom 0.5 must be between 1"),
            (key(0.5, 0.5, 0.5, 11.0, 0.0), "zoom 11 must be between 1"),
            (
                key(0.5, 0.5, 0.5, 1.0, 95.0),
                "roll 95 must be between -90 and 90",
            ),
            (key(0.5, 0.5, f32::NAN, 1.0, 0.0), "outside the picture"),
        ];
        for (bad, says) in cases {
            m.camera.keys[1] = bad;
            let err = m.validate().unwrap_err();
            assert!(
                matches!(err, MotionError::BadCameraKey { key: 2, .. }),
                "{err:?}"
            );
            assert!(err.to_string().contains(says), "{err}");
            assert!(err.to_string().starts_with("camera key 2:"), "{err}");
        }
        m.camera.keys[1] = key(0.0, 0.5, 0.5, 2.0, 0.0);
        assert_eq!(
            m.validate().unwrap_err().to_string(),
            "camera keys 1 and 2 are both at time 0; move or delete one of them"
        );
        m.camera.keys = vec![key(0.8, 0.5, 0.5, 1.0, 0.0), key(0.2, 0.5, 0.5, 1.0, 0.0)];
        assert!(matches!(
            m.validate(),
            Err(MotionError::CameraKeysOutOfOrder { key: 2, .. })
        ));
        sort_camera_keys(&mut m.camera.keys);
        assert_eq!(m.validate(), Ok(()));
        m.camera.keys = vec![CameraKey::whole(0.5); MAX_CAMERA_KEYS + 1];
        assert_eq!(
            m.validate(),
            Err(MotionError::TooManyCameraKeys(MAX_CAMERA_KEYS + 1))
        );
    }

    #[test]
    fn cameras_without_keys_read_and_write_as_before() {
        // A camera from before keys existed reads with none, and writes back byte for byte.
        let old = r#"{"kind":"zoom-in","amount":0.3,"easing":"linear"}"#;
        let cam: Camera = serde_json::from_str(old).unwrap();
        assert!(cam.keys.is_empty());
        assert!(cam.moves());
        assert_eq!(serde_json::to_string(&cam).unwrap(), old);
        assert!(!Camera::default().moves());
        // Keys out of order in a file are put in time order when read.
        let keyed = r#"{"kind":"static","amount":0.15,"easing":"ease-in-out","keys":[
            {"t":1.0,"x":0.6,"y":0.5,"zoom":2.0,"roll":0.0},
            {"t":0.0,"x":0.4,"y":0.5,"zoom":2.0,"roll":0.0}]}"#;
        let cam: Camera = serde_json::from_str(keyed).unwrap();
        assert_eq!(cam.keys.iter().map(|k| k.t).collect::<Vec<_>>(), [0.0, 1.0]);
        assert_eq!(cam.keys[0].x, 0.4);
        assert!(cam.moves(), "keys move a static camera");
        let back: Camera = serde_json::from_str(&serde_json::to_string(&cam).unwrap()).unwrap();
        assert_eq!(back, cam);
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
