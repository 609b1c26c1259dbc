#!/usr/bin/env python3
"""Float64 reference perplexity of a Llama with a simulated per-layer KV cache.

    kv_reference.py MODEL_DIR IDS.bin CTX TYPES EVAL.json TOLERANCE

MODEL_DIR holds config.json and model.safetensors (float32); IDS.bin the
token ids (int32, qf-tokenize); TYPES the storage of each layer's cache,
comma-separated: f32, int8 or fp8 (e.g. "int8,fp8"). The protocol is
reference.json's: non-overlapping windows of CTX tokens, positions 1..CTX-1
scored. What the cache holds is fake-quantized as docs/kv-cache.md says:
int8 with scale = max|x| / 127 per token and KV head (1 if zero), round half
to even, clamp to +-127; fp8 e4m3fn by clamping to +-448 and rounding to
nearest even. Keys after RoPE and values, the current token included.

Prints "ppl A vs reference B: relative R within|exceeds T" and whether the
scored token counts agree; exits 1 unless both hold.
"""
import json
import sys

import numpy as np
from safetensors_np import read


def load_safetensors(path):
    tensors = read(path, widen_bf16=False)
    for name, array in tensors.items():
        assert array.dtype == np.float32, name
    return {name: array.astype(np.float64) for name, array in tensors.items()}


def quantize_int8(x):
    # x: [..., head_dim]; one scale per row. The level is chosen in float32,
    # as the compiled code and reference.json do: in float64, x / scale
    # lands on the other side of .5 for a few values.
    x = x.astype(np.float32)
    scale = np.abs(x).max(axis=-1, keepdims=True) / np.float32(127.0)
    scale = np.where(scale == 0, np.float32(1.0), scale)
    levels = np.clip(np.round(x / scale), -127, 127)
    return scale.astype(np.float64) * levels


def quantize_fp8(x):
    x = np.clip(x, -448.0, 448.0)
    magnitude = np.abs(x)
    # Normal numbers keep 3 mantissa bits: steps of 2^(e - 3); below 2^-6
    # subnormal steps of 2^-9.
    exponent = np.floor(np.log2(np.where(magnitude > 0, magnitude, 1.0)))
    step = np.where(magnitude < 2.0**-6, 2.0**-9, 2.0**(exponent - 3))
    return np.sign(x) * np.round(magnitude / step) * step


QUANTIZERS = {"f32": lambda x: x, "int8": quantize_int8, "fp8": quantize_fp8}


def rms_norm(x, weight, eps):
    return x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps) * weight


def window_nll(ids, w, config, quantizers):
    hidden, heads = config["hidden_size"], config["num_attention_heads"]
    kv_heads = config["num_key_value_heads"]
    dim = config.get("head_dim") or hidden // heads
    eps = config["rms_norm_eps"]
    rope = config.get("rope_parameters") or {}
    theta = rope.get("rope_theta", config.get("rope_theta", 10000.0))
    seq = len(ids)
    inv_freq = 1.0 / theta ** (np.arange(0, dim, 2) / dim)
    angles = np.arange(seq)[:, None] * inv_freq[None, :]
    cos = np.cos(np.concatenate([angles, angles], axis=-1))[:, None, :]
    sin = np.sin(np.concatenate([angles, angles], axis=-1))[:, None, :]

    def rotate(x):  # [seq, heads, dim], HF's rotate_half
        half = dim // 2
        return x * cos + np.concatenate([-x[..., half:], x[..., :half]], -1) * sin

    causal = np.triu(np.full((seq, seq), -np.inf), 1)
    x = w["model.embed_tokens.weight"][ids]
    for layer, quantize in enumerate(quantizers):
        p = f"model.layers.{layer}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (h @ w[p + "self_attn.q_proj.weight"].T).reshape(seq, heads, dim)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).reshape(seq, kv_heads, dim)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).reshape(seq, kv_heads, dim)
        q, k = rotate(q), quantize(rotate(k))
        v = quantize(v)
        group = heads // kv_heads
        k = np.repeat(k, group, axis=1)
        v = np.repeat(v, group, axis=1)
        scores = np.einsum("ihd,jhd->hij", q, k) / np.sqrt(dim) + causal
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        attended = np.einsum("hij,jhd->ihd", scores, v).reshape(seq, hidden)
        x = x + attended @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = h @ w[p + "mlp.gate_proj.weight"].T
        up = h @ w[p + "mlp.up_proj.weight"].T
        x = x + (gate / (1 + np.exp(-gate)) * up) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
    logits = x[:-1] @ head.T
    top = logits.max(axis=-1, keepdims=True)
    log_z = top[:, 0] + np.log(np.exp(logits - top).sum(axis=-1))
    return float((log_z - logits[np.arange(seq - 1), ids[1:]]).sum())


def main():
    model, ids_path, ctx, types, eval_path, tolerance = sys.argv[1:7]
    ctx, tolerance = int(ctx), float(tolerance)
    config = json.load(open(f"{model}/config.json"))
    quantizers = [QUANTIZERS[t] for t in types.split(",")]
    if len(quantizers) != config["num_hidden_layers"]:
        sys.exit(f"kv_reference.py: {types} names {len(quantizers)} layers, "
                 f"the model has {config['num_hidden_layers']}")
    weights = load_safetensors(f"{model}/model.safetensors")
    ids = np.fromfile(ids_path, dtype="<i4")
    windows = len(ids) // ctx
    nll = sum(window_nll(ids[k * ctx:(k + 1) * ctx], weights, config, quantizers)
              for k in range(windows))
    scored = windows * (ctx - 1)
    reference = float(np.exp(nll / scored))
    measured = json.loads(open(eval_path).read().strip().splitlines()[-1])
    relative = abs(measured["ppl"] - reference) / reference
    verdict = "within" if relative <= tolerance else "exceeds"
    counts = "counts equal" if measured["scored_tokens"] == scored else "counts differ"
    print(f"ppl {measured['ppl']:.6f} vs reference {reference:.6f}: relative "
          f"{relative:.2e} {verdict} {tolerance:g} {counts}")
    sys.exit(0 if verdict == "within" and counts == "counts equal" else 1)


if __name__ == "__main__":
    main()
