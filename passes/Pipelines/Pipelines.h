//===- Pipelines.h - named QuantForge pass pipelines -------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Named pipelines that a user composes on the command line, e.g.
//   quant-opt model.mlir --pass-pipeline='builtin.module(llm-optimize)'
// Each takes an options struct, so a pipeline's settings are pass options too.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_PASSES_PIPELINES_PIPELINES_H
#define QUANTFORGE_PASSES_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace quantforge {

/// Graph clean-up on the llm dialect before quantization and lowering.
struct LLMOptimizePipelineOptions
    : public mlir::PassPipelineOptions<LLMOptimizePipelineOptions> {
  Option<bool> fuseActivations{
      *this, "fuse-activations",
      llvm::cl::desc("Fuse silu(gate) * up into llm.swiglu"),
      llvm::cl::init(true)};
  Option<bool> foldActOrder{
      *this, "fold-act-order",
      llvm::cl::desc("Run llm-fold-act-order on act-order weights (when "
                     "act-order-output is given)"),
      llvm::cl::init(true)};
  Option<std::string> actOrderOutput{
      *this, "act-order-output",
      llvm::cl::desc("Parameter file for the weights llm-fold-act-order "
                     "rewrites; without it act-order weights are left as "
                     "they are")};
};

/// Appends the `llm-optimize` pipeline to `pm` (anchored on builtin.module).
void buildLLMOptimizePipeline(mlir::OpPassManager &pm,
                              const LLMOptimizePipelineOptions &options);

/// Lowering of an llm module to the LLVM dialect for the host CPU.
struct LLMToLLVMPipelineOptions
    : public mlir::PassPipelineOptions<LLMToLLVMPipelineOptions> {
  Option<bool> fuseElementwise{
      *this, "fuse-elementwise",
      llvm::cl::desc("Fuse elementwise linalg ops into their producers and "
                     "consumers before bufferization"),
      llvm::cl::init(true)};
  Option<bool> splitReductions{
      *this, "split-reductions",
      llvm::cl::desc("Split long reductions over lanes (llm-split-reductions; "
                     "for GPUs, whose threads each run one output element)"),
      llvm::cl::init(false)};
  Option<bool> outlineAttention{
      *this, "outline-attention",
      llvm::cl::desc("Move attention reads into functions "
                     "(convert-llm-to-linalg{outline-attention})"),
      llvm::cl::init(false)};
};

/// Appends the `llm-lower-to-llvm` pipeline: weights become entry-point
/// arguments, llm ops become linalg, one-shot bufferization (the KV cache
/// updated in place, logits written to an out-parameter), loops, LLVM, and
/// the packed ABI wrappers. Phases can be run alone through
/// buildLLMBindPipeline / buildLLMToLinalgPipeline for debugging.
void buildLLMToLLVMPipeline(mlir::OpPassManager &pm,
                            const LLMToLLVMPipelineOptions &options);

/// Inline @forward into the entry points and bind weights to arguments.
void buildLLMBindPipeline(mlir::OpPassManager &pm);

/// From a bound module to the LLVM dialect for the host CPU.
void buildLLMCPULoweringPipeline(mlir::OpPassManager &pm,
                                 const LLMToLLVMPipelineOptions &options);

/// llm on tensors to bufferized linalg on memrefs.
void buildLLMToLinalgPipeline(mlir::OpPassManager &pm,
                              const LLMToLLVMPipelineOptions &options);

/// Registers every named pipeline with the global pass registry.
void registerPipelines();

} // namespace quantforge

#endif // QUANTFORGE_PASSES_PIPELINES_PIPELINES_H
