//===- Passes.td - llm graph transformations ---------------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_PASSES_TRANSFORMS_PASSES_TD
#define QUANTFORGE_PASSES_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def LLMFuseSwiGLU : Pass<"llm-fuse-swiglu"> {
  let summary = "Fuse silu(gate) * up into llm.swiglu";
  let description = [{
    Graphs imported op by op (GGUF, or a hand-written module) express the
    Llama MLP activation as `llm.silu` followed by an `arith.mulf`.  This pass
    rewrites the pair into one `llm.swiglu`, the form that lowering turns into
    a single fused elementwise kernel.  The multiplication may take the
    activation on either side; a silu with other users is kept for them.

    Example:
    ```mlir
    %a = llm.silu %gate : tensor<?x11008xf32>
    %y = arith.mulf %a, %up : tensor<?x11008xf32>
    // becomes
    %y = llm.swiglu %gate, %up : tensor<?x11008xf32>
    ```
  }];
  let dependentDialects = ["::quantforge::llm::LLMDialect"];
}

#endif // QUANTFORGE_PASSES_TRANSFORMS_PASSES_TD
