//! MP4 export speed at 1080x1920, against libx264 (ffmpeg -preset veryfast) on the same
//! frames. Run with `cargo bench -p motionboard-studio --bench export`.
//!
//! The frames are a textured picture panning a few pixels a frame (every block changes),
//! cut from a larger texture made once, so producing a frame costs one copy for both.
//! Set EXPORT_BENCH_FRAMES to change the frame count (default 90) and
//! EXPORT_BENCH_ALL=1 to also time other encoder settings.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use image::RgbImage;
use studio::export::{
    export_mp4, export_mp4_with, Complexity, EncoderSettings, Fit, Framing, VideoSpec,
};

const W: u32 = 1080;
const H: u32 = 1920;
const FPS: u32 = 30;
const PAN: (u32, u32) = (3, 2);

/// A photo-like texture: soft shapes, gradients and fine grain.
fn texture(w: u32, h: u32) -> RgbImage {
    let mut seed = 0x2545_f491_u32;
    RgbImage::from_fn(w, h, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let grain = (seed % 17) as f32 - 8.0;
        let (fx, fy) = (x as f32, y as f32);
        let a = (fx / 53.0).sin() * (fy / 71.0).cos();
        let b = ((fx + fy) / 137.0).sin();
        let c = ((fx - 2.0 * fy) / 29.0).cos() * 0.5;
        let v = |base: f32, k: f32| (base + k + grain).clamp(0.0, 255.0) as u8;
        image::Rgb([
            v(120.0 + 70.0 * a, 30.0 * c),
            v(110.0 + 60.0 * b, 20.0 * a),
            v(140.0 + 50.0 * c, 40.0 * b),
        ])
    })
}

/// Frame `i`: the texture's window at (PAN * i).
fn cut(tex: &RgbImage, i: u32, out: &mut [u8]) {
    let (x0, y0) = ((PAN.0 * i) as usize, (PAN.1 * i) as usize);
    let tw = tex.width() as usize;
    for (y, row) in out.chunks_exact_mut(W as usize * 3).enumerate() {
        let s = ((y0 + y) * tw + x0) * 3;
        row.copy_from_slice(&tex.as_raw()[s..s + W as usize * 3]);
    }
}

fn ours(
    tex: &RgbImage,
    frames: u32,
    settings: Option<&EncoderSettings>,
    dir: &std::path::Path,
) -> (f64, u64) {
    let out = dir.join("ours.mp4");
    let spec = VideoSpec {
        width: W,
        height: H,
        fps: FPS,
    };
    let render = |i: u32, f: &mut RgbImage| {
        cut(tex, i, f);
        Ok(())
    };
    let cancel = AtomicBool::new(false);
    let start = Instant::now();
    match settings {
        None => export_mp4(&out, spec, frames, render, |_, _| {}, &cancel),
        Some(s) => export_mp4_with(&out, spec, frames, s, render, |_, _| {}, &cancel),
    }
    .expect("export");
    let secs = start.elapsed().as_secs_f64();
    (frames as f64 / secs, std::fs::metadata(&out).unwrap().len())
}

/// PSNR (dB) of the decoded `file` against the frames it was made from.
fn psnr(tex: &RgbImage, frames: u32, file: &std::path::Path) -> Option<f64> {
    let mut child = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(file)
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let size = (W * H * 3) as usize;
    let (mut got, mut want) = (vec![0u8; size], vec![0u8; size]);
    let mut sse = 0f64;
    for i in 0..frames {
        std::io::Read::read_exact(&mut stdout, &mut got).ok()?;
        cut(tex, i, &mut want);
        sse += got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a.abs_diff(*b) as u64).pow(2))
            .sum::<u64>() as f64;
    }
    child.wait().ok()?;
    let mse = sse / (size as f64 * frames as f64);
    Some(10.0 * (255.0f64 * 255.0 / mse).log10())
}

