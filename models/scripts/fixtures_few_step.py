#!/usr/bin/env python3
"""Reference fixtures for the few-step (DMD) sampler: FastVideo's denoising loop for its
distilled FastWan releases, at a tiny latent size.

FastVideo's `DmdDenoisingStage` runs a fixed list of timesteps (FastWan: 1000, 757, 522) with
no classifier-free guidance. At each one the model's flow output v gives the clean latent
x0 = x - sigma(t) v; before every step but the last, x0 is noised again to the next timestep
with fresh Gaussian noise, (1 - sigma(t')) x0 + sigma(t') noise; the last step's x0 is the
result. sigma(t) is looked up in the *training* table of a `FlowMatchEulerDiscreteScheduler`
built with the release's shift (8 for FastWan2.1-1.3B, 5 for FastWan2.2-TI2V-5B) and never
`set_timesteps`: the entry whose (shifted) timestep is nearest t (first on a tie). This script
takes that table from diffusers' scheduler itself and writes the loop out step by step.

Each case is saved as `models/fixtures/few_step/<case>.safetensors`:

  inputs   `timesteps` (float32, the model timesteps), `shift` (float32, one element),
           `sample` (the starting latent), `model_outputs` [S, ...] (the model's flow at each
           step), `noises` [S - 1, ...] (the fresh noise drawn after each step but the last)
  outputs  `sigmas` (float32, sigma(t) per step), `x0s` [S, ...] (the predicted clean latent
           after each step), `prev_samples` [S, ...] (the latent after each step)

Deterministic (fixed seeds). Run with the venv of make_fixtures.py:

    .venv/bin/python models/scripts/fixtures_few_step.py
"""

import pathlib

import diffusers
import numpy as np
import torch
from diffusers import FlowMatchEulerDiscreteScheduler
from safetensors.numpy import save_file

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "few_step"
# [B, C, F, H, W]: a tiny video latent.
SHAPE = (1, 4, 3, 4, 4)

# case -> (shift, timesteps)
CASES = {
    # FastWan2.1-T2V-1.3B (FastVideo's FastWan2_1_T2V_480P_Config).
    "fastwan21": (8.0, [1000, 757, 522]),
    # FastWan2.2-TI2V-5B (FastWan2_2_TI2V_5B_Config).
    "fastwan22": (5.0, [1000, 757, 522]),
    # A Time-to-Move run on FastWan2.1: started below 1000, with an extra tie level.
    "guided": (8.0, [979, 949, 757, 522]),
}


def training_table(shift):
    """diffusers' scheduler right after construction: its timesteps and sigmas (float32)."""
    scheduler = FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=shift)
    return scheduler.timesteps.float(), scheduler.sigmas.float()


def sigma_for(table_timesteps, table_sigmas, t):
    """FastVideo's lookup: the sigma of the nearest training timestep (argmin: first on ties)."""
    index = torch.argmin((table_timesteps - float(t)).abs())
    return table_sigmas[index]


def run_case(shift, timesteps, seed):
    table_t, table_s = training_table(shift)
    rng = np.random.Generator(np.random.PCG64(seed))
    sample = np.ascontiguousarray(rng.standard_normal(SHAPE), dtype=np.float32)
    # A flow model's output: eps - x0 for some clean target, plus a little wobble per step.
    target = rng.standard_normal(SHAPE).astype(np.float32) * 0.5
    steps = len(timesteps)
    wobble = rng.standard_normal((steps, *SHAPE)).astype(np.float32) * 0.1
    noises = np.ascontiguousarray(
        rng.standard_normal((steps - 1, *SHAPE)), dtype=np.float32
    )

    x = torch.from_numpy(sample.copy())
    sigmas, x0s, prev, outputs = [], [], [], []
    for i, t in enumerate(timesteps):
        sigma = sigma_for(table_t, table_s, t)
        v = (x - torch.from_numpy(target)) + torch.from_numpy(wobble[i])
        outputs.append(v.numpy().copy())
        x0 = x - sigma * v
        if i < steps - 1:
            sigma_next = sigma_for(table_t, table_s, timesteps[i + 1])
            x = (1 - sigma_next) * x0 + sigma_next * torch.from_numpy(noises[i])
        else:
            x = x0
        sigmas.append(float(sigma))
        x0s.append(x0.numpy().copy())
        prev.append(x.numpy().copy())

    tensors = {
        "timesteps": np.array(timesteps, dtype=np.float32),
        "shift": np.array([shift], dtype=np.float32),
        "sample": sample,
        "model_outputs": np.ascontiguousarray(np.stack(outputs), dtype=np.float32),
        "noises": noises,
        "sigmas": np.array(sigmas, dtype=np.float32),
        "x0s": np.ascontiguousarray(np.stack(x0s), dtype=np.float32),
        "prev_samples": np.ascontiguousarray(np.stack(prev), dtype=np.float32),
    }
    for name, array in tensors.items():
        assert array.flags["C_CONTIGUOUS"], name
        assert np.all(np.isfinite(array)), name
    return tensors


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for seed, (case, (shift, timesteps)) in enumerate(CASES.items()):
        tensors = run_case(shift, timesteps, 100 + seed)
        save_file(tensors, str(OUT / f"{case}.safetensors"))
        print(f"{case}: shift {shift}, timesteps {timesteps}, sigmas {tensors['sigmas'].tolist()}")
    print(f"diffusers {diffusers.__version__}, torch {torch.__version__}, numpy {np.__version__}")


if __name__ == "__main__":
    main()
