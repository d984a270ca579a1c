//! The output file: written under a temporary name in the same folder, renamed over the
//! target only when complete and synced, removed on any error or cancel. A process killed
//! mid-export cannot remove its temporary file; the next export to the same name does.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use super::ExportError;
use crate::disk;

/// A temporary file beside the output; deleted on drop unless [`PartFile::persist`]ed.
pub(crate) struct PartFile {
    path: PathBuf,
    file: Option<File>,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

impl PartFile {
    /// Creates `.<name>.<pid>-<n>.part` in the folder of `out`.
    pub(crate) fn create_beside(out: &Path) -> Result<Self, ExportError> {
        let name = out.file_name().ok_or_else(|| {
            let e = std::io::Error::new(std::io::ErrorKind::InvalidInput, "it has no file name");
            ExportError::io("export to", out, e)
        })?;
        let dir = disk::folder_of(out).to_path_buf();
        let prefix = format!(".{}.", name.to_string_lossy());
        disk::sweep_leftovers(&dir, |entry| part_owner(entry, &prefix));
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let mut tmp_name = std::ffi::OsString::from(".");
            tmp_name.push(name);
            tmp_name.push(format!(".{}-{n}.part", std::process::id()));
            let path = dir.join(tmp_name);
            match OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => {
                    return Ok(Self {
                        path,
                        file: Some(file),
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(ExportError::io("create a temporary file in", dir, e)),
            }
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn file(&mut self) -> &mut File {
        self.file
            .as_mut()
            .expect("the file is open until persisted")
    }

    /// Flushes the file to disk and renames it to `out`, replacing what was there.
    pub(crate) fn persist(mut self, out: &Path) -> Result<(), ExportError> {
        let file = self.file.take().expect("the file is open until persisted");
        file.sync_all()
            .map_err(|e| ExportError::io("write", &self.path, e))?;
        drop(file);
        fs::rename(&self.path, out)
            .map_err(|e| ExportError::io("move the finished video to", out, e))?;
        self.path = PathBuf::new();
        disk::sync_folder(disk::folder_of(out));
        Ok(())
    }
}

/// The process that wrote `entry` when it is a temporary file of an output whose temporary
/// names start with `prefix` (`.<name>.<pid>-<n>.part`).
fn part_owner(entry: &str, prefix: &str) -> Option<u32> {
    let (pid, n) = entry
        .strip_prefix(prefix)?
        .strip_suffix(".part")?
        .split_once('-')?;
    n.parse::<u32>().ok()?;
    pid.parse().ok()
}

impl Drop for PartFile {
    fn drop(&mut self) {
        self.file.take();
        if !self.path.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn dropped_part_files_leave_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a.mp4");
        let mut part = PartFile::create_beside(&out).unwrap();
        part.file().write_all(b"half").unwrap();
        assert_eq!(part.path().parent(), Some(dir.path()));
        drop(part);
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn persisted_part_files_replace_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a.mp4");
        fs::write(&out, b"old").unwrap();
        let mut part = PartFile::create_beside(&out).unwrap();
        part.file().write_all(b"new").unwrap();
        part.persist(&out).unwrap();
        assert_eq!(fs::read(&out).unwrap(), b"new");
        assert_eq!(entries(dir.path()), ["a.mp4"]);
    }

    #[test]
    fn the_temporary_file_of_a_killed_export_goes_with_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a.mp4");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let leftover = format!(".a.mp4.{dead}-0.part");
        let other = format!(".b.mp4.{dead}-0.part");
        fs::write(dir.path().join(&leftover), b"half").unwrap();
        fs::write(dir.path().join(&other), b"half").unwrap();
        assert_eq!(part_owner(&leftover, ".a.mp4."), Some(dead));
        assert_eq!(part_owner("a.mp4", ".a.mp4."), None);
        let mut part = PartFile::create_beside(&out).unwrap();
        part.file().write_all(b"new").unwrap();
        part.persist(&out).unwrap();
        // Only the same output's leftovers: another name is another export's business.
        assert_eq!(entries(dir.path()), [other, "a.mp4".to_string()]);
    }

    #[test]
    fn a_missing_folder_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("no such folder").join("a.mp4");
        let msg = PartFile::create_beside(&out).err().unwrap().to_string();
        assert!(
            msg.contains("no such folder") && msg.contains("temporary file"),
            "{msg}"
        );
    }
}
