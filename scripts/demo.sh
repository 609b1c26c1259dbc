#!/usr/bin/env bash
# The main job on the bundled model: install, build, compile
# test/fixtures/llama-t for this CPU and generate text with it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
BIN=${BUILD_DIR:-build}/bin
OUT=${BUILD_DIR:-build}/demo
mkdir -p "$OUT"

echo "== quant-compile test/fixtures/llama-t --target=cpu"
"$BIN/quant-compile" test/fixtures/llama-t --target=cpu -o "$OUT/llama-t.qfa"
echo "wrote $OUT/llama-t.qfa ($(wc -c < "$OUT/llama-t.qfa") bytes)"
echo "== quant-run: greedy continuation"
"$BIN/quant-run" "$OUT/llama-t.qfa" -p "The Linux kernel is" -n 48 --greedy
echo "== quant-run: sampled (temperature 0.8, top-p 0.95, seed 1)"
"$BIN/quant-run" "$OUT/llama-t.qfa" -p "Python's list type" -n 48 --seed 1
