// Calibration on the GPU where there is none: --calib-device=cuda:0 compiles
// every stage executable with the CUDA target and runs it through the CUDA
// driver on the fake library (test/unit/driver/FakeCuda.c: host memory,
// kernels only logged), so the statistics are meaningless here (numbers:
// cuda-calibration.mlir on a GPU). Checked: the stage executables load and
// launch, x^T x is one kernel per window (llm-reductions-innermost: the
// launch count does not grow with the window length), the statistics file,
// the missing-driver error, a target the device cannot run, an unknown
// device and --calib-statistics without calibration.
// RUN: head -c 20000 %shared/data/calib.txt > %t.txt
// RUN: env QF_LIBCUDA=%qf_fake_cuda QF_FAKE_CUDA_LOG=%t.16.log quant-compile %qf_src/test/fixtures/llama-t --quant=gptq --bits=4 --group-size=128 --calib %t.txt --calib-samples 2 --calib-seqlen 16 --calib-device=cuda:0 --calib-statistics %t.st -o %t.qfa 2>&1 | FileCheck %s --check-prefix=SEQ
// RUN: FileCheck %s --check-prefix=LAUNCH < %t.16.log
// RUN: %python %qf_src/scripts/compare_statistics.py %t.st %t.st | FileCheck %s --check-prefix=STATS
// RUN: env QF_LIBCUDA=%qf_fake_cuda QF_FAKE_CUDA_LOG=%t.32.log quant-compile %qf_src/test/fixtures/llama-t --quant=gptq --bits=4 --group-size=128 --calib %t.txt --calib-samples 2 --calib-seqlen 32 --calib-device=cuda:0 -o %t.qfa 2>/dev/null
// RUN: test $(grep -c '^launch' %t.16.log) -eq $(grep -c '^launch' %t.32.log)
// RUN: env QF_LIBCUDA=%t.nowhere/libcuda.so.1 not quant-compile %qf_src/test/fixtures/llama-t --quant=gptq --calib %t.txt --calib-samples 2 --calib-seqlen 16 --calib-device=cuda:0 -o %t.qfa 2>&1 | FileCheck %s --check-prefix=NOLIB
// RUN: env QF_LIBCUDA=%qf_fake_cuda not quant-compile %qf_src/test/fixtures/llama-t --emit=statistics --calib %t.txt --calib-samples 2 --calib-seqlen 16 --calib-device=cuda:0 --gpu-arch=sm_80 -o %t.par.st 2>&1 | FileCheck %s --check-prefix=ARCH
// RUN: not quant-compile %qf_src/test/fixtures/llama-t --quant=gptq --calib %t.txt --calib-device=tpu:0 -o %t.qfa 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not quant-compile %qf_src/test/fixtures/llama-t --calib-statistics %t.none.st -o %t.qfa 2>&1 | FileCheck %s --check-prefix=NOSTATS
// REQUIRES: cuda-toolkit

// SEQ: [gptq 14/14] model.layers.1.mlp.down_proj.weight
// SEQ: [calibrate] 6 executables compiled for 3 stages; on cuda:0 in
// LAUNCH: launch stage_kernel
// STATS: statistics: 14 tensors, worst max|a-b|/max|a| 0.000e+00
// NOLIB: error: --calib-device=cuda:0: no CUDA driver ({{.*}}nowhere/libcuda.so.1 not found
// ARCH: error: calibration code compiled for 'cuda-sm_80', but device 'cuda:0' runs 'cuda-sm_90' 'cuda-sm_90a'
// UNKNOWN: error: --calib-device=tpu:0: unknown driver
// NOSTATS: quant-compile: --calib-statistics needs calibration (--quant=gptq|awq)
