// RUN: quant-opt %s --split-input-file --convert-llm-to-linalg --verify-diagnostics | FileCheck %s

// A linear layer is one contraction that widens the bf16 weight in its body,
// plus an elementwise generic for the bias.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[W:.*]]: tensor<3x4xbf16>, %[[B:.*]]: tensor<3xf32>)
func.func @linear(%x: tensor<?x4xf32>, %w: tensor<3x4xbf16>, %b: tensor<3xf32>) -> tensor<?x3xf32> {
  // CHECK: %[[ACC:.*]] = linalg.fill
  // CHECK: %[[MM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[W]] : tensor<?x4xf32>, tensor<3x4xbf16>) outs(%[[ACC]]
  // CHECK: arith.extf %{{.*}} : bf16 to f32
  // CHECK: arith.mulf {{.*}} fastmath<reassoc,contract>
  // CHECK: linalg.generic {{.*}} ins(%[[MM]], %[[B]] : tensor<?x3xf32>, tensor<3xf32>)
  %y = llm.linear %x, %w, %b : (tensor<?x4xf32>, tensor<3x4xbf16>, tensor<3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// RMSNorm: a sum-of-squares reduction, then x * rsqrt(mean + eps) * weight.
// CHECK-LABEL: func.func @rms_norm
func.func @rms_norm(%x: tensor<?x8xf32>, %g: tensor<8xf16>) -> tensor<?x8xf32> {
  // CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
  // CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
  // CHECK: arith.constant 8.000000e+00 : f32
  // CHECK: arith.constant 9.99999974E-6 : f32
  // CHECK: math.rsqrt
  %y = llm.rms_norm %x, %g {epsilon = 1.0e-5 : f64} : tensor<?x8xf32>, tensor<8xf16>
  return %y : tensor<?x8xf32>
}

// -----

// The inverse frequencies are a compile-time constant: theta^(-2i/d).
// CHECK-LABEL: func.func @rope
func.func @rope(%x: tensor<?x2x4xf32>, %p: tensor<?xi32>) -> tensor<?x2x4xf32> {
  // CHECK: arith.constant dense<[1.000000e+00, 0.00999999977]> : tensor<2xf32>
  // CHECK: linalg.generic
  // CHECK: math.cos
  // CHECK: math.sin
  %y = llm.rope %x, %p {theta = 10000.0 : f64} : tensor<?x2x4xf32>, tensor<?xi32>
  return %y : tensor<?x2x4xf32>
}

// -----

// Linear scaling divides the frequencies by the factor.
// CHECK-LABEL: func.func @rope_linear
func.func @rope_linear(%x: tensor<?x2x4xf32>, %p: tensor<?xi32>) -> tensor<?x2x4xf32> {
  // CHECK: arith.constant dense<[5.000000e-01, 5.000000e-03]> : tensor<2xf32>
  %y = llm.rope %x, %p {theta = 10000.0 : f64, scaling = #llm.rope_scaling<linear, factor = 2.0 : f64>} : tensor<?x2x4xf32>, tensor<?xi32>
  return %y : tensor<?x2x4xf32>
}

// -----

// Attention: append K and V at start_pos, then scores over the history with
// grouped heads (4 query heads read KV head h floordiv 2), mask, softmax.
// CHECK-DAG: #[[KV:.*]] = affine_map<(d0, d1, d2, d3) -> (d0 floordiv 2, d2, d3)>
// CHECK-LABEL: func.func @attention
// CHECK-SAME: %[[CACHE:[a-z0-9]+]]: tensor<3x2x2x16x8xf16>
func.func @attention(%q: tensor<?x4x8xf32>, %k: tensor<?x2x8xf32>, %v: tensor<?x2x8xf32>,
                     %c: !llm.kv_cache<3x2x16x8xf16>, %s: index) -> (tensor<?x4x8xf32>, !llm.kv_cache<3x2x16x8xf16>) {
  // The new keys are transposed to [kv_heads, seq, dim] and narrowed to f16.
  // CHECK: arith.truncf %{{.*}} : f32 to f16
  // CHECK: %[[K:.*]] = tensor.insert_slice %{{.*}} into %[[CACHE]][1, 0, 0, %{{.*}}, 0] [1, 1, 2, %{{.*}}, 8] [1, 1, 1, 1, 1]
  // CHECK: %[[KV2:.*]] = tensor.insert_slice %{{.*}} into %[[K]][1, 1, 0, %{{.*}}, 0]
  // CHECK: arith.constant 0.353553385 : f32
  // CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[KV]], #{{.*}}]
  // CHECK: arith.constant 0xFF800000 : f32
  // CHECK: math.exp
  // CHECK: return %{{.*}}, %[[KV2]]
  %o, %c1 = llm.attention %q, %k, %v, %c[%s] {layer = 1} : tensor<?x4x8xf32>, tensor<?x2x8xf32>, !llm.kv_cache<3x2x16x8xf16>
  return %o, %c1 : tensor<?x4x8xf32>, !llm.kv_cache<3x2x16x8xf16>
}

// -----

// A sliding window adds a lower bound to the causal mask.
// CHECK-LABEL: func.func @window
func.func @window(%q: tensor<?x2x8xf32>, %k: tensor<?x2x8xf32>, %c: !llm.kv_cache<1x2x16x8xf32>, %s: index) -> tensor<?x2x8xf32> {
  // CHECK: arith.constant 4 : index
  // CHECK: arith.cmpi ugt
  // CHECK: arith.andi
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 0, sliding_window = 4} : tensor<?x2x8xf32>, tensor<?x2x8xf32>, !llm.kv_cache<1x2x16x8xf32>
  return %o : tensor<?x2x8xf32>
}

// -----

// CHECK-LABEL: func.func @activations
func.func @activations(%g: tensor<?x8xf32>, %u: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // CHECK: linalg.generic
  // CHECK: arith.negf
  // CHECK: math.exp
  // CHECK: arith.divf
  // CHECK: arith.mulf
  %y = llm.swiglu %g, %u : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// Token ids are clamped into the table before the gather.
// CHECK-LABEL: func.func @embedding
func.func @embedding(%t: tensor<100x8xbf16>, %ids: tensor<?xi32>) -> tensor<?x8xf32> {
  // CHECK: arith.constant 99 : index
  // CHECK: arith.maxsi
  // CHECK: arith.minsi
  // CHECK: tensor.extract
  // CHECK: arith.extf
  %h = llm.embedding %t[%ids] : tensor<100x8xbf16>, tensor<?xi32> -> tensor<?x8xf32>
  return %h : tensor<?x8xf32>
}

// -----

// A canonical quantized weight arrives as its parts (values, scales, zero
// points); the contraction decodes them in its body.
// CHECK-LABEL: func.func @canonical
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[Q:.*]]: tensor<32x32xi8>, %[[S:.*]]: tensor<32x2xf16>, %[[Z:.*]]: tensor<32x1xi8>)
func.func @canonical(%x: tensor<?x64xf32>, %w: !llm.qweight<32x64xi4, group_size = 32, asym, scale = f16>) -> tensor<?x32xf32> {
  // CHECK: linalg.generic {{.*}} ins(%[[X]] : tensor<?x64xf32>)
  // CHECK: tensor.extract %[[Q]]
  // CHECK: arith.shrui
  // CHECK: tensor.extract %[[Z]]
  // CHECK: arith.subi
  // CHECK: tensor.extract %[[S]]
  // CHECK: arith.extf %{{.*}} : f16 to f32
  %y = llm.linear %x, %w : (tensor<?x64xf32>, !llm.qweight<32x64xi4, group_size = 32, asym, scale = f16>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

// Unfolded act-order: g_idx is one more part, looked up for every weight
// element (what llm-fold-act-order removes).
// CHECK-LABEL: func.func @act_order
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %{{.*}}: tensor<32x32xi8>, %{{.*}}: tensor<32x2xf16>, %{{.*}}: tensor<32x1xi8>, %[[G:.*]]: tensor<64xi32>)
func.func @act_order(%x: tensor<?x64xf32>, %w: !llm.qweight<32x64xi4, group_size = 32, asym, scale = f16, act_order>) -> tensor<?x32xf32> {
  // CHECK: linalg.generic {{.*}} ins(%[[X]] : tensor<?x64xf32>)
  // CHECK: %[[K:.*]] = linalg.index 2 : index
  // CHECK: %[[GI:.*]] = tensor.extract %[[G]][%[[K]]] : tensor<64xi32>
  // CHECK: arith.index_cast %[[GI]] : i32 to index
  %y = llm.linear %x, %w : (tensor<?x64xf32>, !llm.qweight<32x64xi4, group_size = 32, asym, scale = f16, act_order>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

// Folded act-order in a norm: the normalize loop reads x and the weight at
// p[i]; the sum of squares does not depend on the order.
// CHECK-LABEL: func.func @rms_norm_permuted
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[W:.*]]: tensor<8xf16>, %[[P:.*]]: tensor<8xi32>)
func.func @rms_norm_permuted(%x: tensor<?x8xf32>, %g: tensor<8xf16>, %p: tensor<8xi32>) -> tensor<?x8xf32> {
  // CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%[[X]] : tensor<?x8xf32>)
  // CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]{{.*}} ins(%[[SUM]], %[[P]] : tensor<?xf32>, tensor<8xi32>)
  // CHECK: ^bb0(%{{.*}}: f32, %[[I:.*]]: i32, %{{.*}}: f32):
  // CHECK: %[[FROM:.*]] = arith.index_cast %[[I]] : i32 to index
  // CHECK: tensor.extract %[[X]][%{{.*}}, %[[FROM]]] : tensor<?x8xf32>
  // CHECK: tensor.extract %[[W]][%[[FROM]]] : tensor<8xf16>
  // CHECK: math.rsqrt
  %y = llm.rms_norm %x, %g permutation %p {epsilon = 1.0e-5 : f64} : tensor<?x8xf32>, tensor<8xf16>, tensor<8xi32>
  return %y : tensor<?x8xf32>
}

// -----

// The explicit gather of folded act-order: y[s, i] = x[s, p[i]].
// CHECK-LABEL: func.func @permute
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[P:.*]]: tensor<8xi32>)
func.func @permute(%x: tensor<?x8xf32>, %p: tensor<8xi32>) -> tensor<?x8xf32> {
  // CHECK: linalg.generic {{.*}} ins(%[[P]] : tensor<8xi32>)
  // CHECK: %[[ROW:.*]] = linalg.index 0 : index
  // CHECK: %[[FROM:.*]] = arith.index_cast %{{.*}} : i32 to index
  // CHECK: tensor.extract %[[X]][%[[ROW]], %[[FROM]]] : tensor<?x8xf32>
  %y = llm.permute %x, %p : tensor<?x8xf32>, tensor<8xi32>
  return %y : tensor<?x8xf32>
}

