//! Downloading a package from the Hub (or any server laid out like it): progress, resume from
//! a partial file after a dropped connection or a cancelled run, verification by size, by the
//! server's sha256 and by the soundness check, and an atomic move into the models folder only
//! when everything passed. Partial files live in `<data dir>/downloads`, never in the models
//! folder.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use super::catalog::{find, FileSpec, PackageSpec, Source, DEFAULT_BASE_URL};
use super::check::{check_package, check_spec_file, is_package};
use super::locations::Locations;
use crate::disk;

/// Tries per file: a dropped connection is resumed this many times before giving up.
const ATTEMPTS: u32 = 4;
/// Redirects followed (the Hub sends file requests to its CDN).
const MAX_REDIRECTS: u32 = 10;
/// The component folders a diffusers package needs (other files in the repository, such as
/// example videos, are not downloaded).
const PACKAGE_FOLDERS: [&str; 5] = [
    "scheduler/",
    "text_encoder/",
    "tokenizer/",
    "transformer/",
    "vae/",
];
/// Pickle files some repositories carry beside the safetensors: never downloaded.
const PICKLES: [&str; 5] = [".bin", ".pth", ".pt", ".ckpt", ".pkl"];

/// The base URL: `MOTIONBOARD_MODELS_URL` if set, else the Hugging Face Hub.
pub fn base_url_from_env() -> String {
    std::env::var("MOTIONBOARD_MODELS_URL").unwrap_or_else(|_| DEFAULT_BASE_URL.to_owned())
}

/// What the download is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case", tag = "stage", content = "detail")]
pub enum Stage {
    /// Receiving bytes.
    Downloading,
    /// The connection dropped; trying again from where it stopped.
    Retrying(String),
    /// Checking size, sha256 and tensors.
    Verifying,
}

/// Progress of a package download, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DownloadProgress {
    /// The file being fetched (its path in the repository).
    pub file: String,
    /// Its position among the package's files (1-based) and their count.
    pub file_index: usize,
    pub files: usize,
    /// Bytes of this file on disk so far, and its size when known.
    #[ts(type = "number")]
    pub bytes: u64,
    #[ts(type = "number | null")]
    pub total: Option<u64>,
    /// Bytes the run started from (a resumed partial file).
    #[ts(type = "number")]
    pub resumed_from: u64,
    /// What is happening.
    pub stage: Stage,
}

/// A download that did not end with a sound package in the models folder.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// No such package.
    #[error("no package `{id}`; known packages: {known}")]
    UnknownPackage { id: String, known: String },
    /// The network failed (after retries).
    #[error(
        "could not download {file} from {url}: {reason}. Check the network connection; \
         {kept} bytes are kept in {part} and the next run resumes from there"
    )]
    Network {
        file: String,
        url: String,
        reason: String,
        kept: u64,
        part: PathBuf,
    },
    /// The server answered with an error status.
    #[error("{url} answered HTTP {status}{hint}")]
    Http {
        url: String,
        status: u16,
        hint: &'static str,
    },
    /// The file list of a repository could not be read.
    #[error("could not read the file list of {repo} from {url}: {reason}")]
    Listing {
        repo: String,
        url: String,
        reason: String,
    },
    /// Writing to disk failed.
    #[error("cannot write {path}: {source}{hint}")]
    Disk {
        path: PathBuf,
        #[source]
        source: std::io::Error,
        hint: String,
    },
    /// The disk filled up while a file was arriving; what arrived is kept for the next run.
    #[error(
        "the disk filled up while downloading {file}: {advice}{rest}, then run the download \
         again: the {kept} bytes received are kept in {part} and it resumes from there \
         (delete that file to give the download up and get its space back)",
        advice = crate::disk::free_advice(crate::disk::folder_of(part), *needed),
        rest = needed.map_or(String::new(), |n| format!(
            " (the rest of the file is {}; the package needs room in the models folder too \
             if that is on another disk)",
            crate::disk::human_bytes(n)
        ))
    )]
    DiskFull {
        file: String,
        part: PathBuf,
        kept: u64,
        needed: Option<u64>,
    },
    /// A URL the download may not use: plain HTTP to another machine, or another scheme.
    #[error(
        "refused to download from {url}: {reason}. Models come over HTTPS; plain HTTP only \
         from a mirror on this machine (localhost) or one you set yourself (--base-url, \
         MOTIONBOARD_MODELS_URL), never after a redirect elsewhere"
    )]
    Insecure { url: String, reason: String },
    /// A downloaded file failed verification and was deleted.
    #[error("{file} was rejected and deleted: {reason}")]
    Rejected { file: String, reason: String },
    /// The creator cancelled; what was received is kept for the next run.
    #[error(
        "download cancelled; {kept} bytes of {file} are kept and the next run resumes from there"
    )]
    Cancelled { file: String, kept: u64 },
}

