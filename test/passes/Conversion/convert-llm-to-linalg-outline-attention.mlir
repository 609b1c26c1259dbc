// RUN: quant-opt %s --split-input-file --convert-llm-to-linalg=outline-attention | FileCheck %s
// RUN: quant-opt %s --split-input-file --convert-llm-to-linalg | FileCheck %s --check-prefix=INLINE

// Two layers of one shape share one read function: the new rows are
// appended in the caller, the function reads the layer its argument names.
// CHECK-LABEL: func.func private @qf_attention_4x8_kv3x2x16_f16_f32f32(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<?x4x8xf32>, %[[C:[a-z0-9]+]]: tensor<3x2x2x16x8xf16>, %[[L:[a-z0-9]+]]: index, %[[S:[a-z0-9]+]]: index, %[[SC:[a-z0-9]+]]: f32, %[[O:[a-z0-9]+]]: tensor<?x4x8xf32>) -> tensor<?x4x8xf32>
// CHECK-SAME: qf.kernel_attention = {head_dim = 8 : i64, heads = 4 : i64, kv_heads = 2 : i64, window = 0 : i64}
// CHECK: tensor.extract_slice %[[C]][%[[L]], 0, 0, 0, 0]
// CHECK: tensor.extract_slice %[[C]][%[[L]], 1, 0, 0, 0]
// CHECK: arith.mulf %{{.*}}, %[[SC]] : f32
// CHECK: math.exp
// CHECK: %[[W:.*]] = tensor.insert_slice %{{.*}} into %[[O]][0, 0, 0]
// CHECK: return %[[W]]
// CHECK-LABEL: func.func @two_layers
// CHECK: %[[K1:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[1, 0, 0, %{{.*}}, 0]
// CHECK: %[[V1:.*]] = tensor.insert_slice %{{.*}} into %[[K1]][1, 1, 0, %{{.*}}, 0]
// CHECK: %[[SCALE:.*]] = arith.constant 0.353553385 : f32
// CHECK: %[[E:.*]] = tensor.empty
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: call @qf_attention_4x8_kv3x2x16_f16_f32f32(%{{.*}}, %[[V1]], %[[ONE]], %{{.*}}, %[[SCALE]], %[[E]])
// CHECK: %[[TWO:.*]] = arith.constant 2 : index
// CHECK: call @qf_attention_4x8_kv3x2x16_f16_f32f32(%{{.*}}, %{{.*}}, %[[TWO]],
// CHECK-NOT: math.exp
// CHECK: return
// INLINE-LABEL: func.func @two_layers
// INLINE-NOT: call
// INLINE-COUNT-2: math.exp
func.func @two_layers(%q: tensor<?x4x8xf32>, %k: tensor<?x2x8xf32>, %v: tensor<?x2x8xf32>, %c: !llm.kv_cache<3x2x16x8xf16>, %s: index) -> (tensor<?x4x8xf32>, tensor<?x4x8xf32>, !llm.kv_cache<3x2x16x8xf16>) {
  %o1, %c1 = llm.attention %q, %k, %v, %c[%s] {layer = 1} : tensor<?x4x8xf32>, tensor<?x2x8xf32>, !llm.kv_cache<3x2x16x8xf16>
  %o2, %c2 = llm.attention %o1, %k, %v, %c1[%s] {layer = 2} : tensor<?x4x8xf32>, tensor<?x2x8xf32>, !llm.kv_cache<3x2x16x8xf16>
  return %o1, %o2, %c2 : tensor<?x4x8xf32>, tensor<?x4x8xf32>, !llm.kv_cache<3x2x16x8xf16>
}

// -----

// A sliding window and an explicit scale: the window is part of the
// function (its name and attribute), the scale an argument.
// CHECK-LABEL: func.func private @qf_attention_2x8_kv1x2x16_f32_f32f32_w4(
// CHECK-SAME: window = 4 : i64
// CHECK: arith.cmpi ugt
// CHECK-LABEL: func.func @window
// CHECK: %[[SCALE:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: call @qf_attention_2x8_kv1x2x16_f32_f32f32_w4(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[SCALE]],
func.func @window(%q: tensor<?x2x8xf32>, %k: tensor<?x2x8xf32>, %c: !llm.kv_cache<1x2x16x8xf32>, %s: index) -> tensor<?x2x8xf32> {
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 0, sliding_window = 4, scale = 0.5} : tensor<?x2x8xf32>, tensor<?x2x8xf32>, !llm.kv_cache<1x2x16x8xf32>
  return %o : tensor<?x2x8xf32>
}

// -----

// Caches with scales and paged caches keep their reads inline.
// CHECK-LABEL: func.func @scaled
// CHECK-NOT: call
// CHECK: math.exp
func.func @scaled(%q: tensor<?x4x8xf32>, %k: tensor<?x2x8xf32>, %c: !llm.kv_cache<3x2x16x8xi8, scale = f32>, %s: index) -> tensor<?x4x8xf32> {
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 1} : tensor<?x4x8xf32>, tensor<?x2x8xf32>, !llm.kv_cache<3x2x16x8xi8, scale = f32>
  return %o : tensor<?x4x8xf32>
}
// CHECK-LABEL: func.func @paged
// CHECK-NOT: call
// CHECK: math.exp
func.func @paged(%q: tensor<?x4x8xf32>, %k: tensor<?x2x8xf32>, %c: !llm.kv_cache<2x2x16x8xf16, block_size = 4>, %s: index) -> tensor<?x4x8xf32> {
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 1} : tensor<?x4x8xf32>, tensor<?x2x8xf32>, !llm.kv_cache<2x2x16x8xf16, block_size = 4>
  return %o : tensor<?x4x8xf32>
}
