#!/bin/bash
# Calibration on the GPU against the CPU, on a lent GPU (docs/quantization.md,
# "Calibration on the GPU"). Run from a bundle holding bin/quant-compile,
# bin/quant-eval, lib/ (their non-system libraries), compare_statistics.py,
# calib.txt and valid.txt; MODEL is a model directory (relative to BUNDLE or
# absolute), named in the outputs by its last component.
# Usage: cuda-calib-check.sh BUNDLE OUTDIR MODEL SAMPLES SEQLEN [noparallel]
#   1. GPTQ w4 g128 (f16 scales) block-sequential calibration of MODEL with
#      --calib-device=cuda:0 (allocations poisoned: QF_CUDA_POISON=1), then
#      the same on the CPU (all cores): the
#      statistics each weight was quantized with (--calib-statistics)
#      compared, calibration wall times from the "[calibrate]" lines;
#   2. perplexity of both artifacts (--target=cuda) on cuda:0, all of
#      valid.txt, --ctx 512;
#   3. unless "noparallel": the float model's statistics (parallel flow,
#      --emit=statistics, 8 windows) on both devices, compared: the same
#      inputs, so only arithmetic differs;
#   4. the missing-driver error.
# Logs go to OUTDIR/logs-MODEL.tar.gz; the summary is printed.
set -u
cd "$1" || exit 2
OUT=$2 MODEL=$3 N=$4 L=$5 M=$(basename "$3") PARALLEL=${6:-parallel}
export LD_LIBRARY_PATH=$PWD/lib
B=$PWD/bin
LOGS=/tmp/calib-logs-$M
mkdir -p "$LOGS"
step() { # name, timeout, command...
  local name=$1 limit=$2; shift 2
  echo "=== $name: $*"
  local start=$(date +%s.%N)
  timeout "$limit" "$@" > "$LOGS/$name.log" 2>&1
  local rc=$?
  local end=$(date +%s.%N)
  # Progress lines end in \r: keep the last lines that are not progress.
  tr '\r' '\n' < "$LOGS/$name.log" | grep -v ' sample \|^\[gptq' | tail -n 4
  printf '=== %s: rc=%d, %s s\n' "$name" "$rc" \
    "$(awk "BEGIN{printf \"%.1f\", $end - $start}")"
}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
nproc
quant="$MODEL --quant=gptq --bits=4 --group-size=128 --scale-type=f16 \
  --calib calib.txt --calib-samples $N --calib-seqlen $L"
step seq-cuda 100 env QF_CUDA_POISON=1 $B/quant-compile $quant --calib-device=cuda:0 \
  --calib-statistics /tmp/$M-seq-cuda.st --target=cuda -o /tmp/$M-cuda.qfa
step seq-cpu 120 $B/quant-compile $quant \
  --calib-statistics /tmp/$M-seq-cpu.st --target=cuda -o /tmp/$M-cpu.qfa
step compare-seq 60 python3 compare_statistics.py /tmp/$M-seq-cpu.st \
  /tmp/$M-seq-cuda.st 1e-3
step ppl-cuda-calib 60 $B/quant-eval /tmp/$M-cuda.qfa --text valid.txt \
  --ctx 512 --json --device cuda:0
step ppl-cpu-calib 60 $B/quant-eval /tmp/$M-cpu.qfa --text valid.txt \
  --ctx 512 --json --device cuda:0
if [ "$PARALLEL" != noparallel ]; then
stats="$MODEL --emit=statistics --calib calib.txt --calib-samples 8 \
  --calib-seqlen $L"
step par-cuda 60 env QF_CUDA_POISON=1 $B/quant-compile $stats --calib-device=cuda:0 \
  -o /tmp/$M-par-cuda.st
step par-cpu 60 $B/quant-compile $stats -o /tmp/$M-par-cpu.st
step compare-par 60 python3 compare_statistics.py /tmp/$M-par-cpu.st \
  /tmp/$M-par-cuda.st 1e-4
fi
step no-libcuda 30 env QF_LIBCUDA=/nonexistent/libcuda.so.1 \
  $B/quant-compile $quant --calib-device=cuda:0 -o /tmp/$M-x.qfa
echo "=== summary $M ($N x $L)"
for d in cuda cpu; do
  tr '\r' '\n' < "$LOGS/seq-$d.log" | grep 'executables compiled' |
    sed "s/^/seq-$d: /"
  grep '^{' "$LOGS/ppl-$d-calib.log" | tail -1 | sed "s/^/ppl-$d-calib: /"
done
grep 'statistics:' "$LOGS/compare-seq.log" | sed 's/^/seq: /'
grep -s 'statistics:' "$LOGS/compare-par.log" | sed 's/^/par: /'
tar czf "$OUT/logs-$M.tar.gz" -C "$LOGS" .
