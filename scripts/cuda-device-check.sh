#!/bin/bash
# The CUDA backend's checks on a lent GPU (docs/cuda.md, bench/gpu/NOTES.md).
# Run from a bundle made by scripts/cuda-device-bundle.sh: bin/ (quant-run,
# quant-eval, qf-compare-devices), lib/ (their non-system libraries),
# artifacts *.qfa and valid.txt. Usage: cuda-device-check.sh BUNDLE OUTDIR PART
#   PART 1: CPU-vs-CUDA comparisons (outputs poisoned), perplexity, decode speed
#           on llama-t FP and llama-s RTN w4 g128;
#   PART 2: llama-s FP perplexity, generation and decode speed; PTX JIT.
#   PART int4: the int4 library kernels (RTN w4 g128, f16 scales): CPU vs
#           CUDA on llama-t and llama-s (GEMV decode, GEMM tiles at 40 and 64
#           tokens, the generic path at 41/42/65), llama-s perplexity, decode
#           speed against the naive path (f32 scales: s-w4f32-cuda.qfa).
#   PART graphs: CUDA graphs for decode (QF_CUDA_GRAPHS), for the artifacts
#           present: CPU vs CUDA with graphs on llama-t FP and w4 (poisoned,
#           64 decode steps); llama-s FP and w4 (s-fp-cuda.qfa, s-w4-cuda.qfa)
#           greedy 200 tokens with graphs on and off, three runs of each in
#           turn, texts against each other and against gen-s-{fp,w4}-cpu.txt
#           (made on a CPU machine); 1000 tokens on and off; w4 perplexity;
#           GPU times of decode's kernels and graphs (ncu-*.csv).
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
elif [ "$PART" = int4 ]; then
  export QF_CUDA_POISON=1
  # f16 activations into the kernels: ~1e-3 relative (README of the kernels).
  step compare-t-w4 120 $B/qf-compare-devices t-w4-cpu.qfa cpu t-w4-cuda.qfa \
    cuda:0 --tokens 40 --decode 8 --sequences 3 --tolerance 5e-3
  step compare-s-w4 120 $B/qf-compare-devices s-w4-cpu.qfa cpu s-w4-cuda.qfa \
    cuda:0 --tokens 64 --decode 16 --sequences 2 --tolerance 5e-3
  unset QF_CUDA_POISON
  step ppl-s-w4-cuda 200 $B/quant-eval s-w4-cuda.qfa --text valid.txt \
    --ctx 512 --json --device cuda:0
  for a in s-w4-cuda s-w4f32-cuda; do
    step gen-$a 60 $B/quant-run $a.qfa -p "Once upon a time" -n 200 --greedy \
      --device cuda:0
  done
  step gen-s-w4-cpu 60 $B/quant-run s-w4-cpu.qfa -p "Once upon a time" \
    -n 200 --greedy --device cpu
  text() { grep -v 'tokens/s\|kv cache\|^seed' "$OUT/$1.log"; }
  cmp <(text gen-s-w4-cuda) <(text gen-s-w4-cpu) \
    && echo "greedy text: CUDA == CPU" || echo "greedy text: CUDA != CPU"
  echo "ppl s w4 cuda: $(eval_json ppl-s-w4-cuda)"
elif [ "$PART" = graphs ]; then
  # Each check runs where its artifacts are in the bundle.
  export QF_CUDA_POISON=1
  [ -f t-fp-cuda.qfa ] && step compare-t-fp 120 $B/qf-compare-devices \
    t-fp-cpu.qfa cpu t-fp-cuda.qfa cuda:0 --tokens 37 --decode 64 \
    --sequences 2 --tolerance 1e-4
  [ -f t-w4-cuda.qfa ] && step compare-t-w4 120 $B/qf-compare-devices \
    t-w4-cpu.qfa cpu t-w4-cuda.qfa cuda:0 --tokens 40 --decode 64 \
    --sequences 2 --tolerance 5e-3
  unset QF_CUDA_POISON
  text() { grep -v 'tokens/s\|kv cache\|^seed\|cuda graphs' "$1"; }
  for a in s-fp s-w4; do
    [ -f $a-cuda.qfa ] || continue
    for run in 1 2 3; do
      step gen-$a-on-$run 60 $B/quant-run $a-cuda.qfa -p "Once upon a time" \
        -n 200 --greedy --device cuda:0
      QF_CUDA_GRAPHS=0 step gen-$a-off-$run 60 $B/quant-run $a-cuda.qfa \
        -p "Once upon a time" -n 200 --greedy --device cuda:0
    done
    cmp <(text $OUT/gen-$a-on-1.log) <(text $OUT/gen-$a-off-1.log) \
      && echo "$a greedy: graphs on == off" || echo "$a greedy: graphs on != off"
    cmp <(text $OUT/gen-$a-on-1.log) <(text gen-$a-cpu.txt) \
      && echo "$a greedy: CUDA == CPU" || echo "$a greedy: CUDA != CPU"
  done
  if [ -f s-w4-cuda.qfa ]; then
    step long-s-w4-on 60 $B/quant-run s-w4-cuda.qfa -p "Once upon a time" \
      -n 1000 --greedy --device cuda:0
    QF_CUDA_GRAPHS=0 step long-s-w4-off 60 $B/quant-run s-w4-cuda.qfa \
      -p "Once upon a time" -n 1000 --greedy --device cuda:0
    cmp <(text $OUT/long-s-w4-on.log) <(text $OUT/long-s-w4-off.log) \
      && echo "1000 tokens: graphs on == off" || echo "1000 tokens: on != off"
    step ppl-s-w4-cuda 200 $B/quant-eval s-w4-cuda.qfa --text valid.txt \
      --ctx 512 --json --device cuda:0
    echo "ppl s w4 cuda: $(eval_json ppl-s-w4-cuda)"
  fi
  for f in "$OUT"/gen-*.log "$OUT"/long-*.log; do
    echo "$(basename $f): $(grep 'decode:\|cuda graphs' "$f" | tr '\n' ' ')"
  done
  # GPU time (warm caches, clocks as found) of decode steps 3 and 4 from a
  # 5-token prompt, whose prefill launches as many kernels as a step: each
  # kernel without graphs, and each replayed graph as a whole.
  for a in s-fp:320 s-w4:376; do
    n=${a#*:} a=${a%:*}
    [ -f $a-cuda.qfa ] || continue
    QF_CUDA_GRAPHS=0 timeout 100 ncu --csv --metrics gpu__time_duration.sum \
      --cache-control none --clock-control none --launch-skip $((3 * n)) \
      --launch-count $((2 * n)) $B/quant-run $a-cuda.qfa \
      -p "Once upon a time" -n 6 --greedy --device cuda:0 \
      > "$OUT/ncu-$a.csv" 2> "$OUT/ncu-$a.err"
    echo "ncu $a kernels: rc=$?, $(grep -c gpu__time "$OUT/ncu-$a.csv") results"
    timeout 100 ncu --csv --metrics gpu__time_duration.sum --graph-profiling \
      graph --cache-control none --clock-control none --launch-skip $((n + 2)) \
      --launch-count 5 $B/quant-run $a-cuda.qfa -p "Once upon a time" -n 10 \
      --greedy --device cuda:0 > "$OUT/ncu-graph-$a.csv" 2> "$OUT/ncu-graph-$a.err"
    echo "ncu $a graphs: rc=$?, $(grep -c gpu__time "$OUT/ncu-graph-$a.csv") results"
    grep gpu__time "$OUT/ncu-graph-$a.csv" | tail -5
  done
  exit 0
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
