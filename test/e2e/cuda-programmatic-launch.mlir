// Programmatic dependent launch (docs/cuda.md) on the fake driver library
// (test/unit/driver/FakeCuda.c): an sm_90 executable's kernels (compiled with
// llm-gpu-dependent-launch) go through cuLaunchKernelEx with programmatic
// stream serialization on the stream, and hang on programmatic edges in the
// decode step's graph; the fake logs "programmatic <kernel>" before each such
// launch. The launches are the same kernels, grids and arguments as with
// QF_CUDA_PDL=0; an sm_80 executable, or a driver that refuses programmatic
// graph edges, falls back to plain launches or edges and says so.
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=rtn --bits=4 --group-size=128 --scale-type=f16 --target=cuda --gpu-format=ptx -o %t.qfa 2> %t.compile.log
// RUN: env QF_LIBCUDA=%qf_fake_cuda QF_FAKE_CUDA_LOG=%t.on.log quant-run %t.qfa -p "Hello" -n 12 --greedy --device cuda:0 2>&1 | FileCheck %s --check-prefix=ON
// RUN: FileCheck %s --check-prefix=ON-LOG < %t.on.log
// RUN: env QF_LIBCUDA=%qf_fake_cuda QF_FAKE_CUDA_LOG=%t.off.log QF_CUDA_PDL=0 quant-run %t.qfa -p "Hello" -n 12 --greedy --device cuda:0 2>&1 | FileCheck %s --check-prefix=OFF
// RUN: not grep programmatic %t.off.log
// RUN: %python %qf_src/test/e2e/same_fake_launches.py %t.on.log %t.off.log
// RUN: env QF_LIBCUDA=%qf_fake_cuda QF_FAKE_CUDA_LOG=%t.noedge.log QF_FAKE_CUDA_FAIL=cuGraphAddDependencies_v2 quant-run %t.qfa -p "Hello" -n 12 --greedy --device cuda:0 2>&1 | FileCheck %s --check-prefix=NOEDGE
// RUN: %python %qf_src/test/e2e/same_fake_launches.py %t.noedge.log %t.off.log
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=rtn --bits=4 --group-size=128 --scale-type=f16 --target=cuda --gpu-arch=sm_80 --gpu-format=ptx -o %t.sm80.qfa 2> %t.compile80.log
// RUN: env QF_LIBCUDA=%qf_fake_cuda QF_FAKE_CUDA_LOG=%t.sm80.log quant-run %t.sm80.qfa -p "Hello" -n 4 --greedy --device cuda:0 2>&1 | FileCheck %s --check-prefix=SM80
// RUN: not grep programmatic %t.sm80.log
// REQUIRES: cuda-toolkit

// ON: decode: 12 tokens
// ON: cuda graphs: on, 11 steps replayed, 1 instantiations
// ON-NEXT: programmatic launch: on, {{[1-9][0-9]*}} launches on the stream, {{[1-9][0-9]*}} graph edges{{$}}

// Prefill on the stream, then the decode graph: both programmatic, the
// library GEMV included.
// ON-LOG: programmatic prefill_kernel
// ON-LOG-NEXT: launch prefill_kernel
// ON-LOG: graph-instantiate
// ON-LOG: programmatic gemv_int4_f32
// ON-LOG-NEXT: launch gemv_int4_f32

// OFF: cuda graphs: on, 11 steps replayed, 1 instantiations
// OFF-NEXT: programmatic launch: off (QF_CUDA_PDL=0)

// The fake refuses every cuGraphAddDependencies_v2, so the plain edge that
// replaces a refused programmatic one fails too: decode runs without a graph.
// NOEDGE: cuda graphs: on, 0 steps replayed, 0 instantiations, 0 node updates; without a graph: cuGraphAddDependencies: CUDA_ERROR_INVALID_VALUE (1)
// NOEDGE-NEXT: programmatic launch: on, {{[1-9][0-9]*}} launches on the stream, 0 graph edges; plain graph edges: cuGraphAddDependencies: CUDA_ERROR_INVALID_VALUE (1)

// SM80: programmatic launch: off (the executable's kernels do not wait for their prerequisites: compiled for a chip before sm_90)