/// What a finished download installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Installed {
    /// The package id.
    pub id: String,
    /// The files or package folder now in the models folder.
    pub paths: Vec<String>,
    /// It was already there and sound; nothing was fetched.
    pub already_there: bool,
}

/// One file to fetch, with what the server says it must be.
#[derive(Debug, Clone)]
struct Wanted {
    /// Path in the repository.
    repo_path: String,
    /// Size from the file list, when known.
    size: Option<u64>,
    /// sha256 from the file list (LFS files), when known.
    sha256: Option<String>,
}

/// The file list entry of the Hub's model API (`/api/models/{repo}/revision/main?blobs=true`).
#[derive(Deserialize)]
struct Listing {
    siblings: Vec<Sibling>,
}
#[derive(Deserialize)]
struct Sibling {
    rfilename: String,
    size: Option<u64>,
    lfs: Option<Lfs>,
}
#[derive(Deserialize)]
struct Lfs {
    sha256: Option<String>,
    size: Option<u64>,
}

/// A download run: where from, where to, how to report, when to stop.
pub struct Downloader<'a> {
    agent: ureq::Agent,
    base_url: String,
    locations: &'a Locations,
    cancel: &'a AtomicBool,
    progress: &'a mut dyn FnMut(&DownloadProgress),
}

/// The answer to one GET, after redirects.
struct Answer {
    status: u16,
    url: String,
    content_length: Option<u64>,
    content_range_start: Option<u64>,
    /// A sha256 the server vouches for (an `X-Linked-Etag` / `ETag` of 64 hex digits).
    sha256: Option<String>,
    /// `X-Linked-Size` (the Hub's size of an LFS file).
    linked_size: Option<u64>,
    body: ureq::Body,
}

