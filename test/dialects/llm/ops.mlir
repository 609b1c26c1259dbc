// RUN: quant-opt %s --split-input-file --verify-roundtrip | FileCheck %s
// Custom syntax of every llm op: parse, verify, print, reparse.

// CHECK: llm.param_archive @shard0 safetensors "model-00001-of-00002.safetensors"
// CHECK: llm.param_archive @q qfparams "/abs/quantized.qfp"
llm.param_archive @shard0 safetensors "model-00001-of-00002.safetensors"
llm.param_archive @q qfparams "/abs/quantized.qfp"

// CHECK-LABEL: func.func @weights
func.func @weights() -> (tensor<4096x4096xbf16>, tensor<64x128xf32>, tensor<128xi32>) {
  // CHECK: %[[W:.*]] = llm.weight @shard0["model.layers.0.self_attn.q_proj.weight"] : tensor<4096x4096xbf16>
  %w = llm.weight @shard0["model.layers.0.self_attn.q_proj.weight"] : tensor<4096x4096xbf16>
  // CHECK: %[[Q:.*]] = llm.weight @q["layers.0.q"] : !llm.qweight<64x128xi4, group_size = 32, sym, scale = f16>
  %q = llm.weight @q["layers.0.q"] : !llm.qweight<64x128xi4, group_size = 32, sym, scale = f16>
  // CHECK: %[[D:.*]] = llm.dequantize %[[Q]] : !llm.qweight<64x128xi4, group_size = 32, sym, scale = f16> -> tensor<64x128xf32>
  %d = llm.dequantize %q : !llm.qweight<64x128xi4, group_size = 32, sym, scale = f16> -> tensor<64x128xf32>
  // A permutation (llm-fold-act-order) is a weight too.
  // CHECK: %[[P:.*]] = llm.weight @q["layers.0.q.perm"] : tensor<128xi32>
  %p = llm.weight @q["layers.0.q.perm"] : tensor<128xi32>
  // CHECK: return %[[W]], %[[D]], %[[P]]
  return %w, %d, %p : tensor<4096x4096xbf16>, tensor<64x128xf32>, tensor<128xi32>
}

// -----

// CHECK-LABEL: func.func @embedding
func.func @embedding(%table: tensor<32000x4096xbf16>, %qtable: !llm.qweight<32000x4096xi8, group_size = 32, sym, scale = f16, packing = gguf_q8_0>, %tokens: tensor<?xi32>, %one: tensor<1xi64>) -> (tensor<?x4096xf32>, tensor<1x4096xf16>) {
  // CHECK: llm.embedding %{{.*}}[%{{.*}}] : tensor<32000x4096xbf16>, tensor<?xi32> -> tensor<?x4096xf32>
  %0 = llm.embedding %table[%tokens] : tensor<32000x4096xbf16>, tensor<?xi32> -> tensor<?x4096xf32>
  // A quantized table (GGUF often stores token_embd as Q8_0) and i64 ids.
  // CHECK: llm.embedding %{{.*}}[%{{.*}}] : !llm.qweight<32000x4096xi8, {{.*}}packing = gguf_q8_0>, tensor<1xi64> -> tensor<1x4096xf16>
  %1 = llm.embedding %qtable[%one] : !llm.qweight<32000x4096xi8, group_size = 32, sym, scale = f16, packing = gguf_q8_0>, tensor<1xi64> -> tensor<1x4096xf16>
  return %0, %1 : tensor<?x4096xf32>, tensor<1x4096xf16>
}

// -----

// CHECK-LABEL: func.func @rms_norm
func.func @rms_norm(%x: tensor<?x4096xf32>, %g: tensor<4096xbf16>) -> tensor<?x4096xf32> {
  // CHECK: llm.rms_norm %{{.*}}, %{{.*}} {epsilon = 9.9999999999999995E-7 : f64} : tensor<?x4096xf32>, tensor<4096xbf16>
  %0 = llm.rms_norm %x, %g {epsilon = 1.0e-6 : f64} : tensor<?x4096xf32>, tensor<4096xbf16>
  return %0 : tensor<?x4096xf32>
}

// -----

// Folded act-order: the norm writes its features permuted, and the gather
// that remains where nothing can absorb the permutation.
// CHECK-LABEL: func.func @permuted
// CHECK-SAME: %{{.*}}: tensor<?x64xf32>, %{{.*}}: tensor<64xbf16>, %[[P:.*]]: tensor<64xi32>
func.func @permuted(%x: tensor<?x64xf32>, %g: tensor<64xbf16>, %p: tensor<64xi32>) -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  // CHECK: llm.rms_norm %{{.*}}, %{{.*}} permutation %[[P]] {epsilon = 9.9999999999999995E-7 : f64} : tensor<?x64xf32>, tensor<64xbf16>, tensor<64xi32>
  %0 = llm.rms_norm %x, %g permutation %p {epsilon = 1.0e-6 : f64} : tensor<?x64xf32>, tensor<64xbf16>, tensor<64xi32>
  // CHECK: llm.permute %{{.*}}, %[[P]] : tensor<?x64xf32>, tensor<64xi32>
  %1 = llm.permute %x, %p : tensor<?x64xf32>, tensor<64xi32>
  return %0, %1 : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// CHECK-LABEL: func.func @linear
