//! A project folder from someone else must not make the app read or write outside it. Names
//! in project.json are checked by their text (no absolute paths, no `..`: see
//! `store::asset_path`); this checks what the file system makes of them: a link inside the
//! folder (an asset, `assets/` itself, the cache) that leads outside is refused.

use std::path::Path;

/// Whether `path`, a path under `dir`, stays inside `dir` once links are followed: the
/// deepest part of it that exists must resolve to a place inside `dir` (so a link to a
/// missing target, which could be created later, is refused too). A `dir` that does not
/// exist holds no links: anything under it is inside.
pub fn stays_inside(dir: &Path, path: &Path) -> bool {
    let Ok(root) = dir.canonicalize() else {
        return true;
    };
    let mut existing = path;
    // The deepest ancestor that exists, links included (symlink_metadata does not follow).
    while std::fs::symlink_metadata(existing).is_err() {
        match existing.parent() {
            Some(parent) => existing = parent,
            None => return true,
        }
    }
    existing
        .canonicalize()
        .is_ok_and(|real| real.starts_with(&root))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_that_lead_outside_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("project");
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret.png"), b"x").unwrap();
        std::fs::write(dir.join("assets/own.png"), b"x").unwrap();

        assert!(stays_inside(&dir, &dir.join("assets/own.png")));
        assert!(stays_inside(&dir, &dir.join("assets/not-yet.png")));
        assert!(stays_inside(&dir, &dir.join("cache/generated/abc")));

        symlink(outside.join("secret.png"), dir.join("assets/link.png")).unwrap();
        assert!(!stays_inside(&dir, &dir.join("assets/link.png")));
        // A link to a file inside is harmless.
        symlink(dir.join("assets/own.png"), dir.join("assets/alias.png")).unwrap();
        assert!(stays_inside(&dir, &dir.join("assets/alias.png")));
        // A dangling link could be filled in later.
        symlink(outside.join("later.png"), dir.join("assets/dangling.png")).unwrap();
        assert!(!stays_inside(&dir, &dir.join("assets/dangling.png")));
        // A linked folder takes everything under it outside, existing or not.
        symlink(&outside, dir.join("cache")).unwrap();
        assert!(!stays_inside(&dir, &dir.join("cache/generated/abc")));
        assert!(!stays_inside(&dir, &dir.join("cache")));
    }
}
