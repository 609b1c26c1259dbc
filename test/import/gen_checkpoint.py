#!/usr/bin/env python3
"""Writes small synthetic Hugging Face checkpoints for the importer's tests.

An independent implementation on purpose: safetensors is written by
test/lib/safetensors_np.py from the format description, and GPTQ/AWQ tensors
are packed the way AutoGPTQ's and AutoAWQ's reference code does, so the C++
readers are checked against something they share no code with.

    gen_checkpoint.py KIND OUT_DIR
KIND: llama-bf16-sharded | qwen2-tied-bias | mistral-window | llama3-rope |
      gptq-v1-actorder | gptq-v1-actorder-dequantized | gptq-v2-3bit | awq |
      bad-shape | missing-shard
With a quantized KIND, OUT_DIR/expected.npy holds every quantized layer's
dequantized weight as float32 {name: array} (np.save of a dict).
"""
import json
import sys
from pathlib import Path

import numpy as np
from safetensors_np import write as write_safetensors


def config(arch="LlamaForCausalLM", **extra):
    base = {"architectures": [arch], "hidden_size": 64, "num_hidden_layers": 2,
            "num_attention_heads": 4, "num_key_value_heads": 2,
            "intermediate_size": 128, "vocab_size": 96,
            "max_position_embeddings": 256, "rms_norm_eps": 1e-5,
            "rope_theta": 10000.0, "hidden_act": "silu",
            "tie_word_embeddings": False}
    base.update(extra)
    return base


def fp_tensors(cfg, rng, qkv_bias=False):
    d, inter, vocab = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    hd = d // cfg["num_attention_heads"]
    kv = cfg["num_key_value_heads"] * hd
    t = {"model.embed_tokens.weight": rng.standard_normal((vocab, d), np.float32),
         "model.norm.weight": np.ones(d, np.float32)}
    if not cfg["tie_word_embeddings"]:
        t["lm_head.weight"] = rng.standard_normal((vocab, d), np.float32)
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        shapes = {"self_attn.q_proj": (d, d), "self_attn.k_proj": (kv, d),
                  "self_attn.v_proj": (kv, d), "self_attn.o_proj": (d, d),
                  "mlp.gate_proj": (inter, d), "mlp.up_proj": (inter, d),
                  "mlp.down_proj": (d, inter)}
        for name, shape in shapes.items():
            t[p + name + ".weight"] = rng.standard_normal(shape, np.float32) * 0.05
            if qkv_bias and name in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"):
                t[p + name + ".bias"] = rng.standard_normal(shape[0], np.float32)
        t[p + "input_layernorm.weight"] = np.ones(d, np.float32)
        t[p + "post_attention_layernorm.weight"] = np.ones(d, np.float32)
    return t


