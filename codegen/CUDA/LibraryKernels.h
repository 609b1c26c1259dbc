//===- LibraryKernels.h - launching codegen/CUDA/kernels ---------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// What the passes that replace outlined functions with launches of the
// hand-written kernels (llm-launch-kernel-linears, -attention) share: the
// kernels' gpu.module parsed from its embedded source, their 1-D memref
// ABI, and the branch between a kernel and the function's generic code.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_CODEGEN_CUDA_LIBRARYKERNELS_H
#define QUANTFORGE_CODEGEN_CUDA_LIBRARYKERNELS_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"

namespace quantforge {

/// The gpu.module `name` of the kernel source `source` (a file of
/// codegen/CUDA/kernels, named `fileName` in parse errors), added to
/// `module` once. Null, with an error on `module`, if it does not parse.
mlir::gpu::GPUModuleOp importKernelModule(mlir::ModuleOp module,
                                          llvm::StringRef source,
                                          llvm::StringRef name,
                                          llvm::StringRef fileName);

/// Keeps only the kernels of `kernels` that some launch uses, and the
/// helpers they call (each kernel left costs ptxas time and artifact
/// bytes); erases the module if nothing is launched.
void eraseUnlaunchedKernels(mlir::ModuleOp module, mlir::gpu::GPUModuleOp kernels);

/// `buffer` (any rank, row-major) as the memref<?xT> the kernels take.
mlir::Value flatBuffer(mlir::OpBuilder &b, mlir::Location loc, mlir::Value buffer);

/// An `scf.if condition` at the start of `body` whose else block receives
/// everything that followed it (the function's generic code); the caller
/// fills the then block with launches.
mlir::scf::IfOp branchBeforeGenericCode(mlir::OpBuilder &b, mlir::Location loc,
                                        mlir::Block &body, mlir::Value condition);

} // namespace quantforge

#endif // QUANTFORGE_CODEGEN_CUDA_LIBRARYKERNELS_H
