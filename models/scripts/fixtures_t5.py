#!/usr/bin/env python3
"""Reference fixtures for Motionboard's umT5 text encoder, its tokenizer and Wan's prompt
encoding, made with transformers (and diffusers' prompt cleaning).

Writes `models/fixtures/t5_tiny/`:

  config.json, model.safetensors   a tiny random `UMT5EncoderModel` (2 layers, d_model 32,
                                   4 heads x 8, gated-GELU FFN 48, 8 buckets, max distance 16)
                                   as `save_pretrained` writes it, every parameter perturbed
  forward.safetensors              `input_ids`, `attention_mask` (int64 [2, 24], the second row
                                   padded after 9 tokens) and `last_hidden_state` (fp32)
  tokenizer.json                   a tiny SentencePiece Unigram tokenizer converted by
                                   transformers (Precompiled normalizer with a few custom rules,
                                   WhitespaceSplit + Metaspace, `</s>` appended), plus a
                                   `Replace(" {2,}", " ")` normalizer as the Hub's umT5 file has
  prompts.json                     prompts, their diffusers `prompt_clean` form, and the ids and
                                   mask transformers' T5TokenizerFast gives them when called as
                                   WanPipeline does (padding="max_length", truncation=True)
  prompt_embeds.safetensors        `input_ids`, `attention_mask` and `prompt_embeds`: the
                                   encoder's output for those prompts, zeroed after each
                                   prompt's length, as WanPipeline._get_t5_prompt_embeds

The real umT5 tokenizer cannot be downloaded here, so the tokenizer is trained on a small
embedded corpus; the Rust side only needs the same tokenizer.json machinery. diffusers' cleaning
uses ftfy when it is installed: this reference is made without ftfy, as the Rust side is.

    /tmp/refenv/bin/python models/scripts/fixtures_t5.py
"""

import json
import pathlib
import shutil
import tempfile

import numpy as np
import torch
import transformers
from safetensors.numpy import save_file
from tokenizers import Regex, normalizers
from transformers import T5TokenizerFast, UMT5Config, UMT5EncoderModel

FOLDER = "t5_tiny"
MAX_LENGTH = 32
FORWARD_LENGTH = 24  # > max distance 16: the far buckets are used

CORPUS = """A cat walks across a sunny garden, slow camera pan.
The astronaut rides a horse on the moon, cinematic lighting, wide shot.
Waves crash against the rocks at sunset and seagulls fly overhead.
A red car drives through the rainy city at night with neon reflections.
Close-up of a woman smiling, soft light, shallow depth of field.
An old man plays the violin in a quiet street while leaves fall.
Drone shot over snowy mountains, the camera slowly rises above the clouds.
Two dogs run on the beach, splashing water, golden hour.
A futuristic train glides past glass towers under a purple sky.
Time-lapse of flowers blooming in spring, macro photography.
一只猫在阳光明媚的花园里散步，镜头缓慢移动。
宇航员在月球上骑马，电影般的灯光。
海浪拍打着岩石，夕阳下海鸥在天空飞翔。
夜晚的城市下着雨，一辆红色的汽车驶过。
Ein Hund läuft über eine Wiese im Sommer.
Un chat noir dort sur le canapé près de la fenêtre.
Un tren atraviesa el desierto al amanecer.
"""

PROMPTS = [
    "A cat walks across a sunny garden, slow camera pan.",
    "一只猫在阳光明媚的花园里散步，镜头缓慢移动。",
    "  The astronaut   rides a horse\t on the moon,\n cinematic   lighting  ",
    "Waves &amp; seagulls at sunset, &quot;golden hour&quot; &#39;wide&#39; &lt;shot&gt; &amp;amp;",
    "ＦＵＬＬ\u00a0width ﬁlm",
    "Drone shot over snowy mountains, the camera slowly rises above the clouds while two dogs"
    " run on the beach, splashing water, golden hour, a futuristic train glides past.",
]

