//! The project folder on disk: project.json, the autosave beside it, and assets/.
//!
//! Every write goes to a temporary file in the same folder and is renamed into place, so a
//! crash or a killed process leaves either the old file or the new one, never half of one.
//! Loading never writes: a file that cannot be read is reported and left exactly as it was.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;
use ts_rs::TS;

use super::schema::{
    Project, MAX_SHOT_SECONDS, MAX_TRANSITION_SECONDS, MIN_SHOT_SECONDS, SCHEMA_VERSION,
};
use super::{confine, upgrade};
use crate::audio::{self, AudioError};
use crate::disk;
use crate::motion::MotionError;
use crate::picture::{self, PictureError};

pub const PROJECT_FILE: &str = "project.json";
pub const AUTOSAVE_FILE: &str = ".autosave.json";
pub const ASSETS_DIR: &str = "assets";

#[derive(Debug, Error)]
pub enum ProjectError {
    #[error("{dir} is not a Motionboard project folder (it has no {PROJECT_FILE})")]
    NotAProject { dir: PathBuf },
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is damaged and cannot be read ({reason}); Motionboard left it untouched, restore it from a backup")]
    Corrupt { path: PathBuf, reason: String },
    #[error("{path} was saved by a newer Motionboard (project format {found}; this version reads up to {SCHEMA_VERSION}); update Motionboard to open it")]
    NewerVersion { path: PathBuf, found: u64 },
    #[error("{path}: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("{path}: shot {shot}: {source}")]
    Motion {
        path: PathBuf,
        shot: usize,
        source: MotionError,
    },
    #[error(transparent)]
    Picture(#[from] PictureError),
    #[error(transparent)]
    Audio(#[from] AudioError),
    #[error(
        "cannot write {path}: the disk is full; {advice}, then try again (the file on disk \
         was left as it was)",
        advice = disk::free_advice(disk::folder_of(path), Some(*needed))
    )]
    DiskFull { path: PathBuf, needed: u64 },
    #[error("{dir} already holds other files; choose an empty folder or an existing project to save into")]
    FolderNotEmpty { dir: PathBuf },
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ProjectError {
    let path = path.to_owned();
    move |source| ProjectError::Io {
        action,
        path,
        source,
    }
}

/// A project as opened: what was on disk, or the newer autosave if one survived a crash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OpenedProject {
    pub dir: String,
    pub project: Project,
    /// True for a project that has never been saved by the creator (it lives in the app's
    /// own data folder until "Save as").
    pub untitled: bool,
    /// True when unsaved changes were restored from the autosave.
    pub recovered: bool,
}

/// A picture copied into the project's assets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImportedImage {
    /// Path relative to the project folder, e.g. `assets/3fa9….jpg`: the picture shots use.
    pub asset: String,
    /// Its size, upright (after the EXIF orientation).
    pub width: u32,
    pub height: u32,
    /// Set when the picture was larger than any use of it needs ([`picture::MAX_PICTURE_SIDE`]): the
    /// file as imported, kept in the assets, while `asset` is a copy scaled down to fit.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub original: Option<OriginalPicture>,
    /// Set when the file was damaged and imported anyway: what of it decoded.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub damage: Option<String>,
}

/// The file a scaled-down picture was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OriginalPicture {
    pub asset: String,
    pub width: u32,
    pub height: u32,
}

/// How [`import_image_with`] treats what it finds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Import a damaged (cut short) picture, as far as it decodes, instead of refusing it.
    pub allow_damaged: bool,
}

