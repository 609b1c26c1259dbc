// RUN: quant-opt %s --llm-optimize | FileCheck %s
// RUN: quant-opt %s --pass-pipeline='builtin.module(llm-optimize)' | FileCheck %s
// RUN: quant-opt %s --pass-pipeline='builtin.module(llm-optimize{fuse-activations=false})' | FileCheck %s --check-prefix=NOFUSE

llm.param_archive @p safetensors "model.safetensors"

// The same weight referenced twice (tied embeddings written out by hand)
// collapses to one reference, and the MLP activation fuses.
// CHECK-LABEL: func.func @mlp
// NOFUSE-LABEL: func.func @mlp
func.func @mlp(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // CHECK-COUNT-1: llm.weight @p["emb"]
  // CHECK-NOT: llm.weight @p["emb"]
  // CHECK: llm.swiglu
  // CHECK-NOT: llm.silu
  // NOFUSE: llm.silu
  // NOFUSE: arith.mulf
  %w1 = llm.weight @p["emb"] : tensor<64x64xf32>
  %w2 = llm.weight @p["emb"] : tensor<64x64xf32>
  %g = llm.linear %x, %w1 : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %u = llm.linear %x, %w2 : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %a = llm.silu %g : tensor<?x64xf32>
  %y = arith.mulf %a, %u : tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// Results nobody uses disappear: ops are Pure.
// CHECK-LABEL: func.func @dead
// CHECK-NEXT: return
func.func @dead(%x: tensor<?x64xf32>) {
  %w = llm.weight @p["w"] : tensor<64x64xf32>
  %y = llm.linear %x, %w : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  return
}
