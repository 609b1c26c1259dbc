#!/usr/bin/env python3
"""Compares the kernel launches of two logs of the fake CUDA driver
(test/unit/driver/FakeCuda.c): the same kernels in the same order, with the
same grids, blocks and arguments, where the arguments' 8-byte words that
hold device addresses (host heap addresses in the fake: >= 2^40) may differ,
since a replayed graph's temporaries live elsewhere than the stream's.

    same_fake_launches.py A.log B.log
"""
import sys


def launches(path):
    result = []
    for line in open(path):
        fields = line.split()
        if not fields or fields[0] != "launch":
            continue
        words = []
        if len(fields) > 4:
            data = bytes.fromhex(fields[4])
            for i in range(0, len(data), 8):
                value = int.from_bytes(data[i:i + 8], "little")
                words.append("address" if value >= 1 << 40 else value)
        result.append((fields[1], fields[2], fields[3], words))
    return result


a, b = launches(sys.argv[1]), launches(sys.argv[2])
for i, (x, y) in enumerate(zip(a, b)):
    if x != y:
        sys.exit(f"launch {i} differs:\n  {x}\n  {y}")
if len(a) != len(b):
    sys.exit(f"{len(a)} launches against {len(b)}")
if not any(words for _, _, _, words in a):
    sys.exit("no launch has its arguments logged (a cubin, not PTX?)")
print(f"{len(a)} launches: same kernels, grids and arguments")
