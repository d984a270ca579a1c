//! The TAEHV preview decoders against the reference on the committed tiny models
//! (models/scripts/fixtures_taehv.py, a transcription of madebyollin/taehv's `taehv.py`, which
//! is not on PyPI): `taehv_tiny_2_1/` (taew2_1's layout: 16 channels, patch 1) and
//! `taehv_tiny_2_2/` (taew2_2's: 48 channels, patch 2, a TGrow stored with extra rows), fp16
//! files in the reference's state-dict names, encoder included; on flex, printing max abs and
//! relative error, whole and one latent frame at a time. Then the loader's reports for wrong
//! files, and the pipeline's step previews with a TAEHV decoder on the tiny Wan packages.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::tensor::TensorData;
use models::pipeline::{GenerateRequest, StepControl, WanModels};
use models::taehv::{TaehvConfig, TaehvDecoder, TaehvError};
use models::tensor_io::{write_f32, HostTensor, TensorFile};
use models::weights::LoadError;
use serde_json::Value;

use common::{errors, fixtures};

/// fp32 against a float64 reference: max |ours - reference| / max |reference|.
const MAX_RELATIVE_ERROR: f64 = 1e-4;

fn folder(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// The fixture's weights file (named as the released file its layout copies).
fn weights(name: &str) -> PathBuf {
    let file = if name.ends_with("2_2") {
        "taew2_2.safetensors"
    } else {
        "taew2_1.safetensors"
    };
    folder(name).join(file)
}

/// The config the file name gives, with the fixture's tiny widths (config.json).
fn config(name: &str) -> TaehvConfig {
    let text = std::fs::read_to_string(folder(name).join("config.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let widths: Vec<usize> = json["widths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let config = TaehvConfig::from_file_name(weights(name))
        .unwrap()
        .with_widths(widths.try_into().unwrap());
    // The file name alone picks what the fixture was made with.
    assert_eq!(
        json["latent_channels"].as_u64(),
        Some(config.latent_channels as u64)
    );
    assert_eq!(json["patch_size"].as_u64(), Some(config.patch_size as u64));
    config
}

fn tensor(t: HostTensor, device: &Device) -> Tensor<5> {
    let shape: [usize; 5] = t.shape.try_into().expect("rank 5");
    Tensor::from_data(TensorData::new(t.values, shape), device)
}

fn compare(what: &str, ours: Tensor<5>, reference: &HostTensor) {
    assert_eq!(ours.dims().to_vec(), reference.shape, "{what} shape");
    let ours: Vec<f32> = ours.into_data().try_into_vec_as::<f32>().unwrap();
    let (max_abs, rel) = errors(&ours, &reference.values);
    println!("{what}: max abs {max_abs:.3e} rel {rel:.3e}");
    assert!(rel < MAX_RELATIVE_ERROR, "{what}: relative error {rel:.3e}");
}

fn parity(name: &str) {
    let device = Device::flex();
    let config = config(name);
    let decoder = TaehvDecoder::load(weights(name), &config, &device).unwrap();
    let io = TensorFile::read(folder(name).join("forward.safetensors")).unwrap();
    let latents = tensor(io.f32("latents").unwrap(), &device);
    let video = io.f32("video").unwrap();
    let [_, _, t, h, w] = latents.dims();
    let s = config.spatial_factor();
    assert_eq!(video.shape, [1, 3, 4 * t - 3, h * s, w * s]);

    compare(
        &format!("{name} decode"),
        decoder.decode(latents.clone()).unwrap(),
        &video,
    );

    // One latent frame at a time, the memory carried: the same frames.
    let mut parts = Vec::new();
    decoder
        .decode_chunked(latents, 1, |frames| {
            parts.push(frames);
            Ok(())
        })
        .unwrap();
    let counts: Vec<usize> = parts.iter().map(|p| p.dims()[2]).collect();
    assert_eq!(counts, [1, 4, 4]);
    compare(
        &format!("{name} frame by frame"),
        Tensor::cat(parts, 2),
        &video,
    );
}

#[test]
fn taew2_1_layout_matches_the_reference() {
    parity("taehv_tiny_2_1");
}

#[test]
fn taew2_2_layout_matches_the_reference() {
    parity("taehv_tiny_2_2");
}

fn mismatch(result: Result<TaehvDecoder, TaehvError>) -> (String, models::weights::LoadReport) {
    match result {
        Err(e @ TaehvError::Weights(LoadError::Mismatch { .. })) => {
            let message = e.to_string();
            let TaehvError::Weights(LoadError::Mismatch { report, .. }) = e else {
                unreachable!()
            };
            (message, report)
        }
        other => panic!("expected a mismatch report, got {other:?}"),
    }
}

#[test]
fn a_file_for_other_latents_is_reported_by_name() {
    let device = Device::flex();
    // The 16-channel file read as a 48-channel, patch-2 decoder.
    let wrong = TaehvConfig::taew2_2().with_widths(config("taehv_tiny_2_1").widths);
    let (message, report) = mismatch(TaehvDecoder::load(
        weights("taehv_tiny_2_1"),
        &wrong,
        &device,
    ));
    let names: Vec<&str> = report.misshaped.iter().map(|m| m.0.as_str()).collect();
    assert_eq!(
        names,
        ["decoder.1.weight", "decoder.22.weight", "decoder.22.bias"]
    );
    assert!(report.missing.is_empty() && report.unexpected.is_empty());
    assert!(message.contains("taew2_2"), "{message}");
    assert!(message.contains("taew2_1.safetensors"), "{message}");

    // Released widths on a tiny file: every layer is mis-shaped, none silently accepted.
    let (_, report) = mismatch(TaehvDecoder::load(
        weights("taehv_tiny_2_1"),
        &TaehvConfig::taew2_1(),
        &device,
    ));
    assert!(report.misshaped.len() > 20, "{report}");
}

/// A copy of a fixture's weights (as f32) with `edit` applied, under `file_name`.
fn edited_copy(
    name: &str,
    file_name: &str,
    edit: impl FnOnce(&mut BTreeMap<String, HostTensor>),
) -> (tempfile::TempDir, PathBuf) {
    let file = TensorFile::read(weights(name)).unwrap();
    let mut tensors: BTreeMap<String, HostTensor> = file
        .names()
        .into_iter()
        .map(|n| {
            let t = file.f32(&n).unwrap();
            (n, t)
        })
        .collect();
    edit(&mut tensors);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file_name);
    write_f32(&path, &tensors).unwrap();
    (dir, path)
}

#[test]
fn the_encoder_is_accepted_but_a_stray_tensor_is_not() {
    let device = Device::flex();
    let config = config("taehv_tiny_2_1");
    // The fixture holds the encoder too, and loads cleanly (parity above); without the
    // encoder it loads as well.
    let (_dir, path) = edited_copy("taehv_tiny_2_1", "taew2_1.safetensors", |t| {
        t.retain(|n, _| !n.starts_with("encoder."));
    });
    TaehvDecoder::load(&path, &config, &device).unwrap();

    let (_dir, path) = edited_copy("taehv_tiny_2_1", "taew2_1.safetensors", |t| {
        t.insert(
            "decoder.23.weight".into(),
            HostTensor::new(vec![2], vec![1.0, 2.0]),
        );
        t.remove("decoder.9.conv.2.bias");
    });
    let (_, report) = mismatch(TaehvDecoder::load(&path, &config, &device));
    assert_eq!(report.unexpected, ["decoder.23.weight"]);
    assert_eq!(report.missing, ["decoder.9.conv.2.bias"]);
}

#[test]
fn a_renamed_file_needs_its_config() {
    let device = Device::flex();
    let (_dir, path) = edited_copy("taehv_tiny_2_2", "preview.safetensors", |_| {});
    let err = TaehvDecoder::load_named(&path, &device).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, TaehvError::Config(_)), "{err:?}");
    assert!(message.contains("preview.safetensors"), "{message}");
    assert!(message.contains("explicitly"), "{message}");
    // Given explicitly, it loads.
    TaehvDecoder::load(&path, &config("taehv_tiny_2_2"), &device).unwrap();
}

