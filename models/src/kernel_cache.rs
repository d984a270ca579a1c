//! Where tuned GPU kernels are remembered between runs.
//!
//! With the `gpu-tuned` feature burn autotunes its matmul, convolution and fused attention
//! kernels: the first time a shape is met every candidate kernel is benchmarked on the device,
//! which takes seconds to minutes. cubecl keeps the winners in a small database, by default
//! beside the Cargo project it runs in (`target/`), which an installed app does not have. The
//! app keeps it in its own cache folder instead, so each shape is tuned once per machine.

use std::path::Path;

/// Why the tuned kernels could not be kept where asked.
#[derive(Debug, thiserror::Error)]
pub enum KernelCacheError {
    /// The folder could not be made.
    #[error("cannot make the GPU kernel cache folder {path}: {source}")]
    Folder {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Whether this build tunes GPU kernels (and so has anything to remember).
pub const TUNES_KERNELS: bool = cfg!(feature = "gpu-tuned");

/// Keeps the autotune results in `dir` for the rest of the process. Call it before the first
/// GPU device is opened: once cubecl has read its configuration it cannot be changed, and then
/// this returns `Ok(false)` (as it does in builds without `gpu-tuned`, which tune nothing).
/// The `CUBECL_*` environment variables still apply on top.
pub fn keep_tuned_kernels_in(dir: &Path) -> Result<bool, KernelCacheError> {
    if !TUNES_KERNELS {
        return Ok(false);
    }
    std::fs::create_dir_all(dir).map_err(|source| KernelCacheError::Folder {
        path: dir.to_owned(),
        source,
    })?;
    Ok(set_cache_root(dir))
}

#[cfg(feature = "gpu-tuned")]
fn set_cache_root(dir: &Path) -> bool {
    use cubecl_runtime::config::cache::CacheConfig;
    use cubecl_runtime::config::{CubeClRuntimeConfig, RuntimeConfig};

    let mut config = CubeClRuntimeConfig::default().override_from_env();
    config.environment.path = CacheConfig::Directory(dir.to_owned());
    CubeClRuntimeConfig::try_set(config)
}

#[cfg(not(feature = "gpu-tuned"))]
fn set_cache_root(_dir: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_tuning_build_makes_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("gpu-kernels");
        let kept = keep_tuned_kernels_in(&cache).unwrap();
        assert_eq!(kept, TUNES_KERNELS);
        assert_eq!(cache.is_dir(), TUNES_KERNELS);
    }

    #[test]
    fn a_folder_that_cannot_be_made_is_an_error_in_a_tuning_build() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"not a folder").unwrap();
        let result = keep_tuned_kernels_in(&file.join("gpu-kernels"));
        if TUNES_KERNELS {
            let e = result.unwrap_err().to_string();
            assert!(e.contains("gpu-kernels"), "{e}");
        } else {
            assert!(!result.unwrap());
        }
    }
}
