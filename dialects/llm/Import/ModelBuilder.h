//===- ModelBuilder.h - build an llm module from a model config --*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Every importer (Hugging Face, GGUF) describes the decoder the same way: a
// qf::ModelConfig plus a WeightSource that says where each weight lives and
// what type it has. ModelBuilder turns the two into the canonical module:
// archives, a private @forward over a run of tokens, and the @prefill and
// @decode entry points.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_DIALECTS_LLM_IMPORT_MODELBUILDER_H
#define QUANTFORGE_DIALECTS_LLM_IMPORT_MODELBUILDER_H

#include "dialects/llm/IR/LLMTypes.h"
#include "runtime/model/ModelConfig.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>
#include <vector>

namespace quantforge::llm {

/// A parameter file the module declares as `llm.param_archive`.
struct ArchiveDecl {
  std::string symbol;
  ArchiveFormat format;
  std::string path;
};

/// Where one weight lives: archive symbol, key inside it, and its IR type.
struct WeightRef {
  std::string archive;
  std::string key;
  mlir::Type type;
};

/// The checkpoint side of an import. Weights are asked for by their Hugging
/// Face names (`model.layers.3.mlp.up_proj.weight`); a source for another
/// format maps the names.
class WeightSource {
public:
  virtual ~WeightSource() = default;
  virtual std::vector<ArchiveDecl> archives() const = 0;
  /// True if the checkpoint holds the weight `name` in some form.
  virtual bool contains(const std::string &name) const = 0;
  /// Resolves `name`, whose shape the config implies ([out, in] for
  /// matrices, [n] for vectors). On mismatch or absence, reports an error
  /// naming the file, the tensor and the problem through `emitError` and
  /// returns failure.
  virtual mlir::FailureOr<WeightRef>
  resolve(mlir::MLIRContext *context, const std::string &name,
          llvm::ArrayRef<int64_t> shape) = 0;
  /// True if the checkpoint's q/k weights expect Meta's interleaved rotary
  /// pairs (GGUF llama), false for Hugging Face's rotate_half.
  virtual bool interleavedRope() const { return false; }
};

struct ModelBuildOptions {
  /// KV cache capacity in tokens; 0 means min(max_position_embeddings, 4096).
  int64_t maxSeq = 0;
  /// Element type of the imported KV cache (f32 keeps the float32 reference
  /// numbers; KV-cache lowering narrows it).
  std::string kvCacheType = "f32";
};

/// Builds the module, or reports errors through the context's diagnostic
/// handler and returns null.
mlir::OwningOpRef<mlir::ModuleOp>
buildModelModule(mlir::MLIRContext *context, const qf::ModelConfig &config,
                 WeightSource &weights, const ModelBuildOptions &options);

} // namespace quantforge::llm

#endif // QUANTFORGE_DIALECTS_LLM_IMPORT_MODELBUILDER_H
