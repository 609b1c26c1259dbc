//===- Passes.h - passes of the CUDA code generator -------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_CODEGEN_CUDA_PASSES_H
#define QUANTFORGE_CODEGEN_CUDA_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

namespace quantforge {

#define GEN_PASS_DECL
#include "codegen/CUDA/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/CUDA/Passes.h.inc"

} // namespace quantforge

#endif // QUANTFORGE_CODEGEN_CUDA_PASSES_H
