//! Tests of [`export_mp4`] as a whole: what ends up on disk, and what does not.

use super::*;
use std::fs;
use std::path::PathBuf;

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into())
        .collect();
    v.sort();
    v
}

fn moving(index: u32, frame: &mut RgbImage) -> Result<(), ExportError> {
    for (x, y, p) in frame.enumerate_pixels_mut() {
        let t = index * 4;
        *p = image::Rgb([(x + t) as u8, (y * 2) as u8, ((x ^ y) + t) as u8]);
    }
    Ok(())
}

fn export(
    out: &Path,
    spec: VideoSpec,
    frames: u32,
    cancel: &AtomicBool,
) -> Result<(), ExportError> {
    export_mp4(out, spec, frames, moving, |_, _| {}, cancel)
}

const SMALL: VideoSpec = VideoSpec {
    width: 64,
    height: 48,
    fps: 5,
};

#[test]
fn writes_a_fast_start_mp4_and_reports_every_frame() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("clip.mp4");
    let mut seen = Vec::new();
    export_mp4(
        &out,
        SMALL,
        12,
        moving,
        |d, t| seen.push((d, t)),
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(seen, (1..=12).map(|d| (d, 12)).collect::<Vec<_>>());
    assert_eq!(files_in(dir.path()), ["clip.mp4"]);
    let bytes = fs::read(&out).unwrap();
    let top: Vec<[u8; 4]> = boxes::children(&bytes, 0..bytes.len())
        .unwrap()
        .iter()
        .map(|b| b.kind)
        .collect();
    assert_eq!(top, [*b"ftyp", *b"moov", *b"mdat"]);
    let all = boxes::walk(&bytes).unwrap();
    assert!(!all.iter().any(|b| &b.kind == b"edts" || &b.kind == b"elst"));
    // 12 frames at 5 fps: 2.4 s.
    let mdhd = boxes::find(&bytes, &[b"moov", b"trak", b"mdia", b"mdhd"])
        .unwrap()
        .unwrap();
    let at = |o: usize| u32::from_be_bytes(bytes[mdhd.body.start + o..][..4].try_into().unwrap());
    assert_eq!((at(12), at(16)), (90_000, 216_000));
}

#[test]
fn a_single_frame_lasts_one_frame() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("still.mp4");
    export(
        &out,
        VideoSpec { fps: 30, ..SMALL },
        1,
        &AtomicBool::new(false),
    )
    .unwrap();
    let bytes = fs::read(&out).unwrap();
    let mdhd = boxes::find(&bytes, &[b"moov", b"trak", b"mdia", b"mdhd"])
        .unwrap()
        .unwrap();
    let duration = u32::from_be_bytes(bytes[mdhd.body.start + 16..][..4].try_into().unwrap());
    assert_eq!(duration, 3000);
    let mvhd = boxes::find(&bytes, &[b"moov", b"mvhd"]).unwrap().unwrap();
    let ms = u32::from_be_bytes(bytes[mvhd.body.start + 16..][..4].try_into().unwrap());
    assert_eq!(ms, 33);
}

#[test]
fn odd_zero_and_oversized_frames_are_rejected_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.mp4");
    let cancel = AtomicBool::new(false);
    for (width, height) in [
        (0, 48),
        (64, 0),
        (63, 48),
        (64, 47),
        (4000, 2000),
        (2200, 2200),
    ] {
        let err = export(
            &out,
            VideoSpec {
                width,
                height,
                fps: 30,
            },
            3,
            &cancel,
        )
        .unwrap_err();
        assert!(
            matches!(err, ExportError::BadSize { .. }),
            "{width}x{height}: {err}"
        );
        assert!(err.to_string().contains(&format!("{width}x{height}")));
    }
    for fps in [0, MAX_FPS + 1] {
        assert!(matches!(
            export(&out, VideoSpec { fps, ..SMALL }, 3, &cancel),
            Err(ExportError::BadFps(_))
        ));
    }
    assert!(matches!(
        export(&out, SMALL, 0, &cancel),
        Err(ExportError::NoFrames)
    ));
    assert!(files_in(dir.path()).is_empty());
    // The largest sizes are fine to validate.
    VideoSpec {
        width: 3840,
        height: 2160,
        fps: 60,
    }
    .validate()
    .unwrap();
    VideoSpec {
        width: 2160,
        height: 3840,
        fps: 1,
    }
    .validate()
    .unwrap();
}

