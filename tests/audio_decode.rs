//! Every supported audio format, written by ffmpeg's encoders and decoded by the studio
//! (symphonia), compared with ffmpeg's own decode of the same file; and damaged files
//! (random bytes, files cut in half, a picture with a sound file's name) refused or
//! rescued with a message that names the file.
//!
//! Alignment: encoders add delay (priming) and decoders may or may not remove it, from
//! gapless metadata that each decoder reads differently. So each comparison first finds
//! the lag that best lines up the two decodes (cross-correlation over +-4096 samples),
//! reports it, and then compares sample by sample away from the edges. The lag is part of
//! what is checked: zero for every format except where noted.
//!
//! Needs Debian's `ffmpeg` package with its flac, libvorbis, libmp3lame and aac encoders.

use std::path::{Path, PathBuf};

use e2e::audio::{ffmpeg, ffmpeg_decode, write_wav, Noise};
use studio::audio::{decode_file, load, AudioError};

const RATE: u32 = 44_100;
const SECONDS: f64 = 3.0;

/// A source with tones, a sweep, clicks and a little noise, different in each channel.
fn source() -> Vec<Vec<f32>> {
    let n = (RATE as f64 * SECONDS) as usize;
    let mut noise = Noise::new(7);
    let mut l = vec![0f32; n];
    let mut r = vec![0f32; n];
    for i in 0..n {
        let t = i as f64 / RATE as f64;
        let tau = std::f64::consts::TAU;
        let sweep = (tau * (200.0 * t + 600.0 * t * t)).sin();
        let click = if i % 11_025 < 40 { 0.4 } else { 0.0 };
        let nz = 0.01 * noise.sample();
        l[i] = (0.25 * (tau * 440.0 * t).sin() + 0.15 * sweep) as f32 + click + nz;
        r[i] = (0.2 * (tau * 660.0 * t).sin() - 0.15 * sweep) as f32 + click - nz;
    }
    vec![l, r]
}

/// The lag (in samples) at which `b` best matches `a`: b[i + lag] ~ a[i].
fn best_lag(a: &[f32], b: &[f32], reach: i64) -> i64 {
    let (start, len) = (8192usize, 32_768usize);
    let mut best = (0i64, f64::MIN);
    for lag in -reach..=reach {
        let mut s = 0f64;
        for i in start..start + len {
            let j = i as i64 + lag;
            if j >= 0 && (j as usize) < b.len() && i < a.len() {
                s += a[i] as f64 * b[j as usize] as f64;
            }
        }
        if s > best.1 {
            best = (lag, s);
        }
    }
    best.0
}

/// Signal-to-difference ratio (dB) and largest difference of two aligned decodes, over
/// the middle of the file.
fn compare(ours: &[Vec<f32>], theirs: &[Vec<f32>; 2], lag: i64) -> (f64, f32) {
    let (mut sig, mut err, mut max) = (0f64, 0f64, 0f32);
    for ch in 0..2 {
        let (a, b) = (&ours[ch], &theirs[ch]);
        let edge = 4096usize;
        let end = a
            .len()
            .min((b.len() as i64 - lag.max(0)) as usize)
            .saturating_sub(edge);
        for (i, &x) in a.iter().enumerate().take(end).skip(edge) {
            let y = b[(i as i64 + lag) as usize];
            let d = x - y;
            sig += (y as f64).powi(2);
            err += (d as f64).powi(2);
            max = max.max(d.abs());
        }
    }
    (10.0 * (sig / err.max(1e-30)).log10(), max)
}

struct Case {
    name: &'static str,
    file: &'static str,
    codec_args: &'static [&'static str],
    /// Least acceptable signal-to-difference ratio between the two decoders, in dB.
    min_snr: f64,
}

const CASES: &[Case] = &[
    Case {
        name: "wav",
        file: "a.wav",
        codec_args: &["-c:a", "pcm_s16le"],
        min_snr: 120.0,
    },
    Case {
        name: "flac",
        file: "a.flac",
        codec_args: &["-c:a", "flac"],
        min_snr: 120.0,
    },
    Case {
        name: "ogg/vorbis",
        file: "a.ogg",
        codec_args: &["-c:a", "libvorbis", "-q:a", "5"],
        min_snr: 60.0,
    },
    Case {
        name: "mp3",
        file: "a.mp3",
        codec_args: &["-c:a", "libmp3lame", "-b:a", "192k"],
        min_snr: 60.0,
    },
    Case {
        name: "m4a/aac",
        file: "a.m4a",
        codec_args: &["-c:a", "aac", "-b:a", "192k"],
        min_snr: 50.0,
    },
];

fn encode(dir: &Path, src: &Path, case: &Case) -> PathBuf {
    let out = dir.join(case.file);
    let mut args = vec!["-i", src.to_str().unwrap()];
    args.extend_from_slice(case.codec_args);
    args.push(out.to_str().unwrap());
    ffmpeg(&args);
    out
}

