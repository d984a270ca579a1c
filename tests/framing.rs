//! A shot's crop in the output frame, end to end through the CLI: two shots of the same
//! picture (left half red, right half blue) framed for a 9:16 preset, the first kept at the
//! picture's left edge and the second at its right edge, rendered and read back by ffprobe
//! and decoded by ffmpeg; and a project written before crops existed opens centred.

use std::path::Path;

use e2e::{decode_frames, motionboard, probe};
use image::{Rgb, RgbImage};
use studio::export::Crop;
use studio::project::store;

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn ok(args: &[&str]) {
    let out = motionboard(args);
    assert!(
        out.status.success(),
        "motionboard {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The mean colour of a frame.
fn mean(frame: &RgbImage) -> [f64; 3] {
    let mut sum = [0f64; 3];
    for p in frame.pixels() {
        for c in 0..3 {
            sum[c] += p[c] as f64;
        }
    }
    let n = (frame.width() * frame.height()).max(1) as f64;
    sum.map(|v| v / n)
}

#[test]
fn each_shot_exports_the_part_of_its_picture_its_crop_keeps() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("framed");
    let d = s(&dir);
    let picture = tmp.path().join("halves.png");
    RgbImage::from_fn(640, 240, |x, y| {
        let n = ((x + y) % 6) as u8;
        if x < 320 {
            Rgb([210 + n, 30, 30])
        } else {
            Rgb([30, 30, 210 + n])
        }
    })
    .save(&picture)
    .unwrap();
    ok(&["new", d]);
    ok(&["add-shot", d, s(&picture), "--seconds", "1"]);
    ok(&["add-shot", d, s(&picture), "--seconds", "1"]);
    let mut project = store::load(&dir).unwrap();
    // Centred, a 9:16 frame on this 8:3 picture keeps only its middle, half red and half
    // blue; at the edges it keeps one colour.
    project.shots[0].crop = Crop {
        x: 0.0,
        ..Crop::default()
    };
    project.shots[1].crop = Crop {
        x: 1.0,
        ..Crop::default()
    };
    store::save(&dir, &project).unwrap();

    let out = tmp.path().join("framed.mp4");
    ok(&["render", d, "-o", s(&out), "--preset", "x", "--fit", "crop"]);
    let info = probe(&out);
    let video = info["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["codec_type"] == "video")
        .unwrap()
        .clone();
    assert_eq!(video["codec_name"], "h264");
    assert_eq!(video["width"], 720);
    assert_eq!(video["height"], 1280);
    assert_eq!(video["nb_read_frames"], "60");

    let frames = decode_frames(&out);
    assert_eq!(frames.len(), 60);
    let first = mean(&frames[10]);
    let second = mean(&frames[50]);
    assert!(
        first[0] > 150.0 && first[2] < 60.0,
        "shot 1 keeps the red left edge: {first:?}"
    );
    assert!(
        second[2] > 150.0 && second[0] < 60.0,
        "shot 2 keeps the blue right edge: {second:?}"
    );
}

#[test]
fn a_project_from_before_crops_opens_centred() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("old");
    let picture = tmp.path().join("grey.png");
    RgbImage::from_pixel(64, 48, Rgb([128, 128, 128]))
        .save(&picture)
        .unwrap();
    ok(&["new", s(&dir)]);
    ok(&["add-shot", s(&dir), s(&picture), "--seconds", "1"]);
    let file = dir.join("project.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let shot = json["shots"][0].as_object_mut().unwrap();
    assert!(
        shot.remove("crop").is_some(),
        "a new project writes the crop"
    );
    std::fs::write(&file, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    let project = store::load(&dir).unwrap();
    assert_eq!(project.shots[0].crop, Crop::default());
}
