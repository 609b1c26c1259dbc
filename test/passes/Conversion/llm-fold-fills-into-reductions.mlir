// RUN: quant-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(llm-fold-fills-into-reductions))' | FileCheck %s

// A row sum into a freshly filled buffer: the fill loop goes and the sum
// starts from the constant.
// CHECK-LABEL: func.func @row_sum
// CHECK-SAME: %[[X:.*]]: memref<6x?xf32>, %[[N:.*]]: index
// CHECK: %[[ZERO:.*]] = arith.constant 0.0
// CHECK: %[[BUF:.*]] = memref.alloc() : memref<6xf32>
// CHECK-NOT: memref.store %[[ZERO]]
// CHECK: scf.parallel (%[[I:.*]]) =
// CHECK-NOT: memref.load %[[BUF]]
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[ZERO]]) -> (f32)
// CHECK: memref.store %{{.*}}, %[[BUF]][%[[I]]]
// CHECK: return %[[BUF]]
func.func @row_sum(%x: memref<6x?xf32>, %n: index) -> memref<6xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  %zero = arith.constant 0.0 : f32
  %buf = memref.alloc() : memref<6xf32>
  scf.parallel (%i) = (%c0) to (%c6) step (%c1) {
    memref.store %zero, %buf[%i] : memref<6xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c6) step (%c1) {
    %init = memref.load %buf[%i] : memref<6xf32>
    %sum = scf.for %j = %c0 to %n step %c1 iter_args(%acc = %init) -> (f32) {
      %v = memref.load %x[%i, %j] : memref<6x?xf32>
      %s = arith.addf %acc, %v : f32
      scf.yield %s : f32
    }
    memref.store %sum, %buf[%i] : memref<6xf32>
    scf.reduce
  }
  return %buf : memref<6xf32>
}

// -----

// A dynamic size: the loops' bound is the allocation's size.
// CHECK-LABEL: func.func @dynamic_max
// CHECK-NOT: memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : memref<2x?xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (f32)
// CHECK: memref.store
// CHECK-NOT: memref.store
func.func @dynamic_max(%x: memref<2x?x8xf32>, %n: index) -> memref<2x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %low = arith.constant 0xFF800000 : f32
  %buf = memref.alloc(%n) : memref<2x?xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %n) step (%c1, %c1) {
    memref.store %low, %buf[%i, %j] : memref<2x?xf32>
    scf.reduce
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %n) step (%c1, %c1) {
    %init = memref.load %buf[%i, %j] : memref<2x?xf32>
    %m = scf.for %k = %c0 to %c8 step %c1 iter_args(%acc = %init) -> (f32) {
      %v = memref.load %x[%i, %j, %k] : memref<2x?x8xf32>
      %r = arith.maximumf %acc, %v : f32
      scf.yield %r : f32
    }
    memref.store %m, %buf[%i, %j] : memref<2x?xf32>
    scf.reduce
  }
  return %buf : memref<2x?xf32>
}

// -----

// The reduction covers only half of the buffer: the fill stays.
// CHECK-LABEL: func.func @partial_cover
// CHECK: memref.store %[[ZERO:.*]], %[[BUF:.*]][%{{.*}}] : memref<6xf32>
// CHECK: memref.load %[[BUF]]
func.func @partial_cover(%x: memref<6x4xf32>) -> memref<6xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %zero = arith.constant 0.0 : f32
  %buf = memref.alloc() : memref<6xf32>
  scf.parallel (%i) = (%c0) to (%c6) step (%c1) {
    memref.store %zero, %buf[%i] : memref<6xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c3) step (%c1) {
    %init = memref.load %buf[%i] : memref<6xf32>
    %sum = scf.for %j = %c0 to %c4 step %c1 iter_args(%acc = %init) -> (f32) {
      %v = memref.load %x[%i, %j] : memref<6x4xf32>
      %s = arith.addf %acc, %v : f32
      scf.yield %s : f32
    }
    memref.store %sum, %buf[%i] : memref<6xf32>
    scf.reduce
  }
  return %buf : memref<6xf32>
}

// -----

// The filled buffer is read by another loop first: the fill stays.
// CHECK-LABEL: func.func @read_between
// CHECK: memref.store %[[ZERO:.*]], %[[BUF:.*]][%{{.*}}] : memref<6xf32>
// CHECK: memref.load %[[BUF]]
// CHECK: memref.load %[[BUF]]
func.func @read_between(%x: memref<6x4xf32>, %y: memref<6xf32>) -> memref<6xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %zero = arith.constant 0.0 : f32
  %buf = memref.alloc() : memref<6xf32>
  scf.parallel (%i) = (%c0) to (%c6) step (%c1) {
    memref.store %zero, %buf[%i] : memref<6xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c6) step (%c1) {
    %v = memref.load %buf[%i] : memref<6xf32>
    memref.store %v, %y[%i] : memref<6xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c6) step (%c1) {
    %init = memref.load %buf[%i] : memref<6xf32>
    %sum = scf.for %j = %c0 to %c4 step %c1 iter_args(%acc = %init) -> (f32) {
      %v = memref.load %x[%i, %j] : memref<6x4xf32>
      %s = arith.addf %acc, %v : f32
      scf.yield %s : f32
    }
    memref.store %sum, %buf[%i] : memref<6xf32>
    scf.reduce
  }
  return %buf : memref<6xf32>
}

// -----

// A view of the buffer taken before the fill: left alone.
// CHECK-LABEL: func.func @view_before
// CHECK: memref.store %{{.*}}, %[[BUF:.*]][%{{.*}}] : memref<6xf32>
// CHECK: memref.load %[[BUF]]
func.func @view_before(%x: memref<6x4xf32>) -> memref<2x3xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %zero = arith.constant 0.0 : f32
  %buf = memref.alloc() : memref<6xf32>
  %view = memref.expand_shape %buf [[0, 1]] output_shape [2, 3] : memref<6xf32> into memref<2x3xf32>
  scf.parallel (%i) = (%c0) to (%c6) step (%c1) {
    memref.store %zero, %buf[%i] : memref<6xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c6) step (%c1) {
    %init = memref.load %buf[%i] : memref<6xf32>
    %sum = scf.for %j = %c0 to %c4 step %c1 iter_args(%acc = %init) -> (f32) {
      %v = memref.load %x[%i, %j] : memref<6x4xf32>
      %s = arith.addf %acc, %v : f32
      scf.yield %s : f32
    }
    memref.store %sum, %buf[%i] : memref<6xf32>
    scf.reduce
  }
  return %view : memref<2x3xf32>
}
