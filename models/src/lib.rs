//! Motionboard's diffusion engine: the Wan video model family in burn.
//!
//! This crate knows nothing of projects or UI. It has the flow-matching samplers
//! ([`scheduler`]), seeded host-side noise ([`noise`]), the Wan DiT and VAE ([`wan`]), the umT5
//! text encoder with its tokenizer and prompt cache ([`t5`]), the weights loader shared by all
//! of them ([`weights`], [`tensor_io`]: safetensors only, memory-mapped, diffusers and ComfyUI
//! layouts, f32/f16/bf16/fp8), the text/image-to-video pipeline over a diffusers model package
//! with live previews ([`pipeline`]; sharper ones from the TAEHV decoders, [`taehv`]), the
//! device and precision choice ([`device`]; which GPU, compiler and tensor cores:
//! [`adapter`]), f32 islands inside an f16 forward ([`precision`]), attention that never holds
//! the whole score matrix ([`attention`]), the memory plan of a generation ([`plan`]) and the
//! checking tool's components ([`check`]).

pub mod activation;
pub mod adapter;
pub mod attention;
pub mod check;
pub mod device;
pub mod expected;
pub mod kernel_cache;
pub mod noise;
pub mod pipeline;
pub mod plan;
pub mod precision;
pub mod scheduler;
pub mod t5;
pub mod taehv;
pub mod tensor_io;
pub mod wan;
pub mod weights;
