//===- Pipelines.cpp - named QuantForge pass pipelines --------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Pipelines/Pipelines.h"

#include "passes/Conversion/Passes.h"
#include "passes/Quant/Passes.h"
#include "passes/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void quantforge::buildLLMOptimizePipeline(
    OpPassManager &pm, const LLMOptimizePipelineOptions &options) {
  if (options.fuseActivations)
    pm.addPass(createLLMFuseSwiGLU());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // After fusion and CSE: the fold looks for llm.swiglu and for the linears
  // that share one norm.
  if (options.foldActOrder && !options.actOrderOutput.empty()) {
    LLMFoldActOrderOptions fold;
    fold.output = options.actOrderOutput;
    pm.addPass(createLLMFoldActOrder(fold));
  }
}

void quantforge::buildLLMBindPipeline(OpPassManager &pm) {
  pm.addPass(createInlinerPass());
  pm.addPass(createSymbolDCEPass());
  pm.addPass(createLLMBindParameters());
}

void quantforge::buildLLMToLinalgPipeline(
    OpPassManager &pm, const LLMToLLVMPipelineOptions &options) {
  ConvertLLMToLinalgOptions lowering;
  lowering.outlineAttention = options.outlineAttention;
  pm.addPass(createConvertLLMToLinalg(lowering));
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  if (options.fuseElementwise)
    pm.addPass(createLLMFuseElementwise());
  pm.addPass(createCSEPass());
  if (options.splitReductions)
    pm.addNestedPass<func::FuncOp>(createLLMSplitReductions());
  // Without these, bufferization copies: a fill shared by many reductions
  // into each one's buffer, and each new KV-cache entry from a temporary
  // into the cache (empty-tensor elimination has the op write the cache's
  // slice itself). On a GPU every copy is a kernel.
  pm.addPass(createLLMUnshareFills());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());

  // Function boundaries bufferize too, with plain row-major layouts: the
  // runtime passes contiguous buffers.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Private functions (the CUDA target's outlined linears) write into an
  // argument; their result is that argument and goes.
  pm.addPass(bufferization::createDropEquivalentBufferResultsPass());
  pm.addPass(createLLMCopiesToLinalg());
  // The cache comes back as the argument it was passed in: drop that result
  // (no copy), and return the logits through a caller-provided buffer.
  pm.addPass(createLLMDropReturnedArguments());
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  pm.addPass(createCanonicalizerPass());
  bufferization::buildBufferDeallocationPipeline(pm);
}

void quantforge::buildLLMToLLVMPipeline(
    OpPassManager &pm, const LLMToLLVMPipelineOptions &options) {
  buildLLMBindPipeline(pm);
  buildLLMCPULoweringPipeline(pm, options);
}

void quantforge::buildLLMCPULoweringPipeline(
    OpPassManager &pm, const LLMToLLVMPipelineOptions &options) {
  buildLLMToLinalgPipeline(pm, options);
  // A paged cache's row writes (scf.forall) are too small to dispatch.
  pm.addNestedPass<func::FuncOp>(createForallToForLoopPass());
  // Parallel dimensions become scf.parallel, run by the runtime's threads
  // through qf_parallel_for; reduction dimensions stay serial loops, their
  // accumulators in registers.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createLLMPromoteReductionAccumulators());
  pm.addPass(createLLMDispatchParallelLoops());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  // aligned_alloc instead of malloc plus pointer arithmetic: the arithmetic
  // goes through inttoptr, which hides from LLVM that distinct buffers do
  // not alias, and then no kernel loop gets vectorized.
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useAlignedAlloc = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createLLMEmitABIWrappers());
}

void quantforge::registerPipelines() {
  PassPipelineRegistration<LLMOptimizePipelineOptions>(
      "llm-optimize",
      "Clean up an llm module before quantization: fuse activations, "
      "canonicalize, CSE (weights referenced twice collapse to one), fold "
      "imported act-order weights (with act-order-output)",
      buildLLMOptimizePipeline);
  PassPipelineRegistration<LLMToLLVMPipelineOptions>(
      "llm-lower-to-llvm",
      "Lower an llm module to the LLVM dialect for the host CPU, with the "
      "runtime's packed entry points (docs/artifact-and-abi.md)",
      buildLLMToLLVMPipeline);
}
