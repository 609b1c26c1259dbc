//===- Pipeline.h - the CUDA lowering pipeline ------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_CODEGEN_CUDA_PIPELINE_H
#define QUANTFORGE_CODEGEN_CUDA_PIPELINE_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace quantforge {

struct LLMToCUDAPipelineOptions
    : public mlir::PassPipelineOptions<LLMToCUDAPipelineOptions> {
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("GPU architecture (sm_80, sm_90)"),
                           llvm::cl::init("sm_90")};
  Option<std::string> features{*this, "features",
                               llvm::cl::desc("PTX ISA version feature"),
                               llvm::cl::init("+ptx80")};
  Option<unsigned> optLevel{*this, "opt-level",
                            llvm::cl::desc("NVPTX optimization level"),
                            llvm::cl::init(3)};
  Option<int64_t> blockSize{*this, "block-size",
                            llvm::cl::desc("Threads per block"),
                            llvm::cl::init(256)};
  Option<bool> fuseElementwise{
      *this, "fuse-elementwise",
      llvm::cl::desc("Fuse elementwise linalg ops before bufferization"),
      llvm::cl::init(true)};
  Option<bool> libraryKernels{
      *this, "library-kernels",
      llvm::cl::desc("Run int4 linears and decode attention with "
                     "codegen/CUDA/kernels (llm-outline-kernel-linears, "
                     "llm-launch-kernel-linears, outline-attention, "
                     "llm-launch-kernel-attention)"),
      llvm::cl::init(true)};
  Option<bool> splitReductions{
      *this, "split-reductions",
      llvm::cl::desc("Split long reductions over lanes "
                     "(llm-split-reductions)"),
      llvm::cl::init(true)};
};

/// From a bound module (after llm-bind-parameters) to host code in the LLVM
/// dialect whose kernels are `gpu.launch_func`s of `gpu.module`s in the NVVM
/// dialect, each carrying an `#nvvm.target`. Serializing the modules
/// (gpu-module-to-binary) is left to the target, which picks PTX or cubin.
/// Whether `chip` ("sm_90", "sm_90a", "sm_100", ...) has programmatic
/// dependent launch (sm_90 and newer): llm-gpu-dependent-launch then makes
/// every kernel wait for its prerequisites.
bool chipHasDependentLaunch(llvm::StringRef chip);

void buildLLMCUDALoweringPipeline(mlir::OpPassManager &pm,
                                  const LLMToCUDAPipelineOptions &options);

/// Registers `llm-lower-to-cuda` (binding included, like llm-lower-to-llvm).
void registerCUDAPipelines();

/// The LLVM IR translations that serializing GPU modules and translating
/// host code with gpu.binary ops need.
void registerCUDATranslations(mlir::DialectRegistry &registry);

} // namespace quantforge

#endif // QUANTFORGE_CODEGEN_CUDA_PIPELINE_H
