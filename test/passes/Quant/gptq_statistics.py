#!/usr/bin/env python3
"""Test data for llm-quantize-gptq, and its check.

    gptq_statistics.py make MODEL_DIR OUT.safetensors
        Hessians 2/n * X^T X of random correlated inputs X for every decoder
        linear of the checkpoint (what calibration will write).
    gptq_statistics.py make-shared MODEL_DIR OUT.safetensors
        The same, with one X for the linears that read one input (q/k/v,
        gate/up), as calibration does.
    gptq_statistics.py compare MODEL_DIR STATS RTN.safetensors GPTQ.safetensors
        Output error tr((W - Q) H (W - Q)^T) of both dequantized models.
"""
import re
import sys
from pathlib import Path

import numpy as np
from safetensors_np import read, write


def main():
    mode, model = sys.argv[1], sys.argv[2]
    weights = {k: v for k, v in read(Path(model) / "model.safetensors").items()
               if k.startswith("model.layers.") and v.ndim == 2}
    if mode in ("make", "make-shared"):
        rng = np.random.default_rng(0)
        stats, shared = {}, {}
        for name, w in weights.items():
            cols = w.shape[1]
            group = re.sub(r"(q|k|v)_proj|(gate|up)_proj", lambda m: "qkv" if m.group(1) else "gate_up", name)
            if mode == "make-shared" and group in shared:
                stats[name + ".hessian"] = shared[group]
                continue
            latent = rng.standard_normal((512, cols // 4))
            x = latent @ rng.standard_normal((cols // 4, cols)) + 0.1 * rng.standard_normal((512, cols))
            x *= 1 + np.arange(cols) % 7 / 3
            stats[name + ".hessian"] = shared[group] = 2 / len(x) * x.T @ x
        write(sys.argv[3], stats, np.float32)
        return
    stats, rtn, gptq = read(sys.argv[3]), read(sys.argv[4]), read(sys.argv[5])
    better = 0
    for name, w in weights.items():
        h = stats[name + ".hessian"].astype(np.float64)
        def error(q):
            e = w.astype(np.float64) - q
            return np.einsum("ij,jk,ik->", e, h, e)
        better += int(error(gptq[name]) < error(rtn[name]))
    print(f"{len(weights)} layers, GPTQ's output error below RTN's on {better}")


if __name__ == "__main__":
    main()
