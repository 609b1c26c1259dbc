// RUN: quant-compile %qf_src/test/fixtures/llama-t --emit=optimized -o %t.mlir
// RUN: quant-opt %t.mlir --llm-extract-decoder-stage=layer=1 | FileCheck %s --check-prefix=LAYER
// RUN: quant-opt %t.mlir --llm-extract-decoder-stage=layer=-1 | FileCheck %s --check-prefix=EMBED
// RUN: quant-opt %s --split-input-file --verify-diagnostics --llm-extract-decoder-stage=layer=0
// Qwen2 layers differ (biases; a sliding window from layer 1 on): each stage
// keeps its own, so the two compile to different code.
// RUN: %python %qf_src/test/import/gen_checkpoint.py qwen2-tied-bias %t.qwen2
// RUN: quant-import %t.qwen2 --max-seq=128 -o %t.qwen2.mlir
// RUN: quant-opt %t.qwen2.mlir --llm-extract-decoder-stage=layer=0 | FileCheck %s --check-prefix=QWEN0
// RUN: quant-opt %t.qwen2.mlir --llm-extract-decoder-stage=layer=1 | FileCheck %s --check-prefix=QWEN1

// Layer 1 alone: from the residual entering its input norm to the one
// entering the final norm, with a one-layer cache it uses as layer 0.
// LAYER: llm.param_archive @shard0
// LAYER-NOT: func.func @forward
// LAYER-LABEL: func.func @stage(
// LAYER-SAME: %{{.*}}: tensor<?xi32>, %[[POS:.*]]: index, %[[CACHE:.*]]: !llm.kv_cache<1x4x1024x32xf32>, %[[H:.*]]: tensor<?x128xf32>) -> (tensor<?x128xf32>, !llm.kv_cache<1x4x1024x32xf32>) attributes {llm.entry_point = #llm.entry_point<stage>}
// LAYER-NOT: model.layers.0.
// LAYER: llm.weight @shard0["model.layers.1.input_layernorm.weight"]
// LAYER: llm.rms_norm %[[H]]
// LAYER: %{{.*}}, %[[UPDATED:.*]] = llm.attention {{.*}}, %[[CACHE]][%[[POS]]] {layer = 0 : i64}
// LAYER: %[[RES:.*]] = arith.addf %[[H]],
// LAYER: llm.weight @shard0["model.layers.1.mlp.down_proj.weight"]
// LAYER: %[[OUT:.*]] = arith.addf %[[RES]],
// LAYER-NOT: model.norm.weight
// LAYER-NOT: lm_head
// LAYER: return %[[OUT]], %[[UPDATED]]
// LAYER-NOT: func.func

// The embedding stage ignores its hidden argument and passes the cache on.
// EMBED-LABEL: func.func @stage(
// EMBED-SAME: %[[TOKENS:.*]]: tensor<?xi32>, %{{.*}}: index, %[[CACHE:.*]]: !llm.kv_cache<1x4x1024x32xf32>, %{{.*}}: tensor<?x128xf32>)
// EMBED-NEXT: %[[TABLE:.*]] = llm.weight @shard0["model.embed_tokens.weight"]
// EMBED-NEXT: %[[E:.*]] = llm.embedding %[[TABLE]][%[[TOKENS]]]
// EMBED-NEXT: return %[[E]], %[[CACHE]]

// QWEN0-LABEL: func.func @stage
// QWEN0: llm.weight @shard0["model.layers.0.self_attn.q_proj.bias"]
// QWEN0: llm.attention {{.*}} {layer = 0 : i64} : {{.*}}, !llm.kv_cache<1x2x128x16xf32>
// QWEN1-LABEL: func.func @stage
// QWEN1: llm.weight @shard0["model.layers.1.self_attn.q_proj.bias"]
// QWEN1: llm.attention {{.*}} {layer = 0 : i64, sliding_window = 32 : i64} : {{.*}}, !llm.kv_cache<1x2x128x16xf32>

// expected-error @+1 {{llm-extract-decoder-stage needs a prefill entry point taking (tokens, start position, KV cache)}}
module {
}

// -----

llm.param_archive @w safetensors "w.safetensors"
// expected-error @+1 {{llm-extract-decoder-stage: no final norm (model.norm.weight or output_norm.weight)}}
func.func @prefill(%tokens: tensor<?xi32>, %start: index, %cache: !llm.kv_cache<1x1x16x4xf32>)
    -> (tensor<?x8xf32>, !llm.kv_cache<1x1x16x4xf32>) attributes {llm.entry_point = #llm.entry_point<prefill>} {
  %e = llm.weight @w["model.embed_tokens.weight"] : tensor<8x4xf32>
  %h = llm.embedding %e[%tokens] : tensor<8x4xf32>, tensor<?xi32> -> tensor<?x4xf32>
  %head = llm.weight @w["lm_head.weight"] : tensor<8x4xf32>
  %logits = llm.linear %h, %head : (tensor<?x4xf32>, tensor<8x4xf32>) -> tensor<?x8xf32>
  return %logits, %cache : tensor<?x8xf32>, !llm.kv_cache<1x1x16x4xf32>
}

// -----

