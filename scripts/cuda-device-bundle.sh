#!/bin/bash
# Copies what scripts/cuda-device-check.sh needs into DEST (a git-ignored
# folder of the checkout that the device tool sends): the runtime tools,
# their non-system shared libraries, the check script and valid.txt.
# Artifacts are compiled separately into DEST (see bench/gpu/NOTES.md).
set -eu
BUILD=$1
DEST=$2
mkdir -p "$DEST/bin" "$DEST/lib"
cp "$BUILD"/bin/{quant-run,quant-eval,qf-compare-devices} "$DEST/bin/"
for lib in $(ldd "$BUILD"/bin/{quant-run,quant-eval,qf-compare-devices} |
             awk '/=>/ {print $3}' | sort -u); do
  case $(basename "$lib") in
    libc.so*|libm.so*|libstdc++*|libgcc_s*|libpthread*|libdl*) ;;
    *) cp -L "$lib" "$DEST/lib/" ;;
  esac
done
cp "$(dirname "$0")/cuda-device-check.sh" "$DEST/"
cp "$(dirname "$0")/../../shared/data/valid.txt" "$DEST/" 2>/dev/null ||
  cp /work/shared/data/valid.txt "$DEST/"
