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

#include "llvm/ADT/Hashing.h"
#include "llvm/ADT/SmallVector.h"

#include "dialects/llm/IR/LLMEnums.h.inc"

namespace quantforge::llm {

/// How keys and values of a KV-cache layer are stored: the element type and
/// the type of its per-(token, head) scales (null: none).
struct KVStorage {
  mlir::Type elementType;
  mlir::FloatType scaleType;

  bool operator==(const KVStorage &other) const {
    return elementType == other.elementType && scaleType == other.scaleType;
  }
  bool operator!=(const KVStorage &other) const { return !(*this == other); }
};

/// A layer of a mixed cache whose storage differs from the cache's default.
struct KVLayerStorage {
  int64_t layer;
  KVStorage storage;

  bool operator==(const KVLayerStorage &other) const {
    return layer == other.layer && storage == other.storage;
  }
};

inline llvm::hash_code hash_value(const KVStorage &storage) {
  return llvm::hash_combine(storage.elementType, storage.scaleType);
}
inline llvm::hash_code hash_value(const KVLayerStorage &layer) {
  return llvm::hash_combine(layer.layer, layer.storage);
}

/// The layers of a cache that share one storage, ascending; each group lowers
/// to its own arrays (docs/kv-cache.md).
struct KVStorageGroup {
  KVStorage storage;
  llvm::SmallVector<int64_t> layers;
};

} // namespace quantforge::llm

#define GET_ATTRDEF_CLASSES
#include "dialects/llm/IR/LLMAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/llm/IR/LLMTypes.h.inc"

#endif // QUANTFORGE_DIALECTS_LLM_IR_LLMTYPES_H
