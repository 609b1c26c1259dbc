#!/usr/bin/env python3
"""Compares quant-run --greedy output with reference.json's greedy text for
one model and prompt, and quant-eval's JSON line with a reference perplexity
(relative tolerance).

    check_generation.py greedy REFERENCE MODEL PROMPT OUTPUT.txt
    check_generation.py ppl REFERENCE MODEL EVAL.json TOLERANCE [VARIANT]
    check_generation.py below REFERENCE MODEL EVAL.json VARIANT
"""
import json
import sys

mode, reference_path, model = sys.argv[1:4]
reference = json.load(open(reference_path))["models"][model]
if mode == "greedy":
    prompt, text = sys.argv[4], open(sys.argv[5]).read()
    text = text[:-1] if text.endswith("\n") else text  # quant-run ends with a newline
    case = next(g for g in reference["greedy"] if g["prompt"] == prompt)
    # The reference decoded the new ids alone, which drops the space that a
    # first piece "▁word" carries; after the prompt that space is printed.
    expected = [prompt + case["generated_text"], prompt + " " + case["generated_text"]]
    print("greedy text", "identical" if text in expected else f"DIFFERS:\n{text!r}\n{expected[0]!r}")
elif mode == "below":
    got = json.loads(open(sys.argv[4]).read().strip().splitlines()[-1])["ppl"]
    variant = sys.argv[5]
    want = reference["ppl"]["valid"][variant]["ppl"]
    floor = reference["ppl"]["valid"]["as_stored"]["ppl"]
    print(f"ppl {got:.4f}", "below" if got < want else "NOT below", f"{variant} {want:.4f};",
          f"{100 * (want - got) / (want - floor):.0f}% of its increase over float removed")
else:
    tolerance = float(sys.argv[5])
    variant = sys.argv[6] if len(sys.argv) > 6 else "as_stored"
    got = json.loads(open(sys.argv[4]).read().strip().splitlines()[-1])
    want = reference["ppl"]["valid"][variant]
    rel = abs(got["ppl"] - want["ppl"]) / want["ppl"]
    same_counts = got["scored_tokens"] == want["scored_tokens"] and got["windows"] == want["windows"]
    print(f"ppl {got['ppl']:.4f} vs {want['ppl']:.4f}: relative {rel:.1e}",
          "within" if rel <= tolerance else "OUTSIDE", f"{tolerance:g}",
          "counts equal" if same_counts else "COUNTS DIFFER")
