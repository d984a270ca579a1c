//! The cache key of a generated shot: a SHA-256 over everything that determines its frames:
//! the engine version, the model package (its configs and the headers and sizes of its
//! weight files), the device and precision, the plan (prompt, size, frames, steps, guidance,
//! shift, seed, strengths), the source picture (content-addressed), the motion, and for a
//! shot continuing from the previous one, the previous shot's key.

use std::path::Path;

use serde_json::json;
use sha2::{Digest, Sha256};

use super::plan::ShotPlan;
use crate::motion::Motion;
use crate::project::Engine;

/// Bumped when the engine changes in a way that changes frames.
pub const ENGINE_VERSION: u32 = 1;

/// Where the shot's first frame comes from, for the key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SourceKey<'a> {
    /// A picture in the project's assets (its name is its content's hash).
    Asset(&'a str),
    /// The previous shot's generated result.
    Previous(&'a str),
    /// Text only.
    None,
}

/// What a key is made of.
#[derive(Clone, Copy)]
pub struct KeyInputs<'a> {
    pub engine: Engine,
    /// From [`package_fingerprint`].
    pub package: &'a str,
    /// e.g. "wgpu f16", "flex f32".
    pub device: &'a str,
    pub plan: &'a ShotPlan,
    pub source: SourceKey<'a>,
    pub motion: &'a Motion,
}

/// The key: 64 hex digits.
pub fn result_key(inputs: &KeyInputs) -> String {
    let p = inputs.plan;
    let source = match inputs.source {
        SourceKey::Asset(a) => json!({ "asset": a }),
        SourceKey::Previous(k) => json!({ "previous": k }),
        SourceKey::None => json!(null),
    };
    let doc = json!({
        "engine_version": ENGINE_VERSION,
        "engine": inputs.engine.name(),
        "package": inputs.package,
        "device": inputs.device,
        "prompt": p.prompt,
        "negative_prompt": p.negative_prompt,
        "size": [p.width, p.height],
        "frames": p.frames,
        "fps": p.fps,
        "steps": p.steps,
        "guidance": p.guidance.to_bits(),
        "shift": p.shift.map(f32::to_bits),
        "seed": p.seed,
        "strengths": [p.t_weak, p.t_strong],
        "source": source,
        "motion": inputs.motion,
    });
    hex(&Sha256::digest(doc.to_string().as_bytes()))
}

/// A fingerprint of the package at `root`: every config and tokenizer file's bytes, and every
/// weights file's size and safetensors header (its tensor names, shapes and offsets), without
/// reading the weights themselves.
pub fn package_fingerprint(root: &Path) -> std::io::Result<String> {
    if root.is_file() {
        return single_files_fingerprint(root);
    }
    let mut files = Vec::new();
    collect(root, root, &mut files)?;
    files.sort();
    let mut hash = Sha256::new();
    for rel in files {
        let path = root.join(&rel);
        hash.update(rel.as_bytes());
        if rel.ends_with(".safetensors") {
            let len = std::fs::metadata(&path)?.len();
            hash.update(len.to_le_bytes());
            hash.update(safetensors_header(&path)?);
        } else if rel.ends_with(".json") || rel.ends_with(".model") || rel.ends_with(".txt") {
            hash.update(std::fs::read(&path)?);
        }
    }
    Ok(hex(&hash.finalize()))
}