TINY = dict(
    d_model=32,
    d_kv=8,
    d_ff=48,
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


def prompt_clean(text):
    """diffusers' pipeline_wan.prompt_clean (the same code, imported to stay in step)."""
    from diffusers.pipelines.wan.pipeline_wan import prompt_clean as clean

    return clean(text)


def build_tokenizer(work: pathlib.Path):
    """A tiny SentencePiece Unigram model converted by transformers, like umT5's tokenizer."""
    import sentencepiece as spm

    (work / "corpus.txt").write_text(CORPUS, encoding="utf-8")
    # A small custom normalisation table instead of nmt_nfkc (whose charsmap is ~200 KB):
    # fullwidth ASCII -> ASCII, no-break and ideographic spaces -> space, the "fi" ligature.
    rules = [f"{c:X}\t{c - 0xFEE0:X}" for c in range(0xFF01, 0xFF5F)]
    rules += ["A0\t20", "3000\t20", "FB01\t66 69"]
    (work / "rules.tsv").write_text("\n".join(rules) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(work / "corpus.txt"),
        model_prefix=str(work / "spiece"),
        vocab_size=400,
        hard_vocab_limit=False,
        model_type="unigram",
        normalization_rule_tsv=str(work / "rules.tsv"),
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        character_coverage=1.0,
        num_threads=1,
        minloglevel=2,
    )
    spm_dir = work / "spm"
    spm_dir.mkdir()
    shutil.copy(work / "spiece.model", spm_dir / "spiece.model")
    tokenizer = T5TokenizerFast.from_pretrained(str(spm_dir), extra_ids=0)
    backend = tokenizer.backend_tokenizer
    # The Hub's umT5 tokenizer.json (converted by transformers 4) also collapses runs of spaces.
    backend.normalizer = normalizers.Sequence(
        [backend.normalizer, normalizers.Replace(Regex(" {2,}"), " ")]
    )
    return T5TokenizerFast(tokenizer_object=backend, extra_ids=0)


def tokenize(tokenizer, prompts, max_length):
    """As WanPipeline._get_t5_prompt_embeds calls the tokenizer."""
    out = tokenizer(
        prompts,
        padding="max_length",
        max_length=max_length,
        truncation=True,
        add_special_tokens=True,
        return_attention_mask=True,
        return_tensors="pt",
    )
    return out.input_ids, out.attention_mask


def make(fixtures: pathlib.Path):
    folder = fixtures / FOLDER
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)

    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = build_tokenizer(pathlib.Path(tmp))
    tokenizer.backend_tokenizer.save(str(folder / "tokenizer.json"))

    cleaned = [prompt_clean(p) for p in PROMPTS]
    ids, mask = tokenize(tokenizer, cleaned, MAX_LENGTH)
    assert mask[-1].all() and ids[-1, -1] == tokenizer.eos_token_id, "the last prompt must truncate"
    # The saved file alone gives the same ids (what the Rust side loads).
    from tokenizers import Tokenizer

    reloaded = Tokenizer.from_file(str(folder / "tokenizer.json"))
    for prompt, row, m in zip(cleaned, ids.tolist(), mask.tolist()):
        n = sum(m)
        enc = reloaded.encode(prompt).ids
        assert enc[: n - 1] == row[: n - 1], (prompt, enc, row)
    (folder / "prompts.json").write_text(
        json.dumps(
            {
                "transformers": transformers.__version__,
                "max_length": MAX_LENGTH,
                "prompts": PROMPTS,
                "cleaned": cleaned,
                "input_ids": ids.tolist(),
                "attention_mask": mask.tolist(),
            },
            ensure_ascii=False,
            indent=None,
        ).replace("], [", "],\n [")
        + "\n",
        encoding="utf-8",
    )

    torch.manual_seed(4321)
    config = UMT5Config(vocab_size=len(tokenizer), **TINY)
    model = UMT5EncoderModel(config).eval()
    # Norm weights start at one: perturb every parameter so each one matters in the check.
    with torch.no_grad():
        for param in model.parameters():
            param.add_(torch.randn_like(param) * 0.1)
    model.save_pretrained(folder)

    # A batch of two with different padding: random ids over the whole vocabulary.
    gen = torch.Generator().manual_seed(99)
    input_ids = torch.randint(3, config.vocab_size, (2, FORWARD_LENGTH), generator=gen)
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 9:] = 0
    input_ids[1, 9:] = config.pad_token_id
    with torch.no_grad():
        hidden = model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
    tensors = {
        "input_ids": input_ids.numpy().astype(np.int64),
        "attention_mask": attention_mask.numpy().astype(np.int64),
        "last_hidden_state": hidden.numpy().astype(np.float32),
    }
    save(folder / "forward.safetensors", tensors)

    # WanPipeline._get_t5_prompt_embeds: keep each prompt's first seq_len vectors, zero the rest.
    with torch.no_grad():
        embeds = model(input_ids=ids, attention_mask=mask).last_hidden_state
    seq_lens = mask.gt(0).sum(dim=1).long()
    embeds = torch.stack(
        [torch.cat([u[:v], u.new_zeros(MAX_LENGTH - v, u.size(1))]) for u, v in zip(embeds, seq_lens)]
    )
    save(
        folder / "prompt_embeds.safetensors",
        {
            "input_ids": ids.numpy().astype(np.int64),
            "attention_mask": mask.numpy().astype(np.int64),
            "prompt_embeds": embeds.numpy().astype(np.float32),
        },
    )
    total = sum(p.stat().st_size for p in folder.iterdir())
    print(
        f"{folder.relative_to(fixtures.parent)}: vocab {config.vocab_size}, "
        f"last_hidden_state max |v| {np.abs(tensors['last_hidden_state']).max():.3f}, "
        f"{total} bytes"
    )


def save(path: pathlib.Path, tensors):
    tensors = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
    for name, array in tensors.items():
        assert np.all(np.isfinite(array)), name
    save_file(tensors, str(path), metadata={"transformers": transformers.__version__})


if __name__ == "__main__":
    make(pathlib.Path(__file__).resolve().parent.parent / "fixtures")
