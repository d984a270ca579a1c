fn main() {
    // tauri.conf.json sits at the workspace root (see DESIGN.md); its paths are relative to it.
    let attributes = tauri_build::Attributes::new().config_path("../tauri.conf.json");
    if let Err(err) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {err:#}");
    }
}
