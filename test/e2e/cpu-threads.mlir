// The compiled code imports qf_parallel_for and splits only independent
// iterations: perplexity is bit-identical whatever the thread count.
// REQUIRES: shared-data
// RUN: quant-compile %qf_src/test/fixtures/llama-t --emit=executable -o %t.so
// RUN: llvm-nm -D --undefined-only %t.so | FileCheck %s --check-prefix=IMPORTS
// RUN: quant-compile %qf_src/test/fixtures/llama-t -o %t.qfa
// RUN: head -c 20000 %shared/data/valid.txt > %t.txt
// RUN: env QF_NUM_THREADS=1 quant-eval %t.qfa --text %t.txt --json > %t.out
// RUN: env QF_NUM_THREADS=2 quant-eval %t.qfa --text %t.txt --json >> %t.out
// RUN: env QF_NUM_THREADS=3 quant-eval %t.qfa --text %t.txt --json >> %t.out
// RUN: FileCheck %s < %t.out

// IMPORTS: U qf_parallel_for

// CHECK: "nll_sum": [[NLL:[0-9.e+-]+]], "tokens": [[TOKENS:[0-9]+]],
// CHECK: "nll_sum": [[NLL]], "tokens": [[TOKENS]],
// CHECK: "nll_sum": [[NLL]], "tokens": [[TOKENS]],