#[test]
fn every_format_decodes_like_ffmpeg() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("source.wav");
    write_wav(&src, RATE, &source());
    let mut report = Vec::new();
    for case in CASES {
        let path = encode(dir.path(), &src, case);
        // The codec itself, at the file's own rate.
        let ours = decode_file(&path).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(ours.sample_rate, RATE, "{}", case.name);
        assert_eq!(ours.planes.len(), 2, "{}", case.name);
        assert!(ours.warning.is_none(), "{}: {:?}", case.name, ours.warning);
        let theirs = ffmpeg_decode(&path, None);
        let lag = best_lag(&ours.planes[0], &theirs[0], 4096);
        let (snr, max) = compare(&ours.planes, &theirs, lag);
        let len_diff = ours.frames() as i64 - theirs[0].len() as i64;
        report.push(format!(
            "{:<10} lag {lag:>5} samples, length {:+} samples, {snr:6.1} dB, max diff {max:.2e}",
            case.name, len_diff
        ));
        assert!(
            snr >= case.min_snr,
            "{}: our decode differs from ffmpeg's: {snr:.1} dB (want >= {})",
            case.name,
            case.min_snr
        );
        // Both decoders skip the encoder's priming (mp3: the LAME tag; m4a: the edit
        // list, which the studio reads itself as symphonia 0.6 does not), so the sound
        // lines up to the sample.
        assert_eq!(lag, 0, "{}: decodes are {lag} samples apart", case.name);
        // Every decode, trimmed by its container's own information, is the source's length
        // (ffmpeg's m4a decode keeps the padding after the edit's end, hence len_diff).
        assert_eq!(
            ours.frames(),
            (RATE as f64 * SECONDS) as usize,
            "{}",
            case.name
        );

        // The import path, 48 kHz stereo, against ffmpeg's resampler: the two resamplers
        // differ a little near 20 kHz, so a looser bound.
        let loaded = load(&path).unwrap();
        let theirs48 = ffmpeg_decode(&path, Some(48_000));
        let planes = vec![loaded.pcm.left.clone(), loaded.pcm.right.clone()];
        let lag48 = best_lag(&planes[0], &theirs48[0], 4096);
        let (snr48, _) = compare(&planes, &theirs48, lag48);
        report.push(format!(
            "{:<10} at 48 kHz: lag {lag48}, {snr48:.1} dB",
            case.name
        ));
        assert!(snr48 > 35.0, "{}: at 48 kHz {snr48:.1} dB", case.name);
    }
    eprintln!("{}", report.join("\n"));
}

fn assert_names(e: &AudioError, file: &str) -> String {
    let msg = e.to_string();
    assert!(
        msg.contains(file),
        "the message does not name {file}: {msg}"
    );
    msg
}

#[test]
fn damaged_and_foreign_files_are_named_and_explained() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("source.wav");
    write_wav(&src, RATE, &source());

    // Random bytes with an mp3 name.
    let junk = dir.path().join("junk.mp3");
    let mut noise = Noise::new(99);
    let bytes: Vec<u8> = (0..200_000)
        .map(|_| (noise.sample() * 127.0 + 128.0) as u8)
        .collect();
    std::fs::write(&junk, bytes).unwrap();
    let e = decode_file(&junk).expect_err("random bytes are not sound");
    let msg = assert_names(&e, "junk.mp3");
    assert!(
        matches!(
            e,
            AudioError::UnknownFormat { .. } | AudioError::Corrupt { .. }
        ),
        "{msg}"
    );
    eprintln!("random bytes: {msg}");

    // A PNG renamed .wav.
    let png = dir.path().join("picture.wav");
    image::RgbImage::from_pixel(8, 8, image::Rgb([200, 10, 10]))
        .save_with_format(&png, image::ImageFormat::Png)
        .unwrap();
    let e = decode_file(&png).expect_err("a picture is not sound");
    let msg = assert_names(&e, "picture.wav");
    assert!(
        matches!(e, AudioError::UnknownFormat { .. }) && msg.contains("PNG"),
        "{msg}"
    );
    eprintln!("png: {msg}");

    // Files cut in half: the decodable half comes back with a warning naming the file
    // (keeping most of a song beats losing all of it); the caller shows the warning.
    for (name, case) in [("flac", &CASES[1]), ("mp3", &CASES[3])] {
        let whole = encode(dir.path(), &src, case);
        let bytes = std::fs::read(&whole).unwrap();
        let cut = dir.path().join(format!("cut.{name}"));
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        match decode_file(&cut) {
            Ok(d) => {
                let seconds = d.frames() as f64 / d.sample_rate as f64;
                assert!(
                    (0.35 * SECONDS..0.65 * SECONDS).contains(&seconds),
                    "{name}: {seconds} s from half a file"
                );
                let w = d
                    .warning
                    .unwrap_or_else(|| panic!("{name}: no warning for a cut file"));
                assert!(
                    w.contains(&format!("cut.{name}")) && w.contains("cut off"),
                    "{w}"
                );
                eprintln!("cut {name}: {seconds:.2} s, warning: {w}");
            }
            Err(e) => panic!("cut {name}: {e}"),
        }
        // Cut to its first few bytes: nothing is decodable, and the error says so.
        let stub = dir.path().join(format!("stub.{name}"));
        std::fs::write(&stub, &bytes[..20]).unwrap();
        let e = decode_file(&stub).expect_err("20 bytes hold no sound");
        eprintln!("stub {name}: {}", assert_names(&e, &format!("stub.{name}")));
    }

    // An empty file.
    let empty = dir.path().join("empty.ogg");
    std::fs::write(&empty, b"").unwrap();
    let e = decode_file(&empty).unwrap_err();
    assert!(matches!(e, AudioError::EmptyFile { .. }));
    assert_names(&e, "empty.ogg");
}
