// On a GPU: llama-t (FP and RTN w4 g128) on the CUDA backend against the
// CPU backend on random tokens, every allocation of the CUDA driver
// poisoned with NaN first: the logits of prefill and of every decode step
// and the KV cache rows agree within 1e-4 (float32 both; summation order
// differs).
// RUN: quant-compile %qf_src/test/fixtures/llama-t -o %t.cpu.qfa
// RUN: quant-compile %qf_src/test/fixtures/llama-t --target=cuda -o %t.cuda.qfa
// RUN: env QF_CUDA_POISON=1 qf-compare-devices %t.cpu.qfa cpu %t.cuda.qfa cuda:0 --tokens 37 --decode 8 --sequences 3 --tolerance 1e-4 | FileCheck %s
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=rtn --bits=4 --group-size=128 -o %t.w4.cpu.qfa
// (f32 scales, as on the CPU: the naive int4 path, which agrees to 1e-4;
// the library kernels' f16 path is checked against the CPU in bench/gpu
// and scripts/cuda-device-check.sh.)
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=rtn --bits=4 --group-size=128 --scale-type=f32 --target=cuda -o %t.w4.cuda.qfa
// RUN: env QF_CUDA_POISON=1 qf-compare-devices %t.w4.cpu.qfa cpu %t.w4.cuda.qfa cuda:0 --tokens 37 --decode 8 --sequences 2 --tolerance 1e-4 | FileCheck %s --check-prefix=W4
// REQUIRES: cuda-gpu, cuda-toolkit

// CHECK: sequence 0 prefill 37
// CHECK: sequence 2 kv cache
// CHECK: PASS
// W4: sequence 1 kv cache
// W4: PASS
