#!/usr/bin/env python3
"""Reference fixtures for Motionboard's TAEHV preview decoders (madebyollin/taehv, MIT).

THE REFERENCE HERE IS OUR OWN TRANSCRIPTION. taehv is not on PyPI (it is one file, taehv.py,
in the madebyollin/taehv GitHub repository), so this script does not import it: the module
below is written from a reading of its `TAEHV` class (`encoder` / `decoder` as
`nn.Sequential`s of Clamp, conv, ReLU, MemBlock, TPool, Upsample, TGrow), its
`apply_model_with_memblocks_parallel` (each MemBlock sees the previous frame's input, zeros
for the first), `patch_tgrow_layers`, `postprocess_output_frames` (pixel shuffle, clamp to
[0, 1]) and `decode_video` (the first `t_upscale - 1` frames trimmed). The state-dict names
are the reference's (`decoder.1.weight`, `decoder.3.conv.0.weight`, `decoder.7.conv.weight`,
...), so the committed files are loaded by the same code path as the released
taew2_1.safetensors / taew2_2.safetensors. If taehv.py changes, re-read it and update this.

Two tiny random models with the structure of the released ones (decoder widths 256/128/64/64
there, 16/8/8/8 here; encoder width 64 there, 4 here):

  taehv_tiny_2_1/  taew2_1's layout: 16 latent channels, patch 1 (8x spatial)
  taehv_tiny_2_2/  taew2_2's layout: 48 latent channels, patch 2 (16x spatial); its
                   `decoder.7.conv.weight` (the stride-1 TGrow) is stored with twice the rows,
                   as a layer trained to grow time, so the loader's `patch_tgrow_layers`
                   behaviour (keep the last rows) is exercised

Each folder holds
  config.json              {"latent_channels", "patch_size", "widths"} (the files themselves
                           carry no config: the real ones are told apart by their name)
  taew2_1.safetensors or taew2_2.safetensors
                           the whole state dict (encoder included, as the released files
                           have it), in fp16 like the released files
  forward.safetensors      `latents` [1, C, 3, h, w] (the pipeline's layout; the reference
                           takes NTCHW) and `video` [1, 3, 9, H, W] = decode_video(latents),
                           computed in float64 from the fp16 weights, stored as fp32

Every parameter is drawn afresh (He-scaled normals, small residual branches, a 0.5 output
bias) so that activations neither vanish nor blow up through nine MemBlocks and most output
pixels are inside (0, 1), where the final clamp does not hide differences. Deterministic:
running it again rewrites the same files. Run it standalone:

    /path/to/venv/bin/python models/scripts/fixtures_taehv.py   (torch, safetensors, numpy)
"""

import json
import math
import pathlib
import shutil

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.numpy import save_file
from safetensors.torch import load_file as load_torch_file
from safetensors.torch import save_file as save_torch_file

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"

# name -> (file name, latent channels, patch size, latent (h, w), tgrow rows doubled)
MODELS = {
    "taehv_tiny_2_1": ("taew2_1.safetensors", 16, 1, (4, 6), False),
    "taehv_tiny_2_2": ("taew2_2.safetensors", 48, 2, (2, 3), True),
}
DECODER_WIDTHS = [16, 8, 8, 8]
ENCODER_WIDTH = 4
LATENT_FRAMES = 3
# Wan: no time growth in stage 0, doubled in stages 1 and 2 (4x); every stage doubles space.
DECODER_TIME_UPSCALE = (False, True, True)
ENCODER_TIME_DOWNSCALE = (True, True, False)


# --- the reference, transcribed -------------------------------------------------------------


def conv(n_in, n_out, **kwargs):
    return nn.Conv2d(n_in, n_out, 3, padding=1, **kwargs)


class Clamp(nn.Module):
    def forward(self, x):
        return torch.tanh(x / 3) * 3


