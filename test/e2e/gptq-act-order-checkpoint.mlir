// An imported GPTQ desc_act checkpoint (AutoGPTQ's v1 layout, a random
// permutation per linear), folded by quant-compile's llm-optimize: the
// executable's prefill logits equal those of the same model stored as the
// float32 weights the generator dequantized independently (expected.npy).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %qf_src/test/import/gen_checkpoint.py gptq-v1-actorder %t/gptq
// RUN: %python %qf_src/test/import/gen_checkpoint.py gptq-v1-actorder-dequantized %t/fp
// RUN: quant-compile %t/fp --emit=bound -o %t/fp.bound.mlir
// RUN: quant-compile %t/fp --emit=executable -o %t/fp.so
// RUN: %python %S/run_so.py %t/fp.bound.mlir %t/fp.so %t/fp %t/ref.safetensors --runtime %qf_parallel_for_lib --save 1,17,4,90,33,2,61,8,45,12,77,5
// RUN: quant-compile %t/gptq --pipeline='builtin.module(llm-optimize{act-order-output=%t/fold.safetensors})' --emit=bound -o %t/q.bound.mlir 2>%t/q.log
// RUN: FileCheck %s --check-prefix=PROGRESS < %t/q.log
// RUN: quant-compile %t/gptq --pipeline='builtin.module(llm-optimize{act-order-output=%t/fold.safetensors})' --emit=executable -o %t/q.so 2>/dev/null
// RUN: %python %S/run_so.py %t/q.bound.mlir %t/q.so %t/gptq %t/ref.safetensors --runtime %qf_parallel_for_lib --tolerance 1e-5 | FileCheck %s
// Without the fold the v1 packing is not lowered at all.
// RUN: not quant-compile %t/gptq --fold-act-order=false --emit=executable -o %t/x.so 2>&1 | FileCheck %s --check-prefix=UNFOLDED

// PROGRESS: [fold-act-order] summary: 2 folded into the producers' rows; 12 kept a gather;
// CHECK: prefill logits: 12 tokens, relative error {{.*}} (tolerance 1e-05)
// CHECK: argmax equal
// CHECK: decode wrote all logits
// UNFOLDED: with packing 'gptq_v1' is not lowered yet
