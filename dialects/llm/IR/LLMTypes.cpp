//===- LLMTypes.cpp - llm dialect types and attributes --------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/IR/LLMTypes.h"
#include "dialects/llm/IR/LLMDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace quantforge::llm;

#include "dialects/llm/IR/LLMEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/llm/IR/LLMAttrs.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/llm/IR/LLMTypes.cpp.inc"

void LLMDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/llm/IR/LLMAttrs.cpp.inc"
      >();
}

void LLMDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/llm/IR/LLMTypes.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// RopeScalingAttr
//===----------------------------------------------------------------------===//

LogicalResult
RopeScalingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        RopeScalingKind kind, FloatAttr factor,
                        FloatAttr lowFreqFactor, FloatAttr highFreqFactor,
                        IntegerAttr originalMaxPosition) {
  if (factor.getValueAsDouble() <= 0.0)
    return emitError() << "rope scaling factor must be positive, got "
                       << factor.getValueAsDouble();
  bool hasLlama3Params = lowFreqFactor || highFreqFactor || originalMaxPosition;
  if (kind == RopeScalingKind::linear) {
    if (hasLlama3Params)
      return emitError() << "linear rope scaling takes only 'factor'";
    return success();
  }
  if (!lowFreqFactor || !highFreqFactor || !originalMaxPosition)
    return emitError() << "llama3 rope scaling needs low_freq_factor, "
                          "high_freq_factor and original_max_position";
  double low = lowFreqFactor.getValueAsDouble();
  double high = highFreqFactor.getValueAsDouble();
  if (low <= 0.0 || high <= low)
    return emitError() << "llama3 rope scaling needs 0 < low_freq_factor < "
                          "high_freq_factor, got "
                       << low << " and " << high;
  if (originalMaxPosition.getInt() <= 0)
    return emitError() << "original_max_position must be positive";
  return success();
}

//===----------------------------------------------------------------------===//
// QWeightType
//===----------------------------------------------------------------------===//

namespace {
/// What an ecosystem's byte layout fixes about a quantized weight.
struct PackingRule {
  unsigned bits;     // 0: any of the listed bit widths
  uint32_t bitsMask; // allowed bit widths when bits == 0 (bit i = i bits)
  int64_t groupSize; // 0: any group size
  int symmetric;     // -1: either, 0: asym, 1: sym
  int64_t colsMultiple;
};
} // namespace

static PackingRule getPackingRule(WeightPacking packing) {
  switch (packing) {
  case WeightPacking::canonical:
    return {0, 0x1FC, 0, -1, 1};
  case WeightPacking::gptq_v1:
  case WeightPacking::gptq_v2:
    // AutoGPTQ packs 2, 3, 4 and 8 bits into int32 words and stores zeros.
    return {0, (1u << 2) | (1u << 3) | (1u << 4) | (1u << 8), 0, 0, 1};
  case WeightPacking::awq_gemm:
    return {4, 0, 0, 0, 8};
  case WeightPacking::gguf_q8_0:
    return {8, 0, 32, 1, 32};
  case WeightPacking::gguf_q4_0:
    return {4, 0, 32, 1, 32};
  case WeightPacking::gguf_q4_1:
    return {4, 0, 32, 0, 32};
  case WeightPacking::gguf_q4_k:
    return {4, 0, 32, 0, 256};
  case WeightPacking::gguf_q5_k:
    return {5, 0, 32, 0, 256};
  case WeightPacking::gguf_q6_k:
    return {6, 0, 16, 1, 256};
  }
  llvm_unreachable("unknown packing");
}

LogicalResult QWeightType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  ArrayRef<int64_t> shape, unsigned bits,
                                  int64_t groupSize, bool symmetric,
                                  FloatType scaleType, WeightPacking packing,
                                  bool actOrder) {
  if (shape.size() != 2)
    return emitError() << "quantized weight must be 2-D [rows, cols], got "
                       << shape.size() << " dims";
  if (shape[0] <= 0 || shape[1] <= 0)
    return emitError() << "quantized weight dims must be positive";
  if (bits < 2 || bits > 8)
    return emitError() << "quantized weight bits must be in [2, 8], got "
                       << bits;
  if (groupSize <= 0 || shape[1] % groupSize != 0)
    return emitError() << "group size " << groupSize
                       << " does not divide the " << shape[1] << " columns";
  if (!scaleType.isF16() && !scaleType.isBF16() && !scaleType.isF32())
    return emitError() << "scale type must be f16, bf16 or f32, got "
                       << scaleType;

  PackingRule rule = getPackingRule(packing);
  StringRef packingName = stringifyWeightPacking(packing);
  bool bitsOk = rule.bits ? bits == rule.bits : (rule.bitsMask >> bits) & 1;
  if (!bitsOk)
    return emitError() << "packing '" << packingName << "' cannot hold "
                       << bits << "-bit values";
  if (rule.groupSize && groupSize != rule.groupSize)
    return emitError() << "packing '" << packingName << "' has groups of "
                       << rule.groupSize << ", got " << groupSize;
  if (rule.symmetric >= 0 && symmetric != bool(rule.symmetric))
    return emitError() << "packing '" << packingName << "' is "
                       << (rule.symmetric ? "symmetric" : "asymmetric");
  if (shape[1] % rule.colsMultiple != 0)
    return emitError() << "packing '" << packingName << "' needs columns "
                       << "divisible by " << rule.colsMultiple << ", got "
                       << shape[1];
  bool isGGUF = packing >= WeightPacking::gguf_q8_0;
  if (actOrder && isGGUF)
    return emitError() << "packing '" << packingName
                       << "' has no act-order permutation";
  return success();
}

