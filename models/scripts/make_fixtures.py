#!/usr/bin/env python3
"""Reference fixtures for Motionboard's flow-matching samplers, made with diffusers.

For each scheduler configuration this script builds the diffusers scheduler, saves its config
with `save_pretrained` into `models/fixtures/scheduler_<name>/`, and runs whole schedules on a
small fixed sample with fixed per-step model outputs. Each run is saved as
`<case>.safetensors` in the tensor names of the checking tool
(`motionboard-models run --component scheduler`):

  inputs   `sample` (the starting noise), `model_outputs` [S, ...] (the model output used at
           each of the S steps), `num_inference_steps` (int64, one element); optionally
           `sigmas` (float32, a custom schedule as passed to `set_timesteps(sigmas=...)`) and
           `begin_index` (int64, one element: the first step, as `set_begin_index`)
  outputs  `prev_samples` [S, ...] (the sample after each step), `timesteps` (float32, the
           scheduler's timesteps) and `schedule_sigmas` (float32, its sigmas, final one included)

Everything is deterministic (fixed seeds), so running it again rewrites the same files.
Setup (any recent versions; the committed fixtures were made with the versions it prints):

    python3 -m venv .venv && .venv/bin/pip install torch diffusers safetensors numpy
    .venv/bin/python models/scripts/make_fixtures.py
"""

import pathlib
import shutil

import diffusers
import numpy as np
import torch
from diffusers import FlowMatchEulerDiscreteScheduler, UniPCMultistepScheduler, WanTransformer3DModel
from safetensors.numpy import load_file, save_file
from safetensors.torch import load_file as load_torch_file, save_file as save_torch_file

import fixtures_pipeline
import fixtures_t5
import fixtures_vae

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
# [B, C, F, H, W]: a tiny video latent.
SHAPE = (1, 4, 3, 4, 4)
FEW_STEP_SIGMAS = [1.0, 0.75, 0.5, 0.25]

# name -> (factory, [(case, num_inference_steps, custom sigmas or None, begin index)])
SCHEDULERS = {
    # Wan2.1/2.2's default sampler, exactly as its diffusers scheduler_config.json sets it up.
    "unipc": (
        lambda: UniPCMultistepScheduler(
            prediction_type="flow_prediction",
            use_flow_sigmas=True,
            num_train_timesteps=1000,
            flow_shift=3.0,
        ),
        [
            ("steps10", 10, None, 0),
            ("steps4", 4, None, 0),
            ("begin3", 10, None, 3),
            ("sigmas4", None, FEW_STEP_SIGMAS, 0),
        ],
    ),
    # Third order: the predictor and corrector solve their small linear systems.
    "unipc_order3": (
        lambda: UniPCMultistepScheduler(
            prediction_type="flow_prediction",
            use_flow_sigmas=True,
            num_train_timesteps=1000,
            flow_shift=5.0,
            solver_order=3,
        ),
        [("steps10", 10, None, 0)],
    ),
    # The bh1 variant without lower-order final steps, ending at sigma_min instead of zero
    # (with a zero final sigma both give NaN in diffusers).
    "unipc_bh1": (
        lambda: UniPCMultistepScheduler(
            prediction_type="flow_prediction",
            use_flow_sigmas=True,
            num_train_timesteps=1000,
            flow_shift=3.0,
            solver_type="bh1",
            lower_order_final=False,
            final_sigmas_type="sigma_min",
        ),
        [("steps10", 10, None, 0)],
    ),
    "euler": (
        lambda: FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=3.0),
        [
            ("steps10", 10, None, 0),
            ("begin3", 10, None, 3),
            ("sigmas4", None, FEW_STEP_SIGMAS, 0),
        ],
    ),
}


def model_outputs_for(sample: np.ndarray, steps: int, seed: int) -> np.ndarray:
    """Per-step model outputs that look like a flow model's: eps - x0 plus a little wobble."""
    rng = np.random.Generator(np.random.PCG64(seed))
    x0 = rng.standard_normal(SHAPE).astype(np.float32) * 0.5
    wobble = rng.standard_normal((steps, *SHAPE)).astype(np.float32) * 0.1
    return np.ascontiguousarray((sample - x0)[None] + wobble, dtype=np.float32)


