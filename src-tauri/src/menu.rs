//! The native menu. Items only forward their id to the UI as a "menu" event, so a menu choice
//! and the matching toolbar button or shortcut run the same code. Shortcuts are handled by the
//! UI, not registered as menu accelerators, so a key press never triggers an action twice.

use tauri::menu::{Menu, MenuBuilder, MenuEvent, SubmenuBuilder};
use tauri::{AppHandle, Emitter, Runtime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    SimplifiedChinese,
}

impl Language {
    /// "zh-CN", "zh_CN.UTF-8", "zh-Hans" -> Simplified Chinese; anything else -> English.
    pub fn from_locale(locale: &str) -> Self {
        let l = locale.to_ascii_lowercase().replace('_', "-");
        if l.starts_with("zh") && !l.contains("tw") && !l.contains("hk") && !l.contains("hant") {
            Language::SimplifiedChinese
        } else {
            Language::English
        }
    }
}

/// (id, English, Simplified Chinese) for each item; "-" is a separator.
const FILE: &[(&str, &str, &str)] = &[
    ("new", "New Project\tCtrl+N", "新建项目\tCtrl+N"),
    ("open", "Open Project…\tCtrl+O", "打开项目…\tCtrl+O"),
    ("-", "", ""),
    ("save", "Save\tCtrl+S", "保存\tCtrl+S"),
    ("save-as", "Save As…\tCtrl+Shift+S", "另存为…\tCtrl+Shift+S"),
    ("-", "", ""),
    ("import", "Import Picture…\tI", "导入图片…\tI"),
    ("export", "Export Video…\tCtrl+E", "导出视频…\tCtrl+E"),
];
const EDIT: &[(&str, &str, &str)] = &[
    ("undo", "Undo\tCtrl+Z", "撤销\tCtrl+Z"),
    ("redo", "Redo\tCtrl+Shift+Z", "重做\tCtrl+Shift+Z"),
];

pub fn build<R: Runtime>(app: &AppHandle<R>, lang: Language) -> tauri::Result<Menu<R>> {
    let pick = |en: &'static str, zh: &'static str| match lang {
        Language::English => en,
        Language::SimplifiedChinese => zh,
    };
    let submenu = |title: &str, items: &[(&str, &'static str, &'static str)]| {
        let mut sub = SubmenuBuilder::new(app, title);
        for &(id, en, zh) in items {
            sub = if id == "-" {
                sub.separator()
            } else {
                sub.text(id, pick(en, zh))
            };
        }
        sub
    };
    let file = submenu(pick("File", "文件"), FILE)
        .separator()
        .quit_with_text(pick("Quit", "退出"))
        .build()?;
    let edit = submenu(pick("Edit", "编辑"), EDIT).build()?;
    MenuBuilder::new(app).items(&[&file, &edit]).build()
}

pub fn forward_to_ui<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    let _ = app.emit("menu", event.id().0.as_str());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_map_to_languages() {
        assert_eq!(Language::from_locale("zh-CN"), Language::SimplifiedChinese);
        assert_eq!(
            Language::from_locale("zh_CN.UTF-8"),
            Language::SimplifiedChinese
        );
        assert_eq!(Language::from_locale("zh-TW"), Language::English);
        assert_eq!(Language::from_locale("en-US"), Language::English);
        assert_eq!(Language::from_locale("de"), Language::English);
    }
}
