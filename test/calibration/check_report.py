#!/usr/bin/env python3
"""Checks quant-compile --report's two files.

    check_report.py REPORT MODEL_DIR STATS BITS GROUP [all]

REPORT.json: one entry per decoder linear in true-sequential order (q, k, v,
o, gate, up, down per layer) with every field; error_before of layer 0's
q/k/v is recomputed in float64 from the checkpoint and STATS (the parallel
calibration's Hessians of the float model on the same windows: layer 0's
input does not depend on any quantized layer) with numpy's reference RTN.
With `all`, every linear is compared: at 8 bits the quantized layers before
a linear barely move its inputs, so this checks that the stages chained one
after the other compute the whole model's activations. REPORT.html: a
self-contained page whose SVG plot has one point per linear for both series.
"""
import json
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "passes" / "Quant"))
from gptq_statistics import read  # noqa: E402


def read_weights(path):
    data = Path(path).read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + size])
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = data[8 + size + begin:8 + size + end]
        if info["dtype"] == "BF16":
            array = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            array = np.frombuffer(raw, np.float32)
        out[name] = array.reshape(info["shape"])
    return out


def rtn(w, bits, group):
    rows, cols = w.shape
    g = w.reshape(rows, cols // group, group).astype(np.float32)
    maxq = np.float32(2 ** bits - 1)
    xmin = np.minimum(g.min(axis=2, keepdims=True), 0)
    xmax = np.maximum(g.max(axis=2, keepdims=True), 0)
    both = (xmin == 0) & (xmax == 0)
    xmin, xmax = np.where(both, np.float32(-1), xmin), np.where(both, np.float32(1), xmax)
    scale = ((xmax - xmin) / maxq).astype(np.float32)
    zero = np.round(-xmin / scale)
    q = np.clip(np.round(g / scale) + zero, 0, maxq)
    return (scale * (q - zero)).astype(np.float32).reshape(rows, cols)


report, model, stats, bits, group = sys.argv[1:6]
compare_all = sys.argv[6:] == ["all"]
bits, group = int(bits), int(group)
data = json.load(open(report + ".json"))
linears = data["linears"]
order = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
         "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]
layers = len(linears) // len(order)
expected = [f"model.layers.{l}.{name}.weight" for l in range(layers) for name in order]
fields = {"key", "layer", "method", "bits", "group_size", "rows", "cols",
          "error_before", "error_after", "seconds"}
print(len(linears), "linears;",
      "true-sequential order" if [l["key"] for l in linears] == expected else "ORDER DIFFERS",
      "; fields", "complete" if all(fields <= set(l) for l in linears) else "MISSING",
      "; settings", "ok" if all(l["bits"] == bits and l["group_size"] == group and
                                l["method"] == "gptq" for l in linears) else "WRONG")
better = sum(l["error_after"] < l["error_before"] for l in linears)
print(f"after below before on {better}/{len(linears)}")
print("calibration", data["calibration"]["samples"], "x", data["calibration"]["seqlen"],
      "seed", data["calibration"]["seed"])

weights = read_weights(Path(model) / "model.safetensors")
hessians = read(stats)
worst = 0.0
for entry in linears if compare_all else linears[:3]:
    w = weights[entry["key"]].astype(np.float64)
    h = hessians[entry["key"] + ".hessian"].astype(np.float64)
    d = rtn(weights[entry["key"]], bits, group).astype(np.float64) - w
    want = np.einsum("ri,ij,rj->", d, h, d)
    worst = max(worst, abs(entry["error_before"] - want) / want)
tolerance = 2e-3 if compare_all else 1e-6
print("all" if compare_all else "layer 0 q/k/v", "error_before vs numpy:",
      f"within {tolerance:g}" if worst < tolerance else f"OFF by {worst:.1e}")

html = open(report + ".html").read()
points = {name: len(re.findall(r"\d[\d.e+-]*,[\d.e+-]+", m))
          for name, m in re.findall(r'<polyline class="(\w+)"[^>]*points="([^"]*)"', html)}
external = re.findall(r'<(?:script|link|img)[^>]*(?:src|href)=', html)
print("html: svg series", sorted(points.items()), "; table rows", html.count("<tr><td>"),
      "; external resources", len(external))
