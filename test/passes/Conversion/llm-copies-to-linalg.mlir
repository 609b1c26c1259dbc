// RUN: quant-opt %s --llm-copies-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @strided
// CHECK-SAME: (%[[SRC:.*]]: memref<2x4xf32>, %[[DST:.*]]: memref<2x4xf32, strided<[16, 1], offset: ?>>)
func.func @strided(%src: memref<2x4xf32>, %dst: memref<2x4xf32, strided<[16, 1], offset: ?>>) {
  // CHECK-NEXT: linalg.copy ins(%[[SRC]] : memref<2x4xf32>) outs(%[[DST]] : memref<2x4xf32, strided<[16, 1], offset: ?>>)
  // CHECK-NOT: memref.copy
  memref.copy %src, %dst : memref<2x4xf32> to memref<2x4xf32, strided<[16, 1], offset: ?>>
  return
}
