#!/usr/bin/env python3
"""Compiles the MLIR kernel descriptions of this folder for an NVIDIA chip.

Runs upstream mlir-opt (LLVM 22) through the NVVM path: nvvm-attach-target,
convert-gpu-to-nvvm and the dialect lowerings it needs, then
gpu-module-to-binary, once with format=isa (the PTX, kept for reading and for
`ptxas -v`) and once with format=bin (the cubin that ptxas makes inside
gpu-module-to-binary). Writes <out>/<name>.<chip>.ptx and .cubin and, with
--report, prints ptxas' resource usage of each kernel on one line, sorted by
name: registers, stack frame, spill stores and loads, shared memory.

  build_kernels.py --chip sm_90 --out .device/kernels [--report] [FILE.mlir...]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CUDA = os.environ.get("CUDA_HOME", "/usr/local/cuda")


def pipeline(chip, fmt):
    # PTX ISA 8.0 is the lowest CUDA 13's ptxas accepts and covers sm_80/sm_90.
    return ("builtin.module(nvvm-attach-target{chip=%s features=+ptx80 O=3},"
            "gpu.module(lower-affine,convert-scf-to-cf,convert-nvgpu-to-nvvm,"
            "convert-math-to-llvm,convert-gpu-to-nvvm,convert-vector-to-llvm,"
            "convert-ub-to-llvm,canonicalize),reconcile-unrealized-casts,"
            "gpu-module-to-binary{format=%s toolkit=%s})" % (chip, fmt, CUDA))


def mlir_opt():
    for name in (os.environ.get("MLIR_OPT"), "mlir-opt-22",
                 "/usr/lib/llvm-22/bin/mlir-opt"):
        if name and shutil.which(name):
            return shutil.which(name)
    sys.exit("build_kernels.py: mlir-opt (LLVM 22) not found; set MLIR_OPT")


def unescape(text):
    """Bytes of an MLIR string attribute body: `\\\\` is a backslash and `\\HH`
    a byte in hex; everything else stands for itself."""
    out = bytearray()
    i = 0
    raw = text.encode("latin-1")
    while i < len(raw):
        c = raw[i]
        if c == 0x5C:  # backslash
            if raw[i + 1] == 0x5C:
                out.append(0x5C)
                i += 2
            else:
                out.append(int(raw[i + 1:i + 3], 16))
                i += 3
        else:
            out.append(c)
            i += 1
    return bytes(out)


def source_for(path, chip):
    """The kernel source for `chip`: griddepcontrol (programmatic dependent
    launch) exists from sm_90 on; for older chips its ops are dropped, as
    llm-gpu-dependent-launch does in quant-compile (they are no-ops in a
    plain launch)."""
    with open(path, encoding="latin-1") as f:
        text = f.read()
    if int(re.sub(r"\D", "", chip)[:3] or 0) < 90:
        text = re.sub(r"(?m)^\s*nvvm\.griddepcontrol \w+\n", "", text)
    return text


def compile_object(path, chip, fmt):
    res = subprocess.run([mlir_opt(), "-", "--pass-pipeline=" + pipeline(chip, fmt)],
                         input=source_for(path, chip), capture_output=True, text=True,
                         encoding="latin-1")
    if res.returncode != 0:
        sys.exit("build_kernels.py: %s: mlir-opt failed for %s (%s):\n%s"
                 % (path, chip, fmt, res.stderr))
    key = "assembly = \"" if fmt == "isa" else "bin = \""
    m = re.search(re.escape(key) + r'((?:[^"\\]|\\.)*)"', res.stdout)
    if not m:
        sys.exit("build_kernels.py: %s: no %s object in mlir-opt's output" % (path, fmt))
    return unescape(m.group(1))


def print_report(ptxas_log, chip):
    """One line per entry function of `ptxas -v` output."""
    kernels = {}
    name = None
    for line in ptxas_log.splitlines():
        m = re.search(r"Compiling entry function '(\w+)'", line)
        if m:
            name = m.group(1)
            kernels[name] = {"registers": 0, "stack": 0, "spill_stores": 0,
                             "spill_loads": 0, "smem": 0}
            continue
        if name is None:
            continue
        k = kernels[name]
        m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m:
            k["stack"], k["spill_stores"], k["spill_loads"] = map(int, m.groups())
        m = re.search(r"Used (\d+) registers", line)
        if m:
            k["registers"] = int(m.group(1))
        m = re.search(r"(\d+) bytes smem", line)
        if m:
            k["smem"] = int(m.group(1))
    for name in sorted(kernels):
        k = kernels[name]
        print("kernel %s %s: registers %d, stack %d, spill stores %d, spill loads %d, smem %d"
              % (name, chip, k["registers"], k["stack"], k["spill_stores"], k["spill_loads"], k["smem"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chip", default="sm_90")
    ap.add_argument("--out", required=True)
    ap.add_argument("--report", action="store_true",
                    help="print ptxas -v resource usage of each kernel")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    files = args.files or sorted(os.path.join(HERE, f) for f in os.listdir(HERE)
                                 if f.endswith(".mlir"))
    os.makedirs(args.out, exist_ok=True)
    for path in files:
        name = os.path.splitext(os.path.basename(path))[0]
        stem = os.path.join(args.out, "%s.%s" % (name, args.chip))
        ptx = compile_object(path, args.chip, "isa")
        with open(stem + ".ptx", "wb") as f:
            f.write(ptx)
        with open(stem + ".cubin", "wb") as f:
            f.write(compile_object(path, args.chip, "bin"))
        print("%s: %s.ptx, %s.cubin" % (name, stem, stem), file=sys.stderr)
        if args.report:
            ptxas = os.path.join(CUDA, "bin", "ptxas")
            res = subprocess.run([ptxas, "-arch=" + args.chip, "-v", stem + ".ptx",
                                  "-o", os.devnull], capture_output=True, text=True)
            if res.returncode != 0:
                sys.exit("build_kernels.py: ptxas rejected %s.ptx:\n%s" % (stem, res.stderr))
            print_report(res.stderr, args.chip)


if __name__ == "__main__":
    main()
