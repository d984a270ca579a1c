//! The Wan VAE against diffusers' `AutoencoderKLWan` on the committed tiny models
//! (models/scripts/fixtures_vae.py: `vae_2_1_tiny/`, Wan2.1's structure, and `vae_2_2_tiny/`,
//! Wan2.2's residual blocks with 2x2 patchify), on flex, printing max abs and relative error.
//! The 9-frame clips make 3 latent frames, so the causal caches are carried across chunks.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::tensor::TensorData;
use models::tensor_io::{write_f32, HostTensor, TensorFile};
use models::wan::vae::{LoadError, VaeConfig, WanVae};

use common::{errors, fixtures, run_checking_tool};

/// fp32 parity: max |ours - reference| / max |reference|.
const MAX_RELATIVE_ERROR: f64 = 1e-4;

fn folder(name: &str) -> PathBuf {
    fixtures().join(name)
}

fn weights(name: &str) -> PathBuf {
    folder(name).join("diffusion_pytorch_model.safetensors")
}

fn config(name: &str) -> VaeConfig {
    VaeConfig::load(folder(name).join("config.json")).unwrap()
}

fn tiny(name: &str, device: &Device) -> WanVae {
    WanVae::load(&config(name), weights(name), device).unwrap()
}

fn tensor(t: HostTensor, device: &Device) -> Tensor<5> {
    let shape: [usize; 5] = t.shape.try_into().expect("rank 5");
    Tensor::from_data(TensorData::new(t.values, shape), device)
}

fn compare(what: &str, ours: Tensor<5>, reference: &HostTensor) -> (f64, f64) {
    assert_eq!(ours.dims().to_vec(), reference.shape, "{what} shape");
    let ours: Vec<f32> = ours.into_data().try_into_vec_as::<f32>().unwrap();
    let (max_abs, rel) = errors(&ours, &reference.values);
    println!("{what}: max abs {max_abs:.3e} rel {rel:.3e}");
    assert!(rel < MAX_RELATIVE_ERROR, "{what}: relative error {rel:.3e}");
    (max_abs, rel)
}

/// Encode the fixture's clip and decode the reference latent (so each half is measured on its
/// own), against diffusers.
fn parity(name: &str) {
    let device = Device::flex();
    let vae = tiny(name, &device);
    let io = TensorFile::read(folder(name).join("forward.safetensors")).unwrap();
    let latent = io.f32("latent").unwrap();
    let encoded = vae.encode(tensor(io.f32("sample").unwrap(), &device));
    compare(&format!("{name} encode latent"), encoded, &latent);
    let decoded = vae.decode(tensor(latent, &device));
    compare(
        &format!("{name} decode"),
        decoded,
        &io.f32("decoded").unwrap(),
    );
}

#[test]
fn wan21_tiny_matches_diffusers() {
    parity("vae_2_1_tiny");
}

#[test]
fn wan22_tiny_matches_diffusers() {
    parity("vae_2_2_tiny");
}

#[test]
fn decode_frames_hands_out_the_clip_piece_by_piece() {
    let device = Device::flex();
    let vae = tiny("vae_2_2_tiny", &device);
    let io = TensorFile::read(folder("vae_2_2_tiny").join("forward.safetensors")).unwrap();
    let reference = io.f32("decoded").unwrap();
    let mut pieces = Vec::new();
    vae.decode_frames(tensor(io.f32("latent").unwrap(), &device), |i, frames| {
        assert_eq!(i, pieces.len());
        pieces.push(frames);
    });
    let frames: Vec<usize> = pieces.iter().map(|p| p.dims()[2]).collect();
    assert_eq!(frames, [1, 4, 4]);
    compare("decode_frames", Tensor::cat(pieces, 2), &reference);
    assert_eq!(vae.latent_frames(9), 3);
    assert_eq!(vae.latent_frames(1), 1);
}

#[test]
fn normalize_is_the_pipelines_and_denormalize_inverts_it() {
    let device = Device::flex();
    let vae = tiny("vae_2_2_tiny", &device);
    let io = TensorFile::read(folder("vae_2_2_tiny").join("forward.safetensors")).unwrap();
    let latent = io.f32("latent").unwrap();
    let [_, z, f, h, w]: [usize; 5] = latent.shape.clone().try_into().unwrap();
    let config = vae.config();
    let per_channel = f * h * w;
    let expected: Vec<f32> = latent
        .values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let c = (i / per_channel) % z;
            (v - config.latents_mean[c]) / config.latents_std[c]
        })
        .collect();
    let normalized = vae.normalize(tensor(latent.clone(), &device));
    let back = vae.denormalize(normalized.clone());
    let normalized: Vec<f32> = normalized.into_data().try_into_vec_as::<f32>().unwrap();
    assert!(errors(&normalized, &expected).0 < 1e-6);
    let back: Vec<f32> = back.into_data().try_into_vec_as::<f32>().unwrap();
    assert!(errors(&back, &latent.values).0 < 1e-6);
}

