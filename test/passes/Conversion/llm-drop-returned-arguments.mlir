// RUN: quant-opt %s --llm-drop-returned-arguments | FileCheck %s

// The cache buffer that comes back unchanged is dropped; every memref
// argument of an entry point is marked noalias.
// CHECK-LABEL: func.func @decode
// CHECK-SAME: (%{{.*}}: memref<1xi32> {llvm.noalias}, %{{.*}}: index, %[[C:.*]]: memref<2x8xf32> {llvm.noalias}) -> memref<1x4xf32>
func.func @decode(%t: memref<1xi32>, %s: index, %c: memref<2x8xf32>) -> (memref<1x4xf32>, memref<2x8xf32>)
    attributes {llm.abi_entry_point = #llm.entry_point<decode>} {
  // CHECK: return %{{.*}} : memref<1x4xf32>
  %l = memref.alloc() : memref<1x4xf32>
  return %l, %c : memref<1x4xf32>, memref<2x8xf32>
}

// Other functions are left alone.
// CHECK-LABEL: func.func @helper
// CHECK-SAME: (%{{.*}}: memref<2x8xf32>) -> memref<2x8xf32>
func.func @helper(%c: memref<2x8xf32>) -> memref<2x8xf32> {
  return %c : memref<2x8xf32>
}

// A cast of the cache argument is that argument; another buffer is kept.
// CHECK-LABEL: func.func @prefill
// CHECK-SAME: -> (memref<1x4xf32>, memref<2x8xf32>)
func.func @prefill(%t: memref<?xi32>, %s: index, %c: memref<2x8xf32>) -> (memref<1x4xf32>, memref<?x8xf32>, memref<2x8xf32>)
    attributes {llm.abi_entry_point = #llm.entry_point<prefill>} {
  %l = memref.alloc() : memref<1x4xf32>
  %other = memref.alloc() : memref<2x8xf32>
  %cast = memref.cast %c : memref<2x8xf32> to memref<?x8xf32>
  // CHECK: return %{{.*}}, %{{.*}} : memref<1x4xf32>, memref<2x8xf32>
  return %l, %cast, %other : memref<1x4xf32>, memref<?x8xf32>, memref<2x8xf32>
}
