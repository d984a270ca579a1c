#!/usr/bin/env bash
# Installs what is missing, builds the UI and the app, and starts Motionboard: a release build
# with the tuned GPU kernels (autotune, fusion; tuning results kept in the app's cache folder).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
npm --prefix ui run build
exec cargo run --release -p motionboard-app --features gpu-tuned "$@"
