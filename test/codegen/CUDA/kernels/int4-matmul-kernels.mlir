// The hot-path kernels of codegen/CUDA/kernels compile through upstream MLIR's
// NVVM path and ptxas for Hopper and Ampere without spilling, with 16-byte
// weight loads, f16x2 arithmetic in gemv_int4(_splitk) and tensor-core mma in
// gemv_int4_tc and the GEMM.
// (No GPU needed; the kernels run and are checked in bench/gpu.)

// RUN: rm -rf %t && %python %qf_src/codegen/CUDA/kernels/build_kernels.py --chip sm_90 --out %t --report %qf_src/codegen/CUDA/kernels/int4_matmul.mlir 2>/dev/null | FileCheck %s --check-prefix=SM90
// RUN: FileCheck %s --check-prefix=PTX < %t/int4_matmul.sm_90.ptx
// RUN: %python %qf_src/codegen/CUDA/kernels/build_kernels.py --chip sm_80 --out %t --report %qf_src/codegen/CUDA/kernels/int4_matmul.mlir 2>/dev/null | FileCheck %s --check-prefix=SM80
// RUN: test -s %t/int4_matmul.sm_90.cubin && test -s %t/int4_matmul.sm_80.cubin
// Programmatic dependent launch is sm_90's: none of it in the sm_80 build.
// RUN: not grep griddepcontrol %t/int4_matmul.sm_80.ptx

// SM90: kernel gather_f16 sm_90: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 0
// SM90-NEXT: kernel gemm_int4_n16 sm_90: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 32768
// SM90-NEXT: kernel gemm_int4_n32 sm_90: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 32768
// SM90-NEXT: kernel gemm_int4_n64 sm_90: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 32768
// SM90-NEXT: kernel gemm_int4_n8 sm_90: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 32768
// The split-K kernels are the exception: at the 128-register cap that gives
// 2 blocks of 8 warps per SM, ptxas spills 12 (n8) and 28 (n16) bytes on
// sm_90 and 4 bytes in skt16 on sm_80 (bench/gpu/NOTES.md, v13-v15).
// SM90-NEXT: kernel gemm_int4_sk16 sm_90: registers 128, stack {{[0-9]+}}, spill stores {{[0-9]+}}, spill loads {{[0-9]+}}, smem 32772
// SM90-NEXT: kernel gemm_int4_sk8 sm_90: registers 128, stack {{[0-9]+}}, spill stores {{[0-9]+}}, spill loads {{[0-9]+}}, smem 32772
// SM90-NEXT: kernel gemm_int4_skt16 sm_90: registers 128, stack {{[0-9]+}}, spill stores {{[0-9]+}}, spill loads {{[0-9]+}}, smem 32772
// SM90-NEXT: kernel gemm_int4_skt8 sm_90: registers 128, stack {{[0-9]+}}, spill stores {{[0-9]+}}, spill loads {{[0-9]+}}, smem 32772
// SM90-NEXT: kernel gemv_int4 sm_90: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 0
// SM90-NEXT: kernel gemv_int4_f32 sm_90: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 0
// SM90-NEXT: kernel gemv_int4_splitk sm_90: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 64
// SM90-NEXT: kernel gemv_int4_stream sm_90: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 32768
// SM90-NEXT: kernel gemv_int4_stream_g sm_90: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 32768
// SM90-NEXT: kernel gemv_int4_stream_p sm_90: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 32768
// SM90-NEXT: kernel gemv_int4_tc sm_90: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 34304
// SM90-NEXT: kernel gemv_int4_tc_silu sm_90: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 34304