// -----

// Symmetric weights have no zero-point part: the midpoint is a constant.
// CHECK-LABEL: func.func @symmetric
// CHECK-SAME: (%{{.*}}: tensor<?x64xf32>, %{{.*}}: tensor<32x64xi8>, %{{.*}}: tensor<32x1xf32>) -> tensor<?x32xf32>
func.func @symmetric(%x: tensor<?x64xf32>, %w: !llm.qweight<32x64xi8, per_channel, sym, scale = f32>) -> tensor<?x32xf32> {
  // CHECK: arith.constant 128 : i32
  %y = llm.linear %x, %w : (tensor<?x64xf32>, !llm.qweight<32x64xi8, per_channel, sym, scale = f32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

func.func @gptq(%x: tensor<?x64xf32>, %w: !llm.qweight<32x64xi4, group_size = 32, asym, scale = f16, packing = gptq_v1>) -> tensor<?x32xf32> {
  // expected-error @+1 {{'llm.linear' op with packing 'gptq_v1' is not lowered yet (only the canonical layout)}}
  %y = llm.linear %x, %w : (tensor<?x64xf32>, !llm.qweight<32x64xi4, group_size = 32, asym, scale = f16, packing = gptq_v1>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

func.func @quantized_embedding(%w: !llm.qweight<32x64xi4, group_size = 32, sym, scale = f16>, %t: tensor<?xi32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'llm.embedding' op with a quantized weight is not lowered yet}}
  %h = llm.embedding %w[%t] : !llm.qweight<32x64xi4, group_size = 32, sym, scale = f16>, tensor<?xi32> -> tensor<?x64xf32>
  return %h : tensor<?x64xf32>
}

// -----

// An int8 cache lowers to elements and scales. New rows are quantized when
// they are appended (scale = max|x| / 127 per token and KV head, 1 for a
// zero row; round half to even, clamp to +-127); the score and value
// contractions dequantize in their bodies, so no float copy exists.
// CHECK-DAG: #[[KEYS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0 floordiv 2, d2, d3)>
// CHECK-DAG: #[[KSCALES:.*]] = affine_map<(d0, d1, d2, d3) -> (d0 floordiv 2, d2)>
// CHECK-LABEL: func.func @attention_int8
// CHECK-SAME: %[[DATA:[a-z0-9]+]]: tensor<3x2x2x16x8xi8>, %[[SCALES:[a-z0-9]+]]: tensor<3x2x2x16xf32>
// CHECK-SAME: -> (tensor<?x4x8xf32>, tensor<3x2x2x16x8xi8>, tensor<3x2x2x16xf32>)
func.func @attention_int8(%q: tensor<?x4x8xf32>, %k: tensor<?x2x8xf32>, %v: tensor<?x2x8xf32>,
                          %c: !llm.kv_cache<3x2x16x8xi8, scale = f32>, %s: index)
    -> (tensor<?x4x8xf32>, !llm.kv_cache<3x2x16x8xi8, scale = f32>) {
  // CHECK: math.absf
  // CHECK: arith.maximumf
  // CHECK: arith.cmpf oeq
  // CHECK: arith.divf %{{.*}}, %{{.*}} : f32
  // CHECK: arith.select
  // CHECK: math.roundeven
  // CHECK: arith.fptosi %{{.*}} : f32 to i8
  // CHECK: %[[K:.*]] = tensor.insert_slice %{{.*}} into %[[DATA]][1, 0, 0, %{{.*}}, 0] [1, 1, 2, %{{.*}}, 8]
  // CHECK: %[[KS:.*]] = tensor.insert_slice %{{.*}} into %[[SCALES]][1, 0, 0, %{{.*}}] [1, 1, 2, %{{.*}}]
  // CHECK: %[[V:.*]] = tensor.insert_slice %{{.*}} into %[[K]][1, 1, 0
  // CHECK: %[[VS:.*]] = tensor.insert_slice %{{.*}} into %[[KS]][1, 1, 0
  // CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[KEYS]], #[[KSCALES]], #{{.*}}]
  // CHECK: ^bb0(%{{.*}}: f32, %[[STORED:.*]]: i8, %[[SCALE:.*]]: f32,
  // CHECK: %[[LEVEL:.*]] = arith.sitofp %[[STORED]] : i8 to f32
  // CHECK: arith.mulf %[[SCALE]], %[[LEVEL]]
  // CHECK: return %{{.*}}, %[[V]], %[[VS]]
  %o, %c1 = llm.attention %q, %k, %v, %c[%s] {layer = 1} : tensor<?x4x8xf32>, tensor<?x2x8xf32>, !llm.kv_cache<3x2x16x8xi8, scale = f32>
  return %o, %c1 : tensor<?x4x8xf32>, !llm.kv_cache<3x2x16x8xi8, scale = f32>
}

// -----

// fp8 is stored as the i8 bits of e4m3fn, encoded with integer arithmetic
// on the f32 bits (clamp to +-448, round to nearest even, subnormals below
// 2^-6) and decoded the same way inside the contractions.
// CHECK-LABEL: func.func @attention_fp8
// CHECK-SAME: tensor<1x2x2x16x8xi8>
func.func @attention_fp8(%q: tensor<?x2x8xf32>, %k: tensor<?x2x8xf32>,
                         %c: !llm.kv_cache<1x2x16x8xf8E4M3FN>, %s: index)
    -> (tensor<?x2x8xf32>, !llm.kv_cache<1x2x16x8xf8E4M3FN>) {
  // CHECK: arith.constant 4.480000e+02 : f32
  // CHECK: arith.bitcast %{{.*}} : f32 to i32
  // CHECK: arith.constant 524287 : i32
  // CHECK: math.roundeven
  // CHECK: arith.trunci %{{.*}} : i32 to i8
  // CHECK: tensor.insert_slice
  // CHECK: linalg.generic
  // CHECK: arith.extui %{{.*}} : i8 to i32
  // CHECK: arith.bitcast %{{.*}} : i32 to f32
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 0} : tensor<?x2x8xf32>, tensor<?x2x8xf32>, !llm.kv_cache<1x2x16x8xf8E4M3FN>
  return %o, %c1 : tensor<?x2x8xf32>, !llm.kv_cache<1x2x16x8xf8E4M3FN>
}

// -----

// The paged layout is a pool of blocks, its scales and the block table. New
// tokens go to the block the table names for their position, in an
// scf.forall mapped to threads (so that a one-token loop stays a loop);
// reads go through the table too.
// CHECK-LABEL: func.func @attention_paged
// CHECK-SAME: %[[POOL:[a-z0-9]+]]: tensor<?x2x2x2x4x8xi8>, %[[PSCALES:[a-z0-9]+]]: tensor<?x2x2x2x4xf16>, %[[TABLE:[a-z0-9]+]]: tensor<4xi32>
func.func @attention_paged(%q: tensor<?x4x8xf32>, %k: tensor<?x2x8xf32>,
                           %c: !llm.kv_cache<2x2x16x8xi8, scale = f16, block_size = 4>, %s: index)
    -> (tensor<?x4x8xf32>, !llm.kv_cache<2x2x16x8xi8, scale = f16, block_size = 4>) {
  // CHECK: arith.truncf %{{.*}} : f32 to f16
  // CHECK: %[[WRITE:.*]]:2 = scf.forall (%[[T:.*]]) in (%{{.*}}) shared_outs(%[[P:.*]] = %[[POOL]], %[[PS:.*]] = %[[PSCALES]])
  // CHECK: %[[ENTRY:.*]] = tensor.extract %[[TABLE]][%{{.*}}] : tensor<4xi32>
  // CHECK: %[[BLOCK:.*]] = arith.index_cast %[[ENTRY]] : i32 to index
  // CHECK: scf.forall.in_parallel
  // CHECK: tensor.parallel_insert_slice %{{.*}} into %[[P]][%[[BLOCK]], 1, 0, 0, %{{.*}}, 0] [1, 1, 1, 2, 1, 8]
  // CHECK: tensor.parallel_insert_slice %{{.*}} into %[[PS]][%[[BLOCK]], 1, 0, 0, %{{.*}}] [1, 1, 1, 2, 1]
  // CHECK: {mapping = [#gpu.thread<linear_dim_0>]}
  // CHECK: linalg.generic
  // CHECK: tensor.extract %[[TABLE]]
  // CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : tensor<?x2x2x2x4xf16>
  // CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : tensor<?x2x2x2x4x8xi8>
  // CHECK: return %{{.*}}, %{{.*}}, %{{.*}}, %[[TABLE]]
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 1} : tensor<?x4x8xf32>, tensor<?x2x8xf32>, !llm.kv_cache<2x2x16x8xi8, scale = f16, block_size = 4>
  return %o, %c1 : tensor<?x4x8xf32>, !llm.kv_cache<2x2x16x8xi8, scale = f16, block_size = 4>
}