/// A set of single files named by its transformer file: each file's name, size and header.
fn single_files_fingerprint(transformer: &Path) -> std::io::Result<String> {
    let not_found = |e: String| std::io::Error::new(std::io::ErrorKind::NotFound, e);
    // Its parts may be in another models folder tree (the store pairs them).
    let package = crate::model_store::open::open_for_user(transformer)
        .map_err(|e| not_found(e.to_string()))?;
    let set = package.single_files().ok_or_else(|| {
        not_found(format!(
            "{} is not a set of single files",
            transformer.display()
        ))
    })?;
    let mut hash = Sha256::new();
    for path in [&set.transformer, &set.vae, &set.text_encoder] {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        hash.update(name.unwrap_or_default().as_bytes());
        hash.update(std::fs::metadata(path)?.len().to_le_bytes());
        hash.update(safetensors_header(path)?);
    }
    Ok(hex(&hash.finalize()))
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            // Reference outputs and notes next to a package do not change what it generates.
            let rel = rel.to_string_lossy().replace('\\', "/");
            if !rel.starts_with("reference") {
                out.push(rel);
            }
        }
    }
    Ok(())
}

/// The first 8 bytes (header length) and the JSON header of a safetensors file.
fn safetensors_header(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut len = [0u8; 8];
    file.read_exact(&mut len)?;
    let n = u64::from_le_bytes(len).min(100 << 20);
    let mut header = Vec::with_capacity(n as usize + 8);
    header.extend_from_slice(&len);
    file.take(n).read_to_end(&mut header)?;
    Ok(header)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Shot;

    fn plan() -> ShotPlan {
        let mut shot = Shot::new("s", "Shot");
        shot.prompt = "a kite".into();
        ShotPlan::new(&shot, super::super::plan::PackageTraits::WAN21, None)
    }

    #[test]
    fn every_input_changes_the_key() {
        let plan = plan();
        let motion = Motion::default();
        let base = KeyInputs {
            engine: Engine::WanImageToVideo,
            package: "p1",
            device: "flex f32",
            plan: &plan,
            source: SourceKey::Asset("assets/a.png"),
            motion: &motion,
        };
        let k0 = result_key(&base);
        assert_eq!(k0.len(), 64);
        assert_eq!(k0, result_key(&base), "the same inputs, the same key");
        let mut other = plan.clone();
        other.seed = 1;
        let mut moved = Motion::default();
        moved.camera.amount = 0.3;
        let mut prompt = plan.clone();
        prompt.prompt = "a kite at dusk".into();
        let keys = [
            result_key(&KeyInputs {
                package: "p2",
                ..base
            }),
            result_key(&KeyInputs {
                device: "wgpu f16",
                ..base
            }),
            result_key(&KeyInputs {
                plan: &other,
                ..base
            }),
            result_key(&KeyInputs {
                plan: &prompt,
                ..base
            }),
            result_key(&KeyInputs {
                source: SourceKey::Asset("assets/b.png"),
                ..base
            }),
            result_key(&KeyInputs {
                source: SourceKey::Previous("k"),
                ..base
            }),
            result_key(&KeyInputs {
                motion: &moved,
                ..base
            }),
            result_key(&KeyInputs {
                engine: Engine::WanTextToVideo,
                ..base
            }),
        ];
        for k in &keys {
            assert_ne!(*k, k0);
        }
    }

    #[test]
    fn a_package_fingerprint_sees_configs_and_weight_headers() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("vae")).unwrap();
        std::fs::write(root.join("model_index.json"), "{}").unwrap();
        let mut weights = 2u64.to_le_bytes().to_vec();
        weights.extend_from_slice(b"{}");
        weights.extend_from_slice(&[0; 16]);
        std::fs::write(root.join("vae/w.safetensors"), &weights).unwrap();
        let f0 = package_fingerprint(root).unwrap();
        std::fs::write(root.join("reference.json"), "{\"x\": 1}").unwrap();
        assert_eq!(
            package_fingerprint(root).unwrap(),
            f0,
            "references do not count"
        );
        std::fs::write(root.join("model_index.json"), "{\"a\": 1}").unwrap();
        let f1 = package_fingerprint(root).unwrap();
        assert_ne!(f1, f0);
        weights.extend_from_slice(&[0; 4]);
        std::fs::write(root.join("vae/w.safetensors"), &weights).unwrap();
        assert_ne!(package_fingerprint(root).unwrap(), f1);
    }
}
