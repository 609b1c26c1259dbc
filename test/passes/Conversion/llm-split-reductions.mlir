// RUN: quant-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(llm-split-reductions))' | FileCheck %s
// RUN: quant-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(llm-split-reductions{max-partial-bytes=1024}))' | FileCheck %s --check-prefix=SMALL

// A sum of squares over 4096 per token: for one token (the dynamic extent
// cast to 1) 64 lanes each sum elements l, l + 64, ... (the expanded
// [64 x 64] view, the lanes last and parallel), then a second op adds the
// 64 partials into the original init; any other token count runs the op
// as it was.
// CHECK-LABEL: func.func @sum_of_squares
// CHECK: linalg.fill
// CHECK: %[[N:.*]] = tensor.dim %[[X:.*]], %{{.*}} : tensor<?x4096xf32>
// CHECK: %[[ONE:.*]] = arith.cmpi eq, %[[N]], %{{.*}} : index
// CHECK: scf.if %{{.*}} -> (tensor<?xf32>) {
// CHECK:   %[[X1:.*]] = tensor.cast %[[X]] : tensor<?x4096xf32> to tensor<1x4096xf32>
// CHECK:   %[[INIT1:.*]] = tensor.cast %{{.*}} : tensor<?xf32> to tensor<1xf32>
// CHECK:   %[[V:.*]] = tensor.expand_shape %[[X1]] {{\[}}[0], [1, 2]] output_shape [1, 64, 64] : tensor<1x4096xf32> into tensor<1x64x64xf32>
// CHECK:   %[[P:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]{{.*}} ins(%[[V]] : tensor<1x64x64xf32>) outs(%{{.*}} : tensor<1x64xf32>)
// CHECK:     arith.mulf
// CHECK:     arith.addf
// CHECK:   %[[S:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%[[P]] : tensor<1x64xf32>) outs(%[[INIT1]] : tensor<1xf32>)
// CHECK:   %[[R:.*]] = tensor.cast %[[S]] : tensor<1xf32> to tensor<?xf32>
// CHECK:   scf.yield %[[R]]
// CHECK: } else {
// CHECK:   linalg.generic {{.*}} ins(%[[X]] : tensor<?x4096xf32>)
// CHECK:   scf.yield
// With a 1 KB limit for the partials (64 lanes x 4 bytes fit) the same.
// SMALL-LABEL: func.func @sum_of_squares
// SMALL: scf.if
func.func @sum_of_squares(%x: tensor<?x4096xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x4096xf32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(t, k) -> (t, k)>, affine_map<(t, k) -> (t)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x4096xf32>) outs(%f : tensor<?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a : f32
    %s = arith.addf %sq, %acc : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

// A static float GEMV (an LM head of 1000 x 384): 16 lanes (the power of
// two near sqrt(384) that divides it), so 16 x 1000 partials. With a 1 KB
// limit the partials would not fit: left alone.
// CHECK-LABEL: func.func @lm_head
// CHECK-NOT: scf.if
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [1, 24, 16]
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [1000, 24, 16]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "parallel"]
// CHECK: } -> tensor<1x1000x16xf32>
// CHECK: linalg.generic
// CHECK: } -> tensor<1x1000xf32>
// SMALL-LABEL: func.func @lm_head
// SMALL-NOT: expand_shape
// SMALL: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// SMALL-NOT: linalg.generic
func.func @lm_head(%x: tensor<1x384xf32>, %w: tensor<1000x384xf32>) -> tensor<1x1000xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1000xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1000xf32>) -> tensor<1x1000xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(t, o, k) -> (t, k)>, affine_map<(t, o, k) -> (o, k)>, affine_map<(t, o, k) -> (t, o)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x384xf32>, tensor<1000x384xf32>) outs(%f : tensor<1x1000xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %m, %acc : f32
    linalg.yield %s : f32
  } -> tensor<1x1000xf32>
  return %r : tensor<1x1000xf32>
}

// -----

// Left alone: a short reduction (64 < min-size), a dynamic one (attention
// over positions), and one whose combiner has no neutral element.
// CHECK-LABEL: func.func @left_alone
// SMALL-LABEL: func.func @left_alone
// CHECK-NOT: scf.if
// CHECK-NOT: expand_shape
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT: linalg.generic
func.func @left_alone(%a: tensor<?x64xf32>, %b: tensor<?x?xf32>, %c: tensor<?x1024xf32>,
                      %i1: tensor<?xf32>, %i2: tensor<?xf32>, %i3: tensor<?xf32>)
    -> (tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) {
  %r1 = linalg.generic {indexing_maps = [affine_map<(t, k) -> (t, k)>, affine_map<(t, k) -> (t)>],
                        iterator_types = ["parallel", "reduction"]}
      ins(%a : tensor<?x64xf32>) outs(%i1 : tensor<?xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  %r2 = linalg.generic {indexing_maps = [affine_map<(t, k) -> (t, k)>, affine_map<(t, k) -> (t)>],
                        iterator_types = ["parallel", "reduction"]}
      ins(%b : tensor<?x?xf32>) outs(%i2 : tensor<?xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  %r3 = linalg.generic {indexing_maps = [affine_map<(t, k) -> (t, k)>, affine_map<(t, k) -> (t)>],
                        iterator_types = ["parallel", "reduction"]}
      ins(%c : tensor<?x1024xf32>) outs(%i3 : tensor<?xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.divf %acc, %x : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  return %r1, %r2, %r3 : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>
}
