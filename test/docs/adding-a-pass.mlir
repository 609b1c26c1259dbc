// RUN: %python %S/check_snippets.py %qf_src %qf_src/docs/adding-a-pass.md | FileCheck %s
// The tutorial's code blocks are the real code of llm-fuse-swiglu.
// CHECK: snippets checked, 0 stale
