// RUN: quant-opt %s --split-input-file --llm-bind-parameters --verify-diagnostics | FileCheck %s

llm.param_archive @p safetensors "model.safetensors"

// Each distinct weight becomes one trailing argument, in first-use order;
// the entry point switches to the ABI marker and asks for the C interface.
// CHECK-LABEL: func.func @decode
// CHECK-SAME: (%[[T:.*]]: tensor<1xi32>, %{{.*}}: index, %[[C:.*]]: !llm.kv_cache<1x1x8x2xf32>,
// CHECK-SAME: %[[W:.*]]: tensor<3x4xf32> {llm.parameter = {archive = @p, key = "w"}},
// CHECK-SAME: %[[E:.*]]: tensor<3x4xf32> {llm.parameter = {archive = @p, key = "embed"}})
// CHECK-SAME: attributes {llm.abi_entry_point = #llm.entry_point<decode>, llvm.emit_c_interface}
func.func @decode(%t: tensor<1xi32>, %s: index, %c: !llm.kv_cache<1x1x8x2xf32>) -> (tensor<1x3xf32>, !llm.kv_cache<1x1x8x2xf32>)
    attributes {llm.entry_point = #llm.entry_point<decode>} {
  // CHECK-NOT: llm.weight
  // CHECK: %[[H:.*]] = llm.embedding %[[E]][%[[T]]]
  // CHECK: llm.linear %[[H]], %[[W]]
  // CHECK: llm.linear %{{.*}}, %[[W]]
  %w1 = llm.weight @p["w"] : tensor<3x4xf32>
  %e = llm.weight @p["embed"] : tensor<3x4xf32>
  %w2 = llm.weight @p["w"] : tensor<3x4xf32>
  %h = llm.embedding %e[%t] : tensor<3x4xf32>, tensor<1xi32> -> tensor<1x4xf32>
  %y = llm.linear %h, %w1 : (tensor<1x4xf32>, tensor<3x4xf32>) -> tensor<1x3xf32>
  %z = llm.linear %h, %w2 : (tensor<1x4xf32>, tensor<3x4xf32>) -> tensor<1x3xf32>
  %sum = arith.addf %y, %z : tensor<1x3xf32>
  return %sum, %c : tensor<1x3xf32>, !llm.kv_cache<1x1x8x2xf32>
}

// Functions that are not entry points keep their weights.
// CHECK-LABEL: func.func @helper
// CHECK: llm.weight @p["w"]
func.func @helper() -> tensor<3x4xf32> {
  %w = llm.weight @p["w"] : tensor<3x4xf32>
  return %w : tensor<3x4xf32>
}

// -----

func.func private @forward(%t: tensor<?xi32>, %s: index, %c: !llm.kv_cache<1x1x8x2xf32>) -> (tensor<?x3xf32>, !llm.kv_cache<1x1x8x2xf32>)

func.func @prefill(%t: tensor<?xi32>, %s: index, %c: !llm.kv_cache<1x1x8x2xf32>) -> (tensor<?x3xf32>, !llm.kv_cache<1x1x8x2xf32>)
    attributes {llm.entry_point = #llm.entry_point<prefill>} {
  // expected-error @+1 {{'func.call' op in entry point 'prefill' must be inlined before llm-bind-parameters}}
  %l, %c1 = func.call @forward(%t, %s, %c) : (tensor<?xi32>, index, !llm.kv_cache<1x1x8x2xf32>) -> (tensor<?x3xf32>, !llm.kv_cache<1x1x8x2xf32>)
  return %l, %c1 : tensor<?x3xf32>, !llm.kv_cache<1x1x8x2xf32>
}
