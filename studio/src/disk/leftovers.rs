//! Temporary files a killed process left behind. Every writer here names its temporaries
//! after its process id, so a later run can tell one still being written (its process is
//! alive) from one nobody will finish, and remove only the latter.

use std::path::Path;

/// Whether process `pid` may still be running (and writing). This process always is;
/// without /proc (not Linux) every other one is taken to be.
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

/// Whether the temporary at `path`, written by process `pid`, is abandoned: its process is
/// gone, or, where that cannot be known, it has not been touched for a day.
fn abandoned(path: &Path, pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    if cfg!(target_os = "linux") {
        return !process_alive(pid);
    }
    let age = std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| std::time::SystemTime::now().duration_since(t).ok());
    age.is_some_and(|a| a.as_secs() > 24 * 3600)
}

/// Removes the entries of `folder` (files or folders) that `owner` recognises as temporaries
/// of ours, returning the process id in their name, when that process is gone. Returns how
/// many were removed; errors (a folder that is missing or read-only) remove nothing and are
/// not reported: a leftover only costs space, and the next run tries again.
pub(crate) fn sweep_leftovers(folder: &Path, owner: impl Fn(&str) -> Option<u32>) -> usize {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(&owner) else {
            continue;
        };
        let path = entry.path();
        if !abandoned(&path, pid) {
            continue;
        }
        let gone = match entry.file_type() {
            Ok(t) if t.is_dir() => std::fs::remove_dir_all(&path),
            _ => std::fs::remove_file(&path),
        };
        if gone.is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process id that is certainly not running: a child that has exited and been reaped.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[test]
    fn only_temporaries_of_finished_processes_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let dead = dead_pid();
        let mine = std::process::id();
        std::fs::write(dir.path().join(format!(".a.{dead}.tmp")), b"x").unwrap();
        std::fs::create_dir(dir.path().join(format!(".b.{dead}.tmp"))).unwrap();
        std::fs::write(dir.path().join(format!(".c.{mine}.tmp")), b"x").unwrap();
        std::fs::write(dir.path().join("project.json"), b"{}").unwrap();
        let owner = |name: &str| -> Option<u32> {
            name.strip_suffix(".tmp")?.rsplit('.').next()?.parse().ok()
        };
        assert_eq!(sweep_leftovers(dir.path(), owner), 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [format!(".c.{mine}.tmp"), "project.json".into()]);
        assert_eq!(sweep_leftovers(&dir.path().join("missing"), owner), 0);
    }
}
