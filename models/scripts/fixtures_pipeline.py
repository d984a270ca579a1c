#!/usr/bin/env python3
"""Reference fixtures for Motionboard's Wan pipeline (text-to-video and Wan2.2-style
text+image-to-video), made with diffusers' `WanPipeline` / `WanImageToVideoPipeline`.

Two tiny model packages, each saved by `pipeline.save_pretrained` in the real diffusers folder
layout (model_index.json, scheduler/, text_encoder/, tokenizer/, transformer/, vae/), with
consistent random components (umT5 d_model == DiT text_dim, DiT in/out channels == VAE z_dim),
every parameter perturbed so that each one matters:

  wan_tiny_t2v/   Wan2.1-style: a Wan2.1 VAE (z 4, 4x8x8) and a DiT with 4 latent channels;
                  model_index.json as Wan2.1-T2V's (WanPipeline, expand_timesteps false);
                  UniPC, flow_shift 3.0
  wan_tiny_ti2v/  Wan2.2 TI2V-style: a Wan2.2 VAE (is_residual, 2x2 patchify, z 6, 4x16x16)
                  and a DiT with 6 latent channels; model_index.json as Wan2.2-TI2V-5B's
                  (WanPipeline, expand_timesteps true); UniPC, flow_shift 5.0

and in each package folder a `reference.json` (the request) and `reference.safetensors`, all
fp32:

  noise         [1, z, F', h, w] the starting latents: Motionboard's seeded noise
                (models/src/noise.rs, transcribed below) for the request's seed
  step_latents  [S, 1, z, F', h, w] the latents after each step (diffusers' callback)
  video         [F, H, W, 3] the output in [0, 1] (output_type="np")
  condition     (ti2v only) [1, z, 1, h, w] the image's normalised latent

The t2v reference is the package's defaults (its scheduler's shift); the ti2v reference is
image-to-video (WanImageToVideoPipeline with expand_timesteps=True, as diffusers runs
Wan2.2-TI2V-5B on an image) with the shift overridden to 3.0, so the caller's shift override is
checked too. The image is a formula of the pixel position (see `test_image`), so the Rust test
makes the same one.

Both pipelines are loaded back with `from_pretrained` from the saved folders before the
references are made: the folders are what diffusers itself reads. Deterministic: running it
again rewrites the same files. Run standalone or through make_fixtures.py:

    /tmp/refenv/bin/python models/scripts/fixtures_pipeline.py
"""

import json
import math
import pathlib
import shutil
import tempfile

import diffusers
import numpy as np
import torch
from diffusers import (
    AutoencoderKLWan,
    UniPCMultistepScheduler,
    WanImageToVideoPipeline,
    WanPipeline,
    WanTransformer3DModel,
)
from PIL import Image
from safetensors.numpy import save_file
from transformers import UMT5Config, UMT5EncoderModel

import fixtures_t5

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"

PROMPT = "A cat walks across a sunny garden, slow camera pan."
NEGATIVE = "blurry, static, low quality"

T5 = dict(
    d_model=16,
    d_kv=4,
    d_ff=24,
    num_layers=2,
    num_heads=4,
    relative_attention_num_buckets=8,
    relative_attention_max_distance=16,
    layer_norm_epsilon=1e-6,
    feed_forward_proj="gated-gelu",
    dropout_rate=0.0,
    pad_token_id=0,
    eos_token_id=1,
    decoder_start_token_id=0,
)


def dit_config(channels):
    return dict(
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=8,
        in_channels=channels,
        out_channels=channels,
        text_dim=T5["d_model"],
        freq_dim=16,
        ffn_dim=32,
        num_layers=2,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        eps=1e-6,
        rope_max_seq_len=1024,
    )


VAE_21 = dict(
    base_dim=4,
    z_dim=4,
    dim_mult=[1, 1, 1, 1],
    num_res_blocks=2,
    attn_scales=[],
    temperal_downsample=[False, True, True],
    dropout=0.0,
    latents_mean=[-0.25, 0.5, 0.1, -0.75],
    latents_std=[1.5, 0.8, 2.0, 1.1],
)

VAE_22 = dict(
    base_dim=4,
    decoder_base_dim=4,
    z_dim=6,
    dim_mult=[1, 1, 1, 1],
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
)

