#!/usr/bin/env python3
"""Decode speed of the product path on a GPU: a Llama-2-7B-shaped model
compiled by quant-compile --target=cuda (RTN int4 g128, FP16 KV cache) and
run by quant-run, next to the ceiling measured in the same run. bench_gpu.py
measures the kernels in a decoder assembled in Python; this measures what a
user gets.

Two steps, because the device machine has no compiler:

    python3 bench/gpu/compiled_decode.py prepare [--build build]
        writes the random checkpoint (bench/import's generator, with a 4 Mi
        value repeat so that the 3.9 GB artifact compresses to a few MB:
        every weight still has its own address), compiles it, and fills
        .device/compiled with the artifact (zstd), quant-run, its libraries
        and this script;
    cd .device/compiled && python3 compiled_decode.py device --out $OUT
        on the GPU machine (one device call): prints a table and writes
        compiled_decode.json; copy it to bench/results/.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PROMPT = ("The history of the city begins with a small settlement on the river, "
          "where traders stopped on their way to the sea")
QUANT = ["--quant=rtn", "--bits=4", "--group-size=128", "--kv-cache=f16"]


def prepare(args):
    sys.path.insert(0, str(ROOT / "bench/import"))
    import bench_import
    model = Path(args.work) / "checkpoint"
    bench_import.write_checkpoint(model, block_elements=1 << 22)
    dest = ROOT / ".device/compiled"
    (dest / "bin").mkdir(parents=True, exist_ok=True)
    (dest / "lib").mkdir(exist_ok=True)
    artifact = Path(args.work) / "7b-w4-cuda.qfa"
    start = time.perf_counter()
    subprocess.run([str(Path(args.build) / "bin/quant-compile"), str(model), "--target=cuda",
                    f"--gpu-arch={args.gpu_arch}", "--max-seq=1024", "-o", str(artifact)] + QUANT,
                   check=True)
    compile_seconds = time.perf_counter() - start
    subprocess.run(["zstd", "-q", "-f", "-T0", "--long=31", str(artifact),
                    "-o", str(dest / "7b.qfa.zst")], check=True)
    quant_run = Path(args.build) / "bin/quant-run"
    shutil.copy(quant_run, dest / "bin")
    shutil.copy(shutil.which("zstd"), dest / "bin")
    # The Debian libraries quant-run links that a CUDA image lacks.
    for line in subprocess.run(["ldd", str(quant_run)], capture_output=True,
                               text=True, check=True).stdout.splitlines():
        m = re.search(r"(lib(sentencepiece|xxhash)\S*) => (\S+)", line)
        if m:
            shutil.copy(m.group(3), dest / "lib" / m.group(1))
    shutil.copy(__file__, dest)
    config = json.loads((model / "config.json").read_text())
    (dest / "compiled.json").write_text(json.dumps(
        {"config": config, "quant": QUANT, "gpu_arch": args.gpu_arch,
         "compile_seconds": compile_seconds, "artifact_bytes": artifact.stat().st_size}))
    print(f"compiled in {compile_seconds:.0f} s; {dest}: "
          f"{sum(p.stat().st_size for p in dest.rglob('*') if p.is_file()) / 2**20:.1f} MiB",
          file=sys.stderr)


def bytes_per_token(config, positions, group=128):
    """HBM bytes one decode step must read: every int4 weight with its f16
    scales and 4-bit zero points, the FP16 LM head and norms, and the FP16
    KV cache of `positions` tokens. The embedding row is negligible."""
    d, inter, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    kv_dim = d * config["num_key_value_heads"] // config["num_attention_heads"]

    def int4(rows, cols):
        groups = cols // group
        return rows * cols // 2 + rows * groups * 2 + rows * ((groups + 1) // 2)

    layer = (int4(d, d) * 2 + int4(kv_dim, d) * 2 + int4(inter, d) * 2 + int4(d, inter)
             + 2 * d * 2)
    weights = layers * layer + config["vocab_size"] * d * 2 + d * 2
    kv = layers * 2 * positions * kv_dim * 2
    return weights, kv


def copy_bandwidth():
    """Device-to-device copy, bytes read + written, as bench_gpu.py's ceiling."""
    import torch
    n = 1 << 30
    a = torch.randint(0, 255, (n,), dtype=torch.uint8, device="cuda")
    b = torch.empty_like(a)
    for _ in range(3):
        b.copy_(a)
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(20):
        b.copy_(a)
    end.record()
    torch.cuda.synchronize()
    return 2 * n * 20 / (start.elapsed_time(end) * 1e-3) / 1e9, torch.cuda.get_device_name()


