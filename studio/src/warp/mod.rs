//! The warp engine: paths + brushes + camera move -> dense motion field -> frames.
//!
//! A [`Warper`] is built once per picture and motion (cheap: it packs the source, rasterises
//! the static brushes, places the anchors that hold the picture and fills in the paths' start
//! areas on the plate) and then renders any shot time `t` in 0..=1 on the CPU.
//! Each output pixel `q` is mapped backwards:
//!
//! 1. camera: `q' = camera_inverse(q, t)`, the scene point the camera shows at `q`
//!    ([`camera`] documents the moves and their directions);
//! 2. objects: `src = q' - d(q', t) * (1 - static_mask(q'))`, the object displacement of the
//!    motion paths ([`field`]) damped to zero on static brushes ([`mask`]): each path's soft
//!    mask moves rigidly along it and the picture around bends with it as one elastic sheet
//!    (a moving-least-squares deformation held by anchors and the static brushes);
//! 3. sampling: bilinear at `src` in 8-bit fixed point, clamped to the picture's edge, from the
//!    source, and for moves too large to bend the picture that far, from the background plate
//!    outside the carried disks ([`plate`]).
//!
//! The plate is the source with every path's start area filled in from its surroundings,
//! computed once in [`Warper::new`]. It differs from the source only around the start points.
//! It only shows for the share of a move that is cut out rather than deformed (none up to
//! [`field::ELASTIC_FULL`] radii of travel, all of it from [`field::ELASTIC_NONE`]), so a
//! long move does not drag the whole picture along, and its content does not show twice.
//!
//! The displacement is evaluated on a coarse grid of output pixels ([`field::grid_spacing`]:
//! 4 px at 540x960, 8 px at 1080x1920; its deformation part on a grid four times coarser) and
//! interpolated bilinearly; the camera map and the
//! static mask are exact per pixel, and so is the choice between source and plate, which only
//! runs of pixels whose samples can reach a filled start area make. Rows run in parallel
//! (rayon), in runs of 64 pixels. When nothing moves at `t` the frame is a copy of the source,
//! and under a static camera every run of pixels without object motion and away from the
//! filled start areas is copied, so `t = 0` reproduces the source bit for bit.
//!
//! The curve and timing of a path are in [`curve`] ([`path_curve`], [`path_position`]).

pub mod camera;
pub mod camera_keys;
pub mod curve;
pub mod field;
pub mod mask;
mod painted;
pub mod plate;
mod rows;
mod sample;
mod steer;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use image::RgbImage;
use rayon::prelude::*;

use crate::motion::{Camera, Motion};

use camera::CameraXform;
use curve::ArcTable;
use field::{Control, FieldGrid, FieldInputs, MovingMask};
use painted::PaintedShape;
use plate::{Plate, PlateFrame};
use rows::{Chunk, RowContext, Scratch, CHUNK};
use sample::PackedSource;

pub use curve::{path_curve, path_position};

/// Shot time of frame `index` of `count` frames: `index / (count - 1)`, 0 for a single frame.
pub fn frame_time(index: u32, count: u32) -> f32 {
    if count <= 1 {
        0.0
    } else {
        (index.min(count - 1) as f64 / (count - 1) as f64) as f32
    }
}

/// One motion path, ready to be evaluated at any time.
#[derive(Debug, Clone)]
struct Track {
    arc: ArcTable,
    /// Start position in pixel-index coordinates.
    start: (f32, f32),
    /// The disk's radius (the mask's size, for a painted one: the radius of a disk as large).
    radius_px: f32,
    /// Width of the mask's feathered edge.
    feather_px: f32,
    /// The farthest point of the mask from the start (the disk: its radius).
    extent_px: f32,
    /// The painted mask; `None`: the disk.
    painted: Option<Arc<PaintedShape>>,
    /// Whether the path ever leaves its start (and so has a filled start area on the plate).
    travels: bool,
}