/// Writes `bytes` to `path` atomically: temp file in the same folder, fsync, rename, fsync
/// of the folder. On any error the temp file is removed and `path` is as it was; a full disk
/// is [`ProjectError::DiskFull`], saying how much to free. Temp files that a killed process
/// left in the folder are removed first.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ProjectError> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = disk::folder_of(path);
    disk::sweep_leftovers(dir, temp_owner);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The counter keeps two writers in one process (an autosave and a save) apart.
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
    let result = (|| {
        let mut f = disk::Metered::new(&tmp, fs::File::create(&tmp)?);
        f.write_all(bytes)?;
        f.get_ref().sync_all()?;
        fs::rename(&tmp, path)
    })();
    match result {
        Ok(()) => {
            disk::sync_folder(dir);
            Ok(())
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            if disk::is_full(&e) {
                Err(ProjectError::DiskFull {
                    path: path.to_owned(),
                    needed: bytes.len() as u64,
                })
            } else {
                Err(io_err("write", path)(e))
            }
        }
    }
}

/// The process that wrote a temp file of [`write_atomic`] (`.<name>.<pid>-<n>.tmp`).
fn temp_owner(name: &str) -> Option<u32> {
    let inner = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (pid, n) = inner.rsplit('.').next()?.split_once('-')?;
    n.parse::<u32>().ok()?;
    pid.parse().ok()
}

/// Parses project JSON, checking the schema version before anything else so that a file
/// from a newer version gets that message, not a confusing field error.
pub fn parse_project(path: &Path, text: &str) -> Result<Project, ProjectError> {
    let corrupt = |e: serde_json::Error| ProjectError::Corrupt {
        path: path.to_owned(),
        reason: format!("line {} column {}: {e}", e.line(), e.column()),
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(corrupt)?;
    let version = value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| ProjectError::Corrupt {
            path: path.to_owned(),
            reason: "it has no schema_version".into(),
        })?;
    if version > u64::from(SCHEMA_VERSION) {
        return Err(ProjectError::NewerVersion {
            path: path.to_owned(),
            found: version,
        });
    }
    let value = if version < u64::from(SCHEMA_VERSION) {
        upgrade::upgrade(value, version as u32).map_err(|reason| ProjectError::Corrupt {
            path: path.to_owned(),
            reason,
        })?
    } else {
        value
    };
    let project: Project = serde_json::from_value(value).map_err(corrupt)?;
    validate(path, &project)?;
    Ok(project)
}

/// Checks what serde cannot: ranges, motion, and that asset paths stay inside the project.
pub fn validate(path: &Path, project: &Project) -> Result<(), ProjectError> {
    let invalid = |reason: String| ProjectError::Invalid {
        path: path.to_owned(),
        reason,
    };
    for (i, shot) in project.shots.iter().enumerate() {
        if !(MIN_SHOT_SECONDS..=MAX_SHOT_SECONDS).contains(&shot.seconds) {
            return Err(invalid(format!(
                "shot {} lasts {} s; shots last from {MIN_SHOT_SECONDS} to {MAX_SHOT_SECONDS} s",
                i + 1,
                shot.seconds
            )));
        }
        if let Some(asset) = &shot.image {
            check_asset_path(asset)
                .map_err(|reason| invalid(format!("shot {}: {reason}", i + 1)))?;
        }
        let t = shot.transition.seconds;
        if !(t.is_finite() && (0.0..=MAX_TRANSITION_SECONDS).contains(&t)) {
            return Err(invalid(format!(
                "shot {}: the transition lasts {t} s; transitions last from 0 to {MAX_TRANSITION_SECONDS} s",
                i + 1
            )));
        }
        if let Some(id) = shot
            .subjects
            .iter()
            .find(|id| !project.subjects.iter().any(|s| &s.id == *id))
        {
            return Err(invalid(format!(
                "shot {} uses the subject \"{id}\", which is not in the subject library",
                i + 1
            )));
        }
        shot.motion
            .validate()
            .map_err(|source| ProjectError::Motion {
                path: path.to_owned(),
                shot: i + 1,
                source,
            })?;
    }
    for (i, clip) in project.audio.iter().enumerate() {
        let what =
            |reason: String| invalid(format!("audio clip {} ({}): {reason}", i + 1, clip.name));
        check_asset_path(&clip.file).map_err(what)?;
        let times = [
            ("start", clip.start),
            ("file length", clip.file_seconds),
            ("trim in", clip.trim_in),
            ("fade in", clip.fade_in),
            ("fade out", clip.fade_out),
        ];
        for (name, v) in times {
            if !v.is_finite() || (name != "start" && v < 0.0) {
                return Err(what(format!(
                    "{name} {v} s must be a number of seconds of at least 0"
                )));
            }
        }
        if let Some(out) = clip.trim_out {
            if !(out.is_finite() && out > clip.trim_in) {
                return Err(what(format!(
                    "trim out {out} s must come after trim in ({} s)",
                    clip.trim_in
                )));
            }
        }
        if !(clip.gain_db.is_finite() && (-96.0..=24.0).contains(&clip.gain_db)) {
            return Err(what(format!(
                "gain {} dB must be between -96 and 24 dB",
                clip.gain_db
            )));
        }
    }
    for subject in &project.subjects {
        for asset in &subject.images {
            check_asset_path(asset)
                .map_err(|reason| invalid(format!("subject \"{}\": {reason}", subject.name)))?;
        }
    }
    Ok(())
}

