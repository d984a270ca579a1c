//! The app's surface stays small: every permission in the capability files has a written
//! reason (src-tauri/capabilities/README.md), the content security policy allows only the app
//! itself, and a project folder from someone else cannot make the CLI read or write outside it.

use std::path::{Path, PathBuf};
use std::process::Command;

use e2e::motionboard_bin;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The permissions the reasons table names (first column, in backticks).
fn reasoned_permissions() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("src-tauri/capabilities/README.md")).unwrap();
    text.lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`'))
        .filter(|(_, after)| {
            let why = after
                .trim_start_matches(" |")
                .trim()
                .trim_end_matches('|')
                .trim();
            // A reason is words, not an empty cell.
            why.split_whitespace().count() >= 3
        })
        .map(|(permission, _)| permission.to_owned())
        .collect()
}

#[test]
fn every_permission_has_a_reason_and_no_plugin_gets_the_disk_shell_or_network() {
    let reasons = reasoned_permissions();
    let mut granted = Vec::new();
    for entry in std::fs::read_dir(root().join("src-tauri/capabilities")).unwrap() {
        let path = entry.unwrap().path();
        let kind = path.extension().and_then(|e| e.to_str());
        assert!(
            matches!(kind, Some("json") | Some("md")),
            "{}: capability files are JSON here (a TOML one would escape this test)",
            path.display()
        );
        if kind != Some("json") {
            continue;
        }
        let file: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            file["windows"],
            serde_json::json!(["main"]),
            "{}",
            path.display()
        );
        assert!(
            file.get("remote").is_none(),
            "no remote URL may call our commands"
        );
        for permission in file["permissions"].as_array().unwrap() {
            // A permission with a scope is an object; its identifier is what needs a reason.
            let id = permission
                .as_str()
                .or_else(|| permission["identifier"].as_str())
                .unwrap()
                .to_owned();
            assert!(
                reasons.contains(&id),
                "{}: {id} has no reason in src-tauri/capabilities/README.md: add a row saying \
                 why the window needs it",
                path.display()
            );
            granted.push(id);
        }
    }
    for reason in &reasons {
        assert!(
            granted.contains(reason),
            "the README gives a reason for {reason}, which no capability grants: remove the row"
        );
    }
    for id in &granted {
        for wide in ["fs:", "shell:", "http:", "process:", "opener:", "updater:"] {
            assert!(
                !id.starts_with(wide),
                "{id}: our own commands do this, checked"
            );
        }
    }
    assert!(granted.len() <= 3, "{granted:?}");
}

#[test]
fn the_content_security_policy_allows_only_the_app_itself() {
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tauri.conf.json")).unwrap())
            .unwrap();
    let security = &config["app"]["security"];
    let csp = security["csp"].as_str().expect("a CSP is set");
    let mut directives: Vec<(String, Vec<String>)> = csp
        .split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            let mut words = d.split_whitespace().map(str::to_owned);
            (words.next().unwrap(), words.collect())
        })
        .collect();
    directives.sort();
    let names: Vec<&str> = directives.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["default-src", "img-src", "style-src"], "{csp}");
    // The app's own origin, its IPC, and for pictures blobs and data: URLs made in the page.
    let allowed = [
        "'self'",
        "ipc:",
        "http://ipc.localhost",
        "asset:",
        "http://asset.localhost",
        "blob:",
        "data:",
        "'unsafe-inline'",
    ];
    for (name, sources) in &directives {
        for source in sources {
            assert!(allowed.contains(&source.as_str()), "{name} {source}: {csp}");
            // Inline code would let an injected string run; inline styles are Svelte's.
            if source == "'unsafe-inline'" {
                assert_eq!(name, "style-src", "{csp}");
            }
        }
        assert!(
            !sources.iter().any(|s| s.contains('*')),
            "{name}: no wildcards"
        );
    }
    // Scripts fall back to default-src: the app's own files only, never eval.
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    // No dangerous switches beside the CSP.
    for key in [
        "dangerousDisableAssetCspModification",
        "dangerousRemoteDomainIpcAccess",
    ] {
        assert!(security.get(key).is_none(), "{key}");
    }
    assert!(
        security
            .get("assetProtocol")
            .is_none_or(|a| a["enable"] != true),
        "the asset protocol would serve files by path; pictures travel through our commands"
    );
    assert!(config["app"]
        .get("withGlobalTauri")
        .is_none_or(|g| g != true));
}

#[cfg(unix)]
mod hostile_project {
    use super::*;
    use image::{Rgb, RgbImage};
    use std::os::unix::fs::symlink;

    fn run(args: &[&str]) -> std::process::Output {
        Command::new(motionboard_bin())
            .args(args)
            .output()
            .expect("run motionboard")
    }

    fn s(p: &Path) -> &str {
        p.to_str().unwrap()
    }

    /// A project made by the CLI, then edited by hand as a stranger could: `edit` gets the
    /// project folder and the parsed project.json.
    fn project_edited(
        tmp: &Path,
        name: &str,
        edit: impl FnOnce(&Path, &mut serde_json::Value),
    ) -> PathBuf {
        let dir = tmp.join(name);
        let picture = tmp.join("picture.png");
        RgbImage::from_pixel(64, 48, Rgb([10, 200, 30]))
            .save(&picture)
            .unwrap();
        assert!(run(&["new", s(&dir)]).status.success());
        let added = run(&["add-shot", s(&dir), s(&picture), "--seconds", "1"]);
        assert!(
            added.status.success(),
            "{}",
            String::from_utf8_lossy(&added.stderr)
        );
        let path = dir.join("project.json");
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        edit(&dir, &mut json);
        std::fs::write(&path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
        dir
    }

    /// A picture outside the project: what a hostile project would like us to read.
    fn secret(tmp: &Path) -> PathBuf {
        let outside = tmp.join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        let secret = outside.join("secret.png");
        RgbImage::from_pixel(64, 48, Rgb([255, 0, 255]))
            .save(&secret)
            .unwrap();
        secret
    }

    /// Renders `dir`; the CLI must refuse, naming the problem, and write nothing.
    fn refused(dir: &Path, words: &[&str]) {
        let out = dir.join("film.mp4");
        let rendered = run(&["render", s(dir), "-o", s(&out)]);
        let stderr = String::from_utf8_lossy(&rendered.stderr);
        assert!(!rendered.status.success(), "rendered anyway: {stderr}");
        for word in words {
            assert!(stderr.contains(word), "{word:?} not in {stderr}");
        }
        assert!(!out.exists());
    }

    #[test]
    fn asset_names_that_leave_the_folder_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let secret = secret(tmp.path());
        for name in [
            secret.to_str().unwrap().to_owned(),
            "assets/../../outside/secret.png".to_owned(),
            "../outside/secret.png".to_owned(),
        ] {
            let dir = project_edited(tmp.path(), "theirs", |_, json| {
                json["shots"][0]["image"] = name.clone().into();
            });
            refused(&dir, &["inside assets/"]);
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }

    #[test]
    fn links_inside_the_folder_that_lead_outside_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let secret = secret(tmp.path());
        // An asset that is a link to a file outside.
        let dir = project_edited(tmp.path(), "linked-asset", |dir, json| {
            symlink(&secret, dir.join("assets/linked.png")).unwrap();
            json["shots"][0]["image"] = "assets/linked.png".into();
        });
        refused(&dir, &["leads outside the project folder"]);

        // assets/ itself a link: importing must not write there either.
        let dir = project_edited(tmp.path(), "linked-assets", |dir, _| {
            let assets = dir.join("assets");
            let own = std::fs::read_dir(&assets)
                .unwrap()
                .next()
                .unwrap()
                .unwrap()
                .path();
            let name = own.file_name().unwrap().to_owned();
            std::fs::copy(&own, secret.with_file_name(&name)).unwrap();
            std::fs::remove_dir_all(&assets).unwrap();
            symlink(secret.parent().unwrap(), &assets).unwrap();
        });
        refused(&dir, &["leads outside the project folder"]);
        let before: Vec<_> = std::fs::read_dir(secret.parent().unwrap())
            .unwrap()
            .collect();
        let other = tmp.path().join("other.png");
        RgbImage::from_pixel(32, 32, Rgb([1, 2, 3]))
            .save(&other)
            .unwrap();
        let added = run(&["add-shot", s(&dir), s(&other), "--seconds", "1"]);
        assert!(!added.status.success());
        let after: Vec<_> = std::fs::read_dir(secret.parent().unwrap())
            .unwrap()
            .collect();
        assert_eq!(before.len(), after.len(), "nothing written outside");

        // A subject picture that is a link to a file outside: saving the project elsewhere
        // (which copies its assets) must not copy the secret along.
        let dir = project_edited(tmp.path(), "linked-subject", |dir, json| {
            symlink(&secret, dir.join("assets/face.png")).unwrap();
            json["subjects"] = serde_json::json!([{
                "id": "subject-1", "name": "Mara", "images": ["assets/face.png"]
            }]);
        });
        let project = studio::project::store::load(&dir).unwrap();
        let copy = tmp.path().join("copy");
        let err = studio::project::store::save_as(&dir, &copy, &project).unwrap_err();
        assert!(
            err.to_string().contains("leads outside the project folder"),
            "{err}"
        );
        assert!(!copy.join("assets/face.png").exists());
    }
}
