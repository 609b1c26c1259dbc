#!/usr/bin/env bash
# Builds the runtime alone (no MLIR/LLVM: proves the split) with ASan, UBSan
# and libFuzzer, then runs every fuzzer for QF_FUZZ_SECONDS on its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_DIR=${FUZZ_DIR:-build-fuzz}
SECONDS_EACH=${QF_FUZZ_SECONDS:-30}
if [ ! -f "$FUZZ_DIR/build.ninja" ]; then
  cmake -G Ninja -S . -B "$FUZZ_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DQF_BUILD_COMPILER=OFF -DQF_BUILD_TESTS=OFF -DQF_ENABLE_FUZZERS=ON \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22
fi
cmake --build "$FUZZ_DIR"
status=0
for corpus in test/fuzz/*/corpus/*/; do
  name=$(basename "$corpus")
  exe=$(find "$FUZZ_DIR" -type f -name "$name" -perm -u+x | head -n1)
  if [ -z "$exe" ]; then
    echo "fuzz: no executable for corpus $corpus" >&2
    status=1
    continue
  fi
  # Work on a copy so that new inputs do not dirty the checkout.
  work=$(mktemp -d)
  cp -r "$corpus". "$work"/
  echo "== $name: ${SECONDS_EACH}s"
  if ! "$exe" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 \
       -print_final_stats=1 "$work" 2>"$FUZZ_DIR/$name.log"; then
    tail -n 40 "$FUZZ_DIR/$name.log" >&2
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$FUZZ_DIR/$name.log" || true
  rm -rf "$work"
done
exit $status
