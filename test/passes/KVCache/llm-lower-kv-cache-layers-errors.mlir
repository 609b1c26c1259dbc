// Every error of llm-lower-kv-cache's `layers` option, each with the options
// that cause it (split-file: one part per RUN line).
// RUN: rm -rf %t && split-file %s %t
// RUN: quant-opt %t/range.mlir --llm-lower-kv-cache="type=int8 layers=0:f16,1-2:fp8" --verify-diagnostics
// RUN: quant-opt %t/twice.mlir --llm-lower-kv-cache="type=int8 layers=0-2:f16,2:fp8" --verify-diagnostics
// RUN: quant-opt %t/type.mlir --llm-lower-kv-cache="type=int8 layers=1:int4" --verify-diagnostics
// RUN: quant-opt %t/syntax.mlir --llm-lower-kv-cache="type=int8 layers=1f16" --verify-diagnostics
// RUN: quant-opt %t/reversed.mlir --llm-lower-kv-cache="type=int8 layers=3-1:f16" --verify-diagnostics
// RUN: quant-opt %t/requantize.mlir --llm-lower-kv-cache="layers=1:fp8" --verify-diagnostics
// RUN: not quant-opt %t/range.mlir --llm-lower-kv-cache="type=int8 fp8-scales=true layers=0:f16" 2>&1 | FileCheck %s --check-prefix=FP8SCALES

// FP8SCALES: llm-lower-kv-cache: fp8-scales needs type=fp8 or an fp8 layer

//--- range.mlir
// The cache has layers 0 and 1.
// expected-error @+1 {{llm-lower-kv-cache: layer 2 in layers entry '1-2:fp8' is out of range: the cache has 2 layers}}
func.func @range(%c: !llm.kv_cache<2x2x16x8xf32>) -> !llm.kv_cache<2x2x16x8xf32> {
  return %c : !llm.kv_cache<2x2x16x8xf32>
}

//--- twice.mlir
// expected-error @+1 {{llm-lower-kv-cache: layer 2 is given twice, in '0-2:f16' and '2:fp8'}}
func.func @twice(%c: !llm.kv_cache<4x2x16x8xf32>) -> !llm.kv_cache<4x2x16x8xf32> {
  return %c : !llm.kv_cache<4x2x16x8xf32>
}

//--- type.mlir
// expected-error @+1 {{llm-lower-kv-cache: unknown KV cache type 'int4' in layers entry '1:int4' (f32, f16, bf16, int8 or fp8)}}
func.func @type(%c: !llm.kv_cache<4x2x16x8xf32>) -> !llm.kv_cache<4x2x16x8xf32> {
  return %c : !llm.kv_cache<4x2x16x8xf32>
}

//--- syntax.mlir
// expected-error @+1 {{llm-lower-kv-cache: layers entry '1f16' is not LAYER:TYPE or FIRST-LAST:TYPE}}
func.func @syntax(%c: !llm.kv_cache<4x2x16x8xf32>) -> !llm.kv_cache<4x2x16x8xf32> {
  return %c : !llm.kv_cache<4x2x16x8xf32>
}

//--- reversed.mlir
// expected-error @+1 {{llm-lower-kv-cache: layers entry '3-1:f16' is not LAYER:TYPE or FIRST-LAST:TYPE}}
func.func @reversed(%c: !llm.kv_cache<4x2x16x8xf32>) -> !llm.kv_cache<4x2x16x8xf32> {
  return %c : !llm.kv_cache<4x2x16x8xf32>
}

//--- requantize.mlir
// Layer 1 of a mixed cache is int8 already; the others may still change.
// expected-error @+1 {{llm-lower-kv-cache: layer 1 of the KV cache is already stored as 'i8'; requantizing it would compound the error}}
func.func @requantize(%c: !llm.kv_cache<2x2x16x8xf32, layers = [1: i8 scale = f32]>) -> !llm.kv_cache<2x2x16x8xf32, layers = [1: i8 scale = f32]> {
  return %c : !llm.kv_cache<2x2x16x8xf32, layers = [1: i8 scale = f32]>
}
