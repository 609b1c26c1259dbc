#!/usr/bin/env python3
"""Checks the two files of a quantization report (quant-compile --report).

    check_report.py REPORT MODEL_DIR STATS BITS GROUP [all]
    check_report.py compare REPORT_A REPORT_B COUNT

REPORT.json: one entry per decoder linear in true-sequential order (q, k, v,
o, gate, up, down per layer) with every field, the method's settings, the
totals the sum of the entries. Calibrated methods (gptq, awq): error_before
of layer 0's q/k/v is recomputed in float64 from the checkpoint and STATS
(the parallel calibration's Hessians of the float model on the same
windows: layer 0's input does not depend on any quantized layer) with
numpy's reference RTN; with `all`, every linear is compared: at 8 bits the
quantized layers before a linear barely move its inputs, so this checks
that the stages chained one after the other compute the whole model's
activations. AWQ: alpha on the search grid in [0, 1), the fold of each
group (llama-t has one KV head per query head: o folds into v), q/k not
clipped and the others' kept fraction in [1 - max_shrink, 1]. RTN (STATS
is "-"): every relative_error against numpy's RTN of the checkpoint.
REPORT.html: a self-contained page whose SVG plot has one point per linear
for each series.

`compare` checks that the first COUNT weights of two reports (say layer 0's
q/k/v, whose inputs come from the float embedding in either calibration
order) have the same alpha and clip and errors within 1e-6.
"""
import json
import re
import sys
from pathlib import Path

import numpy as np

from rtn_np import rtn
from safetensors_np import read


if sys.argv[1] == "compare":
    a, b = (json.load(open(p + ".json"))["linears"] for p in sys.argv[2:4])
    count = int(sys.argv[4])
    worst = max(abs(x[k] - y[k]) / y[k] for x, y in zip(a[:count], b[:count])
                for k in ("error_before", "error_after"))
    def near(u, v):
        return u == v or (u is not None and v is not None and abs(u - v) < 1e-6)
    same = all(x["key"] == y["key"] and near(x.get("alpha"), y.get("alpha")) and
               near(x.get("clip"), y.get("clip")) for x, y in zip(a[:count], b[:count]))
    print(f"first {count}: keys, alpha and clip", "equal" if same else "DIFFER",
          "; errors", "within 1e-06" if worst < 1e-6 else f"OFF by {worst:.1e}")
    sys.exit(0)

report, model, stats, bits, group = sys.argv[1:6]
compare_all = sys.argv[6:] == ["all"]
bits, group = int(bits), int(group)
data = json.load(open(report + ".json"))
method = data["method"]
linears = data["linears"]
order = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
         "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]
layers = len(linears) // len(order)
expected = [f"model.layers.{l}.{name}.weight" for l in range(layers) for name in order]
calibrated = method != "rtn"
fields = {"key", "layer", "method", "bits", "group_size", "rows", "cols",
          "relative_error", "seconds"}
if calibrated:
    fields |= {"error_before", "error_after"}
if method == "awq":
    fields |= {"alpha", "clip", "fold"}
print(method, len(linears), "linears;",
      "true-sequential order" if [l["key"] for l in linears] == expected else "ORDER DIFFERS",
      "; fields", "complete" if all(fields <= set(l) for l in linears) else "MISSING",
      "; settings", "ok" if all(l["bits"] == bits and l["group_size"] == group and
                                l["method"] == method for l in linears) else "WRONG")
total = data["total"]
sums = {k: sum(l[k] for l in linears) for k in total}
print("totals", "consistent" if all(abs(total[k] - sums[k]) <= 1e-9 * max(1, abs(sums[k]))
                                    for k in total) else f"INCONSISTENT {total} {sums}",
      "; relative errors", "plausible" if all(0 < l["relative_error"] < 0.5 and l["seconds"] >= 0
                                              for l in linears) else "IMPLAUSIBLE")
weights = read(Path(model) / "model.safetensors")
if calibrated:
    better = sum(l["error_after"] <= l["error_before"] for l in linears)
    print(f"after below before on {better}/{len(linears)};",
          "total after below before" if total["error_after"] < total["error_before"]
          else "TOTAL AFTER ABOVE BEFORE")
    cal = data["calibration"]
    print("calibration", cal["order"], cal.get("samples"), "x", cal.get("seqlen"),
          "seed", cal.get("seed"))
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
else:
    worst = 0.0
    for entry in linears:
        w = weights[entry["key"]].astype(np.float64)
        d = rtn(weights[entry["key"]], bits, group).astype(np.float64) - w
        want = np.linalg.norm(d) / np.linalg.norm(w)
        worst = max(worst, abs(entry["relative_error"] - want) / want)
    print("relative_error vs numpy:", "within 1e-05" if worst < 1e-5 else f"OFF by {worst:.1e}")
if method == "awq":
    grid, shrink = data["settings"]["grid"], data["settings"]["max_shrink"]
    folds = {"self_attn.q_proj": "input_layernorm", "self_attn.k_proj": "input_layernorm",
             "self_attn.v_proj": "input_layernorm", "self_attn.o_proj": "self_attn.v_proj",
             "mlp.gate_proj": "post_attention_layernorm",
             "mlp.up_proj": "post_attention_layernorm", "mlp.down_proj": "mlp.up_proj"}
    alphas = all(l["alpha"] is not None and 0 <= l["alpha"] < 1 and
                 abs(l["alpha"] * grid - round(l["alpha"] * grid)) < 1e-4 for l in linears)
    folded = all(l["fold"] == f"model.layers.{l['layer']}.{folds[name]}.weight"
                 for l, name in zip(linears, order * layers))
    clips = all((l["clip"] is None) == (".q_proj" in l["key"] or ".k_proj" in l["key"]) and
                (l["clip"] is None or 1 - shrink - 1e-6 <= l["clip"] <= 1) for l in linears)
    print("awq: alpha on the grid in [0, 1)", "yes" if alphas else "NO",
          "; folds", "as expected" if folded else "UNEXPECTED",
          "; clip", "q/k none, others in range" if clips else "WRONG")

html = open(report + ".html").read()
points = {name: len(re.findall(r"\d[\d.e+-]*,[\d.e+-]+", m))
          for name, m in re.findall(r'<polyline class="(\w+)"[^>]*points="([^"]*)"', html)}
external = re.findall(r'<(?:script|link|img)[^>]*(?:src|href)=', html)
print("html: svg series", sorted(points.items()), "; table rows", html.count("<tr><td>"),
      "; external resources", len(external))
