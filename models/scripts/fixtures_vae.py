#!/usr/bin/env python3
"""Reference fixtures for Motionboard's Wan VAE, made with diffusers' `AutoencoderKLWan`.

Two tiny random models with the structure of the real ones:

  vae_2_1_tiny/  Wan2.1's VAE (z 16, base 96, 4x8x8): plain residual encoder/decoder with
                 Resample layers, here base_dim 4, z_dim 4
  vae_2_2_tiny/  Wan2.2's VAE (z 48, base 160, decoder 256, 4x16x16): is_residual (AvgDown3D /
                 DupUp3D shortcuts) and 2x2 patchify, here base_dim 4, decoder_base_dim 6, z_dim 6

Each folder holds the model's `config.json` + `diffusion_pytorch_model.safetensors` as
`save_pretrained` writes them and `forward.safetensors` in the names of the checking tool
(`motionboard-models run --component vae`), all fp32:

  input   `sample` [1, 3, 9, H, W] in [-1, 1]: 9 frames, i.e. 3 latent frames, so the causal
          cache of the chunked encode (1 frame, then 4 at a time) and of the frame-by-frame
          decode is carried across chunks
  outputs `latent` (vae.encode(sample).latent_dist.mean) and `decoded` (vae.decode(latent))

Every parameter is perturbed after initialisation (diffusers initialises the norms' gammas to
ones), so each one matters. Deterministic: running it again rewrites the same files. Run it
standalone (`python models/scripts/fixtures_vae.py`) or through make_fixtures.py.
"""

import pathlib
import shutil

import diffusers
import numpy as np
import torch
from diffusers import AutoencoderKLWan
from safetensors.numpy import save_file

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"

# name -> (AutoencoderKLWan config, (H, W) of the sample)
VAES = {
    "vae_2_1_tiny": (
        dict(
            base_dim=4,
            z_dim=4,
            dim_mult=[1, 2, 2, 2],
            num_res_blocks=2,
            attn_scales=[],
            temperal_downsample=[False, True, True],
            dropout=0.0,
            latents_mean=[-0.25, 0.5, 0.1, -0.75],
            latents_std=[1.5, 0.8, 2.0, 1.1],
        ),
        (16, 24),
    ),
    "vae_2_2_tiny": (
        dict(
            base_dim=4,
            decoder_base_dim=6,
            z_dim=6,
            dim_mult=[1, 2, 1, 1],
            num_res_blocks=2,
            attn_scales=[],
            temperal_downsample=[False, True, True],
            dropout=0.0,
            is_residual=True,
            in_channels=12,
            out_channels=12,
            patch_size=2,
            scale_factor_temporal=4,
            scale_factor_spatial=16,
            latents_mean=[-0.2, 0.1, 0.3, -0.05, 0.0, 0.15],
            latents_std=[0.5, 1.0, 0.45, 1.2, 0.6, 0.8],
        ),
        (32, 16),
    ),
}
FRAMES = 9


def make_one(fixtures: pathlib.Path, name: str, config: dict, size, seed: int):
    torch.manual_seed(seed)
    vae = AutoencoderKLWan(**config).eval()
    with torch.no_grad():
        for param in vae.parameters():
            param.add_(torch.randn_like(param) * 0.1)
    folder = fixtures / name
    if folder.exists():
        shutil.rmtree(folder)
    vae.save_pretrained(folder, safe_serialization=True)

    rng = np.random.Generator(np.random.PCG64(seed))
    height, width = size
    sample = rng.uniform(-1.0, 1.0, (1, 3, FRAMES, height, width)).astype(np.float32)
    with torch.no_grad():
        latent = vae.encode(torch.from_numpy(sample.copy())).latent_dist.mean
        decoded = vae.decode(latent).sample
    tensors = {
        "sample": np.ascontiguousarray(sample, dtype=np.float32),
        "latent": np.ascontiguousarray(latent.numpy(), dtype=np.float32),
        "decoded": np.ascontiguousarray(decoded.numpy(), dtype=np.float32),
    }
    for key, array in tensors.items():
        assert array.flags["C_CONTIGUOUS"] and np.all(np.isfinite(array)), key
    path = folder / "forward.safetensors"
    save_file(tensors, str(path), metadata={"diffusers": diffusers.__version__})
    clamped = np.mean(np.abs(tensors["decoded"]) >= 1.0)
    size_kb = sum(f.stat().st_size for f in folder.iterdir()) / 1024
    print(
        f"{path.relative_to(fixtures.parent)}: latent {list(latent.shape)} "
        f"max |v| {np.abs(tensors['latent']).max():.3f}, decoded {list(decoded.shape)} "
        f"{clamped:.1%} clamped; folder {size_kb:.0f} KB"
    )


def make(fixtures: pathlib.Path):
    """Writes `vae_2_1_tiny/` and `vae_2_2_tiny/` under `fixtures`."""
    for index, (name, (config, size)) in enumerate(VAES.items()):
        make_one(fixtures, name, config, size, seed=4321 + index)


if __name__ == "__main__":
    print(f"torch {torch.__version__}, diffusers {diffusers.__version__}, numpy {np.__version__}")
    make(FIXTURES)
