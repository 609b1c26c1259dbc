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

namespace quantforge {
#define GEN_PASS_DEF_LLMLOWERKVCACHE
#include "passes/KVCache/Passes.h.inc"
} // namespace quantforge

using namespace mlir;
using namespace quantforge;

namespace {

bool isQuantized(Type element) {
  return element.isSignlessInteger(8) || isa<Float8E4M3FNType>(element);
}

struct LLMLowerKVCachePass
    : quantforge::impl::LLMLowerKVCacheBase<LLMLowerKVCachePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    FloatType scale;
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
    if (fp8Scales && storage != KVCacheStorage::fp8) {
      module.emitError("llm-lower-kv-cache: fp8-scales needs type=fp8");
      return signalPassFailure();
    }

    // Every cache of a module is the same value threaded through its
    // functions; check it once, at the first function that carries one.
    std::optional<llm::KVCacheType> original;
    Operation *anchor = nullptr;
    module.walk([&](func::FuncOp func) {
      for (Type type : func.getFunctionType().getInputs())
        if (auto cache = dyn_cast<llm::KVCacheType>(type)) {
          original = cache;
          anchor = func;
          return WalkResult::interrupt();
        }
      return WalkResult::advance();
    });
    if (!original)
      return;
    FailureOr<llm::KVCacheType> lowered = lower(*original, scale, anchor);
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

  FailureOr<llm::KVCacheType> lower(llm::KVCacheType cache, FloatType scale,
                                    Operation *anchor) {
    MLIRContext *ctx = &getContext();
    Type element = cache.getElementType();
    FloatType scaleOut = cache.getScaleType();
    switch (storage) {
    case KVCacheStorage::keep:
      break;
    case KVCacheStorage::f32:
      element = Float32Type::get(ctx), scaleOut = {};
      break;
    case KVCacheStorage::f16:
      element = Float16Type::get(ctx), scaleOut = {};
      break;
    case KVCacheStorage::bf16:
      element = BFloat16Type::get(ctx), scaleOut = {};
      break;
    case KVCacheStorage::int8:
      element = IntegerType::get(ctx, 8), scaleOut = scale;
      break;
    case KVCacheStorage::fp8:
      element = Float8E4M3FNType::get(ctx);
      scaleOut = fp8Scales ? scale : FloatType();
      break;
    }
    if (isQuantized(cache.getElementType()) &&
        (element != cache.getElementType() ||
         scaleOut != cache.getScaleType())) {
      anchor->emitError("llm-lower-kv-cache: the KV cache is already stored "
                        "as ")
          << cache.getElementType()
          << "; requantizing it would compound the error";
      return failure();
    }
    int64_t block = blockSize ? int64_t(blockSize) : cache.getBlockSize();
    if (block && cache.getMaxSeq() % block != 0) {
      anchor->emitError("llm-lower-kv-cache: block-size ")
          << block << " does not divide the cache's " << cache.getMaxSeq()
          << " positions";
      return failure();
    }
    return llm::KVCacheType::get(ctx, cache.getLayers(), cache.getKvHeads(),
                                 cache.getMaxSeq(), cache.getHeadDim(),
                                 element, scaleOut, block);
  }
};

} // namespace
