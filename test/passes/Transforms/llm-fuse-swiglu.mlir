// RUN: quant-opt %s --split-input-file --llm-fuse-swiglu | FileCheck %s

// CHECK-LABEL: func.func @silu_on_the_left
// CHECK-SAME: (%[[G:.*]]: tensor<?x64xf32>, %[[U:.*]]: tensor<?x64xf32>)
func.func @silu_on_the_left(%g: tensor<?x64xf32>, %u: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // CHECK-NEXT: %[[Y:.*]] = llm.swiglu %[[G]], %[[U]] : tensor<?x64xf32>
  // CHECK-NEXT: return %[[Y]]
  %a = llm.silu %g : tensor<?x64xf32>
  %y = arith.mulf %a, %u : tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// CHECK-LABEL: func.func @silu_on_the_right
// CHECK-SAME: (%[[G:.*]]: tensor<8x64xf16>, %[[U:.*]]: tensor<8x64xf16>)
func.func @silu_on_the_right(%g: tensor<8x64xf16>, %u: tensor<8x64xf16>) -> tensor<8x64xf16> {
  // CHECK-NEXT: %[[Y:.*]] = llm.swiglu %[[G]], %[[U]] : tensor<8x64xf16>
  // CHECK-NEXT: return %[[Y]]
  %a = llm.silu %g : tensor<8x64xf16>
  %y = arith.mulf %u, %a : tensor<8x64xf16>
  return %y : tensor<8x64xf16>
}

// -----

// A silu that another op still needs stays for it.
// CHECK-LABEL: func.func @silu_with_other_users
// CHECK-SAME: (%[[G:.*]]: tensor<?x64xf32>, %[[U:.*]]: tensor<?x64xf32>)
func.func @silu_with_other_users(%g: tensor<?x64xf32>, %u: tensor<?x64xf32>) -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  // CHECK-DAG: %[[A:.*]] = llm.silu %[[G]]
  // CHECK-DAG: %[[Y:.*]] = llm.swiglu %[[G]], %[[U]]
  // CHECK: return %[[Y]], %[[A]]
  %a = llm.silu %g : tensor<?x64xf32>
  %y = arith.mulf %a, %u : tensor<?x64xf32>
  return %y, %a : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// A product without a silu operand is not an activation.
// CHECK-LABEL: func.func @plain_product
func.func @plain_product(%g: tensor<?x64xf32>, %u: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // CHECK-NOT: llm.swiglu
  // CHECK: arith.mulf
  %y = arith.mulf %g, %u : tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// silu(x) * silu(x): the first silu operand found becomes the gate.
// CHECK-LABEL: func.func @silu_squared
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
func.func @silu_squared(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK-NEXT: %[[A:.*]] = llm.silu %[[X]]
  // CHECK-NEXT: %[[Y:.*]] = llm.swiglu %[[X]], %[[A]]
  // CHECK-NEXT: return %[[Y]]
  %a = llm.silu %x : tensor<4xf32>
  %y = arith.mulf %a, %a : tensor<4xf32>
  return %y : tensor<4xf32>
}
