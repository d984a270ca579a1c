//! The umT5 text encoder, its tokenizer and Wan's prompt embeddings against transformers /
//! diffusers on the committed tiny model and tokenizer (models/scripts/fixtures_t5.py,
//! `t5_tiny/`), on flex, printing max abs and relative error.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use burn::prelude::*;
use burn::tensor::TensorData;
use models::t5::{
    prompt_clean, LoadError, PromptEncoder, PromptTokenizer, T5Config, T5LoadError, UmT5Encoder,
};
use models::tensor_io::{write_f32, TensorFile};

use common::{errors, fixtures, run_checking_tool};

/// fp32 parity: max |ours - reference| / max |reference|.
const MAX_RELATIVE_ERROR: f64 = 1e-4;

fn folder() -> PathBuf {
    fixtures().join("t5_tiny")
}

fn config() -> T5Config {
    T5Config::load(folder().join("config.json")).unwrap()
}

fn tiny_model(device: &Device) -> UmT5Encoder {
    UmT5Encoder::load(&config(), folder().join("model.safetensors"), device).unwrap()
}

fn tokenizer() -> PromptTokenizer {
    PromptTokenizer::from_file(folder().join("tokenizer.json")).unwrap()
}

/// An int64 [B, L] tensor of a fixture (its shape from the file's header).
fn int_tensor(file: &TensorFile, name: &str, device: &Device) -> Tensor<2, Int> {
    let bytes = std::fs::read(file.path()).unwrap();
    let (_, metadata) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let shape: [usize; 2] = metadata
        .info(name)
        .unwrap()
        .shape
        .clone()
        .try_into()
        .unwrap();
    Tensor::from_data(TensorData::new(file.i64(name).unwrap(), shape), device)
}

fn host(t: Tensor<3>) -> Vec<f32> {
    t.into_data().try_into_vec_as::<f32>().unwrap()
}

/// A fresh folder under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mb-t5-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// prompts.json as the fixture script writes it.
struct Prompts {
    max_length: usize,
    prompts: Vec<String>,
    cleaned: Vec<String>,
    input_ids: Vec<Vec<i64>>,
    attention_mask: Vec<Vec<i64>>,
}