def run_case(scheduler, steps, sigmas, begin, seed):
    if sigmas is not None:
        if isinstance(scheduler, UniPCMultistepScheduler):
            # UniPC shifts the given sigmas with numpy float64 arithmetic.
            scheduler.set_timesteps(sigmas=np.array(sigmas, dtype=np.float32).astype(np.float64))
        else:
            scheduler.set_timesteps(sigmas=sigmas)
    else:
        scheduler.set_timesteps(num_inference_steps=steps)
    n = len(scheduler.timesteps)
    scheduler.set_begin_index(begin)

    rng = np.random.Generator(np.random.PCG64(seed))
    sample = np.ascontiguousarray(rng.standard_normal(SHAPE), dtype=np.float32)
    model_outputs = model_outputs_for(sample, n - begin, seed + 1)

    x = torch.from_numpy(sample.copy())
    prev = []
    for i, t in enumerate(scheduler.timesteps[begin:]):
        x = scheduler.step(torch.from_numpy(model_outputs[i].copy()), t, x).prev_sample
        prev.append(x.numpy().copy())

    tensors = {
        "sample": sample,
        "model_outputs": model_outputs,
        "num_inference_steps": np.array([n], dtype=np.int64),
        "prev_samples": np.ascontiguousarray(np.stack(prev), dtype=np.float32),
        "timesteps": np.ascontiguousarray(scheduler.timesteps.numpy(), dtype=np.float32),
        "schedule_sigmas": np.ascontiguousarray(scheduler.sigmas.numpy(), dtype=np.float32),
    }
    if sigmas is not None:
        tensors["sigmas"] = np.array(sigmas, dtype=np.float32)
    if begin:
        tensors["begin_index"] = np.array([begin], dtype=np.int64)
    for name, array in tensors.items():
        assert array.flags["C_CONTIGUOUS"], name
        assert np.all(np.isfinite(array)), name
    return tensors


# A tiny Wan DiT (WanTransformer3DModel): 2 layers, 2 heads x 16, Wan2.1's structure.
DIT_TINY = dict(
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


def make_dit_fixture():
    """`dit_tiny/`: the model's config.json + diffusion_pytorch_model.safetensors as
    `save_pretrained` writes them, and `forward.safetensors` with inputs `hidden_states`
    [1,4,3,4,4], `timestep` [1] (float32), `encoder_hidden_states` [1,5,24] and the output
    `sample` [1,4,3,4,4], all fp32."""
    torch.manual_seed(1234)
    model = WanTransformer3DModel(**DIT_TINY).eval()
    # diffusers initialises some weights (e.g. norms, biases) to constants: perturb every
    # parameter so that each one matters in the parity check.
    with torch.no_grad():
        for param in model.parameters():
            param.add_(torch.randn_like(param) * 0.1)
    folder = FIXTURES / "dit_tiny"
    if folder.exists():
        shutil.rmtree(folder)
    model.save_pretrained(folder, safe_serialization=True)

    rng = np.random.Generator(np.random.PCG64(77))
    inputs = {
        "hidden_states": rng.standard_normal((1, 4, 3, 4, 4)).astype(np.float32),
        "timestep": np.array([637.0], dtype=np.float32),
        "encoder_hidden_states": rng.standard_normal((1, 5, 24)).astype(np.float32),
    }
    with torch.no_grad():
        sample = model(
            hidden_states=torch.from_numpy(inputs["hidden_states"].copy()),
            timestep=torch.from_numpy(inputs["timestep"].copy()),
            encoder_hidden_states=torch.from_numpy(inputs["encoder_hidden_states"].copy()),
        ).sample
    tensors = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in inputs.items()}
    tensors["sample"] = np.ascontiguousarray(sample.numpy(), dtype=np.float32)
    for name, array in tensors.items():
        assert array.flags["C_CONTIGUOUS"] and np.all(np.isfinite(array)), name
    path = folder / "forward.safetensors"
    save_file(tensors, str(path), metadata={"diffusers": diffusers.__version__})
    print(f"{path.relative_to(FIXTURES.parent)}: sample max |v| {np.abs(tensors['sample']).max():.3f}")


