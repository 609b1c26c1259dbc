#!/usr/bin/env python3
"""Test data for llm-quantize-awq, and its checks.

    awq_check.py tiny OUTDIR
        Weights and statistics for the small modules of llm-quantize-awq.mlir
        (an MLP, a grouped-query and a multi-head attention block), and
        broken variants of them for the diagnostics.
    awq_check.py fold MODEL_DIR AWQ.safetensors DEQUANTIZED.safetensors
        For every layer of a multi-head Llama checkpoint quantized with AWQ
        (the pass's parameter file, and its weights dequantized), compares
        what the quantized model computes with the checkpoint: the maps
        x -> W diag(g) x of q/k and gate after their RMSNorms, o v diag(g)
        through attention's values, and the MLP on random inputs.
        Quantization leaves a small error; a fold missing or wrong a large.
    awq_check.py report REPORT.json
        Summarizes the pass's JSON report (passes/Quant/Report.h) for
        FileCheck.
"""
import json
import sys
from pathlib import Path

import numpy as np

from safetensors_np import read, write as write_any


def write(path, tensors):
    # The passes read float32 weights and statistics.
    write_any(path, tensors, np.float32)

RNG = np.random.default_rng(0)


def inputs(tokens, cols):
    """Activations with a few outlier channels, as LLMs have."""
    x = RNG.standard_normal((tokens, cols))
    x[:, [1, 5, 11]] *= 15
    return x


def tiny(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    weights, stats = {}, {}

    def group(keys_shapes, cols, norm=None):
        x = inputs(256, cols)
        for key, rows in keys_shapes:
            weights[key] = RNG.standard_normal((rows, cols))
            stats[key + ".absmean"] = np.abs(x).mean(axis=0)
            stats[key + ".hessian"] = 2 / len(x) * x.T @ x
        if norm:
            weights[norm] = 1 + 0.1 * RNG.standard_normal(cols)

    m = "model.layers.0."
    group([(m + "mlp.gate_proj.weight", 32), (m + "mlp.up_proj.weight", 32)], 16,
          m + "post_attention_layernorm.weight")
    group([(m + "mlp.down_proj.weight", 16)], 32)
    for layer, kv in ((1, 8), (2, 16)):
        a = f"model.layers.{layer}."
        group([(a + "self_attn.q_proj.weight", 16), (a + "self_attn.k_proj.weight", kv),
               (a + "self_attn.v_proj.weight", kv)], 16, a + "input_layernorm.weight")
        group([(a + "self_attn.o_proj.weight", 16)], 16)
    write(out / "weights.safetensors", weights)
    write(out / "stats.safetensors", stats)

    gate, up = m + "mlp.gate_proj.weight", m + "mlp.up_proj.weight"
    write(out / "stats-no-absmean.safetensors",
          {k: v for k, v in stats.items() if k != gate + ".absmean"})
    write(out / "stats-no-up-hessian.safetensors",
          {k: v for k, v in stats.items() if k != up + ".hessian"})
    write(out / "stats-bad-shape.safetensors", {**stats, gate + ".absmean": np.ones(8)})
    nan = dict(weights)
    nan[gate] = weights[gate].copy()
    nan[gate][3, 4] = np.nan
    write(out / "weights-nan.safetensors", nan)
    write(out / "weights-no-norm.safetensors",
          {k: v for k, v in weights.items() if "layernorm" not in k})


def rel(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def fold(model, params, dequantized):
    stored = {k: v.astype(np.float64) for k, v in read(Path(model) / "model.safetensors").items()}
    norms = {k: v.astype(np.float64) for k, v in read(params).items() if k.endswith("layernorm.weight")}
    quant = {k: v.astype(np.float64) for k, v in read(dequantized).items()}
    layers = sorted({int(k.split(".")[2]) for k in quant})
    worst, unfolded = 0.0, 0.0
    for i in layers:
        p = f"model.layers.{i}."
        g1, g1q = stored[p + "input_layernorm.weight"], norms[p + "input_layernorm.weight"]
        g2, g2q = stored[p + "post_attention_layernorm.weight"], norms[p + "post_attention_layernorm.weight"]
        w = lambda name: stored[p + name + ".weight"]  # noqa: E731
        q = lambda name: quant[p + name + ".weight"]  # noqa: E731
        # v and up are also scaled by the groups they feed: only the
        # compositions with o and down are the checkpoint's.
        errors = [rel(q(f"self_attn.{n}_proj") * g1q, w(f"self_attn.{n}_proj") * g1) for n in "qk"]
        errors.append(rel(q("self_attn.o_proj") @ q("self_attn.v_proj") * g1q,
                          w("self_attn.o_proj") @ w("self_attn.v_proj") * g1))
        errors.append(rel(q("mlp.gate_proj") * g2q, w("mlp.gate_proj") * g2))
        r = RNG.standard_normal((64, len(g2)))

        def mlp(gate, up, down, g):
            a, b = (r * g) @ gate.T, (r * g) @ up.T
            return (a / (1 + np.exp(-a)) * b) @ down.T

        errors.append(rel(mlp(q("mlp.gate_proj"), q("mlp.up_proj"), q("mlp.down_proj"), g2q),
                          mlp(w("mlp.gate_proj"), w("mlp.up_proj"), w("mlp.down_proj"), g2)))
        worst = max(worst, max(errors))
        # The same quantized weights with the stored norms: what a fold that
        # forgot the producers would compute.
        unfolded = max(unfolded, rel(q("self_attn.q_proj") * g1, w("self_attn.q_proj") * g1),
                       rel(q("mlp.gate_proj") * g2, w("mlp.gate_proj") * g2),
                       rel(mlp(q("mlp.gate_proj"), q("mlp.up_proj"), q("mlp.down_proj"), g2),
                           mlp(w("mlp.gate_proj"), w("mlp.up_proj"), w("mlp.down_proj"), g2)))
    print(f"{len(layers)} layers: quantized function within {worst:.1e} of the checkpoint's",
          "ok" if worst < 0.02 else "TOO FAR")
    print(f"without the folds: {unfolded:.1e},", "far" if unfolded > 3 * worst else "NOT FAR")


def report(path):
    data = json.loads(Path(path).read_text())
    layers = data["linears"]
    fields = {"key", "method", "bits", "group_size", "error_before", "error_after",
              "relative_error", "seconds", "alpha", "fold", "clip"}
    complete = all(fields <= set(entry) for entry in layers)
    total = sum(e["error_after"] for e in layers)
    total_rtn = sum(e["error_before"] for e in layers)
    print(f"{data['method']} w{data['bits']} g{data['group_size']} grid {data['settings']['grid']:g}:",
          f"{len(layers)} linears, fields complete: {complete},",
          f"output error below RTN's in total: {total < total_rtn}")
    for e in layers:
        alpha = "-" if e["alpha"] is None else f"{e['alpha']:.2f}"
        clip = "-" if e["clip"] is None else ("1" if e["clip"] == 1 else "searched")
        print(f"{e['key']}: alpha {alpha} fold {e.get('fold')} clip {clip}"
              + (f" unscaled: {e['unscaled']}" if "unscaled" in e else ""))


def main():
    {"tiny": tiny, "fold": fold, "report": report}[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
