//! Command-line arguments shared by several commands: the motion of a shot (as `animate`
//! and `add-shot` take it) and the export framing.

use studio::export::{Fit, Preset};
use studio::motion::{
    sort_camera_keys, Camera, CameraKey, CameraKind, Motion, MotionPath, Point, StaticBrush,
};
use studio::project::{Engine, Generation};

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
    /// A camera key "t,x,y,zoom,roll": at shot time t (0..1) the view is centred on x,y
    /// (0..1 of the picture), zoom times closer (1 = the whole picture, up to 10) and turned
    /// roll degrees clockwise (-90..90). Repeatable; keys replace --camera and --amount, and
    /// the camera eases from key to key.
    #[arg(long = "camera-key", value_parser = parse::camera_key)]
    pub camera_keys: Vec<CameraKey>,
}

impl MotionArgs {
    pub fn into_motion(self) -> Motion {
        Motion {
            paths: self
                .paths
                .into_iter()
                .map(|points| MotionPath::disk(points, self.radius))
                .collect(),
            statics: self.statics,
            camera: Camera {
                kind: self.camera,
                amount: self.amount,
                keys: {
                    // Given in any order on the command line; the render wants time order.
                    let mut keys = self.camera_keys;
                    sort_camera_keys(&mut keys);
                    keys
                },
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

/// How a video model generates a shot (`motionboard generate` runs it).
#[derive(clap::Args)]
pub struct GenerationArgs {
    /// What makes the shot's frames: warp (instant, no model), wan-text-to-video or
    /// wan-image-to-video.
    #[arg(long, default_value = "warp", value_parser = engine)]
    pub engine: Engine,
    /// The model package (an id from `motionboard models list`, a folder name in the models
    /// folder, or a path); the first installed one that runs the engine by default.
    #[arg(long, default_value = "")]
    pub model: String,
    /// Denoising steps.
    #[arg(long, default_value_t = Generation::default().steps)]
    pub steps: u32,
    /// Classifier-free guidance scale (the package's recommended one by default: Wan2.1
    /// 1.3B 6, Wan2.2 TI2V 5).
    #[arg(long)]
    pub guidance: Option<f32>,
    /// The sampler's timestep shift (the package's recommended one by default: Wan2.1 1.3B
    /// 8, Wan2.2 TI2V 5).
    #[arg(long)]
    pub shift: Option<f32>,
    /// Step from which the whole frame denoises from the noised warp (Time-to-Move's t_weak).
    #[arg(long, default_value_t = Generation::default().t_weak)]
    pub t_weak: u32,
    /// Inside moved and held regions the latent follows the warp until this step (t_strong).
    #[arg(long, default_value_t = Generation::default().t_strong)]
    pub t_strong: u32,
    /// Generated size "WIDTHxHEIGHT" (the model's own size for the picture's aspect by
    /// default).
    #[arg(long = "gen-size", id = "gen_size", value_name = "WIDTHxHEIGHT", value_parser = parse::size)]
    pub size: Option<(u32, u32)>,
    /// Generated frames, 4k + 1 (the shot's duration at the package's frame rate, at most its
    /// longest run: Wan2.1 16 fps and 81 frames, Wan2.2 TI2V 24 fps and 121, by default).
    #[arg(long)]
    pub frames: Option<u32>,
}

impl GenerationArgs {
    /// The settings, or `None` for the warp engine with every default (nothing to record).
    pub fn into_generation(self) -> Option<Generation> {
        let g = Generation {
            engine: self.engine,
            model: self.model,
            steps: self.steps,
            guidance: self.guidance,
            shift: self.shift,
            t_weak: self.t_weak,
            t_strong: self.t_strong,
            size: self.size,
            frames: self.frames,
        };
        (g != Generation::default()).then_some(g)
    }
}

fn engine(name: &str) -> Result<Engine, String> {
    Engine::from_name(name).ok_or_else(|| {
        let names: Vec<_> = Engine::ALL.iter().map(|e| e.name()).collect();
        format!("unknown engine; use one of {}", names.join(", "))
    })
}
