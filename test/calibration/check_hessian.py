#!/usr/bin/env python3
"""Checks calibration's first Hessian against one computed here: for the
input of layer 0's q/k/v projections, x = rmsnorm(embedding[ids]) * gamma,
and with one window H = 2 * x^T x; and, where the file has them (AWQ), the
mean |x| per channel.

    check_hessian.py MODEL_DIR IDS.bin WINDOW STATS.safetensors
"""
import json
import sys
from pathlib import Path

import numpy as np
from safetensors_np import read


model, ids_path, window, stats_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
weights = read(Path(model) / "model.safetensors")
config = json.loads((Path(model) / "config.json").read_text())
ids = np.frombuffer(Path(ids_path).read_bytes(), np.int32)[:window]
x = weights["model.embed_tokens.weight"][ids].astype(np.float64)
x = x / np.sqrt((x * x).mean(axis=1, keepdims=True) + config["rms_norm_eps"])
x = x * weights["model.layers.0.input_layernorm.weight"]
want = 2 * x.T @ x
stats = read(stats_path)
got = stats["model.layers.0.self_attn.q_proj.weight.hessian"]
same = all(np.array_equal(got, stats[f"model.layers.0.self_attn.{p}_proj.weight.hessian"]) for p in "kv")
rel = np.linalg.norm(got - want) / np.linalg.norm(want)
hessians = sum(name.endswith(".hessian") for name in stats)
print(f"{hessians} Hessians; layer 0 q/k/v share one: {same}; relative error {rel:.1e}",
      "ok" if rel < 1e-5 else "TOO LARGE")
means = [name for name in stats if name.endswith(".absmean")]
if means:
    got = stats["model.layers.0.self_attn.q_proj.weight.absmean"]
    rel = np.linalg.norm(got - np.abs(x).mean(axis=0)) / np.linalg.norm(np.abs(x).mean(axis=0))
    print(f"{len(means)} mean |x|; relative error {rel:.1e}", "ok" if rel < 1e-5 else "TOO LARGE")
