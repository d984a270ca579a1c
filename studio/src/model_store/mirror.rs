//! The download mirror a creator sets in the app (creators in China reach the Hub through one,
//! e.g. `https://hf-mirror.com`): checked before it is saved, remembered in the settings file,
//! and the base URL downloads use. A mirror must use HTTPS; plain HTTP is taken only for a
//! server on this computer (`http://localhost`, `http://127.0.0.1`, `http://[::1]`), where
//! nothing crosses a network.

use std::path::Path;

use super::catalog::DEFAULT_BASE_URL;
use super::download::base_url_from_env;
use super::locations::{read_settings, write_settings};
use super::StoreError;

/// Hosts plain HTTP is allowed for: the loopback interface only.
const LOCAL_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// Why a mirror address was refused.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    #[error(
        "the mirror address is empty: enter one like https://hf-mirror.com, or clear the mirror \
         to download from Hugging Face"
    )]
    Empty,
    #[error(
        "`{0}` is not a web address: a mirror starts with https:// (e.g. https://hf-mirror.com)"
    )]
    NotHttp(String),
    #[error(
        "`{0}` uses plain http: a mirror must use https://, except one on this computer \
         (http://localhost or http://127.0.0.1)"
    )]
    Insecure(String),
    #[error("`{0}` names no valid server: write it as https://host[:port][/path]")]
    BadHost(String),
    #[error("`{0}` has a user name or password in it: give the mirror's address only")]
    Credentials(String),
    #[error("`{0}` has a query or fragment (? or #): give the mirror's base address only")]
    Query(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `text` as a mirror's base URL (trimmed, scheme and host in lower case, no trailing slash),
/// or why it cannot be one.
pub fn validate_mirror(text: &str) -> Result<String, MirrorError> {
    let url = text.trim();
    if url.is_empty() {
        return Err(MirrorError::Empty);
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(MirrorError::BadHost(url.to_owned()));
    }
    if url.contains(['?', '#']) {
        return Err(MirrorError::Query(url.to_owned()));
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| MirrorError::NotHttp(url.to_owned()))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(MirrorError::NotHttp(url.to_owned()));
    }
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if authority.contains('@') {
        return Err(MirrorError::Credentials(url.to_owned()));
    }
    let authority = authority.to_ascii_lowercase();
    let (host, port) =
        split_host_port(&authority).ok_or_else(|| MirrorError::BadHost(url.to_owned()))?;
    if !valid_host(host) || port.is_some_and(|p| !matches!(p.parse::<u16>(), Ok(n) if n > 0)) {
        return Err(MirrorError::BadHost(url.to_owned()));
    }
    if scheme == "http" && !LOCAL_HOSTS.contains(&host) {
        return Err(MirrorError::Insecure(url.to_owned()));
    }
    Ok(format!(
        "{scheme}://{authority}{}",
        path.trim_end_matches('/')
    ))
}

