//===- Passes.h - weight quantization passes ---------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_PASSES_QUANT_PASSES_H
#define QUANTFORGE_PASSES_QUANT_PASSES_H

#include "dialects/llm/IR/LLMDialect.h"
#include "mlir/Pass/Pass.h"

namespace quantforge {

#define GEN_PASS_DECL
#include "passes/Quant/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Quant/Passes.h.inc"

} // namespace quantforge

#endif // QUANTFORGE_PASSES_QUANT_PASSES_H
