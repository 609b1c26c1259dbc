//===- LowerKVCache.cpp - choose the KV cache's storage -------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/KVCache/Passes.h"

#include "dialects/llm/IR/LLMDialect.h"
#include "dialects/llm/IR/LLMTypes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringSwitch.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMLOWERKVCACHE
#include "passes/KVCache/Passes.h.inc"
} // namespace quantforge

using namespace mlir;
using namespace quantforge;
using quantforge::llm::KVStorage;

namespace {

bool isQuantized(Type element) {
  return element.isSignlessInteger(8) || isa<Float8E4M3FNType>(element);
}

/// One entry of the `layers` option: layers first..last take `storage`.
struct LayerSpec {
  std::string text;
  int64_t first = 0, last = 0;
  KVCacheStorage storage = KVCacheStorage::keep;
};

struct LLMLowerKVCachePass
    : quantforge::impl::LLMLowerKVCacheBase<LLMLowerKVCachePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    if (scaleType == "f32")
      scale = Float32Type::get(ctx);
    else if (scaleType == "f16")
      scale = Float16Type::get(ctx);
    else {
      module.emitError("llm-lower-kv-cache: scale-type must be f32 or f16, "
                       "got '")
          << scaleType << "'";
      return signalPassFailure();
    }
    if (blockSize < 0) {
      module.emitError("llm-lower-kv-cache: block-size must be >= 0, got ")
          << int64_t(blockSize);
      return signalPassFailure();
    }

    // Every cache of a module is the same value threaded through its
    // functions; check it once, at the first function that carries one.
    std::optional<llm::KVCacheType> original;
    Operation *anchor = module;
    module.walk([&](func::FuncOp func) {
      for (Type type : func.getFunctionType().getInputs())
        if (auto cache = dyn_cast<llm::KVCacheType>(type)) {
          original = cache;
          anchor = func;
          return WalkResult::interrupt();
        }
      return WalkResult::advance();
    });
    FailureOr<SmallVector<LayerSpec>> specs = parseLayerSpecs(anchor);
    if (failed(specs))
      return signalPassFailure();
    bool anyFp8 = storage == KVCacheStorage::fp8 ||
                  llvm::any_of(*specs, [](const LayerSpec &spec) {
                    return spec.storage == KVCacheStorage::fp8;
                  });
    if (fp8Scales && !anyFp8) {
      module.emitError("llm-lower-kv-cache: fp8-scales needs type=fp8 or an "
                       "fp8 layer");
      return signalPassFailure();
    }
    if (!original)
      return;
    FailureOr<llm::KVCacheType> lowered = lower(*original, *specs, anchor);
    if (failed(lowered))
      return signalPassFailure();
    if (*lowered == *original)
      return;

