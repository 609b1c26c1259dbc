//===- Passes.h - llm graph transformations ----------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_PASSES_TRANSFORMS_PASSES_H
#define QUANTFORGE_PASSES_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace quantforge {

#define GEN_PASS_DECL
#include "passes/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Transforms/Passes.h.inc"

} // namespace quantforge

#endif // QUANTFORGE_PASSES_TRANSFORMS_PASSES_H
