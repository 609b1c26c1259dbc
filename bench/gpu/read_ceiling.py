#!/usr/bin/env python3
"""What a pure read of a GEMV's bytes can reach in bench_gpu.py's harness
(issue #8, bench/gpu/NOTES.md "Next"): for each GEMV shape, a Triton kernel
that reads as many bytes as the int4 g128 weight (values + scales + zeros)
and XORs them, over rotating buffers larger than L2, timed like the GEMVs
(CUDA-graph replays of back-to-back launches). Also the device-to-device
copy of the same bytes and the cost of an empty launch, so a GEMV's
% of copy can be read against what its size allows at all.

  python3 read_ceiling.py --out DIR   (writes DIR/read_ceiling.json)
"""

import argparse
import json
import math
import os

import torch
import triton
import triton.language as tl

import bench_gpu as b


@triton.jit
def read_kernel(src, out, n, iters, BLOCK: tl.constexpr):
    # Program p reads blocks p, p + P, ... (grid-stride, like the stream GEMV's
    # warps over rows), BLOCK int32 each.
    pid = tl.program_id(0)
    nprog = tl.num_programs(0)
    acc = tl.zeros([BLOCK], dtype=tl.int32)
    for i in range(iters):
        offs = (i * nprog + pid) * BLOCK + tl.arange(0, BLOCK)
        acc ^= tl.load(src + offs, mask=offs < n, other=0)
    tl.store(out + pid * BLOCK + tl.arange(0, BLOCK), acc)


@triton.jit
def empty_kernel(out):
    pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    copy_gbs, _ = b.ceilings()
    sms = torch.cuda.get_device_properties(0).multi_processor_count
    dummy = torch.empty(1, device=b.DEV)
    t_empty, _ = b.graph_ms([lambda: empty_kernel[(1,)](dummy)] * 64)
    b.log("empty launch in a graph: %.2f us" % (t_empty * 1e3))
    rows_out = []
    for rows, cols in b.SHAPES:
        nbytes = rows * cols // 2 + rows * cols // 128 * 2 + rows * cols // 256
        n = nbytes // 4
        nbuf = max(2, math.ceil(b.L2_ROTATE_BYTES / nbytes))
        bufs = [torch.randint(-2 ** 31, 2 ** 31 - 1, (n,), dtype=torch.int32, device=b.DEV)
                for _ in range(nbuf)]
        res = {"shape": "%dx%d" % (rows, cols), "bytes": nbytes}
        best = None
        for block, warps in ((1024, 4), (2048, 8), (4096, 8)):
            for per_sm in (2, 4, 8, 16, None):
                nprog = math.ceil(n / block) if per_sm is None else min(sms * per_sm, math.ceil(n / block))
                iters = math.ceil(n / (nprog * block))
                out = torch.empty(nprog * block, dtype=torch.int32, device=b.DEV)
                t, _ = b.graph_ms([lambda s=s: read_kernel[(nprog,)](s, out, n, iters, BLOCK=block,
                                                                     num_warps=warps) for s in bufs])
                gbs = nbytes / (t * 1e-3) / 1e9
                name = "read B%d w%d %s" % (block, warps, "one-shot" if per_sm is None else "%d/SM" % per_sm)
                res[name] = {"us": t * 1e3, "GBps": gbs, "pct_copy": 100 * gbs / copy_gbs}
                if best is None or t < best[1]:
                    best = (name, t)
        dst = [torch.empty_like(s) for s in bufs]
        t, _ = b.graph_ms([lambda s=s, d=d: d.copy_(s) for s, d in zip(bufs, dst)])
        res["d2d copy (read+write)"] = {"us": t * 1e3, "GBps": 2 * nbytes / (t * 1e-3) / 1e9,
                                        "pct_copy": 100 * 2 * nbytes / (t * 1e-3) / 1e9 / copy_gbs}
        res["best_read"] = best[0]
        rows_out.append(res)
        b.log("read ceiling %s (%.1f MB): best %s %.2f us = %.1f%% of copy; same-size copy %.1f%%"
              % (res["shape"], nbytes / 1e6, best[0], best[1] * 1e3, res[best[0]]["pct_copy"],
                 res["d2d copy (read+write)"]["pct_copy"]))
        del bufs, dst
        torch.cuda.empty_cache()
    with open(os.path.join(args.out, "read_ceiling.json"), "w") as f:
        json.dump({"copy_GBps": copy_gbs, "empty_launch_us": t_empty * 1e3, "shapes": rows_out}, f, indent=1)
    print("== read ceiling (copy %.0f GB/s, empty launch %.2f us) ==" % (copy_gbs, t_empty * 1e3))
    for r in rows_out:
        print("%-11s %s" % (r["shape"], " | ".join(
            "%s %.2fus %.0f%%" % (k.replace("read ", ""), v["us"], v["pct_copy"])
            for k, v in r.items() if isinstance(v, dict))))


if __name__ == "__main__":
    main()
