// quant-compile stops at every phase and explains bad requests.
// RUN: quant-compile %qf_src/test/fixtures/llama-t --emit=llm | FileCheck %s --check-prefix=LLM
// RUN: quant-compile %qf_src/test/fixtures/llama-t --emit=bound | FileCheck %s --check-prefix=BOUND
// RUN: quant-compile %qf_src/test/fixtures/llama-t --emit=lowered | FileCheck %s --check-prefix=LOWERED
// RUN: quant-compile %qf_src/test/fixtures/llama-t --emit=target-ir | FileCheck %s --check-prefix=IR
// RUN: quant-compile %qf_src/test/fixtures/llama-t --emit=optimized --pipeline='builtin.module(canonicalize)' --print-ir-after-all -o /dev/null 2>&1 | FileCheck %s --check-prefix=PRINT
// RUN: quant-compile %qf_src/test/fixtures/llama-t -o %t.phases.qfa 2>&1 | FileCheck %s --check-prefix=PHASES
// RUN: quant-compile %qf_src/test/fixtures/llama-t --emit=lowered -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUIET --allow-empty
// RUN: not quant-compile %qf_src/test/fixtures/llama-t --target=tpu -o %t.qfa 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not quant-compile %qf_src/test/fixtures/llama-t --emit=optimized --pipeline='builtin.module(no-such-pass)' 2>&1 | FileCheck %s --check-prefix=PIPELINE
// RUN: not quant-compile %qf_src/test/fixtures/llama-t 2>&1 | FileCheck %s --check-prefix=OUTPUT
// RUN: not quant-compile %t.nowhere -o %t.qfa 2>&1 | FileCheck %s --check-prefix=MISSING

// LLM: func.func @prefill
// LLM-SAME: llm.entry_point = #llm.entry_point<prefill>
// BOUND: func.func @decode
// BOUND-SAME: {llm.parameter = {archive = @shard0, key = "model.embed_tokens.weight"}}
// BOUND-SAME: llm.abi_entry_point = #llm.entry_point<decode>
// LOWERED: llvm.func @qf_prefill
// IR: define void @qf_decode(ptr
// PRINT: IR Dump After Canonicalizer
// The phases after quantization announce themselves, with the time each took;
// stopping before code generation prints none of them.
// PHASES: [compile] lowering for cpu
// PHASES-NEXT: [compile] generating code (lowering for cpu took {{[0-9.]+}} s)
// PHASES-NEXT: [compile] writing {{.*}}phases.qfa (generating code took {{[0-9.]+}} s)
// PHASES-NEXT: [compile] done (writing {{.*}}phases.qfa took {{[0-9.]+}} s)
// QUIET-NOT: [compile]
// TARGET: quant-compile: unknown target 'tpu' (available: cpu cuda)
// PIPELINE: no-such-pass
// OUTPUT: quant-compile: an artifact needs an output file (-o)
// MISSING: {{.*}}nowhere/config.json: cannot open file
