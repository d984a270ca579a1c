//! Generating shots end to end through the CLI, with the committed tiny Wan2.2 TI2V package
//! (models/fixtures/wan_tiny_ti2v, random weights in diffusers' real layout) installed in a
//! fresh data folder: `models list` finds it, `generate` makes a shot on the CPU (flex) and
//! on wgpu through lavapipe, the result is cached and recorded in the project, the same seed
//! gives the same frames, Ctrl+C mid-run leaves the project and the earlier result intact,
//! and the exported MP4 shows the generated frames, not the warp engine's.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use e2e::{copy_dir, decode_frames, motionboard_bin, probe};
use image::{Rgb, RgbImage};
use studio::generate::ResultCache;
use studio::project::{store, Engine, Generation};

const WIDTH: u32 = 96;
const HEIGHT: u32 = 32;

struct Setup {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    project: PathBuf,
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn run(setup: &Setup, args: &[&str]) -> std::process::Output {
    Command::new(motionboard_bin())
        .args(args)
        .env("MOTIONBOARD_DATA_DIR", &setup.data)
        .env_remove("HF_HOME")
        .env("HF_HUB_CACHE", setup.data.join("no-hf-cache"))
        .output()
        .expect("run motionboard")
}

fn ok(setup: &Setup, args: &[&str]) -> String {
    let out = run(setup, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "motionboard {args:?} failed: {stderr}"
    );
    stderr
}

/// A project with one image-to-video shot (a path drags the middle to the right) on the tiny
/// package, at the package's size, 5 frames, `steps` steps.
fn setup(steps: u32) -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures");
    copy_dir(
        &fixtures.join("wan_tiny_ti2v"),
        &data.join("models/wan_tiny_ti2v"),
    );
    let project = tmp.path().join("story");
    let picture = tmp.path().join("picture.png");
    RgbImage::from_fn(2 * WIDTH, 2 * HEIGHT, |x, y| {
        Rgb([(x * 3 % 256) as u8, (y * 5 % 256) as u8, 128])
    })
    .save(&picture)
    .unwrap();
    let setup = Setup {
        _tmp: tmp,
        data,
        project,
    };
    ok(&setup, &["new", s(&setup.project)]);
    ok(
        &setup,
        &[
            "add-shot",
            s(&setup.project),
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
            &steps.to_string(),
            // The run starts from the noised warp at step 1; where the path moves the latent
            // is tied to the warp until step 2.
            "--t-weak",
            "1",
            "--t-strong",
            "2",
        ],
    );
    let g = store::load(&setup.project).unwrap().shots[0].generation();
    assert_eq!(
        (g.engine, g.size, g.steps),
        (Engine::WanImageToVideo, Some((WIDTH, HEIGHT)), steps)
    );
    setup
}

fn set_generation(setup: &Setup, edit: impl FnOnce(&mut Generation)) {
    let mut project = store::load(&setup.project).unwrap();
    let mut g: Generation = project.shots[0].generation();
    edit(&mut g);
    project.shots[0].generation = Some(g);
    store::save(&setup.project, &project).unwrap();
}

fn result(setup: &Setup) -> Option<String> {
    store::load(&setup.project).unwrap().shots[0].result.clone()
}

fn frames(setup: &Setup, key: &str) -> Vec<RgbImage> {
    ResultCache::new(&setup.project)
        .load(key)
        .unwrap()
        .expect("a stored clip")
        .frames
}

fn mean_abs(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| x.abs_diff(*y) as u64)
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

#[test]
fn the_tiny_package_is_found_and_generates_a_cached_deterministic_shot() {
    let setup = setup(3);
    let list = run(&setup, &["models", "list"]);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(listed.contains("wan_tiny_ti2v"), "models list: {listed}");

    // Three steps, of which the first is skipped: the run starts at t_weak = 1.
    let stderr = ok(&setup, &["generate", s(&setup.project), "--device", "flex"]);
    for step in 1..=2 {
        assert!(stderr.contains(&format!("step {step}/2")), "{stderr}");
    }
    assert!(!stderr.contains("step 3/"), "{stderr}");
    let key = result(&setup).expect("the result is recorded in the project");
    let first = frames(&setup, &key);
    assert_eq!(first.len(), 5);
    assert_eq!(first[0].dimensions(), (WIDTH, HEIGHT));

    // Unchanged: from the cache, nothing generated.
    let again = ok(&setup, &["generate", s(&setup.project), "--device", "flex"]);
    assert!(
        again.contains("from the cache") && !again.contains("step 1/"),
        "{again}"
    );

    // The same seed gives the same frames: generate again from nothing.
    std::fs::remove_dir_all(setup.project.join("cache")).unwrap();
    ok(&setup, &["generate", s(&setup.project), "--device", "flex"]);
    assert_eq!(result(&setup).as_deref(), Some(key.as_str()));
    assert_eq!(
        frames(&setup, &key),
        first,
        "the same seed, the same frames"
    );

    // Another seed: another key and other frames.
    let mut project = store::load(&setup.project).unwrap();
    project.shots[0].seed = 99;
    store::save(&setup.project, &project).unwrap();
    ok(&setup, &["generate", s(&setup.project), "--device", "flex"]);
    let other = result(&setup).unwrap();
    assert_ne!(other, key);
    assert!(mean_abs(&frames(&setup, &other)[4], &first[4]) > 1.0);
}

