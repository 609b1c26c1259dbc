//===- CPUTarget.h - the host CPU code generator -----------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_CODEGEN_CPU_CPUTARGET_H
#define QUANTFORGE_CODEGEN_CPU_CPUTARGET_H

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace quantforge::codegen {

/// Registers the "cpu" target: linalg -> loops -> LLVM, compiled for the
/// host CPU by LLVM and linked into an ELF shared object by lld.
void registerCPUTarget();

/// How host code is compiled. The CPU target's kernels want every feature
/// of this machine and -O3. A GPU executable's host code only sequences
/// launches: -O1 compiles a 7B model's in seconds rather than minutes
/// (the SLP vectorizer is superlinear in its one long function), and it
/// must run on whatever host drives the GPU, not only on this one.
struct HostCodeOptions {
  unsigned optLevel = 3;
  /// This machine's CPU and features, else the architecture's baseline.
  bool nativeCPU = true;
};

/// Compiles `module` (LLVM dialect) for the host architecture and links it
/// into an ELF shared object; `arch` receives the host architecture
/// ("x86_64"). GPU targets use it for their host code: the context must
/// have the translations of every dialect left in the module.
mlir::FailureOr<std::vector<uint8_t>>
compileHostSharedObject(mlir::ModuleOp module, std::string &arch,
                        const HostCodeOptions &options = {});

/// The optimized LLVM IR that compileHostSharedObject would compile.
mlir::LogicalResult printHostLLVMIR(mlir::ModuleOp module,
                                    llvm::raw_ostream &os,
                                    const HostCodeOptions &options = {});

} // namespace quantforge::codegen

#endif // QUANTFORGE_CODEGEN_CPU_CPUTARGET_H
