#!/usr/bin/env python3
"""PyTorch's side of `motionboard-bench`: the same model, shape and precision in diffusers, with
random weights, timed the same way (one warm-up, the median of the repeats). Prints one JSON
line: {"seconds": ..., "peak_bytes": ...}, seconds per DiT step (two forwards: prompt and
negative prompt over 512 text tokens), per decoded VAE frame, or per umT5 pass over a prompt
and a negative prompt of 512 tokens each (`t5`, with `--layers` of its 24 layers).

    python models/scripts/bench_torch.py dit --model wan2.1-1.3b --device cuda --dtype f16 \
        --frames 81 --height 480 --width 832
"""

import argparse
import json
import resource
import statistics
import time

import torch
from diffusers import AutoencoderKLWan, WanTransformer3DModel
from transformers import UMT5Config, UMT5EncoderModel

DIT = {
    "wan2.1-1.3b": (dict(num_attention_heads=12, ffn_dim=8960, in_channels=16, out_channels=16), 8),
    "wan2.2-5b": (dict(num_attention_heads=24, ffn_dim=14336, in_channels=48, out_channels=48), 16),
}
DIT_COMMON = dict(patch_size=(1, 2, 2), attention_head_dim=128, text_dim=4096, freq_dim=256,
                  num_layers=30, cross_attn_norm=True, qk_norm="rms_norm_across_heads", eps=1e-6)
VAE = {
    "wan2.1": dict(),
    "wan2.2": dict(base_dim=160, decoder_base_dim=256, z_dim=48, is_residual=True, in_channels=12,
                   out_channels=12, patch_size=2, scale_factor_temporal=4, scale_factor_spatial=16,
                   latents_mean=[0.0] * 48, latents_std=[1.0] * 48),
}
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


def timed(run, repeats, device):
    run()
    sync(device)
    seconds = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        run()
        sync(device)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def peak_bytes(device):
    if device == "cuda":
        return torch.cuda.max_memory_allocated()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["dit", "vae", "t5"])
    parser.add_argument("--layers", type=int, default=24)
    parser.add_argument("--model", required=True)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="f32")
    parser.add_argument("--frames", type=int, default=5)
    parser.add_argument("--height", type=int, default=128)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    dtype = DTYPES[args.dtype]
    latent_frames = 1 + (args.frames - 1) // 4
    torch.manual_seed(0)

    with torch.no_grad():
        if args.kind == "dit":
            extra, spatial = DIT[args.model]
            model = WanTransformer3DModel(**DIT_COMMON, **extra).to(args.device, dtype).eval()
            x = torch.randn(1, extra["in_channels"], latent_frames, args.height // spatial,
                            args.width // spatial, device=args.device, dtype=dtype)
            text = torch.randn(1, 512, 4096, device=args.device, dtype=dtype)
            negative = torch.randn(1, 512, 4096, device=args.device, dtype=dtype)
            t = torch.tensor([500.0], device=args.device)

            def step():
                model(hidden_states=x, timestep=t, encoder_hidden_states=text).sample
                model(hidden_states=x, timestep=t, encoder_hidden_states=negative).sample

            seconds = timed(step, args.repeats, args.device)
        elif args.kind == "t5":
            # umT5-XXL as Wan's text_encoder/config.json, with --layers of its 24 layers.
            config = UMT5Config(vocab_size=256384, d_model=4096, d_kv=64, d_ff=10240,
                                num_layers=args.layers, num_heads=64,
                                relative_attention_num_buckets=32,
                                relative_attention_max_distance=128,
                                feed_forward_proj="gated-gelu", is_encoder_decoder=False)
            encoder = UMT5EncoderModel(config).to(args.device, dtype).eval()
            ids = (torch.arange(2 * 512, device=args.device) * 7919 % 250000).reshape(2, 512)
            mask = torch.ones_like(ids)
            seconds = timed(lambda: encoder(input_ids=ids, attention_mask=mask).last_hidden_state,
                            args.repeats, args.device)
        else:
            vae = AutoencoderKLWan(**VAE[args.model]).to(args.device, dtype).eval()
            spatial = vae.config.scale_factor_spatial
            z = torch.randn(1, vae.config.z_dim, latent_frames, args.height // spatial,
                            args.width // spatial, device=args.device, dtype=dtype)
            seconds = timed(lambda: vae.decode(z).sample, args.repeats, args.device) / args.frames
    print(json.dumps({"seconds": seconds, "peak_bytes": peak_bytes(args.device)}))


if __name__ == "__main__":
    main()
