#!/usr/bin/env python3
"""Writes the seed corpora of fuzz-gguf and fuzz-safetensors.

The files are built here with the standard library only, straight from the
format descriptions (ggml's docs/gguf.md, the safetensors README), so they
also check our readers against an independent writer (GGUFTest and
SafetensorsTest parse every seed). Run from anywhere; rewrites the seeds.
"""

import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# gguf_metadata_value_type
U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
SCALAR_FORMATS = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I",
                  I32: "<i", F32: "<f", BOOL: "<?", U64: "<Q", I64: "<q",
                  F64: "<d"}
# ggml_type numbers and (block elements, block bytes)
GGML_TYPES = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q4_0": (2, 32, 18),
              "Q8_0": (8, 32, 34), "Q4_K": (12, 256, 144),
              "Q6_K": (14, 256, 210), "I8": (24, 1, 1), "BF16": (30, 1, 2)}


def gguf_string(text):
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def gguf_value(kind, value):
    if kind == STRING:
        return gguf_string(value)
    if kind == ARRAY:
        element_kind, elements = value
        out = struct.pack("<IQ", element_kind, len(elements))
        return out + b"".join(gguf_value(element_kind, e) for e in elements)
    return struct.pack(SCALAR_FORMATS[kind], value)


def pattern(size, seed):
    return bytes((i * 31 + seed * 17 + 5) % 251 for i in range(size))


def gguf_file(metadata, tensors, version=3):
    """metadata: [(key, kind, value)]; tensors: [(name, type, ggml dims)]."""
    alignment = 32
    for key, kind, value in metadata:
        if key == "general.alignment":
            alignment = value
    out = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(metadata))
    for key, kind, value in metadata:
        out += gguf_string(key) + struct.pack("<I", kind)
        out += gguf_value(kind, value)
    blobs, offset = [], 0
    for index, (name, type_name, dims) in enumerate(tensors):
        type_id, block, block_bytes = GGML_TYPES[type_name]
        count = 1
        for dim in dims:
            count *= dim
        blob = pattern(count // block * block_bytes, index)
        out += gguf_string(name) + struct.pack("<I", len(dims))
        out += b"".join(struct.pack("<Q", dim) for dim in dims)
        out += struct.pack("<IQ", type_id, offset)
        blobs.append((offset, blob))
        offset += (len(blob) + alignment - 1) // alignment * alignment
    data_start = (len(out) + alignment - 1) // alignment * alignment
    out += bytes(data_start - len(out))
    for blob_offset, blob in blobs:
        out += bytes(data_start + blob_offset - len(out)) + blob
    return out


SAFETENSORS_SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8,
                     "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
                     "F8_E4M3": 1, "F8_E5M2": 1}


def safetensors_file(tensors, metadata=None):
    """tensors: [(name, dtype, shape)] in data order."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for index, (name, dtype, shape) in enumerate(tensors):
        count = 1
        for dim in shape:
            count *= dim
        blob = pattern(count * SAFETENSORS_SIZES[dtype], index)
        if dtype == "BOOL":
            blob = bytes(b & 1 for b in blob)
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def write(corpus, name, data):
    assert len(data) < 4096, name
    directory = os.path.join(HERE, "corpus", corpus)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def main():
    write("fuzz-gguf", "metadata-only.gguf", gguf_file(
        [("general.architecture", STRING, "llama"),
         ("general.name", STRING, "seed")], []))
    write("fuzz-gguf", "tiny-llama.gguf", gguf_file(
        [("general.architecture", STRING, "llama"),
         ("general.alignment", U32, 32),
         ("general.quantization_version", U32, 2),
         ("llama.block_count", U64, 1),
         ("llama.attention.layer_norm_rms_epsilon", F32, 1e-5),
         ("llama.rope.freq_base", F64, 10000.0),
         ("llama.use_parallel_residual", BOOL, False),
         ("t.small", ARRAY, (I8, [-1, 2, -3])),
         ("t.wide", ARRAY, (I64, [-(2 ** 40)])),
         ("t.halves", ARRAY, (U16, [1, 65535])),
         ("t.shorts", ARRAY, (I16, [-2, 3])),
         ("t.bytes", ARRAY, (U8, [0, 255])),
         ("t.flags", ARRAY, (BOOL, [True, False])),
         ("t.nested", ARRAY, (ARRAY, [(U32, [1, 2]), (STRING, ["x"])])),
         ("tokenizer.ggml.tokens", ARRAY, (STRING, ["<s>", "</s>", "a", "b"])),
         ("tokenizer.ggml.scores", ARRAY, (F32, [0.0, 0.0, -1.0, -2.0])),
         ("tokenizer.ggml.token_type", ARRAY, (I32, [3, 3, 1, 1]))],
        [("token_embd.weight", "F32", [8, 4]),
         ("blk.0.attn_q.weight", "Q8_0", [32, 2]),
         ("blk.0.ffn_down.weight", "Q4_K", [256, 1]),
         ("output_norm.weight", "F16", [8]),
         ("rope.weight", "BF16", [3])]))
    write("fuzz-gguf", "v2-align64.gguf", gguf_file(
        [("general.alignment", U32, 64), ("t.count", I32, -7),
         ("t.mask", U64, 2 ** 64 - 1)],
        [("w4", "Q4_0", [64]), ("w6", "Q6_K", [256]), ("i", "I8", [5])],
        version=2))

    write("fuzz-safetensors", "tiny.safetensors", safetensors_file(
        [("lm_head.weight", "F32", [2, 3]), ("norm.weight", "BF16", [4]),
         ("step", "I64", []), ("mask", "BOOL", [3]), ("empty", "F16", [0])],
        {"format": "pt"}))
    write("fuzz-safetensors", "every-dtype.safetensors", safetensors_file(
        [(dtype.lower(), dtype, [2]) for dtype in SAFETENSORS_SIZES]))
    write("fuzz-safetensors", "empty.safetensors", safetensors_file([], {}))


if __name__ == "__main__":
    main()