/// Samples of a path's curve used to place the anchors around it.
const CURVE_SAMPLES: usize = 65;

/// Renders the frames of one shot: a source picture moved by its motion paths, held by its
/// static brushes and filmed by its camera move.
#[derive(Debug, Clone)]
pub struct Warper {
    source: RgbImage,
    packed: PackedSource,
    /// The source with the start areas of travelling paths filled in; `None` without any.
    plate: Option<Plate>,
    tracks: Vec<Track>,
    /// Static-brush mask in scene space; `None` without brushes.
    mask: Option<mask::StaticMask>,
    /// The static brushes as shapes, for the deformation.
    shapes: Option<mask::StaticShapes>,
    /// The points the deformation holds still, for the whole shot.
    anchors: Vec<Control>,
    camera: Camera,
    step: usize,
}

/// Everything about one shot time that the rows need.
struct Frame {
    camera: CameraXform,
    /// `None` when no path has moved (the object displacement is zero everywhere).
    grid: Option<FieldGrid>,
    /// `None` when no start area's fill shows.
    plate: Option<PlateFrame>,
}

/// For each travelling path: its curve in pixels, the distance from it within which the
/// picture moves with the content (the mask and its feather), and the distance beyond that
/// over which the picture bends ([`field::ELASTIC_REACH`] times the largest elastic move).
fn track_reaches(tracks: &[Track], wf: f32, hf: f32) -> Vec<field::PathReach> {
    tracks
        .iter()
        .filter(|tr| tr.travels)
        .map(|tr| {
            let curve: Vec<(f32, f32)> = (0..CURVE_SAMPLES)
                .map(|k| {
                    let p = tr.arc.position(k as f32 / (CURVE_SAMPLES - 1) as f32);
                    (p.x * wf - 0.5, p.y * hf - 0.5)
                })
                .collect();
            let most = curve
                .iter()
                .map(|&(x, y)| {
                    let travelled = (x - tr.start.0).hypot(y - tr.start.1);
                    travelled * field::elastic_share(travelled, tr.radius_px)
                })
                .fold(0.0f32, f32::max);
            field::PathReach {
                curve,
                inner: tr.extent_px + tr.feather_px,
                bend: (field::ELASTIC_REACH * most).max(1.0),
            }
        })
        .collect()
}

impl Warper {
    /// `source` is the picture at the size the frames will have (the caller resizes beforehand).
    pub fn new(source: RgbImage, motion: &Motion) -> Warper {
        let (w, h) = source.dimensions();
        let (wf, hf) = (w as f32, h as f32);
        let to_px = |p: crate::motion::Point| (p.x * wf - 0.5, p.y * hf - 0.5);
        let tracks: Vec<Track> = motion
            .paths
            .iter()
            .filter(|p| p.points.len() >= 2 && p.radius.is_finite() && p.radius > 0.0)
            .filter_map(|p| {
                let feather_px = (field::MASK_FEATHER * p.radius * wf).max(1.0);
                // A painted mask with nothing left painted moves nothing.
                let painted = match &p.mask {
                    None => None,
                    Some(mask) => Some(Arc::new(PaintedShape::new(mask, w, h, feather_px)?)),
                };
                let (radius_px, extent_px) = painted
                    .as_ref()
                    .map_or((p.radius * wf, p.radius * wf), |s| {
                        (s.area_radius, s.extent)
                    });
                let arc = ArcTable::new(&p.points);
                Some(Track {
                    travels: arc.length() > 0.0,
                    arc,
                    start: to_px(p.points[0]),
                    radius_px,
                    feather_px,
                    extent_px,
                    painted,
                })
            })
            .collect();
        let mask = mask::static_mask(&motion.statics, w, h);
        let shapes = mask::StaticShapes::new(&motion.statics, w, h);
        let anchors = field::anchors(w, h, &track_reaches(&tracks, wf, hf), shapes.as_ref());
        let packed = PackedSource::new(&source);
        let areas: Vec<_> = tracks
            .iter()
            .filter(|tr| tr.travels)
            .map(|tr| (tr.start, tr.extent_px))
            .collect();
        // The plate only shows for moves that go past what bends (ELASTIC_FULL radii): a shot
        // without any needs none (building it costs more than a frame, and the preview
        // rebuilds the Warper on every edit, such as every mask stroke).
        let cut_out = tracks.iter().filter(|tr| tr.travels).any(|tr| {
            (0..CURVE_SAMPLES).any(|k| {
                let p = tr.arc.position(k as f32 / (CURVE_SAMPLES - 1) as f32);
                let travelled = (p.x * wf - 0.5 - tr.start.0).hypot(p.y * hf - 0.5 - tr.start.1);
                // With a margin for the curve between its samples.
                travelled >= 0.95 * field::ELASTIC_FULL * tr.radius_px
            })
        });
        let plate = (cut_out && !areas.is_empty() && w > 0 && h > 0)
            .then(|| Plate::build(&packed, &areas, mask.as_ref()));
        Warper {
            packed,
            plate,
            source,
            tracks,
            mask,
            shapes,
            anchors,
            camera: motion.camera.clone(),
            step: field::grid_spacing(w, h),
        }
    }