impl<'a> Downloader<'a> {
    /// A downloader from `base_url` into `locations`, reporting to `progress`, stopping when
    /// `cancel` becomes true.
    pub fn new(
        base_url: &str,
        locations: &'a Locations,
        cancel: &'a AtomicBool,
        progress: &'a mut dyn FnMut(&DownloadProgress),
    ) -> Self {
        let config = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(concat!("motionboard/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .timeout_per_read(Some(Duration::from_secs(60)))
            .build();
        Self {
            agent: config.into(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            locations,
            cancel,
            progress,
        }
    }

    /// Downloads package `id` (see [`super::catalog`]) into the models folder.
    pub fn download(&mut self, id: &str) -> Result<Installed, DownloadError> {
        let spec = find(id).ok_or_else(|| DownloadError::UnknownPackage {
            id: id.to_owned(),
            known: super::catalog::catalog()
                .iter()
                .map(|p| p.id)
                .collect::<Vec<_>>()
                .join(", "),
        })?;
        match &spec.source {
            Source::Repo { repo, .. } => self.download_repo(&spec, repo),
            Source::Files(files) => {
                let mut paths = Vec::new();
                let mut already_there = true;
                for (index, file) in files.iter().enumerate() {
                    let (path, fetched) =
                        self.download_single(&spec, file, (index + 1, files.len()))?;
                    already_there &= !fetched;
                    paths.push(path.display().to_string());
                }
                Ok(Installed {
                    id: spec.id.to_owned(),
                    paths,
                    already_there,
                })
            }
        }
    }

    fn staging(&self, spec: &PackageSpec) -> PathBuf {
        self.locations.downloads.join(spec.id)
    }

    /// One single-file component: fetched beside the other partial downloads, checked, then
    /// moved into `<models>/<role folder>/`. Returns where it is and whether it was fetched.
    fn download_single(
        &mut self,
        spec: &PackageSpec,
        file: &FileSpec,
        position: (usize, usize),
    ) -> Result<(PathBuf, bool), DownloadError> {
        let (repo, repo_path) = (file.repo, file.repo_path);
        let name = file.file_name();
        let target_dir = self.locations.models.join(file.role.folder());
        let target = target_dir.join(name);
        if target.is_file() && check_spec_file(&target, file).is_sound() {
            return Ok((target, false));
        }
        let staging = self.staging(spec);
        let wanted = Wanted {
            repo_path: repo_path.to_owned(),
            size: None,
            sha256: None,
        };
        let done = self.fetch(repo, &wanted, &staging.join(name), position)?;
        self.report(
            repo_path,
            position,
            file_len(&done),
            None,
            0,
            Stage::Verifying,
        );
        let verdict = check_spec_file(&done, file);
        if !verdict.is_sound() {
            let _ = std::fs::remove_file(&done);
            return Err(DownloadError::Rejected {
                file: name.to_owned(),
                reason: verdict.describe(),
            });
        }
        create_dir(&target_dir)?;
        move_into(&done, &target)?;
        let _ = std::fs::remove_dir(&staging);
        Ok((target, true))
    }

    /// A whole diffusers repository: its file list from the Hub's API, each file fetched into
    /// a staging folder, the package checked, then the folder moved into the models folder.
    fn download_repo(
        &mut self,
        spec: &PackageSpec,
        repo: &str,
    ) -> Result<Installed, DownloadError> {
        let folder = spec.folder_name().unwrap_or(spec.id);
        let target = self.locations.models.join(folder);
        if is_package(&target)
            && check_package(&target)
                .iter()
                .all(|c| c.soundness.is_sound())
        {
            return Ok(Installed {
                id: spec.id.to_owned(),
                paths: vec![target.display().to_string()],
                already_there: true,
            });
        }
        if target.exists() {
            return Err(DownloadError::Disk {
                path: target.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "a folder of that name is already in the models folder and is not a sound package",
                ),
                hint: "; move it away (or run `motionboard models check` on it) and download again"
                    .into(),
            });
        }
        let wanted = self.listing(repo)?;
        let staging = self.staging(spec).join(folder);
        for (index, file) in wanted.iter().enumerate() {
            self.fetch(
                repo,
                file,
                &staging.join(&file.repo_path),
                (index + 1, wanted.len()),
            )?;
        }
        self.report(
            folder,
            (wanted.len(), wanted.len()),
            0,
            None,
            0,
            Stage::Verifying,
        );
        let checks = check_package(&staging);
        if let Some(bad) = checks.iter().find(|c| !c.soundness.is_sound()) {
            // The whole staged package goes: its files passed their sizes and hashes, so a
            // package that still does not fit is not the package the catalog names.
            let _ = std::fs::remove_dir_all(self.staging(spec));
            return Err(DownloadError::Rejected {
                file: format!("{folder}/{}", bad.component),
                reason: bad.soundness.describe(),
            });
        }
        create_dir(&self.locations.models)?;
        move_into(&staging, &target)?;
        let _ = std::fs::remove_dir_all(self.staging(spec));
        Ok(Installed {
            id: spec.id.to_owned(),
            paths: vec![target.display().to_string()],
            already_there: false,
        })
    }

    /// The files of `repo` a Wan package needs, with their sizes and sha256.
    fn listing(&self, repo: &str) -> Result<Vec<Wanted>, DownloadError> {
        let url = format!(
            "{}/api/models/{repo}/revision/main?blobs=true",
            self.base_url
        );
        let failed = |reason: String| DownloadError::Listing {
            repo: repo.to_owned(),
            url: url.clone(),
            reason,
        };
        let answer = self.get(&url, 0).map_err(|e| match e {
            GetError::Network(e) => failed(e.to_string()),
            GetError::Refused(e) => e,
        })?;
        if answer.status != 200 {
            return Err(http_error(&answer.url, answer.status));
        }
        let text = answer
            .body
            .into_with_config()
            .limit(16 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| failed(e.to_string()))?;
        let listing: Listing =
            serde_json::from_str(&text).map_err(|e| failed(format!("unexpected answer: {e}")))?;
        let wanted: Vec<Wanted> = listing
            .siblings
            .into_iter()
            .filter(|s| {
                let name = s.rfilename.as_str();
                (name == "model_index.json" || PACKAGE_FOLDERS.iter().any(|f| name.starts_with(f)))
                    && !PICKLES.iter().any(|p| name.ends_with(p))
                    && safe_relative(name)
            })
            .map(|s| Wanted {
                size: s.lfs.as_ref().and_then(|l| l.size).or(s.size),
                sha256: s
                    .lfs
                    .and_then(|l| l.sha256)
                    .filter(|h| is_sha256(h))
                    .map(|h| h.to_ascii_lowercase()),
                repo_path: s.rfilename,
            })
            .collect();
        if !wanted.iter().any(|w| w.repo_path == "model_index.json") {
            return Err(failed(
                "the repository has no model_index.json: it is not a diffusers package".into(),
            ));
        }
        Ok(wanted)
    }

    fn report(
        &mut self,
        file: &str,
        (file_index, files): (usize, usize),
        bytes: u64,
        total: Option<u64>,
        resumed_from: u64,
        stage: Stage,
    ) {
        (self.progress)(&DownloadProgress {
            file: file.to_owned(),
            file_index,
            files,
            bytes,
            total,
            resumed_from,
            stage,
        });
    }

    /// Fetches one file to `dest` through `dest.part`, resuming a partial file, retrying a
    /// dropped connection, and verifying size and sha256. Returns `dest`.
    fn fetch(
        &mut self,
        repo: &str,
        wanted: &Wanted,
        dest: &Path,
        position: (usize, usize),
    ) -> Result<PathBuf, DownloadError> {
        let url = format!("{}/{repo}/resolve/main/{}", self.base_url, wanted.repo_path);
        let part = with_suffix(dest, ".part");
        // A file fetched and verified by an earlier, interrupted run of a package.
        if dest.is_file() && wanted.size.is_some_and(|s| file_len(dest) == s) {
            return Ok(dest.to_owned());
        }
        if let Some(parent) = part.parent() {
            create_dir(parent)?;
        }
        let mut last_error = String::new();
        let mut expected = Expected {
            size: wanted.size,
            sha256: wanted.sha256.clone(),
        };
        for attempt in 1..=ATTEMPTS {
            if attempt > 1 {
                self.report(
                    &wanted.repo_path,
                    position,
                    file_len(&part),
                    expected.size,
                    file_len(&part),
                    Stage::Retrying(last_error.clone()),
                );
                std::thread::sleep(Duration::from_millis(250 * u64::from(attempt)));
            }
            match self.attempt(&url, &part, &wanted.repo_path, position, &mut expected) {
                Ok(()) => return self.verify(&part, dest, &wanted.repo_path, &expected),
                Err(Attempt::Retry(reason)) => last_error = reason,
                Err(Attempt::Fatal(e)) => return Err(e),
            }
        }
        Err(DownloadError::Network {
            file: wanted.repo_path.clone(),
            url,
            reason: last_error,
            kept: file_len(&part),
            part,
        })
    }

    /// One GET of the rest of the file, appended to `part`.
    fn attempt(
        &mut self,
        url: &str,
        part: &Path,
        file: &str,
        position: (usize, usize),
        expected: &mut Expected,
    ) -> Result<(), Attempt> {
        let mut offset = file_len(part);
        if let Some(size) = expected.size {
            if offset == size {
                // Whole already (or empty: an empty file needs no request, only to exist).
                if !part.exists() {
                    File::create(part).map_err(|e| Attempt::Fatal(disk_error(part, e)))?;
                }
                return Ok(());
            }
            if offset > size {
                let _ = std::fs::remove_file(part);
                offset = 0;
            }
        }
        let answer = self.get(url, offset).map_err(|e| match e {
            GetError::Network(e) => Attempt::Retry(e.to_string()),
            GetError::Refused(e) => Attempt::Fatal(e),
        })?;
        if answer.sha256.is_some() && expected.sha256.is_none() {
            expected.sha256 = answer.sha256.clone();
        }
        if expected.size.is_none() {
            expected.size = answer.linked_size;
        }
        let append = match answer.status {
            206 if answer.content_range_start == Some(offset) => true,
            200 | 206 => false,
            // The partial file is already whole (or the server disagrees about it): start
            // over rather than guess.
            416 => {
                let _ = std::fs::remove_file(part);
                return Err(Attempt::Retry(
                    "the server refused to resume; starting over".into(),
                ));
            }
            status if status >= 500 => {
                return Err(Attempt::Retry(format!("the server answered HTTP {status}")))
            }
            status => return Err(Attempt::Fatal(http_error(&answer.url, status))),
        };
        let start = if append { offset } else { 0 };
        let total = answer.content_length.map(|n| n + start).or(expected.size);
        if expected.size.is_none() {
            expected.size = total;
        }
        let disk = |source: std::io::Error| Attempt::Fatal(disk_error(part, source));
        let opened = OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(part)
            .map_err(disk)?;
        let mut out = disk::Metered::new(part, opened);
        // A full disk keeps what arrived (a prefix of the file: the next run resumes after
        // it, and the size and sha256 checks still stand between it and the models folder).
        let full = |source: std::io::Error, wanted: Option<u64>| {
            if !disk::is_full(&source) {
                return disk(source);
            }
            let kept = file_len(part);
            Attempt::Fatal(DownloadError::DiskFull {
                file: file.to_owned(),
                part: part.to_owned(),
                kept,
                needed: wanted.map(|t| t.saturating_sub(kept)),
            })
        };
        let mut reader = answer.body.into_reader();
        let mut buffer = vec![0u8; 1 << 20];
        let mut bytes = start;
        self.report(file, position, bytes, total, start, Stage::Downloading);
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                let _ = out.flush();
                return Err(Attempt::Fatal(DownloadError::Cancelled {
                    file: file.to_owned(),
                    kept: bytes,
                }));
            }
            let n = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let _ = out.flush();
                    return Err(Attempt::Retry(format!("the connection dropped ({e})")));
                }
            };
            out.write_all(&buffer[..n]).map_err(|e| full(e, total))?;
            bytes += n as u64;
            self.report(file, position, bytes, total, start, Stage::Downloading);
        }
        out.get_ref().sync_all().map_err(|e| full(e, total))?;
        match total {
            Some(total) if bytes < total => Err(Attempt::Retry(format!(
                "the connection closed after {bytes} of {total} bytes"
            ))),
            _ => Ok(()),
        }
    }

    /// Size and sha256 checks; a file that fails them is deleted.
    fn verify(
        &mut self,
        part: &Path,
        dest: &Path,
        file: &str,
        expected: &Expected,
    ) -> Result<PathBuf, DownloadError> {
        let reject = |reason: String| {
            let _ = std::fs::remove_file(part);
            DownloadError::Rejected {
                file: file.to_owned(),
                reason,
            }
        };
        let len = file_len(part);
        if let Some(size) = expected.size {
            if len != size {
                return Err(reject(format!(
                    "it is {len} bytes, the server says it should be {size} (a truncated or \
                     altered file)"
                )));
            }
        }
        if let Some(want) = &expected.sha256 {
            let got = sha256_file(part).map_err(|e| disk_error(part, e))?;
            if &got != want {
                return Err(reject(format!(
                    "its sha256 is {got}, the server says {want} (a corrupted or different file)"
                )));
            }
        }
        std::fs::rename(part, dest).map_err(|e| disk_error(dest, e))?;
        Ok(dest.to_owned())
    }

    /// GET `url` from byte `offset`, following redirects by hand so the Hub's `X-Linked-*`
    /// headers (on its redirect, not on the CDN's answer) are seen.
    /// Every URL, the first and each redirect's, must pass [`transport_allowed`].
    fn get(&self, url: &str, offset: u64) -> Result<Answer, GetError> {
        let mut url = url.to_owned();
        let mut sha256 = None;
        let mut linked_size = None;
        for _ in 0..=MAX_REDIRECTS {
            transport_allowed(&url, &self.base_url).map_err(|reason| {
                GetError::Refused(DownloadError::Insecure {
                    url: url.clone(),
                    reason,
                })
            })?;
            let mut request = self.agent.get(&url);
            if offset > 0 {
                request = request.header("Range", &format!("bytes={offset}-"));
            }
            let response = request.call().map_err(GetError::Network)?;
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            if let Some(tag) = header("x-linked-etag").or_else(|| header("etag")) {
                let tag = tag
                    .trim_start_matches("W/")
                    .trim_matches('"')
                    .to_ascii_lowercase();
                if is_sha256(&tag) {
                    sha256.get_or_insert(tag);
                }
            }
            if let Some(size) = header("x-linked-size").and_then(|s| s.parse().ok()) {
                linked_size.get_or_insert(size);
            }
            let status = response.status().as_u16();
            if (300..400).contains(&status) {
                if let Some(location) = header("location") {
                    url = resolve(&url, &location);
                    continue;
                }
            }
            let content_length = header("content-length").and_then(|s| s.parse().ok());
            let content_range_start = header("content-range").and_then(|r| {
                r.strip_prefix("bytes ")?
                    .split('-')
                    .next()?
                    .trim()
                    .parse()
                    .ok()
            });
            return Ok(Answer {
                status,
                url,
                content_length,
                content_range_start,
                sha256,
                linked_size,
                body: response.into_body(),
            });
        }
        Err(GetError::Network(ureq::Error::TooManyRedirects))
    }
}