def quant_run(artifact, tokens, env=None):
    out = subprocess.run([str(HERE / "bin/quant-run"), str(artifact), "-p", PROMPT, "-n",
                          str(tokens), "--greedy", "--device", "cuda:0"],
                         capture_output=True, text=True, env={**os.environ, **(env or {})})
    if out.returncode:
        sys.exit(f"quant-run failed: {out.stderr}")
    prefill = re.search(r"prefill: (\d+) tokens in ([\d.]+) s", out.stderr)
    decode = re.search(r"decode: (\d+) tokens in ([\d.]+) s", out.stderr)
    return {"prompt_tokens": int(prefill.group(1)), "prefill_seconds": float(prefill.group(2)),
            "decode_tokens": int(decode.group(1)), "decode_seconds": float(decode.group(2)),
            "note": [line for line in out.stderr.splitlines()
                     if "graph" in line or "programmatic" in line]}


def summarize(csv):
    """Per kind of kernel, the launches and microseconds of the decode step
    in Nsight Compute's raw CSV (a units row first)."""
    import csv as csvlib
    rows = list(csvlib.DictReader(csv.splitlines()))
    unit = {"ns": 1e-3, "us": 1.0, "usecond": 1.0, "ms": 1e3, "msecond": 1e3,
            "nsecond": 1e-3}[rows[0]["gpu__time_duration.sum"]]
    rows = rows[1:]
    names = [r["Kernel Name"] for r in rows]
    # Generated kernels are named after their host function; library ones
    # (decode_attention_f16 too) keep their own names.
    first = next((i for i, n in enumerate(names) if n.startswith("decode_kernel")), len(names))
    kinds = {}
    for r in rows[first:]:
        name = r["Kernel Name"]
        kind = "generated (decode_kernel*)" if name.startswith("decode_kernel") else name
        us = float(r["gpu__time_duration.sum"].replace(",", "")) * unit
        count, total = kinds.get(kind, (0, 0.0))
        kinds[kind] = (count + 1, total + us)
    return {kind: {"launches": c, "us": us} for kind, (c, us) in kinds.items()}


def kernel_profile(artifact, out_dir, timeout):
    """Nsight Compute's duration of every kernel of a prefill and one decode
    step: the step's kernels from its first generated kernel on, summed by
    kind (library GEMV, generated code). Kernel replay serializes them, so
    this is GPU time without launch gaps."""
    ncu = shutil.which("ncu") or next(iter(sorted(Path("/opt/nvidia").glob("nsight-compute/*/ncu"))), None)
    if not ncu:
        return None
    report = Path("/tmp/compiled_decode.ncu-rep")
    # Clocks as the benchmark runs them (ncu would lock them to base).
    run = subprocess.run(["timeout", str(timeout), str(ncu), "--clock-control", "none",
                          "--metrics", "gpu__time_duration.sum",
                          "-f", "-o", str(report.with_suffix("")), str(HERE / "bin/quant-run"),
                          str(artifact), "-p", PROMPT, "-n", "2", "--greedy", "--device", "cuda:0"],
                         capture_output=True, text=True)
    if run.returncode:
        print(f"ncu: {run.stderr[-2000:]}", file=sys.stderr)
        return None
    csv = subprocess.run([str(ncu), "--import", str(report), "--csv", "--page", "raw",
                          "--metrics", "gpu__time_duration.sum"],
                         capture_output=True, text=True).stdout
    Path(out_dir, "compiled_decode_ncu.csv").write_text(csv)
    return summarize(csv)


