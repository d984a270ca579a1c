#!/usr/bin/env bash
# Installs what is missing and runs every test: the UI's checks and unit tests, formatting and
# lints, the Rust unit and end-to-end tests (CLI + ffprobe), and the real app under Xvfb
# driven through WebDriver. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test

# A desktop session sets XDG_RUNTIME_DIR; CI shells and containers often do not, and the
# Vulkan loader's window-system probes then print an error per device opened. A private one:
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "$XDG_RUNTIME_DIR" ]; then
  XDG_RUNTIME_DIR="$(mktemp -d)"
  chmod 700 "$XDG_RUNTIME_DIR"
  export XDG_RUNTIME_DIR
fi

echo "== UI: type check, lint, unit tests, build"
npm --prefix ui run check
npm --prefix ui run lint
npm --prefix ui test
npm --prefix ui run build

echo "== Rust: format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

echo "== Rust: unit and end-to-end tests"
# The CLI tests run the built `motionboard` binary, and the app tests the built app.
cargo build --workspace --bins
cargo test --workspace

target_dir="$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"

echo "== Fuzzing: every parser of a file a user or a download hands us, a fixed number of mutants"
# Deterministic (fixed seed and count, ~4 min on two cores); README's Fuzzing says how to run longer.
"$target_dir/debug/motionboard-fuzz" all --executions 5000 --seed 1

echo "== The app under Xvfb, driven by tauri-driver + WebKitWebDriver"
app="$target_dir/debug/motionboard-app"
MOTIONBOARD_APP="$app" xvfb-run -a -s "-screen 0 1600x1000x24" node tests/app/e2e.mjs

echo "== The .deb: built from the debug build, unpacked into a temporary root, started to ready"
scripts/package.sh --debug
deb="$(ls "$(dirname "$(dirname "$app")")"/package/motionboard_*.deb | head -n 1)"
MOTIONBOARD_DEB="$deb" xvfb-run -a -s "-screen 0 1600x1000x24" node tests/app/package.mjs

echo "All tests passed."
