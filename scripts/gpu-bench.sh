#!/usr/bin/env bash
# One prepared GPU measurement: burn (WGSL and SPIR-V builds) against PyTorch (diffusers, SDPA)
# on the same card, with random weights, printing every pair as a ratio.
#
#   scripts/gpu-bench.sh pack DIR      on a build machine with network: release binaries (WGSL
#                                      and SPIR-V), the Vulkan loader and the Python packages a
#                                      bare GPU machine lacks, into DIR (checked < 64 MiB)
#   scripts/gpu-bench.sh run [DIR]     on a Linux x86-64 machine with an NVIDIA GPU, a Vulkan
#                                      driver and PyTorch, offline: everything below, < 8 min
#   scripts/gpu-bench.sh dry-run       the same steps on the CPU (flex, PyTorch on the CPU) at
#                                      a tiny shape, with the debug binary: what CI runs
#
# The run (each measurement has its own time limit and a failure does not stop the others):
#   Wan2.1-1.3B DiT, one CFG step at 480x832x81: WGSL, SPIR-V, PyTorch bf16 (time and peak)
#   Wan2.1 VAE decode of 81 frames at 480x832, umT5-XXL encode (prompt + negative, 512 tokens)
#   a FastWan-shaped generation: umT5 + 3 single-pass DiT steps + VAE decode (from the figures)
#   Wan2.2-TI2V-5B DiT, one CFG step at 704x1280x121: WGSL, SPIR-V, PyTorch
# Environment: MOTIONBOARD_BENCH (a motionboard-bench binary, dry-run), MOTIONBOARD_BENCH_PYTHON
# (a Python with torch; default: python3 if it imports torch), GPU_BENCH_LIMIT (seconds per
# measurement, default 100).
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:-}"

