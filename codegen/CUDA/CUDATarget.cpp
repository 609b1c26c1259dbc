//===- CUDATarget.cpp - the NVIDIA GPU code generator ---------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// One executable holds everything: the entry points are host functions (as
// on the CPU) whose kernels are `gpu.launch_func`s; each kernel's module is
// embedded by upstream's gpu.binary translation, loaded by a constructor and
// launched through the `mgpu*` functions that the runtime's CUDA driver
// exports (runtime/driver/cuda). No CUDA library is linked at compile time;
// only ptxas (for cubin) and libdevice come from the CUDA toolkit.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/CUDATarget.h"

#include "codegen/CPU/CPUTarget.h"
#include "codegen/CUDA/Pipeline.h"
#include "codegen/Target/TargetBackend.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstdlib>

using namespace mlir;
using namespace quantforge;
using namespace quantforge::codegen;

namespace {

/// Architectures with the instructions the kernels use, that CUDA 12 and 13
/// still compile for.
constexpr llvm::StringLiteral kChips[] = {"sm_80", "sm_86", "sm_89", "sm_90",
                                          "sm_90a"};

/// The CUDA toolkit: $CUDA_HOME, else /usr/local/cuda.
std::string toolkitPath() {
  const char *home = std::getenv("CUDA_HOME");
  return home && *home ? home : "/usr/local/cuda";
}

class CUDATarget : public TargetBackend {
public:
  llvm::StringRef name() const override { return "cuda"; }
  /// The int4 library kernels (codegen/CUDA/kernels) read f16 scales; a
  /// weight with f32 scales keeps the naive lowering.
  llvm::StringRef defaultScaleType() const override { return "f16"; }

  std::unique_ptr<TargetBackend> configure(const TargetOptions &options,
                                           std::string &error) const override {
    auto configured = std::make_unique<CUDATarget>(*this);
    if (!options.gpuArch.empty()) {
      if (!llvm::is_contained(kChips, options.gpuArch)) {
        error = "unknown --gpu-arch '" + options.gpuArch +
                "' for target 'cuda' (supported:";
        for (llvm::StringRef chip : kChips)
          error += " " + chip.str();
        error += ")";
        return nullptr;
      }
      configured->chip = options.gpuArch;
    }
    if (!options.gpuFormat.empty()) {
      if (options.gpuFormat != "cubin" && options.gpuFormat != "ptx") {
        error = "unknown --gpu-format '" + options.gpuFormat +
                "' for target 'cuda' (supported: cubin ptx)";
        return nullptr;
      }
      configured->ptx = options.gpuFormat == "ptx";
    }
    return configured;
  }

  void buildLoweringPipeline(OpPassManager &pm) const override {
    LLMToCUDAPipelineOptions options;
    options.chip = chip;
    buildLLMCUDALoweringPipeline(pm, options);
  }

  FailureOr<Executable> serialize(ModuleOp module) const override {
    if (failed(serializeKernels(module, ptx ? "isa" : "bin")))
      return failure();
    std::string arch;
    FailureOr<std::vector<uint8_t>> bytes = compileHostSharedObject(
        module, arch, {/*optLevel=*/1, /*nativeCPU=*/false});
    if (failed(bytes))
      return failure();
    Executable executable;
    // The driver runs a cubin on its architecture alone, PTX on any at
    // least as new (docs/cuda.md).
    executable.target = (ptx ? "cuda-ptx-" : "cuda-") + chip;
    executable.format = "elf-shared-object";
    executable.bytes = std::move(*bytes);
    // llm-gpu-dependent-launch made every kernel wait for its prerequisites.
    executable.programmaticLaunch = chipHasDependentLaunch(chip);
    return executable;
  }

  /// The PTX of every kernel module, whatever the format.
  LogicalResult printTargetIR(ModuleOp module,
                              llvm::raw_ostream &os) const override {
    if (failed(serializeKernels(module, "isa")))
      return failure();
    for (auto binary : module.getOps<gpu::BinaryOp>())
      for (auto object : binary.getObjects().getAsRange<gpu::ObjectAttr>())
        os << "// gpu.module @" << binary.getSymName() << "\n"
           << object.getObject().getValue() << "\n";
    return success();
  }

private:
  /// Replaces the gpu.modules by gpu.binary ops holding `format` ("isa":
  /// PTX, "bin": cubin).
  LogicalResult serializeKernels(ModuleOp module,
                                 llvm::StringRef format) const {
    std::string toolkit = toolkitPath();
    if (format == "bin") {
      llvm::SmallString<128> ptxas(toolkit);
      llvm::sys::path::append(ptxas, "bin", "ptxas");
      if (!llvm::sys::fs::can_execute(ptxas))
        return emitError(module.getLoc())
               << "cubin needs ptxas, not found at " << ptxas
               << " (set CUDA_HOME to the CUDA toolkit, or use "
                  "--gpu-format=ptx)";
    }
    DialectRegistry registry;
    registerCUDATranslations(registry);
    module.getContext()->appendDialectRegistry(registry);
    PassManager pm(module.getContext());
    GpuModuleToBinaryPassOptions options;
    options.toolkitPath = toolkit;
    options.compilationTarget = format.str();
    pm.addPass(createGpuModuleToBinaryPass(options));
    return pm.run(module);
  }

  std::string chip = "sm_90";
  bool ptx = false;
};

} // namespace

void quantforge::codegen::registerCUDATarget() {
  registerTargetBackend(std::make_unique<CUDATarget>());
}