#[test]
fn cancelling_leaves_the_project_and_the_earlier_result() {
    let setup = setup(2);
    ok(&setup, &["generate", s(&setup.project), "--device", "flex"]);
    let before = std::fs::read_to_string(setup.project.join("project.json")).unwrap();
    let key = result(&setup).unwrap();
    let clip = frames(&setup, &key);

    // A long run, stopped with Ctrl+C after its first step.
    set_generation(&setup, |g| {
        g.steps = 100_000;
        g.t_weak = 0;
        g.t_strong = 0;
    });
    let edited = std::fs::read_to_string(setup.project.join("project.json")).unwrap();
    let mut child = Command::new(motionboard_bin())
        .args(["generate", s(&setup.project), "--device", "flex"])
        .env("MOTIONBOARD_DATA_DIR", &setup.data)
        .env("HF_HUB_CACHE", setup.data.join("no-hf-cache"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let stepped = line.contains("step 1/100000");
        seen.push(line);
        if stepped {
            break;
        }
    }
    assert!(seen.iter().any(|l| l.contains("step 1/100000")), "{seen:?}");
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let rest: Vec<String> = lines
        .map_while(Result::ok)
        .filter(|l| !l.contains(": step "))
        .collect();
    let status = child.wait().unwrap();
    assert!(!status.success(), "a cancelled run fails: {rest:?}");
    assert!(rest.iter().any(|l| l.contains("cancelled")), "{rest:?}");
    assert!(!rest.iter().any(|l| l.contains("step 100000/100000")));

    // project.json is as the edit left it (the old result recorded), the old clip intact,
    // and no partial clip anywhere.
    assert_eq!(
        std::fs::read_to_string(setup.project.join("project.json")).unwrap(),
        edited
    );
    assert_ne!(before, edited);
    assert_eq!(result(&setup).as_deref(), Some(key.as_str()));
    assert_eq!(frames(&setup, &key), clip);
    let entries: Vec<String> = std::fs::read_dir(setup.project.join("cache/generated"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries, vec![key]);
}

#[test]
fn the_export_shows_the_generated_frames() {
    let setup = setup(2);
    ok(&setup, &["generate", s(&setup.project), "--device", "flex"]);
    let key = result(&setup).unwrap();
    let clip = frames(&setup, &key);
    let out = setup.project.join("film.mp4");
    ok(&setup, &["render", s(&setup.project), "-o", s(&out)]);
    let info = probe(&out);
    assert_eq!(info["streams"][0]["codec_name"], "h264");
    let decoded = decode_frames(&out);
    assert_eq!(decoded.len(), 30, "1 s at 30 fps");
    // The export is the picture's size (192x64): the clip scaled up 2x.
    let last = decoded.last().unwrap();
    let generated = image::imageops::resize(
        clip.last().unwrap(),
        last.width(),
        last.height(),
        image::imageops::FilterType::Triangle,
    );
    // Without the clip the sequence would show the warp engine's frames.
    let mut project = store::load(&setup.project).unwrap();
    project.shots[0].result = None;
    store::save(&setup.project, &project).unwrap();
    let warped_out = setup.project.join("warped.mp4");
    ok(&setup, &["render", s(&setup.project), "-o", s(&warped_out)]);
    let warped = decode_frames(&warped_out);
    let to_generated = mean_abs(last, &generated);
    let to_warped = mean_abs(last, warped.last().unwrap());
    println!("last frame: {to_generated:.1} from the clip, {to_warped:.1} from the warp");
    assert!(to_generated < 12.0, "{to_generated}");
    assert!(
        to_warped > 3.0 * to_generated,
        "{to_warped} vs {to_generated}"
    );
}

#[test]
fn wgpu_through_lavapipe_generates_the_same_shot() {
    let setup = setup(2);
    ok(&setup, &["generate", s(&setup.project), "--device", "flex"]);
    let cpu = frames(&setup, &result(&setup).unwrap());
    let on_wgpu = |extra: &[&str]| {
        let mut args = vec!["generate", s(&setup.project), "--device", "wgpu"];
        args.extend_from_slice(&["--precision", "f32"]);
        args.extend_from_slice(extra);
        let stderr = ok(&setup, &args);
        let key = result(&setup).unwrap();
        for (g, c) in frames(&setup, &key).iter().zip(&cpu) {
            assert!(
                mean_abs(g, c) < 1.0,
                "{extra:?}: wgpu and flex agree to rounding"
            );
        }
        (stderr, key)
    };
    let (stderr, key) = on_wgpu(&[]);
    assert!(stderr.contains("wgpu"), "{stderr}");
    // The text encoder on the CPU, the rest on wgpu: another key, the same picture.
    let (stderr, split) = on_wgpu(&["--text-encoder-on-cpu"]);
    assert!(stderr.contains("text encoder on CPU"), "{stderr}");
    assert_ne!(split, key);
}

#[test]
fn motion_on_a_text_to_video_shot_is_refused_with_the_way_out() {
    let setup = setup(2);
    set_generation(&setup, |g| g.engine = Engine::WanTextToVideo);
    let out = run(&setup, &["generate", s(&setup.project), "--device", "flex"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("text-to-video has no image condition")
            && stderr.contains("wan-image-to-video"),
        "{stderr}"
    );
    assert_eq!(result(&setup), None, "nothing generated, nothing recorded");
}

/// The clips in the project's cache.
fn cached(setup: &Setup) -> Vec<String> {
    let mut keys: Vec<String> = std::fs::read_dir(setup.project.join("cache/generated"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    keys.sort();
    keys
}

/// `motionboard generate` on flex with the device failing as `fault` says (debug builds read
/// MOTIONBOARD_INJECT_FAULT); its stderr, after checking that it failed.
fn failing(setup: &Setup, fault: Option<&str>, extra: &[&str]) -> String {
    let mut command = Command::new(motionboard_bin());
    command
        .args(["generate", s(&setup.project), "--device", "flex"])
        .args(extra)
        .env("MOTIONBOARD_DATA_DIR", &setup.data)
        .env_remove("HF_HOME")
        .env("HF_HUB_CACHE", setup.data.join("no-hf-cache"));
    if let Some(fault) = fault {
        command.env("MOTIONBOARD_INJECT_FAULT", fault);
    }
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{fault:?} {extra:?}: {stderr}");
    stderr
}

#[test]
fn a_failing_gpu_ends_the_run_with_what_to_change_and_loses_nothing() {
    let setup = setup(2);
    ok(&setup, &["generate", s(&setup.project), "--device", "flex"]);
    let key = result(&setup).unwrap();
    let clip = frames(&setup, &key);
    // A new seed: the next run has to generate.
    let mut project = store::load(&setup.project).unwrap();
    project.shots[0].seed = 5;
    store::save(&setup.project, &project).unwrap();
    let project_json = std::fs::read(setup.project.join("project.json")).unwrap();

    let cases: [(&str, &[&str]); 4] = [
        (
            "oom@text",
            &[
                "ran out of memory while encoding the prompt",
                "--text-encoder-on-cpu",
            ],
        ),
        (
            "oom@step:1",
            &["ran out of memory while denoising step 1", "fewer frames"],
        ),
        (
            "device-lost@decoding",
            &["GPU was lost while decoding the video", "try again"],
        ),
        (
            "nan@step:1",
            &[
                "latents became NaN or infinite while denoising step 1",
                "f32",
            ],
        ),
    ];
    for (fault, words) in cases {
        let stderr = failing(&setup, Some(fault), &[]);
        for word in words {
            assert!(stderr.contains(word), "{fault}: {word:?} not in {stderr}");
        }
        assert!(stderr.contains("Nothing was saved"), "{stderr}");
        assert!(!stderr.contains("panicked at") || stderr.contains("simulated"));
        assert_eq!(
            std::fs::read(setup.project.join("project.json")).unwrap(),
            project_json,
            "{fault}: project.json as it was"
        );
        assert_eq!(cached(&setup), vec![key.clone()], "{fault}: no half clip");
        assert_eq!(
            frames(&setup, &key),
            clip,
            "{fault}: the earlier clip intact"
        );
    }
    // Nothing injected: the same run goes through.
    ok(&setup, &["generate", s(&setup.project), "--device", "flex"]);
    assert_ne!(result(&setup).as_deref(), Some(key.as_str()));
}

#[test]
fn nan_in_the_weights_is_named_at_the_step_that_meets_it() {
    let setup = setup(2);
    // A copy of the package with NaN in the transformer's last bias, chosen by name.
    let copy = setup.data.join("models/wan_tiny_nan");
    copy_dir(&setup.data.join("models/wan_tiny_ti2v"), &copy);
    let weights = copy.join("transformer/diffusion_pytorch_model.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    assert_eq!(header["proj_out.bias"]["dtype"], "F32");
    let at = 8 + n + header["proj_out.bias"]["data_offsets"][0].as_u64().unwrap() as usize;
    bytes[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    std::fs::write(&weights, bytes).unwrap();
    set_generation(&setup, |g| g.model = "wan_tiny_nan".into());
    let stderr = failing(&setup, None, &[]);
    assert!(
        stderr.contains("the latents became NaN or infinite while denoising step 1")
            && stderr.contains("download it again"),
        "{stderr}"
    );
    assert_eq!(result(&setup), None);
    assert!(!setup.project.join("cache/generated").exists() || cached(&setup).is_empty());
}

#[test]
fn a_run_over_the_memory_budget_is_refused_before_loading() {
    let setup = setup(2);
    // 1 MiB of "GPU": the tiny package's text encoder alone needs more.
    let stderr = failing(&setup, None, &["--gpu-memory", "0.001"]);
    assert!(
        stderr.contains("does not fit") && stderr.contains("of GPU memory, the GPU has 0.0 GiB"),
        "{stderr}"
    );
    assert!(!stderr.contains("step 1/"), "{stderr}");
    assert_eq!(result(&setup), None);
}
