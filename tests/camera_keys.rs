//! Keyed camera end to end: `--camera-key` on `animate` and `add-shot`, the MP4 read back by
//! ffprobe and decoded by ffmpeg, and the marker's place and size measured on the frames
//! against what the keys say.

use e2e::{colour_centroid, decode_frames, motionboard, probe, textured_picture};
use image::{Rgb, RgbImage};
use studio::project::store;

const RED: Rgb<u8> = Rgb([230, 30, 30]);
const W: u32 = 320;
const H: u32 = 240;
/// The marker: a red disk at the picture's centre, radius a fraction of the width.
const MARKER_R: f32 = 0.04;

/// Ease-in-out as documented for camera keys: smoothstep over each stretch between two keys.
fn smoothstep(u: f32) -> f32 {
    let u = u.clamp(0.0, 1.0);
    u * u * (3.0 - 2.0 * u)
}

/// The keys' framing (x, zoom) at shot time `t` for the keys below: (t 0, x 0.4, zoom 2) to
/// (t 0.6, x 0.6, zoom 3), held after.
fn keyed(t: f32) -> (f32, f32) {
    let p = smoothstep(t / 0.6);
    (0.4 + 0.2 * p, 2.0 + p)
}

/// Where the marker at the picture's centre is seen, in pixels: the view is centred on x, so
/// the centre appears (x - 0.5) * W * zoom to the left of the frame's centre.
fn expected_marker_x(t: f32) -> f32 {
    let (x, zoom) = keyed(t);
    W as f32 / 2.0 - (x - 0.5) * W as f32 * zoom
}

fn marker(frame: &RgbImage, near_x: f32) -> ((f32, f32), u32) {
    let window = (near_x - 60.0, 0.0, near_x + 60.0, H as f32);
    colour_centroid(frame, RED, window).unwrap_or_else(|| panic!("no red marker near x = {near_x}"))
}

fn picture(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("marker.png");
    textured_picture(W, H, &[((0.5, 0.5), MARKER_R, RED)])
        .save(&path)
        .unwrap();
    path
}

