//! Project folders end to end: save and render through the CLI, recovery of autosaved work
//! after the process is killed, and bad files that must be reported and left untouched.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use e2e::{motionboard, probe, snapshot, textured_picture};
use image::Rgb;
use studio::motion::{MotionPath, Point};
use studio::project::{store, Project};

/// A saved project with one imported picture and one path.
fn make_project(dir: &Path) -> Project {
    let src = dir.with_extension("source.png");
    textured_picture(200, 150, &[((0.3, 0.5), 0.06, Rgb([230, 30, 30]))])
        .save(&src)
        .unwrap();
    let mut project = store::create(dir, "Round trip").unwrap();
    let imported = store::import_image(dir, &src).unwrap();
    let shot = &mut project.shots[0];
    shot.image = Some(imported.asset);
    shot.image_size = Some((imported.width, imported.height));
    shot.seconds = 2.0;
    shot.motion.paths.push(MotionPath {
        points: vec![Point::new(0.3, 0.5), Point::new(0.7, 0.4)],
        radius: 0.1,
        mask: None,
    });
    store::save(dir, &project).unwrap();
    project
}

#[test]
fn a_saved_project_reopens_identically_and_renders() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("proj");
    let project = make_project(&dir);
    assert_eq!(store::load(&dir).unwrap(), project);
    let before = snapshot(&dir);

    let out = tmp.path().join("render.mp4");
    let run = motionboard(&["render", dir.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let v = &probe(&out)["streams"][0];
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(200), Some(150))
    );
    assert_eq!(v["nb_read_frames"], "60");
    assert_eq!(snapshot(&dir), before, "render changed the project folder");
}

/// Not a test on its own: the child process that `autosave_survives_a_killed_process` starts
/// (with `--ignored`) and kills.
#[test]
#[ignore = "the child process of autosave_survives_a_killed_process"]
fn autosave_child() {
    let Some(dir) = std::env::var_os("MOTIONBOARD_AUTOSAVE_CHILD") else {
        return;
    };
    let dir = Path::new(&dir);
    let mut project = store::load(dir).unwrap();
    for i in 0u64.. {
        project.shots[0].seconds = 1.0 + (i % 14) as f32;
        project.name = format!("edit {i} {}", "x".repeat(4096));
        store::autosave(dir, &project).unwrap();
    }
}

#[test]
fn autosave_survives_a_killed_process() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("proj");
    let saved = make_project(&dir);
    let saved_json = std::fs::read(dir.join(store::PROJECT_FILE)).unwrap();

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "autosave_child", "--ignored", "--nocapture"])
        .env("MOTIONBOARD_AUTOSAVE_CHILD", &dir)
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !dir.join(store::AUTOSAVE_FILE).exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "child never autosaved"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL: no chance to finish a write
    child.wait().unwrap();

    let (recovered, was_recovered) = store::open(&dir).unwrap();
    assert!(was_recovered, "the autosaved edits were not offered back");
    assert!(
        recovered.name.starts_with("edit "),
        "recovered {:?}",
        recovered.name
    );
    assert_eq!(recovered.shots[0].image, saved.shots[0].image);
    assert_eq!(
        std::fs::read(dir.join(store::PROJECT_FILE)).unwrap(),
        saved_json
    );
}

/// `render` on a damaged project fails with `needle` in its message and leaves every file as
/// it was.
fn render_fails_untouched(dir: &Path, needle: &str) {
    let before = snapshot(dir);
    let out = dir.parent().unwrap().join("never.mp4");
    let run = motionboard(&["render", dir.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(
        stderr.contains(needle),
        "expected \"{needle}\" in: {stderr}"
    );
    assert!(!out.exists());
    assert_eq!(
        snapshot(dir),
        before,
        "the failed render changed the project"
    );
}

#[test]
fn a_corrupt_picture_is_reported_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("proj");
    let project = make_project(&dir);
    let asset = dir.join(project.shots[0].image.as_ref().unwrap());
    let bytes = std::fs::read(&asset).unwrap();
    std::fs::write(&asset, &bytes[..bytes.len() / 3]).unwrap();
    render_fails_untouched(&dir, asset.file_name().unwrap().to_str().unwrap());
}

#[test]
fn a_truncated_project_file_is_reported_as_damaged() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("proj");
    make_project(&dir);
    let file = dir.join(store::PROJECT_FILE);
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() * 2 / 3]).unwrap();
    render_fails_untouched(&dir, "is damaged");
}

#[test]
fn a_project_from_a_newer_version_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("proj");
    make_project(&dir);
    let file = dir.join(store::PROJECT_FILE);
    let text = std::fs::read_to_string(&file).unwrap();
    let current = format!("\"schema_version\": {}", studio::project::SCHEMA_VERSION);
    let newer = text.replace(&current, "\"schema_version\": 99");
    assert_ne!(newer, text);
    std::fs::write(&file, newer).unwrap();
    render_fails_untouched(&dir, "newer Motionboard");
}
