#!/usr/bin/env python3
"""Fixtures at real-model magnitudes: tiny umT5, DiT and VAE whose weights are scaled so that
their activations reach what the real checkpoints produce, for checking the engine in f16.

Tiny random weights never leave f16's comfortable range; real ones do. Each model here is
as small as the tiny parity fixtures but scaled where the real models are large:

  t5_magnitude/   umT5 (2 layers, d_model 32, 4 heads x 8, gated-GELU FFN 64): `wo` scaled so
                  every feed-forward output passes f16's 65,504 (the umT5-XXL overflow that
                  transformers answers with `wo` in f32 and clamping)
  dit_magnitude/  Wan DiT (2 layers, 2 heads x 16): patch embedding and FFN scaled so the
                  residual stream sits in the hundreds to thousands, q/k projections so the
                  RMS norm's squares pass 65,504, and a fractional timestep near 1000 (f16 holds
                  987.654 as 987.5)
  vae_magnitude/  Wan2.1 VAE (base_dim 4, z 4, mid-block attention): encoder and decoder
                  conv_in scaled so features have an RMS near 1000 over 4 to 8 channels, far
                  above sqrt(65504 / channels)

Every weight and input is rounded to a value f16 holds exactly, so an f16 run starts from the
same numbers as the f32 reference and any difference comes from the arithmetic. Each folder
has `config.json`, the weights as `save_pretrained` writes them, and `forward.safetensors`
with inputs and fp32 outputs in the checking tool's names (the same as the tiny fixtures').
The magnitudes reached are printed and asserted. Deterministic.

    /work/venv/bin/python models/scripts/fixtures_magnitude.py
"""

import pathlib
import shutil

import diffusers
import numpy as np
import torch
import transformers
from diffusers import AutoencoderKLWan, WanTransformer3DModel
from safetensors.numpy import save_file
from transformers import UMT5Config, UMT5EncoderModel

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
F16_MAX = 65504.0