// --- the pipeline's step previews ----------------------------------------------------------

fn package(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// A small request for a tiny package (its reference size, 5 frames, 2 steps).
fn request(package: &Path) -> GenerateRequest {
    let text = std::fs::read_to_string(package.join("reference.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let mut request = GenerateRequest::new(json["prompt"].as_str().unwrap());
    request.frames = json["frames"].as_u64().unwrap() as usize;
    request.height = json["height"].as_u64().unwrap() as usize;
    request.width = json["width"].as_u64().unwrap() as usize;
    request.steps = 2;
    request.guidance = 1.0;
    request
}

/// A random TAEHV decoder with `wan`'s latent channels in taew2_1's (patch 1) or taew2_2's
/// (patch 2) layout: only the shapes are under test here, parity is above.
fn random_taehv(wan: &WanModels, patch_2: bool) -> TaehvDecoder {
    let base = if patch_2 {
        TaehvConfig::taew2_2()
    } else {
        TaehvConfig::taew2_1()
    };
    let config = base
        .with_latent_channels(wan.latent_channels())
        .with_widths([8, 4, 4, 4]);
    TaehvDecoder::init(&config, wan.device())
}

/// (frames, height, width) of each step's preview.
fn preview_sizes(wan: &mut WanModels, request: &GenerateRequest) -> Vec<(usize, usize, usize)> {
    let mut sizes = Vec::new();
    wan.generate(request, |step| {
        let p = &step.preview;
        assert_eq!(p.rgb.len(), p.frames * p.height * p.width * 3);
        sizes.push((p.frames, p.height, p.width));
        StepControl::Continue
    })
    .unwrap();
    sizes
}

fn previews_become_video_frames(name: &str, patch_2: bool) {
    let root = package(name);
    let mut wan = WanModels::load(&root, &Device::flex()).unwrap();
    let request = request(&root);
    let [_, _, f, h, w] = wan.latent_shape(&request);

    // Without a decoder: one picture per latent frame at latent size.
    let projected = preview_sizes(&mut wan, &request);
    assert_eq!(projected, vec![(f, h, w); 2]);

    // With one: every video frame at the request's size.
    wan.set_preview_decoder(Some(random_taehv(&wan, patch_2)))
        .unwrap();
    assert!(wan.preview_decoder().is_some());
    let decoded = preview_sizes(&mut wan, &request);
    assert_eq!(
        decoded,
        vec![(request.frames, request.height, request.width); 2]
    );
    assert_ne!(
        request.frames, f,
        "the frame counts must differ to tell them apart"
    );

    // And back.
    wan.set_preview_decoder(None).unwrap();
    assert_eq!(preview_sizes(&mut wan, &request), projected);
}

#[test]
fn text_to_video_previews_come_from_taehv_when_set() {
    previews_become_video_frames("wan_tiny_t2v", false);
}

#[test]
fn image_to_video_previews_come_from_taehv_when_set() {
    previews_become_video_frames("wan_tiny_ti2v", true);
}

#[test]
fn a_preview_decoder_for_other_latents_is_refused() {
    let mut wan = WanModels::load(package("wan_tiny_t2v"), &Device::flex()).unwrap();
    let device = wan.device().clone();
    // Wan2.1's real channel count on a 4-channel package.
    let taew2_1 = TaehvDecoder::init(&TaehvConfig::taew2_1().with_widths([4, 4, 4, 4]), &device);
    let err = wan.set_preview_decoder(Some(taew2_1)).unwrap_err();
    assert!(err.to_string().contains("16-channel"), "{err}");
    // The right channels at Wan2.2's 16x scale on a Wan2.1-style (8x) package.
    let taew2_2_layout = random_taehv(&wan, true);
    let err = wan.set_preview_decoder(Some(taew2_2_layout)).unwrap_err();
    assert!(err.to_string().contains("16x16"), "{err}");
    assert!(
        wan.preview_decoder().is_none(),
        "a refused decoder is not kept"
    );
}