/// Why a request was not answered.
enum GetError {
    /// The network (worth retrying).
    Network(ureq::Error),
    /// A URL the download may not use (never retried).
    Refused(DownloadError),
}

/// The scheme and host (lowercase, without port or user) of `url`.
fn scheme_and_host(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = match host_port.strip_prefix('[') {
        // [::1]:8080
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    };
    Some((scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
}

/// Whether `url` may be fetched for a download from `base_url`: HTTPS always; plain HTTP only
/// from this machine (a local mirror: localhost, 127.x.x.x, ::1) or from the host of a base URL
/// the creator set instead of the Hub's (an explicit mirror). So a redirect can never turn an
/// HTTPS download into a plain one to another machine.
fn transport_allowed(url: &str, base_url: &str) -> Result<(), String> {
    let Some((scheme, host)) = scheme_and_host(url) else {
        return Err("not an http(s) URL".into());
    };
    if host.is_empty() {
        return Err("no host".into());
    }
    match scheme.as_str() {
        "https" => Ok(()),
        "http" => {
            let local = host == "localhost"
                || host.ends_with(".localhost")
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            let mirror = base_url.trim_end_matches('/') != DEFAULT_BASE_URL
                && scheme_and_host(base_url) == Some((scheme.clone(), host.clone()));
            if local || mirror {
                Ok(())
            } else {
                Err(format!(
                    "plain HTTP to {host} could be read or changed on the way"
                ))
            }
        }
        other => Err(format!("{other}: only https (or http from a local mirror)")),
    }
}

/// What a finished file must be.
#[derive(Debug, Clone)]
struct Expected {
    size: Option<u64>,
    sha256: Option<String>,
}

/// How one try ended.
enum Attempt {
    /// Worth trying again (the network).
    Retry(String),
    /// Not worth it (HTTP 404, a full disk, cancel).
    Fatal(DownloadError),
}

fn http_error(url: &str, status: u16) -> DownloadError {
    let hint = match status {
        401 | 403 => {
            "; the repository may be gated: accept its licence on the Hub, or download it \
             in a browser and use `motionboard models import`"
        }
        404 => "; the file is not there (check --base-url / MOTIONBOARD_MODELS_URL)",
        _ => "",
    };
    DownloadError::Http {
        url: url.to_owned(),
        status,
        hint,
    }
}

fn disk_error(path: &Path, source: std::io::Error) -> DownloadError {
    let folder = disk::folder_of(path);
    let hint = if disk::is_full(&source) {
        format!(
            "; the disk is full: {} (or set MOTIONBOARD_DATA_DIR to a larger disk) and run the \
             download again to resume",
            disk::free_advice(folder, None)
        )
    } else if disk::is_read_only(&source) {
        format!(
            "; {} cannot be written (a read-only disk or folder): make it writable, or set \
             MOTIONBOARD_DATA_DIR to a folder you can write, and download again",
            folder.display()
        )
    } else {
        String::new()
    };
    DownloadError::Disk {
        path: path.to_owned(),
        source,
        hint,
    }
}

fn create_dir(dir: &Path) -> Result<(), DownloadError> {
    std::fs::create_dir_all(dir).map_err(|e| disk_error(dir, e))
}

/// Moves a verified file or folder into the models folder: a rename (the data folder's two
/// halves share a disk), or, across disks, a copy under a hidden name and a rename, so the
/// models folder never holds a half-copied file under its real name.
fn move_into(from: &Path, to: &Path) -> Result<(), DownloadError> {
    if to.exists() && to.is_file() {
        std::fs::remove_file(to).map_err(|e| disk_error(to, e))?;
    }
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let hidden = to.with_file_name(format!(".{name}.copying"));
    let copied =
        super::import::copy_tree(from, &hidden).and_then(|()| std::fs::rename(&hidden, to));
    match copied {
        Ok(()) => {
            let _ = if from.is_dir() {
                std::fs::remove_dir_all(from)
            } else {
                std::fs::remove_file(from)
            };
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&hidden);
            let _ = std::fs::remove_file(&hidden);
            Err(disk_error(to, e))
        }
    }
}

/// `url`'s redirect target `location` (absolute, host-relative or path-relative).
fn resolve(url: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_owned();
    }
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let host_end = url[scheme_end..]
        .find('/')
        .map_or(url.len(), |i| scheme_end + i);
    if location.starts_with('/') {
        format!("{}{location}", &url[..host_end])
    } else {
        let base = url
            .rfind('/')
            .filter(|&i| i >= host_end)
            .map_or(url, |i| &url[..i]);
        format!("{base}/{location}")
    }
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A repository path that stays inside the package folder.
fn safe_relative(path: &str) -> bool {
    !path.starts_with('/') && path.split('/').all(|part| !part.is_empty() && part != "..")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The sha256 of a file, as lowercase hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_resolve_like_a_browser() {
        let url = "https://huggingface.co/Org/Repo/resolve/main/vae/x.safetensors";
        assert_eq!(
            resolve(url, "https://cdn.example/abc"),
            "https://cdn.example/abc"
        );
        assert_eq!(
            resolve(url, "/api/resolve-cache/x"),
            "https://huggingface.co/api/resolve-cache/x"
        );
        assert_eq!(
            resolve(url, "y.safetensors"),
            "https://huggingface.co/Org/Repo/resolve/main/vae/y.safetensors"
        );
    }

    #[test]
    fn downloads_are_https_except_from_a_local_or_chosen_mirror() {
        let hub = DEFAULT_BASE_URL;
        let file = "https://huggingface.co/Org/Repo/resolve/main/vae/x.safetensors";
        assert_eq!(transport_allowed(file, hub), Ok(()));
        assert_eq!(transport_allowed("https://cdn-lfs.hf.co/abc", hub), Ok(()));
        // The Hub redirecting to plain HTTP elsewhere.
        let err = transport_allowed("http://cdn.example/abc", hub).unwrap_err();
        assert!(err.contains("plain HTTP to cdn.example"), "{err}");
        assert!(transport_allowed("http://huggingface.co/x", hub).is_err());
        for local in [
            "http://127.0.0.1:8080/x",
            "http://localhost/x",
            "http://[::1]:9000/x",
            "http://mirror.localhost/x",
        ] {
            assert_eq!(transport_allowed(local, hub), Ok(()), "{local}");
        }
        // A mirror the creator set, and only its own host.
        let mirror = "http://models.lan:8000";
        assert_eq!(
            transport_allowed("http://models.lan:8000/a/b", mirror),
            Ok(())
        );
        assert!(transport_allowed("http://other.lan/a", mirror).is_err());
        // Look-alike hosts and other schemes.
        assert!(transport_allowed("http://127.0.0.1.evil.com/x", hub).is_err());
        assert!(transport_allowed("http://localhost.evil.com/x", hub).is_err());
        assert!(transport_allowed("http://user@evil.com/x", hub).is_err());
        assert!(transport_allowed("file:///etc/passwd", hub).is_err());
        assert!(transport_allowed("ftp://huggingface.co/x", hub).is_err());
    }

    #[test]
    fn a_redirect_to_plain_http_elsewhere_is_refused_and_not_retried() {
        // A local mirror that redirects to plain HTTP on another machine.
        use std::io::{BufRead, BufReader};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = requests.clone();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                counted.fetch_add(1, Ordering::SeqCst);
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                    line.clear();
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 302 Found\r\nLocation: http://203.0.113.9/x.safetensors\r\n\
                      Content-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        let dir = tempfile::tempdir().unwrap();
        let locations = Locations::in_data_dir(dir.path(), None);
        let cancel = AtomicBool::new(false);
        let mut progress = |_: &DownloadProgress| {};
        let err = Downloader::new(&base, &locations, &cancel, &mut progress)
            .download("taew2_1")
            .unwrap_err();
        assert!(matches!(err, DownloadError::Insecure { .. }), "{err}");
        assert!(err.to_string().contains("203.0.113.9"), "{err}");
        assert_eq!(
            requests.load(Ordering::SeqCst),
            1,
            "asked once, not retried"
        );
        assert!(!locations.models.exists());
    }

    #[test]
    fn only_safe_paths_and_real_hashes_are_taken() {
        assert!(safe_relative("vae/config.json"));
        assert!(!safe_relative("../etc/passwd"));
        assert!(!safe_relative("/abs"));
        assert!(!safe_relative("vae//x"));
        assert!(is_sha256(&"a".repeat(64)));
        assert!(!is_sha256("a1b2"));
        assert!(!is_sha256(&"g".repeat(64)));
    }

    /// A server answering every request with `body` (no redirect, no Range support).
    fn serve_once(body: Vec<u8>) -> String {
        use std::io::{BufRead, BufReader};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                    line.clear();
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                // In pieces, so the client reads more than once.
                for chunk in body.chunks(64 * 1024) {
                    if stream.write_all(chunk).is_err() {
                        break;
                    }
                    let _ = stream.flush();
                }
            }
        });
        url
    }

    #[test]
    fn cancelling_keeps_the_partial_file_outside_the_models_folder() {
        let dir = tempfile::tempdir().unwrap();
        let locations = Locations::in_data_dir(dir.path(), None);
        let url = serve_once(vec![7u8; 4 << 20]);
        let cancel = AtomicBool::new(false);
        let mut seen = Vec::new();
        let mut progress = |p: &DownloadProgress| {
            seen.push(p.bytes);
            if p.bytes > 0 {
                cancel.store(true, Ordering::Relaxed);
            }
        };
        let err = Downloader::new(&url, &locations, &cancel, &mut progress)
            .download("taew2_1")
            .unwrap_err();
        let DownloadError::Cancelled { file, kept } = &err else {
            panic!("{err}")
        };
        assert_eq!(file, "taew2_1.safetensors");
        assert!(*kept > 0 && *kept < 4 << 20, "{kept}");
        let part = locations.downloads.join("taew2_1/taew2_1.safetensors.part");
        assert_eq!(file_len(&part), *kept);
        assert!(!locations.models.exists());
        assert!(seen.len() >= 2);
    }

    #[test]
    fn a_full_disk_keeps_the_received_bytes_for_the_next_run() {
        let dir = tempfile::tempdir().unwrap();
        let locations = Locations::in_data_dir(dir.path(), None);
        let url = serve_once(vec![7u8; 4 << 20]);
        let cancel = AtomicBool::new(false);
        let mut progress = |_: &DownloadProgress| {};
        let _full = disk::fill_disk(&locations.downloads, 1 << 20);
        let err = Downloader::new(&url, &locations, &cancel, &mut progress)
            .download("taew2_1")
            .unwrap_err();
        let DownloadError::DiskFull {
            file,
            part,
            kept,
            needed,
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(file, "taew2_1.safetensors");
        assert_eq!((*kept, *needed), (1 << 20, Some(3 << 20)));
        // The bytes that fitted are on disk under the partial name, and only there.
        assert_eq!(
            part,
            &locations.downloads.join("taew2_1/taew2_1.safetensors.part")
        );
        assert_eq!(file_len(part), 1 << 20);
        assert!(!locations.models.exists());
        let msg = err.to_string();
        assert!(
            msg.contains("the disk filled up")
                && msg.contains("make at least 3.15 MB free")
                && msg.contains("resumes"),
            "{msg}"
        );
    }

    #[test]
    fn a_file_that_is_not_a_model_is_deleted_after_download() {
        let dir = tempfile::tempdir().unwrap();
        let locations = Locations::in_data_dir(dir.path(), None);
        let url = serve_once(b"<html>not found</html>".to_vec());
        let cancel = AtomicBool::new(false);
        let mut progress = |_: &DownloadProgress| {};
        let err = Downloader::new(&url, &locations, &cancel, &mut progress)
            .download("wan2.2-vae")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("wan2.2_vae.safetensors was rejected and deleted"),
            "{err}"
        );
        assert!(!locations
            .downloads
            .join("wan2.2-vae/wan2.2_vae.safetensors")
            .exists());
        assert!(!locations.models.join("vae/wan2.2_vae.safetensors").exists());
    }

    #[test]
    fn hashes_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc");
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(
            sha256_file(&path).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
