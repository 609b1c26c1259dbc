#!/usr/bin/env python3
"""The reference RTN quantizer of shared/data/tools/refquant.py, in numpy
float32 (np.round rounds half to even like torch.round), applied to a
checkpoint's decoder linears; compared with the weights qf-dequantize-weights
decoded from what llm-quantize-rtn wrote.

    rtn_reference.py MODEL_DIR DEQUANTIZED.safetensors BITS GROUP (asym|sym)
"""
import sys
from pathlib import Path

import numpy as np
from safetensors_np import read


def reference(w, bits, group, symmetric):
    rows, cols = w.shape
    g = w.reshape(rows, cols // group, group).astype(np.float32)
    if symmetric:
        half = np.float32(2 ** (bits - 1) - 1)
        scale = np.abs(g).max(axis=2, keepdims=True)
        scale = np.where(scale == 0, np.float32(1), scale / half).astype(np.float32)
        q = np.clip(np.round(g / scale), -half, half)
        return (scale * q).reshape(rows, cols)
    maxq = np.float32(2 ** bits - 1)
    xmin = np.minimum(g.min(axis=2, keepdims=True), 0)
    xmax = np.maximum(g.max(axis=2, keepdims=True), 0)
    both = (xmin == 0) & (xmax == 0)
    xmin, xmax = np.where(both, np.float32(-1), xmin), np.where(both, np.float32(1), xmax)
    scale = ((xmax - xmin) / maxq).astype(np.float32)
    zero = np.round(-xmin / scale)
    q = np.clip(np.round(g / scale) + zero, 0, maxq)
    return (scale * (q - zero)).astype(np.float32).reshape(rows, cols)


model, dequantized, bits, group, kind = sys.argv[1:6]
weights = read(Path(model) / "model.safetensors")
got = read(dequantized)
worst, mismatches = 0.0, 0
for name, value in got.items():
    cols = weights[name].shape[1]
    want = reference(weights[name], int(bits), int(group) or cols, kind == "sym")
    diff = np.abs(want - value).max()
    worst = max(worst, float(diff))
    # A different order of float32 operations may flip a rounding tie; allow
    # nothing else (a tie flip moves one value by one step).
    mismatches += int((np.abs(want - value) > 1e-6 * np.abs(want).max()).sum())
print(f"{len(got)} weights, {mismatches} values off the reference")
