#!/usr/bin/env python3
"""Benchmark: importing a Llama-2-7B-shaped checkpoint (random BF16 weights,
two shards, 13.5 GB) with quant-import. Prints a table and writes JSON.

    python3 bench/import/bench_import.py [--build build] [--work /tmp/qf-bench-7b]

The checkpoint is generated once into --work (reused if complete). The
baseline measured in the same run is reading every byte of the shards once
(what an importer that copies weights would at least pay).
"""
import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SHAPES = dict(hidden=4096, inter=11008, layers=32, heads=32, vocab=32000)


def tensors():
    d, i, v = SHAPES["hidden"], SHAPES["inter"], SHAPES["vocab"]
    yield "model.embed_tokens.weight", (v, d)
    for layer in range(SHAPES["layers"]):
        p = f"model.layers.{layer}."
        for name in ("q", "k", "v", "o"):
            yield p + f"self_attn.{name}_proj.weight", (d, d)
        yield p + "mlp.gate_proj.weight", (i, d)
        yield p + "mlp.up_proj.weight", (i, d)
        yield p + "mlp.down_proj.weight", (d, i)
        yield p + "input_layernorm.weight", (d,)
        yield p + "post_attention_layernorm.weight", (d,)
    yield "model.norm.weight", (d,)
    yield "lm_head.weight", (v, d)


def write_checkpoint(work, block_elements=1 << 24):
    """Every tensor repeats one random block of `block_elements` values: the
    bytes are random where speed is concerned (no two weights share an
    address) yet compress with zstd --long, so that a compiled artifact can
    be carried to a GPU machine (bench/gpu/compiled_decode.py)."""
    done = work / "COMPLETE"
    if done.exists():
        return
    work.mkdir(parents=True, exist_ok=True)
    config = {"architectures": ["LlamaForCausalLM"], "hidden_size": SHAPES["hidden"],
              "intermediate_size": SHAPES["inter"], "num_hidden_layers": SHAPES["layers"],
              "num_attention_heads": SHAPES["heads"], "num_key_value_heads": SHAPES["heads"],
              "vocab_size": SHAPES["vocab"], "max_position_embeddings": 4096,
              "rms_norm_eps": 1e-5, "torch_dtype": "bfloat16"}
    (work / "config.json").write_text(json.dumps(config))
    items = list(tensors())
    shards = [items[: len(items) // 2], items[len(items) // 2:]]
    rng = np.random.default_rng(0)
    # Random BF16 bit patterns of small normal numbers (sign, exponent 2^-8..2^-1).
    block = (rng.integers(0, 2 ** 7, block_elements, dtype=np.uint16) |
             (rng.integers(119, 126, block_elements, dtype=np.uint16) << 7) |
             (rng.integers(0, 2, block_elements, dtype=np.uint16) << 15))
    weight_map = {}
    for index, shard in enumerate(shards):
        name = f"model-{index + 1:05d}-of-{len(shards):05d}.safetensors"
        header, offset = {}, 0
        for tensor, shape in shard:
            size = int(np.prod(shape)) * 2
            header[tensor] = {"dtype": "BF16", "shape": list(shape),
                              "data_offsets": [offset, offset + size]}
            offset += size
            weight_map[tensor] = name
        text = json.dumps(header).encode()
        text += b" " * (-len(text) % 8)
        with open(work / name, "wb") as f:
            f.write(len(text).to_bytes(8, "little") + text)
            for tensor, shape in shard:
                left = int(np.prod(shape))
                while left:
                    n = min(left, block.size)
                    f.write(block[:n].tobytes())
                    left -= n
        print(f"wrote {name}", file=sys.stderr)
    (work / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {}, "weight_map": weight_map}))
    # Random weights, so any tokenizer will do for running it: the bundled
    # model's (ids past its 4096 pieces decode to nothing).
    shutil.copy(ROOT / "test/fixtures/llama-t/tokenizer.model", work / "tokenizer.model")
    done.touch()


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def timed(cmd):
    """Wall seconds and peak RSS (MiB) of a command, from GNU time."""
    start = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if out.returncode:
        sys.exit(out.stderr)
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1))
    return wall, rss_kb / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--work", default="/tmp/qf-bench-7b")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(args.work)
    write_checkpoint(work)
    shards = sorted(work.glob("*.safetensors"))
    total = sum(p.stat().st_size for p in shards)
    tool = str(Path(args.build) / "bin" / "quant-import")
    out = work / "model.mlir"
    runs = [timed([tool, str(work), "-o", str(out)]) for _ in range(args.repeat)]
    read_all = timed(["sh", "-c", "cat " + " ".join(map(str, shards)) + " > /dev/null"])
    wall = sorted(r[0] for r in runs)[len(runs) // 2]
    rss = max(r[1] for r in runs)
    result = {
        "benchmark": "import Llama-2-7B-shaped BF16 checkpoint (2 shards)",
        "machine": cpu_model(), "cpus": os.cpu_count(),
        "checkpoint_bytes": total, "module_bytes": out.stat().st_size,
        "import_seconds_median": wall, "import_peak_rss_mib": rss,
        "baseline_read_all_seconds": read_all[0], "repeat": args.repeat,
    }
    print(f"{'what':42} {'value':>14}")
    print(f"{'checkpoint size (GB)':42} {total / 1e9:14.2f}")
    print(f"{'quant-import wall time, median (s)':42} {wall:14.3f}")
    print(f"{'quant-import peak RSS (MiB)':42} {rss:14.1f}")
    print(f"{'printed module (KB)':42} {out.stat().st_size / 1e3:14.1f}")
    print(f"{'baseline: read every byte once (s)':42} {read_all[0]:14.3f}")
    Path("bench/results").mkdir(parents=True, exist_ok=True)
    Path("bench/results/import.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