fn check_asset_path(asset: &str) -> Result<(), String> {
    let p = Path::new(asset);
    let mut parts = p.components();
    let ok = matches!(parts.next(), Some(Component::Normal(first)) if first == ASSETS_DIR)
        && matches!(parts.next(), Some(Component::Normal(_)))
        && parts.next().is_none();
    if ok {
        Ok(())
    } else {
        Err(format!("\"{asset}\" must be a file inside {ASSETS_DIR}/"))
    }
}

/// The path of an asset of the project in `dir`, for reading or writing: a name that is not
/// a file inside `assets/`, or one that leads outside the folder through a link, is refused.
pub fn asset_path(dir: &Path, asset: &str) -> Result<PathBuf, ProjectError> {
    let invalid = |reason| ProjectError::Invalid {
        path: dir.join(PROJECT_FILE),
        reason,
    };
    check_asset_path(asset).map_err(invalid)?;
    let path = dir.join(asset);
    if !confine::stays_inside(dir, &path) {
        return Err(invalid(format!(
            "\"{asset}\" is a link that leads outside the project folder: a project may only \
             use files inside its own folder; replace the link with the file itself"
        )));
    }
    Ok(path)
}

/// Reads project.json from `dir`.
pub fn load(dir: &Path) -> Result<Project, ProjectError> {
    let path = dir.join(PROJECT_FILE);
    if !path.is_file() {
        return Err(ProjectError::NotAProject {
            dir: dir.to_owned(),
        });
    }
    let text = fs::read_to_string(&path).map_err(io_err("read", &path))?;
    parse_project(&path, &text)
}

