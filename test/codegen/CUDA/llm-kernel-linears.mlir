// RUN: quant-opt %s --split-input-file --verify-diagnostics --llm-outline-kernel-linears | FileCheck %s --check-prefix=OUTLINE
// RUN: quant-opt %s --split-input-file --verify-diagnostics --llm-launch-kernel-linears | FileCheck %s --check-prefix=LAUNCH
// RUN: quant-opt %s --split-input-file --verify-diagnostics --llm-launch-kernel-linears=splitk-cols=64 | FileCheck %s --check-prefix=SPLITK

// An int4 linear the kernels can run becomes a call of a private function
// writing into a destination; one function per shape; the f32-scale and
// act-order linears stay.
// OUTLINE-LABEL: func.func @outline
// OUTLINE: %[[T:.*]] = tensor.dim %arg0, %c0 : tensor<?x128xf32>
// OUTLINE: %[[E:.*]] = tensor.empty(%[[T]]) : tensor<?x64xf32>
// OUTLINE: %[[Y:.*]] = call @qf_int4_linear_64x128_g32_asym_tn_f32f32(%arg0, %arg1, %[[E]])
// OUTLINE: call @qf_int4_linear_64x128_g32_asym_tn_f32f32(%arg0, %arg1,
// OUTLINE: llm.linear %arg0, %arg2
// OUTLINE: llm.linear %arg0, %arg3
// OUTLINE-LABEL: func.func private @qf_int4_linear_64x128_g32_asym_tn_f32f32
// OUTLINE-SAME: qf.kernel_linear = {cols = 128 : i64, group = 32 : i64, rows = 64 : i64, symmetric = false}
// OUTLINE: %[[L:.*]] = llm.linear %arg0, %arg1
// OUTLINE: %[[R:.*]] = tensor.insert_slice %[[L]] into %arg2
// OUTLINE: return %[[R]]
// OUTLINE-NOT: func.func private @qf_int4
func.func @outline(%x: tensor<?x128xf32>,
                   %w: !llm.qweight<64x128xi4, group_size = 32, asym, scale = f16>,
                   %w32: !llm.qweight<64x128xi4, group_size = 32, asym, scale = f32>,
                   %wa: !llm.qweight<64x128xi4, group_size = 32, asym, scale = f16, act_order>)
    -> (tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>) {
  %y0 = llm.linear %x, %w : (tensor<?x128xf32>, !llm.qweight<64x128xi4, group_size = 32, asym, scale = f16>) -> tensor<?x64xf32>
  %y1 = llm.linear %x, %w : (tensor<?x128xf32>, !llm.qweight<64x128xi4, group_size = 32, asym, scale = f16>) -> tensor<?x64xf32>
  %y2 = llm.linear %x, %w32 : (tensor<?x128xf32>, !llm.qweight<64x128xi4, group_size = 32, asym, scale = f32>) -> tensor<?x64xf32>
  %y3 = llm.linear %x, %wa : (tensor<?x128xf32>, !llm.qweight<64x128xi4, group_size = 32, asym, scale = f16, act_order>) -> tensor<?x64xf32>
  return %y0, %y1, %y2, %y3 : tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// One token, f32 activations: gemv_int4_f32 on ceil(64 / 8) blocks of 64
// threads reads x and writes the destination itself (it rounds x to f16 as
// it loads it), so no conversion runs around it; above splitk-cols,
// gemv_int4_splitk on ceil(64 / 4) blocks of 128 between the conversions.
// The generic code goes.
// LAUNCH-LABEL: func.func private @one_token
// LAUNCH-NOT: linalg.fill
// LAUNCH-NOT: arith.truncf
// LAUNCH-DAG: %[[WORDS:.*]] = memref.view %{{.*}}[%{{.*}}][] : memref<4096xi8> to memref<1024xi32>
// LAUNCH-DAG: %[[HASZ:.*]] = arith.constant 1 : i32
// LAUNCH-DAG: %[[G:.*]] = arith.constant 8 : index
// LAUNCH-DAG: %[[B:.*]] = arith.constant 64 : index
// LAUNCH: gpu.launch_func  @quantforge_int4::@gemv_int4_f32 blocks in (%[[G]], %{{.*}}, %{{.*}}) threads in (%[[B]], %{{.*}}, %{{.*}}) args(%{{.*}} : memref<?xi32>, %{{.*}} : memref<?xf16>, %{{.*}} : memref<?xi8>, %{{.*}} : memref<?xf32>, %{{.*}} : memref<?xf32>, %{{.*}} : index, %{{.*}} : index, %{{.*}} : index, %[[HASZ]] : i32)
// LAUNCH-NOT: arith.extf
// LAUNCH-NOT: linalg.fill
// LAUNCH: return
// The library module keeps only the kernel launched, and its helpers.
// LAUNCH: gpu.module @quantforge_int4
// LAUNCH-NOT: gpu.func
// LAUNCH: func.func private @mask_magic(
// LAUNCH-NOT: gpu.func
// LAUNCH: gpu.func @gemv_int4_f32(
// LAUNCH-NOT: gpu.func
// LAUNCH-NOT: @sk_load(
// LAUNCH-NOT: @gemm_body(
// LAUNCH: // -----
// SPLITK-LABEL: func.func private @one_token
// SPLITK-DAG: %[[G:.*]] = arith.constant 16 : index
// SPLITK-DAG: %[[B:.*]] = arith.constant 128 : index
// SPLITK: arith.truncf {{.*}} f32 to f16
// SPLITK: gpu.launch_func  @quantforge_int4::@gemv_int4_splitk blocks in (%[[G]], %{{.*}}, %{{.*}}) threads in (%[[B]],
func.func private @one_token(%x: memref<1x128xf32>, %q: memref<64x64xi8>,
                             %s: memref<64x4xf16>, %z: memref<64x2xi8>,
                             %out: memref<1x64xf32>)
    attributes {qf.kernel_linear = {cols = 128 : i64, group = 32 : i64, rows = 64 : i64, symmetric = false}} {
  %c = arith.constant 0.0 : f32
  linalg.fill ins(%c : f32) outs(%out : memref<1x64xf32>)
  return
}

// -----

// Any number of tokens, symmetric (has_zeros = 0, the values as the unread
// zero buffer): 1 -> gemv, a multiple of 8 -> the largest GEMM tile dividing
// it on (ceil(64 / 16), T / n) blocks of 256 threads, else the generic code.
// LAUNCH-LABEL: func.func private @tokens
// LAUNCH: %[[T:.*]] = memref.dim %arg0, %c0 : memref<?x128xf32>
// LAUNCH: %[[ONE:.*]] = arith.cmpi eq, %[[T]], %c1
// LAUNCH: scf.if %[[ONE]] {
// LAUNCH:   gpu.launch_func  @quantforge_int4::@gemv_int4_f32
// LAUNCH-SAME: %c0_i32 : i32)
// LAUNCH: } else {
// LAUNCH:   %[[R8:.*]] = arith.remui %[[T]], %c8
// LAUNCH:   %[[M8:.*]] = arith.cmpi eq, %[[R8]]
// LAUNCH:   scf.if %[[M8]] {
// LAUNCH:     %[[N:.*]] = arith.select %{{.*}}, %c64{{.*}}, %{{.*}} : index
// LAUNCH:     scf.index_switch %[[N]]
// LAUNCH:     case 16 {
// LAUNCH:       %[[NB:.*]] = arith.divui %[[T]], %c16
// LAUNCH-DAG:   %[[RB:.*]] = arith.constant 4 : index
// LAUNCH-DAG:   %[[TH:.*]] = arith.constant 256 : index
// LAUNCH:       gpu.launch_func  @quantforge_int4::@gemm_int4_n16 blocks in (%[[RB]], %[[NB]], %{{.*}}) threads in (%[[TH]],
// LAUNCH:     case 32 {
// LAUNCH:       gpu.launch_func  @quantforge_int4::@gemm_int4_n32
// LAUNCH:     case 64 {
// LAUNCH:       gpu.launch_func  @quantforge_int4::@gemm_int4_n64
// LAUNCH:     default {
// LAUNCH:       gpu.launch_func  @quantforge_int4::@gemm_int4_n8
// LAUNCH:   } else {
// LAUNCH:     linalg.fill
// LAUNCH: return
func.func private @tokens(%x: memref<?x128xf32>, %q: memref<64x64xi8>,
                          %s: memref<64x1xf16>, %out: memref<?x64xf32>)
    attributes {qf.kernel_linear = {cols = 128 : i64, group = 128 : i64, rows = 64 : i64, symmetric = true}} {
  %c = arith.constant 0.0 : f32
  linalg.fill ins(%c : f32) outs(%out : memref<?x64xf32>)
  return
}

// -----

// Groups of 32: no GEMM tile, the generic code for T > 1.
// LAUNCH-LABEL: func.func private @small_groups
// LAUNCH: scf.if
// LAUNCH:   gpu.launch_func  @quantforge_int4::@gemv_int4
// LAUNCH: } else {
// LAUNCH-NOT: gemm_int4
// LAUNCH:   linalg.fill
func.func private @small_groups(%x: memref<?x128xf32>, %q: memref<64x64xi8>,
                                %s: memref<64x4xf16>, %z: memref<64x2xi8>,
                                %out: memref<?x64xf32>)
    attributes {qf.kernel_linear = {cols = 128 : i64, group = 32 : i64, rows = 64 : i64, symmetric = false}} {
  %c = arith.constant 0.0 : f32
  linalg.fill ins(%c : f32) outs(%out : memref<?x64xf32>)
  return
}

// -----

// A static batch other than 1 keeps the generic code; with no launch left,
// no library module is added.
// LAUNCH-LABEL: func.func private @static_batch
// LAUNCH: linalg.fill
// LAUNCH-NOT: gpu.launch_func
// LAUNCH-NOT: gpu.module
func.func private @static_batch(%x: memref<4x128xf32>, %q: memref<64x64xi8>,
                                %s: memref<64x4xf16>, %z: memref<64x2xi8>,
                                %out: memref<4x64xf32>)
    attributes {qf.kernel_linear = {cols = 128 : i64, group = 32 : i64, rows = 64 : i64, symmetric = false}} {
  %c = arith.constant 0.0 : f32
  linalg.fill ins(%c : f32) outs(%out : memref<4x64xf32>)
  return
}