    pub fn width(&self) -> u32 {
        self.source.width()
    }

    pub fn height(&self) -> u32 {
        self.source.height()
    }

    /// Renders the frame at shot time `t` in 0..=1 (0 = first frame = the source unchanged when
    /// the camera is static) into `out`, which is reallocated if it is not width x height.
    pub fn render_into(&self, t: f32, out: &mut RgbImage) {
        let (w, h) = self.source.dimensions();
        if out.dimensions() != (w, h) {
            *out = RgbImage::new(w, h);
        }
        if w == 0 || h == 0 {
            return;
        }
        let frame = self.frame(t);
        if frame.grid.is_none() && frame.camera.is_identity() {
            out.copy_from_slice(self.source.as_raw());
            return;
        }
        let stride = w as usize * 3;
        let src = self.source.as_raw();
        let ctx = self.row_context(&frame);
        out.par_chunks_mut(stride)
            .enumerate()
            .with_min_len(4)
            .for_each_init(Scratch::new, |scratch, (y, row)| {
                for (c, out) in row.chunks_mut(CHUNK * 3).enumerate() {
                    let (x0, n) = (c * CHUNK, out.len() / 3);
                    match rows::map_chunk(&ctx, y, x0, n, scratch) {
                        Chunk::Copy => out
                            .copy_from_slice(&src[y * stride + x0 * 3..y * stride + (x0 + n) * 3]),
                        Chunk::Mapped => rows::sample_chunk(&self.packed, scratch, n, out),
                        Chunk::Plated => {
                            let plate = self.plate.as_ref().expect("plated chunks have a plate");
                            rows::sample_plated(&self.packed, plate, scratch, n, out)
                        }
                    }
                }
            });
    }

    pub fn render(&self, t: f32) -> RgbImage {
        let mut out = RgbImage::new(self.width(), self.height());
        self.render_into(t, &mut out);
        out
    }

    /// The masks of the paths at time `t` (clamped; one per track, in order: a path that
    /// never leaves its start holds its content), and the controls of the deformation
    /// (anchors and handles).
    fn field_inputs(&self, t: f32) -> (Vec<MovingMask>, Vec<Control>) {
        let (wf, hf) = (self.width() as f32, self.height() as f32);
        let masks: Vec<MovingMask> = self
            .tracks
            .iter()
            .map(|tr| {
                let p = tr.arc.position(t);
                MovingMask::shaped(
                    tr.start,
                    (p.x * wf - 0.5, p.y * hf - 0.5),
                    tr.radius_px,
                    tr.feather_px,
                    tr.painted.clone(),
                )
            })
            .collect();
        let mut controls = self.anchors.clone();
        controls.extend(field::handles(&masks));
        (masks, controls)
    }

