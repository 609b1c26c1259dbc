// llama-s (BF16 weights widened in the matmul, grouped-query attention with
// 6 query heads over 2 KV heads) against PyTorch's float32 logits.
// RUN: quant-compile %shared/models/llama-s --emit=bound -o %t.bound.mlir
// RUN: quant-compile %shared/models/llama-s --emit=executable -o %t.so
// RUN: %python %S/run_so.py %t.bound.mlir %t.so %shared/models/llama-s %shared/data/ref_logits_llama-s.safetensors --runtime %qf_parallel_for_lib --tolerance 1e-4 | FileCheck %s
// REQUIRES: shared-data

// CHECK: prefill logits: 5 tokens, relative error {{.*}} (tolerance 0.0001)
// CHECK: argmax equal
// CHECK: decode wrote all logits
