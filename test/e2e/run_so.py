#!/usr/bin/env python3
"""Runs a compiled CPU executable (.so) directly through the packed ABI with
ctypes, independently of the runtime, and compares its prefill logits with
the float32 PyTorch reference (shared/data/ref_logits_<model>.safetensors).

    run_so.py BOUND.mlir EXECUTABLE.so MODEL REF.safetensors --runtime LIB [--tolerance T]
    run_so.py BOUND.mlir EXECUTABLE.so MODEL OUT.safetensors --runtime LIB --save IDS

MODEL is a Hugging Face directory or a GGUF file with F32/F16 tensors.
Parameters in other safetensors archives of BOUND.mlir (a quantization or
llm-fold-act-order output) are read from there; a quantized weight is passed
as its canonical parts (qweight, scales, zeros unless sym, g_idx with
act_order). With --save, the prefill logits of the comma-separated token ids
IDS are written to OUT (input_ids, logits) as a reference for another run.

LIB is a shared object exporting qf_parallel_for, which executables import
from their host (docs/artifact-and-abi.md); it is loaded with RTLD_GLOBAL
before the executable.

BOUND.mlir is `quant-compile --emit=bound`: its prefill signature gives the
order of the parameters (llm.parameter argument attributes).
"""
import ctypes
import re
import sys
from pathlib import Path

import numpy as np
from safetensors_np import read as read_safetensors, write as write_safetensors


def read_gguf(path):
    """F32/F16 tensors of a GGUF v3 file, by name (ggml dims reversed)."""
    import struct
    data = Path(path).read_bytes()
    assert data[:4] == b"GGUF", "not a GGUF file"
    pos = 8
    def take(fmt):
        nonlocal pos
        value = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return value[0]
    def string():
        nonlocal pos
        n = take("Q")
        pos += n
        return data[pos - n:pos].decode()
    sizes = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
    def value(kind):
        if kind == 8:
            return string()
        if kind == 9:
            inner, n = take("I"), take("Q")
            return [value(inner) for _ in range(n)]
        return take(sizes[kind])
    n_tensors, n_kv = take("Q"), take("Q")
    alignment = 32
    for _ in range(n_kv):
        key, kind = string(), take("I")
        v = value(kind)
        if key == "general.alignment":
            alignment = v
    infos = []
    for _ in range(n_tensors):
        name, n_dims = string(), take("I")
        dims = [take("Q") for _ in range(n_dims)]
        infos.append((name, dims, take("I"), take("Q")))
    base = (pos + alignment - 1) // alignment * alignment
    out = {}
    for name, dims, kind, offset in infos:
        dtype = {0: np.float32, 1: np.float16}[kind]
        count = int(np.prod(dims))
        array = np.frombuffer(data, dtype, count, base + offset)
        out[name] = array.reshape(list(reversed(dims)))
    return out


def descriptor(array):
    rank = array.ndim
    class Memref(ctypes.Structure):
        _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                    ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * rank),
                    ("strides", ctypes.c_int64 * rank)]
    d = Memref()
    d.allocated = d.aligned = array.ctypes.data
    d.offset = 0
    for i in range(rank):
        d.sizes[i] = array.shape[i]
        d.strides[i] = array.strides[i] // array.itemsize
    return d


def main():
    bound, so, model_dir, ref = sys.argv[1:5]
    tolerance = float(sys.argv[sys.argv.index("--tolerance") + 1]) if "--tolerance" in sys.argv else 1e-4
    runtime = sys.argv[sys.argv.index("--runtime") + 1]
    text = Path(bound).read_text()
    signature = re.search(r"func\.func @prefill\((.*?)\) attributes", text, re.S).group(1)
    params = re.findall(r'(!llm\.qweight<[^>]*>|tensor<[^>]*>) \{llm\.parameter = '
                        r'\{archive = @(\w+), key = "([^"]+)"\}', signature)
    cache_shape = [int(d) for d in re.search(r"!llm\.kv_cache<(\d+)x(\d+)x(\d+)x(\d+)x", signature).groups()]
    if model_dir.endswith(".gguf"):
        weights = read_gguf(model_dir)
    else:
        weights = read_safetensors(Path(model_dir) / "model.safetensors", widen_bf16=False)
    model_file = str(Path(model_dir).resolve() / "model.safetensors")
    archives = {sym: path for sym, path in
                re.findall(r'llm\.param_archive @(\w+) safetensors "([^"]+)"', text)
                if str(Path(path).resolve()) != model_file}
    loaded = {}

    def parameter(archive, key):
        if archive not in archives:
            return weights[key]
        if archive not in loaded:
            loaded[archive] = read_safetensors(archives[archive], widen_bf16=False)
        return loaded[archive][key]

    inputs = []
    for type_, archive, key in params:
        if not type_.startswith("!llm.qweight"):
            inputs.append(parameter(archive, key))
            continue
        parts = ["qweight", "scales"] + ([] if " sym," in type_ else ["zeros"]) + (
            ["g_idx"] if "act_order" in type_ else [])
        inputs += [parameter(archive, f"{key}.{part}") for part in parts]

    save = "--save" in sys.argv
    if save:
        ids = np.array([int(t) for t in sys.argv[sys.argv.index("--save") + 1].split(",")], np.int32)
        vocab = int(re.search(r"-> \(tensor<\?x(\d+)xf32>", text).group(1))
        want = np.zeros((len(ids), vocab), np.float32)
    else:
        reference = read_safetensors(ref)
        ids = reference["input_ids"].astype(np.int32).reshape(-1)
        want = reference["logits"].reshape(len(ids), -1)

    layers, heads, capacity, dim = cache_shape
    cache = np.zeros((layers, 2, heads, capacity, dim), np.float32)
    logits = np.full((len(ids), want.shape[1]), np.nan, np.float32)  # poisoned
    arrays = [ids, None, cache] + [np.ascontiguousarray(a) for a in inputs] + [logits]
    start = ctypes.c_int64(0)
    descriptors = [descriptor(a) if a is not None else start for a in arrays]
    args = (ctypes.c_void_p * len(descriptors))(*[ctypes.addressof(d) for d in descriptors])
    ctypes.CDLL(runtime, mode=ctypes.RTLD_GLOBAL)
    lib = ctypes.CDLL(str(Path(so).resolve()))
    lib.qf_prefill(args)
    if save:
        write_safetensors(ref, {"input_ids": ids.astype(np.int64), "logits": logits})
        print(f"saved prefill logits of {len(ids)} tokens")
        sys.exit(0 if np.isfinite(logits).all() else 1)

    err = np.linalg.norm(logits.astype(np.float64) - want) / np.linalg.norm(want)
    print(f"prefill logits: {len(ids)} tokens, relative error {err:.2e} (tolerance {tolerance:g})")
    print("argmax", "equal" if (logits.argmax(1) == want.argmax(1)).all() else "DIFFERENT")
    # Decode the next token after the prompt: the cache must hold the prompt.
    next_logits = np.full((1, want.shape[1]), np.nan, np.float32)
    token = np.array([int(want[-1].argmax())], np.int32)
    start = ctypes.c_int64(len(ids))
    arrays = [token, None, cache] + arrays[3:-1] + [next_logits]
    descriptors = [descriptor(a) if a is not None else start for a in arrays]
    args = (ctypes.c_void_p * len(descriptors))(*[ctypes.addressof(d) for d in descriptors])
    lib.qf_decode(args)
    print("decode wrote", "all logits" if np.isfinite(next_logits).all() else "NaN")
    sys.exit(0 if err < tolerance and np.isfinite(logits).all() else 1)


if __name__ == "__main__":
    main()