# diffusers' conversion table (scripts/convert_wan_to_diffusers.py) read backwards: diffusers
# name fragment -> the original Wan / ComfyUI one.
DIFFUSERS_TO_ORIGINAL = [
    ("condition_embedder.time_embedder.linear_1", "time_embedding.0"),
    ("condition_embedder.time_embedder.linear_2", "time_embedding.2"),
    ("condition_embedder.text_embedder.linear_1", "text_embedding.0"),
    ("condition_embedder.text_embedder.linear_2", "text_embedding.2"),
    ("condition_embedder.time_proj", "time_projection.1"),
    ("attn1.to_out.0", "self_attn.o"),
    ("attn2.to_out.0", "cross_attn.o"),
    ("attn1.to_", "self_attn."),
    ("attn2.to_", "cross_attn."),
    ("attn1.norm_", "self_attn.norm_"),
    ("attn2.norm_", "cross_attn.norm_"),
    ("ffn.net.0.proj", "ffn.0"),
    ("ffn.net.2", "ffn.2"),
    (".norm2.", ".norm3."),
    ("proj_out", "head.head"),
]


def original_name(name):
    if name == "scale_shift_table":
        return "head.modulation"
    if name.endswith(".scale_shift_table"):
        return name.replace(".scale_shift_table", ".modulation")
    for fragment, original in DIFFUSERS_TO_ORIGINAL:
        name = name.replace(fragment, original)
    return name


def quantise_fp8_scaled(state):
    """ComfyUI's `fp8_scaled` layout: every 2-D Linear weight inside the blocks stored as
    float8_e4m3fn divided by a per-tensor `scale_weight` (max |w| / 448), the rest in fp16, and a
    `scaled_fp8` marker. Returns (file tensors, the weights the file stands for, in fp32)."""
    stored, effective = {"scaled_fp8": torch.zeros(2, dtype=torch.float8_e4m3fn)}, {}
    for name, value in state.items():
        original = original_name(name)
        if original.startswith("blocks.") and original.endswith(".weight") and value.ndim == 2:
            scale = value.abs().max() / 448.0
            q = (value / scale).to(torch.float8_e4m3fn)
            stored[original] = q
            stored[original[: -len(".weight")] + ".scale_weight"] = scale.reshape(1).float()
            effective[name] = q.float() * scale.float()
        else:
            stored[original] = value.half()
            effective[name] = value.half().float()
    return stored, effective


def forward_with(model, state, inputs):
    model.load_state_dict(state)
    with torch.no_grad():
        return model(
            hidden_states=torch.from_numpy(inputs["hidden_states"].copy()),
            timestep=torch.from_numpy(inputs["timestep"].copy()),
            encoder_hidden_states=torch.from_numpy(inputs["encoder_hidden_states"].copy()),
        ).sample.numpy()


