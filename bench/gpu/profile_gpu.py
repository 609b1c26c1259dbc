#!/usr/bin/env python3
"""Launches each hot kernel once on a benchmark shape, for Nsight Compute:
  ncu --kernel-name regex:'gemv|gemm' --section SpeedOfLight ... \\
      python3 profile_gpu.py --cubin int4_matmul.sm_90.cubin"""

import argparse

import torch

import bench_gpu as b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cubin", required=True)
    args = ap.parse_args()
    k = b.Kernels(args.cubin)
    gen = torch.Generator(device=b.DEV)
    gen.manual_seed(1)
    for rows, cols in ((4096, 11008), (14336, 4096)):
        w = b.QWeight(rows, cols, 128, True, gen)
        x = torch.randn(16, cols, device=b.DEV, generator=gen).half()
        y = torch.empty(16, rows, device=b.DEV, dtype=torch.float16)
        for kind in k.gemv_kinds:
            k.gemv(w, x[0], y[0], kind)
        k.gemm(w, x, y, 16)
        for batch in (8, 16):
            for tiled in (False, True):
                if (k.sk_tile(batch), tiled) in k.f_sk:
                    k.gemm_sk(w, x[:batch], y[:batch], batch, k.sk_slices(rows, cols, batch), tiled)
    torch.cuda.synchronize()


if __name__ == "__main__":
    main()
