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
};

/// Appends the `llm-optimize` pipeline to `pm` (anchored on builtin.module).
void buildLLMOptimizePipeline(mlir::OpPassManager &pm,
                              const LLMOptimizePipelineOptions &options);

/// Registers every named pipeline with the global pass registry.
void registerPipelines();

} // namespace quantforge

#endif // QUANTFORGE_PASSES_PIPELINES_PIPELINES_H
