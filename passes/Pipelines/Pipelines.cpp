//===- Pipelines.cpp - named QuantForge pass pipelines --------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Pipelines/Pipelines.h"

#include "passes/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void quantforge::buildLLMOptimizePipeline(
    OpPassManager &pm, const LLMOptimizePipelineOptions &options) {
  if (options.fuseActivations)
    pm.addPass(createLLMFuseSwiGLU());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void quantforge::registerPipelines() {
  PassPipelineRegistration<LLMOptimizePipelineOptions>(
      "llm-optimize",
      "Clean up an llm module before quantization: fuse activations, "
      "canonicalize, CSE (weights referenced twice collapse to one)",
      buildLLMOptimizePipeline);
}
