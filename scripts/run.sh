#!/usr/bin/env bash
# Installs what is missing, builds the UI and the app, and starts Motionboard.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
npm --prefix ui run build
exec cargo run -p motionboard-app "$@"
