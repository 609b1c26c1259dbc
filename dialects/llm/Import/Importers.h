//===- Importers.h - checkpoints to llm modules ------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_DIALECTS_LLM_IMPORT_IMPORTERS_H
#define QUANTFORGE_DIALECTS_LLM_IMPORT_IMPORTERS_H

#include "dialects/llm/Import/ModelBuilder.h"

#include "llvm/Support/raw_ostream.h"

namespace quantforge::llm {

/// Imports a Hugging Face directory (config.json + safetensors, single or
/// sharded, FP or pre-quantized GPTQ/AWQ). Errors go to the context's
/// diagnostic handler and name the file, the tensor and the problem.
mlir::OwningOpRef<mlir::ModuleOp>
importHuggingFace(mlir::MLIRContext *context, const std::string &directory,
                  const ModelBuildOptions &options);

/// Imports a llama.cpp GGUF file (v2/v3; architectures llama and qwen2).
/// Block-quantized tensors (Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K) become
/// !llm.qweight with their GGUF packing; nothing is dequantized.
mlir::OwningOpRef<mlir::ModuleOp>
importGGUF(mlir::MLIRContext *context, const std::string &path,
           const ModelBuildOptions &options);

/// importGGUF for a path ending in .gguf, importHuggingFace otherwise.
mlir::OwningOpRef<mlir::ModuleOp>
importCheckpoint(mlir::MLIRContext *context, const std::string &path,
                 const ModelBuildOptions &options);

/// The hyperparameters of a checkpoint (config.json, or GGUF metadata).
qf::Result<qf::ModelConfig> loadCheckpointConfig(const std::string &path);

/// Prints one line per tensor of a Hugging Face directory:
/// `name dtype [shape] xxh64:<hex of the tensor's bytes>`. Lets tests check
/// the reader's offsets against an independent implementation.
mlir::LogicalResult printHuggingFaceChecksums(mlir::MLIRContext *context,
                                              const std::string &directory,
                                              llvm::raw_ostream &os);

} // namespace quantforge::llm

#endif // QUANTFORGE_DIALECTS_LLM_IMPORT_IMPORTERS_H
