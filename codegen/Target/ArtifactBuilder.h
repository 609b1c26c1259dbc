//===- ArtifactBuilder.h - pack a compiled model into a .qfa -----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The last step of quant-compile for every target: the bound module says
// which archive tensor each entry-point argument is (llm.parameter), the
// target produced the executable; this writes the artifact the runtime
// loads (docs/artifact-and-abi.md) through the runtime's own ArtifactWriter.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_CODEGEN_TARGET_ARTIFACTBUILDER_H
#define QUANTFORGE_CODEGEN_TARGET_ARTIFACTBUILDER_H

#include "codegen/Target/TargetBackend.h"
#include "runtime/model/ModelConfig.h"

namespace quantforge::codegen {

struct ArtifactInputs {
  /// The module after llm-bind-parameters (entry points carry
  /// llm.abi_entry_point, weights are llm.parameter arguments).
  mlir::ModuleOp boundModule;
  qf::ModelConfig config;
  /// A Hugging Face directory or a .gguf file: where the tokenizer is read.
  std::string checkpoint;
  Executable executable;
};

/// Writes the artifact to `path`; errors are reported on the module.
mlir::LogicalResult writeArtifact(const ArtifactInputs &inputs,
                                  const std::string &path);

} // namespace quantforge::codegen

#endif // QUANTFORGE_CODEGEN_TARGET_ARTIFACTBUILDER_H
