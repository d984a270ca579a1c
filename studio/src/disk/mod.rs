//! The disk as the studio meets it: telling a full or read-only disk apart from other write
//! errors and saying what to free, sweeping the temporary files a killed process left, and
//! (in this crate's tests) running out of space on purpose.

mod leftovers;
mod metered;

use std::io;
use std::path::Path;

pub(crate) use leftovers::sweep_leftovers;
#[cfg(test)]
pub(crate) use metered::fill_disk;
pub(crate) use metered::Metered;

/// Whether `error` says the disk (or the user's quota on it) is full.
pub fn is_full(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    ) || matches!(error.raw_os_error(), Some(28 | 122)) // ENOSPC, EDQUOT on Linux
}

/// Whether `error` says the folder cannot be written at all: a read-only disk or mount, or
/// no permission.
pub fn is_read_only(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ReadOnlyFilesystem | io::ErrorKind::PermissionDenied
    )
}

/// A byte count the way a file manager shows it: "512 bytes", "3.4 MB", "1.20 GB".
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64;
    let mut unit = "";
    for u in UNITS {
        value /= 1000.0;
        unit = u;
        if value < 1000.0 {
            break;
        }
    }
    if value < 10.0 {
        format!("{value:.2} {unit}")
    } else {
        format!("{value:.1} {unit}")
    }
}

/// What to free, in words: "make at least 3.40 MB free on the disk that holds /x" (or, with
/// nothing to go by, "free some space on the disk that holds /x").
pub fn free_advice(folder: &Path, needed: Option<u64>) -> String {
    match needed {
        Some(n) => format!(
            "make at least {} free on the disk that holds {}",
            human_bytes(n),
            folder.display()
        ),
        None => format!(
            "free some space on the disk that holds {}",
            folder.display()
        ),
    }
}

/// The folder a file is written in ("." for a bare file name).
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Flushes a folder's entries (a rename into it) to disk, so a power cut after a save keeps
/// the new name. Only where folders can be opened (not Windows); failures are ignored: the
/// data itself is already synced and the rename done.
pub(crate) fn sync_folder(folder: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = std::fs::File::open(folder) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = folder;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_real_full_device_is_told_apart() {
        // /dev/full answers every write with ENOSPC, exactly as a full disk does.
        let Ok(mut full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
            panic!("/dev/full is missing: these tests need a Linux machine");
        };
        let err = full
            .write_all(b"x")
            .and_then(|()| full.flush())
            .unwrap_err();
        assert!(is_full(&err), "{err:?}");
        assert!(!is_read_only(&err));
        assert!(!is_full(&io::Error::from(io::ErrorKind::NotFound)));
        assert!(is_read_only(&io::Error::from_raw_os_error(30))); // EROFS
    }

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(human_bytes(999), "999 bytes");
        assert_eq!(human_bytes(3_400_000), "3.40 MB");
        assert_eq!(human_bytes(12_345_678), "12.3 MB");
        assert_eq!(human_bytes(2_000_000_000), "2.00 GB");
        let advice = free_advice(Path::new("/videos"), Some(5_000_000));
        assert_eq!(
            advice,
            "make at least 5.00 MB free on the disk that holds /videos"
        );
        assert_eq!(folder_of(Path::new("a.mp4")), Path::new("."));
    }
}
