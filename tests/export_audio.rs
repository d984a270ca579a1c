//! Export with sound: a short clip with a click-track mix, written by
//! `export_mp4_with_audio` and read back the way a platform would: ffprobe must see H.264
//! and AAC-LC 48 kHz stereo that start together and end within one video frame, and
//! ffmpeg's decode of the sound must put every click where the mix had it.
//!
//! Timing tolerance: the encoder's 1024-sample priming frame is dropped (see
//! `studio::audio::aac`), so the decoded sound should line up with the mix to the sample;
//! AAC's transform spreads a click over a few samples either side, so each click is
//! located by cross-correlation with the mix and must land within 1 ms (48 samples).

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use e2e::audio::ffmpeg_decode;
use image::RgbImage;
use studio::audio::{encode_aac, mix, MixClip, Pcm, AAC_FRAME};
use studio::export::{export_mp4_with_audio, EncoderSettings, ExportAudio, VideoSpec};

const FPS: u32 = 30;
const FRAMES: u32 = 60;
/// Where the clicks are in the mix, in seconds.
const CLICKS: [f64; 4] = [0.25, 0.75, 1.25, 1.9];

/// A click (a decaying 2 kHz burst, 5 ms) in stereo, with the right channel inverted so a
/// swapped or mixed-down channel shows.
fn click() -> Pcm {
    let left: Vec<f32> = (0..240)
        .map(|k| {
            let s = k as f64 / 48_000.0;
            (0.7 * (std::f64::consts::TAU * 2000.0 * s).sin() * (-s / 0.0015).exp()) as f32
        })
        .collect();
    let right = left.iter().map(|v| -v).collect();
    Pcm { left, right }
}

fn probe_field<'a>(stream: &'a serde_json::Value, key: &str) -> &'a str {
    stream[key]
        .as_str()
        .unwrap_or_else(|| panic!("ffprobe gave no {key}: {stream}"))
}

#[test]
fn sound_and_picture_start_together_and_end_within_a_frame() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("with-sound.mp4");
    let spec = VideoSpec {
        width: 320,
        height: 240,
        fps: FPS,
    };
    let c = click();
    let clips: Vec<MixClip> = CLICKS.iter().map(|&t| MixClip::new(&c, t)).collect();
    // A mix a little longer than the video: the export cuts it to the video's length.
    let pcm = mix(&clips, 2.5);
    let started = Instant::now();
    export_mp4_with_audio(
        &out,
        spec,
        FRAMES,
        &EncoderSettings::for_spec(spec),
        Some(ExportAudio::new(&pcm)),
        |i, frame: &mut RgbImage| {
            for (x, y, p) in frame.enumerate_pixels_mut() {
                *p = image::Rgb([(x + i) as u8, y as u8, (i * 4) as u8]);
            }
            Ok(())
        },
        |_, _| {},
        &AtomicBool::new(false),
    )
    .expect("export with sound");
    let export_time = started.elapsed();

    // The container: moov first, no edit list.
    let bytes = std::fs::read(&out).unwrap();
    let at = |kind: &[u8]| bytes.windows(4).position(|w| w == kind);
    assert!(
        at(b"moov").unwrap() < at(b"mdat").unwrap(),
        "moov must come first"
    );
    assert!(
        at(b"edts").is_none() && at(b"elst").is_none(),
        "no edit list"
    );

    let info = e2e::probe(&out);
    let streams = info["streams"].as_array().expect("streams");
    let video = streams
        .iter()
        .find(|s| s["codec_type"] == "video")
        .expect("a video stream");
    let audio = streams
        .iter()
        .find(|s| s["codec_type"] == "audio")
        .expect("an audio stream");
    assert_eq!(probe_field(video, "codec_name"), "h264");
    assert_eq!(probe_field(audio, "codec_name"), "aac");
    assert_eq!(probe_field(audio, "profile"), "LC");
    assert_eq!(probe_field(audio, "sample_rate"), "48000");
    assert_eq!(audio["channels"].as_u64(), Some(2));
    let secs = |s: &serde_json::Value, k: &str| probe_field(s, k).parse::<f64>().unwrap();
    let (v_start, a_start) = (secs(video, "start_time"), secs(audio, "start_time"));
    let (v_dur, a_dur) = (secs(video, "duration"), secs(audio, "duration"));
    eprintln!(
        "video start {v_start} s, duration {v_dur} s; audio start {a_start} s, duration {a_dur} s; \
         end offset {:+.2} ms; export of {FRAMES} frames with sound took {export_time:?}",
        (a_start + a_dur - v_start - v_dur) * 1000.0
    );
    assert_eq!(v_start, a_start, "sound and picture must start together");
    assert!(
        (v_dur - FRAMES as f64 / FPS as f64).abs() < 1e-3,
        "video lasts {v_dur}"
    );
    assert!(
        ((a_start + a_dur) - (v_start + v_dur)).abs() <= 1.0 / FPS as f64,
        "sound ends {a_dur} s, picture {v_dur} s"
    );

    // The sound itself, decoded by ffmpeg.
    let decoded = ffmpeg_decode(&out, Some(48_000));
    let n = decoded[0].len();
    eprintln!("ffmpeg decoded {n} samples per channel (the mix for 2 s is 96000)");
    assert!(
        (96_000..96_000 + AAC_FRAME).contains(&n),
        "{n} samples decoded"
    );
    for &t in &CLICKS {
        let expected = (t * 48_000.0).round() as i64;
        // Cross-correlate the decoded sound with the click around where it should be.
        let mut best = (0i64, f64::MIN);
        for lag in -480i64..=480 {
            let s: f64 = c
                .left
                .iter()
                .enumerate()
                .map(|(k, v)| {
                    let j = expected + lag + k as i64;
                    if j >= 0 && (j as usize) < n {
                        *v as f64 * decoded[0][j as usize] as f64
                    } else {
                        0.0
                    }
                })
                .sum();
            if s > best.1 {
                best = (lag, s);
            }
        }
        let lag = best.0;
        eprintln!(
            "click at {t} s decoded {lag:+} samples ({:+.3} ms) off",
            lag as f64 / 48.0
        );
        assert!(lag.abs() <= 48, "click at {t} s is {lag} samples off");
        let j = (expected + lag) as usize;
        // The right channel is the inverse of the left: stereo survived.
        let (l, r): (f64, f64) = (j..j + 120).fold((0.0, 0.0), |(l, r), k| {
            (
                l + decoded[0][k] as f64 * c.left[k - j] as f64,
                r + decoded[1][k] as f64 * c.left[k - j] as f64,
            )
        });
        assert!(l > 0.0 && r < 0.0, "channels at {t} s: {l} {r}");
    }
}

