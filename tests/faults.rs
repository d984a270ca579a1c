//! Faults a creator's machine meets, injected for real into the `motionboard` CLI: the disk
//! filling up while a video is exported, a generated clip is stored or project.json is
//! saved (a small tmpfs in a private mount namespace, see `e2e::mount`), and the process
//! killed with SIGKILL at seeded random moments of an export or a generation. Whatever
//! happens, what was on disk before stays whole, nothing half-written appears under a real
//! name, and the message says what happened and what to free.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use e2e::mount::Namespace;
use e2e::{copy_dir, motionboard_bin, probe, snapshot, textured_picture};
use image::{Rgb, RgbImage};
use studio::generate::ResultCache;
use studio::motion::{MotionPath, Point};
use studio::project::store;

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A project with one warp shot of `seconds` on a 320x180 picture with a path.
fn warp_project(dir: &Path, seconds: f32) {
    let picture = dir.with_extension("png");
    textured_picture(320, 180, &[((0.3, 0.5), 0.08, Rgb([230, 30, 30]))])
        .save(&picture)
        .unwrap();
    let mut project = store::create(dir, "Faults").unwrap();
    let imported = store::import_image(dir, &picture).unwrap();
    let shot = &mut project.shots[0];
    shot.image = Some(imported.asset);
    shot.image_size = Some((imported.width, imported.height));
    shot.seconds = seconds;
    shot.motion.paths.push(MotionPath {
        points: vec![Point::new(0.3, 0.5), Point::new(0.7, 0.4)],
        radius: 0.1,
        mask: None,
    });
    store::save(dir, &project).unwrap();
}

fn render(project: &Path, out: &Path) -> Command {
    let mut command = Command::new(motionboard_bin());
    command.args(["render", s(project), "-o", s(out)]);
    command
}

fn succeeded(command: &mut Command) -> Output {
    let out = command.output().expect("run motionboard");
    assert!(out.status.success(), "{}", text(&out.stderr));
    out
}

/// A crash is a signal or a panic; a handled failure is exit status 1 with a message.
fn assert_handled(out: &Output) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: ") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

/// The number after "about " in `message`, in bytes ("about 1.23 MB" -> 1_230_000).
fn bytes_after_about(message: &str) -> u64 {
    let rest = &message[message.find("about ").expect("a size") + 6..];
    let mut words = rest.split_whitespace();
    let value: f64 = words.next().unwrap().parse().unwrap();
    let unit = match words.next().unwrap().trim_end_matches([':', ',']) {
        "bytes" => 1.0,
        "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        other => panic!("unit {other}"),
    };
    (value * unit) as u64
}

#[test]
fn a_full_disk_during_export_keeps_the_previous_video() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("story");
    warp_project(&project, 3.0);
    let videos = tmp.path().join("videos");
    std::fs::create_dir_all(&videos).unwrap();
    let out = videos.join("story.mp4");
    // The previous export, and what the new one would be (the picture changed since).
    succeeded(&mut render(&project, &out));
    let previous = std::fs::read(&out).unwrap();
    let mut p = store::load(&project).unwrap();
    p.shots[0].seconds = 4.0;
    store::save(&project, &p).unwrap();
    let elsewhere = tmp.path().join("full-size.mp4");
    succeeded(&mut render(&project, &elsewhere));
    let size = std::fs::metadata(&elsewhere).unwrap().len();
    let project_before = snapshot(&project);

    // Too little room from the start, and room for all but the last few pages.
    for free in [0, size - 3 * 4096] {
        let after = tmp.path().join(format!("after-{free}"));
        let run = Namespace::new()
            .small_disk(&videos, free)
            .copy_back(&videos, &after)
            .run(&render(&project, &out));
        assert_handled(&run);
        let stderr = text(&run.stderr);
        assert!(
            stderr.contains("the disk is full")
                && stderr.contains(&format!("disk that holds {}", videos.display()))
                && stderr.contains("is unchanged"),
            "{free} bytes free: {stderr}"
        );
        // What the message asks for covers the video, without asking for far more.
        let asked = bytes_after_about(&stderr);
        assert!(
            asked >= size && asked < size + size / 4 + 100_000,
            "asked {asked} for a {size}-byte video"
        );
        assert_eq!(names(&after), ["story.mp4"], "{free} bytes free");
        assert_eq!(std::fs::read(after.join("story.mp4")).unwrap(), previous);
        assert_eq!(snapshot(&project), project_before);
    }
}

