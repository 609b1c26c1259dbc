//===- TargetBackend.h - the interface every code generator implements -*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A target turns a bound llm module (weights are entry-point arguments, see
// llm-bind-parameters) into executables the runtime's driver for that device
// loads. CPU, CUDA, HIP and Vulkan each implement this once, in
// codegen/<Target>/, and register themselves; quant-compile picks one by
// name (--target).
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_CODEGEN_TARGET_TARGETBACKEND_H
#define QUANTFORGE_CODEGEN_TARGET_TARGETBACKEND_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <memory>
#include <string>
#include <vector>

namespace quantforge::codegen {

/// Compiled code in the form a runtime driver loads.
struct Executable {
  /// The artifact's target string, e.g. "cpu-x86_64".
  std::string target;
  /// The artifact's format string, e.g. "elf-shared-object".
  std::string format;
  std::vector<uint8_t> bytes;
  /// Its kernels wait for their prerequisites themselves, so the runtime may
  /// launch them with programmatic dependent launch.
  bool programmaticLaunch = false;
};

/// Settings from quant-compile's command line that only some targets take.
struct TargetOptions {
  /// GPU architecture, e.g. "sm_90"; empty for the target's default.
  std::string gpuArch;
  /// GPU code format, e.g. "cubin" or "ptx"; empty for the target's default.
  std::string gpuFormat;
};

class TargetBackend {
public:
  virtual ~TargetBackend() = default;
  /// The --target name.
  virtual llvm::StringRef name() const = 0;
  /// A copy of this target with `options` (some set) applied, or null with
  /// `error` set when they do not apply. Targets without settings reject
  /// any.
  virtual std::unique_ptr<TargetBackend>
  configure(const TargetOptions &options, std::string &error) const;
  /// Passes from a bound llm module (after llm-bind-parameters) to the
  /// target's dialects, ready for serialize().
  virtual void buildLoweringPipeline(mlir::OpPassManager &pm) const = 0;
  /// Produces the executable; reports errors on the module.
  virtual mlir::FailureOr<Executable> serialize(mlir::ModuleOp module) const = 0;
  /// The scale type of quantized weights when quant-compile is not told
  /// (--scale-type): the one this target's fastest kernels read.
  virtual llvm::StringRef defaultScaleType() const { return "f32"; }
  /// Prints the last textual form before binary code (optimized LLVM IR for
  /// the CPU, PTX for CUDA): what quant-compile --emit=target-ir shows.
  virtual mlir::LogicalResult printTargetIR(mlir::ModuleOp module,
                                            llvm::raw_ostream &os) const = 0;
};

/// Registers a backend under its name (done once per process, by
/// registerAllTargets()).
void registerTargetBackend(std::unique_ptr<TargetBackend> backend);
/// The backend called `name`, or null.
const TargetBackend *lookupTargetBackend(llvm::StringRef name);
/// Names of every registered backend, for --help and error messages.
std::vector<std::string> registeredTargetNames();

} // namespace quantforge::codegen

#endif // QUANTFORGE_CODEGEN_TARGET_TARGETBACKEND_H
