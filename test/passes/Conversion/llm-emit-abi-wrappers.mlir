// RUN: quant-opt %s --split-input-file --llm-emit-abi-wrappers --verify-diagnostics | FileCheck %s

// qf_decode(args): memref descriptors are passed as pointers, indices are
// loaded from theirs.
// CHECK-LABEL: llvm.func @qf_decode
// CHECK-SAME: (%[[ARGS:.*]]: !llvm.ptr)
// CHECK: %[[S0:.*]] = llvm.getelementptr %[[ARGS]][0]
// CHECK: %[[P0:.*]] = llvm.load %[[S0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[S1:.*]] = llvm.getelementptr %[[ARGS]][1]
// CHECK: %[[P1:.*]] = llvm.load %[[S1]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[I:.*]] = llvm.load %[[P1]] : !llvm.ptr -> i64
// CHECK: llvm.call @_mlir_ciface_decode(%[[P0]], %[[I]])
llvm.func @_mlir_ciface_decode(%d: !llvm.ptr, %i: i64) attributes {llm.abi_entry_point = #llm.entry_point<decode>} {
  llvm.return
}
// Without the marker there is no wrapper.
// CHECK-NOT: @qf_helper
llvm.func @_mlir_ciface_helper(%d: !llvm.ptr) {
  llvm.return
}

// -----

// expected-error @+1 {{'llvm.func' op argument 0 of type 'vector<4xf32>' has no packed ABI form}}
llvm.func @_mlir_ciface_prefill(%v: vector<4xf32>) attributes {llm.abi_entry_point = #llm.entry_point<prefill>} {
  llvm.return
}

// -----

llvm.func @qf_prefill() {
  llvm.return
}
// expected-error @+1 {{'llvm.func' op ABI wrapper name 'qf_prefill' is taken}}
llvm.func @_mlir_ciface_prefill(%d: !llvm.ptr) attributes {llm.abi_entry_point = #llm.entry_point<prefill>} {
  llvm.return
}
