// End to end on the CPU: the bundled llama-t compiled to a shared object,
// run through the packed ABI, matches PyTorch's float32 logits.
// RUN: quant-compile %qf_src/test/fixtures/llama-t --emit=bound -o %t.bound.mlir
// RUN: quant-compile %qf_src/test/fixtures/llama-t --emit=executable -o %t.so
// RUN: %python %S/run_so.py %t.bound.mlir %t.so %qf_src/test/fixtures/llama-t %shared/data/ref_logits_llama-t.safetensors --runtime %qf_parallel_for_lib --tolerance 1e-4 | FileCheck %s
// REQUIRES: shared-data

// CHECK: prefill logits: 5 tokens, relative error {{.*}} (tolerance 0.0001)
// CHECK: argmax equal
// CHECK: decode wrote all logits
