// The shared llama-s (BF16, grouped-query attention) imports into a module
// quant-opt verifies, and every tensor is read at the right offsets.
// REQUIRES: shared-data
// RUN: quant-import %shared/models/llama-s -o %t.mlir
// RUN: quant-opt %t.mlir --verify-roundtrip | FileCheck %s
// RUN: quant-import %shared/models/llama-s --print-checksums > %t.sums
// RUN: %python %S/check_checksums.py %shared/models/llama-s %t.sums | FileCheck %s --check-prefix=SUMS

// CHECK: llm.weight @shard0["model.layers.7.self_attn.k_proj.weight"] : tensor<128x384xbf16>
// CHECK: llm.attention {{.*}} {layer = 7 : i64} : tensor<?x6x64xf32>, tensor<?x2x64xf32>, !llm.kv_cache<8x2x1024x64xf32>
// SUMS: 75 tensors, 0 mismatches
