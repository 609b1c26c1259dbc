#!/bin/bash
# The CUDA backend's checks on a lent GPU (docs/cuda.md, bench/gpu/NOTES.md).
# Run from a bundle made by scripts/cuda-device-bundle.sh: bin/ (quant-run,
# quant-eval, qf-compare-devices), lib/ (their non-system libraries),
# artifacts *.qfa and valid.txt. Usage: cuda-device-check.sh BUNDLE OUTDIR PART
#   PART 1: CPU-vs-CUDA comparisons (outputs poisoned), perplexity, decode speed
#           on llama-t FP and llama-s RTN w4 g128;
#   PART 2: llama-s FP perplexity, generation and decode speed; PTX JIT.
set -u
cd "$1" || exit 2
OUT=$2
PART=$3
export LD_LIBRARY_PATH=$PWD/lib
B=$PWD/bin
step() { # name, timeout, command...
  local name=$1 limit=$2; shift 2
  echo "=== $name: $*"
  local start=$(date +%s.%N)
  timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  local end=$(date +%s.%N)
  tail -n 6 "$OUT/$name.log"
  printf '=== %s: rc=%d, %s s\n' "$name" "$rc" \
    "$(awk "BEGIN{printf \"%.1f\", $end - $start}")"
}
eval_json() { grep '^{' "$OUT/$1.log" | tail -1; }

nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm --format=csv
if [ "$PART" = 1 ]; then
  # The CPU reference perplexity runs on the host's cores meanwhile.
  (QF_NUM_THREADS=14 timeout 400 $B/quant-eval s-w4-cpu.qfa --text valid.txt \
     --ctx 512 --json > "$OUT/ppl-s-w4-cpu.log" 2>&1 &)
  step no-libcuda 20 env QF_LIBCUDA=/nonexistent/libcuda.so.1 \
    $B/quant-run t-fp-cuda.qfa -p Hello -n 2 --device cuda:0
  export QF_CUDA_POISON=1
  step compare-t-fp 120 $B/qf-compare-devices t-fp-cpu.qfa cpu t-fp-cuda.qfa \
    cuda:0 --tokens 37 --decode 8 --sequences 3 --tolerance 1e-4
  step compare-s-w4 120 $B/qf-compare-devices s-w4-cpu.qfa cpu s-w4-cuda.qfa \
    cuda:0 --tokens 300 --decode 16 --sequences 2 --tolerance 1e-4
  unset QF_CUDA_POISON
  step ppl-t-fp-cuda 120 $B/quant-eval t-fp-cuda.qfa --text valid.txt --ctx 512 \
    --json --device cuda:0
  step ppl-s-w4-cuda 200 $B/quant-eval s-w4-cuda.qfa --text valid.txt \
    --ctx 512 --json --device cuda:0
  step gen-s-w4-cuda 60 $B/quant-run s-w4-cuda.qfa -p "Once upon a time" \
    -n 200 --greedy --device cuda:0
  step gen-s-w4-cpu 60 $B/quant-run s-w4-cpu.qfa -p "Once upon a time" \
    -n 200 --greedy --device cpu
  text() { grep -v 'tokens/s\|kv cache\|^seed' "$OUT/$1.log"; }
  cmp <(text gen-s-w4-cuda) <(text gen-s-w4-cpu) \
    && echo "greedy text: CUDA == CPU" || echo "greedy text: CUDA != CPU"
  while pgrep -f "quant-eval s-w4-cpu" > /dev/null; do sleep 2; done
  echo "ppl t fp cuda: $(eval_json ppl-t-fp-cuda)"
  echo "ppl s w4 cuda: $(eval_json ppl-s-w4-cuda)"
  echo "ppl s w4 cpu : $(eval_json ppl-s-w4-cpu)"
else
  step ppl-s-fp-cuda 200 $B/quant-eval s-fp-cuda.qfa --text valid.txt \
    --ctx 512 --json --device cuda:0
  step gen-s-fp-cuda 60 $B/quant-run s-fp-cuda.qfa -p "Once upon a time" \
    -n 200 --greedy --device cuda:0
  QF_CUDA_POISON=1 step compare-t-ptx 120 $B/qf-compare-devices t-fp-cpu.qfa \
    cpu t-fp-cudaptx.qfa cuda:0 --tokens 37 --decode 8 --sequences 2
  echo "ppl s fp cuda: $(eval_json ppl-s-fp-cuda)"
fi
for f in "$OUT"/gen-*.log; do echo "$f: $(grep tokens/s "$f" | tr '\n' ' ')"; done
