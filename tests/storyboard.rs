//! The storyboard end to end through the CLI: `new`, `add-shot`, `add-audio`, `snap` and
//! `render` of a whole sequence with sound, read back by ffprobe and decoded by ffmpeg; bad
//! input that must be reported by name and leave the project as it was; and a project file
//! from version 1 that must open as version 2 with nothing lost.
//!
//! Cut times are found in the decoded video by the dominant colour of each frame (every shot
//! shows a flat picture of its own colour), and must be within one frame of where the
//! sequence timing puts them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Instant;

use e2e::audio::write_wav;
use e2e::{decode_frames, motionboard, probe};
use image::{Rgb, RgbImage};
use studio::project::{store, ShotSource, TransitionKind, SCHEMA_VERSION};
use studio::sequence::Timing;

const FPS: f64 = 30.0;
const RED: [u8; 3] = [220, 40, 40];
const GREEN: [u8; 3] = [40, 200, 40];
const BLUE: [u8; 3] = [40, 40, 220];

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn ok(args: &[&str]) -> Output {
    let out = motionboard(args);
    assert!(
        out.status.success(),
        "motionboard {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `args`, expecting failure with every one of `needles` in the message.
fn fails(args: &[&str], needles: &[&str]) -> String {
    let out = motionboard(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "motionboard {args:?} should fail");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "expected \"{needle}\" in the message of {args:?}: {stderr}"
        );
    }
    stderr
}

/// A flat picture with a faint gradient (so it is not trivially compressible).
fn picture(dir: &Path, name: &str, colour: [u8; 3]) -> PathBuf {
    let path = dir.join(name);
    RgbImage::from_fn(320, 240, |x, y| {
        let d = ((x + y) % 8) as u8;
        Rgb([colour[0] + d, colour[1] + d, colour[2] + d])
    })
    .save(&path)
    .unwrap();
    path
}

/// A click track: a short 1.5 kHz burst on every beat, `bpm` from `first` on, at 44.1 kHz
/// stereo (so the import resamples it).
fn click_track(path: &Path, bpm: f64, first: f64, seconds: f64) {
    let rate = 44_100.0;
    let n = (seconds * rate) as usize;
    let mut mono = vec![0.0f32; n];
    let mut beat = first;
    while beat < seconds {
        let at = (beat * rate) as usize;
        for k in 0..(0.03 * rate) as usize {
            if let Some(v) = mono.get_mut(at + k) {
                let t = k as f64 / rate;
                *v = (0.8 * (std::f64::consts::TAU * 1500.0 * t).sin() * (-t / 0.006).exp()) as f32;
            }
        }
        beat += 60.0 / bpm;
    }
    write_wav(path, rate as u32, &[mono.clone(), mono]);
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    files
}

/// Which of the shot colours a frame shows (by its mean colour's strongest channel).
fn dominant(frame: &RgbImage) -> usize {
    let mut sum = [0u64; 3];
    for p in frame.pixels() {
        for c in 0..3 {
            sum[c] += p[c] as u64;
        }
    }
    (0..3).max_by_key(|&c| sum[c]).unwrap()
}

/// The time of the first frame after `from` showing colour channel `colour`.
fn first_frame_of(frames: &[usize], from: usize, colour: usize) -> Option<usize> {
    (from..frames.len()).find(|&i| frames[i] == colour)
}

