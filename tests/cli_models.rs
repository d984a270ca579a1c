//! `motionboard models` end to end: the tiny package found in the models folder, files that
//! are not models reported by name, and downloads from a local server laid out like the
//! Hugging Face Hub (redirect to a CDN with X-Linked-* headers, Range requests): progress,
//! resume after a dropped connection (within a run and on the next run), truncated and wrong
//! files rejected and deleted, nothing half-written ever in the models folder; the disk
//! filling up mid-download (a small tmpfs) and a read-only models folder (a read-only bind
//! mount), both in a private mount namespace (`e2e::mount`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use e2e::motionboard_bin;
use e2e::mount::Namespace;
use studio::model_store::download::sha256_file;

const T2V_REPO: &str = "Wan-AI/Wan2.1-T2V-1.3B-Diffusers";

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../models/fixtures")
        .join(path)
}

/// Every file under `root`, relative, sorted.
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_owned());
            }
        }
    }
    out.sort();
    out
}

fn copy_tree(from: &Path, to: &Path) {
    for relative in files_under(from) {
        let target = to.join(&relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&relative), target).unwrap();
    }
}

/// A data folder of its own, and an empty HF cache so the tester's real one is not scanned.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("hf")).unwrap();
        Self { dir }
    }
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    fn models(&self) -> PathBuf {
        self.data().join("models")
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(motionboard_bin());
        command
            .args(args)
            .env("MOTIONBOARD_DATA_DIR", self.data())
            .env("HF_HUB_CACHE", self.dir.path().join("hf"))
            .env_remove("MOTIONBOARD_MODELS_URL")
            .env_remove("MOTIONBOARD_CATALOG");
        command
    }
    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run motionboard")
    }
    fn run_with(&self, args: &[&str], env: &[(&str, &Path)]) -> Output {
        let mut command = self.command(args);
        for (key, value) in env {
            command.env(key, value);
        }
        command.output().expect("run motionboard")
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A tiny real JPEG, as a creator's photo would be.
fn jpeg_bytes() -> Vec<u8> {
    let picture =
        image::RgbImage::from_fn(16, 16, |x, y| image::Rgb([x as u8 * 16, y as u8 * 16, 90]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    picture
        .write_to(&mut bytes, image::ImageFormat::Jpeg)
        .unwrap();
    bytes.into_inner()
}

#[test]
fn list_and_check_find_the_tiny_package() {
    let sandbox = Sandbox::new();
    copy_tree(
        &fixture("wan_tiny_ti2v"),
        &sandbox.models().join("wan_tiny_ti2v"),
    );
    let out = sandbox.run(&["models", "list"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("local:wan_tiny_ti2v"))
        .collect();
    assert_eq!(rows.len(), 3, "{stdout}");
    for component in ["transformer", "vae", "text_encoder"] {
        assert!(
            rows.iter()
                .any(|r| r.contains(component) && r.trim_end().ends_with("ok")),
            "{component}: {stdout}"
        );
    }
    // The known packages are listed as missing, with their expected sizes.
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("wan2.1-vae") && l.contains("missing") && l.contains("~")),
        "{stdout}"
    );

    let out = sandbox.run(&["models", "check"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.ends_with(": ok")).count(),
        3,
        "{stdout}"
    );

    let folder = sandbox.models().join("wan_tiny_ti2v");
    let out = sandbox.run(&["models", "check", folder.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // Break the package's VAE: check names it and fails.
    std::fs::copy(
        fixture("vae_2_1_tiny/diffusion_pytorch_model.safetensors"),
        folder.join("vae/diffusion_pytorch_model.safetensors"),
    )
    .unwrap();
    let out = sandbox.run(&["models", "check", folder.to_str().unwrap()]);
    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    let vae_line = stdout.lines().find(|l| l.contains("vae")).unwrap_or("");
    assert!(vae_line.contains("wrong model"), "{stdout}");
}

#[test]
fn files_that_are_not_models_are_reported_by_name() {
    let sandbox = Sandbox::new();
    let folder = sandbox.path("downloads-from-somewhere");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("holiday.safetensors"), jpeg_bytes()).unwrap();
    // A torch.save zip, renamed, and a bare pickle under its own name.
    std::fs::write(
        folder.join("renamed.safetensors"),
        b"PK\x03\x04archive/data.pkl",
    )
    .unwrap();
    std::fs::write(folder.join("model.ckpt"), b"\x80\x02}q\x00.").unwrap();
    // A safetensors of the wrong model: the tiny transformer called like the Wan2.1 VAE.
    std::fs::copy(
        fixture("dit_tiny/diffusion_pytorch_model.safetensors"),
        folder.join("wan_2.1_vae.safetensors"),
    )
    .unwrap();

    let out = sandbox.run(&["models", "check", folder.to_str().unwrap()]);
    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    let line = |name: &str| {
        stdout
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name} not reported: {stdout}"))
            .to_owned()
    };
    let holiday = line("holiday.safetensors");
    assert!(
        holiday.contains("not a model file") && holiday.contains("JPEG"),
        "{holiday}"
    );
    assert!(line("renamed.safetensors").contains("pickle"), "{stdout}");
    assert!(line("model.ckpt").contains("pickle"), "{stdout}");
    let wrong = line("wan_2.1_vae.safetensors");
    assert!(
        wrong.contains("wrong model") && wrong.contains("transformer") && wrong.contains("VAE"),
        "{wrong}"
    );
    assert!(
        text(&out.stderr).contains("4 of 4"),
        "{}",
        text(&out.stderr)
    );

    // Import refuses each by name and leaves the models folder empty.
    for name in [
        "holiday.safetensors",
        "model.ckpt",
        "wan_2.1_vae.safetensors",
    ] {
        let out = sandbox.run(&["models", "import", folder.join(name).to_str().unwrap()]);
        assert!(!out.status.success(), "{name} was imported");
        assert!(text(&out.stderr).contains(name), "{}", text(&out.stderr));
    }
    assert!(files_under(&sandbox.models()).is_empty());
}

#[test]
fn an_imported_package_is_listed_and_sound() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&[
        "models",
        "import",
        fixture("wan_tiny_t2v").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let copied = sandbox.models().join("wan_tiny_t2v");
    assert_eq!(files_under(&copied), files_under(&fixture("wan_tiny_t2v")));
    let out = sandbox.run(&["models", "list"]);
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.starts_with("local:wan_tiny_t2v") && l.trim_end().ends_with("ok"))
            .count(),
        3,
        "{stdout}"
    );
}