class MemBlock(nn.Module):
    """relu(conv(cat[x, past]) + skip(x)); skip is identity when the widths agree."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.conv = nn.Sequential(
            conv(n_in * 2, n_out), nn.ReLU(), conv(n_out, n_out), nn.ReLU(), conv(n_out, n_out)
        )
        self.skip = nn.Conv2d(n_in, n_out, 1, bias=False) if n_in != n_out else nn.Identity()
        self.act = nn.ReLU()

    def forward(self, x, past):
        return self.act(self.conv(torch.cat([x, past], 1)) + self.skip(x))


class TPool(nn.Module):
    def __init__(self, n_f, stride):
        super().__init__()
        self.stride = stride
        self.conv = nn.Conv2d(n_f * stride, n_f, 1, bias=False)

    def forward(self, x):
        _, c, h, w = x.shape
        return self.conv(x.reshape(-1, self.stride * c, h, w))


class TGrow(nn.Module):
    def __init__(self, n_f, stride):
        super().__init__()
        self.stride = stride
        self.conv = nn.Conv2d(n_f, n_f * stride, 1, bias=False)

    def forward(self, x):
        _, c, h, w = x.shape
        return self.conv(x).reshape(-1, c, h, w)


def apply_parallel(model, x):
    """NTCHW through a Sequential with MemBlocks, all frames at once (zeros as first memory)."""
    n, t, c, h, w = x.shape
    x = x.reshape(n * t, c, h, w)
    for block in model:
        if isinstance(block, MemBlock):
            nt, c, h, w = x.shape
            t = nt // n
            frames = x.reshape(n, t, c, h, w)
            past = F.pad(frames, (0, 0, 0, 0, 0, 0, 1, 0), value=0)[:, :t].reshape(x.shape)
            x = block(x, past)
        else:
            x = block(x)
    nt, c, h, w = x.shape
    return x.view(n, nt // n, c, h, w)


class TinyTAEHV(nn.Module):
    """TAEHV's structure with configurable widths (the released files: 256/128/64/64, 64)."""

    def __init__(self, latent_channels, patch_size, widths, encoder_width):
        super().__init__()
        self.patch_size = patch_size
        image = 3 * patch_size**2
        e = encoder_width
        tpool = [2 if down else 1 for down in ENCODER_TIME_DOWNSCALE]
        self.encoder = nn.Sequential(
            conv(image, e), nn.ReLU(),
            TPool(e, tpool[0]), conv(e, e, stride=2, bias=False), MemBlock(e, e), MemBlock(e, e), MemBlock(e, e),
            TPool(e, tpool[1]), conv(e, e, stride=2, bias=False), MemBlock(e, e), MemBlock(e, e), MemBlock(e, e),
            TPool(e, tpool[2]), conv(e, e, stride=2, bias=False), MemBlock(e, e), MemBlock(e, e), MemBlock(e, e),
            conv(e, latent_channels),
        )  # fmt: skip
        n = widths
        grow = [2 if up else 1 for up in DECODER_TIME_UPSCALE]
        self.decoder = nn.Sequential(
            Clamp(), conv(latent_channels, n[0]), nn.ReLU(),
            MemBlock(n[0], n[0]), MemBlock(n[0], n[0]), MemBlock(n[0], n[0]), nn.Upsample(scale_factor=2), TGrow(n[0], grow[0]), conv(n[0], n[1], bias=False),
            MemBlock(n[1], n[1]), MemBlock(n[1], n[1]), MemBlock(n[1], n[1]), nn.Upsample(scale_factor=2), TGrow(n[1], grow[1]), conv(n[1], n[2], bias=False),
            MemBlock(n[2], n[2]), MemBlock(n[2], n[2]), MemBlock(n[2], n[2]), nn.Upsample(scale_factor=2), TGrow(n[2], grow[2]), conv(n[2], n[3], bias=False),
            nn.ReLU(), conv(n[3], image),
        )  # fmt: skip
        t_upscale = 2 ** sum(t.stride == 2 for t in self.decoder if isinstance(t, TGrow))
        self.frames_to_trim = t_upscale - 1

    def patch_tgrow_layers(self, sd):
        """A stored TGrow with more rows than this model's keeps its last rows."""
        own = self.state_dict()
        for i, layer in enumerate(self.decoder):
            if isinstance(layer, TGrow):
                key = f"decoder.{i}.conv.weight"
                if sd[key].shape[0] > own[key].shape[0]:
                    sd[key] = sd[key][-own[key].shape[0] :]
        return sd

    def decode_video(self, x):
        """NTCHW latents -> NTCHW RGB in [0, 1], startup frames trimmed."""
        x = apply_parallel(self.decoder, x)
        if self.patch_size > 1:
            x = F.pixel_shuffle(x, self.patch_size)
        return x.clamp(0, 1)[:, self.frames_to_trim :]


