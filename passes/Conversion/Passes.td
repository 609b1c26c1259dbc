//===- Passes.td - conversions out of the llm dialect ------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_PASSES_CONVERSION_PASSES_TD
#define QUANTFORGE_PASSES_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertLLMToLinalg : Pass<"convert-llm-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower llm ops to linalg, tensor, arith and math";
  let description = [{
    Rewrites every llm op into upstream ops on tensors, so that the upstream
    bufferization and code generation pipelines take over:
    - `llm.linear` becomes one `linalg.generic` contraction whose body widens
      the stored weight element (bf16/f16) to f32, so no converted copy of a
      weight is ever materialized; a bias is a second elementwise generic.
    - `llm.rms_norm`: a reduction generic (sum of squares) and an elementwise
      generic; `llm.rope`: one generic with the inverse frequencies (rope
      scaling applied) as a constant; `llm.swiglu` / `llm.silu`: elementwise.
    - `llm.embedding`: a gather generic (ids are clamped to the vocabulary;
      the runtime rejects out-of-range ids before calling).
    - `llm.attention`: the new keys and values are inserted into the cache
      (`tensor.insert_slice` at `start_pos`), then scores, causal / sliding
      window mask, softmax and the weighted sum of values, with grouped-query
      heads read through `h floordiv (heads / kv_heads)` indexing maps.
    - `!llm.kv_cache<LxHxTxDxE>` becomes `tensor<Lx2xHxTxDxE>` (keys then
      values) in function signatures, calls and returns. A cache with scales
      adds a `tensor<Lx2xHxTxS>` of scales; the paged layout is a pool
      `tensor<?xLx2xHxBxDxE>` (with its scales) and a block table
      `tensor<T/B x i32>` (docs/kv-cache.md). i8 and f8E4M3FN caches are
      quantized when tokens are appended (per token and head scales, fp8
      encoded with integer arithmetic) and dequantized inside the attention
      contractions; f8E4M3FN is stored as its i8 bits.
    Quantized weights (`!llm.qweight`) are not lowered by this pass yet; it
    fails with an error naming the op.

    With `outline-attention` (the CUDA target), an attention over a
    contiguous cache without scales reads its history in a call: the scores,
    mask, softmax and weighted sum move into a private function, one per
    shape and shared by all layers, marked `qf.kernel_attention`:
    ```mlir
    %o = func.call @qf_attention_4x32_kv2x4x1024_f16_f32f32(%q, %cache, %layer,
        %start, %scale, %empty)
    ```
    The new rows are appended before the call, as without the option;
    `llm-launch-kernel-attention` later runs one-token calls on a library
    kernel.
  }];
  let options = [
    Option<"outlineAttention", "outline-attention", "bool", /*default=*/"false",
           "Move attention reads into functions (for library kernels)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def LLMFuseElementwise : Pass<"llm-fuse-elementwise"> {
  let summary = "Fuse elementwise linalg ops without recomputation";
  let description = [{
    Upstream's elementwise fusion also pulls an elementwise producer into a
    consumer with reduction loops, where its body then runs once per
    reduction step: softmax's exp inside the attention-times-values
    contraction runs head_dim times per score, SwiGLU inside the down
    projection once per output feature. This pass applies the same rewrite
    only when the consumer is itself elementwise (all loops parallel), so
    chains such as residual add, norm scaling, rope and activations become
    one kernel and nothing is computed twice.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def LLMSplitReductions : Pass<"llm-split-reductions", "::mlir::func::FuncOp"> {
  let summary = "Split long reductions over lanes for the GPU";
  let description = [{
    The GPU lowering runs every output element of a linalg op on one
    thread, its reduction a serial loop: an RMSNorm's sum of squares over
    the hidden size is one thread's loop over thousands of elements, a
    float linear's dot product one thread's walk along a weight row (the
    threads of a warp reading rows far apart). This pass splits a
    `linalg.generic` (on tensors) whose single reduction dimension has a
    static extent R >= `min-size` with upstream `linalg::splitReduction`
    (inner-parallel): R = (R / L) x L with L, the lanes, a power of two
    between 8 and 64 near sqrt(R) that divides R. The first op computes L
    partial results per output element, lane l summing elements l, l + L,
    ...: neighbouring threads read neighbouring elements. A second op adds
    the L partials of each output. The partial buffer holds (outputs x L)
    elements: where the number of outputs is dynamic (tokens), the split op
    runs under an `scf.if` only while that buffer stays within
    `max-partial-bytes` (decode), the original op otherwise (prefill); where
    it is static and too large, nothing is split. Ops with several
    reductions or results, or a combiner splitReduction does not know, are
    left alone. Sums are reassociated (float results change in the last
    bits).
    Example (R = 4096, L = 64): `tensor<?x4096xf32> -> tensor<?xf32>`
    becomes, for few tokens, a generic into `tensor<?x64xf32>` with
    iterators (parallel, parallel, reduction) and a generic that reduces
    its last dimension.
  }];
  let options = [
    Option<"minSize", "min-size", "int64_t", /*default=*/"256",
           "Split reductions with at least this many elements">,
    Option<"maxPartialBytes", "max-partial-bytes", "int64_t",
           /*default=*/"67108864",
           "Largest partial-result buffer a split may allocate">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def LLMPromoteReductionAccumulators
    : Pass<"llm-promote-reduction-accumulators", "::mlir::func::FuncOp"> {
  let summary = "Keep a reduction loop's accumulator in a register";
  let description = [{
    `convert-linalg-to-parallel-loops` accumulates a reduction in memory: each
    iteration of the serial loop loads the output element, adds, and stores
    it back. LLVM forwards the load but cannot sink the store out of the
    loop, because it cannot prove that the inputs do not alias the output,
    so every iteration of every GPU thread writes memory. One-shot
    bufferization guarantees that a linalg op's inputs do not alias its
    output (it copies otherwise), so this pass does what LLVM cannot: an
    `scf.for` without results whose body loads and stores one loop-invariant
    element of a memref, with no other access to that memref and no other
    write to memory in the loop, carries the element in an `iter_args`
    value instead: one load before the loop, one store after it. Applied
    innermost first, so nested reductions are promoted level by level. The
    CPU and CUDA pipelines run it after `convert-linalg-to-parallel-loops`.
    Example:
    ```mlir
    scf.for %k = %c0 to %n step %c1 {
      %a = memref.load %x[%k] : memref<?xf32>
      %acc = memref.load %y[%i] : memref<?xf32>
      %s = arith.addf %a, %acc : f32
      memref.store %s, %y[%i] : memref<?xf32>
    }
    ```
    becomes a loop yielding `%s` from `iter_args(%acc = <load of %y[%i]>)`,
    stored into `%y[%i]` after it.
  }];
  let dependentDialects = [
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def LLMFoldFillsIntoReductions
    : Pass<"llm-fold-fills-into-reductions", "::mlir::func::FuncOp"> {
  let summary = "Start reductions from their fill's constant instead of memory";
  let description = [{
    Runs on loops, after `llm-promote-reduction-accumulators`. A reduction
    into a freshly filled buffer is two outermost `scf.parallel` loops,
    so two GPU kernels: one stores the constant into every element, the
    next loads each element as its accumulator's start, reduces and stores
    it. When the fill loop covers the whole `memref.alloc` (bounds 0 to its
    sizes, step 1, stored at the induction variables), and the first loop
    after it that touches the buffer loads and stores each element exactly
    once in the same way, the load becomes the constant and the fill loop
    goes. A buffer used before the fill (through a view, say), or touched
    any other way, is left alone.

    Example:
    ```mlir
    scf.parallel (%i) = (%c0) to (%c6) step (%c1) {
      memref.store %zero, %buf[%i] : memref<6xf32>
    }
    scf.parallel (%i) = (%c0) to (%c6) step (%c1) {
      %init = memref.load %buf[%i] : memref<6xf32>
      %r = scf.for ... iter_args(%acc = %init) ...
      memref.store %r, %buf[%i] : memref<6xf32>
    }
    ```
    becomes the second loop alone, its `scf.for` starting from `%zero`.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def LLMUnshareFills : Pass<"llm-unshare-fills"> {
  let summary = "Give every destination use of a linalg.fill its own fill";
  let description = [{
    CSE merges identical fills, so one `linalg.fill` (say, the zeros every
    layer's RMSNorm sums into) becomes the destination of many ops. One-shot
    bufferization may write a buffer in place once; every other writer gets
    an allocation and a copy of the filled buffer, and on a GPU each copy
    is a kernel launch. After this pass each use has a fill of its own,
    cloned right before the user, which bufferizes in place: a fill kernel
    per reduction, no copies.

    Example:
    ```mlir
    %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<1xf32>) -> tensor<1xf32>
    %a = linalg.generic ... outs(%z : tensor<1xf32>)
    %b = linalg.generic ... outs(%z : tensor<1xf32>)
    ```
    becomes the same with a second fill feeding `%b`.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def LLMCopiesToLinalg : Pass<"llm-copies-to-linalg"> {
  let summary = "Rewrite memref.copy as linalg.copy";
  let description = [{
    Bufferization writes new cache entries with `memref.copy` into strided
    subviews, which the LLVM lowering turns into calls to MLIR's runner
    library (`memrefCopy`). Compiled artifacts must not depend on that
    library, so copies become `linalg.copy` and lower to loops like every
    other kernel.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def LLMDropReturnedArguments : Pass<"llm-drop-returned-arguments", "::mlir::ModuleOp"> {
  let summary = "Drop entry-point results that are arguments returned as they are";
  let description = [{
    After bufferization an entry point returns the KV cache buffer it was
    given (updated in place). The ABI passes the cache in and reads it back
    from the same buffer, so the result is dropped. Upstream's
    drop-equivalent-buffer-results does this for private functions only;
    entry points are public.
  }];
}

def LLMEmitABIWrappers : Pass<"llm-emit-abi-wrappers", "::mlir::ModuleOp"> {
  let summary = "Add the runtime's `void qf_<entry>(void **args)` wrappers";
  let description = [{
    Runs on the LLVM dialect, after `convert-func-to-llvm` has made the
    `_mlir_ciface_<entry>` wrappers of functions marked
    `llvm.emit_c_interface`. For every such wrapper whose function carries
    `llm.abi_entry_point`, adds `qf_<entry>(ptr %args)`: argument i is loaded
    from `args[i]`; a pointer argument (a memref descriptor) is passed as it
    is, an integer (an index) is loaded from the pointer. This is the calling
    convention of docs/artifact-and-abi.md: the runtime calls any entry point
    without knowing its arity at compile time.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def LLMDispatchParallelLoops
    : Pass<"llm-dispatch-parallel-loops", "::mlir::ModuleOp"> {
  let summary = "Run outermost scf.parallel loops on the runtime's threads";
  let description = [{
    Runs after `convert-linalg-to-parallel-loops` on bufferized code, before
    the conversion to LLVM. The runtime owns the threads (IREE style): the
    compiled code only calls

    ```c
    void qf_parallel_for(void (*body)(void *context, int64_t begin, int64_t end),
                         void *context, int64_t lo, int64_t hi);
    ```

    which runs `body` on contiguous chunks of `[lo, hi)` and returns when all
    are done. Every outermost `scf.parallel` (linalg's parallel dimensions;
    reduction dimensions are `scf.for` loops inside it) worth it becomes:
    - `@F_parallel_N_body(fields..., %begin: index, %end: index)`: the loop
      nest as `scf.for` loops, the split dimension over `[begin, end)`, every
      other dimension in full. Captured memrefs arrive as the fields of their
      descriptors so that the aligned pointer of a buffer no other capture
      can reach (a fresh allocation or a `llvm.noalias` argument) is marked
      `llvm.noalias`: without it LLVM could not keep accumulators in
      registers or vectorize.
    - `@F_parallel_N(%context: !llvm.ptr, %begin: i64, %end: i64)`: loads
      the captured values (memref descriptors, indices, scalars) from the
      context struct and calls the body.
    - at the loop: a stack context struct filled with the captured values,
      and `func.call @qf_parallel_for(@F_parallel_N, %context, %lo, %hi)`.

    The split dimension is the outermost one with a static trip count of at
    least 2 and unit step, else the outermost dynamic one: dynamic trip
    counts are token counts, which are 1 in decode. A loop is worth
    dispatching when its estimated work (operations of one iteration, nested
    loops multiplied out with a dynamic trip count counted as 64, times the
    iterations of every dimension) reaches `min-work`. Loops below it with
    static bounds stay serial; with dynamic bounds, the call is guarded by a
    run-time test of the same estimate and the body is called directly on
    the calling thread when the work is small (decode's elementwise
    kernels). Loops not dispatched, and all loops inside a body, become
    `scf.for` nests.
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"1 << 16",
           "Estimated operations below which a loop runs on the calling "
           "thread (a dispatch costs about as much as this many)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::scf::SCFDialect",
  ];
}

#endif // QUANTFORGE_PASSES_CONVERSION_PASSES_TD
