// RUN: quant-opt %s --split-input-file --verify-roundtrip | FileCheck %s
// Quantized weight, KV cache and rope scaling syntax: parse, print, reparse.

llm.param_archive @p safetensors "model.safetensors"

// CHECK-LABEL: func.func @qweight_forms
func.func @qweight_forms() {
  // CHECK: !llm.qweight<4096x4096xi4, group_size = 128, asym, scale = f16>
  %0 = llm.weight @p["a"] : !llm.qweight<4096x4096xi4, group_size = 128, asym, scale = f16>
  // Options print in a fixed order whatever order they were written in.
  // CHECK: !llm.qweight<11008x4096xi4, group_size = 128, asym, scale = bf16, packing = gptq_v1, act_order>
  %1 = llm.weight @p["b"] : !llm.qweight<11008x4096xi4, act_order, packing = gptq_v1, scale = bf16, asym, group_size = 128>
  // A group as wide as the row is per-channel.
  // CHECK: !llm.qweight<64x256xi8, per_channel, sym, scale = f32>
  %2 = llm.weight @p["c"] : !llm.qweight<64x256xi8, group_size = 256, sym, scale = f32>
  // CHECK: !llm.qweight<64x256xi3, per_channel, asym, scale = f16>
  %3 = llm.weight @p["d"] : !llm.qweight<64x256xi3, per_channel, asym, scale = f16>
  // CHECK: !llm.qweight<64x256xi2, group_size = 64, asym, scale = f16>
  %4 = llm.weight @p["e"] : !llm.qweight<64x256xi2, group_size = 64, asym, scale = f16>
  return
}

// -----

llm.param_archive @g gguf "model.gguf"

// Every GGUF block layout with the bits, groups and symmetry it implies.
// CHECK-LABEL: func.func @gguf_packings
func.func @gguf_packings() {
  // CHECK: packing = gguf_q8_0
  %0 = llm.weight @g["a"] : !llm.qweight<32x256xi8, group_size = 32, sym, scale = f16, packing = gguf_q8_0>
  // CHECK: packing = gguf_q4_0
  %1 = llm.weight @g["b"] : !llm.qweight<32x256xi4, group_size = 32, sym, scale = f16, packing = gguf_q4_0>
  // CHECK: packing = gguf_q4_1
  %2 = llm.weight @g["c"] : !llm.qweight<32x256xi4, group_size = 32, asym, scale = f16, packing = gguf_q4_1>
  // CHECK: packing = gguf_q4_k
  %3 = llm.weight @g["d"] : !llm.qweight<32x256xi4, group_size = 32, asym, scale = f16, packing = gguf_q4_k>
  // CHECK: packing = gguf_q5_k
  %4 = llm.weight @g["e"] : !llm.qweight<32x256xi5, group_size = 32, asym, scale = f16, packing = gguf_q5_k>
  // CHECK: packing = gguf_q6_k
  %5 = llm.weight @g["f"] : !llm.qweight<32x256xi6, group_size = 16, sym, scale = f16, packing = gguf_q6_k>
  // CHECK: packing = awq_gemm
  %6 = llm.weight @g["g"] : !llm.qweight<32x256xi4, group_size = 128, asym, scale = f16, packing = awq_gemm>
  // CHECK: packing = gptq_v2
  %7 = llm.weight @g["h"] : !llm.qweight<32x256xi3, group_size = 128, asym, scale = f16, packing = gptq_v2>
  return
}

// -----

// CHECK-LABEL: func.func @kv_caches
// CHECK-SAME: !llm.kv_cache<32x8x4096x128xf16>
// CHECK-SAME: !llm.kv_cache<32x8x4096x128xi8, scale = f32>
// CHECK-SAME: !llm.kv_cache<2x4x1024x32xf8E4M3FN>
// CHECK-SAME: !llm.kv_cache<2x4x1024x32xf8E4M3FN, scale = f16, block_size = 16>
// CHECK-SAME: !llm.kv_cache<2x4x1024x32xbf16, block_size = 1024>
func.func @kv_caches(%a: !llm.kv_cache<32x8x4096x128xf16>,
                     %b: !llm.kv_cache<32x8x4096x128xi8, scale = f32>,
                     %c: !llm.kv_cache<2x4x1024x32xf8E4M3FN>,
                     %d: !llm.kv_cache<2x4x1024x32xf8E4M3FN, block_size = 16, scale = f16>,
                     %e: !llm.kv_cache<2x4x1024x32xbf16, block_size = 1024>) {
  return
}

// -----

// A mixed cache lists the layers whose storage differs from the default.
// CHECK-LABEL: func.func @kv_mixed
// CHECK-SAME: !llm.kv_cache<4x8x4096x128xi8, scale = f32, layers = [0: f16, 3: f8E4M3FN scale = f16]>
// CHECK-SAME: !llm.kv_cache<2x4x1024x32xf8E4M3FN, layers = [1: i8 scale = f32], block_size = 16>
func.func @kv_mixed(%a: !llm.kv_cache<4x8x4096x128xi8, scale = f32, layers = [0: f16, 3: f8E4M3FN scale = f16]>,
                    %b: !llm.kv_cache<2x4x1024x32xf8E4M3FN, block_size = 16, layers = [1: i8 scale = f32]>) {
  return
}

// -----

// CHECK-LABEL: func.func @rope_scalings
func.func @rope_scalings(%x: tensor<?x4x64xf32>, %pos: tensor<?xi32>) -> (tensor<?x4x64xf32>, tensor<?x4x64xf32>) {
  // CHECK: scaling = #llm.rope_scaling<linear, factor = 2.000000e+00 : f64>
  %0 = llm.rope %x, %pos {theta = 10000.0 : f64, scaling = #llm.rope_scaling<linear, factor = 2.0 : f64>} : tensor<?x4x64xf32>, tensor<?xi32>
  // CHECK: scaling = #llm.rope_scaling<llama3, factor = 8.000000e+00 : f64, low_freq_factor = 1.000000e+00 : f64, high_freq_factor = 4.000000e+00 : f64, original_max_position = 8192 : i64>
  %1 = llm.rope %x, %pos {theta = 500000.0 : f64, scaling = #llm.rope_scaling<llama3, factor = 8.0 : f64, low_freq_factor = 1.0 : f64, high_freq_factor = 4.0 : f64, original_max_position = 8192>} : tensor<?x4x64xf32>, tensor<?xi32>
  return %0, %1 : tensor<?x4x64xf32>, tensor<?x4x64xf32>
}
