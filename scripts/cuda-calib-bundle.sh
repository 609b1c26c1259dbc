#!/bin/bash
# Makes the bundle scripts/cuda-calib-check.sh runs on a lent GPU, in DEST
# (a git-ignored folder of the checkout the device tool sends; <= 64 MiB with
# the checkout). Calibration compiles there, so quant-compile travels: it is
# relinked against LLVM's static archives (the device has no libLLVM), without
# the AMDGPU backend (stub initializers; the HIP target is not used there),
# stripped and xz-compressed (~27 MB), with llama-s (~22 MB), the runtime
# tools and the texts. Usage: cuda-calib-bundle.sh BUILD DEST
# On the device: cd DEST && python3 unpack.py && chmod +x bin/* and, since
# host objects are linked by ld.lld from /usr/lib/llvm-22/bin, a linker
# there: mkdir -p /usr/lib/llvm-22/bin && ln -sf "$(command -v ld)"
# /usr/lib/llvm-22/bin/ld.lld (GNU ld takes the same -shared --gc-sections).
set -eu
BUILD=$(cd "$1" && pwd)
DEST=$2
SHARED=${SHARED:-/work/shared}
mkdir -p "$DEST/rt/bin" "$DEST/rt/lib" "$DEST/llama-s"
TMP=$(mktemp -d)
printf 'void LLVMInitializeAMDGPU%s(void) {}\n' AsmParser AsmPrinter Target \
  TargetInfo TargetMC > "$TMP/amdgpu.c"
clang-22 -c -O2 "$TMP/amdgpu.c" -o "$TMP/amdgpu.o"
static=$(ls /usr/lib/llvm-22/lib/libLLVM*.a | grep -v AMDGPU | tr '\n' ' ')
cmd=$(ninja -C "$BUILD" -t commands bin/quant-compile | tail -1)
cmd=${cmd//\/usr\/lib\/llvm-22\/lib\/libLLVM.so.1/$TMP/amdgpu.o -Wl,--start-group $static -Wl,--end-group -lz -lzstd}
cmd=${cmd//-o bin\/quant-compile/-o $TMP/quant-compile}
(cd "$BUILD" && eval "$cmd")
strip "$TMP/quant-compile"
xz -9 -T2 -c "$TMP/quant-compile" > "$DEST/qc.xz"
cp "$BUILD/bin/quant-eval" "$DEST/rt/bin/"
for lib in libsentencepiece.so.0 libxxhash.so.0 libzstd.so.1; do
  cp -L "/lib/x86_64-linux-gnu/$lib" "$DEST/rt/lib/"
done
(cd "$DEST" && tar cf - rt | xz -9 > rt.tar.xz && rm -rf rt)
xz -9 -c "$SHARED/models/llama-s/model.safetensors" > "$DEST/llama-s/model.safetensors.xz"
cp "$SHARED"/models/llama-s/{config.json,generation_config.json,tokenizer.json,tokenizer.model,tokenizer_config.json} "$DEST/llama-s/"
xz -9 -c "$SHARED/data/calib.txt" > "$DEST/calib.txt.xz"
xz -9 -c "$SHARED/data/valid.txt" > "$DEST/valid.txt.xz"
HERE=$(dirname "$0")
cp "$HERE/cuda-calib-check.sh" "$HERE/compare_statistics.py" "$DEST/"
cat > "$DEST/unpack.py" <<'PY'
# Unpacks the bundle on the device (xz through Python's lzma).
import lzma, os, shutil, tarfile
with tarfile.open("rt.tar.xz") as t:
    t.extractall(".")
os.rename("rt/bin", "bin")
os.rename("rt/lib", "lib")
for src, dst in [("qc.xz", "bin/quant-compile"), ("calib.txt.xz", "calib.txt"),
                 ("valid.txt.xz", "valid.txt"),
                 ("llama-s/model.safetensors.xz", "llama-s/model.safetensors")]:
    with lzma.open(src) as i, open(dst, "wb") as o:
        shutil.copyfileobj(i, o, 1 << 24)
PY
rm -rf "$TMP"
du -sh "$DEST"
