//! The model store: the model packages Motionboard knows ([`catalog`]), where their files are
//! found ([`locations`], [`discover`]), whether each file is sound ([`check`]), downloading
//! ([`download`], from the Hub or a [`mirror`]) and importing ([`import`]) them into the app's models folder, and how much
//! GPU memory a shot needs ([`memory`]). The Models panel and `motionboard models` are thin
//! layers over it.

use std::path::PathBuf;

pub mod catalog;
pub mod catalog_file;
pub mod check;
pub mod discover;
pub mod download;
pub mod import;
pub mod locations;
pub mod memory;
pub mod mirror;
pub mod open;

pub use catalog::{catalog, PackageKind, PackageSpec, Role, WanVersion};
pub use check::{check_file, check_package, ComponentCheck, Soundness};
pub use discover::{list, FileStatus, PackageStatus};
pub use download::{base_url_from_env, DownloadError, DownloadProgress, Downloader, Installed};
pub use import::{import, ImportError, Imported};
pub use locations::{cache_dir, data_dir, Locations, Place};
pub use memory::{plan, MemoryEstimate, MemoryPlan, PackageConfigs, ShotSize};
pub use mirror::{download_base_url, remember_mirror, remembered_mirror, MirrorError};

/// An error of the store itself (folders, settings, configs).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No home folder to keep data in.
    #[error("cannot find a home folder to keep models in; set MOTIONBOARD_DATA_DIR to a folder")]
    NoDataDir,
    /// A path that should be a folder is not.
    #[error("{0} is not a folder")]
    NotAFolder(PathBuf),
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A model config could not be read.
    #[error("{path}: {reason}")]
    Config { path: PathBuf, reason: String },
}