#[test]
fn wrong_file_names_what_does_not_fit() {
    let device = Device::flex();
    // Wan2.1's weights with Wan2.2's config.
    let err = WanVae::load(&config("vae_2_2_tiny"), weights("vae_2_1_tiny"), &device).unwrap_err();
    let LoadError::Mismatch { report, .. } = &err else {
        panic!("{err}")
    };
    let message = err.to_string();
    println!("{message}");
    assert!(message.contains("vae_2_1_tiny"), "{message}");
    assert!(report
        .missing
        .contains(&"encoder.down_blocks.0.resnets.0.conv1.weight".to_owned()));
    assert!(report
        .unexpected
        .contains(&"decoder.up_blocks.0.upsamplers.0.time_conv.weight".to_owned()));
    assert!(report
        .misshaped
        .iter()
        .any(|(name, _, _)| name == "encoder.conv_in.weight"));
    // A file that is not weights at all.
    let err = WanVae::load(
        &config("vae_2_1_tiny"),
        folder("vae_2_1_tiny").join("forward.safetensors"),
        &device,
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("unexpected:") && message.contains("sample"),
        "{message}"
    );
}

/// diffusers' name -> the original Wan name (the inverse of the renaming in
/// scripts/convert_wan_to_diffusers.py), for num_res_blocks = 2.
fn to_original(name: &str, residual: bool) -> String {
    let leaf = |rest: &str| -> String {
        let table = [
            ("norm1.", "residual.0."),
            ("conv1.", "residual.2."),
            ("norm2.", "residual.3."),
            ("conv2.", "residual.6."),
            ("conv_shortcut.", "shortcut."),
        ];
        for (from, to) in table {
            if let Some(p) = rest.strip_prefix(from) {
                return format!("{to}{p}");
            }
        }
        rest.to_owned()
    };
    let parts: Vec<&str> = name.splitn(2, '.').collect();
    let (head, rest) = (parts[0], parts[1]);
    match head {
        "quant_conv" => return format!("conv1.{rest}"),
        "post_quant_conv" => return format!("conv2.{rest}"),
        _ => {}
    }
    let fields: Vec<&str> = rest.split('.').collect();
    let tail = |from: usize| fields[from..].join(".");
    let mapped = match fields[0] {
        "conv_in" => format!("conv1.{}", tail(1)),
        "norm_out" => "head.0.gamma".to_owned(),
        "conv_out" => format!("head.2.{}", tail(1)),
        "mid_block" => match fields[1] {
            "resnets" => {
                let i = if fields[2] == "0" { 0 } else { 2 };
                format!("middle.{i}.{}", leaf(&tail(3)))
            }
            _ => format!("middle.1.{}", tail(3)),
        },
        "down_blocks" if residual => match fields[2] {
            "resnets" => format!(
                "downsamples.{}.downsamples.{}.{}",
                fields[1],
                fields[3],
                leaf(&tail(4))
            ),
            _ => format!("downsamples.{}.downsamples.2.{}", fields[1], tail(3)),
        },
        "down_blocks" => format!("downsamples.{}.{}", fields[1], leaf(&tail(2))),
        "up_blocks" => {
            let level: usize = fields[1].parse().unwrap();
            match (fields[2], residual) {
                ("resnets", true) => format!(
                    "upsamples.{level}.upsamples.{}.{}",
                    fields[3],
                    leaf(&tail(4))
                ),
                ("resnets", false) => {
                    let j: usize = fields[3].parse().unwrap();
                    format!("upsamples.{}.{}", level * 4 + j, leaf(&tail(4)))
                }
                (_, true) => format!("upsamples.{level}.upsamples.3.{}", tail(3)),
                (_, false) => format!("upsamples.{}.{}", level * 4 + 3, tail(4)),
            }
        }
        other => panic!("unexpected {other} in {name}"),
    };
    format!("{head}.{mapped}")
}

