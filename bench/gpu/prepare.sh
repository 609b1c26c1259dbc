#!/bin/bash
# Builds the kernels for sm_90 here (the device machine has no MLIR) and puts
# them with the benchmark into a folder that the device tool carries.
#   bench/gpu/prepare.sh [DEST]   (DEST: an ignored folder of the checkout the
#                                  device tool sends; default .device/gpubench)
# then, on the device machine, one call: `cd DEST && VERSION=vN bash run`
# carrying DEST; copy $OUT/gpu.json to bench/results/gpu.json.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=${1:-$root/.device/gpubench}
mkdir -p "$dest"
python3 "$root/codegen/CUDA/kernels/build_kernels.py" --chip sm_90 --out "$dest" --report \
  | grep -E "Compiling|registers|spill" >&2
cp "$root/bench/gpu/bench_gpu.py" "$root/bench/gpu/profile_gpu.py" "$root/bench/gpu/read_ceiling.py" \
   "$root/bench/gpu/run" "$dest/"
echo "$dest: $(ls "$dest" | tr '\n' ' ')" >&2
