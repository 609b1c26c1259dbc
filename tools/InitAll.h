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

#include "codegen/CUDA/Passes.h"
#include "codegen/CUDA/Pipeline.h"
#include "dialects/llm/IR/LLMDialect.h"
#include "passes/Conversion/Passes.h"
#include "passes/KVCache/Passes.h"
#include "passes/Pipelines/Pipelines.h"
#include "passes/Quant/Passes.h"
#include "passes/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"

namespace quantforge {

/// Our dialects and every upstream dialect, with the external interface
/// models (bufferization, inlining, conversion to LLVM) that the lowering
/// pipelines rely on. A module may mix llm with any upstream dialect.
inline void registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<llm::LLMDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates kernel modules to LLVM IR.
  registerCUDATranslations(registry);
}

/// Our passes and pipelines, plus every upstream pass, so that any stage of
/// a lowering can be reproduced and bisected with quant-opt alone.
inline void registerAllPasses() {
  mlir::registerAllPasses();
  registerTransformsPasses();
  registerConversionPasses();
  registerKVCachePasses();
  registerQuantPasses();
  registerPipelines();
  registerCUDAPasses();
  registerCUDAPipelines();
}

} // namespace quantforge

#endif // QUANTFORGE_TOOLS_INITALL_H