func.func @linear(%x: tensor<?x896xf32>, %w: tensor<128x896xbf16>, %b: tensor<128xbf16>,
                  %q: !llm.qweight<4864x896xi4, group_size = 128, asym, scale = f16, act_order, packing = gptq_v2>)
    -> (tensor<?x128xf32>, tensor<?x4864xf32>) {
  // Qwen2's q/k/v projections carry a bias.
  // CHECK: llm.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x896xf32>, tensor<128x896xbf16>, tensor<128xbf16>) -> tensor<?x128xf32>
  %0 = llm.linear %x, %w, %b : (tensor<?x896xf32>, tensor<128x896xbf16>, tensor<128xbf16>) -> tensor<?x128xf32>
  // CHECK: llm.linear %{{.*}}, %{{.*}} : (tensor<?x896xf32>, !llm.qweight<4864x896xi4, group_size = 128, asym, scale = f16, packing = gptq_v2, act_order>) -> tensor<?x4864xf32>
  %1 = llm.linear %x, %q : (tensor<?x896xf32>, !llm.qweight<4864x896xi4, group_size = 128, asym, scale = f16, act_order, packing = gptq_v2>) -> tensor<?x4864xf32>
  return %0, %1 : tensor<?x128xf32>, tensor<?x4864xf32>
}

// -----

// CHECK-LABEL: func.func @rope
func.func @rope(%x: tensor<7x32x128xf32>, %pos: tensor<7xi32>) -> (tensor<7x32x128xf32>, tensor<7x32x128xf32>) {
  // CHECK: llm.rope %{{.*}}, %{{.*}} {theta = 1.000000e+04 : f64} : tensor<7x32x128xf32>, tensor<7xi32>
  %0 = llm.rope %x, %pos {theta = 10000.0 : f64} : tensor<7x32x128xf32>, tensor<7xi32>
  // CHECK: llm.rope %{{.*}}, %{{.*}} {interleaved, theta = 1.000000e+04 : f64}
  %1 = llm.rope %x, %pos {theta = 10000.0 : f64, interleaved} : tensor<7x32x128xf32>, tensor<7xi32>
  return %0, %1 : tensor<7x32x128xf32>, tensor<7x32x128xf32>
}

// -----

// CHECK-LABEL: func.func @attention
func.func @attention(%q: tensor<?x32x128xf32>, %k: tensor<?x8x128xf32>, %v: tensor<?x8x128xf32>,
                     %cache: !llm.kv_cache<32x8x4096x128xf16>, %start: index)
    -> (tensor<?x32x128xf32>, !llm.kv_cache<32x8x4096x128xf16>) {
  // CHECK: %[[O:.*]], %[[C:.*]] = llm.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}[%{{.*}}] {layer = 0 : i64} : tensor<?x32x128xf32>, tensor<?x8x128xf32>, !llm.kv_cache<32x8x4096x128xf16>
  %o, %c = llm.attention %q, %k, %v, %cache[%start] {layer = 0} : tensor<?x32x128xf32>, tensor<?x8x128xf32>, !llm.kv_cache<32x8x4096x128xf16>
  // Mistral's sliding window and an explicit softmax scale.
  // CHECK: llm.attention {{.*}} {layer = 31 : i64, scale = 1.250000e-01 : f64, sliding_window = 4096 : i64}
  %o2, %c2 = llm.attention %o, %k, %v, %c[%start] {layer = 31, sliding_window = 4096, scale = 0.125 : f64} : tensor<?x32x128xf32>, tensor<?x8x128xf32>, !llm.kv_cache<32x8x4096x128xf16>
  return %o2, %c2 : tensor<?x32x128xf32>, !llm.kv_cache<32x8x4096x128xf16>
}

// -----

// CHECK-LABEL: func.func @activations
func.func @activations(%g: tensor<?x11008xf32>, %u: tensor<?x11008xf32>) -> (tensor<?x11008xf32>, tensor<?x11008xf32>) {
  // CHECK: llm.silu %{{.*}} : tensor<?x11008xf32>
  %0 = llm.silu %g : tensor<?x11008xf32>
  // CHECK: llm.swiglu %{{.*}}, %{{.*}} : tensor<?x11008xf32>
  %1 = llm.swiglu %g, %u : tensor<?x11008xf32>
  return %0, %1 : tensor<?x11008xf32>, tensor<?x11008xf32>
}
