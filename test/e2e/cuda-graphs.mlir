// CUDA graphs for decode (runtime/driver/cuda, docs/cuda.md) on the fake
// driver library (test/unit/driver/FakeCuda.c), which logs every launch with
// its arguments when the kernels are PTX, and every graph call. Decode steps
// replay one instantiated graph whose nodes are updated where start_pos
// changed them; each kernel must run with the same grid and arguments as
// without graphs (same_fake_launches.py), also when the slots of attention's
// growing temporaries move (40 steps), when the driver refuses node updates
// (each step instantiates again) or instantiation (no graph), and with
// graphs off. (Poisoned temporaries, as memset nodes, are checked on a GPU:
// here the logits, never written, would be NaN.)
// RUN: quant-compile %qf_src/test/fixtures/llama-t --target=cuda --gpu-format=ptx -o %t.qfa
// RUN: env QF_LIBCUDA=%qf_fake_cuda QF_FAKE_CUDA_LOG=%t.off.log QF_CUDA_GRAPHS=0 quant-run %t.qfa -p "Hello" -n 40 --greedy --device cuda:0 2>&1 | FileCheck %s --check-prefix=OFF
// RUN: FileCheck %s --check-prefix=OFF-LOG < %t.off.log
// RUN: env QF_LIBCUDA=%qf_fake_cuda QF_FAKE_CUDA_LOG=%t.on.log quant-run %t.qfa -p "Hello" -n 40 --greedy --device cuda:0 2>&1 | FileCheck %s --check-prefix=ON
// RUN: FileCheck %s --check-prefix=ON-LOG < %t.on.log
// RUN: %python %qf_src/test/e2e/same_fake_launches.py %t.on.log %t.off.log
// RUN: env QF_LIBCUDA=%qf_fake_cuda QF_FAKE_CUDA_LOG=%t.noset.log QF_FAKE_CUDA_FAIL=cuGraphExecKernelNodeSetParams_v2 quant-run %t.qfa -p "Hello" -n 40 --greedy --device cuda:0 2>&1 | FileCheck %s --check-prefix=NOSET
// RUN: %python %qf_src/test/e2e/same_fake_launches.py %t.noset.log %t.off.log
// RUN: env QF_LIBCUDA=%qf_fake_cuda QF_FAKE_CUDA_LOG=%t.noinst.log QF_FAKE_CUDA_FAIL=cuGraphInstantiateWithFlags quant-run %t.qfa -p "Hello" -n 40 --greedy --device cuda:0 2>&1 | FileCheck %s --check-prefix=NOINST
// RUN: %python %qf_src/test/e2e/same_fake_launches.py %t.noinst.log %t.off.log
// The int4 library kernels (gemv_int4) and an int8 KV cache with its scales.
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=rtn --bits=4 --group-size=128 --scale-type=f16 --kv-cache=int8 --target=cuda --gpu-format=ptx -o %t.int4.qfa 2> %t.quant.log
// RUN: env QF_LIBCUDA=%qf_fake_cuda QF_FAKE_CUDA_LOG=%t.int4.off.log QF_CUDA_GRAPHS=0 quant-run %t.int4.qfa -p "Hello" -n 40 --greedy --device cuda:0 2>&1 | FileCheck %s --check-prefix=OFF
// RUN: env QF_LIBCUDA=%qf_fake_cuda QF_FAKE_CUDA_LOG=%t.int4.on.log quant-run %t.int4.qfa -p "Hello" -n 40 --greedy --device cuda:0 2>&1 | FileCheck %s --check-prefix=ON
// RUN: FileCheck %s --check-prefix=INT4 < %t.int4.on.log
// RUN: %python %qf_src/test/e2e/same_fake_launches.py %t.int4.on.log %t.int4.off.log
// A paged fp8 cache (block pool and table on the device): its row writes
// are kernels too, and the table grows across block boundaries while the
// graph replays.
// RUN: quant-compile %qf_src/test/fixtures/llama-t --kv-cache=fp8 --kv-block-size=16 --target=cuda --gpu-format=ptx -o %t.paged.qfa
// RUN: env QF_LIBCUDA=%qf_fake_cuda QF_FAKE_CUDA_LOG=%t.paged.off.log QF_CUDA_GRAPHS=0 quant-run %t.paged.qfa -p "Hello" -n 40 --greedy --device cuda:0 2>&1 | tee %t.paged.off.out | FileCheck %s --check-prefix=OFF
// RUN: FileCheck %s --check-prefix=PAGED < %t.paged.off.out
// RUN: env QF_LIBCUDA=%qf_fake_cuda QF_FAKE_CUDA_LOG=%t.paged.on.log quant-run %t.paged.qfa -p "Hello" -n 40 --greedy --device cuda:0 2>&1 | tee %t.paged.on.out | FileCheck %s --check-prefix=ON
// RUN: FileCheck %s --check-prefix=PAGED < %t.paged.on.out
// RUN: %python %qf_src/test/e2e/same_fake_launches.py %t.paged.on.log %t.paged.off.log
// A cubin's parameters are unknown to the fake (cuFuncGetParamInfo fails):
// decode runs without a graph and says why.
// RUN: quant-compile %qf_src/test/fixtures/llama-t --target=cuda -o %t.cubin.qfa
// RUN: env QF_LIBCUDA=%qf_fake_cuda quant-run %t.cubin.qfa -p "Hello" -n 4 --greedy --device cuda:0 2>&1 | FileCheck %s --check-prefix=NOINFO
// REQUIRES: cuda-toolkit

// OFF: decode: 40 tokens
// OFF: cuda graphs: off (QF_CUDA_GRAPHS=0)
// OFF-LOG-NOT: graph-

// ON: decode: 40 tokens
// ON: cuda graphs: on, 39 steps replayed, 1 instantiations, {{[1-9][0-9]*}} node updates
// ON-NOT: without a graph
// Prefill launches on the stream, decode's first step instantiates.
// ON-LOG: launch prefill_kernel
// ON-LOG-NOT: launch decode_kernel
// ON-LOG: graph-instantiate [[NODES:[0-9]+]]
// ON-LOG-NEXT: graph-launch [[NODES]]
// ON-LOG-NEXT: launch decode_kernel
// ON-LOG: graph-set
// ON-LOG: graph-launch [[NODES]]
// ON-LOG-NOT: graph-instantiate

// INT4: graph-instantiate
// INT4: launch gemv_int4

// PAGED: kv blocks: 3 of 64 in use, 16 tokens each

// NOSET: cuda graphs: on, 39 steps replayed, 39 instantiations, 0 node updates

// NOINST: cuda graphs: on, 0 steps replayed, 0 instantiations, 0 node updates; without a graph: cuGraphInstantiateWithFlags: CUDA_ERROR_INVALID_VALUE (1)

// NOINFO: decode: 4 tokens
// NOINFO: cuda graphs: on, 0 steps replayed, 0 instantiations, 0 node updates; without a graph: cuFuncGetParamInfo: CUDA_ERROR_FAKE (801)
