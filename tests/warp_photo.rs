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
//! The picture is scikit-image's `chelsea` (CC0, photographed by Stefan van der Walt), cropped
//! to 450x300. Set `MOTIONBOARD_WARP_FRAMES` to a folder to keep the first and last frames,
//! and `MOTIONBOARD_BIN` to measure another build of the CLI.

use std::path::{Path, PathBuf};

use e2e::flow::{dense_flow, percentile};
use e2e::{decode_frames, motionboard, probe};
use studio::motion::Point;
use studio::warp::{frame_time, path_position};

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
