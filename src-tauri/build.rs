fn main() {
    // The built UI is embedded in the binary: rebuild the app whenever it changes.
    println!("cargo:rerun-if-changed=../ui/dist");
    // tauri.conf.json sits at the workspace root (see DESIGN.md); its paths are relative to it.
    let attributes = tauri_build::Attributes::new().config_path("../tauri.conf.json");
    if let Err(err) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {err:#}");
    }
}
