#!/usr/bin/env python3
"""Compares the perplexities of two quant-eval --json outputs.

    compare_ppl.py A.json B.json TOLERANCE

Prints "ppl A vs B: relative R within T" (or "exceeds T") and whether the
scored token counts are equal; exits 1 when they differ.
"""
import json
import sys


def load(path):
    return json.loads(open(path).read().strip().splitlines()[-1])


a, b = load(sys.argv[1]), load(sys.argv[2])
tolerance = float(sys.argv[3])
relative = abs(a["ppl"] - b["ppl"]) / b["ppl"]
verdict = "within" if relative <= tolerance else "exceeds"
counts = "counts equal" if a["scored_tokens"] == b["scored_tokens"] else "counts differ"
print(f"ppl {a['ppl']:.6f} vs {b['ppl']:.6f}: relative {relative:.2e} {verdict} {tolerance} {counts}")
sys.exit(0 if verdict == "within" and counts == "counts equal" else 1)