#[test]
fn a_full_disk_while_saving_keeps_project_json_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("story");
    warp_project(&project, 2.0);
    let picture = project.with_extension("png");
    let before = snapshot(&project);
    let after = tmp.path().join("after");
    // The picture is already in the assets: only project.json is written.
    let mut add = Command::new(motionboard_bin());
    add.args(["add-shot", s(&project), s(&picture), "--seconds", "2"]);
    let run = Namespace::new()
        .small_disk(&project, 0)
        .copy_back(&project, &after)
        .run(&add);
    assert_handled(&run);
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("project.json: the disk is full")
            && stderr.contains("make at least")
            && stderr.contains(&format!("disk that holds {}", project.display())),
        "{stderr}"
    );
    assert_eq!(snapshot(&after), before, "project folder changed");
    // With room, the same command works.
    succeeded(&mut add);
    assert_eq!(store::load(&project).unwrap().shots.len(), 2);
}

/// Seeded delays in `0..max` (a fixed LCG: the same kill points every run).
fn seeded_delays(seed: u64, count: usize, max: Duration) -> Vec<Duration> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            max.mul_f64((state >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

/// Starts `command`, SIGKILLs it after `delay` (if it is still running), and says whether
/// it was killed.
fn kill_after(command: &mut Command, delay: Duration) -> bool {
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < delay {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL: no handler, no cleanup
    let status = child.wait().unwrap();
    status.code().is_none()
}

#[test]
fn an_export_killed_at_random_moments_leaves_the_old_video_or_the_whole_new_one() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("story");
    warp_project(&project, 3.0);
    let videos = tmp.path().join("videos");
    std::fs::create_dir_all(&videos).unwrap();
    let out = videos.join("story.mp4");
    succeeded(&mut render(&project, &out));
    let previous = std::fs::read(&out).unwrap();
    let mut p = store::load(&project).unwrap();
    p.shots[0].seconds = 5.0;
    store::save(&project, &p).unwrap();
    let project_before = snapshot(&project);
    // The new video, made whole once, and how long that takes.
    let reference = tmp.path().join("reference.mp4");
    let start = Instant::now();
    succeeded(&mut render(&project, &reference));
    let took = start.elapsed();
    let whole = std::fs::read(&reference).unwrap();
    assert_ne!(whole, previous);

    let mut killed = 0;
    for delay in seeded_delays(15, 10, took.mul_f64(1.2)) {
        killed += kill_after(&mut render(&project, &out), delay) as usize;
        let now = std::fs::read(&out).unwrap();
        assert!(
            now == previous || now == whole,
            "after a kill at {delay:?} the video is neither the old one nor the whole new one"
        );
        assert_eq!(
            snapshot(&project),
            project_before,
            "kill at {delay:?} changed the project folder"
        );
        // No temporary file ever under the video's own name or another real one.
        for name in names(&videos) {
            assert!(
                name == "story.mp4" || (name.starts_with(".story.mp4.") && name.ends_with(".part")),
                "{name}"
            );
        }
    }
    assert!(killed >= 5, "only {killed} of 10 runs were killed mid-way");
    // The next export removes what the killed ones left and writes the whole video.
    succeeded(&mut render(&project, &out));
    assert_eq!(names(&videos), ["story.mp4"]);
    assert_eq!(std::fs::read(&out).unwrap(), whole);
    assert_eq!(probe(&out)["streams"][0]["nb_read_frames"], "150");
}

/// A data folder with the tiny Wan2.2 TI2V package and a project with one image-to-video
/// shot on it (96x32, 5 frames, 2 steps), as tests/generate.rs makes.
struct Generation {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    data: PathBuf,
    project: PathBuf,
}

impl Generation {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_owned();
        let data = root.join("data");
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures");
        copy_dir(
            &fixtures.join("wan_tiny_ti2v"),
            &data.join("models/wan_tiny_ti2v"),
        );
        let project = root.join("story");
        let picture = root.join("picture.png");
        RgbImage::from_fn(192, 64, |x, y| {
            Rgb([(x * 3 % 256) as u8, (y * 5 % 256) as u8, 128])
        })
        .save(&picture)
        .unwrap();
        let g = Generation {
            _tmp: tmp,
            root,
            data,
            project,
        };
        succeeded(&mut g.command(&["new", s(&g.project)]));
        succeeded(&mut g.command(&[
            "add-shot",
            s(&g.project),
            s(&picture),
            "--seconds",
            "1",
            "--prompt",
            "a red kite drifts over the dunes",
            "--path",
            "0.3,0.5 0.7,0.5",
            "--engine",
            "wan-image-to-video",
            "--gen-size",
            "96x32",
            "--frames",
            "5",
            "--steps",
            "2",
        ]));
        g
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(motionboard_bin());
        command
            .args(args)
            .env("MOTIONBOARD_DATA_DIR", &self.data)
            .env_remove("HF_HOME")
            .env("HF_HUB_CACHE", self.data.join("no-hf-cache"));
        command
    }

    fn generate(&self) -> Command {
        self.command(&["generate", s(&self.project), "--device", "flex"])
    }

    fn generated(&self) -> PathBuf {
        self.project.join("cache/generated")
    }
}

#[test]
fn a_full_disk_while_storing_a_generated_clip_keeps_the_project() {
    let g = Generation::new();
    let before = snapshot(&g.project);
    let after = g.root.join("after");
    let run = Namespace::new()
        .small_disk(&g.project, 4096)
        .copy_back(&g.project, &after)
        .run(&g.generate());
    assert_handled(&run);
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("the generated clip")
            && stderr.contains("the disk is full")
            && stderr.contains(&format!("disk that holds {}", g.generated().display()))
            && stderr.contains("make at least"),
        "{stderr}"
    );
    // project.json and the assets as they were; no clip, whole or half, in the cache.
    let left = snapshot(&after);
    assert!(
        left.keys().all(|k| !k.starts_with("cache/")),
        "{:?}",
        left.keys()
    );
    assert_eq!(left, before);
}

