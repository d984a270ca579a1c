//! What an export held is given back when it ends: a 4K photo animated along a path and
//! exported for TikTok (1080x1920, crop zoomed in) takes hundreds of megabytes of frames on
//! the render's threads; once the MP4 is written the process is back near where it started,
//! as the app is after an export. Its own test binary, so no other test's memory is counted.

use std::sync::atomic::AtomicBool;

use image::{Rgb, RgbImage};
use studio::export::{Crop, Preset};
use studio::heap::resident_bytes;
use studio::motion::{MotionPath, Point};
use studio::project::store;
use studio::sequence::export_sequence;

fn mib(bytes: u64) -> u64 {
    bytes >> 20
}

#[test]
fn an_export_gives_back_what_it_held() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("memory");
    // A detailed picture (every pixel differs from its neighbours), as a photo is.
    let picture = tmp.path().join("photo.png");
    RgbImage::from_fn(3840, 2160, |x, y| {
        let h = x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503);
        Rgb([(h >> 3) as u8, (h >> 11) as u8, (x ^ y) as u8])
    })
    .save(&picture)
    .unwrap();
    let mut project = store::create(&dir, "memory").unwrap();
    let imported = store::import_image(&dir, &picture).unwrap();
    let shot = &mut project.shots[0];
    shot.image = Some(imported.asset);
    shot.image_size = Some((imported.width, imported.height));
    shot.seconds = 1.0;
    shot.crop = Crop {
        x: 0.5,
        y: 0.5,
        zoom: 1.5,
    };
    shot.motion.paths.push(MotionPath {
        points: vec![Point { x: 0.3, y: 0.5 }, Point { x: 0.6, y: 0.4 }],
        radius: 0.1,
        mask: None,
    });
    project.export.preset = Some(Preset::Tiktok);
    store::save(&dir, &project).unwrap();

    let before = resident_bytes().expect("VmRSS is readable");
    let out = tmp.path().join("out.mp4");
    let peak = std::sync::Mutex::new(before);
    export_sequence(
        &dir,
        &project,
        project.export,
        &out,
        |_, _| {
            if let (Some(now), Ok(mut p)) = (resident_bytes(), peak.lock()) {
                *p = (*p).max(now);
            }
        },
        &AtomicBool::new(false),
    )
    .unwrap();
    let after = resident_bytes().unwrap();
    let peak = peak.into_inner().unwrap();
    eprintln!(
        "resident: {} MiB before the export, peak {} MiB, {} MiB after",
        mib(before),
        mib(peak),
        mib(after)
    );
    assert!(out.is_file());
    assert!(
        peak > before + (150 << 20),
        "the export holds its frames while it runs ({} -> {} MiB)",
        mib(before),
        mib(peak)
    );
    // Without giving memory back, about a sixth of the peak stays (glibc keeps freed frames
    // in its arenas); given back, the process ends below where it started.
    assert!(
        after < before + (peak - before) / 8,
        "after the export the process is back near where it started: {} MiB before, {} MiB \
         after (peak {} MiB)",
        mib(before),
        mib(after),
        mib(peak)
    );
}