# name -> (vae config, flow_shift saved in the package, expand_timesteps, request)
PACKAGES = {
    "wan_tiny_t2v": (
        VAE_21,
        3.0,
        False,
        dict(prompt=PROMPT, negative_prompt=NEGATIVE, frames=5, height=32, width=48, steps=3,
             guidance=5.0, shift=None, seed=42, image=False),
    ),
    "wan_tiny_ti2v": (
        VAE_22,
        5.0,
        True,
        dict(prompt=PROMPT, negative_prompt=NEGATIVE, frames=5, height=32, width=96, steps=3,
             guidance=5.0, shift=3.0, seed=7, image=True),
    ),
}

# --- models/src/noise.rs, transcribed: xoshiro256++ seeded by SplitMix64, Box-Muller ----------

MASK = (1 << 64) - 1


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


class NoiseRng:
    def __init__(self, seed):
        sm = seed & MASK
        state = []
        for _ in range(4):
            sm = (sm + 0x9E3779B97F4A7C15) & MASK
            z = sm
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            state.append(z ^ (z >> 31))
        self.s = state
        self.spare = None

    def next_u64(self):
        s = self.s
        result = (_rotl((s[0] + s[3]) & MASK, 23) + s[0]) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 45)
        return result

    def next_uniform(self):
        return ((self.next_u64() >> 11) + 1) * (1.0 / (1 << 53))

    def next_normal(self):
        if self.spare is not None:
            z, self.spare = self.spare, None
            return z
        radius = math.sqrt(-2.0 * math.log(self.next_uniform()))
        angle = 2.0 * math.pi * self.next_uniform()
        self.spare = radius * math.sin(angle)
        return radius * math.cos(angle)


def randn(seed, shape):
    """models::noise::randn: row-major standard normal values, f64 rounded to f32."""
    rng = NoiseRng(seed)
    count = int(np.prod(shape))
    return np.array([rng.next_normal() for _ in range(count)], dtype=np.float64).astype(
        np.float32
    ).reshape(shape)


# --------------------------------------------------------------------------------------------


def test_image(height, width):
    """The ti2v test image: u8 RGB [H, W, 3], a formula of the position (tests/pipeline.rs)."""
    y, x, c = np.meshgrid(np.arange(height), np.arange(width), np.arange(3), indexing="ij")
    return ((37 * x + 59 * y + 101 * c + (x * y) % 17 * 5) % 256).astype(np.uint8)