#[test]
fn a_generation_killed_at_random_moments_leaves_only_whole_clips() {
    let g = Generation::new();
    let before = std::fs::read(g.project.join("project.json")).unwrap();
    // One whole run, for its length and its result.
    let start = Instant::now();
    succeeded(&mut g.generate());
    let took = start.elapsed();
    let key = store::load(&g.project).unwrap().shots[0]
        .result
        .clone()
        .unwrap();
    let cache = ResultCache::new(&g.project);
    let clip = cache.load(&key).unwrap().unwrap();
    let recorded = std::fs::read(g.project.join("project.json")).unwrap();
    let reset = || {
        let _ = std::fs::remove_dir_all(g.generated());
        std::fs::write(g.project.join("project.json"), &before).unwrap();
    };

    let check = |when: &str| {
        // Every clip under a real name is whole; project.json is the old one or the one
        // recording the whole clip.
        if let Ok(entries) = std::fs::read_dir(g.generated()) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                assert_eq!(name, key, "{when}");
                assert_eq!(cache.load(&name).unwrap().as_ref(), Some(&clip), "{when}");
            }
        }
        let json = std::fs::read(g.project.join("project.json")).unwrap();
        assert!(json == before || json == recorded, "{when}: project.json");
        if json == recorded {
            assert!(
                cache.contains(&key),
                "{when}: a result recorded without its clip"
            );
        }
    };

    // Kills anywhere in a run: loading, denoising, decoding, storing.
    let mut killed = 0;
    for delay in seeded_delays(15, 6, took.mul_f64(1.1)) {
        reset();
        killed += kill_after(&mut g.generate(), delay) as usize;
        check(&format!("killed after {delay:?}"));
    }
    assert!(killed >= 3, "only {killed} of 6 runs were killed mid-way");

    // Kills just after the last step, while the clip is decoded and written.
    for delay in seeded_delays(16, 6, Duration::from_millis(60)) {
        reset();
        let mut child = g.generate().stderr(Stdio::piped()).spawn().unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        for line in lines.by_ref().map_while(Result::ok) {
            if line.contains("step 2/2") {
                break;
            }
        }
        // Keep reading, so the child never meets a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();
        check(&format!("killed {delay:?} after the last step"));
    }

    // The next run removes what killed runs left and ends with the one whole clip.
    succeeded(&mut g.generate());
    assert_eq!(names(&g.generated()), std::slice::from_ref(&key));
    assert_eq!(cache.load(&key).unwrap().unwrap(), clip);
}
