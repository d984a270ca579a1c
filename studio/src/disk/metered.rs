//! Every file the studio writes goes through [`Metered`], the seam through which this
//! crate's own tests fill a folder's disk after a chosen number of bytes: an ENOSPC cannot
//! be made in-process without privileges (the CLI tests use a small tmpfs in a mount
//! namespace for the real thing). Outside those tests it passes the bytes straight on.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// A writer (and reader and seeker, passed through) over a file at a known path.
pub(crate) struct Metered<W> {
    inner: W,
    #[cfg(test)]
    quota: Option<std::sync::Arc<quota::Quota>>,
}

impl<W> Metered<W> {
    /// `inner`, which writes the file at `path`.
    pub(crate) fn new(path: &Path, inner: W) -> Self {
        #[cfg(not(test))]
        let _ = path;
        Metered {
            inner,
            #[cfg(test)]
            quota: quota::find(path),
        }
    }

    pub(crate) fn get_ref(&self) -> &W {
        &self.inner
    }
}

impl<W: Write> Write for Metered<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        #[cfg(test)]
        if let Some(quota) = &self.quota {
            let allowed = quota.take(buf.len() as u64) as usize;
            if allowed == 0 && !buf.is_empty() {
                return Err(io::Error::from(io::ErrorKind::StorageFull));
            }
            let written = self.inner.write(&buf[..allowed]);
            quota.give_back((allowed - *written.as_ref().unwrap_or(&0)) as u64);
            return written;
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Read> Read for Metered<W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<W: Seek> Seek for Metered<W> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[cfg(test)]
mod quota {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex, Weak};

    /// The bytes still free on a pretend disk, and what was written to it.
    pub(crate) struct Quota {
        left: AtomicU64,
        written: AtomicU64,
    }

    impl Quota {
        /// Takes up to `want` bytes; returns how many were free.
        pub(super) fn take(&self, want: u64) -> u64 {
            let mut got = 0;
            let _ = self
                .left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                    got = left.min(want);
                    Some(left - got)
                });
            self.written.fetch_add(got, Ordering::SeqCst);
            got
        }

        pub(super) fn give_back(&self, bytes: u64) {
            self.left.fetch_add(bytes, Ordering::SeqCst);
            self.written.fetch_sub(bytes, Ordering::SeqCst);
        }
    }

    static DISKS: Mutex<Vec<(PathBuf, Weak<Quota>)>> = Mutex::new(Vec::new());

    pub(super) fn find(path: &Path) -> Option<Arc<Quota>> {
        let disks = DISKS.lock().unwrap_or_else(|e| e.into_inner());
        // The newest disk over a folder wins.
        disks
            .iter()
            .rev()
            .filter(|(folder, _)| path.starts_with(folder))
            .find_map(|(_, quota)| quota.upgrade())
    }

    /// A pretend disk under a folder; it is gone when this is dropped.
    pub(crate) struct FullDisk {
        quota: Arc<Quota>,
    }

    impl FullDisk {
        /// Bytes written to files under the folder since the disk was made.
        pub(crate) fn written(&self) -> u64 {
            self.quota.written.load(Ordering::SeqCst)
        }
    }

    /// From now until the guard is dropped, writes to files opened under `folder` fail with
    /// `StorageFull` once `free` bytes have been written (the write that crosses the line
    /// writes what still fits, as a real disk does).
    pub(crate) fn fill_disk(folder: &Path, free: u64) -> FullDisk {
        let quota = Arc::new(Quota {
            left: AtomicU64::new(free),
            written: AtomicU64::new(0),
        });
        let mut disks = DISKS.lock().unwrap_or_else(|e| e.into_inner());
        disks.retain(|(_, q)| q.strong_count() > 0);
        disks.push((folder.to_owned(), Arc::downgrade(&quota)));
        FullDisk { quota }
    }
}

#[cfg(test)]
pub(crate) use quota::fill_disk;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filled_disk_takes_what_fits_then_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let disk = fill_disk(dir.path(), 5);
        let mut out = Metered::new(&path, std::fs::File::create(&path).unwrap());
        let err = out.write_all(b"abcdefgh").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        assert_eq!(std::fs::read(&path).unwrap(), b"abcde");
        assert_eq!(disk.written(), 5);
        drop((out, disk));
        // Elsewhere, or once the guard is gone, writes go through.
        let mut out = Metered::new(&path, std::fs::File::create(&path).unwrap());
        out.write_all(b"abcdefgh").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"abcdefgh");
    }
}
