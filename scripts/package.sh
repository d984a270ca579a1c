#!/usr/bin/env bash
# Builds Motionboard's Linux package from a clean checkout: the UI, the app and the
# `motionboard` CLI in release mode, laid out as a Debian package (.deb) in target/package/.
#
#   scripts/package.sh            release build (the first one takes ~20 min: burn, wgpu, ...)
#   scripts/package.sh --debug    the debug build the tests use (for checking the packaging)
#
# The .deb installs /usr/bin/motionboard-app (the window) and /usr/bin/motionboard (the CLI),
# a desktop entry and the icons; apt pulls in WebKitGTK, GTK and ALSA. An AppImage needs
# appimagetool (or linuxdeploy) and its runtime, which are only published on GitHub; when
# `appimagetool` is on PATH the script also makes one, otherwise it says so and skips it.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
cargo_flags=(--release --features motionboard-app/gpu-tuned)
if [ "${1:-}" = "--debug" ]; then
  profile=debug
  cargo_flags=()
fi

[ -d ui/node_modules ] || npm --prefix ui ci
npm --prefix ui run build
# The whole workspace's binaries. The release package has the tuned GPU kernels (autotune,
# fusion); the debug one the test build's feature set, so no dependency is compiled twice.
cargo build "${cargo_flags[@]}" --workspace --bins

target="$(cargo metadata --format-version 1 --no-deps |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
version="$(node -p 'require("./tauri.conf.json").version')"
arch="$(dpkg --print-architecture)"
out="$target/package"
root="$out/motionboard_${version}_${arch}"
rm -rf "$root"
mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/applications"

install -m 755 "$target/$profile/motionboard-app" "$root/usr/bin/motionboard-app"
install -m 755 "$target/$profile/motionboard" "$root/usr/bin/motionboard"
for icon in 32x32:32x32.png 128x128:128x128.png 512x512:icon.png; do
  dir="$root/usr/share/icons/hicolor/${icon%%:*}/apps"
  mkdir -p "$dir"
  install -m 644 "icons/${icon#*:}" "$dir/motionboard.png"
done
cat > "$root/usr/share/applications/motionboard.desktop" <<DESKTOP
[Desktop Entry]
Type=Application
Name=Motionboard
Comment=Local AI video studio: draw motion paths, render, export
Exec=motionboard-app
Icon=motionboard
Categories=AudioVideo;Video;
Terminal=false
DESKTOP
cat > "$root/DEBIAN/control" <<CONTROL
Package: motionboard
Version: $version
Architecture: $arch
Maintainer: Motionboard <motionboard@localhost>
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Depends: libwebkit2gtk-4.1-0, libgtk-3-0, libasound2 | libasound2t64
Section: video
Priority: optional
Description: Local AI video studio
 Draw motion paths on a photo, preview them at once, render them with a video
 diffusion model on your own GPU, and export MP4s for TikTok, Reels, Shorts and X.
CONTROL
deb="$out/motionboard_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
echo "wrote $deb"

if command -v appimagetool >/dev/null; then
  appdir="$out/Motionboard.AppDir"
  rm -rf "$appdir"
  cp -r "$root" "$appdir"
  rm -rf "$appdir/DEBIAN"
  ln -s usr/bin/motionboard-app "$appdir/AppRun"
  cp "$root/usr/share/applications/motionboard.desktop" "$appdir/"
  cp icons/128x128.png "$appdir/motionboard.png"
  appimagetool "$appdir" "$out/Motionboard-$version-$arch.AppImage"
  echo "wrote $out/Motionboard-$version-$arch.AppImage"
else
  echo "no AppImage: appimagetool is not installed (it is published only on GitHub); the .deb is complete"
fi