llm.param_archive @w safetensors "w.safetensors"
// expected-error @+1 {{llm-extract-decoder-stage: layer 0 out of range: the model has 0 decoder layers}}
func.func @prefill(%tokens: tensor<?xi32>, %start: index, %cache: !llm.kv_cache<1x1x16x4xf32>)
    -> (tensor<?x8xf32>, !llm.kv_cache<1x1x16x4xf32>) attributes {llm.entry_point = #llm.entry_point<prefill>} {
  %e = llm.weight @w["model.embed_tokens.weight"] : tensor<8x4xf32>
  %h = llm.embedding %e[%tokens] : tensor<8x4xf32>, tensor<?xi32> -> tensor<?x4xf32>
  %g = llm.weight @w["model.norm.weight"] : tensor<4xf32>
  %n = llm.rms_norm %h, %g {epsilon = 1.0e-05 : f64} : tensor<?x4xf32>, tensor<4xf32>
  %head = llm.weight @w["lm_head.weight"] : tensor<8x4xf32>
  %logits = llm.linear %n, %head : (tensor<?x4xf32>, tensor<8x4xf32>) -> tensor<?x8xf32>
  return %logits, %cache : tensor<?x8xf32>, !llm.kv_cache<1x1x16x4xf32>
}

// -----

llm.param_archive @w safetensors "w.safetensors"
// expected-error @+1 {{llm-extract-decoder-stage: decoder layers are not numbered 0 to 0}}
func.func @prefill(%tokens: tensor<?xi32>, %start: index, %cache: !llm.kv_cache<1x1x16x4xf32>)
    -> (tensor<?x8xf32>, !llm.kv_cache<1x1x16x4xf32>) attributes {llm.entry_point = #llm.entry_point<prefill>} {
  %e = llm.weight @w["model.embed_tokens.weight"] : tensor<8x4xf32>
  %h = llm.embedding %e[%tokens] : tensor<8x4xf32>, tensor<?xi32> -> tensor<?x4xf32>
  %g1 = llm.weight @w["model.layers.1.input_layernorm.weight"] : tensor<4xf32>
  %x = llm.rms_norm %h, %g1 {epsilon = 1.0e-05 : f64} : tensor<?x4xf32>, tensor<4xf32>
  %r = arith.addf %h, %x : tensor<?x4xf32>
  %g = llm.weight @w["model.norm.weight"] : tensor<4xf32>
  %n = llm.rms_norm %r, %g {epsilon = 1.0e-05 : f64} : tensor<?x4xf32>, tensor<4xf32>
  %head = llm.weight @w["lm_head.weight"] : tensor<8x4xf32>
  %logits = llm.linear %n, %head : (tensor<?x4xf32>, tensor<8x4xf32>) -> tensor<?x8xf32>
  return %logits, %cache : tensor<?x8xf32>, !llm.kv_cache<1x1x16x4xf32>
}

// -----

llm.param_archive @w safetensors "w.safetensors"
// expected-error @+1 {{llm-extract-decoder-stage: layer 0 holds 2 attentions}}
func.func @prefill(%tokens: tensor<?xi32>, %start: index, %cache: !llm.kv_cache<1x1x16x4xf32>)
    -> (tensor<?x8xf32>, !llm.kv_cache<1x1x16x4xf32>) attributes {llm.entry_point = #llm.entry_point<prefill>} {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %tokens, %c0 : tensor<?xi32>
  %e = llm.weight @w["model.embed_tokens.weight"] : tensor<8x4xf32>
  %h = llm.embedding %e[%tokens] : tensor<8x4xf32>, tensor<?xi32> -> tensor<?x4xf32>
  %g0 = llm.weight @w["model.layers.0.input_layernorm.weight"] : tensor<4xf32>
  %x = llm.rms_norm %h, %g0 {epsilon = 1.0e-05 : f64} : tensor<?x4xf32>, tensor<4xf32>
  %q = tensor.expand_shape %x [[0], [1, 2]] output_shape [%d, 1, 4] : tensor<?x4xf32> into tensor<?x1x4xf32>
  %a, %c1 = llm.attention %q, %q, %q, %cache[%start] {layer = 0 : i64} : tensor<?x1x4xf32>, tensor<?x1x4xf32>, !llm.kv_cache<1x1x16x4xf32>
  %b, %c2 = llm.attention %a, %a, %a, %c1[%start] {layer = 0 : i64} : tensor<?x1x4xf32>, tensor<?x1x4xf32>, !llm.kv_cache<1x1x16x4xf32>
  %o = tensor.collapse_shape %b [[0], [1, 2]] : tensor<?x1x4xf32> into tensor<?x4xf32>
  %r = arith.addf %h, %o : tensor<?x4xf32>
  %g = llm.weight @w["model.norm.weight"] : tensor<4xf32>
  %n = llm.rms_norm %r, %g {epsilon = 1.0e-05 : f64} : tensor<?x4xf32>, tensor<4xf32>
  %head = llm.weight @w["lm_head.weight"] : tensor<8x4xf32>
  %logits = llm.linear %n, %head : (tensor<?x4xf32>, tensor<8x4xf32>) -> tensor<?x8xf32>
  return %logits, %c2 : tensor<?x8xf32>, !llm.kv_cache<1x1x16x4xf32>
}
