//! Generated clips on disk: `cache/generated/<key>/` in the project folder holds `clip.json`
//! (size, frame count, rate) and one PNG per frame (lossless: the sequence and the export
//! re-encode them once). A clip is written into a temporary folder and renamed into place
//! whole, so a crash or a cancel never leaves a half clip under a key.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::error::GenerateError;
use crate::disk;
use crate::project::confine;

/// One generated clip, in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedClip {
    pub fps: u32,
    pub frames: Vec<RgbImage>,
}

impl GeneratedClip {
    /// The frame shown at shot time `t` in 0..=1 (the nearest generated frame): a shot
    /// longer or shorter than the clip plays it stretched to its own length.
    pub fn frame_at(&self, t: f32) -> Option<&RgbImage> {
        let last = self.frames.len().checked_sub(1)?;
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.frames.get((t * last as f32).round() as usize)
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct ClipInfo {
    width: u32,
    height: u32,
    frames: u32,
    fps: u32,
    /// The shot's recipe when the clip was made (`super::recipe`); absent in clips made
    /// before recipes were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recipe: Option<String>,
}

/// The generated clips of one project.
#[derive(Debug, Clone)]
pub struct ResultCache {
    dir: PathBuf,
    /// The project folder: nothing outside it is read or written, links or not.
    project: PathBuf,
}

impl ResultCache {
    /// The cache of the project in `project_dir`.
    pub fn new(project_dir: &Path) -> Self {
        Self {
            dir: project_dir.join("cache").join("generated"),
            project: project_dir.to_owned(),
        }
    }

    /// The folder of `key` (whether or not it exists).
    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.join(key)
    }

    /// Whether a whole clip is stored under `key`.
    pub fn contains(&self, key: &str) -> bool {
        let info = self.path(key).join("clip.json");
        valid_key(key) && self.inside(&info) && info.is_file()
    }

    /// Whether `path` stays inside the project folder: a project from elsewhere whose
    /// `cache/` (or a clip in it) is a link must not make us read or write outside it.
    fn inside(&self, path: &Path) -> bool {
        confine::stays_inside(&self.project, path)
    }

    /// The frame size (width, height) of the clip under `key`, without decoding its frames.
    pub fn frame_size(&self, key: &str) -> Option<(u32, u32)> {
        if !self.contains(key) {
            return None;
        }
        let text = std::fs::read_to_string(self.path(key).join("clip.json")).ok()?;
        let info: ClipInfo = serde_json::from_str(&text).ok()?;
        Some((info.width, info.height))
    }

    /// The recipe the clip under `key` was made from (`super::recipe::shot_recipe`), when it
    /// recorded one.
    pub fn recipe(&self, key: &str) -> Option<String> {
        if !self.contains(key) {
            return None;
        }
        let text = std::fs::read_to_string(self.path(key).join("clip.json")).ok()?;
        let info: ClipInfo = serde_json::from_str(&text).ok()?;
        info.recipe
    }

    /// Records in the clip under `key` the `recipe` of the shot it now plays for (see
    /// `super::recipe`), so a later change to the shot shows the clip as out of date. The
    /// clip's description is replaced whole (written beside it, synced, then renamed).
    pub fn record_recipe(&self, key: &str, recipe: &str) -> Result<(), GenerateError> {
        let path = self.path(key).join("clip.json");
        let err = |message: String| GenerateError::Cache {
            path: path.clone(),
            message,
        };
        if !self.contains(key) {
            return Err(err("no clip is stored under this key".into()));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| err(e.to_string()))?;
        let mut info: ClipInfo = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
        if info.recipe.as_deref() == Some(recipe) {
            return Ok(());
        }
        info.recipe = Some(recipe.to_owned());
        let text = serde_json::to_string_pretty(&info).map_err(|e| err(e.to_string()))?;
        // Atomic, and a full disk says so (a project error, worded for any file).
        crate::project::store::write_atomic(&path, text.as_bytes())?;
        Ok(())
    }

    /// The clip under `key`, `None` when there is none.
    pub fn load(&self, key: &str) -> Result<Option<GeneratedClip>, GenerateError> {
        if !self.contains(key) {
            return Ok(None);
        }
        let dir = self.path(key);
        let err = |message: String| GenerateError::Cache {
            path: dir.clone(),
            message,
        };
        let text =
            std::fs::read_to_string(dir.join("clip.json")).map_err(|e| err(e.to_string()))?;
        let info: ClipInfo = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
        let mut frames = Vec::with_capacity(info.frames as usize);
        for i in 0..info.frames {
            let path = dir.join(frame_name(i));
            if !self.inside(&path) {
                return Err(err(format!(
                    "{} is a link that leads outside the project folder",
                    path.display()
                )));
            }
            let frame = image::open(&path)
                .map_err(|e| err(format!("{}: {e}", path.display())))?
                .into_rgb8();
            if frame.dimensions() != (info.width, info.height) {
                return Err(err(format!(
                    "{} is {}x{}, the clip {}x{}",
                    path.display(),
                    frame.width(),
                    frame.height(),
                    info.width,
                    info.height
                )));
            }
            frames.push(frame);
        }
        Ok(Some(GeneratedClip {
            fps: info.fps,
            frames,
        }))
    }

    /// Stores `frames` under `key`, replacing nothing that is already there. The clip is
    /// written whole into a hidden folder (each file synced), then renamed into place, so
    /// under its key a clip is either whole or absent, even after a kill or a power cut. A
    /// full disk is [`GenerateError::DiskFull`], with the clip's size; the hidden folders a
    /// killed process left are removed first.
    pub fn store(&self, key: &str, fps: u32, frames: &[RgbImage]) -> Result<(), GenerateError> {
        let target = self.path(key);
        let err = |message: String| GenerateError::Cache {
            path: target.clone(),
            message,
        };
        if !valid_key(key) {
            return Err(err("not a cache key".into()));
        }
        if !self.inside(&target) {
            return Err(err(
                "the project's cache/ leads outside the project folder (a link): remove the \
                 link, and the cache is made again inside the folder"
                    .into(),
            ));
        }
        let Some(first) = frames.first() else {
            return Err(err("no frames to store".into()));
        };
        // Encoded before anything is written, so a full disk can be told what the clip needs.
        let mut files = Vec::with_capacity(frames.len() + 1);
        for (i, frame) in frames.iter().enumerate() {
            let mut png = std::io::Cursor::new(Vec::new());
            frame
                .write_to(&mut png, image::ImageFormat::Png)
                .map_err(|e| err(format!("frame {i} could not be encoded: {e}")))?;
            files.push((frame_name(i as u32), png.into_inner()));
        }
        let info = ClipInfo {
            width: first.width(),
            height: first.height(),
            frames: frames.len() as u32,
            fps,
            recipe: None,
        };
        let text = serde_json::to_string_pretty(&info).map_err(|e| err(e.to_string()))?;
        // clip.json last: `contains` looks for it.
        files.push(("clip.json".into(), text.into_bytes()));
        let needed: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();

        std::fs::create_dir_all(&self.dir).map_err(|e| self.write_error(&target, e, needed))?;
        disk::sweep_leftovers(&self.dir, partial_owner);
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tmp = self
            .dir
            .join(format!(".partial-{key}-{}-{n}", std::process::id()));
        let written = (|| -> std::io::Result<()> {
            std::fs::create_dir_all(&tmp)?;
            for (name, bytes) in &files {
                let path = tmp.join(name);
                let mut file = disk::Metered::new(&path, std::fs::File::create(&path)?);
                file.write_all(bytes)?;
                file.get_ref().sync_all()?;
            }
            disk::sync_folder(&tmp);
            if target.exists() {
                // The same key is the same clip: keep the one already there.
                return std::fs::remove_dir_all(&tmp);
            }
            std::fs::rename(&tmp, &target)?;
            disk::sync_folder(&self.dir);
            Ok(())
        })();
        written.map_err(|e| {
            let _ = std::fs::remove_dir_all(&tmp);
            self.write_error(&target, e, needed)
        })
    }

    /// A write of the clip under `target` that failed; `needed` bytes is the clip's size.
    fn write_error(&self, target: &Path, e: std::io::Error, needed: u64) -> GenerateError {
        if disk::is_full(&e) {
            GenerateError::DiskFull {
                folder: self.dir.clone(),
                needed,
            }
        } else {
            GenerateError::Cache {
                path: target.to_owned(),
                message: e.to_string(),
            }
        }
    }
}

/// The process that wrote a hidden folder of [`ResultCache::store`]
/// (`.partial-<key>-<pid>-<n>`).
fn partial_owner(name: &str) -> Option<u32> {
    let mut parts = name.strip_prefix(".partial-")?.rsplitn(3, '-');
    parts.next()?.parse::<u32>().ok()?;
    let pid = parts.next()?.parse().ok()?;
    valid_key(parts.next()?).then_some(pid)
}

/// Keys are hex digests: anything else could name a path outside the cache.
fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 128 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

fn frame_name(i: u32) -> String {
    format!("frame_{i:04}.png")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(n: u8) -> Vec<RgbImage> {
        (0..n)
            .map(|i| RgbImage::from_pixel(6, 4, image::Rgb([i * 40, 10, 200])))
            .collect()
    }

    #[test]
    fn a_clip_round_trips_and_plays_stretched() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::new(dir.path());
        assert!(cache.load("ab12").unwrap().is_none());
        cache.store("ab12", 16, &frames(5)).unwrap();
        let clip = cache.load("ab12").unwrap().unwrap();
        assert_eq!(clip.fps, 16);
        assert_eq!(clip.frames, frames(5));
        assert_eq!(clip.frame_at(0.0).unwrap().get_pixel(0, 0).0[0], 0);
        assert_eq!(clip.frame_at(1.0).unwrap().get_pixel(0, 0).0[0], 160);
        assert_eq!(clip.frame_at(0.5).unwrap().get_pixel(0, 0).0[0], 80);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("cache/generated"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            leftovers,
            vec!["ab12".to_string()],
            "no partial folder left"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_cache_that_links_outside_the_project_is_neither_read_nor_written() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().unwrap();
        // A clip made elsewhere, in a folder outside the project.
        let elsewhere = tmp.path().join("elsewhere");
        ResultCache::new(&elsewhere)
            .store("ab12", 16, &frames(2))
            .unwrap();
        let dir = tmp.path().join("project");
        std::fs::create_dir_all(&dir).unwrap();

        // cache/ itself a link.
        symlink(elsewhere.join("cache"), dir.join("cache")).unwrap();
        let cache = ResultCache::new(&dir);
        assert!(!cache.contains("ab12"));
        assert!(cache.load("ab12").unwrap().is_none());
        assert!(cache.frame_size("ab12").is_none());
        let err = cache.store("cd34", 16, &frames(1)).unwrap_err().to_string();
        assert!(err.contains("leads outside the project folder"), "{err}");
        assert!(!elsewhere.join("cache/generated/cd34").exists());
        assert!(cache.record_recipe("ab12", "r").is_err());
        std::fs::remove_file(dir.join("cache")).unwrap();

        // One clip folder a link, and a frame of a real clip a link.
        std::fs::create_dir_all(dir.join("cache/generated")).unwrap();
        symlink(
            elsewhere.join("cache/generated/ab12"),
            dir.join("cache/generated/ab12"),
        )
        .unwrap();
        assert!(!cache.contains("ab12"));
        cache.store("ef56", 16, &frames(2)).unwrap();
        let frame = dir.join("cache/generated/ef56/frame_0001.png");
        std::fs::remove_file(&frame).unwrap();
        symlink(
            elsewhere.join("cache/generated/ab12/frame_0001.png"),
            &frame,
        )
        .unwrap();
        let err = cache.load("ef56").unwrap_err().to_string();
        assert!(err.contains("leads outside the project folder"), "{err}");
    }

    #[test]
    fn keys_that_are_not_digests_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::new(dir.path());
        assert!(cache.store("../x", 16, &frames(1)).is_err());
        assert!(!cache.contains("../../etc"));
        assert!(cache.store("ab", 16, &[]).is_err());
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_full_disk_leaves_no_half_clip_and_says_what_the_clip_needs() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::new(dir.path());
        cache.store("aa", 16, &frames(3)).unwrap();
        let needed = {
            let probe = tempfile::tempdir().unwrap();
            let disk = disk::fill_disk(probe.path(), u64::MAX / 2);
            ResultCache::new(probe.path())
                .store("bb", 16, &frames(5))
                .unwrap();
            disk.written()
        };
        // Full before the first frame, inside a frame, before clip.json, one byte short.
        for free in [0, 10, needed - 60, needed - 1] {
            let _full = disk::fill_disk(dir.path(), free);
            let err = cache.store("bb", 16, &frames(5)).unwrap_err();
            let GenerateError::DiskFull { needed: n, .. } = &err else {
                panic!("{free} bytes free: {err:?}")
            };
            assert_eq!(*n, needed);
            let msg = err.to_string();
            assert!(
                msg.contains("the disk is full")
                    && msg.contains(&format!("make at least {} free", disk::human_bytes(needed))),
                "{msg}"
            );
            assert!(!cache.contains("bb"));
            assert_eq!(names_in(&dir.path().join("cache/generated")), ["aa"]);
            assert_eq!(cache.load("aa").unwrap().unwrap().frames, frames(3));
        }
        let _room = disk::fill_disk(dir.path(), needed);
        cache.store("bb", 16, &frames(5)).unwrap();
        assert_eq!(cache.load("bb").unwrap().unwrap().frames, frames(5));
    }

    #[test]
    fn a_half_clip_of_a_killed_run_is_ignored_then_removed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::new(dir.path());
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        // What a run killed mid-write leaves: a hidden folder with some frames, no clip.json.
        let half = dir
            .path()
            .join(format!("cache/generated/.partial-cc-{dead}-0"));
        std::fs::create_dir_all(&half).unwrap();
        frames(1)[0].save(half.join(frame_name(0))).unwrap();
        assert_eq!(partial_owner(&format!(".partial-cc-{dead}-0")), Some(dead));
        assert_eq!(partial_owner("cc"), None);
        assert!(!cache.contains("cc") && cache.load("cc").unwrap().is_none());
        cache.store("dd", 16, &frames(2)).unwrap();
        assert_eq!(names_in(&dir.path().join("cache/generated")), ["dd"]);
    }
}
