//===- LLMOps.cpp - llm dialect operations --------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/IR/LLMOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace quantforge::llm;

/// Dims agree unless one of them is dynamic.
static bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// [rows, cols] of a float matrix or a quantized weight.
static std::pair<int64_t, int64_t> getMatrixShape(Type type) {
  if (auto qweight = dyn_cast<QWeightType>(type))
    return {qweight.getRows(), qweight.getCols()};
  auto tensor = cast<RankedTensorType>(type);
  return {tensor.getDimSize(0), tensor.getDimSize(1)};
}

//===----------------------------------------------------------------------===//
// ParamArchiveOp / WeightOp / DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult ParamArchiveOp::verify() {
  if (getPath().empty())
    return emitOpError("needs a non-empty path");
  return success();
}

LogicalResult WeightOp::verify() {
  if (getKey().empty())
    return emitOpError("needs a non-empty key");
  if (auto tensor = dyn_cast<RankedTensorType>(getType());
      tensor && !tensor.hasStaticShape())
    return emitOpError("weight shapes must be static, got ") << tensor;
  return success();
}

LogicalResult WeightOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto archive = symbolTable.lookupNearestSymbolFrom<ParamArchiveOp>(
      *this, getArchiveAttr());
  if (!archive)
    return emitOpError("references '")
           << getArchive() << "', which is not an llm.param_archive";
  return success();
}

LogicalResult DequantizeOp::verify() {
  QWeightType input = getInput().getType();
  ArrayRef<int64_t> shape = getResult().getType().getShape();
  if (shape[0] != input.getRows() || shape[1] != input.getCols())
    return emitOpError("result shape must be ")
           << input.getRows() << "x" << input.getCols();
  return success();
}

//===----------------------------------------------------------------------===//
// EmbeddingOp
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::verify() {
  int64_t hidden = getMatrixShape(getTable().getType()).second;
  RankedTensorType result = getResult().getType();
  int64_t numTokens = getTokens().getType().getDimSize(0);
  if (!dimsCompatible(result.getDimSize(0), numTokens))
    return emitOpError("result has ")
           << result.getDimSize(0) << " rows for " << numTokens << " tokens";
  if (!dimsCompatible(result.getDimSize(1), hidden))
    return emitOpError("result width ")
           << result.getDimSize(1) << " differs from the table's " << hidden;
  return success();
}

/// A permutation of `features` features has `features` elements.
static LogicalResult verifyPermutation(Operation *op, Value permutation,
                                       int64_t features) {
  int64_t size = cast<RankedTensorType>(permutation.getType()).getDimSize(0);
  if (!dimsCompatible(size, features))
    return op->emitOpError("permutation has ")
           << size << " elements for " << features << " features";
  return success();
}

//===----------------------------------------------------------------------===//
// RMSNormOp
//===----------------------------------------------------------------------===//

LogicalResult RMSNormOp::verify() {
  RankedTensorType input = getInput().getType();
  if (input.getRank() < 1)
    return emitOpError("input must have at least one dimension");
  int64_t hidden = input.getDimSize(input.getRank() - 1);
  int64_t weightSize = getWeight().getType().getDimSize(0);
  if (!dimsCompatible(hidden, weightSize))
    return emitOpError("weight has ")
           << weightSize << " elements but the normalized dimension has "
           << hidden;
  if (getEpsilon().convertToDouble() <= 0.0)
    return emitOpError("epsilon must be positive");
  if (Value permutation = getPermutation())
    return verifyPermutation(*this, permutation, hidden);
  return success();
}

//===----------------------------------------------------------------------===//
// PermuteOp
//===----------------------------------------------------------------------===//

