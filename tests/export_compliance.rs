//! Every platform preset, exported with `export_mp4` and read back the way a platform would:
//! ffprobe for the stream and container, our own box walk for the MP4 layout, the H.264
//! NAL units for closed GOPs, and ffmpeg's decode for the picture itself.
//!
//! Needs Debian's `ffmpeg` package (ffmpeg and ffprobe); without it the test fails.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::AtomicBool;

use image::RgbImage;
use studio::export::{export_mp4, Preset, VideoSpec, PRESET_FPS};

const FRAMES: u32 = 60;

/// Runs `tool args...` and returns its stdout; fails the test if the tool is missing.
fn run(tool: &str, args: &[&str], file: &Path) -> Vec<u8> {
    let out = Command::new(tool).args(args).arg(file).output().unwrap_or_else(|e| {
        panic!("could not run {tool} ({e}): install ffmpeg (Debian/Ubuntu: `apt-get install ffmpeg`), which provides ffmpeg and ffprobe")
    });
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A smooth, colourful picture that moves every frame: waves sliding sideways and down,
/// and a diagonal ramp, so every block changes and colours are easy to compare.
fn synthetic(index: u32, w: u32, h: u32) -> RgbImage {
    let t = index as f32;
    let cols: Vec<u8> = (0..w)
        .map(|x| (128.0 + 100.0 * ((x as f32 + 6.0 * t) / 41.0).sin()) as u8)
        .collect();
    let rows: Vec<u8> = (0..h)
        .map(|y| (128.0 + 100.0 * ((y as f32 - 4.0 * t) / 57.0).cos()) as u8)
        .collect();
    RgbImage::from_fn(w, h, |x, y| {
        let ramp = ((x + y) / 8 + 2 * index) % 200 + 28;
        image::Rgb([cols[x as usize], rows[y as usize], ramp as u8])
    })
}

/// (type, payload) of each box laid out back to back in `buf`.
fn boxes(buf: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 8 <= buf.len() {
        let size32 = u32::from_be_bytes(buf[pos..pos + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = buf[pos + 4..pos + 8].try_into().unwrap();
        let (head, size) = match size32 {
            0 => (8, buf.len() - pos),
            1 => (
                16,
                u64::from_be_bytes(buf[pos + 8..pos + 16].try_into().unwrap()) as usize,
            ),
            n => (8, n),
        };
        assert!(
            size >= head && pos + size <= buf.len(),
            "box {:?} at {pos} overruns",
            kind
        );
        out.push((kind, &buf[pos + head..pos + size]));
        pos += size;
    }
    assert_eq!(pos, buf.len(), "trailing bytes after the last box");
    out
}

/// Every box type in a box tree, going into the containers.
fn all_box_types(buf: &[u8], into: &mut Vec<[u8; 4]>) {
    for (kind, body) in boxes(buf) {
        into.push(kind);
        if [
            b"moov", b"trak", b"edts", b"mdia", b"minf", b"dinf", b"stbl", b"udta", b"mvex",
        ]
        .contains(&&kind)
        {
            all_box_types(body, into);
        }
    }
}

fn child<'a>(buf: &'a [u8], path: &[&[u8; 4]]) -> &'a [u8] {
    path.iter().fold(buf, |b, kind| {
        boxes(b)
            .into_iter()
            .find(|(k, _)| k == *kind)
            .unwrap_or_else(|| panic!("no {kind:?} box"))
            .1
    })
}

/// Checks the MP4 layout: ftyp, moov, mdat in that order; no edit list anywhere; sync
/// samples (keyframes) at frames 0 and 30.
fn check_boxes(name: &str, bytes: &[u8]) {
    let top: Vec<[u8; 4]> = boxes(bytes).into_iter().map(|(k, _)| k).collect();
    let pos = |k: &[u8; 4]| {
        top.iter()
            .position(|t| t == k)
            .unwrap_or_else(|| panic!("{name}: no {k:?}"))
    };
    assert!(
        pos(b"moov") < pos(b"mdat"),
        "{name}: moov must come before mdat (fast start): {top:?}"
    );
    assert_eq!(top[0], *b"ftyp", "{name}");
    let moov = boxes(bytes)
        .into_iter()
        .find(|(k, _)| k == b"moov")
        .unwrap()
        .1;
    let mut types = Vec::new();
    all_box_types(moov, &mut types);
    assert!(
        !types.iter().any(|t| t == b"edts" || t == b"elst"),
        "{name}: edit list present"
    );
    let stss = child(moov, &[b"trak", b"mdia", b"minf", b"stbl", b"stss"]);
    let count = u32::from_be_bytes(stss[4..8].try_into().unwrap()) as usize;
    let sync: Vec<u32> = (0..count)
        .map(|i| u32::from_be_bytes(stss[8 + 4 * i..12 + 4 * i].try_into().unwrap()))
        .collect();
    assert_eq!(sync, [1, 31], "{name}: sync samples");
    let ctts = types.iter().any(|t| t == b"ctts");
    assert!(!ctts, "{name}: composition offsets (B-frames) present");
}

/// Checks the H.264 stream itself: one picture per frame, IDR pictures (with SPS and PPS
/// before them) exactly at frames 0 and 30, every other picture a non-IDR slice.
fn check_nal_units(name: &str, file: &Path) {
    let stream = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(file)
        .args([
            "-c:v",
            "copy",
            "-bsf:v",
            "h264_mp4toannexb",
            "-f",
            "h264",
            "-",
        ])
        .output()
        .expect("run ffmpeg");
    assert!(
        stream.status.success(),
        "{}",
        String::from_utf8_lossy(&stream.stderr)
    );
    let bytes = stream.stdout;
    // Split on start codes.
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= bytes.len() {
        if bytes[i..i + 3] == [0, 0, 1] {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut pictures: Vec<(bool, bool)> = Vec::new(); // (idr, SPS and PPS seen since last picture)
    let (mut sps, mut pps) = (false, false);
    for &s in &starts {
        let nal_type = bytes[s] & 0x1f;
        match nal_type {
            7 => sps = true,
            8 => pps = true,
            1 | 5 => {
                // first_mb_in_slice is ue(v) = 0 (bit '1') for the first slice of a picture.
                if bytes[s + 1] & 0x80 != 0 {
                    pictures.push((nal_type == 5, sps && pps));
                    sps = false;
                    pps = false;
                } else {
                    let last = pictures.last().expect("slice before any picture");
                    assert_eq!(
                        last.0,
                        nal_type == 5,
                        "{name}: IDR and non-IDR slices mixed in one picture"
                    );
                }
            }
            _ => {}
        }
    }
    assert_eq!(
        pictures.len(),
        FRAMES as usize,
        "{name}: pictures in the stream"
    );
    for (i, (idr, params)) in pictures.iter().enumerate() {
        let key = i % 30 == 0;
        assert_eq!(*idr, key, "{name}: frame {i} IDR");
        if key {
            assert!(params, "{name}: IDR frame {i} without SPS/PPS in front");
        }
    }
}

fn check_probe(name: &str, file: &Path, (w, h): (u32, u32)) {
    let json: serde_json::Value = serde_json::from_slice(&run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-show_streams",
            "-show_format",
            "-count_frames",
            "-of",
            "json",
        ],
        file,
    ))
    .expect("ffprobe json");
    let streams = json["streams"].as_array().expect("streams");
    assert_eq!(streams.len(), 1, "{name}: one video stream");
    let s = &streams[0];
    assert_eq!(s["codec_name"], "h264", "{name}");
    assert_eq!(s["pix_fmt"], "yuv420p", "{name}");
    assert_eq!(
        (s["width"].as_u64(), s["height"].as_u64()),
        (Some(w as u64), Some(h as u64)),
        "{name}"
    );
    assert_eq!(s["r_frame_rate"], "30/1", "{name}");
    assert_eq!(s["avg_frame_rate"], "30/1", "{name}");
    assert_eq!(s["nb_read_frames"], FRAMES.to_string(), "{name}");
    assert_eq!(s["nb_frames"], FRAMES.to_string(), "{name}");
    assert_eq!(s["color_space"], "bt709", "{name}");
    assert_eq!(s["color_range"], "tv", "{name}");
    assert_eq!(s["has_b_frames"], 0, "{name}");
    for d in [&s["duration"], &json["format"]["duration"]] {
        let d: f64 = d.as_str().expect("duration").parse().unwrap();
        assert!((d - 2.0).abs() < 0.001, "{name}: duration {d}");
    }
    assert_eq!(s["start_time"], "0.000000", "{name}");

    // Keyframes and picture types as decoded.
    let csv = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-select_streams",
            "v",
            "-show_frames",
            "-show_entries",
            "frame=key_frame,pict_type",
            "-of",
            "csv",
        ],
        file,
    );
    let frames: Vec<(bool, String)> = String::from_utf8(csv)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[1] == "1", f[2].to_string())
        })
        .collect();
    assert_eq!(frames.len(), FRAMES as usize, "{name}");
    for (i, (key, pict)) in frames.iter().enumerate() {
        assert_eq!(*key, i % 30 == 0, "{name}: frame {i} key_frame");
        let want = if i % 30 == 0 { "I" } else { "P" };
        assert_eq!(pict, want, "{name}: frame {i} picture type (no B-frames)");
    }
    let csv = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-select_streams",
            "v",
            "-show_packets",
            "-show_entries",
            "packet=flags",
            "-of",
            "csv",
        ],
        file,
    );
    let keys: Vec<usize> = String::from_utf8(csv)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| l.split(',').nth(1).is_some_and(|f| f.starts_with('K')))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(keys, [0, 30], "{name}: packets flagged K");
}

