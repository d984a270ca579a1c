//! The Wan DiT against diffusers' `WanTransformer3DModel` on the committed tiny model
//! (models/scripts/make_fixtures.py, `dit_tiny/`), on flex, printing max abs and relative error.

mod common;

use std::path::PathBuf;

use burn::prelude::*;
use burn::tensor::TensorData;
use models::tensor_io::{HostTensor, TensorFile};
use models::wan::dit::{DitConfig, LoadError, WanDit};

use common::{errors, fixtures};

/// fp32 parity: max |ours - reference| / max |reference|.
const MAX_RELATIVE_ERROR: f64 = 1e-4;

fn folder() -> PathBuf {
    fixtures().join("dit_tiny")
}

/// The committed tiny model, loaded from diffusers' files.
fn tiny_model(device: &Device) -> WanDit {
    let config = DitConfig::load(folder().join("config.json")).unwrap();
    WanDit::load(
        &config,
        folder().join("diffusion_pytorch_model.safetensors"),
        device,
    )
    .unwrap()
}

fn tensor<const D: usize>(t: HostTensor, device: &Device) -> Tensor<D> {
    let shape: [usize; D] = t.shape.try_into().expect("rank");
    Tensor::from_data(TensorData::new(t.values, shape), device)
}

/// Runs `model` on the inputs of `inputs` (its `timestep` [B] or [B, tokens]) and compares the
/// output with `reference`'s `sample`, printing the errors under `label`.
fn assert_forward_matches(model: &WanDit, inputs: &str, reference: &std::path::Path, label: &str) {
    let device = Device::flex();
    let io = TensorFile::read(folder().join(inputs)).unwrap();
    let timestep = io.f32("timestep").unwrap();
    let t_shape = match timestep.shape[..] {
        [b] => [b, 1],
        [b, t] => [b, t],
        _ => panic!("timestep shape {:?}", timestep.shape),
    };
    let out = model.forward(
        tensor::<5>(io.f32("hidden_states").unwrap(), &device),
        Tensor::from_data(TensorData::new(timestep.values, t_shape), &device),
        tensor::<3>(io.f32("encoder_hidden_states").unwrap(), &device),
    );
    let reference = TensorFile::read(reference).unwrap().f32("sample").unwrap();
    assert_eq!(out.dims().to_vec(), reference.shape);
    let ours: Vec<f32> = out.into_data().try_to_vec::<f32>().unwrap();
    let (max_abs, rel) = errors(&ours, &reference.values);
    println!("{label}: sample max abs {max_abs:.3e} rel {rel:.3e}");
    assert!(
        rel < MAX_RELATIVE_ERROR,
        "{label}: relative error {rel:.3e}"
    );
}

#[test]
fn tiny_dit_matches_diffusers() {
    let model = tiny_model(&Device::flex());
    let io = folder().join("forward.safetensors");
    assert_forward_matches(&model, "forward.safetensors", &io, "dit_tiny forward");
}

#[test]
fn per_token_timesteps_match_diffusers() {
    // Wan2.2 TI2V: the first latent frame's tokens at timestep 0, the rest at 637.
    let model = tiny_model(&Device::flex());
    let io = folder().join("forward_per_token.safetensors");
    assert_forward_matches(
        &model,
        "forward_per_token.safetensors",
        &io,
        "dit_tiny per-token timesteps",
    );
}

#[test]
fn sharded_diffusers_folder_loads() {
    let device = Device::flex();
    let config = DitConfig::load(folder().join("config.json")).unwrap();
    let sharded = fixtures().join("dit_sharded");
    // The folder (its index names three shards) and the index itself both work.
    for path in [
        sharded.clone(),
        sharded.join("diffusion_pytorch_model.safetensors.index.json"),
    ] {
        let model = WanDit::load(&config, &path, &device).unwrap();
        let reference = folder().join("forward.safetensors");
        assert_forward_matches(&model, "forward.safetensors", &reference, "dit sharded");
    }
}

#[test]
fn comfyui_single_files_load_in_fp16_and_fp8_scaled() {
    let device = Device::flex();
    let config = DitConfig::load(folder().join("config.json")).unwrap();
    let comfy = fixtures().join("dit_comfy");
    for (weights, reference) in [
        ("wan_tiny_fp16.safetensors", "forward_fp16.safetensors"),
        (
            "wan_tiny_fp8_scaled.safetensors",
            "forward_fp8_scaled.safetensors",
        ),
    ] {
        let model = WanDit::load(&config, comfy.join(weights), &device).unwrap();
        assert_forward_matches(
            &model,
            "forward.safetensors",
            &comfy.join(reference),
            weights,
        );
    }
}

#[test]
fn pickle_checkpoints_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let pickle = dir.path().join("wan2.1_t2v_1.3B.pth");
    std::fs::write(&pickle, [0x80, 0x02, b'}', b'q']).unwrap();
    let config = DitConfig::load(folder().join("config.json")).unwrap();
    let err = WanDit::load(&config, &pickle, &Device::flex())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("pickle")
            && err.contains("wan2.1_t2v_1.3B.pth")
            && err.contains("safetensors"),
        "{err}"
    );
    // A folder with only a pickle in it says there is no safetensors file.
    let err = WanDit::load(&config, dir.path(), &Device::flex())
        .unwrap_err()
        .to_string();
    assert!(err.contains("no .safetensors"), "{err}");
}

#[test]
fn per_token_timesteps_equal_to_one_timestep_agree() {
    let device = Device::flex();
    let model = tiny_model(&device);
    let io = TensorFile::read(folder().join("forward.safetensors")).unwrap();
    let latents = tensor::<5>(io.f32("hidden_states").unwrap(), &device);
    let text = tensor::<3>(io.f32("encoder_hidden_states").unwrap(), &device);
    // [1, 4, 3, 4, 4] with patch (1, 2, 2): 12 tokens.
    let one = model.forward(
        latents.clone(),
        Tensor::from_floats([[637.0]], &device),
        text.clone(),
    );
    let per_token = model.forward(latents, Tensor::<2>::ones([1, 12], &device) * 637.0, text);
    let diff: f32 = (one - per_token).abs().max().into_scalar();
    assert!(diff < 1e-5, "{diff}");
}

#[test]
fn wrong_file_names_what_does_not_fit() {
    let device = Device::flex();
    let mut config = DitConfig::load(folder().join("config.json")).unwrap();
    config.num_layers = 3;
    config.ffn_dim = 48;
    let err = WanDit::load(
        &config,
        folder().join("diffusion_pytorch_model.safetensors"),
        &device,
    )
    .unwrap_err();
    let LoadError::Mismatch { report, .. } = &err else {
        panic!("{err}")
    };
    assert!(report
        .missing
        .contains(&"blocks.2.attn1.to_q.weight".to_owned()));
    assert!(report.misshaped.iter().any(|(name, expected, found)| name
        == "blocks.0.ffn.net.0.proj.weight"
        && expected == &[48, 32]
        && found == &[64, 32]));
    // A file with other tensors: the scheduler fixtures are not weights.
    let other = folder().join("forward.safetensors");
    let err = WanDit::load(
        &DitConfig::load(folder().join("config.json")).unwrap(),
        other,
        &device,
    )
    .unwrap_err();
    let LoadError::Mismatch { report, .. } = &err else {
        panic!("{err}")
    };
    assert!(report.unexpected.contains(&"sample".to_owned()), "{err}");
    println!("{err}");
}
