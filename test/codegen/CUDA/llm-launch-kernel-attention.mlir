// RUN: quant-opt %s --split-input-file --llm-launch-kernel-attention --verify-diagnostics | FileCheck %s

// A read of a dynamic number of tokens: one token launches
// decode_attention_f16 (grid: the 4 heads, block 256; group 4 / 2 = 2,
// capacity 64, head_dim 32, no window), more keep the generic code.
// CHECK-LABEL: func.func private @read(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: memref<?x4x32xf32>, %[[C:[a-z0-9]+]]: memref<3x2x2x64x32xf16>, %[[L:[a-z0-9]+]]: index, %[[S:[a-z0-9]+]]: index, %[[SC:[a-z0-9]+]]: f32, %[[O:[a-z0-9]+]]: memref<?x4x32xf32>)
// CHECK: %[[N:.*]] = memref.dim %[[Q]], %{{.*}}
// CHECK: %[[ONE:.*]] = arith.cmpi eq, %[[N]], %{{.*}}
// CHECK: scf.if %[[ONE]] {
// CHECK-DAG: %[[HEADS:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[BLOCK:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[QF:.*]] = memref.collapse_shape %[[Q]] {{\[\[}}0, 1, 2]]
// CHECK-DAG: %[[CF:.*]] = memref.collapse_shape %[[C]] {{\[\[}}0, 1, 2, 3, 4]]
// CHECK-DAG: %[[KVH:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[GROUP:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[CAP:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[DIM:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[WIN:.*]] = arith.constant 0 : index
// CHECK: gpu.launch_func @quantforge_attention::@decode_attention_f16 blocks in (%[[HEADS]], %{{.*}}, %{{.*}}) threads in (%[[BLOCK]], %{{.*}}, %{{.*}}) args(%{{.*}} : memref<?xf32>, %{{.*}} : memref<?xf16>, %{{.*}} : memref<?xf32>, %[[L]] : index, %[[S]] : index, %[[KVH]] : index, %[[GROUP]] : index, %[[CAP]] : index, %[[DIM]] : index, %[[WIN]] : index, %[[SC]] : f32)
// CHECK: } else {
// CHECK: linalg.fill ins(%[[SC]] : f32) outs(%[[O]]
// CHECK: }
// CHECK-NEXT: return
// CHECK: gpu.module @quantforge_attention
// CHECK: gpu.func @decode_attention_f16
module {
  func.func private @read(%q: memref<?x4x32xf32>, %c: memref<3x2x2x64x32xf16>, %l: index, %s: index, %sc: f32, %o: memref<?x4x32xf32>)
      attributes {qf.kernel_attention = {heads = 4 : i64, kv_heads = 2 : i64, head_dim = 32 : i64, window = 0 : i64}} {
    linalg.fill ins(%sc : f32) outs(%o : memref<?x4x32xf32>)
    return
  }
}

// -----

// One token by type: only the launch; the window is passed on.
// CHECK-LABEL: func.func private @one_token(
// CHECK-NOT: scf.if
// CHECK-NOT: linalg.fill
// CHECK: %[[WIN:.*]] = arith.constant 16 : index
// CHECK: gpu.launch_func @quantforge_attention::@decode_attention_f16 {{.*}}, %[[WIN]] : index, %{{.*}} : f32)
// CHECK-NEXT: return
module {
  func.func private @one_token(%q: memref<1x4x64xf32>, %c: memref<1x2x4x64x64xf16>, %l: index, %s: index, %sc: f32, %o: memref<1x4x64xf32>)
      attributes {qf.kernel_attention = {heads = 4 : i64, kv_heads = 4 : i64, head_dim = 64 : i64, window = 16 : i64}} {
    linalg.fill ins(%sc : f32) outs(%o : memref<1x4x64xf32>)
    return
  }
}

// -----

// What the kernel does not run keeps its code, and no kernel module is
// added: an f32 cache, a head_dim of 48, a static prefill.
// CHECK-LABEL: func.func private @f32_cache(
// CHECK-NEXT: linalg.fill
// CHECK-LABEL: func.func private @dim48(
// CHECK-NEXT: linalg.fill
// CHECK-LABEL: func.func private @prefill(
// CHECK-NEXT: linalg.fill
// CHECK-NOT: gpu.module
module {
  func.func private @f32_cache(%q: memref<?x4x32xf32>, %c: memref<1x2x4x64x32xf32>, %l: index, %s: index, %sc: f32, %o: memref<?x4x32xf32>)
      attributes {qf.kernel_attention = {heads = 4 : i64, kv_heads = 4 : i64, head_dim = 32 : i64, window = 0 : i64}} {
    linalg.fill ins(%sc : f32) outs(%o : memref<?x4x32xf32>)
    return
  }
  func.func private @dim48(%q: memref<?x4x48xf32>, %c: memref<1x2x4x64x48xf16>, %l: index, %s: index, %sc: f32, %o: memref<?x4x48xf32>)
      attributes {qf.kernel_attention = {heads = 4 : i64, kv_heads = 4 : i64, head_dim = 48 : i64, window = 0 : i64}} {
    linalg.fill ins(%sc : f32) outs(%o : memref<?x4x48xf32>)
    return
  }
  func.func private @prefill(%q: memref<8x4x32xf32>, %c: memref<1x2x4x64x32xf16>, %l: index, %s: index, %sc: f32, %o: memref<8x4x32xf32>)
      attributes {qf.kernel_attention = {heads = 4 : i64, kv_heads = 4 : i64, head_dim = 32 : i64, window = 0 : i64}} {
    linalg.fill ins(%sc : f32) outs(%o : memref<8x4x32xf32>)
    return
  }
}

// -----

module {
  // expected-error @+1 {{is not an outlined attention read in destination-passing form with memref arguments}}
  func.func private @returns(%q: memref<?x4x32xf32>, %c: memref<1x2x4x64x32xf16>, %l: index, %s: index, %sc: f32, %o: memref<?x4x32xf32>) -> memref<?x4x32xf32>
      attributes {qf.kernel_attention = {heads = 4 : i64, kv_heads = 4 : i64, head_dim = 32 : i64, window = 0 : i64}} {
    return %o : memref<?x4x32xf32>
  }
}

// -----

module {
  // expected-error @+1 {{is not an outlined attention read in destination-passing form with memref arguments}}
  func.func private @no_heads(%q: memref<?x4x32xf32>, %c: memref<1x2x4x64x32xf16>, %l: index, %s: index, %sc: f32, %o: memref<?x4x32xf32>)
      attributes {qf.kernel_attention = {kv_heads = 4 : i64, head_dim = 32 : i64, window = 0 : i64}} {
    return
  }
}