/// How the server misbehaves for one file.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fault {
    /// Sends half the rest of the file, then closes the connection, on every request.
    DropHalf,
    /// Like DropHalf, on the first request only.
    DropOnce,
    /// Serves the first half only (its own Content-Length agrees), while the file list and
    /// X-Linked-Size give the whole size.
    Truncated,
    /// Serves the file with one byte changed (same size, another sha256).
    Corrupt,
}

#[derive(Default)]
struct ServerState {
    /// Repository path ("Org/Name/path") -> bytes.
    files: BTreeMap<String, Vec<u8>>,
    faults: BTreeMap<String, Fault>,
    /// (request path, Range header) of every CDN request.
    requests: Vec<(String, Option<String>)>,
}

/// A local server laid out like the Hub.
struct Hub {
    url: String,
    state: Arc<Mutex<ServerState>>,
}

impl Hub {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(ServerState::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        Self { url, state }
    }

    fn add_package(&self, repo: &str, root: &Path) {
        let mut state = self.state.lock().unwrap();
        for relative in files_under(root) {
            let name = relative.to_str().unwrap().replace('\\', "/");
            // The reference outputs are fixtures of the tests, not part of a package.
            if name.starts_with("reference") {
                continue;
            }
            let bytes = std::fs::read(root.join(&relative)).unwrap();
            state.files.insert(format!("{repo}/{name}"), bytes);
        }
    }

    fn add_file(&self, repo_path: &str, bytes: Vec<u8>) {
        self.state
            .lock()
            .unwrap()
            .files
            .insert(repo_path.to_owned(), bytes);
    }

    fn fault(&self, repo_path: &str, fault: Option<Fault>) {
        let mut state = self.state.lock().unwrap();
        match fault {
            Some(f) => state.faults.insert(repo_path.to_owned(), f),
            None => state.faults.remove(repo_path),
        };
    }

    fn requests(&self) -> Vec<(String, Option<String>)> {
        self.state.lock().unwrap().requests.clone()
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, bytes).unwrap();
    sha256_file(&path).unwrap()
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(String, String)], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
}