LogicalResult PermuteOp::verify() {
  RankedTensorType input = getInput().getType();
  if (input.getRank() < 1)
    return emitOpError("input must have at least one dimension");
  return verifyPermutation(*this, getPermutation(),
                           input.getDimSize(input.getRank() - 1));
}

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::verify() {
  RankedTensorType input = getInput().getType();
  RankedTensorType result = getResult().getType();
  auto [outFeatures, inFeatures] = getMatrixShape(getWeight().getType());
  if (input.getRank() < 1)
    return emitOpError("input must have at least one dimension");
  if (result.getRank() != input.getRank())
    return emitOpError("result rank ")
           << result.getRank() << " differs from input rank "
           << input.getRank();
  if (result.getElementType() != input.getElementType())
    return emitOpError("result element type must match the input's");
  int64_t last = input.getRank() - 1;
  if (!dimsCompatible(input.getDimSize(last), inFeatures))
    return emitOpError("input has ")
           << input.getDimSize(last) << " features but the weight expects "
           << inFeatures;
  for (int64_t i = 0; i < last; ++i)
    if (!dimsCompatible(input.getDimSize(i), result.getDimSize(i)))
      return emitOpError("result dim ") << i << " differs from the input's";
  if (!dimsCompatible(result.getDimSize(last), outFeatures))
    return emitOpError("result has ")
           << result.getDimSize(last) << " features but the weight produces "
           << outFeatures;
  if (getBias() && !dimsCompatible(getBias().getType().getDimSize(0),
                                   outFeatures))
    return emitOpError("bias has ")
           << getBias().getType().getDimSize(0)
           << " elements but the weight produces " << outFeatures;
  return success();
}

//===----------------------------------------------------------------------===//
// RotaryEmbeddingOp
//===----------------------------------------------------------------------===//

LogicalResult RotaryEmbeddingOp::verify() {
  RankedTensorType input = getInput().getType();
  if (input.getRank() != 3)
    return emitOpError("input must be [seq, heads, head_dim], got rank ")
           << input.getRank();
  int64_t headDim = input.getDimSize(2);
  if (!ShapedType::isDynamic(headDim) && headDim % 2 != 0)
    return emitOpError("head_dim must be even, got ") << headDim;
  int64_t numPositions = getPositions().getType().getDimSize(0);
  if (!dimsCompatible(input.getDimSize(0), numPositions))
    return emitOpError("has ") << numPositions << " positions for "
                               << input.getDimSize(0) << " tokens";
  if (getTheta().convertToDouble() <= 0.0)
    return emitOpError("theta must be positive");
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::verify() {
  RankedTensorType query = getQuery().getType();
  RankedTensorType key = getKey().getType();
  KVCacheType cache = getCache().getType();
  if (query.getRank() != 3 || key.getRank() != 3)
    return emitOpError("query, key and value must be [seq, heads, head_dim]");
  if (!dimsCompatible(query.getDimSize(0), key.getDimSize(0)))
    return emitOpError("query has ")
           << query.getDimSize(0) << " tokens but key/value have "
           << key.getDimSize(0);
  int64_t heads = query.getDimSize(1), kvHeads = key.getDimSize(1);
  if (ShapedType::isDynamic(heads) || ShapedType::isDynamic(kvHeads))
    return emitOpError("head counts must be static");
  if (heads % kvHeads != 0)
    return emitOpError("query heads (")
           << heads << ") must be a multiple of key/value heads (" << kvHeads
           << ")";
  if (kvHeads != cache.getKvHeads())
    return emitOpError("key/value have ")
           << kvHeads << " heads but the cache holds " << cache.getKvHeads();
  for (RankedTensorType type : {query, key})
    if (!dimsCompatible(type.getDimSize(2), cache.getHeadDim()))
      return emitOpError("head_dim ")
             << type.getDimSize(2) << " differs from the cache's "
             << cache.getHeadDim();
  if (!ShapedType::isDynamic(query.getDimSize(0)) &&
      query.getDimSize(0) > cache.getMaxSeq())
    return emitOpError("appends ")
           << query.getDimSize(0) << " tokens to a cache of "
           << cache.getMaxSeq();
  if (static_cast<int64_t>(getLayer()) >= cache.getLayers())
    return emitOpError("layer ") << getLayer() << " is outside the cache's "
                                 << cache.getLayers() << " layers";
  if (std::optional<int64_t> window = getSlidingWindow(); window && *window <= 0)
    return emitOpError("sliding_window must be positive");
  if (std::optional<APFloat> scale = getScale();
      scale && scale->convertToDouble() <= 0.0)
    return emitOpError("scale must be positive");
  return success();
}

#define GET_OP_CLASSES
#include "dialects/llm/IR/LLMOps.cpp.inc"
