#!/usr/bin/env python3
"""Compares two calibration statistics files (quant-compile --calib-statistics
or --emit=statistics): the same tensors, and per tensor the largest
difference relative to the reference's largest magnitude, max|a - b| /
max|a|, and the relative Frobenius error ||a - b|| / ||a||. Prints the worst
tensors and a summary line; exits 1 if a tensor is missing or non-finite, or
the worst max-relative difference exceeds TOLERANCE.

usage: compare_statistics.py REF.safetensors TEST.safetensors [TOLERANCE]
"""
import json
import struct
import sys

import numpy as np


def read(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (path, name, info["dtype"])
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype=np.float32).reshape(
            info["shape"]).astype(np.float64)
    return tensors


def main():
    ref, test = read(sys.argv[1]), read(sys.argv[2])
    tolerance = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-4
    if set(ref) != set(test):
        print("different tensors:", sorted(set(ref) ^ set(test)))
        return 1
    rows = []
    for name in sorted(ref):
        a, b = ref[name], test[name]
        if not np.all(np.isfinite(b)):
            print(f"{name}: non-finite values")
            return 1
        scale = np.max(np.abs(a)) or 1.0
        rows.append((np.max(np.abs(a - b)) / scale,
                     np.linalg.norm(a - b) / (np.linalg.norm(a) or 1.0), name))
    rows.sort(reverse=True)
    for maxrel, frob, name in rows[:5]:
        print(f"  {name}: max rel {maxrel:.3e}, frobenius rel {frob:.3e}")
    worst = rows[0][0]
    print(f"statistics: {len(rows)} tensors, worst max|a-b|/max|a| {worst:.3e}"
          f" ({rows[0][2]}), worst frobenius {max(r[1] for r in rows):.3e}")
    return 0 if worst <= tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
