#!/usr/bin/env python3
"""Fixtures for loading ComfyUI's single files: the SentencePiece model umT5 files carry, and a
tiny Wan2.1-style set in ComfyUI's folder layout.

Writes under `models/fixtures/`:

  spiece_tiny/spiece.model     the tiny SentencePiece Unigram model `fixtures_t5.build_tokenizer`
                               trains (the one behind every tiny tokenizer.json), as bytes
  spiece_tiny/parity.json      prompts and the ids and masks of transformers' T5TokenizerFast
                               (converted from that spiece.model, as umT5's tokenizer.json was)
                               called as WanPipeline calls it (padding="max_length",
                               truncation=True), for several lengths; and the ids of the
                               SentencePiece library itself (`encode` + `</s>`), untruncated,
                               which agree but for tabs and newlines (<unk> there)
  wan_tiny_t2v_comfy/          the components of `wan_tiny_t2v/` as ComfyUI's save nodes and
                               Comfy-Org's repackaged files have them:
    diffusion_models/wan_tiny_t2v_fp16.safetensors
                               the original Wan names under `model.diffusion_model.`, fp16
                               except an f32 `patch_embedding.weight`, `__metadata__` with the
                               diffusers config (a tiny model's head width cannot be read from
                               shapes; real files are recognised by their shapes)
    vae/wan_tiny_vae.safetensors
                               the VAE's tensors (fp32) with its config in `__metadata__`
    text_encoders/umt5_tiny_fp8_e4m3fn_scaled.safetensors
                               umT5 as `umt5_xxl_fp8_e4m3fn_scaled`: every 2-D Linear weight in
                               float8_e4m3fn with a per-tensor `scale_weight` (max |w| / 448),
                               the rest fp16, a `scaled_fp8` marker, the SentencePiece model as
                               the U8 tensor `spiece_model`, and the config in `__metadata__`

Deterministic: running it again rewrites the same files.

    /work/venv/bin/python models/scripts/fixtures_comfy.py
"""

import json
import pathlib
import shutil
import tempfile

import numpy as np
import sentencepiece as spm
import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import T5TokenizerFast

import fixtures_t5

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
PACKAGE = FIXTURES / "wan_tiny_t2v"

PROMPTS = [
    "A cat walks across a sunny garden, slow camera pan.",
    "一只猫在阳光明媚的花园里散步，镜头缓慢移动。",
    "  The astronaut   rides a horse\t on the moon,\n cinematic   lighting  ",
    "Waves &amp; seagulls at sunset, &quot;golden hour&quot; <shot> &#39;wide&#39;",
    "ＦＵＬＬ\u00a0width ﬁlm\u3000and   泡泡 zebra xylophone",
    "",
    "   ",
    "Drone shot over snowy mountains, the camera slowly rises above the clouds while two dogs"
    " run on the beach, splashing water, golden hour, a futuristic train glides past.",
]
LENGTHS = [8, 16, 64]