    fn frame(&self, t: f32) -> Frame {
        let (w, h) = self.source.dimensions();
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        let camera = camera::camera_at(&self.camera, w, h, t);
        let (masks, controls) = self.field_inputs(t);
        let moved = masks.iter().any(|m| m.ox != 0.0 || m.oy != 0.0);
        let grid = moved.then(|| {
            let inputs = FieldInputs::new(&masks, &controls, self.shapes.as_ref());
            FieldGrid::build(&inputs, &camera, w, h, self.step)
        });
        // Outside the carried disks the plate shows by the share of each move that is cut out.
        // A painted mask counts as the disk around its start that holds it.
        let travelling = self.tracks.iter().zip(&masks).filter(|(tr, _)| tr.travels);
        let plate = PlateFrame::new(travelling.map(|(_, m)| {
            let start = (m.cx - m.ox, m.cy - m.oy);
            (start, (m.cx, m.cy), m.extent, 1.0 - m.elastic)
        }))
        .and_then(|mut plate| {
            // A fill only shows once some content has moved, so there is a grid.
            plate.index(grid.as_ref()?, &camera, self.mask.as_ref(), w as usize);
            Some(plate)
        });
        Frame {
            camera,
            grid,
            plate,
        }
    }

    fn row_context<'a>(&'a self, frame: &'a Frame) -> RowContext<'a> {
        RowContext {
            camera: &frame.camera,
            grid: frame.grid.as_ref(),
            mask: self.mask.as_ref(),
            plate: self.plate.as_ref().zip(frame.plate.as_ref()),
        }
    }

    /// The exact object displacement at scene point `(x, y)` at time `t` (no grids, before
    /// the static mask).
    #[cfg(test)]
    pub(crate) fn exact_displacement(&self, t: f32, x: f32, y: f32) -> (f32, f32) {
        let (masks, controls) = self.field_inputs(t);
        let inputs = FieldInputs::new(&masks, &controls, self.shapes.as_ref());
        field::displacement(&inputs, x, y)
    }

    /// The source position every output pixel samples at time `t`, row-major.
    #[cfg(test)]
    pub(crate) fn source_map(&self, t: f32) -> Vec<(f32, f32)> {
        self.sample_map(t)
            .into_iter()
            .map(|(x, y, _)| (x, y))
            .collect()
    }

    /// The source position every output pixel samples at time `t` and how much of the plate it
    /// shows there (in 256ths), row-major.
    #[cfg(test)]
    pub(crate) fn sample_map(&self, t: f32) -> Vec<(f32, f32, u32)> {
        let (w, h) = (self.width() as usize, self.height() as usize);
        let mut map = vec![(0.0, 0.0, 0); w * h];
        let frame = self.frame(t);
        let ctx = self.row_context(&frame);
        let mut scratch = Scratch::new();
        for (y, row) in map.chunks_mut(w).enumerate() {
            for (c, out) in row.chunks_mut(CHUNK).enumerate() {
                let x0 = c * CHUNK;
                match rows::map_chunk(&ctx, y, x0, out.len(), &mut scratch) {
                    Chunk::Copy => out
                        .iter_mut()
                        .enumerate()
                        .for_each(|(k, p)| *p = ((x0 + k) as f32, y as f32, 0)),
                    Chunk::Mapped => out
                        .iter_mut()
                        .enumerate()
                        .for_each(|(k, p)| *p = (scratch.sx[k], scratch.sy[k], 0)),
                    Chunk::Plated => out
                        .iter_mut()
                        .enumerate()
                        .for_each(|(k, p)| *p = (scratch.sx[k], scratch.sy[k], scratch.plate[k])),
                }
            }
        }
        map
    }
}
