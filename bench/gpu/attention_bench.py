#!/usr/bin/env python3
"""decode_attention_f16 (codegen/CUDA/kernels/attention.mlir) on the GPU.

Runs on the device machine, in one process:
  1. checks: random q and f16 cache, outputs poisoned with NaN first, against
     a float64 softmax(scale q.K^T) V over the same cached values, for head
     dims 32-256, grouped-query heads, sliding windows and 1 to 4096
     positions (relative error below 1e-5: f32 scores and sums);
  2. time per launch at Llama-2-7B's attention shape (32 heads, head_dim 128,
     one layer of a 4096-position f16 cache) and at Llama-3-8B's (8 KV
     heads), for several context lengths, against PyTorch's own decode
     attention on the same f16 K and V (scaled_dot_product_attention), both
     timed as CUDA-graph replays of 20 back-to-back launches.
Prints a table and writes <out>/attention.json.

  python3 attention_bench.py --cubin attention.sm_90.cubin --out DIR
"""

import argparse
import json
import math
import sys

import cupy
import numpy as np
import torch
import torch.nn.functional as F

from bench_gpu import graph_ms, log, memref, rel_err

DEV = "cuda"
TOL = 1e-5


class Attention:
    def __init__(self, cubin):
        self.fn = cupy.RawModule(path=cubin).get_function("decode_attention_f16")

    def launch(self, q, cache, out, layer, start, kv_heads, group, max_seq, dim, window, scale):
        heads = q.numel() // dim
        stream = torch.cuda.current_stream().cuda_stream
        with cupy.cuda.ExternalStream(stream):
            self.fn((heads,), (256,),
                    (*memref(q), *memref(cache), *memref(out), np.int64(layer), np.int64(start),
                     np.int64(kv_heads), np.int64(group), np.int64(max_seq), np.int64(dim),
                     np.int64(window), np.float32(scale)))


def reference(q, cache, layer, start, kv_heads, group, dim, window, scale):
    """float64 attention of one token at position `start` (q: [heads, dim])."""
    heads = q.shape[0]
    n = start + 1
    first = max(0, n - window) if window else 0
    k = cache[layer, 0, :, first:n].double()  # [kv_heads, n', dim]
    v = cache[layer, 1, :, first:n].double()
    kvh = torch.arange(heads, device=DEV) // group
    scores = torch.einsum("hd,hjd->hj", q.double(), k[kvh]) * scale
    return torch.einsum("hj,hjd->hd", torch.softmax(scores, -1), v[kvh])


def make(layers, kv_heads, max_seq, dim, heads, gen):
    cache = torch.randn(layers, 2, kv_heads, max_seq, dim, generator=gen, device=DEV).half()
    q = torch.randn(heads, dim, generator=gen, device=DEV)
    return q, cache


def run_checks(att, gen):
    cases = [  # heads, kv_heads, dim, max_seq, start, window
        (4, 4, 32, 64, 0, 0), (4, 4, 32, 64, 37, 0), (6, 2, 64, 128, 100, 0),
        (32, 32, 128, 4096, 0, 0), (32, 32, 128, 4096, 63, 0), (32, 8, 128, 4096, 1000, 0),
        (32, 8, 128, 4096, 4095, 0), (8, 2, 256, 512, 300, 0), (32, 8, 128, 4096, 3000, 1024),
        (6, 2, 64, 128, 100, 128), (6, 2, 64, 128, 127, 16),
    ]
    results = []
    for heads, kv_heads, dim, max_seq, start, window in cases:
        layers, layer = 3, 1
        q, cache = make(layers, kv_heads, max_seq, dim, heads, gen)
        scale = 1.0 / math.sqrt(dim)
        out = torch.full((heads * dim,), float("nan"), device=DEV)
        att.launch(q.reshape(-1), cache.reshape(-1), out, layer, start, kv_heads,
                   heads // kv_heads, max_seq, dim, window, scale)
        torch.cuda.synchronize()
        ref = reference(q, cache, layer, start, kv_heads, heads // kv_heads, dim, window, scale)
        nan = int(torch.isnan(out).sum().item())
        err = rel_err(out.reshape(heads, dim), ref) if nan == 0 else float("nan")
        ok = nan == 0 and err < TOL
        name = "h%d kv%d d%d pos %d%s" % (heads, kv_heads, dim, start, " window %d" % window if window else "")
        log("check %-36s rel_err %.2e  unwritten %d  %s" % (name, err, nan, "ok" if ok else "FAIL"))
        results.append({"name": name, "rel_err": err, "nan": nan, "tol": TOL, "ok": ok})
    return results


def run_timing(att, gen):
    rows = []
    for label, heads, kv_heads in (("Llama-2-7B", 32, 32), ("Llama-3-8B", 32, 8)):
        dim, max_seq = 128, 4096
        q, cache = make(1, kv_heads, max_seq, dim, heads, gen)
        scale = 1.0 / math.sqrt(dim)
        out = torch.empty(heads * dim, device=DEV)
        qf, cf = q.reshape(-1), cache.reshape(-1)
        for n in (64, 256, 1024, 4096):
            ours, _ = graph_ms([lambda: att.launch(qf, cf, out, 0, n - 1, kv_heads, heads // kv_heads,
                                                   max_seq, dim, 0, scale)] * 20)
            # PyTorch: q [1, heads, 1, dim] against K, V [1, heads, n, dim] in f16
            # (the KV heads repeated, as an expand: no copy).
            qh = q.half().reshape(1, heads, 1, dim)
            k = cache[0, 0, :, :n].unsqueeze(1).expand(kv_heads, heads // kv_heads, n, dim).reshape(1, heads, n, dim)
            v = cache[0, 1, :, :n].unsqueeze(1).expand(kv_heads, heads // kv_heads, n, dim).reshape(1, heads, n, dim)
            k, v = k.contiguous(), v.contiguous()
            torch_ms, _ = graph_ms([lambda: F.scaled_dot_product_attention(qh, k, v, scale=scale)] * 20)
            kv_bytes = 2 * kv_heads * n * dim * 2
            rows.append({"model": label, "heads": heads, "kv_heads": kv_heads, "head_dim": dim,
                         "positions": n, "us": ours * 1e3, "torch_sdpa_us": torch_ms * 1e3,
                         "kv_bytes": kv_bytes, "GBps": kv_bytes / (ours * 1e-3) / 1e9})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cubin", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    gen = torch.Generator(device=DEV)
    gen.manual_seed(7)
    att = Attention(args.cubin)
    checks = run_checks(att, gen)
    timing = run_timing(att, gen)
    device = torch.cuda.get_device_name(0)
    print("decode_attention_f16 on %s: %d/%d checks pass (relative error < %g)"
          % (device, sum(c["ok"] for c in checks), len(checks), TOL))
    print("%-11s %5s %4s %9s %9s %12s %8s" % ("shape", "heads", "kv", "positions", "ours us",
                                              "torch sdpa us", "GB/s"))
    for r in timing:
        print("%-11s %5d %4d %9d %9.2f %12.2f %8.0f" % (r["model"], r["heads"], r["kv_heads"],
                                                       r["positions"], r["us"], r["torch_sdpa_us"], r["GBps"]))
    with open("%s/attention.json" % args.out, "w") as f:
        json.dump({"benchmark": "decode_attention_f16, one token, f16 KV cache", "device": device,
                   "checks": checks, "timing": timing}, f, indent=1)
    return 0 if all(c["ok"] for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