#[test]
fn exports_without_sound_stay_video_only_and_aac_encodes_fast() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("silent.mp4");
    let spec = VideoSpec {
        width: 64,
        height: 64,
        fps: FPS,
    };
    studio::export::export_mp4(
        &out,
        spec,
        10,
        |_, f: &mut RgbImage| {
            f.pixels_mut().for_each(|p| *p = image::Rgb([10, 200, 30]));
            Ok(())
        },
        |_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let info = e2e::probe(&out);
    assert_eq!(info["streams"].as_array().unwrap().len(), 1);

    // Encoding speed, for the record (not a timed assertion).
    let seconds = 30.0;
    let pcm = Pcm::from_mono(
        (0..(48_000.0 * seconds) as usize)
            .map(|i| 0.3 * ((i as f32) * 0.05).sin() + 0.2 * ((i as f32) * 0.0123).sin())
            .collect(),
    );
    let t = Instant::now();
    let stream = encode_aac(&pcm, 192_000).unwrap();
    let took = t.elapsed();
    eprintln!(
        "AAC-LC: {seconds} s of stereo in {took:?} ({:.0}x real time), {:.0} kbps",
        seconds / took.as_secs_f64(),
        stream.bitrate() / 1000.0
    );
    assert_eq!(
        stream.frames.len(),
        (48_000.0 * seconds / 1024.0).ceil() as usize
    );
}

/// Sound lengths that fill their last AAC frame exactly, nearly, or barely: the sound
/// track ends with the video every time.
#[test]
fn the_sound_track_ends_with_the_video_at_any_length() {
    let dir = tempfile::tempdir().unwrap();
    let c = click();
    for (frames, fps) in [(1u32, 30u32), (32, 30), (7, 7), (45, 60), (100, 24)] {
        let out = dir.path().join(format!("{frames}-{fps}.mp4"));
        let spec = VideoSpec {
            width: 64,
            height: 48,
            fps,
        };
        let pcm = mix(&[MixClip::new(&c, 0.0)], frames as f64 / fps as f64);
        export_mp4_with_audio(
            &out,
            spec,
            frames,
            &EncoderSettings::for_spec(spec),
            Some(ExportAudio::new(&pcm)),
            |_, f: &mut RgbImage| {
                f.pixels_mut().for_each(|p| *p = image::Rgb([90, 90, 200]));
                Ok(())
            },
            |_, _| {},
            &AtomicBool::new(false),
        )
        .unwrap_or_else(|e| panic!("{frames} frames at {fps} fps: {e}"));
        let info = e2e::probe(&out);
        let streams = info["streams"].as_array().unwrap();
        let dur = |kind: &str| {
            let s = streams.iter().find(|s| s["codec_type"] == kind).unwrap();
            probe_field(s, "duration").parse::<f64>().unwrap()
        };
        let (v, a) = (dur("video"), dur("audio"));
        let want = frames as f64 / fps as f64;
        eprintln!("{frames} frames at {fps} fps: video {v} s, audio {a} s, want {want:.6} s");
        assert!((v - want).abs() < 1e-3, "video {v} s, want {want}");
        assert!((a - want).abs() < 1e-3, "audio {a} s, want {want}");
    }
}