def make_dit_layout_fixtures():
    """The tiny DiT of `dit_tiny/` in the other layouts and precisions a creator's files come in,
    each with the reference output of the weights it stands for:

    - `dit_tiny/forward_per_token.safetensors`: Wan2.2 TI2V's per-token timesteps `timestep`
      [1, tokens] (zero for the first latent frame's tokens, the clean image condition).
    - `dit_sharded/`: the diffusers folder, sharded with a `*.safetensors.index.json`.
    - `dit_comfy/wan_tiny_fp16.safetensors` and `wan_tiny_fp8_scaled.safetensors`: ComfyUI's
      single-file layout (the original Wan names) in fp16 and in fp8 e4m3fn with per-tensor
      scales; `forward_fp16.safetensors` / `forward_fp8_scaled.safetensors` hold the output of
      the model with exactly those (rounded) weights, computed in fp32.
    """
    source = FIXTURES / "dit_tiny"
    # From the saved files (not from_pretrained, which wants `accelerate` for this model).
    model = WanTransformer3DModel(**DIT_TINY).eval()
    model.load_state_dict(load_torch_file(str(source / "diffusion_pytorch_model.safetensors")))
    state = {k: v.clone() for k, v in model.state_dict().items()}
    base = load_file(str(source / "forward.safetensors"))
    inputs = {k: base[k] for k in ("hidden_states", "encoder_hidden_states")}

    # Per-token timesteps: tokens are (frame, row, column) in patch order.
    _, _, frames, height, width = inputs["hidden_states"].shape
    pt, ph, pw = DIT_TINY["patch_size"]
    per_frame = (height // ph) * (width // pw)
    tokens = (frames // pt) * per_frame
    timestep = np.full((1, tokens), 637.0, dtype=np.float32)
    timestep[0, :per_frame] = 0.0
    per_token = dict(inputs, timestep=timestep)
    sample = forward_with(model, state, per_token)
    save_file({**contiguous(per_token), "sample": contiguous({"s": sample})["s"]},
              str(source / "forward_per_token.safetensors"),
              metadata={"diffusers": diffusers.__version__})

    sharded = FIXTURES / "dit_sharded"
    if sharded.exists():
        shutil.rmtree(sharded)
    model.save_pretrained(sharded, safe_serialization=True, max_shard_size="60KB")
    assert len(list(sharded.glob("*.safetensors"))) > 1, "expected several shards"

    comfy = FIXTURES / "dit_comfy"
    if comfy.exists():
        shutil.rmtree(comfy)
    comfy.mkdir()
    with_one_timestep = dict(inputs, timestep=base["timestep"])
    fp16 = {original_name(k): v.half() for k, v in state.items()}
    save_torch_file(fp16, str(comfy / "wan_tiny_fp16.safetensors"))
    effective = {k: v.half().float() for k, v in state.items()}
    save_file({"sample": contiguous({"s": forward_with(model, effective, with_one_timestep)})["s"]},
              str(comfy / "forward_fp16.safetensors"))
    stored, effective = quantise_fp8_scaled(state)
    save_torch_file(stored, str(comfy / "wan_tiny_fp8_scaled.safetensors"))
    save_file({"sample": contiguous({"s": forward_with(model, effective, with_one_timestep)})["s"]},
              str(comfy / "forward_fp8_scaled.safetensors"))
    model.load_state_dict(state)
    for path in sorted([*comfy.iterdir(), *sharded.iterdir(), source / "forward_per_token.safetensors"]):
        print(f"{path.relative_to(FIXTURES.parent)}: {path.stat().st_size} bytes")


def contiguous(tensors):
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}


def main():
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, diffusers {diffusers.__version__}, numpy {np.__version__}")
    make_dit_fixture()
    make_dit_layout_fixtures()
    fixtures_t5.make(FIXTURES)
    fixtures_vae.make(FIXTURES)
    fixtures_pipeline.make(FIXTURES)
    for index, (name, (factory, cases)) in enumerate(SCHEDULERS.items()):
        folder = FIXTURES / f"scheduler_{name}"
        if folder.exists():
            shutil.rmtree(folder)
        factory().save_pretrained(folder)
        for case_index, (case, steps, sigmas, begin) in enumerate(cases):
            # A fresh scheduler per case, from the saved config, as a user's run would load it.
            scheduler = type(factory()).from_pretrained(folder)
            seed = 1000 * index + 10 * case_index
            tensors = run_case(scheduler, steps, sigmas, begin, seed)
            path = folder / f"{case}.safetensors"
            save_file(tensors, str(path), metadata={"diffusers": diffusers.__version__})
            print(f"{path.relative_to(FIXTURES.parent)}: {len(tensors['timesteps'])} steps, "
                  f"{path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