int64_t QWeightType::getPackedWeightBytes() const {
  return getRows() * llvm::divideCeil(getCols() * getBits(), 8);
}

int64_t QWeightType::getMetadataBytes() const {
  int64_t groups = getRows() * getNumGroups();
  int64_t scaleBytes = groups * (getScaleType().getWidth() / 8);
  int64_t zeroBytes =
      getSymmetric() ? 0
                     : getRows() * llvm::divideCeil(getNumGroups() * getBits(), 8);
  return scaleBytes + zeroBytes;
}

SmallVector<std::pair<StringRef, RankedTensorType>>
QWeightType::getCanonicalParts() const {
  auto i8 = IntegerType::get(getContext(), 8);
  int64_t rows = getRows(), bits = getBits();
  SmallVector<std::pair<StringRef, RankedTensorType>> parts = {
      {"qweight",
       RankedTensorType::get({rows, int64_t(llvm::divideCeil(getCols() * bits, 8))}, i8)},
      {"scales", RankedTensorType::get({rows, getNumGroups()}, getScaleType())}};
  if (!getSymmetric())
    parts.push_back(
        {"zeros", RankedTensorType::get(
                      {rows, int64_t(llvm::divideCeil(getNumGroups() * bits, 8))}, i8)});
  if (getActOrder())
    parts.push_back({"g_idx", RankedTensorType::get(
                                  {getCols()}, IntegerType::get(getContext(), 32))});
  return parts;
}

// !llm.qweight<ROWSxCOLSxiB, (group_size = G | per_channel), (sym | asym),
//              scale = T [, packing = P] [, act_order]>
Type QWeightType::parse(AsmParser &parser) {
  SmallVector<int64_t> shape;
  Type storage;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/false,
                                /*withTrailingX=*/true) ||
      parser.parseType(storage))
    return {};
  auto intType = dyn_cast<IntegerType>(storage);
  if (!intType || !intType.isSignless())
    return parser.emitError(loc, "expected a signless integer storage type"),
           Type();
  if (shape.size() != 2)
    return parser.emitError(loc, "expected a 2-D shape"), Type();

  std::optional<int64_t> groupSize;
  std::optional<bool> symmetric;
  FloatType scaleType;
  WeightPacking packing = WeightPacking::canonical;
  bool actOrder = false;
  while (succeeded(parser.parseOptionalComma())) {
    SMLoc keyLoc = parser.getCurrentLocation();
    StringRef key;
    if (parser.parseKeyword(&key))
      return {};
    if (key == "group_size") {
      int64_t value;
      if (parser.parseEqual() || parser.parseInteger(value))
        return {};
      groupSize = value;
    } else if (key == "per_channel") {
      groupSize = shape[1];
    } else if (key == "sym" || key == "asym") {
      symmetric = key == "sym";
    } else if (key == "scale") {
      Type type;
      if (parser.parseEqual() || parser.parseType(type))
        return {};
      scaleType = dyn_cast<FloatType>(type);
      if (!scaleType)
        return parser.emitError(keyLoc, "scale must be a float type"), Type();
    } else if (key == "packing") {
      StringRef name;
      if (parser.parseEqual() || parser.parseKeyword(&name))
        return {};
      std::optional<WeightPacking> parsed = symbolizeWeightPacking(name);
      if (!parsed)
        return parser.emitError(keyLoc, "unknown packing '") << name << "'",
               Type();
      packing = *parsed;
    } else if (key == "act_order") {
      actOrder = true;
    } else {
      return parser.emitError(keyLoc, "unknown qweight option '") << key << "'",
             Type();
    }
  }
  if (parser.parseGreater())
    return {};
  if (!groupSize)
    return parser.emitError(loc, "expected 'group_size = N' or 'per_channel'"),
           Type();
  if (!symmetric)
    return parser.emitError(loc, "expected 'sym' or 'asym'"), Type();
  if (!scaleType)
    return parser.emitError(loc, "expected 'scale = <float type>'"), Type();
  return parser.getChecked<QWeightType>(loc, parser.getContext(), shape,
                                        intType.getWidth(), *groupSize,
                                        *symmetric, scaleType, packing,
                                        actOrder);
}

