// RUN: quant-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(llm-reductions-innermost))' | FileCheck %s
// The calibration statistic x^T x (llm-instrument-linear-inputs) sums over
// tokens outermost; after the pass the tokens are the innermost (reduction)
// loop and the two channels come first, so one kernel computes it.

// CHECK-DAG: #[[X0:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[X1:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[H:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @hessian
// CHECK: linalg.generic {indexing_maps = [#[[X0]], #[[X1]], #[[H]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : memref<?x8xf32>, memref<?x8xf32>) outs(%{{.*}} : memref<8x8xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @hessian(%x: memref<?x8xf32>, %h: memref<8x8xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(t, i, j) -> (t, i)>,
                       affine_map<(t, i, j) -> (t, j)>,
                       affine_map<(t, i, j) -> (i, j)>],
      iterator_types = ["reduction", "parallel", "parallel"]}
      ins(%x, %x : memref<?x8xf32>, memref<?x8xf32>) outs(%h : memref<8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Parallel dimensions keep their order, reductions theirs; index ops
// follow their loops.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d0, d3, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-DAG: #[[OLD0:.*]] = affine_map<(d0, d1, d2, d3) -> (d2)>
// CHECK-LABEL: func.func @mixed
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
// CHECK: %[[P0:.*]] = linalg.index 0 : index
// CHECK: %[[P1:.*]] = linalg.index 1 : index
// CHECK: %[[R0:.*]] = linalg.index 2 : index
// CHECK: %[[R1:.*]] = linalg.index 3 : index
// CHECK: %[[I:.*]] = affine.apply #[[OLD0]](%[[P0]], %[[P1]], %[[R0]], %[[R1]])
// CHECK: arith.index_cast %[[I]]
func.func @mixed(%x: memref<3x4x5x6xf32>, %y: memref<4x6xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(r0, p0, r1, p1) -> (r0, p0, r1, p1)>,
                       affine_map<(r0, p0, r1, p1) -> (p0, p1)>],
      iterator_types = ["reduction", "parallel", "reduction", "parallel"]}
      ins(%x : memref<3x4x5x6xf32>) outs(%y : memref<4x6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r0 = linalg.index 0 : index
    %i = arith.index_cast %r0 : index to i32
    %f = arith.sitofp %i : i32 to f32
    %p = arith.mulf %a, %f : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Reductions already innermost: unchanged.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @rowsum
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]]], iterator_types = ["parallel", "reduction"]}
func.func @rowsum(%x: memref<4x8xf32>, %y: memref<4xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x8xf32>) outs(%y : memref<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  return
}
