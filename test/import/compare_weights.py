#!/usr/bin/env python3
"""Compares the weights qf-dequantize-weights wrote with the ones the
checkpoint generator started from (expected.npy): they must be identical,
since both compute scale * (q - zero) in float32 from the same f16 scales."""
import json
import sys

import numpy as np

expected = np.load(sys.argv[1], allow_pickle=True).item()
data = open(sys.argv[2], "rb").read()
size = int.from_bytes(data[:8], "little")
header = json.loads(data[8:8 + size])
header.pop("__metadata__", None)
mismatches = 0
for name, info in header.items():
    begin, end = info["data_offsets"]
    got = np.frombuffer(data[8 + size + begin:8 + size + end], np.float32).reshape(info["shape"])
    want = expected.get(name)
    if want is None or want.shape != got.shape or not np.array_equal(want, got):
        mismatches += 1
        diff = "missing" if want is None else f"max |diff| {np.max(np.abs(want - got)) if want.shape == got.shape else 'shape'}"
        print(f"{name}: {diff}")
missing = set(expected) - set(header)
for name in sorted(missing):
    print(f"{name}: not dequantized")
print(f"{len(header)} weights, {mismatches + len(missing)} mismatches")
