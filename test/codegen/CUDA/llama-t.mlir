// The bundled llama-t through the CUDA target: every kernel becomes a
// gpu.module for the requested architecture, PTX that ptxas accepts, and
// cubins embedded in the host shared object.
// RUN: quant-compile %qf_src/test/fixtures/llama-t --target=cuda --emit=lowered -o %t.lowered.mlir
// RUN: FileCheck %s --check-prefix=HOST < %t.lowered.mlir
// RUN: FileCheck %s --check-prefix=KERNEL < %t.lowered.mlir
// RUN: quant-compile %qf_src/test/fixtures/llama-t --target=cuda --emit=lowered -o /dev/null --mlir-print-ir-after=gpu-kernel-outlining 2> %t.outlined.mlir
// RUN: FileCheck %s --check-prefix=OUTLINED < %t.outlined.mlir
// RUN: quant-compile %qf_src/test/fixtures/llama-t --target=cuda --kv-cache=f16 --emit=lowered -o %t.f16.mlir
// RUN: FileCheck %s --check-prefix=F16 < %t.f16.mlir
// RUN: quant-compile %qf_src/test/fixtures/llama-t --target=cuda --gpu-arch=sm_80 --emit=target-ir -o %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: quant-compile %qf_src/test/fixtures/llama-t --target=cuda --emit=executable -o %t.sm90.so
// RUN: %python %S/check_cubins.py %t.sm90.so | FileCheck %s --check-prefix=SM90
// RUN: quant-compile %qf_src/test/fixtures/llama-t --target=cuda --gpu-arch=sm_80 --emit=executable -o %t.sm80.so
// RUN: %python %S/check_cubins.py %t.sm80.so | FileCheck %s --check-prefix=SM80
// RUN: rm -rf %t.dir && %python %S/split_ptx.py %t.ptx %t.dir > %t.list
// RUN: xargs -n 1 %ptxas -arch=sm_80 -o /dev/null < %t.list
// RUN: quant-compile %qf_src/test/fixtures/llama-t --target=cuda --gpu-format=ptx -o %t.qfa
// RUN: not quant-compile %qf_src/test/fixtures/llama-t --target=cuda --gpu-arch=sm_75 -o %t.bad.qfa 2>&1 | FileCheck %s --check-prefix=ARCH
// RUN: not quant-compile %qf_src/test/fixtures/llama-t --target=cuda --gpu-format=sass -o %t.bad.qfa 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not quant-compile %qf_src/test/fixtures/llama-t --gpu-arch=sm_90 -o %t.bad.qfa 2>&1 | FileCheck %s --check-prefix=CPU
// RUN: env CUDA_HOME=%t.nowhere not quant-compile %qf_src/test/fixtures/llama-t --target=cuda -o %t.bad.qfa 2>&1 | FileCheck %s --check-prefix=TOOLKIT
// REQUIRES: cuda-toolkit

// HOST: llvm.func @prefill(
// HOST: llvm.call @mgpuMemAlloc
// HOST: gpu.launch_func @prefill_kernel::@prefill_kernel blocks in
// HOST-SAME: threads in (%{{.*}}, %{{.*}}, %{{.*}}) : i64
// HOST: llvm.call @mgpuMemFree
// HOST: llvm.func @qf_prefill(%{{.*}}: !llvm.ptr)
// HOST: llvm.func @qf_decode(%{{.*}}: !llvm.ptr)
// An f16 cache: one-token attention reads run decode_attention_f16, one
// block of 256 threads per head; longer ones the generic kernels. Both
// layers call the same read.
// F16-LABEL: llvm.func @qf_attention_4x32_kv2x4x1024_f16_f32f32(
// F16: llvm.icmp "eq"
// F16: llvm.cond_br
// F16: gpu.launch_func @quantforge_attention::@decode_attention_f16 blocks in (%[[H:.*]], %{{.*}}, %{{.*}}) threads in (%[[T:.*]], %{{.*}}, %{{.*}})
// F16: gpu.launch_func @qf_attention_4x32_kv2x4x1024_f16_f32f32_kernel
// F16-LABEL: llvm.func @decode(
// F16-COUNT-2: llvm.call @qf_attention_4x32_kv2x4x1024_f16_f32f32(
// F16-NOT: llvm.call @qf_attention
// F16: gpu.module @quantforge_attention
// F16-NOT: gpu.module @quantforge_attention
// KERNEL: gpu.module @prefill_kernel [#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">]
// KERNEL: llvm.func @prefill_kernel
// KERNEL-SAME: gpu.kernel
// KERNEL-SAME: nvvm.kernel
// Static loop bounds are constants inside the kernels (sunk before
// outlining), not kernel arguments: the attention's Q.K loop over the 32
// values of a head has a constant trip count that NVPTX can unroll.
// (The Q.K loop is in the attention read that all layers share.)
// OUTLINED: gpu.func @qf_attention_4x32_kv2x4x1024_f32_f32f32_kernel(
// OUTLINED: scf.for %{{.*}} = %c0 to %c32 step %c1 iter_args
// OUTLINED-NOT: args({{.*}}%c32 : index
// PTX: // gpu.module @prefill_kernel
// PTX: .target sm_80
// PTX: .visible .entry prefill_kernel(
// SM90: cubins: {{[0-9]+}} for sm_90
// SM90-NOT: cubins
// SM80: cubins: {{[0-9]+}} for sm_80
// SM80-NOT: cubins
// ARCH: quant-compile: unknown --gpu-arch 'sm_75' for target 'cuda' (supported: sm_80 sm_86 sm_89 sm_90 sm_90a)
// FORMAT: quant-compile: unknown --gpu-format 'sass' for target 'cuda' (supported: cubin ptx)
// CPU: quant-compile: --gpu-arch and --gpu-format apply to GPU targets, not 'cpu'
// TOOLKIT: cubin needs ptxas, not found at {{.*}}nowhere/bin/ptxas (set CUDA_HOME to the CUDA toolkit, or use --gpu-format=ptx)
