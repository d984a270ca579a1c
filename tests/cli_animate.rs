//! `motionboard animate` end to end: a real picture in, a real MP4 out, decoded by ffmpeg and
//! measured: the brushed patch follows its path, the static brush holds still.

use e2e::{colour_centroid, decode_frames, motionboard, probe, textured_picture};
use image::Rgb;
use studio::motion::Point;
use studio::warp::{frame_time, path_position};

const RED: Rgb<u8> = Rgb([230, 30, 30]);
const GREEN: Rgb<u8> = Rgb([30, 220, 60]);

#[test]
fn the_brushed_patch_follows_the_path_and_the_static_region_holds() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h) = (320u32, 240u32);
    let picture = dir.path().join("dog.png");
    textured_picture(w, h, &[((0.2, 0.5), 0.05, RED), ((0.5, 0.15), 0.03, GREEN)])
        .save(&picture)
        .unwrap();
    let out = dir.path().join("out.mp4");
    let path_arg = "0.2,0.5 0.5,0.55 0.8,0.5";
    let run = motionboard(&[
        "animate",
        picture.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--path",
        path_arg,
        "--radius",
        "0.08",
        "--static",
        "0.5,0.15,0.1",
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
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("60/60"),
        "no progress on stderr"
    );

    let frames = decode_frames(&out);
    assert_eq!(frames.len(), 60);
    assert_eq!(frames[0].dimensions(), (w, h));

    let points = [
        Point::new(0.2, 0.5),
        Point::new(0.5, 0.55),
        Point::new(0.8, 0.5),
    ];
    for index in [0u32, 30, 59] {
        let p = path_position(&points, frame_time(index, 60));
        let (ex, ey) = (p.x * w as f32, p.y * h as f32);
        let window = (ex - 40.0, ey - 40.0, ex + 40.0, ey + 40.0);
        let ((cx, cy), _) = colour_centroid(&frames[index as usize], RED, window)
            .unwrap_or_else(|| panic!("no red patch near ({ex}, {ey}) in frame {index}"));
        let err = ((cx - ex).powi(2) + (cy - ey).powi(2)).sqrt();
        println!("frame {index}: patch at ({cx:.2}, {cy:.2}), path at ({ex:.2}, {ey:.2}), error {err:.2} px");
        assert!(
            err < 2.0,
            "frame {index}: patch {err:.2} px away from the path"
        );
    }

    // The patch left its start: nothing red stays behind there (no ghost of the moved content).
    let (sx, sy) = (0.2 * w as f32, 0.5 * h as f32);
    let start = (sx - 20.0, sy - 20.0, sx + 20.0, sy + 20.0);
    let (_, before) = colour_centroid(&frames[0], RED, start).expect("red at start");
    let after = colour_centroid(&frames[59], RED, start).map_or(0, |(_, n)| n);
    println!("red pixels at the start: {before} on the first frame, {after} on the last");
    assert!(
        after * 20 < before,
        "the moved patch left a copy behind ({after} of {before} px)"
    );

    let green_window = (0.3 * w as f32, 0.0, 0.7 * w as f32, 0.3 * h as f32);
    let ((gx0, gy0), _) = colour_centroid(&frames[0], GREEN, green_window).expect("green");
    for frame in &frames {
        let ((gx, gy), _) = colour_centroid(frame, GREEN, green_window).expect("green");
        let moved = ((gx - gx0).powi(2) + (gy - gy0).powi(2)).sqrt();
        assert!(moved < 0.5, "static region moved {moved:.3} px");
    }
}

#[test]
fn a_preset_sets_size_rate_and_length() {
    let dir = tempfile::tempdir().unwrap();
    let picture = dir.path().join("wide.jpg");
    textured_picture(400, 300, &[((0.5, 0.5), 0.1, RED)])
        .save(&picture)
        .unwrap();
    let out = dir.path().join("tiktok.mp4");
    let run = motionboard(&[
        "animate",
        picture.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--path",
        "0.5,0.5 0.6,0.4",
        "--camera",
        "zoom-in",
        "--seconds",
        "1",
        "--preset",
        "tiktok",
        "--fit",
        "blur",
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let info = probe(&out);
    let v = &info["streams"][0];
    assert_eq!(v["codec_name"], "h264");
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(1080), Some(1920))
    );
    assert_eq!(v["r_frame_rate"], "30/1");
    assert_eq!(v["nb_read_frames"], "30");
}

/// Runs animate with `args` after the picture and output, expecting failure with `needle` in
/// the message and no output file.
fn fails(picture: &str, out: &std::path::Path, args: &[&str], needle: &str) {
    let mut all = vec!["animate", picture, "-o", out.to_str().unwrap()];
    all.extend_from_slice(args);
    let run = motionboard(&all);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "{args:?} should fail");
    assert!(
        stderr.contains(needle),
        "{args:?}: expected \"{needle}\" in: {stderr}"
    );
    assert!(!out.exists(), "{args:?} left {} behind", out.display());
}

#[test]
fn bad_input_gets_a_clear_message_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let picture = dir.path().join("p.png");
    textured_picture(64, 64, &[]).save(&picture).unwrap();
    let p = picture.to_str().unwrap();
    let out = dir.path().join("out.mp4");

    fails("/no/such/picture.jpg", &out, &[], "/no/such/picture.jpg");
    fails(p, &out, &["--path", "0.2,0.5 1.4,0.5"], "outside the image");
    fails(p, &out, &["--static", "0.5,-0.1,0.2"], "outside the image");
    fails(p, &out, &["--preset", "vine"], "unknown preset");
    fails(p, &out, &["--camera", "dolly"], "unknown camera move");
    let nowhere = dir.path().join("missing-folder").join("out.mp4");
    fails(p, &nowhere, &[], "does not exist");

    let broken = dir.path().join("broken.jpg");
    std::fs::write(&broken, b"\xff\xd8\xff\xe0 this JPEG stops here").unwrap();
    fails(broken.to_str().unwrap(), &out, &[], "broken.jpg");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("mp4"))
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}
