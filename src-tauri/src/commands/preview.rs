//! The live preview: one warped frame at a time, as raw RGBA bytes (never JSON numbers).

use std::path::Path;
use std::sync::Arc;

use image::imageops::FilterType;
use serde::Deserialize;
use studio::motion::Motion;
use studio::picture::load_picture;
use studio::project::store;
use studio::warp::Warper;
use tauri::ipc::Response;
use tauri::State;
use ts_rs::TS;

use super::ui_error;
use crate::state::{AppState, PreviewCache, PreviewPicture};

#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PreviewRequest {
    /// The picture, relative to the project folder.
    pub asset: String,
    pub motion: Motion,
    /// Shot time, 0..1.
    pub t: f32,
    /// The frame fits inside these bounds, keeping the picture's aspect.
    pub max_width: u32,
    pub max_height: u32,
}

/// The picture scaled to fit `bounds`, decoded once per picture and size.
fn preview_picture(
    state: &AppState,
    path: &Path,
    bounds: (u32, u32),
) -> Result<Arc<image::RgbImage>, String> {
    let mut cache = state.preview_picture.lock().map_err(ui_error)?;
    if let Some(c) = cache.as_ref() {
        if c.path == *path && c.bounds == bounds {
            return Ok(c.image.clone());
        }
    }
    let full = load_picture(path).map_err(ui_error)?;
    let scale = (bounds.0 as f32 / full.width() as f32)
        .min(bounds.1 as f32 / full.height() as f32)
        .min(1.0);
    let w = ((full.width() as f32 * scale).round() as u32).max(1);
    let h = ((full.height() as f32 * scale).round() as u32).max(1);
    let img = Arc::new(if scale < 1.0 {
        image::imageops::resize(&full, w, h, FilterType::Triangle)
    } else {
        full
    });
    *cache = Some(PreviewPicture {
        path: path.to_owned(),
        bounds,
        image: img.clone(),
    });
    Ok(img)
}

fn warper_for(state: &AppState, req: &PreviewRequest) -> Result<Arc<Warper>, String> {
    let dir = state.folder()?.dir;
    let path = store::asset_path(&dir, &req.asset).map_err(ui_error)?;
    let bounds = (
        req.max_width.clamp(16, 4096),
        req.max_height.clamp(16, 4096),
    );
    req.motion.validate().map_err(ui_error)?;
    let mut cache = state.preview.lock().map_err(ui_error)?;
    if let Some(c) = cache.as_ref() {
        if c.asset == path && c.bounds == bounds && c.motion == req.motion {
            return Ok(c.warper.clone());
        }
    }
    let picture = preview_picture(state, &path, bounds)?;
    let warper = Arc::new(Warper::new((*picture).clone(), &req.motion));
    *cache = Some(PreviewCache {
        asset: path,
        bounds,
        motion: req.motion.clone(),
        warper: warper.clone(),
    });
    Ok(warper)
}

/// Width and height as little-endian u32, then width x height x 4 RGBA bytes.
#[tauri::command]
pub async fn preview_frame(
    state: State<'_, AppState>,
    request: PreviewRequest,
) -> Result<Response, String> {
    let warper = warper_for(&state, &request)?;
    let t = request.t.clamp(0.0, 1.0);
    let bytes = tauri::async_runtime::spawn_blocking(move || {
        let frame = warper.render(t);
        let (w, h) = frame.dimensions();
        let mut bytes = Vec::with_capacity(8 + (w * h * 4) as usize);
        bytes.extend_from_slice(&w.to_le_bytes());
        bytes.extend_from_slice(&h.to_le_bytes());
        for px in frame.pixels() {
            bytes.extend_from_slice(&[px[0], px[1], px[2], 255]);
        }
        bytes
    })
    .await
    .map_err(ui_error)?;
    Ok(Response::new(bytes))
}
