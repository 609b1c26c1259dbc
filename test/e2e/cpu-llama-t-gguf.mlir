// The F16 GGUF export of llama-t (q/k rows permuted to llama.cpp's
// interleaved layout, read back with interleaved rope) compiled and run:
// logits stay within half-precision rounding of PyTorch's float32 ones.
// RUN: quant-export %qf_src/test/fixtures/llama-t --type=f16 -o %t.gguf
// RUN: quant-compile %t.gguf --emit=bound -o %t.bound.mlir
// RUN: quant-compile %t.gguf --emit=executable -o %t.so
// RUN: %python %S/run_so.py %t.bound.mlir %t.so %t.gguf %shared/data/ref_logits_llama-t.safetensors --runtime %qf_parallel_for_lib --tolerance 5e-3 | FileCheck %s
// REQUIRES: shared-data

// CHECK: prefill logits: 5 tokens, relative error {{.*}} (tolerance 0.005)
// CHECK: argmax equal
// CHECK: decode wrote all logits

// The artifact of a GGUF model carries its embedded tokenizer.
// RUN: quant-compile %t.gguf -o %t.qfa
// RUN: quant-run %t.qfa -p "The Linux kernel is" -n 32 --greedy > %t.txt 2>/dev/null
// RUN: %python %S/check_generation.py greedy %shared/data/reference.json llama-t "The Linux kernel is" %t.txt | FileCheck %s --check-prefix=GREEDY
// GREEDY: greedy text identical
