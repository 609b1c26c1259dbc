//===- LLMDialect.h - llm dialect --------------------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_DIALECTS_LLM_IR_LLMDIALECT_H
#define QUANTFORGE_DIALECTS_LLM_IR_LLMDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/llm/IR/LLMDialect.h.inc"

#endif // QUANTFORGE_DIALECTS_LLM_IR_LLMDIALECT_H
