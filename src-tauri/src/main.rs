//! The Motionboard desktop app: one window over the studio core. This crate holds only Tauri
//! commands, events and menus; everything a command does lives in `studio`.

// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod dialogs;
mod generate_queue;
mod menu;
mod playback;
mod session;
mod state;

use tauri::Manager;

fn main() {
    // WebKitGTK's DMA-BUF renderer falls back to a slow path without a GPU that shares
    // buffers (Xvfb, VMs, some NVIDIA drivers): measured here under Xvfb, the preview loop ran
    // at 12 fps with it and 33 fps without. Respect a value the user set.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(state::AppState::default())
        .manage(playback::TimelineState::default())
        .manage(generate_queue::app_queue())
        .manage(commands::models::ModelsState::default())
        .menu(|app| {
            menu::build(
                app,
                menu::Language::from_locale(&commands::app::system_locale()),
            )
        })
        .on_menu_event(menu::forward_to_ui)
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::engine::engine_device,
            commands::app::set_menu_language,
            commands::project::new_project,
            commands::project::restore_session,
            commands::project::open_project,
            commands::project::save_project,
            commands::project::save_project_as,
            commands::project::autosave,
            commands::project::import_image,
            commands::subjects::import_subject_images,
            commands::script::plan_script,
            commands::script::script_to_shots,
            commands::preview::preview_frame,
            commands::export::export_video,
            commands::export::cancel_export,
            commands::export::show_export,
            commands::audio::import_audio,
            commands::audio::audio_peaks,
            commands::audio::detect_beats,
            commands::sequence::sequence_frame,
            commands::sequence::snap_cuts,
            commands::playback::playback_start,
            commands::playback::playback_stop,
            commands::playback::playback_position,
            commands::generate::generate_shots,
            commands::generate::cancel_generation,
            commands::generate::shot_generation_status,
            commands::generate::generated_frame,
            commands::generate::discard_generated_clip,
            commands::generate::shot_clip_states,
            commands::models::list_models,
            commands::models::download_model,
            commands::models::cancel_download,
            commands::models::import_model,
            commands::models::set_comfyui_folder,
            commands::models::set_download_mirror,
            commands::models::memory_estimate,
            dialogs::pick_model_file,
            dialogs::pick_models_folder,
            dialogs::pick_image,
            dialogs::pick_images,
            dialogs::pick_audio,
            dialogs::pick_project_folder,
            dialogs::pick_export_path,
        ])
        .setup(|app| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.set_title("Motionboard");
            }
            Ok(())
        })
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(err) = result {
        eprintln!("Motionboard could not start: {err}");
        std::process::exit(1);
    }
}
