"""Splits quant-compile --target=cuda --emit=target-ir output into one PTX
file per kernel module (each starts with a "// gpu.module @NAME" line) and
prints the paths, so that ptxas can check each.

Usage: split_ptx.py INPUT.ptx OUTDIR
"""
import os
import sys

text = open(sys.argv[1]).read()
os.makedirs(sys.argv[2], exist_ok=True)
chunks = [c for c in text.split("// gpu.module @") if c.strip()]
for chunk in chunks:
    name, body = chunk.split("\n", 1)
    path = os.path.join(sys.argv[2], name.strip() + ".ptx")
    with open(path, "w") as f:
        f.write(body.rstrip("\x00"))
    print(path)
