#!/usr/bin/env bash
# Installs what Motionboard needs on Debian/Ubuntu and is not there yet.
#   scripts/setup.sh        what the app needs to build and run
#   scripts/setup.sh test   plus what the tests need (ffmpeg, Xvfb, WebKit's WebDriver, tauri-driver)
set -euo pipefail
cd "$(dirname "$0")/.."

# libasound2-dev: ALSA, under cpal/rodio's sound output (it brings the libasound2 runtime).
want=(build-essential pkg-config curl file libwebkit2gtk-4.1-dev libssl-dev
      libayatana-appindicator3-dev librsvg2-dev libxdo-dev libasound2-dev nodejs npm
      libvulkan1)
if [ "${1:-}" = test ]; then
  # mesa-vulkan-drivers: lavapipe, a CPU Vulkan driver, so the engine's wgpu path is tested
  # without a GPU.
  want+=(ffmpeg xvfb xauth webkit2gtk-driver mesa-vulkan-drivers)
fi

# Node and npm may come from elsewhere (nvm, nodesource): only ask apt when they are absent.
missing=()
for pkg in "${want[@]}"; do
  case "$pkg" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  echo "Rust is missing: install it from https://rustup.rs and run this again" >&2
  exit 1
fi

if [ "${1:-}" = test ] && ! command -v tauri-driver >/dev/null; then
  cargo install tauri-driver --locked
fi

# The UI's packages, exactly as locked.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  npm --prefix ui ci --no-audit --no-fund
fi
