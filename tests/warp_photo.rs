//! The warp engine on a real photograph, measured with optical flow: `motionboard animate`
//! moves a cat's head a little to the right and one ear up while a static brush holds the
//! other eye; the MP4 is decoded by ffmpeg and a dense Lucas-Kanade flow between consecutive
//! frames (`e2e::flow`) says whether
//!
//! - the brushed content follows its path (the head, tracked through the flow, stays on it),
//! - the static area stays (its flow is under half a pixel),
//! - the motion is one smooth field: the flow's spatial gradient stays small everywhere, with
//!   no circle where the moved region meets the rest and no fold where static meets moving.
//!
//! A second test moves the nose with a painted mask (the whole nose bridge, an elongated
//! shape) through a saved project and `motionboard render`, beside the same path with its disk.
//!
//! The picture is scikit-image's `chelsea` (CC0, photographed by Stefan van der Walt), cropped
//! to 450x300. Set `MOTIONBOARD_WARP_FRAMES` to a folder to keep the first and last frames,
//! and `MOTIONBOARD_BIN` to measure another build of the CLI.

use std::path::{Path, PathBuf};

use e2e::flow::{dense_flow, percentile};
use e2e::{decode_frames, motionboard, probe};
use studio::motion::{MaskStroke, Motion, MotionPath, PathMask, Point, StaticBrush};
use studio::project::store;
use studio::warp::{frame_time, path_position, Warper};

const FRAMES: u32 = 24;
/// Path radius, as `--radius` takes it (a fraction of the width): the app's default brush.
const RADIUS: f32 = 0.08;

struct Scene {
    head: [Point; 2],
    ear: [Point; 2],
    /// The static brush: centre and radius (fractions of the width).
    eye: (Point, f32),
}

