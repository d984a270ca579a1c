//! MP4 export: platform presets, reframing, H.264 encoding (openh264) and muxing (muxide).

pub mod preset;

pub use preset::{Fit, Preset, PRESET_FPS};
