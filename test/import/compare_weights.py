#!/usr/bin/env python3
"""Compares the weights qf-dequantize-weights wrote with the ones the
checkpoint generator started from (expected.npy): they must be identical,
since both compute scale * (q - zero) in float32 from the same f16 scales."""
import sys

import numpy as np
from safetensors_np import read

expected = np.load(sys.argv[1], allow_pickle=True).item()
dequantized = read(sys.argv[2])
mismatches = 0
for name, got in dequantized.items():
    want = expected.get(name)
    if want is None or want.shape != got.shape or not np.array_equal(want, got):
        mismatches += 1
        diff = "missing" if want is None else f"max |diff| {np.max(np.abs(want - got)) if want.shape == got.shape else 'shape'}"
        print(f"{name}: {diff}")
missing = set(expected) - set(dequantized)
for name in sorted(missing):
    print(f"{name}: not dequantized")
print(f"{len(dequantized)} weights, {mismatches + len(missing)} mismatches")
