#!/usr/bin/env python3
"""Runs a compiled CPU executable (.so) directly through the packed ABI with
ctypes, independently of the runtime, and compares its prefill logits with
the float32 PyTorch reference (shared/data/ref_logits_<model>.safetensors).

    run_so.py BOUND.mlir EXECUTABLE.so MODEL_DIR REF.safetensors [--tolerance T]

BOUND.mlir is `quant-compile --emit=bound`: its prefill signature gives the
order of the parameters (llm.parameter argument attributes).
"""
import ctypes
import json
import re
import sys
from pathlib import Path

import numpy as np


def read_safetensors(path, widen_bf16=True):
    data = Path(path).read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + size])
    header.pop("__metadata__", None)
    dtypes = {"F32": np.float32, "I64": np.int64, "I32": np.int32, "F16": np.float16}
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = data[8 + size + begin:8 + size + end]
        if info["dtype"] == "BF16":
            # The executable reads BF16 bits as they are stored.
            array = np.frombuffer(raw, np.uint16)
            if widen_bf16:
                array = (array.astype(np.uint32) << 16).view(np.float32)
        else:
            array = np.frombuffer(raw, dtypes[info["dtype"]])
        out[name] = array.reshape(info["shape"])
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
    text = Path(bound).read_text()
    signature = re.search(r"func\.func @prefill\((.*?)\) attributes", text, re.S).group(1)
    keys = re.findall(r'llm\.parameter = \{archive = @\w+, key = "([^"]+)"\}', signature)
    cache_shape = [int(d) for d in re.search(r"!llm\.kv_cache<(\d+)x(\d+)x(\d+)x(\d+)x", signature).groups()]
    weights = read_safetensors(Path(model_dir) / "model.safetensors", widen_bf16=False)
    reference = read_safetensors(ref)
    ids = reference["input_ids"].astype(np.int32).reshape(-1)
    want = reference["logits"].reshape(len(ids), -1)

    layers, heads, capacity, dim = cache_shape
    cache = np.zeros((layers, 2, heads, capacity, dim), np.float32)
    logits = np.full((len(ids), want.shape[1]), np.nan, np.float32)  # poisoned
    arrays = [ids, None, cache] + [np.ascontiguousarray(weights[k]) for k in keys] + [logits]
    start = ctypes.c_int64(0)
    descriptors = [descriptor(a) if a is not None else start for a in arrays]
    args = (ctypes.c_void_p * len(descriptors))(*[ctypes.addressof(d) for d in descriptors])
    lib = ctypes.CDLL(str(Path(so).resolve()))
    lib.qf_prefill(args)

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