/// The JSON of `project`, always marked with this build's [`SCHEMA_VERSION`] (the fields are
/// the current version's, whatever version the file was read from).
fn to_json(project: &Project) -> Vec<u8> {
    let current = Project {
        schema_version: SCHEMA_VERSION,
        ..project.clone()
    };
    let mut bytes = serde_json::to_vec_pretty(&current).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Saves `project` as `dir`/project.json and drops the autosave it supersedes.
pub fn save(dir: &Path, project: &Project) -> Result<(), ProjectError> {
    validate(&dir.join(PROJECT_FILE), project)?;
    fs::create_dir_all(dir).map_err(io_err("create", dir))?;
    write_atomic(&dir.join(PROJECT_FILE), &to_json(project))?;
    let autosave = dir.join(AUTOSAVE_FILE);
    if autosave.exists() {
        fs::remove_file(&autosave).map_err(io_err("remove", &autosave))?;
    }
    Ok(())
}

/// Writes the unsaved state beside project.json; `open` restores it after a crash.
pub fn autosave(dir: &Path, project: &Project) -> Result<(), ProjectError> {
    validate(&dir.join(AUTOSAVE_FILE), project)?;
    write_atomic(&dir.join(AUTOSAVE_FILE), &to_json(project))
}

/// Opens the project in `dir`, preferring an autosave newer than project.json. A damaged
/// autosave is ignored (and kept), so it can never make a sound project unopenable.
pub fn open(dir: &Path) -> Result<(Project, bool), ProjectError> {
    let saved = load(dir)?;
    let autosave = dir.join(AUTOSAVE_FILE);
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    let newer = match (modified(&autosave), modified(&dir.join(PROJECT_FILE))) {
        (Some(a), Some(s)) => a >= s,
        _ => false,
    };
    if newer {
        if let Ok(text) = fs::read_to_string(&autosave) {
            if let Ok(project) = parse_project(&autosave, &text) {
                if project != saved {
                    return Ok((project, true));
                }
            }
        }
    }
    Ok((saved, false))
}

/// Creates a new project folder (which must not hold other files) with a fresh project.
pub fn create(dir: &Path, name: &str) -> Result<Project, ProjectError> {
    let project = Project::new(name);
    create_with(dir, &project)?;
    Ok(project)
}

/// Creates a new project folder (which must not hold other files) holding `project`.
pub fn create_with(dir: &Path, project: &Project) -> Result<(), ProjectError> {
    ensure_saveable(dir)?;
    fs::create_dir_all(dir.join(ASSETS_DIR)).map_err(io_err("create", dir))?;
    save(dir, project)
}

fn ensure_saveable(dir: &Path) -> Result<(), ProjectError> {
    if dir.join(PROJECT_FILE).is_file() || !dir.exists() {
        return Ok(());
    }
    let mut entries = fs::read_dir(dir).map_err(io_err("read", dir))?;
    if entries.next().is_some() {
        return Err(ProjectError::FolderNotEmpty {
            dir: dir.to_owned(),
        });
    }
    Ok(())
}

/// Saves `project` (whose assets live in `from`) into the folder `to`, copying its assets.
pub fn save_as(from: &Path, to: &Path, project: &Project) -> Result<(), ProjectError> {
    ensure_saveable(to)?;
    let assets = to.join(ASSETS_DIR);
    fs::create_dir_all(&assets).map_err(io_err("create", &assets))?;
    for asset in project.assets() {
        let src = asset_path(from, asset)?;
        let dst = asset_path(to, asset)?;
        if !dst.exists() {
            let bytes = fs::read(&src).map_err(io_err("read", &src))?;
            write_atomic(&dst, &bytes)?;
        }
    }
    save(to, project)
}

/// Copies a picture into `dir`/assets under the hash of its bytes, after checking that it
/// decodes whole (a damaged file is refused: see [`import_image_with`]). Importing the same
/// picture twice stores it once.
pub fn import_image(dir: &Path, source: &Path) -> Result<ImportedImage, ProjectError> {
    import_image_with(dir, source, ImportOptions::default())
}

/// Copies a picture into `dir`/assets under the hash of its bytes, after checking that it
/// decodes. A damaged file (cut short) is refused with what decoded, unless
/// `options.allow_damaged`. A picture longer than [`picture::MAX_PICTURE_SIDE`] is kept as is and a
/// copy scaled down to that side (upright, JPEG) is what the shot uses.
pub fn import_image_with(
    dir: &Path,
    source: &Path,
    options: ImportOptions,
) -> Result<ImportedImage, ProjectError> {
    let bytes = fs::read(source).map_err(io_err("read", source))?;
    let decoded = picture::decode_picture_checked(source, &bytes)?;
    let damage = decoded.damage.map(|d| d.describe());
    if let (Some(what), false) = (&damage, options.allow_damaged) {
        return Err(PictureError::Damaged {
            path: source.to_owned(),
            decoded: what.clone(),
        }
        .into());
    }
    let hash = Sha256::digest(&bytes);
    let hex: String = hash.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let asset = format!(
        "{ASSETS_DIR}/{hex}.{}",
        picture::extension_of(decoded.format)
    );
    let dst = asset_path(dir, &asset)?;
    if !dst.exists() {
        fs::create_dir_all(dir.join(ASSETS_DIR)).map_err(io_err("create", dir))?;
        write_atomic(&dst, &bytes)?;
    }
    let picture = decoded.picture;
    let (width, height) = picture.dimensions();
    let Some(small) = picture::scaled_to_fit(&picture, picture::MAX_PICTURE_SIDE) else {
        return Ok(ImportedImage {
            asset,
            width,
            height,
            original: None,
            damage,
        });
    };
    let (w, h) = small.dimensions();
    let scaled_asset = format!("{ASSETS_DIR}/{hex}-{w}x{h}.jpg");
    let scaled_dst = asset_path(dir, &scaled_asset)?;
    if !scaled_dst.exists() {
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 92)
            .encode_image(&small)
            .map_err(|e| ProjectError::Invalid {
                path: source.to_owned(),
                reason: format!("the scaled-down copy could not be made: {e}"),
            })?;
        write_atomic(&scaled_dst, &jpeg)?;
    }
    Ok(ImportedImage {
        asset: scaled_asset,
        width: w,
        height: h,
        original: Some(OriginalPicture {
            asset,
            width,
            height,
        }),
        damage,
    })
}

