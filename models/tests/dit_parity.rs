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

#[test]
fn tiny_dit_matches_diffusers() {
    let device = Device::flex();
    let model = tiny_model(&device);
    let io = TensorFile::read(folder().join("forward.safetensors")).unwrap();
    let timestep = io.f32("timestep").unwrap();
    let batch = timestep.shape[0];
    let out = model.forward(
        tensor::<5>(io.f32("hidden_states").unwrap(), &device),
        tensor::<1>(timestep, &device).reshape([batch, 1]),
        tensor::<3>(io.f32("encoder_hidden_states").unwrap(), &device),
    );
    let reference = io.f32("sample").unwrap();
    assert_eq!(out.dims().to_vec(), reference.shape);
    let ours: Vec<f32> = out.into_data().try_to_vec::<f32>().unwrap();
    let (max_abs, rel) = errors(&ours, &reference.values);
    println!("dit_tiny forward: sample max abs {max_abs:.3e} rel {rel:.3e}");
    assert!(rel < MAX_RELATIVE_ERROR, "relative error {rel:.3e}");
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