// -----

// A mixed cache lowers to one array (and scales) per storage, in the order
// of each storage's first layer: here i8 layers 0 and 2 with f32 scales,
// then f16 layer 1. Each attention writes and reads only its own layer's
// arrays, at the layer's index among those of its storage, with that
// storage's code: layer 1 is plain f16, layer 2 int8 at index 1.
// CHECK-LABEL: func.func @attention_mixed
// CHECK-SAME: %[[I8:[a-z0-9]+]]: tensor<2x2x2x16x8xi8>, %[[I8S:[a-z0-9]+]]: tensor<2x2x2x16xf32>, %[[F16:[a-z0-9]+]]: tensor<1x2x2x16x8xf16>
// CHECK-SAME: -> (tensor<?x4x8xf32>, tensor<2x2x2x16x8xi8>, tensor<2x2x2x16xf32>, tensor<1x2x2x16x8xf16>)
func.func @attention_mixed(%q: tensor<?x4x8xf32>, %k: tensor<?x2x8xf32>, %v: tensor<?x2x8xf32>,
                           %c: !llm.kv_cache<3x2x16x8xi8, scale = f32, layers = [1: f16]>, %s: index)
    -> (tensor<?x4x8xf32>, !llm.kv_cache<3x2x16x8xi8, scale = f32, layers = [1: f16]>) {
  // CHECK-NOT: math.roundeven
  // CHECK: arith.truncf %{{.*}} : f32 to f16
  // CHECK: %[[K1:.*]] = tensor.insert_slice %{{.*}} into %[[F16]][0, 0, 0, %{{.*}}, 0] [1, 1, 2, %{{.*}}, 8]
  // CHECK: %[[V1:.*]] = tensor.insert_slice %{{.*}} into %[[K1]][0, 1, 0, %{{.*}}, 0] [1, 1, 2, %{{.*}}, 8]
  // CHECK: tensor.extract_slice %[[V1]][0, 0, 0, 0, 0]
  // CHECK: arith.extf %{{.*}} : f16 to f32
  // CHECK: math.roundeven
  // CHECK: %[[K2:.*]] = tensor.insert_slice %{{.*}} into %[[I8]][1, 0, 0, %{{.*}}, 0] [1, 1, 2, %{{.*}}, 8]
  // CHECK: %[[K2S:.*]] = tensor.insert_slice %{{.*}} into %[[I8S]][1, 0, 0, %{{.*}}] [1, 1, 2, %{{.*}}]
  // CHECK: %[[V2:.*]] = tensor.insert_slice %{{.*}} into %[[K2]][1, 1, 0
  // CHECK: %[[V2S:.*]] = tensor.insert_slice %{{.*}} into %[[K2S]][1, 1, 0
  // CHECK: arith.sitofp %{{.*}} : i8 to f32
  // CHECK: return %{{.*}}, %[[V2]], %[[V2S]], %[[V1]]
  %o, %c1 = llm.attention %q, %k, %v, %c[%s] {layer = 1} : tensor<?x4x8xf32>, tensor<?x2x8xf32>, !llm.kv_cache<3x2x16x8xi8, scale = f32, layers = [1: f16]>
  %o2, %c2 = llm.attention %o, %k, %v, %c1[%s] {layer = 2} : tensor<?x4x8xf32>, tensor<?x2x8xf32>, !llm.kv_cache<3x2x16x8xi8, scale = f32, layers = [1: f16]>
  return %o2, %c2 : tensor<?x4x8xf32>, !llm.kv_cache<3x2x16x8xi8, scale = f32, layers = [1: f16]>
}

