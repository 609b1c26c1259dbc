#!/usr/bin/env python3
"""Test data for llm-fold-act-order, and the check of its repacking.

    check_fold.py archive OUT.safetensors
        A canonical act-order weight "good" (64x64, 4 bits, groups of 32, a
        scattered g_idx) and "bad", whose g_idx gives group 0 40 columns.
    check_fold.py weights ORIG.safetensors FOLDED.safetensors GIDX.safetensors FOLD.safetensors
        ORIG and FOLDED are qf-dequantize-weights outputs of a module before
        and after the fold, GIDX holds each act-order weight's g_idx, FOLD is
        the archive the fold wrote. With perm the stable argsort of g_idx,
        every folded weight must equal ORIG[:, perm] exactly, or
        ORIG[rows][:, perm] where rows is the permutation of the down_proj
        that reads it (gate/up); every "<key>.perm" of FOLD must be the perm
        of <key>.
"""
import sys

import numpy as np
from safetensors_np import read, write


def canonical(key, g_idx, rng):
    rows, cols = 64, len(g_idx)
    q = rng.integers(0, 16, (rows, cols), dtype=np.uint8)
    zeros = rng.integers(0, 16, (rows, 2), dtype=np.uint8)
    return {key + ".qweight": (q[:, 0::2] | (q[:, 1::2] << 4)).astype(np.uint8),
            key + ".scales": rng.random((rows, 2)).astype(np.float32),
            key + ".zeros": (zeros[:, 0] | (zeros[:, 1] << 4)).astype(np.uint8)[:, None],
            key + ".g_idx": np.asarray(g_idx, np.int32)}


def stem(name):
    return name[:-len(".weight")] if name.endswith(".weight") else name


def check_weights(orig_path, folded_path, gidx_path, fold_path):
    orig = {stem(k): v for k, v in read(orig_path).items()}
    folded = {stem(k): v for k, v in read(folded_path).items()}
    g_idx = {stem(k[:-len(".g_idx")]): v for k, v in read(gidx_path).items()
             if k.endswith(".g_idx")}
    perms = {k: np.argsort(v, kind="stable") for k, v in g_idx.items()}
    columns = rows = mismatches = 0
    for name, want in orig.items():
        got, perm = folded[name], perms[name]
        if np.array_equal(got, want[:, perm]):
            columns += 1
            continue
        down = name.replace("gate_proj", "down_proj").replace("up_proj", "down_proj")
        if down != name and np.array_equal(got, want[perms[down]][:, perm]):
            rows += 1
            continue
        mismatches += 1
        print(f"{name}: folded weight is not the original permuted")
    stored = {stem(k[:-len(".perm")]): v for k, v in read(fold_path).items()
              if k.endswith(".perm")}
    for name, perm in stored.items():
        if not np.array_equal(perm, perms[name]):
            mismatches += 1
            print(f"{name}.perm is not the stable argsort of its g_idx")
    print(f"{len(orig)} weights: {columns} columns permuted, {rows} also rows, "
          f"{len(stored)} permutations, {mismatches} mismatches")


def main():
    if sys.argv[1] == "archive":
        rng = np.random.default_rng(0)
        good = np.empty(64, np.int32)
        good[rng.permutation(64)] = np.arange(64) // 32
        bad = np.array([0] * 40 + [1] * 24, np.int32)
        write(sys.argv[2], {**canonical("good", good, rng), **canonical("bad", bad, rng)})
    else:
        check_weights(*sys.argv[2:6])


if __name__ == "__main__":
    main()