#[test]
fn three_shots_with_a_click_track_render_with_their_cuts_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("film");
    let d = s(&dir);
    ok(&["new", d]);
    let red = picture(tmp.path(), "red.png", RED);
    let green = picture(tmp.path(), "green.png", GREEN);
    let blue = picture(tmp.path(), "blue.jpg", BLUE);
    let click = tmp.path().join("click.wav");
    click_track(&click, 120.0, 0.0, 8.0);

    ok(&[
        "add-shot",
        d,
        s(&red),
        "--seconds",
        "2",
        "--prompt",
        "a red room",
        "--transition",
        "crossfade",
        "--transition-seconds",
        "0.5",
    ]);
    ok(&[
        "add-shot",
        d,
        s(&green),
        "--seconds",
        "1.5",
        "--camera",
        "zoom-in",
        "--amount",
        "0.1",
    ]);
    ok(&[
        "add-shot",
        d,
        s(&blue),
        "--seconds",
        "2",
        "--path",
        "0.3,0.5 0.7,0.5",
        "--radius",
        "0.1",
        "--static",
        "0.5,0.1,0.1",
    ]);
    ok(&["add-audio", d, s(&click), "--gain", "-3"]);

    let project = store::load(&dir).unwrap();
    assert_eq!(project.shots.len(), 3);
    assert_eq!(project.shots[0].transition.kind, TransitionKind::Crossfade);
    assert_eq!(project.shots[0].prompt, "a red room");
    assert_eq!(project.audio.len(), 1);
    assert!((project.audio[0].file_seconds - 8.0).abs() < 0.01);
    let before = snapshot(&dir);

    let out = tmp.path().join("film.mp4");
    let started = Instant::now();
    ok(&["render", d, "-o", s(&out)]);
    let render_time = started.elapsed().as_secs_f64();
    assert_eq!(snapshot(&dir), before, "render changed the project folder");

    // Sum of shots minus the crossfade: 2 + 1.5 + 2 - 0.5 = 5 s.
    let expected = 5.0;
    let info = probe(&out);
    let streams = info["streams"].as_array().unwrap();
    let video = streams.iter().find(|v| v["codec_type"] == "video").unwrap();
    let audio = streams.iter().find(|v| v["codec_type"] == "audio").unwrap();
    assert_eq!(video["codec_name"], "h264");
    assert_eq!(audio["codec_name"], "aac");
    assert_eq!(audio["sample_rate"], "48000");
    assert_eq!(audio["channels"], 2);
    let frames: f64 = video["nb_read_frames"].as_str().unwrap().parse().unwrap();
    assert!(
        (frames / FPS - expected).abs() <= 1.0 / FPS,
        "{frames} frames"
    );
    for stream in [video, audio] {
        let dur: f64 = stream["duration"].as_str().unwrap().parse().unwrap();
        assert!((dur - expected).abs() <= 1.0 / FPS, "stream lasts {dur} s");
    }

    // The cuts, where the timing puts them and where the decoded video shows them.
    let timing = Timing::new(&project.shots, 30);
    let cuts = timing.cut_times();
    assert!(
        (cuts[0] - 1.75).abs() < 1e-9 && (cuts[1] - 3.0).abs() < 1e-9,
        "{cuts:?}"
    );
    let classes: Vec<usize> = decode_frames(&out).iter().map(dominant).collect();
    assert_eq!(classes.len(), 150);
    assert_eq!(classes[0], 0);
    let green_at = first_frame_of(&classes, 0, 1).expect("the green shot shows");
    let blue_at = first_frame_of(&classes, green_at, 2).expect("the blue shot shows");
    assert!(classes[..green_at].iter().all(|&c| c == 0));
    assert!(classes[green_at..blue_at].iter().all(|&c| c == 1));
    assert!(classes[blue_at..].iter().all(|&c| c == 2));
    let errors = [
        green_at as f64 / FPS - cuts[0],
        blue_at as f64 / FPS - cuts[1],
    ];
    for e in errors {
        assert!(e.abs() <= 1.0 / FPS, "a cut is {e} s off");
    }
    eprintln!(
        "three-shot render: {frames} frames 320x240 with sound in {render_time:.2} s \
         ({:.0} fps); cut errors {:.1} ms, {:.1} ms",
        frames / render_time,
        errors[0] * 1000.0,
        errors[1] * 1000.0
    );
}

