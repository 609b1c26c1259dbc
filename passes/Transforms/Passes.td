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

def LLMBindParameters : Pass<"llm-bind-parameters", "::mlir::ModuleOp"> {
  let summary = "Turn weight references into entry-point arguments";
  let description = [{
    The first step of lowering: every `llm.weight` inside an entry point
    becomes a trailing argument of that entry point, tagged with
    `llm.parameter = {archive = @symbol, key = "..."}`, so the compiled code
    receives weights from the runtime (which maps them from the artifact)
    instead of loading anything itself. Identical references share one
    argument. The entry point's `llm.entry_point` attribute becomes
    `llm.abi_entry_point`: its signature is now the executable's ABI
    (docs/artifact-and-abi.md); `llvm.emit_c_interface` is added so that
    lowering to LLVM emits the descriptor-pointer wrapper the ABI builds on.

    Entry points must not call other functions (run `inline` first); a call
    left behind is an error, since a weight used in the callee could not be
    bound.

    Example:
    ```mlir
    func.func @decode(%t: tensor<1xi32>, %p: index, %c: !llm.kv_cache<...>)
        attributes {llm.entry_point = #llm.entry_point<decode>} {
      %w = llm.weight @shard0["model.norm.weight"] : tensor<64xf32>
    // becomes
    func.func @decode(%t: tensor<1xi32>, %p: index, %c: !llm.kv_cache<...>,
        %w: tensor<64xf32> {llm.parameter = {archive = @shard0, key = "model.norm.weight"}})
        attributes {llm.abi_entry_point = #llm.entry_point<decode>, llvm.emit_c_interface} {
    ```
  }];
  let dependentDialects = ["::quantforge::llm::LLMDialect"];
}

#endif // QUANTFORGE_PASSES_TRANSFORMS_PASSES_TD
