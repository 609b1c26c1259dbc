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
    loops are left to be sequential inside the kernel.

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

#endif // QUANTFORGE_CODEGEN_CUDA_PASSES_TD