fn serve(mut stream: TcpStream, state: &Mutex<ServerState>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("range") {
                range = Some(v.trim().to_owned());
            }
        }
    }
    let target = first.split_whitespace().nth(1).unwrap_or("/").to_owned();

    // The file list: /api/models/{repo}/revision/main?blobs=true
    if let Some(rest) = target.strip_prefix("/api/models/") {
        let repo = rest.split("/revision/").next().unwrap_or("");
        let state = state.lock().unwrap();
        let siblings: Vec<serde_json::Value> = state
            .files
            .iter()
            .filter_map(|(path, bytes)| {
                let name = path.strip_prefix(&format!("{repo}/"))?;
                let mut entry = serde_json::json!({"rfilename": name, "size": bytes.len()});
                if name.ends_with(".safetensors") {
                    entry["lfs"] =
                        serde_json::json!({"sha256": sha256_hex(bytes), "size": bytes.len()});
                }
                Some(entry)
            })
            .collect();
        if siblings.is_empty() {
            respond(&mut stream, "404 Not Found", &[], b"");
            return;
        }
        let body = serde_json::json!({"id": repo, "siblings": siblings}).to_string();
        respond(
            &mut stream,
            "200 OK",
            &[("Content-Length".into(), body.len().to_string())],
            body.as_bytes(),
        );
        return;
    }

    // /{repo}/resolve/main/{path}: a redirect to the CDN with the Hub's X-Linked-* headers.
    if let Some((repo, path)) = target.split_once("/resolve/main/") {
        let key = format!("{}/{path}", repo.trim_start_matches('/'));
        let state = state.lock().unwrap();
        let Some(bytes) = state.files.get(&key) else {
            respond(
                &mut stream,
                "404 Not Found",
                &[("Content-Length".into(), "0".into())],
                b"",
            );
            return;
        };
        let headers = vec![
            ("Location".to_owned(), format!("/cdn/{key}")),
            (
                "X-Linked-Etag".to_owned(),
                format!("\"{}\"", sha256_hex(bytes)),
            ),
            ("X-Linked-Size".to_owned(), bytes.len().to_string()),
            ("Content-Length".to_owned(), "0".to_owned()),
        ];
        respond(&mut stream, "302 Found", &headers, b"");
        return;
    }

    let Some(key) = target.strip_prefix("/cdn/") else {
        respond(
            &mut stream,
            "404 Not Found",
            &[("Content-Length".into(), "0".into())],
            b"",
        );
        return;
    };
    let (mut bytes, fault, first_request) = {
        let mut state = state.lock().unwrap();
        let first_request = !state.requests.iter().any(|(p, _)| p == key);
        state.requests.push((key.to_owned(), range.clone()));
        let Some(bytes) = state.files.get(key).cloned() else {
            drop(state);
            respond(
                &mut stream,
                "404 Not Found",
                &[("Content-Length".into(), "0".into())],
                b"",
            );
            return;
        };
        (bytes, state.faults.get(key).copied(), first_request)
    };
    match fault {
        Some(Fault::Truncated) => bytes.truncate(bytes.len() / 2),
        Some(Fault::Corrupt) => {
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0xFF;
        }
        _ => {}
    }
    let start: usize = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.trim_end_matches('-').parse().ok())
        .unwrap_or(0)
        .min(bytes.len());
    let rest = &bytes[start..];
    let mut headers = vec![("Content-Length".to_owned(), rest.len().to_string())];
    let status = if range.is_some() {
        headers.push((
            "Content-Range".to_owned(),
            format!(
                "bytes {start}-{}/{}",
                bytes.len().saturating_sub(1),
                bytes.len()
            ),
        ));
        "206 Partial Content"
    } else {
        "200 OK"
    };
    let drop_now =
        fault == Some(Fault::DropHalf) || (fault == Some(Fault::DropOnce) && first_request);
    if drop_now {
        // Promise the whole rest, send half of it, hang up.
        let mut head = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
        for (k, v) in &headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&rest[..rest.len() / 2]);
        let _ = stream.flush();
        let _ = stream.shutdown(std::net::Shutdown::Both);
        return;
    }
    respond(&mut stream, status, &headers, rest);
}