void QWeightType::print(AsmPrinter &printer) const {
  printer << '<' << getRows() << 'x' << getCols() << "xi" << getBits() << ", ";
  if (getGroupSize() == getCols())
    printer << "per_channel";
  else
    printer << "group_size = " << getGroupSize();
  printer << ", " << (getSymmetric() ? "sym" : "asym")
          << ", scale = " << getScaleType();
  if (getPacking() != WeightPacking::canonical)
    printer << ", packing = " << stringifyWeightPacking(getPacking());
  if (getActOrder())
    printer << ", act_order";
  printer << '>';
}

//===----------------------------------------------------------------------===//
// KVCacheType
//===----------------------------------------------------------------------===//

/// The rules every layer's storage follows.
static LogicalResult verifyStorage(function_ref<InFlightDiagnostic()> emitError,
                                   KVStorage storage) {
  Type elementType = storage.elementType;
  FloatType scaleType = storage.scaleType;
  bool isInt8 = elementType.isSignlessInteger(8);
  bool isFp8 = isa<Float8E4M3FNType>(elementType);
  auto floatType = dyn_cast<FloatType>(elementType);
  if (!isInt8 && !isFp8 && (!floatType || floatType.getWidth() < 16))
    return emitError() << "KV cache element type must be a float type of 16 "
                          "bits or more, f8E4M3FN or i8, got "
                       << elementType;
  if (isInt8 && !scaleType)
    return emitError() << "an i8 KV cache needs 'scale = f32' or "
                          "'scale = f16'";
  if (scaleType && !isInt8 && !isFp8)
    return emitError() << "a " << elementType
                       << " KV cache stores no scales";
  if (scaleType && !scaleType.isF32() && !scaleType.isF16())
    return emitError() << "KV cache scales must be f32 or f16, got "
                       << scaleType;
  return success();
}

LogicalResult KVCacheType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  int64_t layers, int64_t kvHeads,
                                  int64_t maxSeq, int64_t headDim,
                                  Type elementType, FloatType scaleType,
                                  int64_t blockSize,
                                  ArrayRef<KVLayerStorage> overrides) {
  if (layers <= 0 || kvHeads <= 0 || maxSeq <= 0 || headDim <= 0)
    return emitError() << "KV cache dims must be positive";
  KVStorage defaultStorage{elementType, scaleType};
  if (failed(verifyStorage(emitError, defaultStorage)))
    return failure();
  if (blockSize < 0 || (blockSize > 0 && maxSeq % blockSize != 0))
    return emitError() << "KV cache block size " << blockSize
                       << " does not divide max_seq " << maxSeq;
  int64_t previous = -1;
  for (const KVLayerStorage &layer : overrides) {
    if (layer.layer < 0 || layer.layer >= layers)
      return emitError() << "KV cache layer " << layer.layer
                         << " is out of range: the cache has " << layers
                         << " layers";
    if (layer.layer <= previous)
      return emitError() << "KV cache layers must be listed once each, in "
                            "ascending order; got "
                         << layer.layer << " after " << previous;
    previous = layer.layer;
    if (failed(verifyStorage(emitError, layer.storage)))
      return failure();
    if (layer.storage == defaultStorage)
      return emitError() << "KV cache layer " << layer.layer
                         << " repeats the default storage";
  }
  if (int64_t(overrides.size()) == layers)
    return emitError() << "every KV cache layer is listed: the default "
                          "storage must be one of them";
  return success();
}

KVCacheType KVCacheType::getPerLayer(MLIRContext *context, int64_t layers,
                                     int64_t kvHeads, int64_t maxSeq,
                                     int64_t headDim,
                                     ArrayRef<KVStorage> perLayer,
                                     KVStorage preferred, int64_t blockSize) {
  assert(int64_t(perLayer.size()) == layers && "one storage per layer");
  KVStorage defaultStorage =
      llvm::is_contained(perLayer, preferred) ? preferred : perLayer.front();
  SmallVector<KVLayerStorage> overrides;
  for (auto [layer, storage] : llvm::enumerate(perLayer))
    if (storage != defaultStorage)
      overrides.push_back({int64_t(layer), storage});
  return get(context, layers, kvHeads, maxSeq, headDim,
             defaultStorage.elementType, defaultStorage.scaleType, blockSize,
             overrides);
}

