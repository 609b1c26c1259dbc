// RUN: quant-opt %s --llm-lower-to-llvm | FileCheck %s
// RUN: quant-opt %s --pass-pipeline='builtin.module(llm-lower-to-llvm{fuse-elementwise=false})' | FileCheck %s
// A whole (one-layer) model to the LLVM dialect: everything lowered, the
// packed entry points present, no call into MLIR's runner library.

llm.param_archive @p safetensors "model.safetensors"

func.func private @forward(%tokens: tensor<?xi32>, %start: index, %cache: !llm.kv_cache<1x1x16x4xf32>) -> (tensor<?x10xf32>, !llm.kv_cache<1x1x16x4xf32>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %tokens, %c0 : tensor<?xi32>
  %pos = tensor.generate %n {
  ^bb0(%i: index):
    %p = arith.addi %i, %start : index
    %p32 = arith.index_cast %p : index to i32
    tensor.yield %p32 : i32
  } : tensor<?xi32>
  %emb = llm.weight @p["embed"] : tensor<10x8xbf16>
  %h = llm.embedding %emb[%tokens] : tensor<10x8xbf16>, tensor<?xi32> -> tensor<?x8xf32>
  %g = llm.weight @p["norm"] : tensor<8xf32>
  %x = llm.rms_norm %h, %g {epsilon = 1.0e-5 : f64} : tensor<?x8xf32>, tensor<8xf32>
  %wq = llm.weight @p["q"] : tensor<8x8xf32>
  %q = llm.linear %x, %wq : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  %wk = llm.weight @p["k"] : tensor<4x8xf32>
  %k = llm.linear %x, %wk : (tensor<?x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  %q3 = tensor.expand_shape %q [[0], [1, 2]] output_shape [%n, 2, 4] : tensor<?x8xf32> into tensor<?x2x4xf32>
  %k3 = tensor.expand_shape %k [[0], [1, 2]] output_shape [%n, 1, 4] : tensor<?x4xf32> into tensor<?x1x4xf32>
  %qr = llm.rope %q3, %pos {theta = 1.0e4 : f64} : tensor<?x2x4xf32>, tensor<?xi32>
  %kr = llm.rope %k3, %pos {theta = 1.0e4 : f64} : tensor<?x1x4xf32>, tensor<?xi32>
  %o, %c1 = llm.attention %qr, %kr, %k3, %cache[%start] {layer = 0} : tensor<?x2x4xf32>, tensor<?x1x4xf32>, !llm.kv_cache<1x1x16x4xf32>
  %o2 = tensor.collapse_shape %o [[0], [1, 2]] : tensor<?x2x4xf32> into tensor<?x8xf32>
  %r = arith.addf %h, %o2 : tensor<?x8xf32>
  %a = llm.swiglu %r, %r : tensor<?x8xf32>
  %logits = llm.linear %a, %emb : (tensor<?x8xf32>, tensor<10x8xbf16>) -> tensor<?x10xf32>
  return %logits, %c1 : tensor<?x10xf32>, !llm.kv_cache<1x1x16x4xf32>
}

func.func @prefill(%t: tensor<?xi32>, %s: index, %c: !llm.kv_cache<1x1x16x4xf32>) -> (tensor<?x10xf32>, !llm.kv_cache<1x1x16x4xf32>)
    attributes {llm.entry_point = #llm.entry_point<prefill>} {
  %l, %c1 = func.call @forward(%t, %s, %c) : (tensor<?xi32>, index, !llm.kv_cache<1x1x16x4xf32>) -> (tensor<?x10xf32>, !llm.kv_cache<1x1x16x4xf32>)
  return %l, %c1 : tensor<?x10xf32>, !llm.kv_cache<1x1x16x4xf32>
}

// CHECK-NOT: llm.weight
// CHECK-NOT: func.func
// CHECK-NOT: linalg.
// CHECK-NOT: memrefCopy
// CHECK: llvm.func @prefill
// CHECK: llvm.func @_mlir_ciface_prefill
// CHECK: llvm.func @qf_prefill(%{{.*}}: !llvm.ptr)
// CHECK-NOT: @forward