// SM80: kernel gather_f16 sm_80: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 0
// SM80-NEXT: kernel gemm_int4_n16 sm_80: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 32768
// SM80-NEXT: kernel gemm_int4_n32 sm_80: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 32768
// SM80-NEXT: kernel gemm_int4_n64 sm_80: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 32768
// SM80-NEXT: kernel gemm_int4_n8 sm_80: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 32768
// SM80-NEXT: kernel gemm_int4_sk16 sm_80: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 32772
// SM80-NEXT: kernel gemm_int4_sk8 sm_80: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 32772
// SM80-NEXT: kernel gemm_int4_skt16 sm_80: registers 128, stack {{[0-9]+}}, spill stores {{[0-9]+}}, spill loads {{[0-9]+}}, smem 32772
// SM80-NEXT: kernel gemm_int4_skt8 sm_80: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 32772
// SM80-NEXT: kernel gemv_int4 sm_80: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 0
// SM80-NEXT: kernel gemv_int4_f32 sm_80: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 0
// SM80-NEXT: kernel gemv_int4_splitk sm_80: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 64
// SM80-NEXT: kernel gemv_int4_stream sm_80: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 32768
// SM80-NEXT: kernel gemv_int4_stream_g sm_80: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 32768
// SM80-NEXT: kernel gemv_int4_stream_p sm_80: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 32768
// SM80-NEXT: kernel gemv_int4_tc sm_80: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 34304
// SM80-NEXT: kernel gemv_int4_tc_silu sm_80: registers {{[0-9]+}}, stack 0, spill stores 0, spill loads 0, smem 34304