#[test]
fn snap_puts_every_cut_on_a_beat() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snap");
    let d = s(&dir);
    ok(&["new", d]);
    let click = tmp.path().join("click.wav");
    click_track(&click, 100.0, 0.25, 14.0);
    for (name, colour, args) in [
        ("a.png", RED, vec!["--seconds", "2.3"]),
        (
            "b.png",
            GREEN,
            vec![
                "--seconds",
                "1.7",
                "--transition",
                "crossfade",
                "--transition-seconds",
                "0.4",
            ],
        ),
        (
            "c.png",
            BLUE,
            vec![
                "--seconds",
                "2.9",
                "--transition",
                "dip",
                "--transition-seconds",
                "0.3",
            ],
        ),
        ("d.png", RED, vec!["--seconds", "2.0"]),
    ] {
        let pic = picture(tmp.path(), name, colour);
        let mut all = vec!["add-shot", d, s(&pic)];
        all.extend(args);
        ok(&all);
    }
    ok(&["add-audio", d, s(&click), "--start", "0.5"]);

    let beats_out = ok(&["beats", s(&click)]);
    let beats: Vec<f64> = String::from_utf8_lossy(&beats_out.stdout)
        .lines()
        .map(|l| l.trim().parse::<f64>().unwrap() + 0.5)
        .collect();
    assert!(beats.len() > 15, "{beats:?}");

    let snapped = ok(&["snap", d]);
    let printed: Vec<f64> = String::from_utf8_lossy(&snapped.stdout)
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    let project = store::load(&dir).unwrap();
    let cuts = Timing::new(&project.shots, 30).cut_times();
    assert_eq!(cuts.len(), 3);
    let mut worst = 0.0f64;
    for (i, cut) in cuts.iter().enumerate() {
        assert!(
            (cut - printed[i]).abs() < 1e-3,
            "printed {printed:?}, timing {cuts:?}"
        );
        let off = beats
            .iter()
            .map(|b| (b - cut).abs())
            .fold(f64::INFINITY, f64::min);
        assert!(
            off <= 1.0 / FPS,
            "cut {i} at {cut} s is {off} s from the nearest beat"
        );
        worst = worst.max(off);
    }
    for shot in &project.shots {
        assert!((1.0..=15.0).contains(&shot.seconds));
    }
    eprintln!(
        "snap: worst cut is {:.1} ms from a detected beat",
        worst * 1000.0
    );
}

#[test]
fn bad_input_names_the_file_and_leaves_the_project_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("proj");
    let d = s(&dir);
    // A project whose first shot has no picture yet (as the app creates one).
    store::create(&dir, "Bad input").unwrap();
    let red = picture(tmp.path(), "red.png", RED);
    ok(&["add-shot", d, s(&red), "--seconds", "1"]);
    let click = tmp.path().join("click.wav");
    click_track(&click, 120.0, 0.0, 3.0);
    let before = snapshot(&dir);
    let unchanged = |what: &str| assert_eq!(snapshot(&dir), before, "{what} changed the project");

    // Unknown file types, whatever their names say.
    let notes = tmp.path().join("notes.mp3");
    std::fs::write(&notes, "these are my notes, not a song").unwrap();
    fails(
        &["add-audio", d, s(&notes)],
        &["notes.mp3", "not an audio file"],
    );
    unchanged("add-audio of a text file");
    let fake = tmp.path().join("photo.png");
    std::fs::write(&fake, "not a picture").unwrap();
    fails(
        &["add-shot", d, s(&fake)],
        &["photo.png", "not a JPEG, PNG or WebP"],
    );
    unchanged("add-shot of a text file");

    // Truncated and corrupt sound.
    let wav = std::fs::read(&click).unwrap();
    let cut = tmp.path().join("cut-short.wav");
    std::fs::write(&cut, &wav[..40]).unwrap();
    fails(&["add-audio", d, s(&cut)], &["cut-short.wav"]);
    unchanged("add-audio of a truncated file");
    let broken = tmp.path().join("broken.flac");
    let mut junk = b"fLaC".to_vec();
    junk.extend((0..4000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    std::fs::write(&broken, junk).unwrap();
    fails(&["add-audio", d, s(&broken)], &["broken.flac"]);
    unchanged("add-audio of a corrupt file");

    // Bad options are refused before anything is imported.
    fails(
        &["add-shot", d, s(&red), "--seconds", "40"],
        &["lasts 40 s"],
    );
    fails(
        &["add-audio", d, s(&click), "--gain", "90"],
        &["gain 90 dB"],
    );
    unchanged("refused options");

    // Rendering a shot with no picture names the shot.
    let out = tmp.path().join("never.mp4");
    fails(
        &["render", d, "-o", s(&out)],
        &["shot 1 (\"Shot 1\") has no picture"],
    );
    assert!(!out.exists());
    unchanged("a failed render");

    // A damaged sound file inside the project is named by clip at render time.
    let fixed = tmp.path().join("fixed");
    ok(&["new", s(&fixed)]);
    ok(&["add-shot", s(&fixed), s(&red), "--seconds", "1"]);
    ok(&["add-audio", s(&fixed), s(&click), "--name", "Drums"]);
    let project = store::load(&fixed).unwrap();
    let asset = fixed.join(&project.audio[0].file);
    std::fs::write(&asset, b"RIFF garbage").unwrap();
    let before_fixed = snapshot(&fixed);
    fails(
        &["render", s(&fixed), "-o", s(&out)],
        &["audio clip 1 (\"Drums\")"],
    );
    assert!(!out.exists());
    assert_eq!(snapshot(&fixed), before_fixed);

    // A first shot cannot continue from a previous one, and a later one can.
    let empty = tmp.path().join("empty");
    ok(&["new", s(&empty)]);
    fails(&["add-shot", s(&empty), "--continue"], &["first shot"]);
    ok(&["add-shot", s(&empty), s(&red), "--seconds", "1"]);
    ok(&[
        "add-shot",
        s(&empty),
        "--continue",
        "--seconds",
        "1",
        "--camera",
        "pan-left",
    ]);
    let project = store::load(&empty).unwrap();
    assert_eq!(project.shots[1].source, ShotSource::PreviousShot);
    ok(&["render", s(&empty), "-o", s(&out)]);
    assert_eq!(probe(&out)["streams"][0]["nb_read_frames"], "60");
}

/// A project.json as version 1 of Motionboard wrote it.
const V1_PROJECT: &str = r#"{
  "schema_version": 1,
  "name": "Dog run",
  "shots": [
    {
      "id": "shot-1",
      "name": "Shot 1",
      "image": "assets/dog.png",
      "image_size": [64, 48],
      "seconds": 2.0,
      "motion": {
        "paths": [
          { "points": [ { "x": 0.2, "y": 0.5 }, { "x": 0.8, "y": 0.4 } ], "radius": 0.12 }
        ],
        "statics": [ { "points": [ { "x": 0.5, "y": 0.1 } ], "radius": 0.2 } ],
        "camera": { "kind": "zoom-in", "amount": 0.25, "easing": "linear" }
      }
    }
  ],
  "export": { "preset": "square", "fit": "blur" }
}
"#;