/// Files left in the downloads folder, other than folders.
fn leftovers(sandbox: &Sandbox) -> Vec<PathBuf> {
    files_under(&sandbox.data().join("downloads"))
}

#[test]
fn a_package_download_resumes_after_a_dropped_connection() {
    let sandbox = Sandbox::new();
    let hub = Hub::start();
    hub.add_package(T2V_REPO, &fixture("wan_tiny_t2v"));
    let transformer = format!("{T2V_REPO}/transformer/diffusion_pytorch_model.safetensors");
    hub.fault(&transformer, Some(Fault::DropOnce));

    let out = sandbox.run(&[
        "models",
        "download",
        "wan2.1-t2v-1.3b-diffusers",
        "--base-url",
        &hub.url,
    ]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // Progress, the retry and the resumed request were all reported.
    assert!(
        stderr.contains("transformer/diffusion_pytorch_model.safetensors"),
        "{stderr}"
    );
    assert!(stderr.contains("(100%"), "{stderr}");
    assert!(stderr.contains("resum"), "{stderr}");

    let requests: Vec<Option<String>> = hub
        .requests()
        .into_iter()
        .filter(|(p, _)| p == &transformer)
        .map(|(_, r)| r)
        .collect();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(requests[0], None);
    let resumed_at: usize = requests[1]
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.trim_end_matches('-').parse().ok())
        .expect("the second request asks for a range");
    let original = std::fs::read(fixture(
        "wan_tiny_t2v/transformer/diffusion_pytorch_model.safetensors",
    ))
    .unwrap();
    assert!(
        resumed_at > 0 && resumed_at < original.len(),
        "{resumed_at}"
    );

    let installed = sandbox.models().join("Wan2.1-T2V-1.3B-Diffusers");
    assert_eq!(
        std::fs::read(installed.join("transformer/diffusion_pytorch_model.safetensors")).unwrap(),
        original
    );
    assert!(leftovers(&sandbox).is_empty(), "{:?}", leftovers(&sandbox));

    // The downloaded package is found and sound; a second download fetches nothing.
    let out = sandbox.run(&["models", "list"]);
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.starts_with("wan2.1-t2v-1.3b-diffusers") && l.trim_end().ends_with("ok"))
            .count(),
        3,
        "{stdout}"
    );
    let before = hub.requests().len();
    let out = sandbox.run(&[
        "models",
        "download",
        "wan2.1-t2v-1.3b-diffusers",
        "--base-url",
        &hub.url,
    ]);
    assert!(out.status.success());
    assert!(text(&out.stderr).contains("already installed"));
    assert_eq!(hub.requests().len(), before);
}

#[test]
fn an_interrupted_download_resumes_on_the_next_run() {
    let sandbox = Sandbox::new();
    let hub = Hub::start();
    hub.add_package(T2V_REPO, &fixture("wan_tiny_t2v"));
    let vae = format!("{T2V_REPO}/vae/diffusion_pytorch_model.safetensors");
    hub.fault(&vae, Some(Fault::DropHalf));

    let args = [
        "models",
        "download",
        "wan2.1-t2v-1.3b-diffusers",
        "--base-url",
        &hub.url,
    ];
    let out = sandbox.run(&args);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("vae/diffusion_pytorch_model.safetensors")
            && stderr.contains("network")
            && stderr.contains("resumes"),
        "{stderr}"
    );
    // Nothing of the package is in the models folder; the partial file waits elsewhere.
    assert!(files_under(&sandbox.models()).is_empty());
    let parts: Vec<PathBuf> = leftovers(&sandbox)
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".part"))
        .collect();
    assert_eq!(parts.len(), 1, "{parts:?}");
    let kept = std::fs::metadata(sandbox.data().join("downloads").join(&parts[0]))
        .unwrap()
        .len();
    assert!(kept > 0);

    hub.fault(&vae, None);
    let out = sandbox.run(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let last = hub
        .requests()
        .into_iter()
        .rfind(|(p, _)| p == &vae)
        .unwrap();
    assert_eq!(last.1, Some(format!("bytes={kept}-")));
    assert_eq!(
        std::fs::read(
            sandbox
                .models()
                .join("Wan2.1-T2V-1.3B-Diffusers/vae/diffusion_pytorch_model.safetensors")
        )
        .unwrap(),
        std::fs::read(fixture(
            "wan_tiny_t2v/vae/diffusion_pytorch_model.safetensors"
        ))
        .unwrap()
    );
    assert!(leftovers(&sandbox).is_empty());
}

