//===- Pipeline.cpp - the CUDA lowering pipeline --------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/Pipeline.h"

#include "codegen/CUDA/Passes.h"
#include "passes/Conversion/Passes.h"
#include "passes/Pipelines/Pipelines.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/NVGPUToNVVM/NVGPUToNVVM.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToGPU/SCFToGPUPass.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void quantforge::buildLLMCUDALoweringPipeline(
    OpPassManager &pm, const LLMToCUDAPipelineOptions &options) {
  // Quantized linears the library kernels can run become functions that
  // bufferize on their own and then launch those kernels.
  if (options.libraryKernels)
    pm.addPass(createLLMOutlineKernelLinears());
  LLMToLLVMPipelineOptions linalg;
  linalg.fuseElementwise = options.fuseElementwise;
  linalg.splitReductions = options.splitReductions;
  // Attention reads become functions that decode runs on one kernel.
  linalg.outlineAttention = options.libraryKernels;
  buildLLMToLinalgPipeline(pm, linalg);
  // buffer-results-to-out-params copies the logits with memref.copy, which
  // the host cannot run on device memory.
  pm.addPass(createLLMCopiesToLinalg());
  if (options.libraryKernels) {
    pm.addPass(createLLMLaunchKernelLinears());
    pm.addPass(createLLMLaunchKernelAttention());
  }

  // Every linalg op becomes one kernel: its parallel dimensions a 1-D grid,
  // its reductions serial per thread. A paged cache's row writes (an
  // scf.forall over the new tokens) become one kernel too: the block
  // table they read lives on the device.
  pm.addNestedPass<func::FuncOp>(createForallToParallelLoopPass());
  pm.addNestedPass<func::FuncOp>(createLLMReductionsInnermost());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createLLMPromoteReductionAccumulators());
  pm.addNestedPass<func::FuncOp>(createLLMFoldFillsIntoReductions());
  LLMMapParallelLoopsToGPUOptions mapping;
  mapping.blockSize = options.blockSize;
  pm.addNestedPass<func::FuncOp>(createLLMMapParallelLoopsToGPU(mapping));
  pm.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(createLLMGPUHostBuffers());
  pm.addPass(createCanonicalizerPass());
  // Canonicalization hoisted the launches' constants to the function; sunk
  // back, loop bounds and shapes are constants of each kernel, so that
  // NVPTX unrolls its short reduction loops and overlaps their loads
  // instead of waiting on one load per iteration.
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());

  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  target.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));
  // Before the lowering, while the library kernels' waits are still visible
  // through their calls.
  pm.addNestedPass<gpu::GPUModuleOp>(createLLMGPUDependentLaunch());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  // Kernels first, so that math ops become libdevice calls rather than the
  // host's LLVM intrinsics.
  // nvgpu and vector ops come from the library kernels only.
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertNVGPUToNVVMPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps());
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertVectorToLLVMPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createUBToLLVMConversionPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCSEPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());

  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createLLMEmitABIWrappers());
}

void quantforge::registerCUDAPipelines() {
  PassPipelineRegistration<LLMToCUDAPipelineOptions>(
      "llm-lower-to-cuda",
      "Lower an llm module to host LLVM dialect code that launches NVVM "
      "kernels, with the runtime's packed entry points "
      "(docs/cuda.md)",
      [](OpPassManager &pm, const LLMToCUDAPipelineOptions &options) {
        buildLLMBindPipeline(pm);
        buildLLMCUDALoweringPipeline(pm, options);
      });
}

void quantforge::registerCUDATranslations(DialectRegistry &registry) {
  registerBuiltinDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
}