#[test]
fn a_version_1_project_opens_and_saves_as_version_2() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("old");
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("project.json"), V1_PROJECT).unwrap();
    RgbImage::from_pixel(64, 48, Rgb(RED))
        .save(dir.join("assets/dog.png"))
        .unwrap();

    let check = |p: &studio::project::Project| {
        assert_eq!(p.schema_version, SCHEMA_VERSION);
        assert_eq!(p.name, "Dog run");
        let shot = &p.shots[0];
        assert_eq!(shot.image.as_deref(), Some("assets/dog.png"));
        assert_eq!(shot.image_size, Some((64, 48)));
        assert_eq!(shot.seconds, 2.0);
        assert_eq!(shot.source, ShotSource::Image);
        assert_eq!(shot.transition.kind, TransitionKind::Cut);
        let m = &shot.motion;
        assert_eq!(m.paths.len(), 1);
        assert_eq!((m.paths[0].points[1].x, m.paths[0].radius), (0.8, 0.12));
        assert_eq!(m.statics[0].radius, 0.2);
        assert_eq!(m.camera.kind.name(), "zoom-in");
        assert_eq!(m.camera.amount, 0.25);
        assert_eq!(p.export.preset.map(|x| x.name()), Some("square"));
        assert_eq!(p.export.fit.name(), "blur");
    };
    let opened = store::load(&dir).unwrap();
    check(&opened);
    // Opening never writes: the file stays version 1 until saved.
    assert_eq!(
        std::fs::read_to_string(dir.join("project.json")).unwrap(),
        V1_PROJECT
    );

    // The CLI's next change saves it as version 2, with everything kept.
    let green = picture(tmp.path(), "green.png", GREEN);
    ok(&["add-shot", s(&dir), s(&green), "--seconds", "1"]);
    let text = std::fs::read_to_string(dir.join("project.json")).unwrap();
    assert!(
        text.contains(&format!("\"schema_version\": {SCHEMA_VERSION}")),
        "{text}"
    );
    let saved = store::load(&dir).unwrap();
    check(&saved);
    assert_eq!(saved.shots.len(), 2);

    let out = tmp.path().join("old.mp4");
    ok(&["render", s(&dir), "-o", s(&out)]);
    let v = &probe(&out)["streams"][0];
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(1080), Some(1080))
    );
    assert_eq!(v["nb_read_frames"], "90");
}
