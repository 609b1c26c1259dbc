// RUN: quant-opt %s --split-input-file --llm-lower-kv-cache="type=int8" | FileCheck %s --check-prefix=INT8
// RUN: quant-opt %s --split-input-file --llm-lower-kv-cache="type=int8 scale-type=f16 block-size=8" | FileCheck %s --check-prefix=INT8-PAGED
// RUN: quant-opt %s --split-input-file --llm-lower-kv-cache="type=fp8" | FileCheck %s --check-prefix=FP8
// RUN: quant-opt %s --split-input-file --llm-lower-kv-cache="type=fp8 fp8-scales=true" | FileCheck %s --check-prefix=FP8-SCALED
// RUN: quant-opt %s --split-input-file --llm-lower-kv-cache="type=f16" | FileCheck %s --check-prefix=F16
// RUN: quant-opt %s --split-input-file --llm-lower-kv-cache="block-size=16" | FileCheck %s --check-prefix=PAGED
// RUN: quant-opt %s --split-input-file --llm-lower-kv-cache | FileCheck %s --check-prefix=KEEP
// RUN: quant-opt %s --split-input-file --llm-lower-kv-cache="type=int8 layers=0:f16" | FileCheck %s --check-prefix=MIXED
// RUN: quant-opt %s --split-input-file --llm-lower-kv-cache="type=f16 layers=1-1:fp8 fp8-scales=true scale-type=f16 block-size=8" | FileCheck %s --check-prefix=MIXED-PAGED
// RUN: quant-opt %s --split-input-file --llm-lower-kv-cache="layers=1:int8" | FileCheck %s --check-prefix=MIXED-KEEP
// RUN: quant-opt %s --split-input-file --llm-lower-kv-cache="type=f32 layers=0-1:int8" | FileCheck %s --check-prefix=ALL-LISTED

// Every occurrence of the cache type changes: entry point signature, calls,
// llm.attention results, returns.
// INT8-LABEL: func.func @model
// INT8-SAME: !llm.kv_cache<2x2x16x8xi8, scale = f32>
// INT8: llm.attention {{.*}} !llm.kv_cache<2x2x16x8xi8, scale = f32>
// INT8-PAGED-LABEL: func.func @model
// INT8-PAGED-SAME: !llm.kv_cache<2x2x16x8xi8, scale = f16, block_size = 8>
// FP8-LABEL: func.func @model
// FP8-SAME: !llm.kv_cache<2x2x16x8xf8E4M3FN>)
// FP8-SCALED-LABEL: func.func @model
// FP8-SCALED-SAME: !llm.kv_cache<2x2x16x8xf8E4M3FN, scale = f32>
// F16-LABEL: func.func @model
// F16-SAME: !llm.kv_cache<2x2x16x8xf16>
// PAGED-LABEL: func.func @model
// PAGED-SAME: !llm.kv_cache<2x2x16x8xf32, block_size = 16>
// KEEP-LABEL: func.func @model
// KEEP-SAME: !llm.kv_cache<2x2x16x8xf32>)
// Per-layer storage: `type` for the layers not listed; int8 and fp8 layers
// take scale-type and fp8-scales.
// MIXED-LABEL: func.func @model
// MIXED-SAME: !llm.kv_cache<2x2x16x8xi8, scale = f32, layers = [0: f16]>
// MIXED: llm.attention {{.*}} !llm.kv_cache<2x2x16x8xi8, scale = f32, layers = [0: f16]>
// MIXED-PAGED-LABEL: func.func @model
// MIXED-PAGED-SAME: !llm.kv_cache<2x2x16x8xf16, layers = [1: f8E4M3FN scale = f16], block_size = 8>
// MIXED-KEEP-LABEL: func.func @model
// MIXED-KEEP-SAME: !llm.kv_cache<2x2x16x8xf32, layers = [1: i8 scale = f32]>
// Every layer listed with one storage is the uniform cache of that storage.
// ALL-LISTED-LABEL: func.func @model
// ALL-LISTED-SAME: !llm.kv_cache<2x2x16x8xi8, scale = f32>)
func.func @model(%q: tensor<?x4x8xf32>, %k: tensor<?x2x8xf32>,
                 %c: !llm.kv_cache<2x2x16x8xf32>, %s: index)
    -> (tensor<?x4x8xf32>, !llm.kv_cache<2x2x16x8xf32>) {
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 1} : tensor<?x4x8xf32>, tensor<?x2x8xf32>, !llm.kv_cache<2x2x16x8xf32>
  return %o, %c1 : tensor<?x4x8xf32>, !llm.kv_cache<2x2x16x8xf32>
}
// INT8-LABEL: func.func @caller
// INT8: call @model
// INT8-SAME: -> (tensor<?x4x8xf32>, !llm.kv_cache<2x2x16x8xi8, scale = f32>)
func.func @caller(%q: tensor<?x4x8xf32>, %k: tensor<?x2x8xf32>,
                  %c: !llm.kv_cache<2x2x16x8xf32>, %s: index)
    -> !llm.kv_cache<2x2x16x8xf32> {
  %o, %c1 = call @model(%q, %k, %c, %s) : (tensor<?x4x8xf32>, tensor<?x2x8xf32>, !llm.kv_cache<2x2x16x8xf32>, index) -> (tensor<?x4x8xf32>, !llm.kv_cache<2x2x16x8xf32>)
  return %c1 : !llm.kv_cache<2x2x16x8xf32>
}

// -----

// A module without a cache is left alone.
// INT8-LABEL: func.func @no_cache
// INT8-SAME: tensor<4xf32>
func.func @no_cache(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
