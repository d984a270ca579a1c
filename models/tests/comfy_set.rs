//! A Wan model in ComfyUI's single files generates as the same model in diffusers' folder.
//!
//! `fixtures/wan_tiny_t2v_comfy/` (models/scripts/fixtures_comfy.py) holds `wan_tiny_t2v/`'s
//! components as ComfyUI has them: the transformer under `model.diffusion_model.` in the
//! original Wan names, fp16 with an f32 patch embedding and `__metadata__`; umT5 in fp8 e4m3fn
//! with per-tensor scales, carrying its SentencePiece model; no configs, no tokenizer.json.
//! The diffusers folder it is compared with is `wan_tiny_t2v/` with its weights replaced by
//! exactly the values those files hold (fp16-rounded, fp8-dequantised), so the two must give
//! the same video: on flex, and on wgpu (Mesa's lavapipe where there is no GPU; Debian's
//! `mesa-vulkan-drivers`).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::prelude::*;
use half::f16;
use models::pipeline::{GenerateRequest, StepControl, WanModels, WanPackage};
use models::tensor_io::{write_f32, HostTensor, TensorFile};

use common::{errors, fixtures};

fn comfy() -> PathBuf {
    fixtures().join("wan_tiny_t2v_comfy")
}

fn request() -> GenerateRequest {
    let mut request = GenerateRequest::new("A cat walks across a sunny garden, slow camera pan.");
    request.negative_prompt = "blurry, static, low quality".into();
    request.frames = 5;
    request.height = 32;
    request.width = 48;
    request.steps = 3;
    request.guidance = 5.0;
    request.seed = 42;
    request
}

/// The frames in [0, 1] (the pipeline hands back 8-bit pixels).
fn generate(package: &Path) -> Vec<f32> {
    generate_on(package, &Device::flex(), &request())
}

fn generate_on(package: &Path, device: &Device, request: &GenerateRequest) -> Vec<f32> {
    let mut wan = WanModels::load(package, device).unwrap_or_else(|e| {
        panic!(
            "{} does not load on {device:?} (for wgpu without a GPU: apt install \
             mesa-vulkan-drivers): {e}",
            package.display()
        )
    });
    wan.generate(request, |_| StepControl::Continue)
        .unwrap()
        .pixels
        .into_iter()
        .map(|b| f32::from(b) / 255.0)
        .collect()
}

fn round_f16(values: &[f32]) -> Vec<f32> {
    values.iter().map(|v| f16::from_f32(*v).to_f32()).collect()
}

/// Copies `from` into `to`, recursively.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// `wan_tiny_t2v/` with the values the ComfyUI files hold.
fn equivalent_diffusers_package(dir: &Path) -> PathBuf {
    let root = dir.join("wan_tiny_t2v");
    copy_tree(&fixtures().join("wan_tiny_t2v"), &root);

    let path = root.join("transformer/diffusion_pytorch_model.safetensors");
    let file = TensorFile::read(&path).unwrap();
    let mut tensors = BTreeMap::new();
    for name in file.names() {
        let t = file.f32(&name).unwrap();
        let values = if name.starts_with("patch_embedding.") {
            t.values
        } else {
            round_f16(&t.values)
        };
        tensors.insert(name, HostTensor::new(t.shape, values));
    }
    write_f32(&path, &tensors).unwrap();

    let fp8 =
        TensorFile::read(comfy().join("text_encoders/umt5_tiny_fp8_e4m3fn_scaled.safetensors"))
            .unwrap();
    let path = root.join("text_encoder/model.safetensors");
    let file = TensorFile::read(&path).unwrap();
    let mut tensors = BTreeMap::new();
    for name in file.names() {
        let t = file.f32(&name).unwrap();
        let scale_name = name.replace(".weight", ".scale_weight");
        let values = if fp8.contains(&scale_name) {
            let scale = fp8.f32(&scale_name).unwrap().values[0];
            fp8.f32(&name)
                .unwrap()
                .values
                .iter()
                .map(|v| v * scale)
                .collect()
        } else {
            round_f16(&t.values)
        };
        tensors.insert(name, HostTensor::new(t.shape, values));
    }
    write_f32(&path, &tensors).unwrap();
    root
}

