#!/usr/bin/env python3
"""The pairs of scripts/gpu-bench.sh as ratios, from the outputs it kept in one folder.

Each `<label>.txt` there is one measurement: `motionboard-bench` output (lines "burn: 1.234 s
per step (2 forwards), peak 5678 MiB", or for `generation` "burn: text T s + denoise D s +
decode V s = ...") or one JSON line from bench_torch.py ({"seconds": .., "peak_bytes": ..}).
A missing or failed measurement leaves its pairs out, said so.

    python3 gpu_bench_report.py LOG_FOLDER --frames 81
"""

import argparse
import json
import pathlib
import re

MIB = 1024 * 1024


def burn(folder, label):
    """(seconds, peak bytes or None) of a motionboard-bench dit/vae run, or None."""
    path = folder / f"{label}.txt"
    if not path.exists():
        return None
    m = re.search(r"^burn:\s+([0-9.]+) s per [^,]*, peak (\d+|n/a)", path.read_text(), re.M)
    if not m:
        return None
    peak = None if m.group(2) == "n/a" else int(m.group(2)) * MIB
    return float(m.group(1)), peak


def generation(folder, label):
    """(text, denoise, decode) seconds of a motionboard-bench generation run, or None."""
    path = folder / f"{label}.txt"
    if not path.exists():
        return None
    m = re.search(
        r"^burn: text ([0-9.]+) s \+ denoise ([0-9.]+) s \+ decode ([0-9.]+) s", path.read_text(), re.M
    )
    return tuple(float(g) for g in m.groups()) if m else None


def torch(folder, label):
    """(seconds, peak bytes) of a bench_torch.py run, or None."""
    path = folder / f"{label}.txt"
    if not path.exists():
        return None
    for line in reversed(path.read_text().splitlines()):
        if line.startswith("{"):
            data = json.loads(line)
            return data["seconds"], data.get("peak_bytes")
    return None


def ratio(what, ours, theirs, our_name="burn", their_name="torch"):
    """One pair: both figures and their ratio, or why there is none."""
    if ours is None and theirs is None:
        return None
    if ours is None or theirs is None:
        missing = our_name if ours is None else their_name
        print(f"{what}: no ratio ({missing} not measured or failed)")
        return None
    (a, pa), (b, pb) = ours, theirs
    memory = f"{pa / pb:.2f}x" if pa and pb else "n/a"
    print(
        f"{what}: {our_name} {a:.3f} s, {their_name} {b:.3f} s: "
        f"{our_name} / {their_name} time {a / b:.2f}x, memory {memory}"
        + (f" ({pa / MIB:.0f} / {pb / MIB:.0f} MiB)" if pa and pb else "")
    )
    return a / b


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("--frames", type=int, default=81)
    args = parser.parse_args()
    f = args.folder
    frames = args.frames

    step_wgsl, step_spirv = burn(f, "dit13-wgsl"), burn(f, "dit13-spirv")
    ratio("Wan2.1-1.3B CFG step, WGSL vs PyTorch", step_wgsl, torch(f, "torch-dit13"))
    step_ratio = ratio("Wan2.1-1.3B CFG step, SPIR-V vs PyTorch", step_spirv, torch(f, "torch-dit13"))
    ratio("Wan2.1-1.3B CFG step, SPIR-V vs WGSL", step_spirv, step_wgsl, "SPIR-V", "WGSL")
    vae = burn(f, "vae-spirv") or burn(f, "vae-wgsl")
    ratio("Wan2.1 VAE decode, per frame", vae, torch(f, "torch-vae"))
    ratio("Wan2.2-5B CFG step, SPIR-V vs PyTorch", burn(f, "dit5-spirv"), torch(f, "torch-dit5"))
    ratio("Wan2.2-5B CFG step, WGSL vs PyTorch", burn(f, "dit5-wgsl"), torch(f, "torch-dit5"))
    ratio("Wan2.2-5B CFG step, SPIR-V vs WGSL", burn(f, "dit5-spirv"), burn(f, "dit5-wgsl"), "SPIR-V", "WGSL")

    # A FastWan-shaped clip: umT5 once, 3 single-pass steps (half a CFG step each), the decode.
    gen = generation(f, "generation-spirv")
    if gen:
        text, denoise3, decode = gen
        ours = text + denoise3 / 2 + decode
        t5, dit, vae_t = torch(f, "torch-t5"), torch(f, "torch-dit13"), torch(f, "torch-vae")
        print(
            f"FastWan-shaped clip ({frames} frames, 3 single-pass steps): burn {ours:.1f} s "
            f"(text {text:.1f} + denoise {denoise3 / 2:.1f} + decode {decode:.1f}); "
            f"decode is {100 * decode / ours:.0f}% of it"
        )
        if t5 and dit and vae_t:
            theirs = t5[0] + 3 * dit[0] / 2 + vae_t[0] * frames
            print(f"  PyTorch same parts: {theirs:.1f} s: burn / torch {ours / theirs:.2f}x")
        else:
            print("  PyTorch: no ratio (a part did not finish)")
    elif (f / "generation-spirv.txt").exists():
        print("FastWan-shaped clip: no figure (the generation run failed)")

    if step_ratio is not None:
        print(f"goal, a 1.3B CFG step at most 1.0x PyTorch's: {step_ratio:.2f}x")


if __name__ == "__main__":
    main()