def perturbed(module, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        for param in module.parameters():
            param.add_(torch.randn_like(param) * 0.1)
    return module.eval()


def build(name, vae_config, flow_shift, expand_timesteps, seed, tokenizer):
    torch.manual_seed(seed)
    text_encoder = UMT5EncoderModel(UMT5Config(vocab_size=len(tokenizer), **T5))
    transformer = WanTransformer3DModel(**dit_config(vae_config["z_dim"]))
    vae = AutoencoderKLWan(**vae_config)
    for offset, module in enumerate([text_encoder, transformer, vae]):
        perturbed(module, seed + 1 + offset)
    scheduler = UniPCMultistepScheduler(
        prediction_type="flow_prediction",
        use_flow_sigmas=True,
        num_train_timesteps=1000,
        flow_shift=flow_shift,
    )
    return WanPipeline(
        tokenizer=tokenizer,
        text_encoder=text_encoder,
        transformer=transformer,
        vae=vae,
        scheduler=scheduler,
        expand_timesteps=expand_timesteps,
    )


def make_one(fixtures, name, vae_config, flow_shift, expand_timesteps, request, seed, tokenizer):
    folder = fixtures / name
    if folder.exists():
        shutil.rmtree(folder)
    build(name, vae_config, flow_shift, expand_timesteps, seed, tokenizer).save_pretrained(
        folder, safe_serialization=True
    )

    # What diffusers reads back from the folder is what makes the reference.
    pipe = WanPipeline.from_pretrained(folder)
    if request["shift"] is not None:
        pipe.scheduler = UniPCMultistepScheduler.from_config(
            pipe.scheduler.config, flow_shift=request["shift"]
        )
    z = pipe.vae.config.z_dim
    s = pipe.vae.config.scale_factor_spatial
    latent_frames = (request["frames"] - 1) // 4 + 1
    shape = (1, z, latent_frames, request["height"] // s, request["width"] // s)
    noise = randn(request["seed"], shape)

    steps = []

    def on_step(_pipe, _i, _t, kwargs):
        steps.append(kwargs["latents"].detach().clone().numpy())
        return {}

    common = dict(
        prompt=request["prompt"],
        negative_prompt=request["negative_prompt"],
        height=request["height"],
        width=request["width"],
        num_frames=request["frames"],
        num_inference_steps=request["steps"],
        guidance_scale=request["guidance"],
        latents=torch.from_numpy(noise.copy()),
        output_type="np",
        callback_on_step_end=on_step,
    )
    tensors = {"noise": noise}
    with torch.no_grad():
        if request["image"]:
            # diffusers 0.42.1's pipeline_wan_i2v calls ftfy without checking that it is
            # installed (pipeline_wan checks): use pipeline_wan's cleaning, which is the same
            # without ftfy, as the Rust side (and fixtures_t5.py) is.
            import diffusers.pipelines.wan.pipeline_wan as wan_t2v
            import diffusers.pipelines.wan.pipeline_wan_i2v as wan_i2v

            wan_i2v.prompt_clean = wan_t2v.prompt_clean
            i2v = WanImageToVideoPipeline(
                tokenizer=pipe.tokenizer,
                text_encoder=pipe.text_encoder,
                vae=pipe.vae,
                scheduler=pipe.scheduler,
                transformer=pipe.transformer,
                expand_timesteps=True,
            )
            image = test_image(request["height"], request["width"])
            # The preprocessing is exactly x / 255 * 2 - 1 at the request's size (no resize).
            pre = i2v.video_processor.preprocess(
                Image.fromarray(image), height=request["height"], width=request["width"]
            )
            expected = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255.0 * 2.0 - 1.0
            assert torch.equal(pre, expected), "image preprocessing is not x / 255 * 2 - 1"
            mean = torch.tensor(pipe.vae.config.latents_mean).view(1, z, 1, 1, 1)
            std = torch.tensor(pipe.vae.config.latents_std).view(1, z, 1, 1, 1)
            latent = pipe.vae.encode(pre.unsqueeze(2)).latent_dist.mode()
            tensors["condition"] = ((latent - mean) * (1.0 / std)).numpy()
            video = i2v(image=Image.fromarray(image), **common).frames[0]
        else:
            video = pipe(**common).frames[0]
    tensors["step_latents"] = np.stack(steps)
    tensors["video"] = video
    tensors = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}
    for key, array in tensors.items():
        assert np.all(np.isfinite(array)), key
    save_file(tensors, str(folder / "reference.safetensors"),
              metadata={"diffusers": diffusers.__version__})
    (folder / "reference.json").write_text(json.dumps(request, indent=2) + "\n", encoding="utf-8")
    size_kb = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1024
    print(
        f"{folder.relative_to(fixtures.parent)}: video {list(video.shape)} "
        f"in [{video.min():.3f}, {video.max():.3f}] ({np.mean((video <= 0) | (video >= 1)):.0%} "
        f"clamped), latents {list(shape)}, "
        f"{len(steps)} steps; package {size_kb:.0f} KB"
    )


def make(fixtures: pathlib.Path):
    """Writes `wan_tiny_t2v/` and `wan_tiny_ti2v/` under `fixtures`."""
    # The noise transcription gives the values pinned in noise.rs's own test.
    pinned = randn(0, (4,))
    assert np.array_equal(pinned, np.array([-1.1079086, 1.0114416, 1.4264823, 0.10285172],
                                           dtype=np.float32)), pinned
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = fixtures_t5.build_tokenizer(pathlib.Path(tmp))
    for index, (name, (vae, shift, expand, request)) in enumerate(PACKAGES.items()):
        make_one(fixtures, name, vae, shift, expand, request, 2024 + 10 * index, tokenizer)


if __name__ == "__main__":
    print(f"torch {torch.__version__}, diffusers {diffusers.__version__}, numpy {np.__version__}")
    make(FIXTURES)