fn prompts() -> Prompts {
    let text = std::fs::read_to_string(folder().join("prompts.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let strings = |key: &str| -> Vec<String> { serde_json::from_value(json[key].clone()).unwrap() };
    let rows = |key: &str| -> Vec<Vec<i64>> { serde_json::from_value(json[key].clone()).unwrap() };
    Prompts {
        max_length: json["max_length"].as_u64().unwrap() as usize,
        prompts: strings("prompts"),
        cleaned: strings("cleaned"),
        input_ids: rows("input_ids"),
        attention_mask: rows("attention_mask"),
    }
}

#[test]
fn tiny_umt5_matches_transformers() {
    let device = Device::flex();
    let model = tiny_model(&device);
    let io = TensorFile::read(folder().join("forward.safetensors")).unwrap();
    let mask = io.i64("attention_mask").unwrap();
    assert!(mask.contains(&0), "the fixture must have padding");
    let out = model.forward(
        int_tensor(&io, "input_ids", &device),
        int_tensor(&io, "attention_mask", &device),
    );
    let reference = io.f32("last_hidden_state").unwrap();
    assert_eq!(out.dims().to_vec(), reference.shape);
    let (max_abs, rel) = errors(&host(out), &reference.values);
    println!("t5_tiny forward (padded batch of 2): last_hidden_state max abs {max_abs:.3e} rel {rel:.3e}");
    assert!(rel < MAX_RELATIVE_ERROR, "relative error {rel:.3e}");
}

#[test]
fn prompt_cleaning_matches_diffusers() {
    let p = prompts();
    for (prompt, cleaned) in p.prompts.iter().zip(&p.cleaned) {
        assert_eq!(&prompt_clean(prompt), cleaned, "{prompt:?}");
    }
}

#[test]
fn token_ids_match_transformers() {
    let p = prompts();
    let cleaned: Vec<&str> = p.cleaned.iter().map(String::as_str).collect();
    let batch = tokenizer().encode_batch(&cleaned, p.max_length).unwrap();
    for (i, prompt) in cleaned.iter().enumerate() {
        assert_eq!(batch.ids[i], p.input_ids[i], "ids of {prompt:?}");
        assert_eq!(batch.mask[i], p.attention_mask[i], "mask of {prompt:?}");
    }
    // The last prompt is cut to max_length with `</s>` kept at the end.
    let last = batch.ids.last().unwrap();
    assert_eq!(last.len(), p.max_length);
    assert_eq!(*last.last().unwrap(), 1);
    // Edge cases, as transformers gives them: an empty prompt is `</s>` alone; max_length 2
    // keeps one token and `</s>`; 1 leaves no room for a token.
    let edge = tokenizer().encode_batch(&[""], 4).unwrap();
    assert_eq!(
        (edge.ids[0].clone(), edge.mask[0].clone()),
        (vec![1, 0, 0, 0], vec![1, 0, 0, 0])
    );
    let edge = tokenizer().encode_batch(&["a b c d e f"], 2).unwrap();
    assert_eq!(
        (edge.ids[0].clone(), edge.mask[0].clone()),
        (vec![11, 1], vec![1, 1])
    );
    assert!(tokenizer().encode_batch(&["x"], 1).is_err());
}

#[test]
fn prompt_embeds_match_pipeline() {
    let device = Device::flex();
    let p = prompts();
    let io = TensorFile::read(folder().join("prompt_embeds.safetensors")).unwrap();
    let reference = io.f32("prompt_embeds").unwrap();
    let mut encoder = PromptEncoder::new(tokenizer(), tiny_model(&device), device)
        .with_max_sequence_length(p.max_length);
    let raw: Vec<&str> = p.prompts.iter().map(String::as_str).collect();
    let embeds = encoder.encode_many(&raw).unwrap();
    assert_eq!(embeds.dims().to_vec(), reference.shape);
    let ours = host(embeds);
    let (max_abs, rel) = errors(&ours, &reference.values);
    println!(
        "t5_tiny prompt embeds ({} prompts): max abs {max_abs:.3e} rel {rel:.3e}",
        raw.len()
    );
    assert!(rel < MAX_RELATIVE_ERROR, "relative error {rel:.3e}");
    // Exactly zero after each prompt's tokens.
    let d = reference.shape[2];
    for (i, mask) in p.attention_mask.iter().enumerate() {
        for (t, m) in mask.iter().enumerate() {
            let row = &ours[(i * p.max_length + t) * d..][..d];
            assert_eq!(
                *m == 0,
                row.iter().all(|v| *v == 0.0),
                "prompt {i} token {t}"
            );
        }
    }
}

#[test]
fn prompt_cache_skips_the_encoder() {
    let device = Device::flex();
    let mut encoder = PromptEncoder::new(tokenizer(), tiny_model(&device), device)
        .with_max_sequence_length(16)
        .with_cache_capacity(2);
    let first = encoder
        .encode("A cat walks across a sunny garden.")
        .unwrap();
    assert_eq!(first.dims(), [1, 16, 32]);
    assert_eq!(encoder.encoder_runs(), 1);
    let again = encoder
        .encode("A cat walks across a sunny garden.")
        .unwrap();
    assert_eq!(
        encoder.encoder_runs(),
        1,
        "a cached prompt must not run the encoder"
    );
    assert_eq!(host(first), host(again));

    // A batch with one cached and one new prompt runs the encoder once, for the new one only.
    let both = encoder
        .encode_many(&["A cat walks across a sunny garden.", "宇航员在月球上骑马"])
        .unwrap();
    assert_eq!(both.dims(), [2, 16, 32]);
    assert_eq!(encoder.encoder_runs(), 2);
    // The cache holds two: a third prompt evicts the least recently used (the cat).
    encoder.encode("Waves crash against the rocks.").unwrap();
    encoder.encode("宇航员在月球上骑马").unwrap();
    assert_eq!(encoder.encoder_runs(), 3);
    encoder
        .encode("A cat walks across a sunny garden.")
        .unwrap();
    assert_eq!(encoder.encoder_runs(), 4);
    // The same new prompt twice in one call (e.g. an equal negative prompt) is encoded once.
    let pair = encoder
        .encode_many(&["Two dogs run.", "Two dogs run."])
        .unwrap();
    assert_eq!(encoder.encoder_runs(), 5);
    let rows = pair.split(1, 0);
    assert_eq!(host(rows[0].clone()), host(rows[1].clone()));
    // Another length is another entry.
    let mut encoder = encoder.with_max_sequence_length(8);
    assert_eq!(
        encoder
            .encode("Waves crash against the rocks.")
            .unwrap()
            .dims(),
        [1, 8, 32]
    );
    assert_eq!(encoder.encoder_runs(), 6);
}

#[test]
fn embedding_under_either_tied_name_loads() {
    let device = Device::flex();
    let file = TensorFile::read(folder().join("model.safetensors")).unwrap();
    let tensors: BTreeMap<String, _> = file
        .names()
        .into_iter()
        .map(|n| {
            let t = file.f32(&n).unwrap();
            (n, t)
        })
        .collect();
    let dir = temp_dir("tied");
    let io = TensorFile::read(folder().join("forward.safetensors")).unwrap();
    let ids = int_tensor(&io, "input_ids", &device);
    let mask = int_tensor(&io, "attention_mask", &device);
    let reference = host(tiny_model(&device).forward(ids.clone(), mask.clone()));

    // Only `encoder.embed_tokens.weight` (as some exports), and both names (as transformers 4).
    let mut renamed = tensors.clone();
    let shared = renamed.remove("shared.weight").unwrap();
    renamed.insert("encoder.embed_tokens.weight".into(), shared.clone());
    let mut both = tensors;
    both.insert("encoder.embed_tokens.weight".into(), shared);
    for (name, layout) in [("renamed", renamed), ("both", both)] {
        let path = dir.join(format!("{name}.safetensors"));
        write_f32(&path, &layout).unwrap();
        let model = UmT5Encoder::load(&config(), &path, &device).unwrap();
        assert_eq!(
            host(model.forward(ids.clone(), mask.clone())),
            reference,
            "{name}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn wrong_file_names_what_does_not_fit() {
    let device = Device::flex();
    let mut config = config();
    config.num_layers = 3;
    config.d_ff = 40;
    let err = UmT5Encoder::load(&config, folder().join("model.safetensors"), &device).unwrap_err();
    let T5LoadError::Weights(LoadError::Mismatch { report, .. }) = &err else {
        panic!("expected a mismatch, got {err}");
    };
    assert!(report
        .missing
        .contains(&"encoder.block.2.layer.0.SelfAttention.q.weight".to_owned()));
    assert!(report
        .misshaped
        .iter()
        .any(|(name, _, _)| name == "encoder.block.0.layer.1.DenseReluDense.wi_0.weight"));
    let message = err.to_string();
    assert!(
        message.contains("model.safetensors") && message.contains("wi_1"),
        "{message}"
    );

    // A DiT file is no text encoder.
    let dit = fixtures()
        .join("dit_tiny")
        .join("diffusion_pytorch_model.safetensors");
    let err = UmT5Encoder::load(
        &T5Config::load(folder().join("config.json")).unwrap(),
        dit,
        &device,
    )
    .unwrap_err();
    assert!(err.to_string().contains("shared.weight"), "{err}");
}

#[test]
fn cli_runs_the_fixture() {
    let dir = temp_dir("cli");
    let out = dir.join("out.safetensors");
    let output = run_checking_tool(
        "t5",
        &folder().join("config.json"),
        Some(&folder().join("model.safetensors")),
        &folder().join("forward.safetensors"),
        &out,
        &[],
    );
    assert!(output.status.success());
    let ours = TensorFile::read(&out)
        .unwrap()
        .f32("last_hidden_state")
        .unwrap();
    let reference = TensorFile::read(folder().join("forward.safetensors"))
        .unwrap()
        .f32("last_hidden_state")
        .unwrap();
    assert_eq!(ours.shape, reference.shape);
    let (max_abs, rel) = errors(&ours.values, &reference.values);
    println!("t5 CLI: last_hidden_state max abs {max_abs:.3e} rel {rel:.3e}");
    assert!(rel < MAX_RELATIVE_ERROR, "relative error {rel:.3e}");

    // No weights: a message saying what to pass.
    let output = run_checking_tool(
        "t5",
        &folder().join("config.json"),
        None,
        &folder().join("forward.safetensors"),
        &out,
        &[],
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--weights"));
    std::fs::remove_dir_all(&dir).unwrap();
}