# diffusers' WanTransformer3DModel names -> the original Wan names ComfyUI's files use.
DIFFUSERS_TO_ORIGINAL = [
    ("condition_embedder.time_embedder.linear_1", "time_embedding.0"),
    ("condition_embedder.time_embedder.linear_2", "time_embedding.2"),
    ("condition_embedder.time_proj", "time_projection.1"),
    ("condition_embedder.text_embedder.linear_1", "text_embedding.0"),
    ("condition_embedder.text_embedder.linear_2", "text_embedding.2"),
    (".attn1.to_q.", ".self_attn.q."),
    (".attn1.to_k.", ".self_attn.k."),
    (".attn1.to_v.", ".self_attn.v."),
    (".attn1.to_out.0.", ".self_attn.o."),
    (".attn1.norm_q.", ".self_attn.norm_q."),
    (".attn1.norm_k.", ".self_attn.norm_k."),
    (".attn2.to_q.", ".cross_attn.q."),
    (".attn2.to_k.", ".cross_attn.k."),
    (".attn2.to_v.", ".cross_attn.v."),
    (".attn2.to_out.0.", ".cross_attn.o."),
    (".attn2.norm_q.", ".cross_attn.norm_q."),
    (".attn2.norm_k.", ".cross_attn.norm_k."),
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


def train_spiece(work):
    """The spiece.model behind fixtures_t5's tokenizer, and the fast tokenizer made from it."""
    tokenizer = fixtures_t5.build_tokenizer(work)
    return (work / "spiece.model").read_bytes(), tokenizer


def make_parity(model_bytes, tokenizer):
    folder = FIXTURES / "spiece_tiny"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    (folder / "spiece.model").write_bytes(model_bytes)
    processor = spm.SentencePieceProcessor(model_proto=model_bytes)
    cases = []
    for length in LENGTHS:
        out = tokenizer(PROMPTS, padding="max_length", max_length=length, truncation=True,
                        add_special_tokens=True, return_attention_mask=True)
        cases.append({"max_length": length, "input_ids": out.input_ids,
                      "attention_mask": out.attention_mask})
    sentencepiece_ids = [processor.encode(p) + [processor.eos_id()] for p in PROMPTS]
    # The fast tokenizer agrees with SentencePiece itself wherever nothing is truncated, except
    # on tabs and newlines: SentencePiece maps them to <unk>, the fast tokenizer's
    # WhitespaceSplit drops them (Wan's pipeline uses the fast one).
    longest = cases[-1]
    for prompt, ids, mask, reference in zip(PROMPTS, longest["input_ids"],
                                             longest["attention_mask"], sentencepiece_ids):
        truncated = mask[-1] == 1
        if "\t" not in prompt and "\n" not in prompt and not truncated:
            assert ids[: sum(mask)] == reference, (prompt, ids, reference)
    (folder / "parity.json").write_text(
        json.dumps({"transformers": transformers.__version__,
                    "sentencepiece": spm.__version__,
                    "prompts": PROMPTS,
                    "cases": cases,
                    "sentencepiece_ids": sentencepiece_ids},
                   ensure_ascii=False) + "\n",
        encoding="utf-8")


def with_metadata(config_path, **extra):
    config = json.loads(config_path.read_text())
    return {"config": json.dumps(config, sort_keys=True), **extra}


def make_comfy_set(model_bytes):
    folder = FIXTURES / "wan_tiny_t2v_comfy"
    if folder.exists():
        shutil.rmtree(folder)
    for sub in ("diffusion_models", "vae", "text_encoders"):
        (folder / sub).mkdir(parents=True)

    dit = load_file(str(PACKAGE / "transformer" / "diffusion_pytorch_model.safetensors"))
    stored = {}
    for name, value in dit.items():
        original = "model.diffusion_model." + original_name(name)
        # ComfyUI keeps the patch embedding in f32 when it saves an fp16 model.
        keep_f32 = name.startswith("patch_embedding.")
        stored[original] = value.float() if keep_f32 else value.half()
    save_file(stored, str(folder / "diffusion_models" / "wan_tiny_t2v_fp16.safetensors"),
              metadata=with_metadata(PACKAGE / "transformer" / "config.json",
                                     format="pt", modelspec="wan_tiny"))

    vae = load_file(str(PACKAGE / "vae" / "diffusion_pytorch_model.safetensors"))
    save_file({k: v.contiguous() for k, v in vae.items()},
              str(folder / "vae" / "wan_tiny_vae.safetensors"),
              metadata=with_metadata(PACKAGE / "vae" / "config.json"))

    t5 = load_file(str(PACKAGE / "text_encoder" / "model.safetensors"))
    stored = {"scaled_fp8": torch.zeros(2, dtype=torch.float8_e4m3fn),
              "spiece_model": torch.from_numpy(np.frombuffer(model_bytes, dtype=np.uint8).copy())}
    for name, value in t5.items():
        if name.startswith("encoder.block.") and name.endswith(".weight") and value.ndim == 2 \
                and "relative_attention_bias" not in name:
            scale = value.abs().max().float() / 448.0
            stored[name] = (value.float() / scale).to(torch.float8_e4m3fn)
            stored[name[: -len(".weight")] + ".scale_weight"] = scale.reshape(1)
        else:
            stored[name] = value.half()
    save_file(stored, str(folder / "text_encoders" / "umt5_tiny_fp8_e4m3fn_scaled.safetensors"),
              metadata=with_metadata(PACKAGE / "text_encoder" / "config.json"))
    for path in sorted(folder.rglob("*.safetensors")):
        print(f"{path.relative_to(FIXTURES.parent)}: {path.stat().st_size} bytes")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        model_bytes, tokenizer = train_spiece(pathlib.Path(tmp))
    # The tiny packages' tokenizer.json is this model's: the same vocabulary.
    vocab = json.loads((PACKAGE / "tokenizer" / "tokenizer.json").read_text())["model"]["vocab"]
    trained = json.loads(tokenizer.backend_tokenizer.to_str())["model"]["vocab"]
    assert [p for p, _ in vocab] == [p for p, _ in trained], "the tiny tokenizer changed"
    make_parity(model_bytes, tokenizer)
    make_comfy_set(model_bytes)


if __name__ == "__main__":
    main()
