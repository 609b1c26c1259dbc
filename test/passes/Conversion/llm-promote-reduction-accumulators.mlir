// RUN: quant-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(llm-promote-reduction-accumulators))' | FileCheck %s

// A GEMV's reduction loop, as convert-linalg-to-parallel-loops writes it:
// the output element is loaded once before the loop, carried, stored after.
// CHECK-LABEL: func.func @gemv
// CHECK: scf.parallel (%[[T:.*]], %[[O:.*]]) =
// CHECK:   %[[INIT:.*]] = memref.load %[[Y:.*]][%[[T]], %[[O]]] : memref<1x1000xf32>
// CHECK:   %[[R:.*]] = scf.for %{{.*}} = %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32) {
// CHECK-NOT: memref.store
// CHECK-NOT: memref.load %[[Y]]
// CHECK:     %[[S:.*]] = arith.addf %{{.*}}, %[[ACC]] : f32
// CHECK:     scf.yield %[[S]] : f32
// CHECK:   }
// CHECK:   memref.store %[[R]], %[[Y]][%[[T]], %[[O]]] : memref<1x1000xf32>
func.func @gemv(%x: memref<1x384xf32>, %w: memref<1000x384xf32>, %y: memref<1x1000xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c1000 = arith.constant 1000 : index
  %c384 = arith.constant 384 : index
  scf.parallel (%t, %o) = (%c0, %c0) to (%c1, %c1000) step (%c1, %c1) {
    scf.for %k = %c0 to %c384 step %c1 {
      %a = memref.load %x[%t, %k] : memref<1x384xf32>
      %b = memref.load %w[%o, %k] : memref<1000x384xf32>
      %acc = memref.load %y[%t, %o] : memref<1x1000xf32>
      %m = arith.mulf %a, %b : f32
      %s = arith.addf %m, %acc : f32
      memref.store %s, %y[%t, %o] : memref<1x1000xf32>
    }
    scf.reduce
  }
  return
}

// -----

// Two reduction dimensions: the inner loop first, then the outer one, which
// then holds the load and store around the inner loop.
// CHECK-LABEL: func.func @two_reductions
// CHECK: %[[INIT:.*]] = memref.load %[[Y:.*]][%[[I:.*]]] : memref<8xf32>
// CHECK: %[[OUTER:.*]] = scf.for {{.*}} iter_args(%[[A0:.*]] = %[[INIT]]) -> (f32) {
// CHECK:   %[[INNER:.*]] = scf.for {{.*}} iter_args(%[[A1:.*]] = %[[A0]]) -> (f32) {
// CHECK:     arith.addf %{{.*}}, %[[A1]]
// CHECK:   scf.yield %[[INNER]] : f32
// CHECK: memref.store %[[OUTER]], %[[Y]][%[[I]]]
func.func @two_reductions(%x: memref<8x4x16xf32>, %y: memref<8xf32>, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  scf.for %j = %c0 to %c4 step %c1 {
    scf.for %k = %c0 to %c16 step %c1 {
      %a = memref.load %x[%i, %j, %k] : memref<8x4x16xf32>
      %acc = memref.load %y[%i] : memref<8xf32>
      %s = arith.addf %a, %acc : f32
      memref.store %s, %y[%i] : memref<8xf32>
    }
  }
  return
}

// -----

// Left alone: an element that moves with the loop (not a reduction), a
// second write in the loop, another read of the output, an op whose memory
// effects are unknown.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: iter_args
func.func @left_alone(%x: memref<16xf32>, %y: memref<16xf32>, %z: memref<16xf32>, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  scf.for %k = %c0 to %c16 step %c1 {
    %a = memref.load %x[%k] : memref<16xf32>
    %acc = memref.load %y[%k] : memref<16xf32>
    %s = arith.addf %a, %acc : f32
    memref.store %s, %y[%k] : memref<16xf32>
  }
  scf.for %k = %c0 to %c16 step %c1 {
    %a = memref.load %x[%k] : memref<16xf32>
    %acc = memref.load %y[%i] : memref<16xf32>
    %s = arith.addf %a, %acc : f32
    memref.store %s, %y[%i] : memref<16xf32>
    memref.store %s, %z[%k] : memref<16xf32>
  }
  scf.for %k = %c0 to %c16 step %c1 {
    %a = memref.load %y[%k] : memref<16xf32>
    %acc = memref.load %y[%i] : memref<16xf32>
    %s = arith.addf %a, %acc : f32
    memref.store %s, %y[%i] : memref<16xf32>
  }
  scf.for %k = %c0 to %c16 step %c1 {
    %a = memref.load %x[%k] : memref<16xf32>
    %acc = memref.load %y[%i] : memref<16xf32>
    %s = arith.addf %a, %acc : f32
    memref.store %s, %y[%i] : memref<16xf32>
    func.call @unknown(%z) : (memref<16xf32>) -> ()
  }
  return
}
func.func private @unknown(memref<16xf32>)
