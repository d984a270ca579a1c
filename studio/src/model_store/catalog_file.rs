//! Packages read from a catalog file named by `MOTIONBOARD_CATALOG`: how the app's end-to-end
//! test offers the committed tiny models as a downloadable set served by a local Hub-like
//! server, and how someone can offer their own files through the Models panel. Its files are
//! checked against the configs they carry, not against the published models' sizes.
//!
//! ```json
//! {"packages": [{"id": "tiny-starter", "name": "Tiny set", "version": "wan21",
//!   "files": [{"role": "dit", "repo": "Org/Name", "repo_path": "dir/file.safetensors",
//!              "bytes": 28872}]}]}
//! ```

use std::path::Path;
use std::sync::OnceLock;

use serde::Deserialize;

use super::catalog::{FileSpec, PackageKind, PackageSpec, Role, Source, WanVersion};

/// The environment variable naming a catalog file.
pub const CATALOG_ENV: &str = "MOTIONBOARD_CATALOG";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    packages: Vec<PackageEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackageEntry {
    id: String,
    name: String,
    version: VersionName,
    files: Vec<FileEntry>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum VersionName {
    Wan21,
    Wan22,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum RoleName {
    Dit,
    Vae,
    TextEncoder,
    PreviewDecoder,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    role: RoleName,
    repo: String,
    repo_path: String,
    bytes: u64,
}

/// A catalog file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CatalogFileError {
    #[error("cannot read the catalog file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the catalog file {path} is not a catalog: {reason}")]
    Invalid { path: String, reason: String },
}

/// The catalog's strings live as long as the process (the catalog is `'static` data).
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// The packages of the catalog file at `path`.
pub fn read(path: &Path) -> Result<Vec<PackageSpec>, CatalogFileError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| CatalogFileError::Read {
        path: shown.clone(),
        source,
    })?;
    let invalid = |reason: String| CatalogFileError::Invalid {
        path: shown.clone(),
        reason,
    };
    let file: CatalogFile = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    file.packages
        .into_iter()
        .map(|entry| {
            let version = match entry.version {
                VersionName::Wan21 => WanVersion::Wan21,
                VersionName::Wan22 => WanVersion::Wan22,
            };
            if entry.files.is_empty() {
                return Err(invalid(format!("package `{}` lists no files", entry.id)));
            }
            let files: Vec<FileSpec> = entry
                .files
                .into_iter()
                .map(|f| {
                    let role = match f.role {
                        RoleName::Dit => Role::Dit(version),
                        RoleName::Vae => Role::Vae(version),
                        RoleName::TextEncoder => Role::TextEncoder,
                        RoleName::PreviewDecoder => Role::PreviewDecoder(version),
                    };
                    if f.repo_path.split('/').any(|p| p.is_empty() || p == "..") {
                        return Err(invalid(format!(
                            "`{}` is not a path in a repository",
                            f.repo_path
                        )));
                    }
                    Ok(FileSpec {
                        role,
                        repo: leak(f.repo),
                        repo_path: leak(f.repo_path),
                        approx_bytes: f.bytes,
                        alternatives: &[],
                        own_config: true,
                    })
                })
                .collect::<Result<_, _>>()?;
            let kind = match &files[..] {
                [one] => PackageKind::Component(one.role),
                _ => PackageKind::Pipeline(version),
            };
            Ok(PackageSpec {
                id: leak(entry.id),
                name: leak(entry.name),
                kind,
                source: Source::Files(files),
            })
        })
        .collect()
}

/// The packages of the file `MOTIONBOARD_CATALOG` names, read once per process; none when it
/// is unset. A file that cannot be used is reported on stderr once and adds nothing.
pub fn from_env() -> &'static [PackageSpec] {
    static PACKAGES: OnceLock<Vec<PackageSpec>> = OnceLock::new();
    PACKAGES.get_or_init(|| {
        let Some(path) = std::env::var_os(CATALOG_ENV) else {
            return Vec::new();
        };
        read(Path::new(&path)).unwrap_or_else(|e| {
            eprintln!("{CATALOG_ENV}: {e}; only the built-in catalog is used");
            Vec::new()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_catalog_file_gives_sets_checked_against_their_own_configs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.json");
        std::fs::write(
            &path,
            r#"{"packages": [
                {"id": "tiny-starter", "name": "Tiny", "version": "wan21", "files": [
                    {"role": "dit", "repo": "Test/Tiny", "repo_path": "d/t.safetensors", "bytes": 10},
                    {"role": "vae", "repo": "Test/Tiny", "repo_path": "v/v.safetensors", "bytes": 20},
                    {"role": "text_encoder", "repo": "Test/Tiny", "repo_path": "t.safetensors", "bytes": 30}]},
                {"id": "tiny-vae", "name": "Tiny VAE", "version": "wan22", "files": [
                    {"role": "vae", "repo": "Test/Tiny", "repo_path": "v.safetensors", "bytes": 5}]}
            ]}"#,
        )
        .unwrap();
        let packages = read(&path).unwrap();
        assert_eq!(packages.len(), 2);
        assert_eq!(packages[0].kind, PackageKind::Pipeline(WanVersion::Wan21));
        assert_eq!(packages[0].approx_bytes(), 60);
        let Source::Files(files) = &packages[0].source else {
            panic!("single files")
        };
        assert_eq!(files[1].role, Role::Vae(WanVersion::Wan21));
        assert_eq!(files[0].file_name(), "t.safetensors");
        assert!(files.iter().all(|f| f.own_config));
        assert_eq!(
            packages[1].kind,
            PackageKind::Component(Role::Vae(WanVersion::Wan22))
        );
    }

    #[test]
    fn a_broken_catalog_file_says_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.json");
        std::fs::write(
            &path,
            r#"{"packages": [{"id": "x", "name": "x", "version": "wan3", "files": []}]}"#,
        )
        .unwrap();
        assert!(read(&path).unwrap_err().to_string().contains("wan3"));
        std::fs::write(
            &path,
            r#"{"packages": [{"id": "x", "name": "x", "version": "wan21", "files": [
                {"role": "vae", "repo": "A/B", "repo_path": "../../etc/passwd", "bytes": 1}]}]}"#,
        )
        .unwrap();
        assert!(read(&path).unwrap_err().to_string().contains("not a path"));
        assert!(read(&dir.path().join("absent.json"))
            .unwrap_err()
            .to_string()
            .contains("cannot read"));
    }
}
