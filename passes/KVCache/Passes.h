//===- Passes.h - KV-cache storage decisions ---------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_PASSES_KVCACHE_PASSES_H
#define QUANTFORGE_PASSES_KVCACHE_PASSES_H

#include "mlir/Pass/Pass.h"

namespace quantforge {

/// The element storage `llm-lower-kv-cache` gives the cache.
enum class KVCacheStorage { keep, f32, f16, bf16, int8, fp8 };

#define GEN_PASS_DECL
#include "passes/KVCache/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/KVCache/Passes.h.inc"

} // namespace quantforge

#endif // QUANTFORGE_PASSES_KVCACHE_PASSES_H
