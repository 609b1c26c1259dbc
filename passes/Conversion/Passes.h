//===- Passes.h - conversions out of the llm dialect -------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_PASSES_CONVERSION_PASSES_H
#define QUANTFORGE_PASSES_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace quantforge {

/// Marks the private function that `convert-llm-to-linalg{outline-attention}`
/// moves an attention's read into; holds {heads, kv_heads, head_dim, window}.
constexpr llvm::StringLiteral kKernelAttentionAttr = "qf.kernel_attention";

#define GEN_PASS_DECL
#include "passes/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Conversion/Passes.h.inc"

} // namespace quantforge

#endif // QUANTFORGE_PASSES_CONVERSION_PASSES_H
