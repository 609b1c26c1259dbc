#!/usr/bin/env bash
# The main job on the bundled model: install, build, then run QuantForge on
# test/fixtures/llama-t and print what it produced.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
BIN=${BUILD_DIR:-build}/bin
OUT=${BUILD_DIR:-build}/demo
mkdir -p "$OUT"

echo "== llm-optimize on a Llama-2-7B-shaped module (32 layers, GQA)"
"$BIN/quant-opt" test/models/llama2-7b-gqa.mlir --llm-optimize -o "$OUT/llama2-7b-gqa.opt.mlir"
echo "wrote $OUT/llama2-7b-gqa.opt.mlir ($(wc -c < "$OUT/llama2-7b-gqa.opt.mlir") bytes," \
     "$(grep -c 'llm.attention' "$OUT/llama2-7b-gqa.opt.mlir") attention layers)"