/// A sound file copied into the project's assets, with its decoded samples so that a caller
/// drawing its waveform does not decode it a second time.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedAudio {
    /// Path relative to the project folder, e.g. `assets/3fa9….flac`.
    pub asset: String,
    /// The file's length in seconds.
    pub seconds: f64,
    /// Set when only part of the file could be decoded (what happened, how much was read).
    pub warning: Option<String>,
    /// The sound at 48 kHz stereo.
    pub pcm: audio::Pcm,
}

/// The extension a sound file is stored under, from its first bytes.
fn audio_extension(bytes: &[u8]) -> &'static str {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"RIFF") {
        "wav"
    } else if starts(b"fLaC") {
        "flac"
    } else if starts(b"OggS") {
        "ogg"
    } else if bytes.get(4..8) == Some(b"ftyp") {
        "m4a"
    } else if starts(b"ID3") || (bytes.len() > 1 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) {
        "mp3"
    } else {
        "audio"
    }
}

/// Copies a sound file into `dir`/assets under the hash of its bytes, after checking that
/// it decodes (wav, flac, ogg/vorbis, mp3 or m4a/aac, recognised by content). Importing the
/// same file twice stores it once.
pub fn import_audio(dir: &Path, source: &Path) -> Result<ImportedAudio, ProjectError> {
    let loaded = audio::load(source)?;
    let bytes = fs::read(source).map_err(io_err("read", source))?;
    let hash = Sha256::digest(&bytes);
    let hex: String = hash.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let asset = format!("{ASSETS_DIR}/{hex}.{}", audio_extension(&bytes));
    let dst = asset_path(dir, &asset)?;
    if !dst.exists() {
        fs::create_dir_all(dir.join(ASSETS_DIR)).map_err(io_err("create", dir))?;
        write_atomic(&dst, &bytes)?;
    }
    Ok(ImportedAudio {
        asset,
        seconds: loaded.pcm.duration(),
        warning: loaded.warning,
        pcm: loaded.pcm,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::motion::{MotionPath, Point};

    fn sample_project() -> Project {
        let mut p = Project::new("Dog run");
        p.shots[0].motion.paths.push(MotionPath {
            points: vec![Point::new(0.2, 0.5), Point::new(0.8, 0.4)],
            radius: 0.1,
            mask: None,
        });
        p
    }

    #[test]
    fn save_then_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let p = sample_project();
        save(dir.path(), &p).unwrap();
        assert_eq!(load(dir.path()).unwrap(), p);
        let (opened, recovered) = open(dir.path()).unwrap();
        assert_eq!(opened, p);
        assert!(!recovered);
    }

    #[test]
    fn newer_autosave_is_recovered_and_a_save_drops_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = sample_project();
        save(dir.path(), &p).unwrap();
        let mut edited = p.clone();
        edited.shots[0].seconds = 9.0;
        autosave(dir.path(), &edited).unwrap();
        assert_eq!(open(dir.path()).unwrap(), (edited.clone(), true));
        save(dir.path(), &edited).unwrap();
        assert!(!dir.path().join(AUTOSAVE_FILE).exists());
    }

    #[test]
    fn bad_files_give_clear_errors_and_stay_untouched() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), &sample_project()).unwrap();
        let path = dir.path().join(PROJECT_FILE);
        let good = fs::read(&path).unwrap();

        fs::write(&path, &good[..good.len() / 2]).unwrap();
        let err = load(dir.path()).unwrap_err();
        assert!(matches!(err, ProjectError::Corrupt { .. }), "{err}");
        assert_eq!(fs::read(&path).unwrap(), &good[..good.len() / 2]);

        let newer = String::from_utf8(good.clone()).unwrap().replace(
            &format!("\"schema_version\": {SCHEMA_VERSION}"),
            "\"schema_version\": 7, \"timeline\": {\"tracks\": 3}",
        );
        assert_ne!(newer.as_bytes(), good);
        fs::write(&path, &newer).unwrap();
        let err = load(dir.path()).unwrap_err();
        assert!(err.to_string().contains("newer Motionboard"), "{err}");
        assert_eq!(fs::read_to_string(&path).unwrap(), newer);
    }

    #[test]
    fn asset_paths_cannot_escape_the_project() {
        let mut p = sample_project();
        p.shots[0].image = Some("../../etc/passwd".into());
        assert!(validate(Path::new("project.json"), &p).is_err());
        p.shots[0].image = Some("assets/abc.jpg".into());
        assert!(validate(Path::new("project.json"), &p).is_ok());
    }

    #[test]
    fn import_stores_by_content_and_refuses_non_pictures() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("photo.png");
        image::RgbImage::from_pixel(40, 30, image::Rgb([200, 10, 10]))
            .save(&src)
            .unwrap();
        let project = dir.path().join("proj");
        let a = import_image(&project, &src).unwrap();
        let b = import_image(&project, &src).unwrap();
        assert_eq!(a, b);
        assert_eq!((a.width, a.height), (40, 30));
        assert!(project.join(&a.asset).is_file());

        let fake = dir.path().join("fake.webp");
        fs::write(&fake, b"GIF89a not really").unwrap();
        assert!(import_image(&project, &fake).is_err());
        assert_eq!(fs::read_dir(project.join(ASSETS_DIR)).unwrap().count(), 1);
    }

    #[test]
    fn a_huge_picture_is_kept_and_used_scaled_down() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("scan.png");
        image::RgbImage::from_fn(6000, 4500, |x, y| {
            image::Rgb([(x / 24) as u8, (y / 18) as u8, 90])
        })
        .save(&src)
        .unwrap();
        let project = dir.path().join("proj");
        let imported = import_image(&project, &src).unwrap();
        assert_eq!((imported.width, imported.height), (3840, 2880));
        let original = imported.original.clone().unwrap();
        assert_eq!((original.width, original.height), (6000, 4500));
        assert_eq!(
            fs::read(project.join(&original.asset)).unwrap(),
            fs::read(&src).unwrap(),
            "the original is kept as it was"
        );
        let used = picture::load_picture(&project.join(&imported.asset)).unwrap();
        assert_eq!(used.dimensions(), (3840, 2880));
        // The same picture again: the same two files, nothing new.
        assert_eq!(import_image(&project, &src).unwrap(), imported);
        assert_eq!(fs::read_dir(project.join(ASSETS_DIR)).unwrap().count(), 2);
    }

    #[test]
    fn a_damaged_picture_is_refused_unless_the_creator_accepts_it() {
        let dir = tempfile::tempdir().unwrap();
        let whole = dir.path().join("whole.jpg");
        image::RgbImage::from_fn(64, 240, |x, y| image::Rgb([(x * 4) as u8, y as u8, 30]))
            .save(&whole)
            .unwrap();
        let bytes = fs::read(&whole).unwrap();
        let cut = dir.path().join("cut.jpg");
        fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
        let project = dir.path().join("proj");
        let err = import_image(&project, &cut).unwrap_err().to_string();
        assert!(
            err.contains("cut.jpg is damaged") && err.contains("of 240 rows"),
            "{err}"
        );
        assert!(!project.join(ASSETS_DIR).exists(), "nothing was copied");
        let accepted = import_image_with(
            &project,
            &cut,
            ImportOptions {
                allow_damaged: true,
            },
        )
        .unwrap();
        assert!(accepted.damage.unwrap().contains("of 240 rows"));
        let fine = import_image(&project, &whole).unwrap();
        assert_eq!(fine.damage, None);
    }

    #[test]
    fn save_as_refuses_a_folder_with_other_files_and_copies_assets() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("a");
        let src = dir.path().join("photo.png");
        image::RgbImage::from_pixel(40, 30, image::Rgb([1, 2, 3]))
            .save(&src)
            .unwrap();
        let mut p = create(&from, "A").unwrap();
        p.shots[0].image = Some(import_image(&from, &src).unwrap().asset);

        let busy = dir.path().join("busy");
        fs::create_dir_all(&busy).unwrap();
        fs::write(busy.join("thesis.docx"), b"x").unwrap();
        assert!(matches!(
            save_as(&from, &busy, &p),
            Err(ProjectError::FolderNotEmpty { .. })
        ));

        let to = dir.path().join("b");
        save_as(&from, &to, &p).unwrap();
        assert_eq!(load(&to).unwrap(), p);
        assert!(to.join(p.shots[0].image.as_ref().unwrap()).is_file());
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_full_disk_keeps_the_saved_and_autosaved_files_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = sample_project();
        save(dir.path(), &p).unwrap();
        p.name = "First edit".into();
        autosave(dir.path(), &p).unwrap();
        let saved = fs::read(dir.path().join(PROJECT_FILE)).unwrap();
        let autosaved = fs::read(dir.path().join(AUTOSAVE_FILE)).unwrap();

        p.name = format!("Second edit {}", "x".repeat(2000));
        let needed = to_json(&p).len() as u64;
        // The disk fills at every point of the write: before it, inside it, one byte short.
        for free in [0, 1, needed / 2, needed - 1] {
            let _full = disk::fill_disk(dir.path(), free);
            for (what, result) in [
                ("autosave", autosave(dir.path(), &p)),
                ("save", save(dir.path(), &p)),
            ] {
                let err = result.unwrap_err();
                assert!(
                    matches!(err, ProjectError::DiskFull { needed: n, .. } if n == needed),
                    "{what} with {free} bytes free: {err:?}"
                );
                let msg = err.to_string();
                assert!(
                    msg.contains("the disk is full")
                        && msg
                            .contains(&format!("make at least {} free", disk::human_bytes(needed)))
                        && msg.contains(&dir.path().display().to_string()),
                    "{msg}"
                );
            }
            assert_eq!(fs::read(dir.path().join(PROJECT_FILE)).unwrap(), saved);
            assert_eq!(fs::read(dir.path().join(AUTOSAVE_FILE)).unwrap(), autosaved);
            assert_eq!(names_in(dir.path()), [AUTOSAVE_FILE, PROJECT_FILE]);
        }
        // With just enough room it goes through.
        let _room = disk::fill_disk(dir.path(), needed);
        autosave(dir.path(), &p).unwrap();
        assert_eq!(open(dir.path()).unwrap(), (p, true));
    }

    #[test]
    fn temp_files_of_a_killed_save_are_removed_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), &sample_project()).unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let leftover = format!(".{PROJECT_FILE}.{dead}-3.tmp");
        fs::write(dir.path().join(&leftover), b"{\"half").unwrap();
        assert_eq!(temp_owner(&leftover), Some(dead));
        assert_eq!(temp_owner(PROJECT_FILE), None);
        // Loading never writes: the leftover is ignored, not removed.
        load(dir.path()).unwrap();
        assert!(dir.path().join(&leftover).exists());
        autosave(dir.path(), &sample_project()).unwrap();
        assert_eq!(names_in(dir.path()), [AUTOSAVE_FILE, PROJECT_FILE]);
    }
}
