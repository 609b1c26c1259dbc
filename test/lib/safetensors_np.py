"""Safetensors files as numpy arrays, for the Python scripts of the tests.

Written from the format description (8-byte little-endian header size, JSON
header, data), independently of the C++ readers and writers under test. lit
puts test/lib on PYTHONPATH (test/lit.cfg.py); run by hand, a script needs
PYTHONPATH=test/lib.
"""
import json
import sys
from pathlib import Path

import numpy as np

DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16,
          "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8,
          "U8": np.uint8, "BOOL": np.bool_}
NAMES = {np.dtype(v): k for k, v in DTYPES.items()}


def read_raw(path):
    """{name: (dtype, shape, bytes)} of every tensor of the file, in header
    order (dtype as the header spells it)."""
    data = Path(path).read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + size])
    header.pop("__metadata__", None)
    return {name: (info["dtype"], info["shape"],
                   data[8 + size + info["data_offsets"][0]:8 + size + info["data_offsets"][1]])
            for name, info in header.items()}


def read(path, widen_bf16=True):
    """{name: array} of every tensor of the file, in header order. BF16 comes
    as float32 (exact), or with widen_bf16=False as its raw uint16 bits."""
    out = {}
    for name, (dtype, shape, raw) in read_raw(path).items():
        if dtype == "BF16":
            array = np.frombuffer(raw, np.uint16)
            if widen_bf16:
                array = (array.astype(np.uint32) << 16).view(np.float32)
        elif dtype in DTYPES:
            array = np.frombuffer(raw, DTYPES[dtype])
        else:
            sys.exit(f"{path}: {name}: dtype {dtype} is not supported")
        out[name] = array.reshape(shape)
    return out


def to_bf16_bytes(array):
    """float32 values rounded to nearest even bfloat16, as bytes."""
    bits = np.asarray(array, np.float32).view(np.uint32)
    rounded = bits + 0x7FFF + ((bits >> 16) & 1)
    return (rounded >> 16).astype(np.uint16).tobytes()


def write(path, tensors, dtype=None, bf16=(), metadata=None):
    """Writes {name: array} in that order, each in its own dtype, or all
    converted to `dtype`; the names in `bf16` are stored as BF16."""
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        if name in bf16:
            blob, stored = to_bf16_bytes(array), "BF16"
        else:
            array = np.ascontiguousarray(array, dtype)
            blob, stored = array.tobytes(), NAMES[array.dtype]
        header[name] = {"dtype": stored, "shape": list(np.shape(array)),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    Path(path).write_bytes(len(text).to_bytes(8, "little") + text + b"".join(blobs))
