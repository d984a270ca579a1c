//! Helpers for the audio end-to-end tests: WAV files written here, and ffmpeg as the
//! reference encoder and decoder.

use std::path::Path;
use std::process::Command;

/// Writes 16-bit PCM WAV, `planes` (one per channel, equal lengths) at `rate`.
pub fn write_wav(path: &Path, rate: u32, planes: &[Vec<f32>]) {
    let channels = planes.len() as u16;
    let frames = planes[0].len();
    let data_len = (frames * planes.len() * 2) as u32;
    let mut b = Vec::with_capacity(44 + data_len as usize);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * channels as u32 * 2).to_le_bytes());
    b.extend_from_slice(&(channels * 2).to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..frames {
        for p in planes {
            let v = (p[i].clamp(-1.0, 1.0) * 32767.0).round() as i16;
            b.extend_from_slice(&v.to_le_bytes());
        }
    }
    std::fs::write(path, b).expect("write wav");
}

/// Runs ffmpeg with `args` (quiet, overwriting) and returns stdout; fails the test loudly
/// when ffmpeg is missing or fails.
pub fn ffmpeg(args: &[&str]) -> Vec<u8> {
    crate::require("ffmpeg");
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// ffmpeg's decode of `path` as planar stereo f32, at `rate` (None: the file's own).
pub fn ffmpeg_decode(path: &Path, rate: Option<u32>) -> [Vec<f32>; 2] {
    let p = path.to_str().expect("utf-8 path");
    let rate_s = rate.map(|r| r.to_string());
    let mut args = vec!["-i", p, "-f", "f32le", "-ac", "2"];
    if let Some(r) = &rate_s {
        args.extend(["-ar", r.as_str()]);
    }
    args.push("-");
    let raw = ffmpeg(&args);
    let mut out = [Vec::new(), Vec::new()];
    for (i, c) in raw.chunks_exact(4).enumerate() {
        out[i % 2].push(f32::from_le_bytes(c.try_into().unwrap()));
    }
    out
}

/// Deterministic white noise in -1..1.
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Noise(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn sample(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}