def device(args):
    env_lib = str(HERE / "lib")
    os.environ["LD_LIBRARY_PATH"] = env_lib + ":" + os.environ.get("LD_LIBRARY_PATH", "")
    info = json.loads((HERE / "compiled.json").read_text())
    artifact = Path("/tmp/7b.qfa")
    subprocess.run([str(HERE / "bin/zstd"), "-q", "-d", "-f", "--long=31",
                    str(HERE / "7b.qfa.zst"), "-o", str(artifact)], check=True)
    copy_gbs, gpu = copy_bandwidth()
    runs = {}
    settings = {"graphs + PDL": {}, "graphs, no PDL": {"QF_CUDA_PDL": "0"},
                "no graphs": {"QF_CUDA_GRAPHS": "0"}}
    for name, env in settings.items():
        quant_run(artifact, 8, env)  # load, module JIT and caches warm
        runs[name] = [quant_run(artifact, args.tokens, env) for _ in range(args.repeat)]
    rows = []
    for name, results in runs.items():
        best = min(results, key=lambda r: r["decode_seconds"] / r["decode_tokens"])
        ms = 1e3 * best["decode_seconds"] / best["decode_tokens"]
        # Roofline at the middle position of the decode.
        weights, kv = bytes_per_token(info["config"], best["prompt_tokens"] + best["decode_tokens"] // 2)
        roof_ms = 1e3 * (weights + kv) / (copy_gbs * 1e9)
        rows.append({"setting": name, "ms_per_token": ms, "tokens_per_s": 1e3 / ms,
                     "roofline_ms": roof_ms, "pct_roofline": 100 * roof_ms / ms,
                     "weight_bytes": weights, "kv_bytes": kv, "runs": results})
    profile = kernel_profile(artifact, args.out, args.ncu_timeout) if args.ncu_timeout else None
    report = {"benchmark": "compiled Llama-2-7B-shaped decode, batch 1 (quant-run)",
              "device": gpu, "copy_GBps": copy_gbs, "compiled": info, "results": rows,
              "decode_step_kernels": profile}
    Path(args.out, "compiled_decode.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"{gpu}; copy {copy_gbs:.0f} GB/s; artifact {info['artifact_bytes'] / 1e9:.2f} GB, "
          f"compiled in {info['compile_seconds']:.0f} s; {' '.join(info['quant'])}")
    print(f"{'setting':16} {'ms/token':>9} {'tokens/s':>9} {'roofline ms':>11} {'of roofline':>11}")
    for r in rows:
        print(f"{r['setting']:16} {r['ms_per_token']:9.3f} {r['tokens_per_s']:9.1f} "
              f"{r['roofline_ms']:11.3f} {r['pct_roofline']:10.1f}%")
    if profile:
        print(f"one decode step's kernels (Nsight Compute, serialized):")
        for kind, p in sorted(profile.items(), key=lambda kv: -kv[1]["us"]):
            print(f"  {kind:40} {p['launches']:5d} launches {p['us']:9.1f} us")
        print(f"  {'all':40} {sum(p['launches'] for p in profile.values()):5d} launches "
              f"{sum(p['us'] for p in profile.values()):9.1f} us")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="step", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--build", default="build")
    p.add_argument("--work", default="/tmp/qf-compiled-7b")
    p.add_argument("--gpu-arch", default="sm_90")
    d = sub.add_parser("device")
    d.add_argument("--out", default=".")
    d.add_argument("--tokens", type=int, default=128)
    d.add_argument("--repeat", type=int, default=2)
    d.add_argument("--ncu-timeout", type=int, default=300, help="0: no kernel profile")
    args = ap.parse_args()
    prepare(args) if args.step == "prepare" else device(args)


if __name__ == "__main__":
    main()