#[test]
fn truncated_and_corrupt_files_are_rejected_and_deleted() {
    for (fault, says) in [(Fault::Truncated, "truncated"), (Fault::Corrupt, "sha256")] {
        let sandbox = Sandbox::new();
        let hub = Hub::start();
        hub.add_package(T2V_REPO, &fixture("wan_tiny_t2v"));
        let text_encoder = format!("{T2V_REPO}/text_encoder/model.safetensors");
        hub.fault(&text_encoder, Some(fault));
        let out = sandbox.run(&[
            "models",
            "download",
            "wan2.1-t2v-1.3b-diffusers",
            "--base-url",
            &hub.url,
        ]);
        assert!(!out.status.success(), "{fault:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("text_encoder/model.safetensors was rejected and deleted")
                && stderr.contains(says),
            "{fault:?}: {stderr}"
        );
        assert!(files_under(&sandbox.models()).is_empty(), "{fault:?}");
        assert!(
            !leftovers(&sandbox).iter().any(|p| p
                .to_string_lossy()
                .contains("text_encoder/model.safetensors")),
            "{fault:?}: {:?}",
            leftovers(&sandbox)
        );
    }
}

#[test]
fn a_wrong_single_file_is_rejected_by_name() {
    let sandbox = Sandbox::new();
    let hub = Hub::start();
    // The TAEHV decoder's place holds the tiny transformer; the Wan2.1 VAE's a photo.
    hub.add_file(
        "madebyollin/taehv/taew2_1.safetensors",
        std::fs::read(fixture("dit_tiny/diffusion_pytorch_model.safetensors")).unwrap(),
    );
    hub.add_file(
        "Comfy-Org/Wan_2.1_ComfyUI_repackaged/split_files/vae/wan_2.1_vae.safetensors",
        jpeg_bytes(),
    );
    let out = sandbox.run(&["models", "download", "taew2_1", "--base-url", &hub.url]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("taew2_1.safetensors was rejected and deleted")
            && stderr.contains("transformer")
            && stderr.contains("TAEHV"),
        "{stderr}"
    );
    // Progress was printed before the verdict.
    assert!(stderr.contains("(100%"), "{stderr}");

    let out = sandbox.run(&["models", "download", "wan2.1-vae", "--base-url", &hub.url]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("wan_2.1_vae.safetensors was rejected") && stderr.contains("JPEG"),
        "{stderr}"
    );
    assert!(files_under(&sandbox.models()).is_empty());
    assert!(leftovers(&sandbox).is_empty(), "{:?}", leftovers(&sandbox));

    // An unknown id and a missing file get messages a person can act on.
    let out = sandbox.run(&["models", "download", "sd15", "--base-url", &hub.url]);
    assert!(text(&out.stderr).contains("known packages"));
    let out = sandbox.run(&["models", "download", "umt5-xxl", "--base-url", &hub.url]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success() && stderr.contains("404"), "{stderr}");
}

#[test]
fn a_server_that_is_not_there_is_a_network_error() {
    let sandbox = Sandbox::new();
    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = sandbox.run(&[
        "models",
        "download",
        "wan2.1-t2v-1.3b-diffusers",
        "--base-url",
        &format!("http://127.0.0.1:{port}"),
    ]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("could not read the file list"), "{stderr}");
    assert!(files_under(&sandbox.models()).is_empty());
}

#[test]
fn a_disk_that_cannot_be_written_is_named() {
    let sandbox = Sandbox::new();
    let hub = Hub::start();
    hub.add_package(T2V_REPO, &fixture("wan_tiny_t2v"));
    // The downloads folder's place is taken by a file: nothing can be written there.
    std::fs::create_dir_all(sandbox.data()).unwrap();
    std::fs::write(sandbox.data().join("downloads"), b"in the way").unwrap();
    let out = sandbox.run(&[
        "models",
        "download",
        "wan2.1-t2v-1.3b-diffusers",
        "--base-url",
        &hub.url,
    ]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("cannot write") && stderr.contains("downloads"),
        "{stderr}"
    );
    assert!(files_under(&sandbox.models()).is_empty());
}