#[test]
fn cancel_leaves_no_file_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.mp4");
    // Cancelled before the first frame.
    let err = export(&out, SMALL, 10, &AtomicBool::new(true)).unwrap_err();
    assert!(matches!(err, ExportError::Cancelled));
    assert!(files_in(dir.path()).is_empty());
    // Cancelled half way, with frames already encoded.
    let cancel = AtomicBool::new(false);
    let render = |i: u32, f: &mut RgbImage| {
        if i == 6 {
            cancel.store(true, Ordering::Relaxed);
        }
        moving(i, f)
    };
    let err = export_mp4(&out, SMALL, 20, render, |_, _| {}, &cancel).unwrap_err();
    assert!(matches!(err, ExportError::Cancelled));
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn a_cancelled_export_keeps_the_previous_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("keep.mp4");
    fs::write(&out, b"previous export").unwrap();
    let err = export(&out, SMALL, 10, &AtomicBool::new(true)).unwrap_err();
    assert!(matches!(err, ExportError::Cancelled));
    assert_eq!(fs::read(&out).unwrap(), b"previous export");
    assert_eq!(files_in(dir.path()), ["keep.mp4"]);
}

#[test]
fn render_errors_and_resized_frames_stop_the_export_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("e.mp4");
    let cancel = AtomicBool::new(false);
    let failing = |i: u32, f: &mut RgbImage| {
        if i == 3 {
            Err(ExportError::render(i, "no picture"))
        } else {
            moving(i, f)
        }
    };
    let err = export_mp4(&out, SMALL, 8, failing, |_, _| {}, &cancel).unwrap_err();
    assert_eq!(err.to_string(), "could not render frame 3: no picture");
    let resizing = |_: u32, f: &mut RgbImage| {
        *f = RgbImage::new(10, 10);
        Ok(())
    };
    let err = export_mp4(&out, SMALL, 8, resizing, |_, _| {}, &cancel).unwrap_err();
    assert!(
        matches!(
            err,
            ExportError::FrameSize {
                frame: 0,
                got_w: 10,
                ..
            }
        ),
        "{err}"
    );
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn an_unwritable_output_folder_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let cancel = AtomicBool::new(false);
    let expect_clear = |out: PathBuf, folder: &Path| {
        let err = export(&out, SMALL, 3, &cancel).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ExportError::Io { .. }), "{msg}");
        assert!(
            msg.contains("could not create a temporary file in"),
            "{msg}"
        );
        assert!(msg.contains(&folder.display().to_string()), "{msg}");
    };
    // A folder that does not exist.
    let missing = dir.path().join("gone");
    expect_clear(missing.join("a.mp4"), &missing);
    // A "folder" that is a file.
    let file = dir.path().join("plain.txt");
    fs::write(&file, b"x").unwrap();
    expect_clear(file.join("a.mp4"), &file);
    // A read-only folder (unless we run as root, who may write anywhere).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.path().join("ro");
        fs::create_dir(&ro).unwrap();
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
        if fs::write(ro.join("probe"), b"").is_err() {
            expect_clear(ro.join("a.mp4"), &ro);
            assert!(files_in(&ro).is_empty());
        }
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn keyframes_fall_every_second_at_any_rate() {
    let dir = tempfile::tempdir().unwrap();
    for fps in [1, 7, 24, 60] {
        let out = dir.path().join(format!("{fps}.mp4"));
        let frames = 2 * fps + 1;
        export(
            &out,
            VideoSpec { fps, ..SMALL },
            frames,
            &AtomicBool::new(false),
        )
        .unwrap();
        let bytes = fs::read(&out).unwrap();
        let u32_at = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
        let stbl = [b"moov", b"trak", b"mdia", b"minf", b"stbl"];
        let stss = boxes::find(&bytes, &[&stbl[..], &[b"stss"]].concat())
            .unwrap()
            .unwrap();
        let sync: Vec<u32> = (0..u32_at(stss.body.start + 4) as usize)
            .map(|i| u32_at(stss.body.start + 8 + 4 * i))
            .collect();
        assert_eq!(sync, [1, fps + 1, 2 * fps + 1], "{fps} fps");
        let stsz = boxes::find(&bytes, &[&stbl[..], &[b"stsz"]].concat())
            .unwrap()
            .unwrap();
        assert_eq!(
            u32_at(stsz.body.start + 8),
            frames,
            "{fps} fps: sample count"
        );
        let mdhd = boxes::find(&bytes, &[b"moov", b"trak", b"mdia", b"mdhd"])
            .unwrap()
            .unwrap();
        let want = frames as f64 * 90_000.0 / fps as f64;
        let got = u32_at(mdhd.body.start + 16) as f64;
        assert!(
            (got - want).abs() <= 1.0,
            "{fps} fps: duration {got} ticks, want {want}"
        );
    }
}
