// RUN: quant-opt --help | FileCheck %s
// quant-opt lists our passes and pipelines next to the upstream ones.

// CHECK: --llm-fuse-swiglu
// CHECK: --llm-optimize
// CHECK-SAME: Clean up an llm module
// CHECK: fuse-activations
