//! Shared helpers for the end-to-end tests: the built CLI, test pictures, and reading exported
//! files back with ffprobe and ffmpeg (Debian's `ffmpeg` package), the way a platform would.

pub mod audio;
pub mod flow;
pub mod mount;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use image::{Rgb, RgbImage};

/// The `motionboard` CLI built beside this test binary (`cargo build --workspace --bins`,
/// which the README's test command runs first), or the one `MOTIONBOARD_BIN` names (to
/// measure another build, e.g. an older engine, with the same tests).
pub fn motionboard_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("MOTIONBOARD_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir.join(format!("motionboard{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build --workspace --bins` before the tests (scripts/test.sh does)",
        bin.display()
    );
    bin
}

/// Runs the CLI with `args`.
pub fn motionboard(args: &[&str]) -> Output {
    Command::new(motionboard_bin())
        .args(args)
        .output()
        .expect("run motionboard")
}

/// Fails the test, saying what to install, when `tool` (ffmpeg or ffprobe) is missing.
pub fn require(tool: &str) {
    let found = Command::new(tool)
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{tool} is not installed: install Debian's ffmpeg package (scripts/test.sh does)"
    );
}

/// ffprobe's view of a file: streams, format and a frame count.
pub fn probe(path: &Path) -> serde_json::Value {
    require("ffprobe");
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-show_streams",
            "-show_format",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("run ffprobe");
    assert!(
        out.status.success(),
        "ffprobe failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("ffprobe json")
}

/// Every frame of a video, decoded by ffmpeg to RGB.
pub fn decode_frames(path: &Path) -> Vec<RgbImage> {
    require("ffmpeg");
    let info = probe(path);
    let stream = &info["streams"][0];
    let w = stream["width"].as_u64().expect("width") as u32;
    let h = stream["height"].as_u64().expect("height") as u32;
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let size = (w * h * 3) as usize;
    out.stdout
        .chunks_exact(size)
        .map(|c| RgbImage::from_raw(w, h, c.to_vec()).expect("frame"))
        .collect()
}

/// A textured grey picture (so motion is visible everywhere) with coloured disks on it.
pub fn textured_picture(w: u32, h: u32, disks: &[((f32, f32), f32, Rgb<u8>)]) -> RgbImage {
    let mut img = RgbImage::from_fn(w, h, |x, y| {
        // Deterministic, non-repeating greys in 60..190: no colour a marker could be confused with.
        let n =
            (x.wrapping_mul(73_856_093) ^ y.wrapping_mul(19_349_663)).wrapping_mul(2_654_435_761);
        let g = 60 + ((n >> 24) % 130) as u8;
        Rgb([g, g, g])
    });
    for &((cx, cy), r, colour) in disks {
        let (cx, cy, r) = (cx * w as f32, cy * h as f32, r * w as f32);
        for (x, y, px) in img.enumerate_pixels_mut() {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            if dx * dx + dy * dy <= r * r {
                *px = colour;
            }
        }
    }
    img
}

/// Centroid (pixel coordinates) and count of the pixels close to `colour` inside a window.
pub fn colour_centroid(
    frame: &RgbImage,
    colour: Rgb<u8>,
    window: (f32, f32, f32, f32),
) -> Option<((f32, f32), u32)> {
    let (x0, y0, x1, y1) = window;
    let (mut sx, mut sy, mut n) = (0.0f64, 0.0f64, 0u32);
    for (x, y, px) in frame.enumerate_pixels() {
        let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
        if fx < x0 || fx > x1 || fy < y0 || fy > y1 {
            continue;
        }
        let d: i32 = (0..3)
            .map(|c| (px[c] as i32 - colour[c] as i32).abs())
            .sum();
        if d < 90 {
            sx += fx as f64;
            sy += fy as f64;
            n += 1;
        }
    }
    (n > 0).then(|| (((sx / n as f64) as f32, (sy / n as f64) as f32), n))
}

/// Every file under `dir` (name relative to `dir` -> bytes), to prove what a command left
/// untouched.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let name = p.strip_prefix(dir).unwrap().display().to_string();
                files.insert(name, std::fs::read(&p).unwrap());
            }
        }
    }
    files
}

/// Copies the folder `from` with everything under it to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}
