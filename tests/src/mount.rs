//! Real disk faults for the CLI: a command run in a private mount namespace where a folder
//! is a small tmpfs with only so many bytes free (writes past them fail with ENOSPC, as on
//! a full disk), or a read-only mount (EROFS, which root cannot ignore as it ignores
//! permission bits). The namespace is the child's own: nothing outside it sees the mounts,
//! and they vanish with it, so what the command left is copied back out for the test.
//!
//! These tests run as root in CI (Debian); elsewhere `unshare --map-root-user` gives the
//! same powers inside a user namespace. Where neither works the test fails, saying why:
//! it never skips.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A command's mount namespace, built up folder by folder.
#[derive(Default)]
pub struct Namespace {
    setup: Vec<String>,
    after: Vec<String>,
    stash: Option<tempfile::TempDir>,
}

/// `path` quoted for sh.
fn quote(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', r"'\''"))
}

/// Bytes of the files under `dir`, each rounded up to whole 4 KiB pages (as tmpfs counts).
fn pages_under(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        total += 4096
            + if path.is_dir() {
                pages_under(&path)
            } else {
                std::fs::metadata(&path).map_or(0, |m| m.len().div_ceil(4096) * 4096)
            };
    }
    total
}

/// The name of the file that takes up a small disk's space.
pub const FILLER: &str = ".disk-filler";

impl Namespace {
    pub fn new() -> Self {
        Self::default()
    }

    fn stash(&mut self) -> PathBuf {
        self.stash
            .get_or_insert_with(|| tempfile::tempdir().expect("a temporary folder"))
            .path()
            .to_owned()
    }

    /// Makes `dir` (created if missing) a disk of its own holding what `dir` holds now and
    /// with `free` bytes (rounded down to 4 KiB pages) free beyond that.
    pub fn small_disk(mut self, dir: &Path, free: u64) -> Self {
        std::fs::create_dir_all(dir).expect("create the folder to mount over");
        let n = self.setup.len();
        let copy = self.stash().join(format!("copy{n}"));
        let size = pages_under(dir) + free + (1 << 20);
        let (d, c) = (quote(dir), quote(&copy));
        self.setup.push(format!(
            "cp -a {d} {c}\n\
             mount -t tmpfs -o size={size} motionboard-test {d}\n\
             cp -a {c}/. {d}/\n\
             avail=$(( $(stat -f -c %a {d}) * $(stat -f -c %S {d}) ))\n\
             fill=$(( (avail - {free}) / 4096 * 4096 ))\n\
             if [ $fill -gt 0 ]; then fallocate -l $fill {d}/{FILLER}; fi"
        ));
        self.after.push(format!("rm -f {d}/{FILLER}"));
        self
    }

    /// Makes `dir` (which must exist) read-only: a read-only bind mount of itself.
    pub fn read_only(mut self, dir: &Path) -> Self {
        let d = quote(dir);
        self.setup.push(format!(
            "mount --bind {d} {d}\nmount -o remount,bind,ro {d}"
        ));
        self
    }

    /// After the command, copies `dir` as the command saw it to `to` (created), so the test
    /// can look at what was left on the small disk once the namespace is gone.
    pub fn copy_back(mut self, dir: &Path, to: &Path) -> Self {
        self.after.push(format!(
            "mkdir -p {t} && cp -a {d}/. {t}/",
            d = quote(dir),
            t = quote(to)
        ));
        self
    }

    /// Runs `command` (its program, arguments and environment) inside the namespace. Panics,
    /// with the reason, if the namespace or its mounts cannot be made.
    pub fn run(mut self, command: &Command) -> Output {
        let ready = self.stash().join("ready");
        let script = format!(
            "set -e\n{setup}\ntouch {ready}\nset +e\n\"$@\"\nrc=$?\nset -e\n{after}\nexit $rc\n",
            setup = self.setup.join("\n"),
            ready = quote(&ready),
            after = self.after.join("\n"),
        );
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        let mut outer = Command::new("unshare");
        if !root {
            outer.arg("--map-root-user");
        }
        outer
            .args(["--mount", "--propagation", "private", "--", "sh", "-c"])
            .arg(&script)
            .arg("sh")
            .arg(command.get_program())
            .args(command.get_args());
        for (key, value) in command.get_envs() {
            match value {
                Some(v) => outer.env(key, v),
                None => outer.env_remove(key),
            };
        }
        let output = outer.output().unwrap_or_else(|e| {
            panic!("could not run unshare (util-linux) to make a mount namespace: {e}")
        });
        assert!(
            ready.exists(),
            "the mount namespace for this fault test could not be set up (it needs root, or \
             unprivileged user namespaces, and tmpfs/bind mounts; CI runs as root): {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }
}
