//! `motionboard script`: a scene script becomes shots at the end of a project, and the
//! storyboard it makes renders at once.

use std::path::Path;

use e2e::{motionboard, probe, textured_picture};
use image::Rgb;
use studio::project::{store, ShotSize, ShotSource};

fn run(args: &[&str]) -> String {
    let out = motionboard(args);
    assert!(
        out.status.success(),
        "motionboard {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 stdout")
}

/// A project with one 2 s shot of a small picture.
fn project_with_a_picture(dir: &Path) {
    let picture = dir.with_extension("png");
    textured_picture(160, 120, &[((0.5, 0.5), 0.1, Rgb([40, 200, 90]))])
        .save(&picture)
        .unwrap();
    run(&["new", dir.to_str().unwrap()]);
    run(&[
        "add-shot",
        dir.to_str().unwrap(),
        picture.to_str().unwrap(),
        "--seconds",
        "2",
    ]);
}

const SCREENPLAY: &str = "\
FADE IN:

EXT. HARBOUR - DAWN

Boats rock on grey water. Mia hurries down the quay.

INT. KITCHEN - DAY

Mia opens the letter.
She cries.
";

#[test]
fn a_screenplay_appends_one_shot_per_beat_that_renders() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("film");
    project_with_a_picture(&dir);
    let script = tmp.path().join("scene.txt");
    std::fs::write(&script, SCREENPLAY).unwrap();

    let stdout = run(&["script", dir.to_str().unwrap(), script.to_str().unwrap()]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "one line per new shot: {stdout}");
    assert!(
        lines[0].starts_with("Shot 2\textreme-long\t"),
        "{}",
        lines[0]
    );

    let project = store::load(&dir).unwrap();
    assert_eq!(project.shots.len(), 5);
    let prompts: Vec<&str> = project.shots[1..]
        .iter()
        .map(|s| s.prompt.as_str())
        .collect();
    assert_eq!(
        prompts,
        [
            "Boats rock on grey water.",
            "Mia hurries down the quay.",
            "Mia opens the letter.",
            "She cries."
        ]
    );
    let sizes: Vec<ShotSize> = project.shots[1..].iter().map(|s| s.shot_size).collect();
    assert_eq!(
        sizes,
        [
            ShotSize::ExtremeLong,
            ShotSize::Full,
            ShotSize::Long,
            ShotSize::CloseUp
        ]
    );
    // No new shot takes another shot's picture: each waits for its own, and the render says
    // which one is missing.
    for shot in &project.shots[1..] {
        assert_eq!(shot.source, ShotSource::Image);
        assert_eq!(shot.image, None);
    }
    let out = tmp.path().join("film.mp4");
    let refused = motionboard(&["render", dir.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("shot 2 (\"Shot 2\") has no picture"),
        "{stderr}"
    );
    assert!(!out.exists());

    // With their pictures the storyboard exports: every shot, at its planned length.
    let mut project = project;
    let picture = project.shots[0].image.clone();
    for shot in &mut project.shots[1..] {
        shot.image = picture.clone();
    }
    store::save(&dir, &project).unwrap();
    run(&["render", dir.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let seconds: f32 = project.shots.iter().map(|s| s.seconds).sum();
    let frames = (seconds * 30.0).round() as u64;
    let v = &probe(&out)["streams"][0];
    assert_eq!(v["nb_read_frames"], frames.to_string(), "{seconds} s");
}

#[test]
fn into_an_empty_project_every_shot_waits_for_its_picture() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("film");
    run(&["new", dir.to_str().unwrap()]);
    let script = tmp.path().join("beats.txt");
    std::fs::write(&script, "1. 海边的小镇。\n2. 小美跑过码头。\n3. 她笑了。\n").unwrap();
    run(&["script", dir.to_str().unwrap(), script.to_str().unwrap()]);
    let project = store::load(&dir).unwrap();
    for shot in &project.shots {
        assert_eq!(shot.source, ShotSource::Image);
        assert!(shot.image.is_none());
    }
    assert_eq!(project.shots[2].prompt, "她笑了。");
    assert_eq!(project.shots[2].shot_size, ShotSize::CloseUp);
}

#[test]
fn a_script_without_beats_or_not_in_utf8_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("film");
    project_with_a_picture(&dir);
    let before = std::fs::read(dir.join(store::PROJECT_FILE)).unwrap();

    let empty = tmp.path().join("empty.txt");
    std::fs::write(&empty, "\n\nFADE IN:\n\nINT. ROOM - NIGHT\n\n").unwrap();
    let latin1 = tmp.path().join("latin1.txt");
    std::fs::write(&latin1, b"Caf\xe9 scene.\n").unwrap();
    let missing = tmp.path().join("missing.txt");
    for (file, needle) in [
        (&empty, "no action"),
        (&latin1, "not UTF-8"),
        (&missing, "cannot read the script"),
    ] {
        let out = motionboard(&["script", dir.to_str().unwrap(), file.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{} was accepted", file.display());
        assert!(
            stderr.contains(needle),
            "expected \"{needle}\" in: {stderr}"
        );
        assert_eq!(
            std::fs::read(dir.join(store::PROJECT_FILE)).unwrap(),
            before,
            "project.json changed after {}",
            file.display()
        );
    }
}