/// `host[:port]` or `[v6][:port]`; `None` when the brackets do not close.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if authority.starts_with('[') {
        let end = authority.find(']')? + 1;
        let (host, rest) = authority.split_at(end);
        return match rest.strip_prefix(':') {
            Some(port) => Some((host, Some(port))),
            None if rest.is_empty() => Some((host, None)),
            None => None,
        };
    }
    Some(match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

/// A DNS name or an IPv4 / bracketed IPv6 literal.
fn valid_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<std::net::Ipv6Addr>().is_ok();
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// The mirror saved in the settings, if any (one that no longer passes the check, e.g. edited
/// by hand, is ignored).
pub fn remembered_mirror(data_dir: &Path) -> Option<String> {
    read_settings(data_dir)
        .download_mirror
        .and_then(|m| validate_mirror(&m).ok())
}

/// Checks and saves `mirror` (or forgets it with `None` or an empty text); returns what was
/// saved. Nothing is saved when the check fails.
pub fn remember_mirror(
    data_dir: &Path,
    mirror: Option<&str>,
) -> Result<Option<String>, MirrorError> {
    let mirror = match mirror.map(str::trim).filter(|m| !m.is_empty()) {
        Some(text) => Some(validate_mirror(text)?),
        None => None,
    };
    let mut settings = read_settings(data_dir);
    settings.download_mirror = mirror.clone();
    write_settings(data_dir, &settings)?;
    Ok(mirror)
}

/// Where downloads come from: the mirror saved in the app, else `MOTIONBOARD_MODELS_URL`, else
/// the Hugging Face Hub.
pub fn download_base_url(data_dir: &Path) -> String {
    remembered_mirror(data_dir).unwrap_or_else(base_url_from_env)
}

/// The Hub, for showing what an empty mirror field means.
pub fn default_base_url() -> &'static str {
    DEFAULT_BASE_URL
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_mirrors_and_local_http_ones_are_taken() {
        assert_eq!(
            validate_mirror("  https://HF-Mirror.com/ ").unwrap(),
            "https://hf-mirror.com"
        );
        assert_eq!(
            validate_mirror("https://example.org:8443/hub/").unwrap(),
            "https://example.org:8443/hub"
        );
        assert_eq!(
            validate_mirror("http://127.0.0.1:8123").unwrap(),
            "http://127.0.0.1:8123"
        );
        assert_eq!(
            validate_mirror("HTTP://localhost/").unwrap(),
            "http://localhost"
        );
        assert_eq!(
            validate_mirror("http://[::1]:80").unwrap(),
            "http://[::1]:80"
        );
        assert_eq!(
            validate_mirror("https://[2001:db8::1]").unwrap(),
            "https://[2001:db8::1]"
        );
    }

    #[test]
    fn other_addresses_are_refused_with_the_reason() {
        let refused = |text: &str| validate_mirror(text).unwrap_err().to_string();
        assert!(refused("").contains("empty"));
        assert!(refused("hf-mirror.com").contains("starts with https://"));
        assert!(refused("ftp://hf-mirror.com").contains("starts with https://"));
        assert!(refused("http://hf-mirror.com").contains("plain http"));
        assert!(refused("http://192.168.1.5:8000").contains("plain http"));
        // A look-alike of a local name is not local.
        assert!(refused("http://localhost.evil.com").contains("plain http"));
        assert!(refused("http://127.0.0.1@evil.com").contains("user name"));
        assert!(refused("https://user:pw@hf-mirror.com").contains("user name"));
        assert!(refused("https://hf-mirror.com/?x=1").contains("query"));
        assert!(refused("https://").contains("no valid server"));
        assert!(refused("https://hf mirror.com").contains("no valid server"));
        assert!(refused("https://hf-mirror.com:99999").contains("no valid server"));
        assert!(refused("https://hf-mirror.com:0").contains("no valid server"));
        assert!(refused("https://[::1").contains("no valid server"));
    }

    #[test]
    fn the_mirror_is_remembered_beside_the_comfyui_folder() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let comfy = dir.path().join("comfy");
        std::fs::create_dir_all(&comfy).unwrap();
        super::super::locations::remember_comfyui(&data, Some(&comfy)).unwrap();
        assert_eq!(remembered_mirror(&data), None);

        let saved = remember_mirror(&data, Some(" https://hf-mirror.com/ ")).unwrap();
        assert_eq!(saved.as_deref(), Some("https://hf-mirror.com"));
        assert_eq!(download_base_url(&data), "https://hf-mirror.com");
        // Each setting keeps the other.
        let locations = super::super::Locations::in_data_dir(&data, None);
        assert_eq!(locations.comfyui, Some(comfy.clone()));
        super::super::locations::remember_comfyui(&data, Some(&comfy)).unwrap();
        assert_eq!(
            remembered_mirror(&data).as_deref(),
            Some("https://hf-mirror.com")
        );

        // A refused address changes nothing.
        assert!(remember_mirror(&data, Some("http://hf-mirror.com")).is_err());
        assert_eq!(
            remembered_mirror(&data).as_deref(),
            Some("https://hf-mirror.com")
        );

        assert_eq!(remember_mirror(&data, Some("  ")).unwrap(), None);
        assert_eq!(remembered_mirror(&data), None);
        assert_eq!(default_base_url(), "https://huggingface.co");
    }
}
