#!/usr/bin/env python3
"""Compares quant-import --print-checksums with checksums computed here from
the safetensors files, by an independent reader (json + python3-xxhash)."""
import json
import sys
from pathlib import Path

import xxhash

directory, listing = Path(sys.argv[1]), Path(sys.argv[2])
index = directory / "model.safetensors.index.json"
files = (sorted({directory / f for f in json.loads(index.read_text())["weight_map"].values()})
         if index.exists() else [directory / "model.safetensors"])
expected = {}
for path in files:
    data = path.read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + size])
    header.pop("__metadata__", None)
    for name, info in header.items():
        begin, end = info["data_offsets"]
        blob = data[8 + size + begin:8 + size + end]
        shape = "[" + ", ".join(str(d) for d in info["shape"]) + "]"
        expected[name] = f"{name} {info['dtype']} {shape} xxh64:{xxhash.xxh64(blob).hexdigest()}"
got = {line.split(" ")[0]: line for line in listing.read_text().splitlines()}
mismatches = 0
for name in sorted(set(expected) | set(got)):
    if expected.get(name) != got.get(name):
        mismatches += 1
        print(f"expected: {expected.get(name)}\n     got: {got.get(name)}")
print(f"{len(expected)} tensors, {mismatches} mismatches")
