#!/usr/bin/env python3
"""QuantForge GPU benchmark (issue #8): runs on the device machine.

One process measures, in this order:
  1. the ceilings: device-to-device copy bandwidth (bytes read + written) and
     the cuBLAS FP16 GEMM rate (torch.matmul, 8192^3);
  2. correctness of every kernel of codegen/CUDA/kernels against a float64
     reference on fresh random inputs, outputs poisoned with NaN first;
  3. int4 g128 GEMV (each GEMV kernel of the cubin; the persistent
     gemv_int4_stream* on the grid of Kernels.stream_grid) on the Llama
     shapes: GB/s and % of the copy ceiling, rotating weight buffers larger
     than L2, timed as CUDA-graph replays of back-to-back launches (what a
     plain read of the same bytes reaches: read_ceiling.py), each kernel
     launched plainly and with programmatic dependent launch ("+pdl": the
     next launch starts its weight loads while the previous one drains);
  4. int4 g128 GEMM (gemm_int4_n*; batch 1 uses the fastest GEMV) against
     cuBLAS FP16 on the same shapes and batches;
  5. decode at batch 1 of a Llama-2-7B-shaped random-weight model (int4 g128
     linear layers through our kernels; RMSNorm, RoPE + attention over an FP16
     KV cache, SiLU*up as three small Triton kernels; FP16 lm_head through
     cuBLAS), captured in one CUDA graph: tokens/s and % of the roofline
     bytes-per-token / copy bandwidth; once with each GEMV kernel, once with
     the fastest checked one per weight shape, and once more with SiLU*up
     fused into the down projection (gemv_int4_tc_silu); each plainly and
     with PDL launches (the glue too where Triton supports launch_pdl).
Prints a table last and writes <out>/gpu.json.

  python3 bench_gpu.py --cubin int4_matmul.sm_90.cubin --out DIR [--quick]
"""

import argparse
import ctypes
import json
import math
import os
import subprocess
import sys
import time
import warnings

import cupy
import numpy as np
import torch
import triton
import triton.language as tl

DEV = "cuda"
# CuPy 14 deprecates ExternalStream, the one way to launch on torch's stream.
warnings.filterwarnings("ignore", category=DeprecationWarning)
L2_ROTATE_BYTES = 120 << 20  # rotate over more than twice the 50 MB L2
PER_SHAPE = "per_shape"  # decode with the fastest checked GEMV per weight shape
# PER_SHAPE, with SiLU*up fused into the down projection (gemv_int4_tc_silu).
FUSED = "per_shape+silu_fused"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- kernels --

class _LaunchAttrValue(ctypes.Union):
    _fields_ = [("pad", ctypes.c_uint64 * 8), ("value", ctypes.c_int)]


class _LaunchAttr(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint), ("pad", ctypes.c_char * 4), ("value", _LaunchAttrValue)]


class _LaunchConfig(ctypes.Structure):
    _fields_ = [("grid", ctypes.c_uint * 3), ("block", ctypes.c_uint * 3), ("shared", ctypes.c_uint),
                ("stream", ctypes.c_void_p), ("attrs", ctypes.POINTER(_LaunchAttr)),
                ("nattrs", ctypes.c_uint)]


CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION = 6
_CUDA = ctypes.CDLL("libcuda.so.1")
_CUDA.cuLaunchKernelEx.argtypes = [ctypes.POINTER(_LaunchConfig), ctypes.c_void_p,
                                   ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
_CTYPE = {np.uint64: ctypes.c_uint64, np.int64: ctypes.c_int64, np.int32: ctypes.c_int32}


def cu_function(fn):
    """The CUfunction handle of a CuPy RawModule function."""
    return fn.kernel.ptr


def launch_pdl(fn, grid, block, args, stream):
    """cuLaunchKernelEx with programmatic stream serialization: the kernel
    may be scheduled once every block of the previous kernel in the stream
    has executed griddepcontrol.launch_dependents, and waits for that
    kernel's completion in griddepcontrol.wait (codegen/CUDA/kernels)."""
    vals = [_CTYPE[type(a)](a) for a in args]
    params = (ctypes.c_void_p * len(vals))(*[ctypes.addressof(v) for v in vals])
    attr = _LaunchAttr(id=CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION)
    attr.value.value = 1
    grid = tuple(grid) + (1,) * (3 - len(grid))
    block = tuple(block) + (1,) * (3 - len(block))
    cfg = _LaunchConfig((ctypes.c_uint * 3)(*grid), (ctypes.c_uint * 3)(*block), 0, stream,
                        ctypes.pointer(attr), 1)
    rc = _CUDA.cuLaunchKernelEx(ctypes.byref(cfg), cu_function(fn), params, None)
    if rc != 0:
        raise RuntimeError("cuLaunchKernelEx failed: CUresult %d" % rc)


def memref(t):
    """A 1-D memref descriptor of MLIR's default kernel ABI: allocated and
    aligned pointer, offset, size, stride."""
    p = np.uint64(t.data_ptr())
    return (p, p, np.int64(0), np.int64(t.numel()), np.int64(1))


class QWeight:
    """An int4 weight in QuantForge's canonical layout, on the GPU."""

    def __init__(self, rows, cols, group, asym, gen):
        self.rows, self.cols, self.group, self.asym = rows, cols, group, asym
        ng = cols // group
        q = torch.randint(0, 16, (rows, cols), dtype=torch.uint8, device=DEV, generator=gen)
        self.q = q
        self.qweight = (q[:, 0::2] | (q[:, 1::2] << 4)).contiguous()
        self.scales = (torch.rand(rows, ng, device=DEV, generator=gen) * 0.02 + 0.005).half()
        if asym:
            self.z = torch.randint(0, 16, (rows, ng), dtype=torch.uint8, device=DEV, generator=gen)
            zp = torch.zeros(rows, ng + ng % 2, dtype=torch.uint8, device=DEV)
            zp[:, :ng] = self.z
            self.zeros = (zp[:, 0::2] | (zp[:, 1::2] << 4)).contiguous()
        else:
            self.z = torch.full((rows, ng), 8, dtype=torch.uint8, device=DEV)
            self.zeros = torch.zeros(16, dtype=torch.uint8, device=DEV)  # read, ignored

    def nbytes(self):
        return (self.qweight.numel() + self.scales.numel() * 2
                + (self.zeros.numel() if self.asym else 0))

    def dequant(self, dtype=torch.float32):
        s = self.scales.to(dtype).repeat_interleave(self.group, 1)
        z = self.z.to(dtype).repeat_interleave(self.group, 1)
        return s * (self.q.to(dtype) - z)

    def tiled(self):
        """The m16-tiled copy of qweight that gemm_int4_skt* reads: per
        16-row tile and 128-column chunk, 1 KB as [row half][lane g*4+t][16
        bytes of row 8 * half + g, columns 32t..32t+31 of the chunk]."""
        if not hasattr(self, "_tiled"):
            rp = -(-self.rows // 16) * 16
            qb = torch.zeros(rp, self.cols // 2, dtype=torch.uint8, device=DEV)
            qb[:self.rows] = self.qweight
            t = qb.view(rp // 16, 2, 8, self.cols // 128, 4, 16).permute(0, 3, 1, 2, 4, 5)
            self._tiled = t.contiguous().view(-1)
        return self._tiled

    def drop_reference(self):
        del self.q, self.z


class Kernels:
    def __init__(self, cubin):
        self.mod = cupy.RawModule(path=cubin)
        # GEMV kernels: name -> (function, rows per block, threads per block);
        # rows per block None: a persistent grid (stream_grid).
        self.gemv_kinds = {}
        # Launch with programmatic dependent launch (launch_pdl).
        self.pdl = False
        self.sms = torch.cuda.get_device_properties(0).multi_processor_count
        self.blocks_per_sm = {}
        # The down projection with SiLU*up fused into its x staging: name ->
        # (function, rows per block, threads per block), as gemv_kinds.
        self.silu_kinds = {}
        # pdl -> the fastest checked one (bench_decode).
        self.silu_choice = {}
        for name, rows, threads in (("gemv_int4", 8, 64), ("gemv_int4_splitk", 4, 128),
                                     ("gemv_int4_tc", 16, 256), ("gemv_int4_stream", None, 256),
                                     ("gemv_int4_stream_g", None, 256), ("gemv_int4_stream_p", None, 256),
                                     ("gemv_int4_tc_silu", 16, 256)):
            try:
                fn = self.mod.get_function(name)
            except Exception:  # noqa: BLE001 (CuPy raises its driver error)
                log("no kernel %s in %s" % (name, cubin))
                continue
            (self.silu_kinds if name.endswith("_silu") else self.gemv_kinds)[name] = (fn, rows, threads)
            if rows is None:
                try:
                    bps = cupy.cuda.driver.occupancyMaxActiveBlocksPerMultiprocessor(cu_function(fn), threads, 0)
                except Exception:  # noqa: BLE001
                    # Registers alone (allocated per warp in units of 256).
                    bps = 65536 // (threads // 32 * ((fn.num_regs * 32 + 255) // 256 * 256))
                    log("%s: no occupancy query, %d blocks per SM from registers" % (name, bps))
                self.blocks_per_sm[name] = bps
                log("%s: %d blocks of %d threads per SM, %d registers" % (name, bps, threads, fn.num_regs))
        self.gemv_kind = next(iter(self.gemv_kinds))
        # (rows, cols, pdl) -> GEMV kernel, used when gemv_kind is PER_SHAPE
        # (the choice a lowering makes per weight shape and launch kind).
        self.per_shape = {}
        self.f_gemm = {t: self.mod.get_function("gemm_int4_n%d" % t) for t in (64, 32, 16, 8)}
        # Split-K GEMMs for batch tiles of 8 and 16 (gemm_int4_sk*): their
        # f32 workspace per (rows, batch, slices) and counters per (rows,
        # batch), and the number of K slices per shape (sk_slices).
        # (tile, tiled) -> function; tiled: reads QWeight.tiled().
        self.f_sk = {}
        for t in (16, 8):
            for tiled in (False, True):
                name = "gemm_int4_sk%s%d" % ("t" if tiled else "", t)
                try:
                    self.f_sk[(t, tiled)] = self.mod.get_function(name)
                except Exception:  # noqa: BLE001
                    log("no kernel " + name)
        self.sk_buffers = {}
        self.sk_blocks_per_sm = {}
        for (t, tiled), fn in self.f_sk.items():
            try:
                bps = cupy.cuda.driver.occupancyMaxActiveBlocksPerMultiprocessor(cu_function(fn), 256, 0)
            except Exception:  # noqa: BLE001
                bps = 2
            self.sk_blocks_per_sm[t] = min(bps, self.sk_blocks_per_sm.get(t, bps))
            log("gemm_int4_sk%s%d: %d blocks of 256 threads per SM, %d registers"
                % ("t" if tiled else "", t, bps, fn.num_regs))
        # (rows, cols, batch) -> "tile" or ("sk", slices, tiled): the fastest
        # checked GEMM, as a lowering would pick per shape (reported).
        self.gemm_choice = {}
        self.f_gather = self.mod.get_function("gather_f16")

    def _launch(self, fn, grid, block, args):
        stream = torch.cuda.current_stream().cuda_stream
        if self.pdl:
            launch_pdl(fn, grid, block, args, stream)
            return
        with cupy.cuda.ExternalStream(stream):
            fn(grid, block, args)

    def gemv(self, w, x, y, kind=None):
        kind = kind or self.gemv_kind
        if kind in (PER_SHAPE, FUSED):
            kind = self.per_shape[(w.rows, w.cols, self.pdl)]
        self._gemv_launch(kind, self.gemv_kinds[kind], w, x, y)

    def _gemv_launch(self, kind, launch, w, x, y):
        fn, rows, threads = launch
        args = (*memref(w.qweight), *memref(w.scales), *memref(w.zeros), *memref(x),
                *memref(y), np.int64(w.rows), np.int64(w.cols), np.int64(w.group),
                np.int32(1 if w.asym else 0))
        grid = self.stream_grid(kind, w.rows) if rows is None else (w.rows + rows - 1) // rows
        self._launch(fn, (grid,), (threads,), args)

    def stream_grid(self, kind, rows):
        """Blocks of 8 warps for a persistent GEMV: at most what is resident
        at once, and as few as keep every warp's row count equal (the
        largest count, k, unchanged), so no warp runs a row longer."""
        warps = self.sms * self.blocks_per_sm[kind] * 8
        k = (rows + warps - 1) // warps
        return (rows + 8 * k - 1) // (8 * k)

    def gemv_silu(self, w, gu, y, kind=None):
        """y = W (silu(g) * u) for gu = [g; u] of 2 * w.cols values."""
        kind = kind or self.silu_choice[self.pdl]
        self._gemv_launch(kind, self.silu_kinds[kind], w, gu, y)

    def gemm(self, w, x, y, batch):
        # The largest batch tile that divides the batch (a multiple of 8).
        tile = next(t for t in (64, 32, 16, 8) if batch % t == 0)
        args = (*memref(w.qweight), *memref(w.scales), *memref(w.zeros), *memref(x),
                *memref(y), np.int64(w.rows), np.int64(w.cols), np.int64(w.group),
                np.int32(1 if w.asym else 0))
        self._launch(self.f_gemm[tile], ((w.rows + 15) // 16, batch // tile), (256,), args)

    def sk_tile(self, batch):
        return 16 if batch % 16 == 0 else 8

    def sk_slices(self, rows, cols, batch, spread=1.0):
        """K slices for gemm_int4_sk: the fewest whose stage fits (16 chunks
        of 128 columns for n8, 8 for n16), else as many as fill the resident
        blocks once (times `spread`) without a second wave."""
        t = self.sk_tile(batch)
        nchunks = cols // 128
        least = -(-nchunks // (16 * 8 // t))
        rowblocks = -(-rows // 256) * (batch // t)
        fill = int(self.sms * self.sk_blocks_per_sm[t] * spread) // rowblocks
        return max(least, min(fill, nchunks))

    def gemm_sk(self, w, x, y, batch, slices, tiled=False):
        t = self.sk_tile(batch)
        # The slices' partial sums (written before read, never cleared) and
        # the row ranges' counters (zero, reset by the kernel).
        key = (w.rows, batch, slices)
        if key not in self.sk_buffers:
            # NaN first: a part some block failed to write shows in y.
            self.sk_buffers[key] = torch.full((batch * slices * w.rows,), float("nan"), dtype=torch.float32,
                                              device=DEV)
        if (w.rows, batch) not in self.sk_buffers:
            self.sk_buffers[(w.rows, batch)] = torch.zeros(batch // t * -(-w.rows // 256), dtype=torch.int32,
                                                           device=DEV)
        ws, counters = self.sk_buffers[key], self.sk_buffers[(w.rows, batch)]
        args = (*memref(w.tiled() if tiled else w.qweight), *memref(w.scales), *memref(w.zeros),
                *memref(x), *memref(y), np.int64(w.rows), np.int64(w.cols), np.int64(w.group),
                np.int32(1 if w.asym else 0), *memref(ws), *memref(counters))
        self._launch(self.f_sk[(t, tiled)], (-(-w.rows // 256), slices, batch // t), (256,), args)

    def gather(self, x, perm, out):
        n = perm.numel()
        self._launch(self.f_gather, ((n + 255) // 256,), (256,),
                     (*memref(x), *memref(perm), *memref(out), np.int64(n)))


# ------------------------------------------------------------ timing utils --

def event_ms(fn, warmup=3, reps=20):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        a = torch.cuda.Event(enable_timing=True)
        b = torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    return float(np.median(times)), times


def graph_ms(calls, reps=30):
    """Median time per call of `calls` run back to back in one CUDA graph."""
    for c in calls:
        c()
    torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for c in calls:
            c()
    med, times = event_ms(g.replay, warmup=3, reps=reps)
    spread = (float(np.percentile(times, 10)) / len(calls), float(np.percentile(times, 90)) / len(calls))
    return med / len(calls), spread


def rel_err(out, ref):
    return ((out.double() - ref.double()).norm() / ref.double().norm()).item()


# ---------------------------------------------------------------- checks --

CHECKS = []
GEMV_OK = {}  # GEMV kernel -> every check of it passed


def gemv_ok(kind, ok):
    GEMV_OK[kind] = GEMV_OK.get(kind, True) and ok


SK_OK = {}  # (batch tile, tiled) of gemm_int4_sk* -> every check of it passed


def sk_ok(batch, tiled, ok):
    key = (16 if batch % 16 == 0 else 8, tiled)
    SK_OK[key] = SK_OK.get(key, True) and ok


def check(name, out, ref, tol):
    nan = int(torch.isnan(out).sum().item())
    err = rel_err(out, ref) if nan == 0 else float("nan")
    ok = nan == 0 and err < tol
    CHECKS.append({"name": name, "rel_err": err, "nan": nan, "tol": tol, "ok": ok})
    log("check %-44s rel_err %.2e  unwritten %d  %s" % (name, err, nan, "ok" if ok else "FAIL"))
    return ok


def run_checks(k, gen):
    # int4 x f16 with f32 scale application: f16 partial sums and the f16
    # output give ~1e-3 relative; 5e-3 leaves room without hiding a wrong
    # index (that gives O(1)).
    tol = 5e-3
    for rows, cols, asym in ((4096, 4096, True), (11008, 4096, False), (4096, 11008, True),
                             (1000, 2048, True), (8, 11008, False)):
        w = QWeight(rows, cols, 128, asym, gen)
        wd = w.dequant(torch.float64)
        x = torch.randn(cols, device=DEV, generator=gen).half()
        for kind in k.gemv_kinds:
            y = torch.full((rows,), float("nan"), dtype=torch.float16, device=DEV)
            k.gemv(w, x, y, kind)
            gemv_ok(kind, check("%s %dx%d %s" % (kind, rows, cols, "asym" if asym else "sym"),
                                y, wd @ x.double(), tol))
        gu = torch.randn(2 * cols, device=DEV, generator=gen).half()
        g, u = gu[:cols].double(), gu[cols:].double()
        for kind in k.silu_kinds:
            y = torch.full((rows,), float("nan"), dtype=torch.float16, device=DEV)
            k.gemv_silu(w, gu, y, kind)
            gemv_ok(kind, check("%s %dx%d %s" % (kind, rows, cols, "asym" if asym else "sym"), y,
                                wd @ (g * torch.sigmoid(g) * u), tol))
        for batch in (8, 16, 32, 64, 72):
            xb = torch.randn(batch, cols, device=DEV, generator=gen).half()
            yb = torch.full((batch, rows), float("nan"), dtype=torch.float16, device=DEV)
            k.gemm(w, xb, yb, batch)
            ref = xb.double() @ wd.T
            check("gemm b%d %dx%d %s" % (batch, rows, cols, "asym" if asym else "sym"), yb, ref, tol)
            if batch > 32:
                continue
            # Split-K: the fewest slices and the most that fit one wave, each
            # twice (the second run needs the counters reset by the first).
            for tiled in (False, True):
                if (k.sk_tile(batch), tiled) not in k.f_sk:
                    continue
                for slices in sorted({k.sk_slices(rows, cols, batch, 0), k.sk_slices(rows, cols, batch)}):
                    for rep in (1, 2):
                        yb.fill_(float("nan"))
                        k.gemm_sk(w, xb, yb, batch, slices, tiled)
                        sk_ok(batch, tiled, check("gemm_sk%s b%d %dx%d %s, %d slices, run %d"
                                                  % ("t" if tiled else "", batch, rows, cols,
                                                     "asym" if asym else "sym", slices, rep), yb, ref, tol))
        del wd
    # The same kernels launched with PDL, three chained so that each reads
    # the previous one's output (poisoned with NaN first): a read of x before
    # griddepcontrol.wait would see NaN or stale values.
    ws = [QWeight(4096, 4096, 128, True, gen) for _ in range(3)]
    x = torch.randn(4096, device=DEV, generator=gen).half()
    ref = x.double()
    for w in ws:
        ref = w.dequant(torch.float64) @ ref
    ts = [torch.empty(4096, device=DEV, dtype=torch.float16) for _ in ws]

    def chain(kind):
        for t in ts:
            t.fill_(float("nan"))
        k.pdl = True
        src = x
        for w, t in zip(ws, ts):
            k.gemv(w, src, t, kind)
            src = t
        k.pdl = False
    for kind in k.gemv_kinds:
        chain(kind)
        gemv_ok(kind, check("%s PDL chain of 3 4096x4096" % kind, ts[-1], ref, 1e-2))
        chain(kind)
        torch.cuda.synchronize()
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            chain(kind)
        for t in ts:
            t.fill_(float("nan"))
        g.replay()
        gemv_ok(kind, check("%s PDL chain of 3, graph" % kind, ts[-1], ref, 1e-2))
        del g
    del ws
    # Split-K GEMMs chained with PDL (each reads the previous one's poisoned
    # output; all share one workspace and its counters).
    for batch, tiled in ((8, False), (16, False), (8, True), (16, True)):
        if (k.sk_tile(batch), tiled) not in k.f_sk:
            continue
        ws = [QWeight(4096, 4096, 128, True, gen) for _ in range(3)]
        xb = torch.randn(batch, 4096, device=DEV, generator=gen).half()
        ref = xb.double()
        for w in ws:
            ref = ref @ w.dequant(torch.float64).T
        outs = [torch.empty(batch, 4096, device=DEV, dtype=torch.float16) for _ in ws]

        def sk_chain():
            for t in outs:
                t.fill_(float("nan"))
            k.pdl = True
            src = xb
            for w, t in zip(ws, outs):
                k.gemm_sk(w, src, t, batch, k.sk_slices(4096, 4096, batch), tiled)
                src = t
            k.pdl = False
        sk_chain()
        name = "gemm_sk%s b%d" % ("t" if tiled else "", batch)
        sk_ok(batch, tiled, check("%s PDL chain of 3 4096x4096" % name, outs[-1], ref, 1e-2))
        torch.cuda.synchronize()
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            sk_chain()
        g.replay()
        sk_ok(batch, tiled, check("%s PDL chain of 3, graph" % name, outs[-1], ref, 1e-2))
        del g, ws
    # Act-order: GPTQ's g_idx (group of column c = rank of c in a random
    # order // group) becomes canonical by sorting the columns by group; the
    # activation is gathered with the same permutation.
    rows, cols, group = 4096, 4096, 128
    order = torch.randperm(cols, device=DEV, generator=gen)
    g_idx = torch.empty(cols, dtype=torch.int64, device=DEV)
    g_idx[order] = torch.arange(cols, device=DEV) // group
    w = QWeight(rows, cols, group, True, gen)  # w.q[:, j] is sorted column j
    perm = torch.argsort(g_idx, stable=True)
    q_orig = torch.empty_like(w.q)
    q_orig[:, perm] = w.q
    w_orig = (w.scales.double()[:, g_idx] * (q_orig.double() - w.z.double()[:, g_idx]))
    x = torch.randn(cols, device=DEV, generator=gen).half()
    xp = torch.full((cols,), float("nan"), dtype=torch.float16, device=DEV)
    perm32 = perm.to(torch.int32)
    k.gather(x, perm32, xp)
    check("gather_f16 %d" % cols, xp, x[perm], 1e-12)
    for kind in k.gemv_kinds:
        y = torch.full((rows,), float("nan"), dtype=torch.float16, device=DEV)
        k.gemv(w, xp, y, kind)
        gemv_ok(kind, check("%s act-order %dx%d (sorted+gathered)" % (kind, rows, cols), y,
                            w_orig @ x.double(), tol))


# ------------------------------------------------------------- ceilings --

def ceilings():
    n = 1 << 30
    a = torch.randint(0, 255, (n,), dtype=torch.uint8, device=DEV)
    b = torch.empty_like(a)
    t, _ = event_ms(lambda: b.copy_(a), warmup=3, reps=20)
    copy_gbs = 2 * n / (t * 1e-3) / 1e9
    del a, b
    m = 8192
    x = torch.randn(m, m, device=DEV, dtype=torch.float16)
    y = torch.randn(m, m, device=DEV, dtype=torch.float16)
    out = torch.empty(m, m, device=DEV, dtype=torch.float16)
    t, _ = event_ms(lambda: torch.matmul(x, y, out=out), warmup=3, reps=20)
    tflops = 2 * m ** 3 / (t * 1e-3) / 1e12
    log("ceilings: copy %.0f GB/s, cuBLAS fp16 %.0f TFLOP/s" % (copy_gbs, tflops))
    return copy_gbs, tflops


# ---------------------------------------------------------- GEMV / GEMM --

SHAPES = ((4096, 4096), (11008, 4096), (4096, 11008), (14336, 4096))


def bench_matmuls(k, gen, copy_gbs, batches):
    gemv_rows, gemm_rows = [], []
    for rows, cols in SHAPES:
        proto = QWeight(rows, cols, 128, True, gen)
        proto.drop_reference()
        per = proto.nbytes()
        nbuf = max(2, math.ceil(L2_ROTATE_BYTES / per))
        ws = [proto] + [QWeight(rows, cols, 128, True, gen) for _ in range(nbuf - 1)]
        for w in ws[1:]:
            w.drop_reference()
        w16 = [torch.randn(rows, cols, device=DEV, generator=gen).half()
               for _ in range(max(2, math.ceil(L2_ROTATE_BYTES / (rows * cols * 2))))]
        for batch in batches:
            x = torch.randn(batch, cols, device=DEV, generator=gen).half()
            y = torch.empty(batch, rows, device=DEV, dtype=torch.float16)
            if batch == 1:
                best = {}  # pdl -> fastest checked GEMV
                for kind in k.gemv_kinds:
                    for pdl in (False, True):
                        k.pdl = pdl
                        tk, spread = graph_ms([lambda w=w, kind=kind: k.gemv(w, x[0], y[0], kind) for w in ws])
                        k.pdl = False
                        moved = per + cols * 2 + rows * 2
                        gbs = moved / (tk * 1e-3) / 1e9
                        label = kind + ("+pdl" if pdl else "")
                        gemv_rows.append({"kernel": label, "pdl": pdl, "shape": "%dx%d" % (rows, cols),
                                          "us": tk * 1e3, "us_p10_p90": [s * 1e3 for s in spread],
                                          "bytes": moved, "GBps": gbs, "pct_copy": 100 * gbs / copy_gbs})
                        log("%s %dx%d: %.2f us, %.0f GB/s, %.1f%% of copy"
                            % (label, rows, cols, tk * 1e3, gbs, 100 * gbs / copy_gbs))
                        if GEMV_OK.get(kind):
                            best[pdl] = min(best.get(pdl, tk), tk)
                # No GEMV passed: flagged in checks.
                t = min(best.values()) if best else tk
                t_plain = best.get(False, t)
            else:
                t_plain, spread = graph_ms([lambda w=w: k.gemm(w, x, y, batch) for w in ws])
                k.pdl = True
                t_pdl, _ = graph_ms([lambda w=w: k.gemm(w, x, y, batch) for w in ws])
                k.pdl = False
                t = min(t_plain, t_pdl)
                tile_us = {"plain": t_plain * 1e3, "pdl": t_pdl * 1e3}
                sk_us = {}
                k.gemm_choice[(rows, cols, batch)] = "tile"
                for tiled in (False, True):
                    if not SK_OK.get((k.sk_tile(batch), tiled)) or batch > 32:
                        continue
                    for spread_ in (0, 0.5, 1.0, 2.0):
                        slices = k.sk_slices(rows, cols, batch, spread_)
                        for pdl in (False, True):
                            label = "%s%d slices%s" % ("tiled " if tiled else "", slices, " +pdl" if pdl else "")
                            if label in sk_us:
                                continue
                            k.pdl = pdl
                            ts, _ = graph_ms([lambda w=w, s_=slices: k.gemm_sk(w, x, y, batch, s_, tiled)
                                              for w in ws])
                            k.pdl = False
                            sk_us[label] = ts * 1e3
                            if ts < t:
                                t = ts
                                k.gemm_choice[(rows, cols, batch)] = ("sk", slices, tiled)
                            if not pdl:
                                t_plain = min(t_plain, ts)
            tc, _ = graph_ms([lambda w=w: torch.matmul(x, w.T, out=y) for w in w16])
            if batch == 1:
                tile_us, sk_us = {}, {}
            choice = k.gemm_choice.get((rows, cols, batch), "gemv")
            gemm_rows.append({"shape": "%dx%d" % (rows, cols), "batch": batch, "int4_us": t * 1e3,
                              "int4_plain_launch_us": t_plain * 1e3,
                              "kernel": choice if isinstance(choice, str) else
                              "sk%s %d slices" % ("t" if choice[2] else "", choice[1]),
                              "tile_us": tile_us, "sk_us": sk_us,
                              "cublas_fp16_us": tc * 1e3, "speedup": tc / t,
                              "int4_TFLOPs": 2 * batch * rows * cols / (t * 1e-3) / 1e12})
            log("gemm %dx%d b%d: int4 %.2f us (plain launches %.2f; %s), cuBLAS fp16 %.2f us, %.2fx; tile %s, sk %s"
                % (rows, cols, batch, t * 1e3, t_plain * 1e3, gemm_rows[-1]["kernel"], tc * 1e3, tc / t,
                   {a: round(b, 2) for a, b in tile_us.items()}, {a: round(b, 2) for a, b in sk_us.items()}))
        del ws, w16
        torch.cuda.empty_cache()
    return gemv_rows, gemm_rows


# ----------------------------------------------------------------- decode --

# Programmatic dependent launch for the Triton glue (launch_pdl=True and
# griddepcontrol in the kernel), where this Triton has it.
try:
    from triton.language.extra.cuda import gdc_launch_dependents, gdc_wait
    GLUE_PDL = True
except ImportError:
    GLUE_PDL = False


# As in codegen/CUDA/kernels: a kernel releases the next launch first, reads
# what no earlier kernel of the step writes (weights, the cache's past
# positions), and waits for the previous kernel before anything else.
@triton.jit
def pdl_release(PDL: tl.constexpr):
    if PDL:
        gdc_launch_dependents()


@triton.jit
def pdl_wait(PDL: tl.constexpr):
    if PDL:
        gdc_wait()


@triton.jit
def add_rmsnorm_kernel(h_ptr, d_ptr, w_ptr, out_ptr, eps, N: tl.constexpr, PDL: tl.constexpr):
    # h (f32 residual stream) += d; out = rmsnorm(h) * w in f16.
    pdl_release(PDL)
    offs = tl.arange(0, N)
    w = tl.load(w_ptr + offs).to(tl.float32)
    pdl_wait(PDL)
    h = tl.load(h_ptr + offs) + tl.load(d_ptr + offs).to(tl.float32)
    tl.store(h_ptr + offs, h)
    r = tl.rsqrt(tl.sum(h * h, 0) / N + eps)
    tl.store(out_ptr + offs, (h * r * w).to(tl.float16))


@triton.jit
def rope_attn_kernel(qkv_ptr, kc_ptr, vc_ptr, cos_ptr, sin_ptr, out_ptr, pos, scale,
                     H: tl.constexpr, D: tl.constexpr, CTX: tl.constexpr, PDL: tl.constexpr):
    # One program per head: RoPE (rotate-half) on q and k at `pos`, k and v
    # appended to the FP16 cache [H, CTX, D], softmax attention over 0..pos.
    # The tables and the cache's past positions are read first, in one go.
    pdl_release(PDL)
    hd = tl.program_id(0)
    HALF: tl.constexpr = D // 2
    i = tl.arange(0, HALF)
    dd = tl.arange(0, D)
    base = hd * CTX * D
    t = tl.arange(0, CTX)
    past = t < pos
    c = tl.load(cos_ptr + pos * HALF + i)
    s = tl.load(sin_ptr + pos * HALF + i)
    ka_c = tl.load(kc_ptr + base + t[:, None] * D + i[None, :], mask=past[:, None], other=0.0).to(tl.float32)
    kb_c = tl.load(kc_ptr + base + t[:, None] * D + HALF + i[None, :], mask=past[:, None], other=0.0).to(tl.float32)
    vv = tl.load(vc_ptr + base + t[:, None] * D + dd[None, :], mask=past[:, None], other=0.0).to(tl.float32)
    pdl_wait(PDL)
    q1 = tl.load(qkv_ptr + hd * D + i).to(tl.float32)
    q2 = tl.load(qkv_ptr + hd * D + HALF + i).to(tl.float32)
    k1 = tl.load(qkv_ptr + H * D + hd * D + i).to(tl.float32)
    k2 = tl.load(qkv_ptr + H * D + hd * D + HALF + i).to(tl.float32)
    qa = q1 * c - q2 * s
    qb = q2 * c + q1 * s
    ka = k1 * c - k2 * s
    kb = k2 * c + k1 * s
    v = tl.load(qkv_ptr + 2 * H * D + hd * D + dd).to(tl.float32)
    tl.store(kc_ptr + base + pos * D + i, ka.to(tl.float16))
    tl.store(kc_ptr + base + pos * D + HALF + i, kb.to(tl.float16))
    tl.store(vc_ptr + base + pos * D + dd, v.to(tl.float16))
    sc = tl.sum(ka_c * qa[None, :] + kb_c * qb[None, :], 1) * scale
    self_sc = tl.sum(ka * qa + kb * qb, 0) * scale
    sc = tl.where(t == pos, self_sc, tl.where(past, sc, float("-inf")))
    p = tl.exp(sc - tl.max(sc, 0))
    p = p / tl.sum(p, 0)
    p_self = tl.sum(tl.where(t == pos, p, 0.0), 0)
    o = tl.sum(p[:, None] * vv, 0) + p_self * v
    tl.store(out_ptr + hd * D + dd, o.to(tl.float16))


@triton.jit
def silu_mul_kernel(gu_ptr, out_ptr, N: tl.constexpr, BLOCK: tl.constexpr, PDL: tl.constexpr):
    pdl_release(PDL)
    pdl_wait(PDL)
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < N
    g = tl.load(gu_ptr + offs, mask=m, other=0.0).to(tl.float32)
    u = tl.load(gu_ptr + N + offs, mask=m, other=0.0).to(tl.float32)
    tl.store(out_ptr + offs, (g / (1.0 + tl.exp(-g)) * u).to(tl.float16), mask=m)


class Decoder:
    """Llama-2-7B shapes: hidden 4096, 32 heads of 128, FFN 11008, vocab
    32000. q/k/v and gate/up are concatenated row-wise into one weight each,
    as the compiler does, so a layer is 4 GEMV launches."""

    def __init__(self, k, gen, layers=32, hidden=4096, heads=32, ffn=11008, vocab=32000,
                 ctx=128, pos=127, keep_reference=False):
        self.k, self.L, self.Hd, self.H, self.F, self.V = k, layers, hidden, heads, ffn, vocab
        self.D, self.ctx, self.pos = hidden // heads, ctx, pos
        self.layers = []
        for _ in range(layers):
            ws = {"qkv": QWeight(3 * hidden, hidden, 128, True, gen),
                  "o": QWeight(hidden, hidden, 128, True, gen),
                  "gu": QWeight(2 * ffn, hidden, 128, True, gen),
                  "down": QWeight(hidden, ffn, 128, True, gen)}
            if not keep_reference:
                for w in ws.values():
                    w.drop_reference()
            ws["n1"] = (1 + 0.1 * torch.randn(hidden, device=DEV, generator=gen)).half()
            ws["n2"] = (1 + 0.1 * torch.randn(hidden, device=DEV, generator=gen)).half()
            ws["kc"] = (0.5 * torch.randn(heads, ctx, self.D, device=DEV, generator=gen)).half()
            ws["vc"] = torch.randn(heads, ctx, self.D, device=DEV, generator=gen).half()
            self.layers.append(ws)
        self.nf = (1 + 0.1 * torch.randn(hidden, device=DEV, generator=gen)).half()
        self.lm = (0.02 * torch.randn(vocab, hidden, device=DEV, generator=gen)).half()
        inv = 1.0 / (10000 ** (torch.arange(0, self.D, 2, device=DEV).float() / self.D))
        ang = torch.arange(ctx, device=DEV).float()[:, None] * inv[None, :]
        self.cos, self.sin = ang.cos().contiguous(), ang.sin().contiguous()
        self.h = torch.empty(hidden, device=DEV)
        self.h0 = torch.randn(hidden, device=DEV, generator=gen)
        self.zero = torch.zeros(hidden, device=DEV, dtype=torch.float16)
        self.xn = torch.empty(hidden, device=DEV, dtype=torch.float16)
        self.qkv = torch.empty(3 * hidden, device=DEV, dtype=torch.float16)
        self.att = torch.empty(hidden, device=DEV, dtype=torch.float16)
        self.o = torch.empty(hidden, device=DEV, dtype=torch.float16)
        self.gu = torch.empty(2 * ffn, device=DEV, dtype=torch.float16)
        self.m = torch.empty(ffn, device=DEV, dtype=torch.float16)
        self.d = torch.empty(hidden, device=DEV, dtype=torch.float16)
        self.logits = torch.empty(vocab, device=DEV, dtype=torch.float16)

    def bytes_per_token(self):
        w = sum(l[n].nbytes() for l in self.layers for n in ("qkv", "o", "gu", "down"))
        kv = self.L * 2 * self.H * self.pos * self.D * 2
        return w + self.lm.numel() * 2 + kv, w, kv

    def step(self):
        k, N = self.k, self.Hd
        # With k.pdl, the glue too is launched with PDL where Triton can.
        pdl = k.pdl and GLUE_PDL
        glue = {"PDL": pdl, "launch_pdl": True} if pdl else {"PDL": False}
        self.h.copy_(self.h0)
        delta = self.zero
        for l in self.layers:
            add_rmsnorm_kernel[(1,)](self.h, delta, l["n1"], self.xn, 1e-5, N=N, num_warps=8, **glue)
            k.gemv(l["qkv"], self.xn, self.qkv)
            rope_attn_kernel[(self.H,)](self.qkv, l["kc"], l["vc"], self.cos, self.sin, self.att,
                                        self.pos, 1.0 / math.sqrt(self.D), H=self.H, D=self.D,
                                        CTX=self.ctx, num_warps=8, **glue)
            k.gemv(l["o"], self.att, self.o)
            add_rmsnorm_kernel[(1,)](self.h, self.o, l["n2"], self.xn, 1e-5, N=N, num_warps=8, **glue)
            k.gemv(l["gu"], self.xn, self.gu)
            if k.gemv_kind == FUSED:
                k.gemv_silu(l["down"], self.gu, self.d)
            else:
                silu_mul_kernel[(triton.cdiv(self.F, 1024),)](self.gu, self.m, N=self.F, BLOCK=1024,
                                                               num_warps=4, **glue)
                k.gemv(l["down"], self.m, self.d)
            delta = self.d
        add_rmsnorm_kernel[(1,)](self.h, delta, self.nf, self.xn, 1e-5, N=N, num_warps=8, **glue)
        torch.matmul(self.lm, self.xn, out=self.logits)

    def reference(self):
        """The same token in float64 torch with dequantized weights (the
        caches are re-read, so run it before step() writes position pos)."""
        f = torch.float64
        h = self.h0.to(f)
        D, P = self.D, self.pos

        def norm(v, w):
            return v * torch.rsqrt((v * v).mean() + 1e-5) * w.to(f)

        def rope(v):
            a, b = v[:, :D // 2], v[:, D // 2:]
            c, s = self.cos[P].to(f), self.sin[P].to(f)
            return torch.cat([a * c - b * s, b * c + a * s], 1)
        for l in self.layers:
            x = norm(h, l["n1"])
            qkv = l["qkv"].dequant(f) @ x
            q, kk, v = (qkv[i * self.Hd:(i + 1) * self.Hd].view(self.H, D) for i in range(3))
            q, kk = rope(q), rope(kk)
            K = torch.cat([l["kc"][:, :P].to(f), kk[:, None]], 1)
            V = torch.cat([l["vc"][:, :P].to(f), v[:, None]], 1)
            p = torch.softmax((K @ q[:, :, None])[:, :, 0] / math.sqrt(D), 1)
            att = (p[:, None, :] @ V)[:, 0].reshape(-1)
            h = h + l["o"].dequant(f) @ att
            x = norm(h, l["n2"])
            gu = l["gu"].dequant(f) @ x
            g, u = gu[:self.F], gu[self.F:]
            h = h + l["down"].dequant(f) @ (g * torch.sigmoid(g) * u)
        return self.lm.to(f) @ norm(h, self.nf)


def glue_pdl_works():
    """Whether this Triton launches with PDL (launch_pdl and griddepcontrol)."""
    global GLUE_PDL
    if GLUE_PDL:
        try:
            h = torch.zeros(256, device=DEV)
            add_rmsnorm_kernel[(1,)](h, h.half(), h.half(), h.half(), 1e-5, N=256, PDL=True, launch_pdl=True)
            torch.cuda.synchronize()
        except Exception as e:  # noqa: BLE001 (Triton's errors have no common base)
            log("Triton glue without PDL: %s" % str(e).splitlines()[0])
            GLUE_PDL = False
    log("glue kernels launched with PDL: %s" % GLUE_PDL)
    return GLUE_PDL


def decode_label(kind, pdl):
    return kind + ("+pdl" if pdl else "")


def check_decode(k, small, ref, kind):
    """The 2-layer decoder's logits with GEMV mode `kind` against float64,
    launched plainly and with PDL."""
    k.gemv_kind = kind
    for pdl in (False, True):
        k.pdl = pdl
        small.logits.fill_(float("nan"))
        small.step()
        gemv_ok(kind, check("decode 2-layer logits (%s)" % decode_label(kind, pdl), small.logits, ref, 2e-2))
    k.pdl = False


def fastest(what, kinds, launch, weights):
    """The kind whose launch(weight, kind) over all `weights` (from DRAM)
    takes least time."""
    times = {kind: graph_ms([lambda w=w, kind=kind: launch(w, kind) for w in weights], reps=10)[0]
             for kind in kinds}
    choice = min(times, key=times.get)
    log("decode %s: %s -> %s" % (what, ", ".join("%s %.2f us" % (n, t * 1e3) for n, t in times.items()), choice))
    return choice


def bench_decode(k, gen, copy_gbs, layers):
    glue_pdl = glue_pdl_works()
    # Correctness of the chain first: 2 layers against float64, every GEMV
    # kernel launched plainly and with PDL (the glue too, where Triton can).
    small = Decoder(k, gen, layers=2, keep_reference=True)
    ref = small.reference()
    for kind in k.gemv_kinds:
        check_decode(k, small, ref, kind)
    dec = Decoder(k, gen, layers=layers)
    total, wbytes, kvbytes = dec.bytes_per_token()
    roof_ms = total / (copy_gbs * 1e9) * 1e3

    def gemvs():
        for l in dec.layers:
            k.gemv(l["qkv"], dec.xn, dec.qkv)
            k.gemv(l["o"], dec.att, dec.o)
            k.gemv(l["gu"], dec.xn, dec.gu)
            if k.gemv_kind == FUSED:
                k.gemv_silu(l["down"], dec.gu, dec.d)
            else:
                k.gemv(l["down"], dec.m, dec.d)
    # The fastest GEMV kernel that passed its checks, per weight shape of the
    # decoder (each timed over all layers' weights, so from DRAM).
    passed_kinds = [n for n in k.gemv_kinds if GEMV_OK.get(n)] or list(k.gemv_kinds)
    for pdl in (False, True):
        k.pdl = pdl
        suffix = " pdl" if pdl else ""
        for name, xin, yout in (("qkv", dec.xn, dec.qkv), ("o", dec.att, dec.o),
                                ("gu", dec.xn, dec.gu), ("down", dec.m, dec.d)):
            w0 = dec.layers[0][name]
            k.per_shape[(w0.rows, w0.cols, pdl)] = fastest(
                "%s %dx%d%s" % (name, w0.rows, w0.cols, suffix), passed_kinds,
                lambda w, kind: k.gemv(w, xin, yout, kind), [l[name] for l in dec.layers])
        # The fused down projection: the fastest checked one.
        silu_passed = [n for n in k.silu_kinds if GEMV_OK.get(n)]
        if silu_passed:
            k.silu_choice[pdl] = fastest("down+silu" + suffix, silu_passed,
                                         lambda w, kind: k.gemv_silu(w, dec.gu, dec.d, kind),
                                         [l["down"] for l in dec.layers])
    k.pdl = False
    GEMV_OK[PER_SHAPE] = True  # made of kernels that passed
    composite = [PER_SHAPE]
    if len(k.silu_choice) == 2:
        composite.append(FUSED)
    # The per-shape choice on the 2-layer model (same shapes); FUSED with the
    # down projection fused with SiLU*up.
    for kind in composite:
        check_decode(k, small, ref, kind)
    modes = [(kind, pdl) for kind in list(k.gemv_kinds) + composite for pdl in (False, True)]
    del small, ref
    torch.cuda.empty_cache()
    by_kernel = {}
    for kind, pdl in modes:
        k.gemv_kind, k.pdl = kind, pdl
        t, spread = graph_ms([dec.step], reps=20)
        t2, _ = graph_ms([dec.step], reps=20)
        tg, _ = graph_ms([gemvs], reps=20)
        label = decode_label(kind, pdl)
        by_kernel[label] = {"gemv": kind, "pdl": pdl, "glue_pdl": pdl and glue_pdl,
                            "ms_per_token": t, "ms_per_token_repeat": t2, "ms_p10_p90": list(spread),
                            "tokens_per_s": 1e3 / t, "pct_roofline": 100 * roof_ms / t,
                            "gemv_only_ms": tg, "gemv_only_GBps": wbytes / (tg * 1e-3) / 1e9}
        log("decode with %s: %.3f ms/token (%.3f repeat), %.1f tok/s, %.1f%% of roofline; GEMVs alone %.3f ms"
            % (label, t, t2, 1e3 / t, 100 * roof_ms / t, tg))
    k.pdl = False
    # The headline uses the fastest GEMV kernel that passed all its checks.
    passed = [n for n in by_kernel if GEMV_OK.get(by_kernel[n]["gemv"])] or list(by_kernel)
    best = min(passed, key=lambda n: by_kernel[n]["ms_per_token"])
    res = dict(by_kernel[best])
    res.update({"layers": layers, "gemv_kernel": best, "by_gemv_kernel": by_kernel,
                "bytes_per_token": total, "int4_weight_bytes": wbytes,
                "lm_head_fp16_bytes": dec.lm.numel() * 2, "kv_bytes": kvbytes,
                "kv_positions": dec.pos, "roofline_ms": roof_ms,
                "glue_pdl": glue_pdl,
                "per_shape_gemv": {"%dx%d%s" % (r, c, "+pdl" if p else ""): n
                                   for (r, c, p), n in k.per_shape.items()},
                "silu_fused_gemv": {("pdl" if p else "plain"): n for p, n in k.silu_choice.items()}})
    # The glue kernels alone, as many launches as a token makes.
    l0 = dec.layers[0]
    glue = {
        "add_rmsnorm": (2 * layers + 1, lambda: add_rmsnorm_kernel[(1,)](
            dec.h, dec.o, l0["n1"], dec.xn, 1e-5, N=dec.Hd, num_warps=8, PDL=False)),
        "rope_attention": (layers, lambda: rope_attn_kernel[(dec.H,)](
            dec.qkv, l0["kc"], l0["vc"], dec.cos, dec.sin, dec.att, dec.pos,
            1.0 / math.sqrt(dec.D), H=dec.H, D=dec.D, CTX=dec.ctx, num_warps=8, PDL=False)),
        "silu_mul": (layers, lambda: silu_mul_kernel[(triton.cdiv(dec.F, 1024),)](
            dec.gu, dec.m, N=dec.F, BLOCK=1024, num_warps=4, PDL=False)),
        "lm_head_fp16": (1, lambda: torch.matmul(dec.lm, dec.xn, out=dec.logits)),
    }
    res["glue_ms_per_token"] = {}
    for name, (count, fn) in glue.items():
        tk, _ = graph_ms([fn] * count, reps=10)
        res["glue_ms_per_token"][name] = tk * count
    log("decode glue: %s" % ", ".join("%s %.3f ms" % kv for kv in res["glue_ms_per_token"].items()))
    return res


# ------------------------------------------------------------------- main --

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cubin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--version", default="v1")
    ap.add_argument("--quick", action="store_true", help="fewer layers and batches")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.backends.cuda.matmul.allow_tf32 = False
    name = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,clocks.max.sm",
                           "--format=csv,noheader"], capture_output=True, text=True).stdout.strip()
    log("device:", name, "| torch", torch.__version__, "| cupy", cupy.__version__)
    gen = torch.Generator(device=DEV)
    gen.manual_seed(int(time.time()))  # fresh inputs every run
    k = Kernels(args.cubin)
    t0 = time.time()
    copy_gbs, tflops = ceilings()
    run_checks(k, gen)
    gemv, gemm = bench_matmuls(k, gen, copy_gbs, (1, 8, 16) if args.quick else (1, 8, 16, 32, 64))
    decode = bench_decode(k, gen, copy_gbs, 4 if args.quick else 32)
    result = {"device": name, "kernel_version": args.version, "torch": torch.__version__,
              "copy_GBps": copy_gbs, "cublas_fp16_TFLOPs": tflops, "checks": CHECKS,
              "gemv": gemv, "gemm": gemm, "decode": decode, "seconds": time.time() - t0}
    with open(os.path.join(args.out, "gpu.json"), "w") as f:
        json.dump(result, f, indent=1)

    print("\n== QuantForge GPU bench (%s), kernels %s ==" % (name, args.version))
    print("ceilings: D2D copy %.0f GB/s (read+write) | cuBLAS FP16 GEMM 8192^3 %.0f TFLOP/s" % (copy_gbs, tflops))
    bad = [c["name"] for c in CHECKS if not c["ok"]]
    print("checks: %d/%d pass, max rel err %.2e%s" % (len(CHECKS) - len(bad), len(CHECKS),
          max(c["rel_err"] for c in CHECKS if c["ok"]) if len(bad) < len(CHECKS) else float("nan"),
          ("; FAIL: " + ", ".join(bad)) if bad else ""))
    print("%-18s %-14s %9s %9s %8s" % ("int4 GEMV", "shape", "us", "GB/s", "% copy"))
    for r in gemv:
        print("%-18s %-14s %9.2f %9.0f %7.1f%%" % (r["kernel"], r["shape"], r["us"], r["GBps"], r["pct_copy"]))
    print("%-14s %5s %10s %10s %8s  %s" % ("int4 GEMM", "batch", "int4 us", "cuBLAS us", "speedup", "kernel"))
    for r in gemm:
        print("%-14s %5d %10.2f %10.2f %7.2fx  %s" % (r["shape"], r["batch"], r["int4_us"], r["cublas_fp16_us"],
                                                   r["speedup"], r["kernel"]))
    d = decode
    for kind, r in d["by_gemv_kernel"].items():
        print("decode with %s: %.3f ms/token, %.1f tok/s, %.1f%% of roofline; its GEMVs alone %.3f ms"
              % (kind, r["ms_per_token"], r["tokens_per_s"], r["pct_roofline"], r["gemv_only_ms"]))
    print("decode 7B-shaped (%d layers, int4 g128, KV %d, %s): %.3f ms/token = %.1f tok/s; roofline %.3f ms "
          "(%.2f GB / copy BW) -> %.1f%% of roofline"
          % (d["layers"], d["kv_positions"], d["gemv_kernel"], d["ms_per_token"], d["tokens_per_s"],
             d["roofline_ms"], d["bytes_per_token"] / 1e9, d["pct_roofline"]))
    print("  per token: GEMVs alone %.3f ms (%.0f GB/s); glue alone: %s"
          % (d["gemv_only_ms"], d["gemv_only_GBps"],
             ", ".join("%s %.3f ms" % kv for kv in d["glue_ms_per_token"].items())))
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
