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

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"

namespace quantforge {

/// A library kernel source: its text, the gpu.module it defines and its
/// file name (for parse errors).
struct KernelLibrary {
  llvm::StringRef source, moduleName, fileName;
};

/// Runs `rewrite` on every function of `module` marked with `marker`, with
/// `library`'s gpu.module imported once; then drops the kernels no launch
/// uses (functions may keep their generic code, and libraries hold variants
/// a lowering never picks). Fails if the import or a rewrite fails.
mlir::LogicalResult launchLibraryKernels(
    mlir::ModuleOp module, llvm::StringRef marker, const KernelLibrary &library,
    llvm::function_ref<mlir::LogicalResult(mlir::func::FuncOp,
                                           mlir::gpu::GPUModuleOp)>
        rewrite);

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
