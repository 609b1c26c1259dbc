// The bundled llama-t quantized to int4 with f16 scales through the CUDA
// target: its linears launch the library kernels of
// codegen/CUDA/kernels/int4_matmul.mlir (llm-outline-kernel-linears,
// llm-launch-kernel-linears), whose gpu.module is compiled into the
// executable's cubins. With f32 scales the kernels do not apply.
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=rtn --bits=4 --group-size=128 --scale-type=f16 --target=cuda --emit=lowered -o %t.lowered.mlir 2> %t.log
// RUN: FileCheck %s --check-prefix=HOST < %t.lowered.mlir
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=rtn --bits=4 --group-size=128 --scale-type=f16 --target=cuda --emit=executable -o %t.so 2> %t.log
// RUN: %python %S/check_cubins.py %t.so --kernels | FileCheck %s --check-prefix=CUBIN
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=rtn --bits=4 --group-size=128 --scale-type=f32 --target=cuda --emit=lowered -o %t.f32.mlir 2> %t.log
// RUN: FileCheck %s --check-prefix=F32 < %t.f32.mlir
// Without --scale-type the CUDA target picks f16: the kernels apply.
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=rtn --bits=4 --group-size=128 --target=cuda --emit=lowered -o %t.default.mlir 2> %t.log
// RUN: FileCheck %s --check-prefix=DEFAULT < %t.default.mlir
// REQUIRES: cuda-toolkit

// HOST: llvm.func @prefill(
// HOST: llvm.call @qf_int4_linear_128x128_g128_asym_tn_f32f32(
// HOST: llvm.func @decode(
// HOST: llvm.call @qf_int4_linear_128x128_g128_asym_tn_f32f32(
// HOST-LABEL: llvm.func @qf_int4_linear_128x256_g128_asym_tn_f32f32(
// HOST: gpu.launch_func @quantforge_int4::@gemv_int4_f32 blocks in
// HOST: gpu.launch_func @quantforge_int4::@gemm_int4_n16 blocks in
// HOST: gpu.launch_func @quantforge_int4::@gemm_int4_n32 blocks in
// HOST: gpu.launch_func @quantforge_int4::@gemm_int4_n64 blocks in
// HOST: gpu.launch_func @quantforge_int4::@gemm_int4_n8 blocks in
// The library module keeps the launched kernels only.
// HOST: gpu.module @quantforge_int4 [#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">]
// HOST-NOT: llvm.func @gemv_int4_splitk(
// HOST: llvm.func @gemv_int4_f32(
// HOST-NOT: llvm.func @gemm_int4_sk8(
// CUBIN: cubins: {{[0-9]+}} for sm_90
// CUBIN-NOT: kernel: gemv_int4_stream
// CUBIN: kernel: gemm_int4_n16
// CUBIN-NEXT: kernel: gemm_int4_n32
// CUBIN-NEXT: kernel: gemm_int4_n64
// CUBIN-NEXT: kernel: gemm_int4_n8
// CUBIN-NEXT: kernel: gemv_int4_f32{{$}}
// CUBIN-NOT: kernel: gemv_int4
// F32: llvm.func @prefill(
// F32-NOT: quantforge_int4
// DEFAULT: gpu.launch_func @quantforge_int4::@gemv_int4_f32 blocks in