die() { echo "gpu-bench: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
pack() {
  local out="${1:?pack needs a folder}"
  mkdir -p "$out/bin" "$out/lib" "$out/wheels" "$out/scripts"
  local target="${CARGO_TARGET_DIR:-$here/target}"
  # Two release builds in their own target folders, so neither rebuilds the other's burn.
  for build in wgsl spirv; do
    local features="gpu-tuned"
    [ "$build" = spirv ] && features="gpu-tuned,spirv"
    CARGO_TARGET_DIR="$target/gpu-bench-$build" cargo build --release -p motionboard-models \
      --bin motionboard-bench --features "$features" || die "release build ($build) failed"
    strip -o "$out/bin/motionboard-bench-$build" \
      "$target/gpu-bench-$build/release/motionboard-bench"
    xz -9 -f "$out/bin/motionboard-bench-$build"
  done
  # The Vulkan loader (the NVIDIA driver brings its own ICD, not always the loader).
  (cd "$out/lib" && apt-get download libvulkan1 && dpkg-deb -x libvulkan1_*.deb root \
    && cp -L root/usr/lib/x86_64-linux-gnu/libvulkan.so.1 . && rm -rf root libvulkan1_*.deb) \
    || die "could not fetch libvulkan1"
  # What a PyTorch machine usually lacks for diffusers' Wan models (pure Python or abi3).
  python3 -m pip download --no-deps --only-binary=:all: --dest "$out/wheels" \
    --platform manylinux2014_x86_64 --python-version 3.10 --implementation cp \
    diffusers transformers huggingface_hub safetensors tokenizers \
    || die "could not download the Python wheels"
  cp "$here/models/scripts/bench_torch.py" "$here/models/scripts/gpu_bench_report.py" \
    "$out/scripts/"
  cp "$0" "$out/gpu-bench.sh"
  local bytes
  bytes=$(du -sb "$out" | cut -f1)
  echo "packed $out: $((bytes / 1024 / 1024)) MiB"
  [ "$bytes" -lt $((64 * 1024 * 1024)) ] || die "the bundle is over 64 MiB"
}

# ---------------------------------------------------------------------------------------------
# Where the Python side and the torch Python are.
python_for_torch() {
  if [ -n "${MOTIONBOARD_BENCH_PYTHON:-}" ]; then
    echo "$MOTIONBOARD_BENCH_PYTHON"
  elif command -v python3 >/dev/null && python3 -c "import torch" 2>/dev/null; then
    echo python3
  fi
}

# measure LABEL COMMAND...: one measurement within what is left of the budget, its output kept
# in $log/LABEL.txt for the report.
measure() {
  local label="$1"
  shift
  local left=$((budget - SECONDS))
  local limit=$((left < per_limit ? left : per_limit))
  if [ "$limit" -lt 20 ]; then
    echo "== $label: skipped, the run's ${budget} s are spent"
    return
  fi
  echo "== $label: $*"
  local started=$SECONDS rc=0
  timeout "$limit" "$@" >"$log/$label.txt" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    grep -E "^(burn|torch|\{)" "$log/$label.txt" | sed 's/^/   /'
    echo "   ($((SECONDS - started)) s)"
  else
    tail -n 3 "$log/$label.txt" | sed 's/^/   /'
    [ "$rc" -eq 124 ] && echo "   FAILED: over its ${limit} s limit" || echo "   FAILED (exit $rc)"
  fi
}

run() {
  local bundle="${1:-}" dry="${2:-}"
  log="$(mktemp -d)"
  budget="${GPU_BENCH_BUDGET:-420}"
  per_limit="${GPU_BENCH_LIMIT:-100}"
  SECONDS=0
  local py scripts wgsl spirv device dtype
  py="$(python_for_torch)"
  if [ -n "$dry" ]; then
    wgsl="${MOTIONBOARD_BENCH:-${CARGO_TARGET_DIR:-$here/target}/debug/motionboard-bench}"
    [ -x "$wgsl" ] || die "no motionboard-bench at $wgsl (cargo build -p motionboard-models --bins)"
    spirv=""
    scripts="$here/models/scripts"
    device=flex
    dtype=f32
  else
    [ -n "$bundle" ] || bundle="$(cd "$(dirname "$0")" && pwd)"
    scripts="$bundle/scripts"
    for build in wgsl spirv; do
      xz -dkc "$bundle/bin/motionboard-bench-$build.xz" >"$log/motionboard-bench-$build"
      chmod +x "$log/motionboard-bench-$build"
    done
    wgsl="$log/motionboard-bench-wgsl"
    spirv="$log/motionboard-bench-spirv"
    device=wgpu
    dtype=bf16
    export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    # Containers often have the NVIDIA driver's Vulkan library without its ICD file.
    if ! ls /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
      >/dev/null 2>&1; then
      local glx
      glx="$(ldconfig -p | awk '/libGLX_nvidia.so.0/ {print $NF; exit}')"
      if [ -n "$glx" ]; then
        printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3"}}\n' \
          "$glx" >"$log/nvidia_icd.json"
        export VK_ICD_FILENAMES="$log/nvidia_icd.json"
      fi
    fi
    # The Python packages the machine lacks, from the carried wheels, into a private folder.
    if [ -n "$py" ]; then
      local missing=()
      for module in diffusers transformers huggingface_hub safetensors tokenizers; do
        "$py" -c "import $module" 2>/dev/null || missing+=("$module")
      done
      if [ ${#missing[@]} -gt 0 ]; then
        "$py" -m pip install --quiet --no-index --no-deps --find-links "$bundle/wheels" \
          --target "$log/site" "${missing[@]}" || echo "could not install ${missing[*]}"
        export PYTHONPATH="$log/site${PYTHONPATH:+:$PYTHONPATH}"
      fi
    fi
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total \
      --format=csv,noheader
  fi
  local torch=""
  if [ -n "$py" ] && "$py" -c "import torch, diffusers, transformers" 2>/dev/null; then
    torch="$py"
  else
    echo "(no Python with torch, diffusers and transformers: burn's figures only)"
  fi
  local tdev=cpu
  [ "$device" = wgpu ] && tdev=cuda

  # Shapes: the real ones, or tiny ones on the CPU. One timed repeat after the warm-up.
  local s13 s5
  if [ -n "$dry" ]; then
    s13=(--frames 5 --height 32 --width 32 --repeats 1)
    s5=(--frames 5 --height 64 --width 64 --repeats 1)
  else
    s13=(--frames 81 --height 480 --width 832 --repeats 1)
    s5=(--frames 121 --height 704 --width 1280 --repeats 1)
  fi
  local on=(--device "$device" --precision auto)
  local pt=(--device "$tdev" --dtype "$dtype")

  # Most important first: whatever the budget cuts is at the end.
  if [ -n "$dry" ]; then
    # The DiT and umT5 are billions of random weights even at a tiny shape: the dry run
    # times the VAE, which exercises the same steps and the report.
    measure vae-wgsl "$wgsl" vae --model wan2.1 "${s13[@]}" "${on[@]}"
    [ -n "$torch" ] && measure torch-vae "$torch" "$scripts/bench_torch.py" vae \
      --model wan2.1 "${s13[@]}" "${pt[@]}"
  else
    measure dit13-wgsl "$wgsl" dit --model wan2.1-1.3b "${s13[@]}" "${on[@]}"
    measure dit13-spirv "$spirv" dit --model wan2.1-1.3b "${s13[@]}" "${on[@]}"
    [ -n "$torch" ] && measure torch-dit13 "$torch" "$scripts/bench_torch.py" dit \
      --model wan2.1-1.3b "${s13[@]}" "${pt[@]}"
    measure vae-spirv "$spirv" vae --model wan2.1 "${s13[@]}" "${on[@]}"
    [ -n "$torch" ] && measure torch-vae "$torch" "$scripts/bench_torch.py" vae \
      --model wan2.1 "${s13[@]}" "${pt[@]}"
    measure generation-spirv "$spirv" generation --model wan2.1-1.3b --steps 3 "${s13[@]}" \
      "${on[@]}"
    [ -n "$torch" ] && measure torch-t5 "$torch" "$scripts/bench_torch.py" t5 \
      --model umt5-xxl "${s13[@]}" "${pt[@]}"
    measure dit5-spirv "$spirv" dit --model wan2.2-5b "${s5[@]}" "${on[@]}"
    [ -n "$torch" ] && measure torch-dit5 "$torch" "$scripts/bench_torch.py" dit \
      --model wan2.2-5b "${s5[@]}" "${pt[@]}"
    measure dit5-wgsl "$wgsl" dit --model wan2.2-5b "${s5[@]}" "${on[@]}"
    measure vae-wgsl "$wgsl" vae --model wan2.1 "${s13[@]}" "${on[@]}"
  fi

  echo "== pairs ($SECONDS s in all)"
  python3 "$scripts/gpu_bench_report.py" "$log" --frames "${s13[1]}" \
    || echo "(no report: python3 is missing or failed)"
  rm -rf "$log"
}

case "$mode" in
  pack) shift; pack "$@" ;;
  run) shift; run "${1:-}" ;;
  dry-run) run "" dry ;;
  *) sed -n '2,22p' "$0"; exit 2 ;;
esac