    AttrTypeReplacer replacer;
    bool mismatch = false;
    replacer.addReplacement([&](llm::KVCacheType type) -> Type {
      if (type != *original) {
        mismatch = true;
        return type;
      }
      return *lowered;
    });
    replacer.recursivelyReplaceElementsIn(module, /*replaceAttrs=*/true,
                                          /*replaceLocs=*/false,
                                          /*replaceTypes=*/true);
    if (mismatch) {
      module.emitError("llm-lower-kv-cache: the module uses more than one "
                       "KV cache type");
      return signalPassFailure();
    }
  }

  /// The `layers` option's entries, `LAYER:TYPE` or `FIRST-LAST:TYPE`.
  FailureOr<SmallVector<LayerSpec>> parseLayerSpecs(Operation *anchor) {
    SmallVector<LayerSpec> specs;
    for (const std::string &text : layerTypes) {
      LayerSpec spec;
      spec.text = text;
      StringRef entry(text);
      auto [range, type] = entry.split(':');
      StringRef first = range, last = range;
      if (range.contains('-'))
        std::tie(first, last) = range.split('-');
      if (!entry.contains(':') || first.getAsInteger(10, spec.first) ||
          last.getAsInteger(10, spec.last) || spec.last < spec.first) {
        anchor->emitError("llm-lower-kv-cache: layers entry '")
            << text << "' is not LAYER:TYPE or FIRST-LAST:TYPE";
        return failure();
      }
      std::optional<KVCacheStorage> parsed =
          llvm::StringSwitch<std::optional<KVCacheStorage>>(type)
              .Case("f32", KVCacheStorage::f32)
              .Case("f16", KVCacheStorage::f16)
              .Case("bf16", KVCacheStorage::bf16)
              .Case("int8", KVCacheStorage::int8)
              .Case("fp8", KVCacheStorage::fp8)
              .Default(std::nullopt);
      if (!parsed) {
        anchor->emitError("llm-lower-kv-cache: unknown KV cache type '")
            << type << "' in layers entry '" << text
            << "' (f32, f16, bf16, int8 or fp8)";
        return failure();
      }
      spec.storage = *parsed;
      specs.push_back(spec);
    }
    return specs;
  }

  /// `current` stored as `choice` (`keep`: unchanged).
  KVStorage convert(KVStorage current, KVCacheStorage choice) {
    MLIRContext *ctx = &getContext();
    switch (choice) {
    case KVCacheStorage::keep:
      return current;
    case KVCacheStorage::f32:
      return {Float32Type::get(ctx), {}};
    case KVCacheStorage::f16:
      return {Float16Type::get(ctx), {}};
    case KVCacheStorage::bf16:
      return {BFloat16Type::get(ctx), {}};
    case KVCacheStorage::int8:
      return {IntegerType::get(ctx, 8), scale};
    case KVCacheStorage::fp8:
      return {Float8E4M3FNType::get(ctx), fp8Scales ? scale : FloatType()};
    }
    llvm_unreachable("unknown KV cache storage");
  }

  FailureOr<llm::KVCacheType>
  lower(llm::KVCacheType cache, ArrayRef<LayerSpec> specs, Operation *anchor) {
    int64_t layers = cache.getLayers();
    // The choice for each layer: `type`, unless an entry names the layer.
    SmallVector<KVCacheStorage> choice(layers, storage);
    SmallVector<const LayerSpec *> chosenBy(layers, nullptr);
    for (const LayerSpec &spec : specs) {
      if (spec.last >= layers) {
        anchor->emitError("llm-lower-kv-cache: layer ")
            << spec.last << " in layers entry '" << spec.text
            << "' is out of range: the cache has " << layers << " layers";
        return failure();
      }
      for (int64_t layer = spec.first; layer <= spec.last; ++layer) {
        if (chosenBy[layer]) {
          anchor->emitError("llm-lower-kv-cache: layer ")
              << layer << " is given twice, in '" << chosenBy[layer]->text
              << "' and '" << spec.text << "'";
          return failure();
        }
        chosenBy[layer] = &spec;
        choice[layer] = spec.storage;
      }
    }

    SmallVector<KVStorage> perLayer;
    for (int64_t layer = 0; layer < layers; ++layer) {
      KVStorage current = cache.getLayerStorage(layer);
      KVStorage next = convert(current, choice[layer]);
      if (isQuantized(current.elementType) && next != current) {
        anchor->emitError("llm-lower-kv-cache: layer ")
            << layer << " of the KV cache is already stored as "
            << current.elementType
            << "; requantizing it would compound the error";
        return failure();
      }
      perLayer.push_back(next);
    }
    int64_t block = blockSize ? int64_t(blockSize) : cache.getBlockSize();
    if (block && cache.getMaxSeq() % block != 0) {
      anchor->emitError("llm-lower-kv-cache: block-size ")
          << block << " does not divide the cache's " << cache.getMaxSeq()
          << " positions";
      return failure();
    }
    // The layers not listed keep the default storage, as `type` says.
    KVStorage preferred = convert(cache.getDefaultStorage(), storage);
    return llm::KVCacheType::getPerLayer(
        &getContext(), layers, cache.getKvHeads(), cache.getMaxSeq(),
        cache.getHeadDim(), perLayer, preferred, block);
  }

  /// The scale type of int8 (and scaled fp8) layers.
  FloatType scale;
};

} // namespace
