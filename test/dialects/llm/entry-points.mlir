// RUN: quant-opt %s --split-input-file --verify-diagnostics | FileCheck %s
// The llm.entry_point contract between compiled models and the runtime.

// CHECK-LABEL: func.func @prefill
// CHECK-SAME: attributes {llm.entry_point = #llm.entry_point<prefill>}
func.func @prefill(%tokens: tensor<?xi32>, %start: index, %cache: !llm.kv_cache<2x4x64x32xf16>)
    -> (tensor<?x100xf32>, !llm.kv_cache<2x4x64x32xf16>) attributes {llm.entry_point = #llm.entry_point<prefill>} {
  %logits = tensor.empty(%start) : tensor<?x100xf32>
  return %logits, %cache : tensor<?x100xf32>, !llm.kv_cache<2x4x64x32xf16>
}

// CHECK-LABEL: func.func @decode
// CHECK-SAME: attributes {llm.entry_point = #llm.entry_point<decode>}
func.func @decode(%token: tensor<1xi64>, %start: index, %cache: !llm.kv_cache<2x4x64x32xf16>)
    -> (tensor<1x100xf32>, !llm.kv_cache<2x4x64x32xf16>) attributes {llm.entry_point = #llm.entry_point<decode>} {
  %logits = tensor.empty() : tensor<1x100xf32>
  return %logits, %cache : tensor<1x100xf32>, !llm.kv_cache<2x4x64x32xf16>
}

// -----

// expected-error @+1 {{'func.func' op is a prefill entry point and must have type (tensor<Sxi32>, index, !llm.kv_cache<...>) -> (tensor<SxVxf32>, !llm.kv_cache<...>)}}
func.func @no_cache(%tokens: tensor<?xi32>, %start: index) -> tensor<?x100xf32>
    attributes {llm.entry_point = #llm.entry_point<prefill>} {
  %logits = tensor.empty(%start) : tensor<?x100xf32>
  return %logits : tensor<?x100xf32>
}

// -----

// expected-error @+1 {{'func.func' op is a prefill entry point and must have type}}
func.func @float_tokens(%tokens: tensor<?xf32>, %start: index, %cache: !llm.kv_cache<2x4x64x32xf16>)
    -> (tensor<?x100xf32>, !llm.kv_cache<2x4x64x32xf16>) attributes {llm.entry_point = #llm.entry_point<prefill>} {
  %logits = tensor.empty(%start) : tensor<?x100xf32>
  return %logits, %cache : tensor<?x100xf32>, !llm.kv_cache<2x4x64x32xf16>
}

// -----

// expected-error @+1 {{'func.func' op is a prefill entry point and must have type}}
func.func @other_cache(%tokens: tensor<?xi32>, %start: index, %cache: !llm.kv_cache<2x4x64x32xf16>)
    -> (tensor<?x100xf32>, !llm.kv_cache<2x4x64x32xi8, scale = f32>) attributes {llm.entry_point = #llm.entry_point<prefill>} {
  %logits = tensor.empty(%start) : tensor<?x100xf32>
  %c = builtin.unrealized_conversion_cast %cache : !llm.kv_cache<2x4x64x32xf16> to !llm.kv_cache<2x4x64x32xi8, scale = f32>
  return %logits, %c : tensor<?x100xf32>, !llm.kv_cache<2x4x64x32xi8, scale = f32>
}

// -----

// expected-error @+1 {{'func.func' op is a decode entry point and must take exactly one token, got 'tensor<2xi32>'}}
func.func @decode_two(%tokens: tensor<2xi32>, %start: index, %cache: !llm.kv_cache<2x4x64x32xf16>)
    -> (tensor<2x100xf32>, !llm.kv_cache<2x4x64x32xf16>) attributes {llm.entry_point = #llm.entry_point<decode>} {
  %logits = tensor.empty() : tensor<2x100xf32>
  return %logits, %cache : tensor<2x100xf32>, !llm.kv_cache<2x4x64x32xf16>
}

// -----

// expected-error @+1 {{'func.func' op returns logits for 3 tokens but takes 4}}
func.func @logit_rows(%tokens: tensor<4xi32>, %start: index, %cache: !llm.kv_cache<2x4x64x32xf16>)
    -> (tensor<3x100xf32>, !llm.kv_cache<2x4x64x32xf16>) attributes {llm.entry_point = #llm.entry_point<prefill>} {
  %logits = tensor.empty() : tensor<3x100xf32>
  return %logits, %cache : tensor<3x100xf32>, !llm.kv_cache<2x4x64x32xf16>
}

// -----

// expected-error @+1 {{'llm.entry_point' must be #llm.entry_point<prefill|decode|stage>}}
func.func @bad_value() attributes {llm.entry_point = "prefill"} {
  return
}

// -----

// expected-error @+1 {{'llm.entry_point' is only valid on func.func}}
module attributes {llm.entry_point = #llm.entry_point<decode>} {
}

// -----

// expected-error @+1 {{unknown llm dialect attribute 'llm.entrypoint'}}
func.func @typo() attributes {llm.entrypoint = #llm.entry_point<decode>} {
  return
}

// -----

// A stage of the model for block-sequential calibration.
// CHECK-LABEL: func.func @stage
func.func @stage(%tokens: tensor<?xi32>, %start: index, %cache: !llm.kv_cache<1x4x64x32xf32>, %hidden: tensor<?x128xf32>)
    -> (tensor<?x128xf32>, !llm.kv_cache<1x4x64x32xf32>) attributes {llm.entry_point = #llm.entry_point<stage>} {
  return %hidden, %cache : tensor<?x128xf32>, !llm.kv_cache<1x4x64x32xf32>
}

// -----

// expected-error @+1 {{'func.func' op is a stage entry point and must have type (tensor<Sxi32>, index, !llm.kv_cache<...>, tensor<SxDxf32>) -> (tensor<SxDxf32>, !llm.kv_cache<...>)}}
func.func @stage_without_hidden(%tokens: tensor<?xi32>, %start: index, %cache: !llm.kv_cache<1x4x64x32xf32>)
    -> (tensor<?x128xf32>, !llm.kv_cache<1x4x64x32xf32>) attributes {llm.entry_point = #llm.entry_point<stage>} {
  %h = tensor.empty(%start) : tensor<?x128xf32>
  return %h, %cache : tensor<?x128xf32>, !llm.kv_cache<1x4x64x32xf32>
}