def f16_exact(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(array.astype(np.float16).astype(np.float32))


def round_params_to_f16(model: torch.nn.Module):
    with torch.no_grad():
        for param in model.parameters():
            param.copy_(param.half().float())


def fresh(folder: pathlib.Path) -> pathlib.Path:
    if folder.exists():
        shutil.rmtree(folder)
    return folder


def save(folder: pathlib.Path, tensors: dict, library: str, version: str):
    tensors = {k: np.ascontiguousarray(v, dtype=v.dtype) for k, v in tensors.items()}
    for key, array in tensors.items():
        assert array.flags["C_CONTIGUOUS"], key
        if array.dtype == np.float32:
            assert np.all(np.isfinite(array)), key
    save_file(tensors, str(folder / "forward.safetensors"), metadata={library: version})
    size_kb = sum(f.stat().st_size for f in folder.iterdir()) / 1024
    print(f"  {folder.name}: {size_kb:.0f} KB")


# --- umT5 -------------------------------------------------------------------------------------

T5 = dict(
    vocab_size=64,
    d_model=32,
    d_kv=8,
    d_ff=64,
    num_layers=2,
    num_decoder_layers=2,
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
T5_LENGTH = 20


def make_t5():
    torch.manual_seed(9101)
    model = UMT5EncoderModel(UMT5Config(**T5)).eval()
    with torch.no_grad():
        for param in model.parameters():
            param.add_(torch.randn_like(param) * 0.1)
        for block in model.encoder.block:
            block.layer[1].DenseReluDense.wo.weight.mul_(40000.0)
    round_params_to_f16(model)

    rng = np.random.Generator(np.random.PCG64(9102))
    ids = rng.integers(2, T5["vocab_size"], (2, T5_LENGTH)).astype(np.int64)
    mask = np.ones((2, T5_LENGTH), dtype=np.int64)
    mask[1, 11:] = 0
    ids[1, 11:] = 0

    ffn_outputs = []
    hooks = [
        block.layer[1].DenseReluDense.register_forward_hook(
            lambda _m, _i, out: ffn_outputs.append(out.abs().max().item())
        )
        for block in model.encoder.block
    ]
    with torch.no_grad():
        hidden = model(
            input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)
        ).last_hidden_state
    for hook in hooks:
        hook.remove()
    print(f"  umT5 feed-forward max |output| per layer: {[f'{v:.3g}' for v in ffn_outputs]}")
    assert min(ffn_outputs) > 2 * F16_MAX, ffn_outputs

    folder = fresh(FIXTURES / "t5_magnitude")
    model.save_pretrained(folder, safe_serialization=True)
    save(
        folder,
        {
            "input_ids": ids,
            "attention_mask": mask,
            "last_hidden_state": hidden.numpy().astype(np.float32),
        },
        "transformers",
        transformers.__version__,
    )


# --- DiT --------------------------------------------------------------------------------------

DIT = dict(
    patch_size=(1, 2, 2),
    num_attention_heads=2,
    attention_head_dim=16,
    in_channels=4,
    out_channels=4,
    text_dim=24,
    freq_dim=32,
    ffn_dim=64,
    num_layers=2,
    cross_attn_norm=True,
    qk_norm="rms_norm_across_heads",
    eps=1e-6,
    rope_max_seq_len=1024,
)


def make_dit():
    torch.manual_seed(9201)
    model = WanTransformer3DModel(**DIT).eval()
    with torch.no_grad():
        for param in model.parameters():
            param.add_(torch.randn_like(param) * 0.1)
        model.patch_embedding.weight.mul_(400.0)
        model.patch_embedding.bias.mul_(400.0)
        for block in model.blocks:
            block.ffn.net[2].weight.mul_(300.0)
            block.attn1.to_q.weight.mul_(300.0)
            block.attn1.to_k.weight.mul_(300.0)
    round_params_to_f16(model)

    rng = np.random.Generator(np.random.PCG64(9202))
    inputs = {
        "hidden_states": f16_exact(rng.standard_normal((1, 4, 3, 4, 4))),
        "timestep": np.array([987.654], dtype=np.float32),
        "encoder_hidden_states": f16_exact(rng.standard_normal((1, 5, 24))),
    }
    residuals, queries = [], []
    hooks = [
        block.register_forward_hook(lambda _m, _i, out: residuals.append(out.abs().max().item()))
        for block in model.blocks
    ] + [
        block.attn1.to_q.register_forward_hook(
            lambda _m, _i, out: queries.append(out.abs().max().item())
        )
        for block in model.blocks
    ]
    with torch.no_grad():
        sample = model(
            hidden_states=torch.from_numpy(inputs["hidden_states"]),
            timestep=torch.from_numpy(inputs["timestep"]),
            encoder_hidden_states=torch.from_numpy(inputs["encoder_hidden_states"]),
        ).sample
    for hook in hooks:
        hook.remove()
    print(f"  DiT residual max |x| after each block: {[f'{v:.3g}' for v in residuals]}")
    print(f"  DiT self-attention max |q| per block: {[f'{v:.3g}' for v in queries]}")
    assert all(300 < v < F16_MAX / 4 for v in residuals), residuals
    assert min(queries) > 256, queries

    folder = fresh(FIXTURES / "dit_magnitude")
    model.save_pretrained(folder, safe_serialization=True)
    save(
        folder,
        {**inputs, "sample": sample.numpy().astype(np.float32)},
        "diffusers",
        diffusers.__version__,
    )


# --- VAE --------------------------------------------------------------------------------------

VAE = dict(
    base_dim=4,
    z_dim=4,
    dim_mult=[1, 2, 2, 2],
    num_res_blocks=1,
    attn_scales=[],
    temperal_downsample=[False, True, True],
    dropout=0.0,
    latents_mean=[-0.25, 0.5, 0.1, -0.75],
    latents_std=[1.5, 0.8, 2.0, 1.1],
)
VAE_FRAMES, VAE_SIZE = 5, (16, 16)


def make_vae():
    torch.manual_seed(9301)
    vae = AutoencoderKLWan(**VAE).eval()
    with torch.no_grad():
        for param in vae.parameters():
            param.add_(torch.randn_like(param) * 0.1)
        for conv in (vae.encoder.conv_in, vae.decoder.conv_in):
            conv.weight.mul_(2000.0)
            conv.bias.mul_(2000.0)
    round_params_to_f16(vae)

    rng = np.random.Generator(np.random.PCG64(9302))
    sample = f16_exact(rng.uniform(-1.0, 1.0, (1, 3, VAE_FRAMES, *VAE_SIZE)))

    # RMS over channels at each norm's input, against f16's limit for that channel count.
    ratios = []

    def record(module, args, _out):
        x = args[0]
        rms = x.pow(2).mean(dim=1).sqrt().max().item()
        ratios.append(rms / np.sqrt(F16_MAX / x.shape[1]))

    from diffusers.models.autoencoders.autoencoder_kl_wan import WanRMS_norm

    hooks = [m.register_forward_hook(record) for m in vae.modules() if isinstance(m, WanRMS_norm)]
    with torch.no_grad():
        latent = vae.encode(torch.from_numpy(sample)).latent_dist.mean
        latent = torch.from_numpy(f16_exact(latent.numpy()))
        decoded = vae.decode(latent).sample
    for hook in hooks:
        hook.remove()
    print(
        f"  VAE channel RMS / sqrt(65504 / C) at the norms: max {max(ratios):.1f}, "
        f"{sum(r > 4 for r in ratios)} of {len(ratios)} norms above 4x"
    )
    assert max(ratios) > 10, ratios
    clamped = np.mean(np.abs(decoded.numpy()) >= 1.0)
    print(f"  VAE decoded: {clamped:.1%} clamped")
    assert clamped < 0.5

    folder = fresh(FIXTURES / "vae_magnitude")
    vae.save_pretrained(folder, safe_serialization=True)
    save(
        folder,
        {
            "sample": sample,
            "latent": latent.numpy().astype(np.float32),
            "decoded": decoded.numpy().astype(np.float32),
        },
        "diffusers",
        diffusers.__version__,
    )


def main():
    print(f"torch {torch.__version__}, diffusers {diffusers.__version__}, "
          f"transformers {transformers.__version__}")
    make_t5()
    make_dit()
    make_vae()


if __name__ == "__main__":
    main()
