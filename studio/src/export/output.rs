//! The output file: written under a temporary name in the same folder, renamed over the
//! target only when complete, removed on any error or cancel.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use super::ExportError;

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
        let dir = match out.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
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
        Ok(())
    }
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
