//! Motionboard's core, without a window: projects, motion, the warp engine, rendering and
//! MP4 export. The desktop app (src-tauri) and the `motionboard` CLI are thin layers over it.

pub mod audio;
pub mod disk;
pub mod export;
pub mod generate;
pub mod heap;
pub mod model_store;
pub mod motion;
pub mod picture;
pub mod project;
pub mod render;
pub mod script;
pub mod sequence;
pub mod ui_constants;
pub mod warp;
