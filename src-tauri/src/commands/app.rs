//! About the app: version, locale, the native menu's language.

use serde::Serialize;
use ts_rs::TS;

use crate::menu::{self, Language};

#[derive(Serialize, TS)]
#[ts(export)]
pub struct AppInfo {
    /// The system locale as BCP 47, e.g. "zh-CN" or "en-US".
    pub locale: String,
    pub version: String,
}

/// The system locale; `MOTIONBOARD_LOCALE` overrides it (tests, and creators who want the
/// other language without changing the system).
pub fn system_locale() -> String {
    std::env::var("MOTIONBOARD_LOCALE")
        .ok()
        .or_else(sys_locale::get_locale)
        .unwrap_or_else(|| "en-US".to_string())
}

#[tauri::command]
pub fn app_info() -> AppInfo {
    AppInfo {
        locale: system_locale(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    }
}

#[tauri::command]
pub fn set_menu_language(app: tauri::AppHandle, lang: String) -> Result<(), String> {
    let menu = menu::build(&app, Language::from_locale(&lang)).map_err(super::ui_error)?;
    app.set_menu(menu).map_err(super::ui_error)?;
    Ok(())
}
