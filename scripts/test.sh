#!/usr/bin/env bash
# Runs every test: builds, then the lit suite and all unit tests through
# ctest, then each fuzzer for a bounded time on a runtime-only build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j2
bash scripts/fuzz.sh