/// A crash is a signal or a panic; a handled failure is exit status 1 with a message.
fn assert_handled(out: &Output) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: ") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn a_disk_that_fills_during_a_download_keeps_what_arrived_for_the_next_run() {
    let sandbox = Sandbox::new();
    let hub = Hub::start();
    hub.add_package(T2V_REPO, &fixture("wan_tiny_t2v"));
    let args = [
        "models",
        "download",
        "wan2.1-t2v-1.3b-diffusers",
        "--base-url",
        &hub.url,
    ];
    // About half the package fits.
    let after = sandbox.path("after");
    let out = Namespace::new()
        .small_disk(&sandbox.data(), 100 * 1024)
        .copy_back(&sandbox.data(), &after)
        .run(&sandbox.command(&args));
    assert_handled(&out);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("the disk filled up while downloading")
            && stderr.contains("make at least")
            && stderr.contains(&format!("disk that holds {}", sandbox.data().display()))
            && stderr.contains("resumes from there"),
        "{stderr}"
    );
    // Nothing in the models folder; one partial file, short of its whole size, kept.
    assert!(files_under(&after.join("models")).is_empty());
    let parts: Vec<PathBuf> = files_under(&after.join("downloads"))
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".part"))
        .collect();
    assert_eq!(parts.len(), 1, "{parts:?}");
    let part = &parts[0];
    let kept = std::fs::metadata(after.join("downloads").join(part))
        .unwrap()
        .len();
    let repo_path = part
        .to_string_lossy()
        .trim_start_matches("wan2.1-t2v-1.3b-diffusers/Wan2.1-T2V-1.3B-Diffusers/")
        .trim_end_matches(".part")
        .to_owned();
    let whole = std::fs::metadata(fixture(&format!("wan_tiny_t2v/{repo_path}")))
        .unwrap()
        .len();
    assert!(
        kept > 0 && kept < whole,
        "{repo_path}: {kept} of {whole} bytes"
    );
    assert!(
        stderr.contains(&format!("the {kept} bytes received")),
        "{stderr}"
    );

    // Room again (the folder as the full disk left it, on the real disk): the next run
    // resumes the partial file from where it stopped and installs the whole package.
    copy_tree(&after, &sandbox.data());
    let out = sandbox.run(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let cdn_path = format!("{T2V_REPO}/{repo_path}");
    let last = hub.requests().into_iter().rfind(|(p, _)| p == &cdn_path);
    assert_eq!(last.unwrap().1, Some(format!("bytes={kept}-")));
    let installed = sandbox.models().join("Wan2.1-T2V-1.3B-Diffusers");
    for file in files_under(&fixture("wan_tiny_t2v"))
        .into_iter()
        // The reference outputs are the tests' fixtures, not part of the package.
        .filter(|f| !f.to_string_lossy().starts_with("reference"))
    {
        assert_eq!(
            std::fs::read(installed.join(&file)).unwrap(),
            std::fs::read(fixture("wan_tiny_t2v").join(&file)).unwrap(),
            "{}",
            file.display()
        );
    }
    assert!(leftovers(&sandbox).is_empty(), "{:?}", leftovers(&sandbox));
}

#[test]
fn a_read_only_models_folder_is_named_and_nothing_crashes() {
    let sandbox = Sandbox::new();
    let hub = Hub::start();
    hub.add_package(T2V_REPO, &fixture("wan_tiny_t2v"));
    copy_tree(
        &fixture("wan_tiny_t2v"),
        &sandbox.models().join("wan_tiny_t2v"),
    );
    let models_before = files_under(&sandbox.models());
    let read_only = || Namespace::new().read_only(&sandbox.models());

    // Listing and checking only read: they work as usual.
    let out = read_only().run(&sandbox.command(&["models", "list"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("local:wan_tiny_t2v"));

    // A download fetches and checks the package, then cannot move it in: the message names
    // the folder and says it cannot be written.
    let out = read_only().run(&sandbox.command(&[
        "models",
        "download",
        "wan2.1-t2v-1.3b-diffusers",
        "--base-url",
        &hub.url,
    ]));
    assert_handled(&out);
    let stderr = text(&out.stderr);
    let models = sandbox.models().display().to_string();
    assert!(
        stderr.contains(&format!("{models} cannot be written")) && stderr.contains("read-only"),
        "{stderr}"
    );

    // An import says the same of the folder it would copy into.
    let out = read_only().run(&sandbox.command(&[
        "models",
        "import",
        fixture("wan_tiny_ti2v").to_str().unwrap(),
    ]));
    assert_handled(&out);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "cannot import into {models}: it cannot be written"
        )),
        "{stderr}"
    );
    assert_eq!(files_under(&sandbox.models()), models_before);
}