// -----

// Paged, each storage has its pool (a block index selects the same block in
// every pool) and one block table serves them all: layer 1 (fp8, index 0 of
// its pool) is written and read through the table, the int8 pool of layer 0
// is returned untouched.
// CHECK-LABEL: func.func @attention_mixed_paged
// CHECK-SAME: %[[I8:[a-z0-9]+]]: tensor<?x1x2x2x4x8xi8>, %[[I8S:[a-z0-9]+]]: tensor<?x1x2x2x4xf16>, %[[FP8:[a-z0-9]+]]: tensor<?x1x2x2x4x8xi8>, %[[TABLE:[a-z0-9]+]]: tensor<4xi32>
func.func @attention_mixed_paged(%q: tensor<?x4x8xf32>, %k: tensor<?x2x8xf32>,
                                 %c: !llm.kv_cache<2x2x16x8xi8, scale = f16, layers = [1: f8E4M3FN], block_size = 4>, %s: index)
    -> (tensor<?x4x8xf32>, !llm.kv_cache<2x2x16x8xi8, scale = f16, layers = [1: f8E4M3FN], block_size = 4>) {
  // CHECK: %[[K:.*]] = scf.forall (%{{.*}}) in (%{{.*}}) shared_outs(%[[P:.*]] = %[[FP8]]) -> (tensor<?x1x2x2x4x8xi8>)
  // CHECK: tensor.extract %[[TABLE]]
  // CHECK: tensor.parallel_insert_slice %{{.*}} into %[[P]][%{{.*}}, 0, 0, 0, %{{.*}}, 0] [1, 1, 1, 2, 1, 8]
  // CHECK: %[[V:.*]] = scf.forall (%{{.*}}) in (%{{.*}}) shared_outs(%[[P2:.*]] = %[[K]])
  // CHECK: tensor.parallel_insert_slice %{{.*}} into %[[P2]][%{{.*}}, 0, 1, 0, %{{.*}}, 0] [1, 1, 1, 2, 1, 8]
  // CHECK: linalg.generic
  // CHECK: tensor.extract %[[TABLE]]
  // CHECK: tensor.extract %[[V]][%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : tensor<?x1x2x2x4x8xi8>
  // CHECK: arith.extui %{{.*}} : i8 to i32
  // CHECK: return %{{.*}}, %[[I8]], %[[I8S]], %[[V]], %[[TABLE]]
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 1} : tensor<?x4x8xf32>, tensor<?x2x8xf32>, !llm.kv_cache<2x2x16x8xi8, scale = f16, layers = [1: f8E4M3FN], block_size = 4>
  return %o, %c1 : tensor<?x4x8xf32>, !llm.kv_cache<2x2x16x8xi8, scale = f16, layers = [1: f8E4M3FN], block_size = 4>
}
