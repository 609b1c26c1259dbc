//===- Passes.td - passes of the CUDA code generator -------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_CODEGEN_CUDA_PASSES_TD
#define QUANTFORGE_CODEGEN_CUDA_PASSES_TD

include "mlir/Pass/PassBase.td"

def LLMMapParallelLoopsToGPU
    : Pass<"llm-map-parallel-loops-to-gpu", "::mlir::func::FuncOp"> {
  let summary = "Map each outermost scf.parallel to a 1-D GPU grid";
  let description = [{
    Prepares the loops that `convert-linalg-to-parallel-loops` produced for
    upstream `convert-parallel-loops-to-gpu`: every outermost `scf.parallel`
    has its dimensions collapsed into one (the last dimension varies fastest,
    so neighbouring threads touch neighbouring elements), is tiled by
    `block-size` with a guarded inner loop of constant trip count, and gets
    the mapping attribute that puts the tiles on blocks (x) and the
    iterations of a tile on threads (x). Reductions inside stay serial loops
    per thread, so each output element has one writer. Nested `scf.parallel`
    loops (a paged KV cache's row copies) become `scf.for` nests run by
    each thread (one with reductions is an error). A mapping that an
    `scf.forall` carried over (`#gpu.thread<...>`, which only keeps a
    one-iteration loop from being inlined) is replaced; a loop already
    mapped to GPU processors is an error.

    Example (block-size = 256):
    ```mlir
    scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c128) step (%c1, %c1) {...}
    ```
    becomes a loop over `ceildiv(n * 128, 256)` tiles mapped to
    `block_x`, holding a loop of 256 iterations mapped to `thread_x`.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block (1 to 1024)">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def LLMReductionsInnermost
    : Pass<"llm-reductions-innermost", "::mlir::func::FuncOp"> {
  let summary = "Move the reduction loops of linalg.generic ops innermost";
  let description = [{
    `convert-linalg-to-parallel-loops` nests loops in the order of the
    generic's iterators, and only the outermost `scf.parallel` becomes a
    kernel: a reduction iterator before a parallel one would leave a host
    loop that launches one kernel per reduction step. This pass permutes
    such generics (`linalg::interchangeGenericOp`) so that their parallel
    iterators come first, in their order, then the reductions, in theirs;
    each output element is still summed in the same order, by one thread.
    The calibration statistics are such generics (`llm-instrument-linear-
    inputs` sums over tokens outermost, which suits the CPU's vector loops):
    x^T x becomes one kernel per window instead of one per token.

    Example:
    ```mlir
    linalg.generic {iterator_types = ["reduction", "parallel", "parallel"]}
    ```
    becomes `["parallel", "parallel", "reduction"]` with the indexing maps
    permuted alike.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
  ];
}

def LLMGPUHostBuffers : Pass<"llm-gpu-host-buffers", "::mlir::ModuleOp"> {
  let summary = "Allocate the host code's temporaries in device memory";
  let description = [{
    After `convert-parallel-loops-to-gpu`, every load and store of an entry
    point happens inside a `gpu.launch`; what is left on the host is buffer
    management. This pass makes that management the device's:
    - `memref.alloc` / `memref.dealloc` outside kernels become `gpu.alloc` /
      `gpu.dealloc` in their asynchronous form, which `gpu-to-llvm` lowers to
      `mgpuMemAlloc` / `mgpuMemFree` on a stream (the runtime maps every
      stream to the session's own, so the order is the program's and the
      allocations are stream-ordered, which CUDA graphs can capture);
    - `memref.get_global` of a constant global used by a kernel is cloned
      into the kernel, so that `gpu-kernel-outlining` copies the global into
      the GPU module instead of passing a host address.
    Any other host operation that reads or writes memory is an error naming
    it: it would dereference a device pointer on the CPU.
  }];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect",
  ];
}

def LLMOutlineKernelLinears
    : Pass<"llm-outline-kernel-linears", "::mlir::ModuleOp"> {
  let summary = "Move the linears the CUDA int4 kernels can run into functions";
  let description = [{
    First half of the library-kernel path (docs/cuda.md). Each `llm.linear`
    with a canonical int4 weight (no act-order, no bias, f16 scales, group
    size a power of two >= 32, columns a multiple of 32, f32 or f16
    activations) becomes a call of a private function, one per shape, that
    holds the same linear and writes it into a destination argument:
    ```mlir
    %y = func.call @qf_int4_linear_384x1024_g128_asym_t1(%x, %w, %empty)
    ```
    The function survives bufferization as a boundary whose arguments are
    the weight's canonical parts; `llm-launch-kernel-linears` then replaces
    its body with launches of codegen/CUDA/kernels/int4_matmul.mlir.
  }];
  let dependentDialects = [
    "::mlir::tensor::TensorDialect",
  ];
}

def LLMLaunchKernelAttention
    : Pass<"llm-launch-kernel-attention", "::mlir::ModuleOp"> {
  let summary = "Run one-token attention reads with the library kernel";
  let description = [{
    After bufferization, every function that
    `convert-llm-to-linalg{outline-attention}` made (marked
    `qf.kernel_attention`; arguments query, cache, layer, start position,
    scale and the output buffer) gets a branch at its start: for one query
    token, a `gpu.launch_func` of `decode_attention_f16` from
    codegen/CUDA/kernels/attention.mlir (grid: the query heads, block 256;
    the `gpu.module @quantforge_attention` is added once); otherwise the
    generic code the function holds. A static single token keeps only the
    launch. The kernel takes an f16 cache, f32 query and output and head
    dims 32, 64, 128 or 256; other functions are left as they are. It
    replaces the ~12 kernels of the generic read (scores, mask, softmax
    steps, weighted sum) of every decode layer.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def LLMLaunchKernelLinears
    : Pass<"llm-launch-kernel-linears", "::mlir::ModuleOp"> {
  let summary = "Run the outlined int4 linears with the library kernels";
  let description = [{
    Second half (after bufferization, before the linalg ops become loops):
    the body of every function `llm-outline-kernel-linears` made is replaced
    by `gpu.launch_func`s of the kernels of
    codegen/CUDA/kernels/int4_matmul.mlir (compiled into the pass; the
    `gpu.module @quantforge_int4` is added to the module once, keeping only
    the kernels launched and the functions they call), with the
    grids and blocks of codegen/CUDA/kernels/README.md:
    - one token (decode): `gemv_int4` (grid ceil(R/8), block 64), or
      `gemv_int4_splitk` (grid ceil(R/4), block 128) for more than
      `splitk-cols` columns;
    - a dynamic number of tokens T: T == 1 as above; T a multiple of 8 with
      columns a multiple of 128 and groups >= 128: `gemm_int4_n{64,32,16,8}`
      (the largest tile dividing T; grid (ceil(R/16), T/n), block 256);
      otherwise the generic linalg code the function already holds.
    Activations are rounded to f16 for the kernels and their f16 outputs
    widened back, by linalg ops that take the ordinary path. Symmetric
    weights pass their values as the (unread) zero buffer with
    `has_zeros = 0`.
  }];
  let options = [
    Option<"splitKCols", "splitk-cols", "int64_t", /*default=*/"8192",
           "Use gemv_int4_splitk above this many columns">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def LLMGPUDependentLaunch
    : Pass<"llm-gpu-dependent-launch", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Make every kernel safe for programmatic dependent launch";
  let description = [{
    The runtime launches the kernels of an sm_90 (or newer) executable with
    programmatic dependent launch (docs/cuda.md): a kernel may be scheduled
    while the one before it in the stream still runs, once every block of
    that one has executed `griddepcontrol.launch_dependents`, and must wait
    in `griddepcontrol.wait` for its completion and memory before touching
    anything it may have written. For each kernel of a `gpu.module` whose
    `#nvvm.target` chip is sm_90 or newer, this pass inserts at the entry
    `nvvm.griddepcontrol launch_dependents`, `nvvm.griddepcontrol wait` and
    a memory-clobbering inline asm (LLVM models the wait as touching no
    memory, so loads could otherwise move above it), unless the kernel
    already waits itself, directly or in a function it calls (the library
    kernels of codegen/CUDA/kernels request their weights before waiting).
    For older chips, or a module without an NVVM target, the `griddepcontrol`
    ops are removed: they do not exist there, and the runtime launches such
    executables plainly.
    Example (sm_90):
    ```mlir
    gpu.func @k(...) kernel {
      nvvm.griddepcontrol launch_dependents
      nvvm.griddepcontrol wait
      llvm.inline_asm has_side_effects "", "~{memory}" : () -> ()
      ...
    ```
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect",
    "::mlir::NVVM::NVVMDialect",
  ];
}

#endif // QUANTFORGE_CODEGEN_CUDA_PASSES_TD
