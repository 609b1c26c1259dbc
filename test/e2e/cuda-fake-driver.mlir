// The CUDA runtime path where there is no GPU: a cuda-target artifact runs
// through quant-run against a fake driver library on host memory
// (test/unit/driver/FakeCuda.c), which logs every launch: the executable's
// constructors load its kernel modules, prefill and decode launch kernels on
// the session's stream. Kernels do not run, so the text is meaningless.
// RUN: quant-compile %qf_src/test/fixtures/llama-t --target=cuda -o %t.qfa
// RUN: env QF_LIBCUDA=%qf_fake_cuda QF_FAKE_CUDA_LOG=%t.log quant-run %t.qfa -p "Hello" -n 2 --greedy --device cuda:0 2>&1 | FileCheck %s --check-prefix=GEN
// RUN: FileCheck %s --check-prefix=LAUNCH < %t.log
// int4 weights with f16 scales: decode's linears launch the library GEMV
// (grid ceil(R / 8) of 64 threads: 16 for R = 128, 32 for R = 256).
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=rtn --bits=4 --group-size=128 --scale-type=f16 --target=cuda -o %t.int4.qfa 2> %t.quant.log
// RUN: env QF_LIBCUDA=%qf_fake_cuda QF_FAKE_CUDA_LOG=%t.int4.log quant-run %t.int4.qfa -p "Hello" -n 2 --greedy --device cuda:0 2>&1 | FileCheck %s --check-prefix=GEN
// RUN: FileCheck %s --check-prefix=INT4 < %t.int4.log
// RUN: env QF_LIBCUDA=%t.nowhere/libcuda.so.1 not quant-run %t.qfa -p "Hello" -n 2 --device cuda:0 2>&1 | FileCheck %s --check-prefix=NOLIB
// RUN: not quant-run %t.qfa -p "Hello" -n 2 --device cpu 2>&1 | FileCheck %s --check-prefix=TARGET
// REQUIRES: cuda-toolkit

// GEN: decode: 2 tokens
// LAUNCH: launch prefill_kernel {{[0-9]+}} 256
// LAUNCH: launch decode_kernel {{[0-9]+}} 256
// INT4-DAG: launch gemv_int4_f32 16 64
// INT4-DAG: launch gemv_int4_f32 32 64
// NOLIB: quant-run: error: device 'cuda:0': no CUDA driver ({{.*}}nowhere/libcuda.so.1 not found
// NOLIB-SAME: this machine needs an NVIDIA GPU and its driver
// TARGET: compiled for target 'cuda-sm_90', but device 'cpu' runs 'cpu-x86_64'