fn write_original(name: &str, dir: &Path) -> PathBuf {
    let residual = config(name).is_residual;
    let file = TensorFile::read(weights(name)).unwrap();
    let renamed: BTreeMap<String, HostTensor> = file
        .names()
        .into_iter()
        .map(|n| (to_original(&n, residual), file.f32(&n).unwrap()))
        .collect();
    assert_eq!(renamed.len(), file.names().len());
    let path = dir.join(format!("{name}_original.safetensors"));
    write_f32(&path, &renamed).unwrap();
    path
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mb-vae-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The loader tells the layouts apart by their names: one `load` takes both.
#[test]
fn original_wan_names_load_the_same_model() {
    let device = Device::flex();
    let dir = temp_dir("original");
    for name in ["vae_2_1_tiny", "vae_2_2_tiny"] {
        let path = write_original(name, &dir);
        let original = WanVae::load(&config(name), &path, &device).unwrap();
        let io = TensorFile::read(folder(name).join("forward.safetensors")).unwrap();
        let encoded = original.encode(tensor(io.f32("sample").unwrap(), &device));
        compare(
            &format!("{name} (original names) encode"),
            encoded,
            &io.f32("latent").unwrap(),
        );
        // Original names with the other configuration's file: the report names the file's
        // tensors that have no place in this model.
        let other = if name == "vae_2_1_tiny" {
            "vae_2_2_tiny"
        } else {
            "vae_2_1_tiny"
        };
        let err = WanVae::load(&config(other), &path, &device).unwrap_err();
        assert!(err.to_string().contains("does not fit"), "{err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cli_run_vae_writes_the_references_outputs() {
    let dir = temp_dir("cli");
    for name in ["vae_2_1_tiny", "vae_2_2_tiny"] {
        let out = dir.join(format!("{name}.safetensors"));
        let inputs = folder(name).join("forward.safetensors");
        let output = run_checking_tool(
            "vae",
            &folder(name).join("config.json"),
            Some(&weights(name)),
            &inputs,
            &out,
            &["--device", "flex"],
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let ours = TensorFile::read(&out).unwrap();
        let reference = TensorFile::read(&inputs).unwrap();
        for key in ["latent", "decoded"] {
            let (o, r) = (ours.f32(key).unwrap(), reference.f32(key).unwrap());
            assert_eq!(o.shape, r.shape, "{name} {key}");
            let (max_abs, rel) = errors(&o.values, &r.values);
            println!("{name} cli {key}: max abs {max_abs:.3e} rel {rel:.3e}");
            assert!(rel < MAX_RELATIVE_ERROR, "{name} {key}: {rel:.3e}");
        }
    }
    // Without weights: a clear error, nothing written.
    let out = dir.join("none.safetensors");
    let output = run_checking_tool(
        "vae",
        &folder("vae_2_1_tiny").join("config.json"),
        None,
        &folder("vae_2_1_tiny").join("forward.safetensors"),
        &out,
        &[],
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--weights"));
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The real Wan2.1 / Wan2.2 structures with random weights run end to end at a small size
/// (slow: hundreds of MB of random weights; `cargo test -- --ignored`).
#[test]
#[ignore]
fn real_configs_run_with_random_weights() {
    let device = Device::flex();
    let wan21 = r#"{"z_dim": 16, "base_dim": 96}"#;
    let wan22 = r#"{"base_dim": 160, "decoder_base_dim": 256, "z_dim": 48, "is_residual": true,
        "in_channels": 12, "out_channels": 12, "patch_size": 2, "scale_factor_spatial": 16,
        "latents_mean": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
            0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
            0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        "latents_std": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
            1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
            1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]}"#;
    for (json, z, s) in [(wan21, 16, 8), (wan22, 48, 16)] {
        let config: VaeConfig = serde_json::from_str(json).unwrap();
        config.validate().unwrap();
        let start = std::time::Instant::now();
        let vae = WanVae::init(&config, &device);
        let video = Tensor::<5>::random(
            [1, 3, 5, 64, 64],
            burn::tensor::Distribution::Uniform(-1.0, 1.0),
            &device,
        );
        let latent = vae.encode(video);
        assert_eq!(latent.dims(), [1, z, 2, 64 / s, 64 / s]);
        let decoded = vae.decode(latent);
        assert_eq!(decoded.dims(), [1, 3, 5, 64, 64]);
        println!(
            "z {z}: init + encode + decode of 5x64x64 in {:?}",
            start.elapsed()
        );
    }
}
