#!/usr/bin/env python3
"""The reference RTN quantizer (test/lib/rtn_np.py, refquant.py's in numpy
float32) applied to a checkpoint's decoder linears; compared with the weights
qf-dequantize-weights decoded from what llm-quantize-rtn wrote.

    rtn_reference.py MODEL_DIR DEQUANTIZED.safetensors BITS GROUP (asym|sym)
"""
import sys
from pathlib import Path

import numpy as np
from rtn_np import rtn
from safetensors_np import read


model, dequantized, bits, group, kind = sys.argv[1:6]
weights = read(Path(model) / "model.safetensors")
got = read(dequantized)
worst, mismatches = 0.0, 0
for name, value in got.items():
    cols = weights[name].shape[1]
    want = rtn(weights[name], int(bits), int(group) or cols, kind == "sym")
    diff = np.abs(want - value).max()
    worst = max(worst, float(diff))
    # A different order of float32 operations may flip a rounding tie; allow
    # nothing else (a tie flip moves one value by one step).
    mismatches += int((np.abs(want - value) > 1e-6 * np.abs(want).max()).sum())
print(f"{len(got)} weights, {mismatches} values off the reference")
