// decode_attention_f16 compiles through upstream MLIR's NVVM path and ptxas
// for Hopper and Ampere without spilling, reading K and V rows with 16-byte
// loads, its exponentials on the special function unit and its dot products
// reduced with warp shuffles.
// (No GPU needed; the kernel runs and is checked in
// bench/gpu/attention_bench.py.)

// RUN: rm -rf %t && %python %qf_src/codegen/CUDA/kernels/build_kernels.py --chip sm_90 --out %t --report %qf_src/codegen/CUDA/kernels/attention.mlir 2>/dev/null | FileCheck %s --check-prefix=SM90
// RUN: %python %qf_src/codegen/CUDA/kernels/build_kernels.py --chip sm_80 --out %t --report %qf_src/codegen/CUDA/kernels/attention.mlir 2>/dev/null | FileCheck %s --check-prefix=SM80
// RUN: FileCheck %s --check-prefix=PTX < %t/attention.sm_90.ptx
// RUN: test -s %t/attention.sm_90.cubin && test -s %t/attention.sm_80.cubin
// REQUIRES: cuda-toolkit

// SM90: kernel decode_attention_f16 sm_90: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 34816
// SM80: kernel decode_attention_f16 sm_80: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 34816

// PTX-LABEL: .entry decode_attention_f16(
// PTX: ld.global.v4.b32
// PTX: shfl.sync.bfly.b32
// PTX: ex2.approx.ftz.f32
// PTX: bar.sync
