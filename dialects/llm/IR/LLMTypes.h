//===- LLMTypes.h - llm dialect types and attributes -------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_DIALECTS_LLM_IR_LLMTYPES_H
#define QUANTFORGE_DIALECTS_LLM_IR_LLMTYPES_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"

#include "dialects/llm/IR/LLMEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/llm/IR/LLMAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/llm/IR/LLMTypes.h.inc"

#endif // QUANTFORGE_DIALECTS_LLM_IR_LLMTYPES_H