#[test]
fn the_list_is_also_json() {
    let sandbox = Sandbox::new();
    copy_tree(
        &fixture("wan_tiny_t2v"),
        &sandbox.models().join("tiny/wan_tiny_t2v"),
    );
    let out = sandbox.run(&["models", "list", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = list.as_array().unwrap();
    let local = packages
        .iter()
        .find(|p| p["id"] == "local:tiny/wan_tiny_t2v")
        .expect("a package two folders down is found");
    assert_eq!(local["ready"], true);
    assert_eq!(local["kind"]["kind"], "pipeline");
    assert_eq!(local["kind"]["version"], "wan21");
    assert_eq!(local["files"].as_array().unwrap().len(), 3);
    let vae = packages.iter().find(|p| p["id"] == "wan2.1-vae").unwrap();
    assert_eq!(vae["files"][0]["soundness"]["state"], "missing");
}

#[test]
fn a_starter_set_from_a_catalog_file_downloads_through_the_apps_mirror() {
    let sandbox = Sandbox::new();
    let hub = Hub::start();
    let set = fixture("wan_tiny_t2v_comfy");
    let repo = "Test-Org/Tiny_ComfyUI_repackaged";
    let files = [
        ("dit", "diffusion_models/wan_tiny_t2v_fp16.safetensors"),
        ("vae", "vae/wan_tiny_vae.safetensors"),
        (
            "text_encoder",
            "text_encoders/umt5_tiny_fp8_e4m3fn_scaled.safetensors",
        ),
    ];
    let mut entries = Vec::new();
    for (role, file) in files {
        let bytes = std::fs::read(set.join(file)).unwrap();
        entries.push(serde_json::json!({
            "role": role, "repo": repo, "repo_path": format!("split_files/{file}"),
            "bytes": bytes.len(),
        }));
        hub.add_file(&format!("{repo}/split_files/{file}"), bytes);
    }
    let catalog = sandbox.path("catalog.json");
    std::fs::write(
        &catalog,
        serde_json::json!({"packages": [{
            "id": "tiny-starter", "name": "Tiny starter", "version": "wan21", "files": entries,
        }]})
        .to_string(),
    )
    .unwrap();
    // The mirror the app's Models panel saved.
    std::fs::create_dir_all(sandbox.data()).unwrap();
    std::fs::write(
        sandbox.data().join("models.json"),
        serde_json::json!({ "download_mirror": hub.url }).to_string(),
    )
    .unwrap();
    let env = [("MOTIONBOARD_CATALOG", catalog.as_path())];

    let listed = |sandbox: &Sandbox| -> serde_json::Value {
        let out = sandbox.run_with(&["models", "list", "--json"], &env);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let first = list[0].clone();
        assert_eq!(
            first["id"], "tiny-starter",
            "the catalog file's set comes first"
        );
        first
    };
    assert_eq!(listed(&sandbox)["ready"], false);
    let out = sandbox.run_with(&["models", "download", "tiny-starter"], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let requested: Vec<String> = hub.requests().into_iter().map(|(path, _)| path).collect();
    assert_eq!(requested.len(), 3, "{requested:?}");
    // Each file fetched once, from the mirror (the CDN the mirror redirected to).
    assert!(requested
        .iter()
        .all(|p| p.starts_with(&format!("{repo}/split_files/"))));
    let set_status = listed(&sandbox);
    assert_eq!(set_status["ready"], true, "{set_status}");
    assert!(set_status["root"]
        .as_str()
        .unwrap()
        .ends_with("diffusion_models/wan_tiny_t2v_fp16.safetensors"));
    // Checked against the configs the files carry: the same tiny files named as a published
    // package's are judged by the published shapes.
    let out = sandbox.run_with(&["models", "list", "--json"], &[]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["id"] != "tiny-starter"));
}
