#!/usr/bin/env python3
"""Copies SRC to DST with the byte at OFFSET inverted (negative: from the end)."""
import sys

data = bytearray(open(sys.argv[1], "rb").read())
offset = int(sys.argv[3])
data[offset] ^= 0xFF
open(sys.argv[2], "wb").write(data)
