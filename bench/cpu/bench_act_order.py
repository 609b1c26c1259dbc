#!/usr/bin/env python3
"""Act-order costs nothing once folded: decode tokens/s of one model
quantized with GPTQ w4 g128 three ways, from the same calibration text:

    plain     GPTQ in column order
    folded    GPTQ act-order, permutations folded at compile time (default)
    unfolded  GPTQ act-order with --fold-act-order=false: a g_idx lookup per
              weight in every matmul

The runs are interleaved and repeated (the median is reported) so that
other load on the machine hits all three alike. Optionally the perplexity
of each on a text. Prints a table and writes bench/results/act_order.json
(--out). --no-compile times artifacts compiled before (on another machine).

    python3 bench/cpu/bench_act_order.py [--build build] [--model DIR]
        [--repeat 5] [--new-tokens 64] [--ppl-text FILE]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VARIANTS = {"plain": [], "folded": ["--act-order"],
            "unfolded": ["--act-order", "--fold-act-order=false"]}


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"{' '.join(map(str, cmd))} failed:\n{out.stderr[-2000:]}")
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--model", default=str(ROOT.parent / "shared/models/llama-s"))
    parser.add_argument("--calib", default=str(ROOT.parent / "shared/data/calib.txt"))
    parser.add_argument("--calib-samples", type=int, default=128)
    parser.add_argument("--calib-seqlen", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--prompt-tokens", type=int, default=64)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--ppl-text", help="also measure perplexity on this text")
    parser.add_argument("--prompt-text", default=str(ROOT.parent / "shared/data/valid.txt"),
                        help="the prompt is the start of this text")
    parser.add_argument("--no-compile", action="store_true",
                        help="time the artifacts already in --work (compiled elsewhere)")
    parser.add_argument("--work", default="/tmp/qf-bench-act-order")
    parser.add_argument("--out", default="bench/results/act_order.json")
    args = parser.parse_args()
    bin_dir, work = Path(args.build) / "bin", Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    name = Path(args.model).name

    results = {}
    for variant, flags in VARIANTS.items():
        artifact = work / f"{name}.gptq-w4-g128.{variant}.qfa"
        if args.no_compile:
            results[variant] = {"artifact": str(artifact), "decode_tokens_per_s": []}
            continue
        start = time.perf_counter()
        log = run([bin_dir / "quant-compile", args.model, "--quant=gptq", "--bits=4",
                   "--group-size=128", "--calib", args.calib,
                   "--calib-samples", str(args.calib_samples),
                   "--calib-seqlen", str(args.calib_seqlen), "-o", artifact] + flags).stderr
        summary = re.search(r"\[fold-act-order\] summary: (.*)", log)
        results[variant] = {"artifact": str(artifact),
                            "compile_seconds": time.perf_counter() - start,
                            "fold": summary.group(1).strip() if summary else None,
                            "kept_gather": re.findall(r"\[fold-act-order\] (\S+): kept a gather", log),
                            "decode_tokens_per_s": []}
        print(f"compiled {variant} in {results[variant]['compile_seconds']:.0f} s", file=sys.stderr)

    words = Path(args.prompt_text).read_text().split()
    prompt = " ".join(words[: int(args.prompt_tokens * 0.7)])
    for i in range(args.repeat):
        for variant, r in results.items():
            out = run([bin_dir / "quant-run", r["artifact"], "-p", prompt,
                       "-n", str(args.new_tokens), "--greedy"])
            decode = re.search(r"decode: \d+ tokens in [\d.]+ s \(([\d.]+) tokens/s\)", out.stderr)
            r["decode_tokens_per_s"].append(float(decode.group(1)))
        print(f"round {i + 1}/{args.repeat}: " + ", ".join(
            f"{v} {r['decode_tokens_per_s'][-1]:.1f}" for v, r in results.items()), file=sys.stderr)
    for r in results.values():
        r["decode_median_tokens_per_s"] = statistics.median(r["decode_tokens_per_s"])
        # The least disturbed run, on a machine shared with other work.
        r["decode_best_tokens_per_s"] = max(r["decode_tokens_per_s"])
        if args.ppl_text:
            out = run([bin_dir / "quant-eval", r["artifact"], "--text", args.ppl_text,
                       "--ctx", "512", "--json"])
            r["ppl"] = json.loads(out.stdout.strip().splitlines()[-1])["ppl"]

    plain = results["plain"]["decode_median_tokens_per_s"]
    machine = next((line.split(":", 1)[1].strip() for line in
                    Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "unknown")
    report = {"model": name, "quant": "gptq w4 g128 asym", "machine": machine,
              "calib_samples": args.calib_samples, "calib_seqlen": args.calib_seqlen,
              "prompt_tokens_approx": args.prompt_tokens, "new_tokens": args.new_tokens,
              "repeat": args.repeat, "cpus": os.cpu_count(),
              "threads": int(os.environ.get("QF_NUM_THREADS", os.cpu_count())),
              "ppl_text": args.ppl_text, "results": results}
    best = results["plain"]["decode_best_tokens_per_s"]
    print(f"{name} GPTQ w4 g128, decode tokens/s over {args.repeat} interleaved runs")
    print(f"{'variant':10} {'median':>8} {'vs plain':>8} {'best':>8} {'vs plain':>8} {'ppl':>9}  fold")
    for variant, r in results.items():
        ppl = f"{r['ppl']:9.4f}" if "ppl" in r else f"{'-':>9}"
        print(f"{variant:10} {r['decode_median_tokens_per_s']:8.1f} "
              f"{r['decode_median_tokens_per_s'] / plain:8.2f} "
              f"{r['decode_best_tokens_per_s']:8.1f} {r['decode_best_tokens_per_s'] / best:8.2f} "
              f"{ppl}  {r.get('fold') or '-'}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
