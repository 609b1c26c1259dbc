//===- LLMOps.h - llm dialect operations -------------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_DIALECTS_LLM_IR_LLMOPS_H
#define QUANTFORGE_DIALECTS_LLM_IR_LLMOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/llm/IR/LLMDialect.h"
#include "dialects/llm/IR/LLMTypes.h"

#define GET_OP_CLASSES
#include "dialects/llm/IR/LLMOps.h.inc"

#endif // QUANTFORGE_DIALECTS_LLM_IR_LLMOPS_H
