// RUN: quant-opt %s --split-input-file --llm-lower-kv-cache="type=fp8 block-size=32" --verify-diagnostics
// RUN: not quant-opt %s --llm-lower-kv-cache="type=int8 scale-type=bf16" 2>&1 | FileCheck %s --check-prefix=SCALE
// RUN: not quant-opt %s --llm-lower-kv-cache="type=int8 fp8-scales=true" 2>&1 | FileCheck %s --check-prefix=FP8SCALES
// RUN: not quant-opt %s --llm-lower-kv-cache="block-size=-1" 2>&1 | FileCheck %s --check-prefix=NEGATIVE

// SCALE: llm-lower-kv-cache: scale-type must be f32 or f16, got 'bf16'
// FP8SCALES: llm-lower-kv-cache: fp8-scales needs type=fp8 or an fp8 layer
// NEGATIVE: llm-lower-kv-cache: block-size must be >= 0, got -1

// An int8 cache is not requantized to fp8.
// expected-error @+1 {{llm-lower-kv-cache: layer 0 of the KV cache is already stored as 'i8'; requantizing it would compound the error}}
func.func @quantized(%c: !llm.kv_cache<2x2x16x8xi8, scale = f32>) -> !llm.kv_cache<2x2x16x8xi8, scale = f32> {
  return %c : !llm.kv_cache<2x2x16x8xi8, scale = f32>
}

// -----

// expected-error @+1 {{llm-lower-kv-cache: block-size 32 does not divide the cache's 16 positions}}
func.func @block(%c: !llm.kv_cache<2x2x16x8xf8E4M3FN>) -> !llm.kv_cache<2x2x16x8xf8E4M3FN> {
  return %c : !llm.kv_cache<2x2x16x8xf8E4M3FN>
}

// -----

// Two different caches in one module cannot both be the model's cache.
// expected-error @+1 {{llm-lower-kv-cache: the module uses more than one KV cache type}}
module {
  func.func @one(%c: !llm.kv_cache<2x2x64x8xf32>) {
    return
  }
  func.func @two(%c: !llm.kv_cache<2x4x64x8xf32>) {
    return
  }
}