# --- the fixtures ---------------------------------------------------------------------------


def randomise(model: TinyTAEHV, generator: torch.Generator):
    """He-scaled weights; each MemBlock's last conv small, so nine residual blocks stay O(1)."""
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith(".bias"):
                param.copy_(torch.randn(param.shape, generator=generator) * 0.1)
                continue
            fan_in = math.prod(param.shape[1:])
            std = math.sqrt(2.0 / fan_in)
            if name.endswith("conv.4.weight"):
                std *= 0.3
            param.copy_(torch.randn(param.shape, generator=generator) * std)
        out = model.decoder[-1]
        out.weight.mul_(0.05)
        out.bias.fill_(0.5)
        # The released files are fp16: the reference runs on the fp16 values.
        for param in model.parameters():
            param.copy_(param.half().float())


def make_one(fixtures: pathlib.Path, name: str, spec, seed: int):
    file_name, channels, patch, (h, w), doubled_tgrow = spec
    generator = torch.Generator().manual_seed(seed)
    model = TinyTAEHV(channels, patch, DECODER_WIDTHS, ENCODER_WIDTH)
    randomise(model, generator)

    state = {k: v.half().contiguous() for k, v in model.state_dict().items()}
    if doubled_tgrow:
        # decoder.7 is the stride-1 TGrow; a file may hold a stride-2 layer's rows there.
        key = "decoder.7.conv.weight"
        extra = (torch.randn(state[key].shape, generator=generator) * 0.5).half()
        state[key] = torch.cat([extra, state[key]], 0).contiguous()

    folder = fixtures / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    weights = folder / file_name
    save_torch_file(state, str(weights))
    config = {"latent_channels": channels, "patch_size": patch, "widths": DECODER_WIDTHS}
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")

    # Load the file back as the reference would (patching the TGrow), in float64.
    reference = TinyTAEHV(channels, patch, DECODER_WIDTHS, ENCODER_WIDTH).double().eval()
    loaded = {k: v.double() for k, v in load_torch_file(str(weights)).items()}
    reference.load_state_dict(reference.patch_tgrow_layers(loaded))

    latents = torch.randn((1, channels, LATENT_FRAMES, h, w), generator=generator) * 1.5
    with torch.no_grad():
        video = reference.decode_video(latents.double().permute(0, 2, 1, 3, 4))
    video = video.permute(0, 2, 1, 3, 4).float()
    tensors = {
        "latents": np.ascontiguousarray(latents.numpy(), dtype=np.float32),
        "video": np.ascontiguousarray(video.numpy(), dtype=np.float32),
    }
    for key, array in tensors.items():
        assert array.flags["C_CONTIGUOUS"] and np.all(np.isfinite(array)), key
    save_file(tensors, str(folder / "forward.safetensors"), metadata={"torch": torch.__version__})

    v = tensors["video"]
    inside = np.mean((v > 0.0) & (v < 1.0))
    size_kb = sum(f.stat().st_size for f in folder.iterdir()) / 1024
    print(
        f"{folder.relative_to(fixtures.parent)}: latents {list(latents.shape)} -> video "
        f"{list(v.shape)}, mean {v.mean():.3f} std {v.std():.3f}, {inside:.1%} inside (0, 1); "
        f"folder {size_kb:.0f} KB"
    )


def make(fixtures: pathlib.Path):
    """Writes `taehv_tiny_2_1/` and `taehv_tiny_2_2/` under `fixtures`."""
    for index, (name, spec) in enumerate(MODELS.items()):
        make_one(fixtures, name, spec, seed=2718 + index)


if __name__ == "__main__":
    print(f"torch {torch.__version__}, numpy {np.__version__}")
    make(FIXTURES)
