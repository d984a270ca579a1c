//! Script to storyboard: the parsing and the shot-size rule live in `studio::script`; these
//! commands only carry text in and shots out.

use studio::project::Project;
use studio::script::{parse_script, storyboard_from_script, ScriptBeat, ScriptShots};

use super::ui_error;

/// The beats a script would make, for the dialog's live preview (nothing changes).
#[tauri::command]
pub fn plan_script(text: String) -> Result<Vec<ScriptBeat>, String> {
    parse_script(&text).map_err(ui_error)
}

/// The storyboard once the script is added to `project`: the UI puts these shots in place as
/// one undoable edit.
#[tauri::command]
pub fn script_to_shots(project: Project, text: String) -> Result<ScriptShots, String> {
    storyboard_from_script(&project, &text).map_err(ui_error)
}