def pack_gptq_columnwise(intweight, bits):
    """AutoGPTQ QuantLinear.pack: intweight is [in, out]; packs along `in`."""
    intweight = intweight.astype(np.uint32)
    rows = intweight.shape[0] * bits // 32
    qweight = np.zeros((rows, intweight.shape[1]), dtype=np.uint32)
    i, row = 0, 0
    while row < rows:
        if bits in (2, 4, 8):
            for j in range(i, i + 32 // bits):
                qweight[row] |= intweight[j] << (bits * (j - i))
            i += 32 // bits
            row += 1
        else:  # bits == 3: 32 values over three words, two of them straddling
            for j in range(i, i + 10):
                qweight[row] |= intweight[j] << (3 * (j - i))
            i += 10
            qweight[row] |= intweight[i] << 30
            row += 1
            qweight[row] |= (intweight[i] >> 2) & 1
            i += 1
            for j in range(i, i + 10):
                qweight[row] |= intweight[j] << (3 * (j - i) + 1)
            i += 10
            qweight[row] |= intweight[i] << 31
            row += 1
            qweight[row] |= (intweight[i] >> 1) & 0x3
            i += 1
            for j in range(i, i + 10):
                qweight[row] |= intweight[j] << (3 * (j - i) + 2)
            i += 10
            row += 1
    return qweight.view(np.int32)


def gptq_layer(rng, out_f, in_f, bits, group, act_order, v2):
    maxq = 2 ** bits - 1
    groups = in_f // group
    q = rng.integers(0, maxq + 1, (out_f, in_f)).astype(np.uint32)
    zeros = rng.integers(0, maxq + 1, (groups, out_f)).astype(np.uint32)
    scales = (rng.random((groups, out_f)) * 0.01 + 0.001).astype(np.float16)
    if act_order:
        perm = rng.permutation(in_f)
        g_idx = np.empty(in_f, np.int32)
        g_idx[perm] = np.arange(in_f) // group
    else:
        g_idx = (np.arange(in_f) // group).astype(np.int32)
    # AutoGPTQ stores zero points minus one in v1 (wrapping in the bit width).
    stored = zeros if v2 else (zeros - 1) & maxq
    qzeros = pack_gptq_columnwise(stored.T, bits).T  # pack along out features
    qweight = pack_gptq_columnwise(q.T, bits)
    weight = (scales.astype(np.float32)[g_idx].T *
              (q.astype(np.float32) - zeros.astype(np.float32)[g_idx].T))
    return {"qweight": qweight, "qzeros": np.ascontiguousarray(qzeros),
            "scales": scales, "g_idx": g_idx}, weight


def awq_layer(rng, out_f, in_f, group):
    order = [0, 2, 4, 6, 1, 3, 5, 7]
    groups = in_f // group
    q = rng.integers(0, 16, (in_f, out_f)).astype(np.uint32)
    zeros = rng.integers(0, 16, (groups, out_f)).astype(np.uint32)
    scales = (rng.random((groups, out_f)) * 0.01 + 0.001).astype(np.float16)

    def pack(values):  # AutoAWQ GEMM: 8 output channels a word, interleaved
        packed = np.zeros((values.shape[0], values.shape[1] // 8), np.uint32)
        for col in range(values.shape[1] // 8):
            for i in range(8):
                packed[:, col] |= values[:, col * 8 + order[i]] << (i * 4)
        return packed.view(np.int32)

    g = np.arange(in_f) // group
    weight = (scales.astype(np.float32)[g] * (q.astype(np.float32) -
                                               zeros.astype(np.float32)[g])).T
    return {"qweight": pack(q), "qzeros": pack(zeros), "scales": scales}, weight


def quantized_checkpoint(out, rng, method, bits, group, act_order=False, v2=False,
                         dequantized=False):
    """With `dequantized`, the same model with every quantized layer stored
    as its float32 dequantized weight: a float reference for end-to-end
    tests of the quantized one."""
    quant = {"quant_method": method, "bits": bits, "group_size": group}
    if method == "gptq":
        quant.update(desc_act=act_order, sym=False,
                     checkpoint_format="gptq_v2" if v2 else "gptq")
    else:
        quant.update(zero_point=True, version="gemm")
    cfg = config(quantization_config=quant)
    tensors = fp_tensors(cfg, rng)
    expected = {}
    for name in list(tensors):
        if not name.startswith("model.layers.") or tensors[name].ndim != 2:
            continue
        out_f, in_f = tensors.pop(name).shape
        prefix = name[: -len(".weight")]
        if method == "gptq":
            parts, weight = gptq_layer(rng, out_f, in_f, bits, group, act_order, v2)
        else:
            parts, weight = awq_layer(rng, out_f, in_f, group)
        expected[name] = weight.astype(np.float32)
        if dequantized:
            continue
        for part, array in parts.items():
            tensors[f"{prefix}.{part}"] = array
    if dequantized:
        del cfg["quantization_config"]
        write(out, cfg, {"model.safetensors": {**tensors, **expected}})
        return
    write(out, cfg, {"model.safetensors": tensors})
    np.save(out / "expected.npy", expected, allow_pickle=True)


def write(out, cfg, shards, bf16=()):
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(cfg, indent=1))
    for file, tensors in shards.items():
        write_safetensors(out / file, tensors, bf16=bf16, metadata={"format": "pt"})
    if len(shards) > 1:
        index = {"metadata": {"total_size": 0},
                 "weight_map": {n: f for f, ts in shards.items() for n in ts}}
        (out / "model.safetensors.index.json").write_text(json.dumps(index))


def split(tensors):
    names = sorted(tensors)
    half = len(names) // 2
    return {"model-00001-of-00002.safetensors": {n: tensors[n] for n in names[:half]},
            "model-00002-of-00002.safetensors": {n: tensors[n] for n in names[half:]}}


def main(kind, out):
    out, rng = Path(out), np.random.default_rng(0)
    if kind == "llama-bf16-sharded":
        cfg = config(torch_dtype="bfloat16")
        tensors = fp_tensors(cfg, rng)
        write(out, cfg, split(tensors), bf16=set(tensors))
    elif kind == "qwen2-tied-bias":
        cfg = config("Qwen2ForCausalLM", tie_word_embeddings=True,
                     use_sliding_window=True, sliding_window=32, max_window_layers=1)
        write(out, cfg, {"model.safetensors": fp_tensors(cfg, rng, qkv_bias=True)})
    elif kind == "mistral-window":
        cfg = config("MistralForCausalLM", sliding_window=64, num_key_value_heads=1)
        write(out, cfg, {"model.safetensors": fp_tensors(cfg, rng)})
    elif kind == "llama3-rope":
        cfg = config(rope_scaling={"rope_type": "llama3", "factor": 8.0,
                                   "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                   "original_max_position_embeddings": 8192},
                     rope_theta=500000.0)
        write(out, cfg, {"model.safetensors": fp_tensors(cfg, rng)})
    elif kind == "gptq-v1-actorder":
        quantized_checkpoint(out, rng, "gptq", 4, 32, act_order=True)
    elif kind == "gptq-v1-actorder-dequantized":
        quantized_checkpoint(out, rng, "gptq", 4, 32, act_order=True, dequantized=True)
    elif kind == "gptq-v2-3bit":
        quantized_checkpoint(out, rng, "gptq", 3, 32, v2=True)
    elif kind == "awq":
        quantized_checkpoint(out, rng, "awq", 4, 32)
    elif kind == "bad-shape":
        cfg = config()
        tensors = fp_tensors(cfg, rng)
        tensors["model.layers.1.mlp.up_proj.weight"] = np.zeros((64, 128), np.float32)
        write(out, cfg, {"model.safetensors": tensors})
    elif kind == "missing-shard":
        cfg = config()
        write(out, cfg, split(fp_tensors(cfg, rng)))
        (out / "model-00002-of-00002.safetensors").unlink()
    else:
        sys.exit(f"unknown kind {kind}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