#[test]
fn a_comfyui_folder_is_a_package_with_its_configs_and_tokenizer_from_the_files() {
    let package = WanPackage::open(comfy()).unwrap();
    let files = package.single_files().expect("single files");
    assert!(files
        .transformer
        .ends_with("diffusion_models/wan_tiny_t2v_fp16.safetensors"));
    assert!(files.vae.ends_with("vae/wan_tiny_vae.safetensors"));
    assert!(files
        .text_encoder
        .ends_with("text_encoders/umt5_tiny_fp8_e4m3fn_scaled.safetensors"));
    // The transformer file alone names the same set.
    let by_file = WanPackage::open(&files.transformer).unwrap();
    assert_eq!(by_file.single_files(), Some(files));
    assert!(!package.expand_timesteps());
    assert_eq!(package.transformer().unwrap().config.in_channels, 4);
    assert_eq!(package.text_encoder().unwrap().config.d_model, 16);
    // The tokenizer comes from the text encoder's `spiece_model`: the same ids as the
    // diffusers package's tokenizer.json.
    let ours = package.tokenizer().unwrap();
    let theirs = WanPackage::open(fixtures().join("wan_tiny_t2v"))
        .unwrap()
        .tokenizer()
        .unwrap();
    let prompts = [
        "A cat walks across a sunny garden.",
        "一只猫在花园里散步",
        "  two   spaces ",
    ];
    assert_eq!(
        ours.encode_batch(&prompts, 16).unwrap(),
        theirs.encode_batch(&prompts, 16).unwrap()
    );
}

#[test]
fn a_comfyui_set_generates_as_the_same_weights_in_diffusers_layout() {
    let dir = tempfile::tempdir().unwrap();
    let diffusers = equivalent_diffusers_package(dir.path());
    let from_comfy = generate(&comfy());
    let from_diffusers = generate(&diffusers);
    let (max_abs, rel) = errors(&from_comfy, &from_diffusers);
    println!("ComfyUI set vs diffusers layout: max abs {max_abs:.3e} rel {rel:.3e}");
    assert!(rel < 1e-5, "relative error {rel:.3e}");
    // The fp8 text encoder and fp16 transformer do change the video against the f32 package:
    // the comparison above is not comparing a model with itself by accident.
    let original = generate(&fixtures().join("wan_tiny_t2v"));
    let (_, rel) = errors(&from_comfy, &original);
    assert!(
        rel > 1e-5,
        "the rounded weights should change the video a little"
    );
}

/// The same comparison on the GPU path (wgpu in f32), shortened to one frame and two steps:
/// lavapipe compiles a kernel for every new shape.
#[test]
fn on_wgpu_a_comfyui_set_generates_as_the_same_weights_in_diffusers_layout() {
    let dir = tempfile::tempdir().unwrap();
    let diffusers = equivalent_diffusers_package(dir.path());
    let device = Device::wgpu(burn::tensor::DeviceKind::DefaultDevice);
    let mut short = request();
    short.frames = 1;
    short.steps = 2;
    let from_comfy = generate_on(&comfy(), &device, &short);
    let from_diffusers = generate_on(&diffusers, &device, &short);
    let (max_abs, rel) = errors(&from_comfy, &from_diffusers);
    println!("wgpu: ComfyUI set vs diffusers layout: max abs {max_abs:.3e} rel {rel:.3e}");
    // The same weights and arithmetic on one device: at most a rounding's 8-bit level apart.
    assert!(max_abs <= 1.0 / 255.0 + 1e-6, "max abs error {max_abs:.3e}");
    // And the GPU's video is the CPU's, to the precision wgpu's f32 kernels keep.
    let on_flex = generate_on(&comfy(), &Device::flex(), &short);
    let (max_abs, rel_flex) = errors(&from_comfy, &on_flex);
    println!("ComfyUI set on wgpu vs flex: max abs {max_abs:.3e} rel {rel_flex:.3e}");
    assert!(rel_flex < 2e-2, "relative error {rel_flex:.3e}");
}

#[test]
fn a_set_missing_its_text_encoder_says_what_to_add() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["diffusion_models", "vae"] {
        copy_tree(&comfy().join(sub), &dir.path().join(sub));
    }
    let err = WanPackage::open(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("text_encoders") && err.contains("umt5_xxl_fp8_e4m3fn_scaled"),
        "{err}"
    );
}