const CAT: Scene = Scene {
    head: [Point::new(0.56, 0.62), Point::new(0.62, 0.62)],
    ear: [Point::new(0.8, 0.14), Point::new(0.82, 0.07)],
    eye: (Point::new(0.38, 0.38), 0.06),
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn points_arg(p: &[Point]) -> String {
    p.iter()
        .map(|p| format!("{},{}", p.x, p.y))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the flow says about one animation.
#[derive(Debug)]
struct Figures {
    /// Largest distance between the head as tracked by the flow and its path, px.
    follow_px: f32,
    /// Same for the ear.
    ear_px: f32,
    /// Largest 95th percentile of |flow| inside the static brush over all frame pairs, px.
    static_px: f32,
    /// Largest 99th and 99.9th percentiles of |grad flow| over all frame pairs (px per px).
    gradient_p99: f32,
    gradient_p999: f32,
}

fn measure(frames: &[image::RgbImage], scene: &Scene) -> Figures {
    let (w, h) = frames[0].dimensions();
    let to_px = |p: Point| (p.x * w as f32 - 0.5, p.y * h as f32 - 0.5);
    let r = RADIUS * w as f32;
    let (mut head, mut ear) = (to_px(scene.head[0]), to_px(scene.ear[0]));
    let (mut follow_px, mut ear_px, mut static_px) = (0.0f32, 0.0f32, 0.0f32);
    let (mut gradient_p99, mut gradient_p999) = (0.0f32, 0.0f32);
    let (eye, eye_r) = (to_px(scene.eye.0), scene.eye.1 * w as f32 - 3.0);
    for (i, pair) in frames.windows(2).enumerate() {
        let flow = dense_flow(&pair[0], &pair[1]);
        // Track the middle of each moving region by its mean flow.
        for (at, radius, path, worst) in [
            (&mut head, 0.5 * r, &scene.head, &mut follow_px),
            (&mut ear, 0.3 * r, &scene.ear, &mut ear_px),
        ] {
            let (u, v) = flow.mean_in_disk(at.0, at.1, radius).unwrap_or((0.0, 0.0));
            *at = (at.0 + u, at.1 + v);
            let want = to_px(path_position(path, frame_time(i as u32 + 1, FRAMES)));
            *worst = worst.max((at.0 - want.0).hypot(at.1 - want.1));
        }
        let mut still = Vec::new();
        for y in 0..h as usize {
            for x in 0..w as usize {
                let measured = flow.reliable[y * w as usize + x];
                if measured && (x as f32 - eye.0).hypot(y as f32 - eye.1) <= eye_r {
                    let (u, v) = flow.at(x, y);
                    still.push(u.hypot(v));
                }
            }
        }
        static_px = static_px.max(percentile(&mut still, 0.95));
        let mut grads = flow.gradient_norms(8);
        gradient_p99 = gradient_p99.max(percentile(&mut grads, 0.99));
        gradient_p999 = gradient_p999.max(percentile(&mut grads, 0.999));
    }
    Figures {
        follow_px,
        ear_px,
        static_px,
        gradient_p99,
        gradient_p999,
    }
}

#[test]
fn a_photo_moves_as_one_smooth_field() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cat.mp4");
    let (eye, eye_r) = CAT.eye;
    let run = motionboard(&[
        "animate",
        fixture("chelsea.jpg").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--path",
        &points_arg(&CAT.head),
        "--path",
        &points_arg(&CAT.ear),
        "--radius",
        &RADIUS.to_string(),
        "--static",
        &format!("{},{},{}", eye.x, eye.y, eye_r),
        "--seconds",
        &(FRAMES as f32 / 24.0).to_string(),
        "--fps",
        "24",
    ]);
    assert!(
        run.status.success(),
        "animate failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let info = probe(&out);
    assert_eq!(info["streams"][0]["nb_read_frames"], FRAMES.to_string());
    let frames = decode_frames(&out);
    assert_eq!(frames.len(), FRAMES as usize);
    if let Some(keep) = std::env::var_os("MOTIONBOARD_WARP_FRAMES") {
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).unwrap();
        frames[0].save(keep.join("first.png")).unwrap();
        frames[FRAMES as usize - 1]
            .save(keep.join("last.png"))
            .unwrap();
    }

    let f = measure(&frames, &CAT);
    println!(
        "chelsea, head + ear paths, static eye: head follows its path within {:.2} px, ear {:.2} px; \
         static eye moves {:.3} px (95th percentile); |grad flow| 99th percentile {:.3}, 99.9th {:.3}",
        f.follow_px, f.ear_px, f.static_px, f.gradient_p99, f.gradient_p999
    );
    assert!(f.follow_px < 3.0, "the head left its path: {f:?}");
    assert!(f.ear_px < 3.0, "the ear left its path: {f:?}");
    assert!(f.static_px < 0.5, "the static eye moved: {f:?}");
    // Measured on the same frames through libx264 at CRF 18 / 23 / 28 (99.9th percentile):
    // the former cut-out engine 0.46 / 0.42 / 0.44, this one 0.13 / 0.20 / 0.25. The 99th
    // percentile is printed but not held to: with coarser compression it measures the
    // estimator's noise as much as the motion (cut-out 0.17-0.20, elastic 0.09-0.15).
    assert!(
        f.gradient_p999 < 0.3,
        "the motion tears or folds somewhere: {f:?}"
    );
}

/// One region whose content must follow a path: a point at `offset` px from the path's start
/// travels with it, tracked through the flow by the mean over `radius` px around it.
struct Tracked {
    name: &'static str,
    path: [Point; 2],
    offset: (f32, f32),
    radius: f32,
}

/// Per tracked region the largest distance from its path (px), and over all frame pairs
/// the static brush's 95th percentile of |flow| and |grad flow|'s 99.9th percentile.
fn measure_regions(
    frames: &[image::RgbImage],
    tracked: &[Tracked],
    brush: (Point, f32),
) -> (Vec<f32>, f32, f32) {
    let (w, h) = frames[0].dimensions();
    let count = frames.len() as u32;
    let to_px = |p: Point| (p.x * w as f32 - 0.5, p.y * h as f32 - 0.5);
    let mut at: Vec<(f32, f32)> = tracked
        .iter()
        .map(|t| {
            let s = to_px(t.path[0]);
            (s.0 + t.offset.0, s.1 + t.offset.1)
        })
        .collect();
    let mut worst = vec![0.0f32; tracked.len()];
    let (mut static_px, mut gradient_p999) = (0.0f32, 0.0f32);
    let (eye, eye_r) = (to_px(brush.0), brush.1 * w as f32 - 3.0);
    for (i, pair) in frames.windows(2).enumerate() {
        let flow = dense_flow(&pair[0], &pair[1]);
        for (k, t) in tracked.iter().enumerate() {
            let (u, v) = flow
                .mean_in_disk(at[k].0, at[k].1, t.radius)
                .unwrap_or((0.0, 0.0));
            at[k] = (at[k].0 + u, at[k].1 + v);
            let p = to_px(path_position(&t.path, frame_time(i as u32 + 1, count)));
            let want = (p.0 + t.offset.0, p.1 + t.offset.1);
            worst[k] = worst[k].max((at[k].0 - want.0).hypot(at[k].1 - want.1));
        }
        let mut still = Vec::new();
        for y in 0..h as usize {
            for x in 0..w as usize {
                if flow.reliable[y * w as usize + x]
                    && (x as f32 - eye.0).hypot(y as f32 - eye.1) <= eye_r
                {
                    let (u, v) = flow.at(x, y);
                    still.push(u.hypot(v));
                }
            }
        }
        static_px = static_px.max(percentile(&mut still, 0.95));
        gradient_p999 = gradient_p999.max(percentile(&mut flow.gradient_norms(8), 0.999));
    }
    (worst, static_px, gradient_p999)
}

/// "nose follows its path within 0.40 px, ..." for printing.
fn followed(tracked: &[Tracked], follow: &[f32]) -> String {
    tracked
        .iter()
        .zip(follow)
        .map(|(t, f)| format!("{} follows its path within {f:.2} px", t.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The nose moves right carrying the whole nose bridge up to between the eyes: a painted
/// mask, a capsule of radius 0.04 of the width along 0.32 of the height (painted as a stroke
/// and a stamp, with its top end erased back), where the disk of the same path's radius
/// holds only the nose. The static brush holds the left eye.
const NOSE: [Point; 2] = [Point::new(0.58, 0.8), Point::new(0.63, 0.8)];
const NOSE_RADIUS: f32 = 0.06;
const LEFT_EYE: (Point, f32) = (Point::new(0.38, 0.38), 0.06);

fn bridge_mask() -> PathMask {
    let stroke = |points: &[(f32, f32)], radius, erase| MaskStroke {
        points: points.iter().map(|&(x, y)| Point::new(x, y)).collect(),
        radius,
        erase,
    };
    PathMask {
        strokes: vec![
            stroke(&[(0.0, 0.02), (0.0, -0.15), (0.0, -0.3)], 0.04, false),
            stroke(&[(0.0, 0.0)], 0.05, false),
            stroke(&[(0.0, -0.33)], 0.03, true),
        ],
    }
}

/// Renders one shot of the photo moved by `path` and held by `held` through a saved project
/// (`motionboard render`), as the app's export does; the last frame kept as
/// `{name}-last.png` where `MOTIONBOARD_WARP_FRAMES` names a folder.
fn render_project(
    dir: &Path,
    path: MotionPath,
    held: StaticBrush,
    name: &str,
) -> Vec<image::RgbImage> {
    let project_dir = dir.join("project");
    let mut project = store::create(&project_dir, "Warp").unwrap();
    let picture = store::import_image(&project_dir, &fixture("chelsea.jpg")).unwrap();
    let shot = &mut project.shots[0];
    shot.image = Some(picture.asset);
    shot.image_size = Some((picture.width, picture.height));
    shot.seconds = 1.0;
    shot.motion.paths.push(path);
    shot.motion.statics.push(held);
    store::save(&project_dir, &project).unwrap();
    // The mask is in the file as strokes, and comes back as saved.
    assert_eq!(store::load(&project_dir).unwrap(), project);
    let out = dir.join(format!("{name}.mp4"));
    let run = motionboard(&[
        "render",
        project_dir.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let frames = decode_frames(&out);
    assert!(frames.len() >= 24, "{} frames", frames.len());
    assert_eq!(frames[0].dimensions(), (450, 300));
    if let Some(keep) = std::env::var_os("MOTIONBOARD_WARP_FRAMES") {
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).unwrap();
        frames[frames.len() - 1]
            .save(keep.join(format!("{name}-last.png")))
            .unwrap();
    }
    frames
}

#[test]
fn a_painted_mask_moves_its_shape_and_nothing_else() {
    let (w, h) = (450.0, 300.0);
    // The nose, the middle of the bridge and its top, each tracked over a few pixels.
    let tracked = [
        Tracked {
            name: "nose",
            path: NOSE,
            offset: (0.0, 0.0),
            radius: 6.0,
        },
        Tracked {
            name: "bridge",
            path: NOSE,
            offset: (0.0, -0.15 * h),
            radius: 5.0,
        },
        Tracked {
            name: "bridge top",
            path: NOSE,
            offset: (0.0, -0.25 * h),
            radius: 5.0,
        },
    ];
    let mut figures = Vec::new();
    for mask in [None, Some(bridge_mask())] {
        let dir = tempfile::tempdir().unwrap();
        let painted = mask.is_some();
        let mut nose = MotionPath::disk(NOSE.to_vec(), NOSE_RADIUS);
        nose.mask = mask;
        let eye = StaticBrush {
            points: vec![LEFT_EYE.0],
            radius: LEFT_EYE.1,
        };
        let name = if painted { "painted" } else { "disk" };
        let frames = render_project(dir.path(), nose, eye, name);
        let (follow, still, grad) = measure_regions(&frames, &tracked, LEFT_EYE);
        println!(
            "chelsea, nose path +{:.0} px, {} mask, static left eye: {}; static eye moves {still:.3} px \
             (95th percentile); |grad flow| 99.9th percentile {grad:.3}",
            (NOSE[1].x - NOSE[0].x) * w,
            if painted { "painted bridge" } else { "disk" },
            followed(&tracked, &follow),
        );
        figures.push((follow, still, grad));
    }
    let (disk, painted) = (&figures[0], &figures[1]);
    // The painted bridge moves as a whole; the disk left the top of the bridge behind.
    assert!(
        painted.0.iter().all(|&f| f < 3.0),
        "painted content left its path: {painted:?}"
    );
    assert!(
        disk.0[2] > 2.0 * painted.0[2].max(1.0),
        "the disk should not carry the top of the bridge: disk {disk:?}, painted {painted:?}"
    );
    assert!(painted.1 < 0.5, "the static eye moved: {painted:?}");
    assert!(
        painted.2 < 0.3,
        "the motion tears or folds at the painted outline: {painted:?}"
    );
}

/// A long move right beside a static brush (the left eye): the disk passes the eye going up
/// and going down, 1.7 radii. Nothing from beside the held eye is carried along (before,
/// a sliver of the eye showed a second time beside the moved disk), the far side of the disk
/// follows its path and the flow stays smooth. Rendered in-process: the field itself,
/// without an encoder's noise.
#[test]
fn a_long_move_beside_a_static_brush_stretches_instead_of_smearing() {
    let source = image::open(fixture("chelsea.jpg")).unwrap().to_rgb8();
    let (w, h) = source.dimensions();
    let radius = 0.08;
    for (name, path) in [
        (
            "up past the eye",
            [Point::new(0.5, 0.5), Point::new(0.5, 0.3)],
        ),
        (
            "down past the eye",
            [Point::new(0.5, 0.3), Point::new(0.5, 0.5)],
        ),
    ] {
        let motion = Motion {
            paths: vec![MotionPath::disk(path.to_vec(), radius)],
            statics: vec![StaticBrush {
                points: vec![LEFT_EYE.0],
                radius: LEFT_EYE.1,
            }],
            ..Motion::default()
        };
        let warper = Warper::new(source.clone(), &motion);
        let frames: Vec<_> = (0..FRAMES)
            .map(|i| warper.render(frame_time(i, FRAMES)))
            .collect();
        if let Some(keep) = std::env::var_os("MOTIONBOARD_WARP_FRAMES") {
            let keep = PathBuf::from(keep);
            std::fs::create_dir_all(&keep).unwrap();
            frames[FRAMES as usize - 1]
                .save(keep.join(format!("{}-last.png", name.replace(' ', "-"))))
                .unwrap();
        }
        // The far side of the disk, away from the eye, follows the path.
        let tracked = [Tracked {
            name: "far side",
            path,
            offset: (0.5 * radius * w as f32, 0.0),
            radius: 5.0,
        }];
        let (follow, still, grad) = measure_regions(&frames, &tracked, LEFT_EYE);
        println!(
            "chelsea, disk {name} ({w}x{h}), static left eye: far side follows within {:.2} px; \
             static eye moves {still:.3} px; |grad flow| 99.9th percentile {grad:.3}",
            follow[0]
        );
        assert!(follow[0] < 3.0, "{name}: the disk left its path");
        assert!(still < 0.5, "{name}: the static eye moved {still}");
        // Measured 0.31 up, 0.19 down; 0.40 / 0.38 while the mask gave way over a band
        // narrower than the move (folding the picture behind it), and 0.38-0.40 with the rule
        // before that, which carried the eye's edge along (a copy, not a tear).
        assert!(grad < 0.35, "{name}: the motion tears or folds: {grad}");
    }
}

/// The move a creator drew in the app: the nose bridge painted as the mask (the brush's
/// default size, a stamp on the nose and a stroke up the bridge) moved 0.10 of the width
/// right and 0.04 of the height up, with a static stroke across the left eye whose edge
/// touches the mask's top. Content that starts beside the held eye stays; the picture between
/// it and the moved bridge stretches. Before, that band folded over (rows repeated: streaks
/// above and ahead of the bridge in the TikTok export). Saved as a project and rendered by
/// `motionboard render`, as the app exports it.
#[test]
fn a_painted_move_away_from_a_static_brush_stretches_without_folding() {
    let (w, h) = (450, 300);
    let stroke = |points: &[(f32, f32)]| MaskStroke {
        points: points.iter().map(|&(x, y)| Point::new(x, y)).collect(),
        radius: 0.08,
        erase: false,
    };
    let path = [Point::new(0.56, 0.62), Point::new(0.66, 0.58)];
    let mut bridge = MotionPath::disk(path.to_vec(), 0.08);
    bridge.mask = Some(PathMask {
        strokes: vec![stroke(&[(0.0, 0.0)]), stroke(&[(0.0, 0.0), (0.0, -0.14)])],
    });
    let held = StaticBrush {
        points: vec![Point::new(0.36, 0.38), Point::new(0.40, 0.38)],
        radius: 0.08,
    };
    let dir = tempfile::tempdir().unwrap();
    let frames = render_project(dir.path(), bridge, held, "away-from-brush");
    let tracked = [
        Tracked {
            name: "nose",
            path,
            offset: (0.0, 0.0),
            radius: 6.0,
        },
        Tracked {
            name: "bridge",
            path,
            offset: (0.0, -0.05 * h as f32),
            radius: 5.0,
        },
    ];
    // The eye's middle: the stroke's centre, within its radius less the test's margin.
    let (follow, still, grad) = measure_regions(&frames, &tracked, (Point::new(0.38, 0.38), 0.06));
    println!(
        "chelsea, painted bridge +{:.0},{:.0} px beside a static stroke on the left eye ({w}x{h}): {}; \
         static eye moves {still:.3} px; |grad flow| 99.9th percentile {grad:.3}",
        (path[1].x - path[0].x) * w as f32,
        (path[1].y - path[0].y) * h as f32,
        followed(&tracked, &follow),
    );
    assert!(follow.iter().all(|&f| f < 3.0), "the bridge left its path");
    assert!(still < 0.5, "the static eye moved {still}");
    // Measured 1.02 before (the band between the eye and the bridge folded over: streaks),
    // 0.21 now; in-process, without the encoder, 1.20 and 0.15.
    assert!(grad < 0.3, "the motion tears or folds: {grad}");
}
