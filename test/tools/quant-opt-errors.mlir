// RUN: not quant-opt %s --pass-pipeline='builtin.module(llm-optimize{bogus=1})' 2>&1 | FileCheck %s --check-prefix=OPTION
// RUN: not quant-opt %s --pass-pipeline='builtin.module(llm-optimize{fuse-activations=maybe})' 2>&1 | FileCheck %s --check-prefix=VALUE
// RUN: not quant-opt %s --no-such-pass 2>&1 | FileCheck %s --check-prefix=PASS
// RUN: not quant-opt %t.missing 2>&1 | FileCheck %s --check-prefix=FILE
// Bad command lines fail with a message that names the problem.

// OPTION: no such option bogus
// OPTION: failed to add `llm-optimize` with options `bogus=1`
// VALUE: 'maybe' is invalid value for boolean argument
// PASS: Unknown command line argument '--no-such-pass'
// FILE: cannot open input file '{{.*}}.missing': No such file or directory
func.func @f() {
  return
}
