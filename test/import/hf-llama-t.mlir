// RUN: quant-import %qf_src/test/fixtures/llama-t -o %t.mlir
// RUN: quant-opt %t.mlir --verify-roundtrip | FileCheck %s
// RUN: quant-import %qf_src/test/fixtures/llama-t --print-checksums > %t.sums
// RUN: %python %S/check_checksums.py %qf_src/test/fixtures/llama-t %t.sums | FileCheck %s --check-prefix=SUMS
// The bundled llama-t imports into a module quant-opt verifies, with every
// weight referenced (no data in the IR) and read at the right offsets.

// CHECK: llm.param_archive @shard0 safetensors "{{.*}}test/fixtures/llama-t/model.safetensors"
// CHECK-LABEL: func.func private @forward
// CHECK-SAME: (%{{.*}}: tensor<?xi32>, %{{.*}}: index, %{{.*}}: !llm.kv_cache<2x4x1024x32xf32>) -> (tensor<?x4096xf32>, !llm.kv_cache<2x4x1024x32xf32>)
// CHECK: llm.weight @shard0["model.embed_tokens.weight"] : tensor<4096x128xf32>
// CHECK: llm.rms_norm {{.*}} {epsilon = 1.000000e-05 : f64}
// CHECK: llm.weight @shard0["model.layers.0.self_attn.q_proj.weight"] : tensor<128x128xf32>
// CHECK: llm.rope {{.*}} {theta = 1.000000e+04 : f64} : tensor<?x4x32xf32>, tensor<?xi32>
// CHECK: llm.attention {{.*}} {layer = 0 : i64} : tensor<?x4x32xf32>, tensor<?x4x32xf32>, !llm.kv_cache<2x4x1024x32xf32>
// CHECK: llm.swiglu
// CHECK: llm.attention {{.*}} {layer = 1 : i64}
// CHECK: llm.weight @shard0["lm_head.weight"] : tensor<4096x128xf32>
// CHECK-LABEL: func.func @prefill
// CHECK-SAME: llm.entry_point = #llm.entry_point<prefill>
// CHECK-LABEL: func.func @decode
// CHECK-SAME: (%{{.*}}: tensor<1xi32>
// CHECK-SAME: llm.entry_point = #llm.entry_point<decode>
// CHECK-NOT: dense

// SUMS: 21 tensors, 0 mismatches