// PTX in definition order. The GEMV reads 16-byte vectors and computes in
// f16x2 with everything inlined; each GEMM's batch tile is folded, so n8
// issues 8 mma per 128-column chunk and n64 64.
// Every kernel releases the next launch first and waits for the previous
// one before it reads x; gemv_int4 asks L2 for its first step before that.
// PTX-LABEL: .entry gemv_int4(
// PTX-NOT: call
// PTX: griddepcontrol.launch_dependents
// PTX: prefetch.global.L2
// PTX: griddepcontrol.wait
// PTX: ld.global.v4.b32
// PTX-NOT: call
// PTX: fma.rn.f16x2
// PTX-NOT: call
// PTX-LABEL: .entry gemv_int4_splitk(
// PTX-NOT: call
// PTX: ld.global.v4.b32
// PTX: bar.sync
// PTX-NOT: call
// The persistent stream GEMVs: the first two steps' weights are requested
// before x is staged behind a barrier; the loop loads the step after next
// (4 x 16 bytes) with its scales and zero bytes: one per vector in
// gemv_int4_stream, one per step in _g, two in _p; x from shared memory,
// f16x2 arithmetic, one warp reduction and store per row.
// PTX-LABEL: .entry gemv_int4_stream(
// PTX-NOT: call
// PTX: griddepcontrol.launch_dependents
// PTX-COUNT-8: ld.global.v4.b32
// PTX: griddepcontrol.wait
// PTX: bar.sync
// PTX-COUNT-4: ld.global.v4.b32
// PTX-COUNT-4: ld.global.b16
// PTX: ld.shared.v4.b32
// PTX: fma.rn.f16x2
// PTX: shfl.sync.bfly.b32
// PTX-NOT: call
// (The always-inlined body is also emitted as a function of its own.)
// PTX-LABEL: .func stream_g_body(
// PTX-LABEL: .entry gemv_int4_stream_g(
// PTX-NOT: call
// PTX-COUNT-8: ld.global.v4.b32
// PTX: bar.sync
// PTX: ld.global.b16
// PTX-NOT: ld.global.b16
// PTX-COUNT-4: ld.global.v4.b32
// PTX-NOT: ld.global.b16
// PTX: ld.shared.v4.b32
// PTX: fma.rn.f16x2
// PTX-NOT: ld.global.b16
// PTX: shfl.sync.bfly.b32
// PTX-NOT: call
// PTX-LABEL: .entry gemv_int4_stream_p(
// PTX-NOT: call
// PTX: bar.sync
// PTX-COUNT-2: ld.global.b16
// PTX-NOT: ld.global.b16
// PTX-COUNT-4: ld.global.v4.b32
// PTX-NOT: ld.global.b16
// PTX: shfl.sync.bfly.b32
// PTX-NOT: call
// gemv_int4_tc: x staged in shared memory behind a barrier, then per chunk
// two weight loads, four lop3 per word and no f16 arithmetic before the mma.
// (The always-inlined body is also emitted as a function of its own.)
// PTX-LABEL: .func gemv_tc_body(
// PTX-LABEL: .entry gemv_int4_tc(
// PTX: ld.global.v4.b32
// PTX: bar.sync
// PTX: ld.global.v4.b32
// PTX-NOT: sub.f16x2
// PTX-NOT: fma.rn.f16x2
// PTX-COUNT-8: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX-NOT: mma.sync
// The SwiGLU variant computes exp with ex2.approx while staging x.
// PTX-LABEL: .entry gemv_int4_tc_silu(
// PTX: ex2.approx.ftz.f32
// PTX: bar.sync
// PTX-COUNT-8: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX-NOT: mma.sync
// PTX-LABEL: .entry gemm_int4_n8(
// PTX: ld.global.v4.b32
// PTX-COUNT-8: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX-NOT: mma.sync
// PTX-LABEL: .entry gemm_int4_n16(
// PTX-COUNT-16: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX-NOT: mma.sync
// PTX-LABEL: .entry gemm_int4_n32(
// PTX-COUNT-32: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX-NOT: mma.sync
// PTX-LABEL: .entry gemm_int4_n64(
// PTX-COUNT-64: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX-NOT: mma.sync
// Split-K GEMM: the first steps' weights (n8: two steps of 4 x 16 bytes,
// n16: one) requested before the wait, x's slice staged in shared memory
// behind a barrier; per step the loads of a later step, one B fragment read
// from shared memory serving both m16 tiles (16 mma for n8, 32 for n16);
// then the slice's partial sums stored (8-byte stores, no atomics), a
// barrier, one thread's fence + counter update + fence, and the last block's
// sum of the parts read through L2 (ld.global.cg), four per round trip.
// (Its helpers are also emitted as functions of their own.)
// PTX-LABEL: .func {{.*}} sk_load(
// PTX-LABEL: .entry gemm_int4_sk8(
// PTX: griddepcontrol.launch_dependents
// PTX-COUNT-8: ld.global.v4.b32
// PTX-NOT: ld.global.v4.b32
// PTX: griddepcontrol.wait
// PTX: st.shared.v4.b32
// PTX: bar.sync
// PTX-COUNT-4: ld.global.v4.b32
// PTX-COUNT-4: ld.shared.v4.b32
// PTX-NOT: ld.shared.v4.b32
// PTX-COUNT-16: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX-NOT: mma.sync
// PTX-NOT: atom.global.add.f32
// PTX: st.global.v2.b32
// PTX-NOT: fence
// PTX: bar.sync
// PTX: fence.acq_rel.gpu
// PTX-NOT: bar.sync
// PTX: atom.global.add.u32
// PTX-NOT: bar.sync
// PTX: fence.acq_rel.gpu
// PTX: bar.sync
// PTX-COUNT-4: ld.global.cg.v4.f32
// PTX: atom.global.exch.b32
// PTX-LABEL: .entry gemm_int4_sk16(
// PTX: griddepcontrol.launch_dependents
// PTX-COUNT-4: ld.global.v4.b32
// PTX-NOT: ld.global.v4.b32
// PTX: griddepcontrol.wait
// PTX: bar.sync
// PTX-COUNT-32: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX-NOT: mma.sync
// PTX: st.global.v2.b32
// PTX: ld.global.cg.v4.f32
// PTX-LABEL: .entry gemm_int4_skt8(
// PTX: griddepcontrol.launch_dependents
// PTX-COUNT-8: ld.global.v4.b32
// PTX-NOT: ld.global.v4.b32
// PTX: griddepcontrol.wait
// PTX: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX: ld.global.cg.v4.f32
// PTX-LABEL: .entry gemm_int4_skt16(
// PTX: griddepcontrol.wait
// PTX: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX: ld.global.cg.v4.f32
// PTX-LABEL: .entry gather_f16(
