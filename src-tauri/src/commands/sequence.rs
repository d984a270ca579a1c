//! The sequence on the timeline: any frame of the whole sequence for the preview (rendered
//! by the same `SequenceRenderer` as the export, transitions included, at the size the
//! stage shows), and "snap cuts to beats".

use serde::{Deserialize, Serialize};
use studio::project::Project;
use studio::sequence::{snap_to_beats, SequenceRenderer, Timing};
use tauri::ipc::Response;
use tauri::State;
use ts_rs::TS;

use super::ui_error;
use crate::playback::{PreviewRenderer, TimelineState};
use crate::state::AppState;

/// The largest preview frame side the backend renders, whatever the UI asks.
const MAX_SIDE: u32 = 1920;

#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SequenceFrameRequest {
    /// The project as the creator sees it now (it may have unsaved edits).
    pub project: Project,
    /// The playhead, in seconds on the sequence.
    pub seconds: f64,
    /// The frame fits inside these bounds, keeping the export's aspect.
    pub max_width: u32,
    pub max_height: u32,
}

/// The frame of the sequence at `seconds` as raw bytes: width and height as little-endian
/// u32, then width x height x 4 RGBA bytes (the same layout as `preview_frame`).
#[tauri::command]
pub async fn sequence_frame(
    state: State<'_, AppState>,
    timeline: State<'_, TimelineState>,
    request: SequenceFrameRequest,
) -> Result<Response, String> {
    let dir = state.folder()?.dir;
    let cache = timeline.preview.clone();
    let bounds = (
        request.max_width.clamp(16, MAX_SIDE),
        request.max_height.clamp(16, MAX_SIDE),
    );
    let bytes = tauri::async_runtime::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let project = request.project;
        // What the frames depend on; anything else in the project (sound, names) is not.
        let key = serde_json::to_string(&(&dir, &project.shots, &project.export, bounds))
            .map_err(ui_error)?;
        let mut cached = cache.lock().map_err(ui_error)?;
        if cached.as_ref().is_none_or(|c| c.key != key) {
            // Drop the old renderer first: its pictures need not sit beside the new ones.
            *cached = None;
            let renderer = SequenceRenderer::new(&dir, &project, project.export)
                .map_err(ui_error)?
                .fit_within(bounds.0, bounds.1);
            *cached = Some(PreviewRenderer { key, renderer });
        }
        let Some(preview) = cached.as_mut() else {
            return Err("internal error: no preview renderer".to_string());
        };
        let r = &mut preview.renderer;
        let fps = r.spec().fps as f64;
        let last = r.frame_count().saturating_sub(1);
        let frame = if request.seconds.is_finite() {
            ((request.seconds.max(0.0) * fps).floor() as u32).min(last)
        } else {
            0
        };
        let mut out = image::RgbImage::new(1, 1);
        r.render_frame(frame, &mut out).map_err(ui_error)?;
        let (w, h) = out.dimensions();
        let mut bytes = Vec::with_capacity(8 + (w * h * 4) as usize);
        bytes.extend_from_slice(&w.to_le_bytes());
        bytes.extend_from_slice(&h.to_le_bytes());
        for px in out.pixels() {
            bytes.extend_from_slice(&[px[0], px[1], px[2], 255]);
        }
        Ok(bytes)
    })
    .await
    .map_err(ui_error)??;
    Ok(Response::new(bytes))
}

#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SnapRequest {
    pub project: Project,
    /// Beat times in seconds on the sequence, ascending.
    pub beats: Vec<f64>,
}

#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct SnapResult {
    /// Every shot's new duration, in order.
    pub seconds: Vec<f32>,
    /// The cut times after snapping, in seconds (one per join).
    pub cuts: Vec<f64>,
    /// How many cuts landed on a beat (the others had none in reach and kept their length).
    pub snapped: u32,
}

/// Shot durations that put every cut of `project` on one of `beats`, as `motionboard snap`
/// computes them; the UI applies them as one undoable edit.
#[tauri::command]
pub fn snap_cuts(request: SnapRequest) -> Result<SnapResult, String> {
    let mut project = request.project;
    if project.shots.len() < 2 {
        return Err("snapping moves the cuts between shots: add a second shot first".to_string());
    }
    let mut beats: Vec<f64> = request
        .beats
        .into_iter()
        .filter(|b| b.is_finite())
        .collect();
    beats.sort_by(f64::total_cmp);
    if beats.is_empty() {
        return Err("no beats to snap to: detect the beats of a music clip first".to_string());
    }
    let fps = project.export.fps();
    let report = snap_to_beats(&mut project.shots, &beats, fps);
    Ok(SnapResult {
        seconds: project.shots.iter().map(|s| s.seconds).collect(),
        cuts: Timing::new(&project.shots, fps).cut_times(),
        snapped: report.iter().filter(|c| c.beat.is_some()).count() as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio::project::Shot;

    fn project(seconds: &[f32]) -> Project {
        let mut p = Project::empty("t");
        for (i, &s) in seconds.iter().enumerate() {
            let mut shot = Shot::new(format!("s{i}"), format!("S{i}"));
            shot.seconds = s;
            p.shots.push(shot);
        }
        p
    }

    #[test]
    fn snapping_puts_each_cut_on_the_nearest_beat() {
        let beats: Vec<f64> = (0..24).map(|k| k as f64 * 0.5).collect();
        let r = snap_cuts(SnapRequest {
            project: project(&[1.7, 2.2, 2.0]),
            beats,
        })
        .unwrap();
        assert_eq!(r.seconds, vec![1.5, 2.0, 2.0]);
        assert_eq!(r.cuts, vec![1.5, 3.5]);
        assert_eq!(r.snapped, 2);
    }

    #[test]
    fn snapping_needs_two_shots_and_beats() {
        let one = snap_cuts(SnapRequest {
            project: project(&[3.0]),
            beats: vec![1.0],
        });
        assert!(one.unwrap_err().contains("second shot"));
        let none = snap_cuts(SnapRequest {
            project: project(&[3.0, 2.0]),
            beats: vec![f64::NAN],
        });
        assert!(none.unwrap_err().contains("detect the beats"));
    }
}
