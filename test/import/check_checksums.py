#!/usr/bin/env python3
"""Compares quant-import --print-checksums with checksums computed here from
the safetensors files, by an independent reader (test/lib/safetensors_np.py
+ python3-xxhash)."""
import json
import sys
from pathlib import Path

import xxhash
from safetensors_np import read_raw

directory, listing = Path(sys.argv[1]), Path(sys.argv[2])
index = directory / "model.safetensors.index.json"
files = (sorted({directory / f for f in json.loads(index.read_text())["weight_map"].values()})
         if index.exists() else [directory / "model.safetensors"])
expected = {}
for path in files:
    for name, (dtype, shape, blob) in read_raw(path).items():
        shape = "[" + ", ".join(str(d) for d in shape) + "]"
        expected[name] = f"{name} {dtype} {shape} xxh64:{xxhash.xxh64(blob).hexdigest()}"
got = {line.split(" ")[0]: line for line in listing.read_text().splitlines()}
mismatches = 0
for name in sorted(set(expected) | set(got)):
    if expected.get(name) != got.get(name):
        mismatches += 1
        print(f"expected: {expected.get(name)}\n     got: {got.get(name)}")
print(f"{len(expected)} tensors, {mismatches} mismatches")