/// Decodes frame 45 with ffmpeg and compares it with what was rendered.
fn check_picture(name: &str, file: &Path, (w, h): (u32, u32)) {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(file)
        .args([
            "-vf",
            "select=eq(n\\,45)",
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ])
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.stdout.len(),
        (w * h * 3) as usize,
        "{name}: decoded frame size"
    );
    let want = synthetic(45, w, h);
    let mae = |a: &[u8], b: &[u8]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| x.abs_diff(*y) as u64)
            .sum::<u64>() as f64
            / a.len() as f64
    };
    let err = mae(&out.stdout, want.as_raw());
    assert!(
        err < 4.0,
        "{name}: frame 45 differs from what was rendered: mean abs error {err:.2}"
    );
    // And it is frame 45, not a neighbour.
    for other in [44, 46] {
        let e = mae(&out.stdout, synthetic(other, w, h).as_raw());
        assert!(
            e > err + 2.0,
            "{name}: frame 45 looks like frame {other} ({e:.2} vs {err:.2})"
        );
    }
    eprintln!("{name}: frame 45 mean abs error {err:.2}");
}

#[test]
fn every_preset_exports_a_compliant_mp4() {
    e2e::require("ffprobe");
    e2e::require("ffmpeg");
    let dir = tempfile::tempdir().unwrap();
    for preset in Preset::ALL {
        let name = preset.name();
        let (w, h) = preset.size();
        let spec = VideoSpec {
            width: w,
            height: h,
            fps: PRESET_FPS,
        };
        let file = dir.path().join(format!("{name}.mp4"));
        let mut last = (0, 0);
        export_mp4(
            &file,
            spec,
            FRAMES,
            |i, frame| {
                *frame = synthetic(i, w, h);
                Ok(())
            },
            |done, total| last = (done, total),
            &AtomicBool::new(false),
        )
        .unwrap_or_else(|e| panic!("{name}: export failed: {e}"));
        assert_eq!(last, (FRAMES, FRAMES), "{name}: progress");

        check_boxes(name, &std::fs::read(&file).unwrap());
        check_probe(name, &file, (w, h));
        check_nal_units(name, &file);
        check_picture(name, &file, (w, h));
    }
    // Nothing else was left in the folder.
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        Preset::ALL.len()
    );
    // To look at the files: EXPORT_COMPLIANCE_KEEP=/some/folder.
    if let Some(keep) = std::env::var_os("EXPORT_COMPLIANCE_KEEP") {
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), Path::new(&keep).join(entry.file_name())).unwrap();
        }
    }
}