#[test]
fn the_view_follows_the_keys() {
    let dir = tempfile::tempdir().unwrap();
    let pic = picture(dir.path());
    let out = dir.path().join("keys.mp4");
    let run = motionboard(&[
        "animate",
        pic.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        // A preset move that the keys must replace.
        "--camera",
        "pan-left",
        "--amount",
        "0.5",
        // Given out of order: the CLI puts them in time order.
        "--camera-key",
        "0.6,0.6,0.5,3,0",
        "--camera-key",
        "0,0.4,0.5,2,0",
        "--seconds",
        "2",
        "--fps",
        "30",
    ]);
    assert!(
        run.status.success(),
        "animate failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );

    let info = probe(&out);
    let v = &info["streams"][0];
    assert_eq!(v["codec_name"], "h264");
    assert_eq!(v["nb_read_frames"], "60");
    let frames = decode_frames(&out);
    assert_eq!(frames.len(), 60);
    assert_eq!(frames[0].dimensions(), (W, H));

    // The first frame: centred on x 0.4 at zoom 2, so the marker sits 64 px right of centre.
    // A pan key to the right then moves it left, through the centre, to 96 px left of centre.
    let area = |zoom: f32| std::f32::consts::PI * (MARKER_R * W as f32 * zoom).powi(2);
    for index in [0usize, 9, 18, 27, 36, 45, 59] {
        let t = index as f32 / 59.0;
        let ex = expected_marker_x(t);
        let ((cx, cy), n) = marker(&frames[index], ex);
        let (_, zoom) = keyed(t);
        println!(
            "frame {index} (t {t:.3}): marker at ({cx:.2}, {cy:.2}), keys say x {ex:.2}; {n} px, keys say {:.0}",
            area(zoom)
        );
        assert!(
            (cx - ex).abs() < 2.0,
            "frame {index}: marker at x {cx:.2}, the keys put it at {ex:.2}"
        );
        assert!(
            (cy - H as f32 / 2.0).abs() < 2.0,
            "frame {index}: marker at y {cy:.2}"
        );
        // Its size follows the zoom (the area, within 12 %: edge pixels, compression).
        let ratio = n as f32 / area(zoom);
        assert!(
            (0.88..1.12).contains(&ratio),
            "frame {index}: marker area {n} px, expected {:.0} (zoom {zoom:.2})",
            area(zoom)
        );
    }
    // After the last key the framing holds: the last frames are the same picture.
    let ((a, _), _) = marker(&frames[40], expected_marker_x(1.0));
    let ((b, _), _) = marker(&frames[59], expected_marker_x(1.0));
    assert!((a - b).abs() < 0.3, "held framing moved from {a} to {b}");
}

#[test]
fn add_shot_keeps_the_keys_and_the_render_follows_them() {
    let dir = tempfile::tempdir().unwrap();
    let pic = picture(dir.path());
    let film = dir.path().join("film");
    let d = film.to_str().unwrap();
    let ok = |args: &[&str]| {
        let run = motionboard(args);
        assert!(
            run.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
    };
    ok(&["new", d]);
    ok(&[
        "add-shot",
        d,
        pic.to_str().unwrap(),
        "--seconds",
        "1",
        "--camera-key",
        "1,0.3,0.5,2,0",
        "--camera-key",
        "0,0.5,0.5,1,0",
    ]);
    let project = store::load(&film).unwrap();
    let keys = &project.shots[0].motion.camera.keys;
    let times: Vec<f32> = keys.iter().map(|k| k.t).collect();
    assert_eq!(times, [0.0, 1.0], "keys saved in time order");
    assert_eq!((keys[1].x, keys[1].zoom), (0.3, 2.0));

    let out = dir.path().join("film.mp4");
    ok(&["render", d, "-o", out.to_str().unwrap()]);
    assert_eq!(probe(&out)["streams"][0]["codec_name"], "h264");
    let frames = decode_frames(&out);
    let last = frames.last().expect("frames");
    // The whole picture first (marker at the centre, its own size), then zoom 2 centred on
    // x 0.3: the marker 0.2 * W * 2 = 128 px right of centre.
    let ((x0, _), n0) = marker(&frames[0], W as f32 / 2.0);
    let ((x1, _), n1) = marker(last, W as f32 / 2.0 + 128.0);
    println!("first frame: marker at {x0:.2} ({n0} px); last: {x1:.2} ({n1} px)");
    assert!((x0 - W as f32 / 2.0).abs() < 1.5, "{x0}");
    assert!((x1 - (W as f32 / 2.0 + 128.0)).abs() < 2.0, "{x1}");
    let grown = n1 as f32 / n0 as f32;
    assert!(
        (3.5..4.5).contains(&grown),
        "zoom 2 should quadruple the marker: x{grown}"
    );
}

#[test]
fn bad_keys_get_a_message_and_leave_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let pic = picture(dir.path());
    let out = dir.path().join("bad.mp4");
    let fails = |keys: &[&str], needle: &str| {
        let mut args = vec![
            "animate",
            pic.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        for k in keys {
            args.extend(["--camera-key", k]);
        }
        let run = motionboard(&args);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(!run.status.success(), "{keys:?} should fail");
        assert!(
            stderr.contains(needle),
            "{keys:?}: expected \"{needle}\" in: {stderr}"
        );
        assert!(!out.exists(), "{keys:?} left {} behind", out.display());
    };
    fails(&["0.5,0.5,0.5,0.5,0"], "zoom 0.5 must be between 1");
    fails(&["0.5,0.5,0.5"], "must be t,x,y,zoom,roll");
    fails(&["2,0.5,0.5,1,0"], "outside the shot");
    fails(
        &["0.5,0.4,0.5,2,0", "0.5,0.6,0.5,2,0"],
        "both at time 0.5; move or delete one",
    );
}

#[test]
fn a_hand_edited_project_gets_its_keys_sorted_or_a_message_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let pic = picture(dir.path());
    let film = dir.path().join("film");
    let d = film.to_str().unwrap();
    for args in [vec!["new", d], vec!["add-shot", d, pic.to_str().unwrap()]] {
        let run = motionboard(&args);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let file = film.join("project.json");
    let text = std::fs::read_to_string(&file).unwrap();
    // A shot without keys writes no "keys" at all: files stay as they were before keys.
    assert!(!text.contains("\"keys\""), "{text}");
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let key = |t: f64, zoom: f64| serde_json::json!({"t": t, "x": 0.5, "y": 0.5, "zoom": zoom, "roll": 0.0});

    // Out of order in the file: read in time order.
    doc["shots"][0]["motion"]["camera"]["keys"] = serde_json::json!([key(0.9, 2.0), key(0.1, 1.0)]);
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let project = store::load(&film).unwrap();
    let times: Vec<f32> = project.shots[0]
        .motion
        .camera
        .keys
        .iter()
        .map(|k| k.t)
        .collect();
    assert_eq!(times, [0.1, 0.9]);

    // Out of range: refused, naming the file, the shot, the key and the range; file untouched.
    doc["shots"][0]["motion"]["camera"]["keys"] = serde_json::json!([key(0.1, 1.0), key(0.9, 0.5)]);
    let bad = serde_json::to_vec_pretty(&doc).unwrap();
    std::fs::write(&file, &bad).unwrap();
    let err = store::load(&film).unwrap_err().to_string();
    for part in [
        "project.json",
        "shot 1",
        "camera key 2",
        "zoom 0.5 must be between 1",
    ] {
        assert!(err.contains(part), "\"{part}\" missing from: {err}");
    }
    assert_eq!(std::fs::read(&file).unwrap(), bad);
}
