//===- Passes.td - KV-cache storage decisions --------------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_PASSES_KVCACHE_PASSES_TD
#define QUANTFORGE_PASSES_KVCACHE_PASSES_TD

include "mlir/Pass/PassBase.td"

def LLMLowerKVCache : Pass<"llm-lower-kv-cache", "::mlir::ModuleOp"> {
  let summary = "Choose how the KV cache is stored: element type, scales, layout";
  let description = [{
    Long contexts are bounded by the KV cache, not the weights. This pass
    rewrites every `!llm.kv_cache` of the module (entry points, calls,
    `llm.attention`) to the storage its options name; `convert-llm-to-linalg`
    then generates the code that stores and reads it (docs/kv-cache.md):
    - `type=int8`: symmetric int8 with one scale per token and KV head,
      `scale = max|x| / 127` over head_dim (1 if all zero), computed when a
      token is appended; attention dequantizes inside its loops.
    - `type=fp8`: `f8E4M3FN`, values clamped to +-448 and rounded to nearest
      even; with `fp8-scales`, also a per-token/head scale `max|x| / 448`.
    - `type=f32|f16|bf16`: a float cache of that type.
    - `block-size=N`: the paged layout (blocks of N tokens from a pool that
      sequences share, a block table per sequence); 0 keeps one contiguous
      array per sequence.
    - `layers=SPEC,...`: per-layer storage; each SPEC is `LAYER:TYPE` or
      `FIRST-LAST:TYPE` (inclusive) with TYPE one of f32, f16, bf16, int8,
      fp8. `type` applies to the other layers; `scale-type` and
      `fp8-scales` to every int8 and fp8 layer. A layer out of range, an
      unknown type, a layer given twice or a malformed SPEC is an error.

    A cache that is already quantized (i8 or f8E4M3FN) is not converted
    again: requantizing would compound the error.

    Example: `--llm-lower-kv-cache="type=int8 block-size=16"` turns
    `!llm.kv_cache<8x2x1024x64xf32>` into
    `!llm.kv_cache<8x2x1024x64xi8, scale = f32, block_size = 16>`, and
    `--llm-lower-kv-cache="type=int8 layers=0:f16,6-7:fp8"` into
    `!llm.kv_cache<8x2x1024x64xi8, scale = f32, layers = [0: f16,
    6: f8E4M3FN, 7: f8E4M3FN]>`.
  }];
  let options = [
    Option<"storage", "type", "::quantforge::KVCacheStorage",
           /*default=*/"::quantforge::KVCacheStorage::keep",
           "Element storage of the cache",
           [{::llvm::cl::values(
             clEnumValN(::quantforge::KVCacheStorage::keep, "keep",
                        "keep the element type"),
             clEnumValN(::quantforge::KVCacheStorage::f32, "f32", "float32"),
             clEnumValN(::quantforge::KVCacheStorage::f16, "f16", "float16"),
             clEnumValN(::quantforge::KVCacheStorage::bf16, "bf16", "bfloat16"),
             clEnumValN(::quantforge::KVCacheStorage::int8, "int8",
                        "int8 with a scale per token and KV head"),
             clEnumValN(::quantforge::KVCacheStorage::fp8, "fp8",
                        "float8 e4m3fn"))}]>,
    Option<"scaleType", "scale-type", "std::string", /*default=*/"\"f32\"",
           "Type of the per-token scales (f32 or f16)">,
    Option<"fp8Scales", "fp8-scales", "bool", /*default=*/"false",
           "Store fp8 with a per-token/head scale (max|x| / 448)">,
    Option<"blockSize", "block-size", "int64_t", /*default=*/"0",
           "Tokens per block of the paged layout (0: contiguous)">,
    ListOption<"layerTypes", "layers", "std::string",
               "Per-layer storage, LAYER:TYPE or FIRST-LAST:TYPE, "
               "comma-separated; `type` for the layers not listed">,
  ];
}

#endif // QUANTFORGE_PASSES_KVCACHE_PASSES_TD