KVStorage KVCacheType::getLayerStorage(int64_t layer) const {
  for (const KVLayerStorage &entry : getOverrides())
    if (entry.layer == layer)
      return entry.storage;
  return getDefaultStorage();
}

SmallVector<KVStorageGroup> KVCacheType::getStorageGroups() const {
  SmallVector<KVStorageGroup> groups;
  for (int64_t layer = 0; layer < getLayers(); ++layer) {
    KVStorage storage = getLayerStorage(layer);
    auto group = llvm::find_if(
        groups, [&](const KVStorageGroup &g) { return g.storage == storage; });
    if (group == groups.end())
      groups.push_back({storage, {layer}});
    else
      group->layers.push_back(layer);
  }
  return groups;
}

int64_t KVCacheType::getBytesPerToken() const {
  int64_t bits = 0;
  for (int64_t layer = 0; layer < getLayers(); ++layer) {
    KVStorage storage = getLayerStorage(layer);
    int64_t scaleBits = storage.scaleType ? storage.scaleType.getWidth() : 0;
    bits +=
        getHeadDim() * storage.elementType.getIntOrFloatBitWidth() + scaleBits;
  }
  return 2 * getKvHeads() * bits / 8;
}

/// `E [scale = S]` of the default storage or of one layer.
static ParseResult parseStorage(AsmParser &parser, KVStorage &storage) {
  if (parser.parseType(storage.elementType))
    return failure();
  if (failed(parser.parseOptionalKeyword("scale")))
    return success();
  SMLoc loc = parser.getCurrentLocation();
  Type type;
  if (parser.parseEqual() || parser.parseType(type))
    return failure();
  storage.scaleType = dyn_cast<FloatType>(type);
  if (!storage.scaleType)
    return parser.emitError(loc, "scale must be a float type");
  return success();
}

static void printStorage(AsmPrinter &printer, KVStorage storage) {
  printer << storage.elementType;
  if (storage.scaleType)
    printer << " scale = " << storage.scaleType;
}

// !llm.kv_cache<LAYERSxKV_HEADSxMAX_SEQxHEAD_DIMxT [, scale = S]
//               [, layers = [I: T' [scale = S'], ...]] [, block_size = N]>
Type KVCacheType::parse(AsmParser &parser) {
  SmallVector<int64_t> dims;
  Type elementType;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() ||
      parser.parseDimensionList(dims, /*allowDynamic=*/false,
                                /*withTrailingX=*/true) ||
      parser.parseType(elementType))
    return {};
  if (dims.size() != 4)
    return parser.emitError(loc, "expected layers x kv_heads x max_seq x "
                                 "head_dim"),
           Type();
  FloatType scaleType;
  int64_t blockSize = 0;
  SmallVector<KVLayerStorage> overrides;
  while (succeeded(parser.parseOptionalComma())) {
    SMLoc keyLoc = parser.getCurrentLocation();
    StringRef key;
    if (parser.parseKeyword(&key) || parser.parseEqual())
      return {};
    if (key == "scale") {
      Type type;
      if (parser.parseType(type))
        return {};
      scaleType = dyn_cast<FloatType>(type);
      if (!scaleType)
        return parser.emitError(keyLoc, "scale must be a float type"), Type();
    } else if (key == "block_size") {
      if (parser.parseInteger(blockSize))
        return {};
      if (blockSize <= 0)
        return parser.emitError(keyLoc, "block_size must be positive"),
               Type();
    } else if (key == "layers") {
      auto parseLayer = [&]() -> ParseResult {
        KVLayerStorage layer{};
        if (parser.parseInteger(layer.layer) || parser.parseColon() ||
            parseStorage(parser, layer.storage))
          return failure();
        overrides.push_back(layer);
        return success();
      };
      if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square,
                                         parseLayer))
        return {};
    } else {
      return parser.emitError(keyLoc, "unknown kv_cache option '") << key
                                                                    << "'",
             Type();
    }
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<KVCacheType>(loc, parser.getContext(), dims[0],
                                        dims[1], dims[2], dims[3], elementType,
                                        scaleType, blockSize, overrides);
}

void KVCacheType::print(AsmPrinter &printer) const {
  printer << '<' << getLayers() << 'x' << getKvHeads() << 'x' << getMaxSeq()
          << 'x' << getHeadDim() << 'x' << getElementType();
  if (hasScales())
    printer << ", scale = " << getScaleType();
  if (isMixed()) {
    printer << ", layers = [";
    llvm::interleaveComma(getOverrides(), printer,
                          [&](const KVLayerStorage &layer) {
                            printer << layer.layer << ": ";
                            printStorage(printer, layer.storage);
                          });
    printer << ']';
  }
  if (isPaged())
    printer << ", block_size = " << getBlockSize();
  printer << '>';
}
