//===- InitAll.h - register every QuantForge dialect and pass ----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The one place that says which dialects and passes the tools know; every
// tool (quant-opt, quant-compile, ...) calls these so they never disagree.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_TOOLS_INITALL_H
#define QUANTFORGE_TOOLS_INITALL_H

#include "dialects/llm/IR/LLMDialect.h"
#include "passes/Pipelines/Pipelines.h"
#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace quantforge {

/// Our dialects and the upstream ones a QuantForge module may contain.
inline void registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<llm::LLMDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::math::MathDialect,
                  mlir::quant::QuantDialect, mlir::tensor::TensorDialect>();
}

/// Our passes and pipelines, plus the upstream generic transformations
/// (canonicalize, cse, inline, ...) that pipelines are built from.
inline void registerAllPasses() {
  mlir::registerTransformsPasses();
  registerTransformsPasses();
  registerPipelines();
}

} // namespace quantforge

#endif // QUANTFORGE_TOOLS_INITALL_H