fn libx264(
    tex: &RgbImage,
    frames: u32,
    dir: &std::path::Path,
    extra: &[&str],
) -> Option<(f64, u64)> {
    let out = dir.join("x264.mp4");
    let size = format!("{W}x{H}");
    let rate = FPS.to_string();
    let start = Instant::now();
    let mut child = Command::new("ffmpeg")
        .args([
            "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", &size, "-r", &rate,
            "-i", "-",
        ])
        .args([
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
        ])
        .args(extra)
        .arg(&out)
        .stdin(Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take().unwrap();
    let mut buf = vec![0u8; (W * H * 3) as usize];
    for i in 0..frames {
        cut(tex, i, &mut buf);
        stdin.write_all(&buf).expect("feed ffmpeg");
    }
    drop(stdin);
    assert!(child.wait().expect("ffmpeg").success(), "ffmpeg failed");
    let secs = start.elapsed().as_secs_f64();
    Some((frames as f64 / secs, std::fs::metadata(&out).unwrap().len()))
}

fn mbps(bytes: u64, frames: u32) -> f64 {
    bytes as f64 * 8.0 / (frames as f64 / FPS as f64) / 1e6
}

fn main() {
    let frames: u32 = std::env::var("EXPORT_BENCH_FRAMES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(90);
    let tex = texture(W + PAN.0 * frames, H + PAN.1 * frames);
    let dir = tempfile::tempdir().expect("temp dir");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("export bench: {frames} frames of {W}x{H} at {FPS} fps, {cores} cores");

    // Reframing cost per frame (16:9 content into 9:16 with a blurred background).
    let framing = Framing::new(1920, 1080, W, H, Fit::Blur);
    let (cw, ch) = framing.content_size();
    let content = image::imageops::crop_imm(&tex, 0, 0, cw, ch).to_image();
    let mut frame = RgbImage::new(W, H);
    framing.compose(&content, &mut frame);
    let start = Instant::now();
    for _ in 0..20 {
        framing.compose(&content, &mut frame);
    }
    println!(
        "Framing::compose (blur, 1920x1080 -> {W}x{H}): {:.2} ms/frame",
        start.elapsed().as_secs_f64() * 50.0
    );
    let crop = Framing::new(1920, 1080, W, H, Fit::Crop);
    let (cw, ch) = crop.content_size();
    let content = image::imageops::crop_imm(&tex, 0, 0, cw, ch).to_image();
    let start = Instant::now();
    for _ in 0..20 {
        crop.compose(&content, &mut frame);
    }
    println!(
        "Framing::compose (crop, 1920x1080 -> {W}x{H}): {:.2} ms/frame",
        start.elapsed().as_secs_f64() * 50.0
    );

    let quality = |file: &str| {
        psnr(&tex, frames, &dir.path().join(file)).map_or("?".into(), |p| format!("{p:.1}"))
    };
    let (fps, bytes) = ours(&tex, frames, None, dir.path());
    let defaults = EncoderSettings::for_spec(VideoSpec {
        width: W,
        height: H,
        fps: FPS,
    });
    println!(
        "export_mp4 (openh264, {defaults:?}): {fps:.1} fps, {:.2} Mbit/s, PSNR {} dB",
        mbps(bytes, frames),
        quality("ours.mp4")
    );

    if std::env::var_os("EXPORT_BENCH_ALL").is_some() {
        for complexity in [Complexity::Low, Complexity::Medium, Complexity::High] {
            for threads in [1, 2] {
                for cabac in [false, true] {
                    let s = EncoderSettings {
                        complexity,
                        threads,
                        cabac,
                        ..defaults
                    };
                    let (f, b) = ours(&tex, frames, Some(&s), dir.path());
                    println!(
                        "  {complexity:?}, {threads} thread(s), {}: {f:.1} fps, {:.2} Mbit/s, PSNR {} dB",
                        if cabac { "CABAC" } else { "CAVLC" },
                        mbps(b, frames),
                        quality("ours.mp4")
                    );
                }
            }
        }
    }

    match libx264(&tex, frames, dir.path(), &[]) {
        Some((x, xbytes)) => {
            println!(
                "ffmpeg libx264 -preset veryfast: {x:.1} fps, {:.2} Mbit/s, PSNR {} dB",
                mbps(xbytes, frames),
                quality("x264.mp4")
            );
            println!("ratio ours/libx264: {:.2}", fps / x);
            let rate = format!("{}", defaults.bitrate);
            if let Some((x, xbytes)) = libx264(&tex, frames, dir.path(), &["-b:v", &rate]) {
                println!(
                    "ffmpeg libx264 -preset veryfast -b:v {rate} (our bit rate): {x:.1} fps, {:.2} Mbit/s, PSNR {} dB",
                    mbps(xbytes, frames),
                    quality("x264.mp4")
                );
            }
        }
        None => println!("ffmpeg not found: install ffmpeg to compare with libx264"),
    }
}
