#!/usr/bin/env python3
"""CPU benchmark: compile a model, then measure prefill and decode tokens/s
and peak memory with quant-run, next to this machine's memory bandwidth
measured in the same run (the bound for decode, which reads every weight
once per token). Prints a table and writes bench/results/cpu.json.

    python3 bench/cpu/bench_cpu.py [--build build] [--model DIR ...] [--prompt-tokens 256]

Models default to the shared llama-s and, if present, the Llama-2-7B-shaped
random BF16 checkpoint that bench/import/bench_import.py writes.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def copy_bandwidth(gib=1.0, repeat=5):
    """GB/s of a large array copy, counting bytes read plus bytes written."""
    n = int(gib * (1 << 30) // 4)
    src = np.random.default_rng(0).random(n, dtype=np.float32)
    dst = np.empty_like(src)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - start)
    return 2 * src.nbytes / best / 1e9


def weight_bytes(model_dir, quant):
    """Bytes of weights a decode step reads: every matrix but the embedding
    table (gathered, not streamed); 4-bit g128 linears at 0.5 byte per weight
    plus a float32 scale and a 4-bit zero point per group."""
    config = json.loads((Path(model_dir) / "config.json").read_text())
    total = 0
    for path in Path(model_dir).glob("*.safetensors"):
        data = path.open("rb")
        size = int.from_bytes(data.read(8), "little")
        header = json.loads(data.read(size))
        header.pop("__metadata__", None)
        total += sum(v["data_offsets"][1] - v["data_offsets"][0] for v in header.values())
    embedding = config["vocab_size"] * config["hidden_size"] * 2
    total -= embedding
    if quant.startswith("rtn-w4"):
        d, i, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
        kv = config.get("num_key_value_heads", config["num_attention_heads"]) * (d // config["num_attention_heads"])
        linear = layers * (2 * d * d + 2 * d * kv + 3 * d * i)
        total += linear * (0.5 + 4.5 / 128) - linear * 2
    return total


def run(cmd):
    out = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{out.stderr[-2000:]}")
    return out


QUANT = {"fp": [], "rtn-w4-g128": ["--quant=rtn", "--bits=4", "--group-size=128"]}


def bench_model(build, model_dir, quant, prompt_tokens, new_tokens, work):
    name = Path(model_dir).name
    artifact = work / f"{name}.{quant}.qfa"
    start = time.perf_counter()
    run([str(build / "bin" / "quant-compile"), str(model_dir), "--max-seq", "1024",
         "-o", str(artifact)] + QUANT[quant])
    compile_seconds = time.perf_counter() - start
    # A prompt of about `prompt_tokens` tokens of real text.
    words = (ROOT.parent / "shared/data/valid.txt").read_text().split()
    prompt = " ".join(words[: int(prompt_tokens * 0.7)])
    out = run([str(build / "bin" / "quant-run"), str(artifact), "-p", prompt,
               "-n", str(new_tokens), "--greedy"])
    prefill = re.search(r"prefill: (\d+) tokens in ([\d.]+) s \(([\d.]+) tokens/s\)", out.stderr)
    decode = re.search(r"decode: (\d+) tokens in ([\d.]+) s \(([\d.]+) tokens/s\)", out.stderr)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1)) / 1024
    return {"model": name, "quant": quant, "compile_seconds": compile_seconds,
            "prompt_tokens": int(prefill.group(1)), "prefill_tokens_per_s": float(prefill.group(3)),
            "decode_tokens": int(decode.group(1)), "decode_tokens_per_s": float(decode.group(3)),
            "peak_rss_mib": rss, "artifact_bytes": artifact.stat().st_size,
            "weight_bytes_per_token": weight_bytes(model_dir, quant)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--model", action="append",
                        help="MODEL_DIR[:fp|rtn-w4-g128]; repeatable")
    parser.add_argument("--prompt-tokens", type=int, default=256)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--work", default="/tmp/qf-bench-cpu")
    args = parser.parse_args()
    llama_s = str(ROOT.parent / "shared/models/llama-s")
    models = args.model or [f"{llama_s}:fp", f"{llama_s}:rtn-w4-g128"] + (
        ["/tmp/qf-bench-7b:rtn-w4-g128"] if Path("/tmp/qf-bench-7b/COMPLETE").exists() else [])
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    bandwidth = copy_bandwidth()
    results = []
    for spec in models:
        model, _, quant = spec.partition(":")
        big = "7b" in model
        r = bench_model(Path(args.build), model, quant or "fp",
                        8 if big else args.prompt_tokens, 4 if big else args.new_tokens, work)
        bound = bandwidth * 1e9 / r["weight_bytes_per_token"]
        r["decode_bound_tokens_per_s"] = bound
        r["decode_fraction_of_bound"] = r["decode_tokens_per_s"] / bound
        results.append(r)
    report = {"machine": cpu_model(), "cpus": os.cpu_count(),
              "copy_bandwidth_gb_per_s": bandwidth,
              "threads": int(os.environ.get("QF_NUM_THREADS", os.cpu_count())),
              "results": results}
    print(f"machine: {report['machine']}, {report['cpus']} cpus; copy bandwidth {bandwidth:.1f} GB/s")
    print(f"{'model':26} {'compile s':>9} {'prefill tok/s':>13} {'decode tok/s':>12} {'bound tok/s':>11} {'of bound':>8} {'peak RSS MiB':>12}")
    for r in results:
        print(f"{r['model'] + ' ' + r['quant']:26} {r['compile_seconds']:9.1f} {r['prefill_tokens_per_s']:13.1f} "
              f"{r['decode_tokens_per_s']:12.2f} {r['decode_bound_tokens_per_s']:11.2f} "
              f"{100 * r['decode_fraction_of_bound']:7.1f}% {r['peak_rss_mib']:12.1f}")
    Path("bench/results").mkdir(parents=True, exist_ok=True)
    Path("bench/results/cpu.json").write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
