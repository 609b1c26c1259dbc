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

/// Compiles `module` (LLVM dialect) for the host CPU at -O3 and links it
/// into an ELF shared object; `arch` receives the host architecture
/// ("x86_64"). GPU targets use it for their host code: the context must
/// have the translations of every dialect left in the module.
mlir::FailureOr<std::vector<uint8_t>>
compileHostSharedObject(mlir::ModuleOp module, std::string &arch);

/// The optimized LLVM IR that compileHostSharedObject would compile.
mlir::LogicalResult printHostLLVMIR(mlir::ModuleOp module,
                                    llvm::raw_ostream &os);

} // namespace quantforge::codegen

#endif // QUANTFORGE_CODEGEN_CPU_CPUTARGET_H
