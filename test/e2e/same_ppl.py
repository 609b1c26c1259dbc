#!/usr/bin/env python3
"""Compares two quant-eval --json results: the same windows and tokens, and
perplexities equal within a relative tolerance.

    same_ppl.py A.json B.json TOLERANCE
"""
import json
import sys

a, b = (json.loads(open(p).read().strip().splitlines()[-1]) for p in sys.argv[1:3])
tolerance = float(sys.argv[3])
rel = abs(a["ppl"] - b["ppl"]) / b["ppl"]
same = a["scored_tokens"] == b["scored_tokens"] and a["windows"] == b["windows"]
print(f"ppl {a['ppl']:.6f} vs {b['ppl']:.6f}: relative {rel:.1e}",
      "within" if rel <= tolerance else "OUTSIDE", f"{tolerance:g},",
      "counts equal" if same else "COUNTS DIFFER")
