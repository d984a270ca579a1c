//! Command-line arguments shared by several commands: the motion of a shot (as `animate`
//! and `add-shot` take it) and the export framing.

use studio::export::{Fit, Preset};
use studio::motion::{Camera, CameraKind, Motion, MotionPath, Point, StaticBrush};

use crate::parse;

/// What moves in a shot: paths, static disks and a camera move.
#[derive(clap::Args)]
pub struct MotionArgs {
    /// A motion path "x,y x,y ...", coordinates 0..1 from the top-left; the content around
    /// the first point travels along it. Repeat for up to 8 paths.
    #[arg(long = "path", value_parser = parse::path_points)]
    pub paths: Vec<Vec<Point>>,
    /// Radius of the region each path moves, as a fraction of the image width.
    #[arg(long, default_value_t = 0.1)]
    pub radius: f32,
    /// A disk "x,y,r" that must not move. Repeatable.
    #[arg(long = "static", value_parser = parse::static_disk)]
    pub statics: Vec<StaticBrush>,
    /// Camera move over the whole shot.
    #[arg(long, default_value = "static", value_parser = camera_kind)]
    pub camera: CameraKind,
    /// Strength of the camera move, 0..1.
    #[arg(long, default_value_t = Camera::default().amount)]
    pub amount: f32,
}

impl MotionArgs {
    pub fn into_motion(self) -> Motion {
        Motion {
            paths: self
                .paths
                .into_iter()
                .map(|points| MotionPath {
                    points,
                    radius: self.radius,
                })
                .collect(),
            statics: self.statics,
            camera: Camera {
                kind: self.camera,
                amount: self.amount,
                ..Camera::default()
            },
        }
    }
}

/// How the video is framed.
#[derive(clap::Args)]
pub struct FramingArgs {
    /// Platform preset: tiktok, reels, shorts (1080x1920), youtube (1920x1080), square
    /// (1080x1080), x (720x1280). Without it the video keeps the picture's size.
    #[arg(long, value_parser = preset)]
    pub preset: Option<Preset>,
    /// How a picture of another aspect fills the preset's frame: crop, or blur (fit over a
    /// blurred fill).
    #[arg(long, value_parser = fit)]
    pub fit: Option<Fit>,
}

fn camera_kind(name: &str) -> Result<CameraKind, String> {
    CameraKind::from_name(name).ok_or_else(|| {
        let names: Vec<_> = CameraKind::ALL.iter().map(|k| k.name()).collect();
        format!("unknown camera move; use one of {}", names.join(", "))
    })
}

fn preset(name: &str) -> Result<Preset, String> {
    Preset::from_name(name).ok_or_else(|| {
        let names: Vec<_> = Preset::ALL.iter().map(|p| p.name()).collect();
        format!("unknown preset; use one of {}", names.join(", "))
    })
}

fn fit(name: &str) -> Result<Fit, String> {
    Fit::from_name(name).ok_or_else(|| "unknown fit; use crop or blur".to_string())
}
