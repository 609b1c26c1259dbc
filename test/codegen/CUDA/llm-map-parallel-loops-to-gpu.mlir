// RUN: quant-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(func.func(llm-map-parallel-loops-to-gpu{block-size=128}))' | FileCheck %s

// Two dimensions collapse into one, tiled by the block size: tiles on
// blocks, the guarded iterations of a tile on threads.
// CHECK-LABEL: func.func @elementwise
// CHECK-SAME: (%[[A:[^:]*]]: memref<?x64xf32>
// CHECK: %[[N:.*]] = memref.dim %[[A]]
// CHECK: %[[ROWS:.*]] = arith.muli %{{.*}}, %[[N]]
// CHECK: %[[TOTAL:.*]] = arith.muli %[[ROWS]], %{{.*}}
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[TOTAL]]) step (%{{.*}})
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step
// CHECK: arith.cmpi ult, %{{.*}}, %[[TOTAL]]
// CHECK: scf.if
// CHECK: arith.remsi
// CHECK: arith.divsi
// CHECK: memref.load %[[A]]
// CHECK: memref.store
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
func.func @elementwise(%a: memref<?x64xf32>, %b: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %n = memref.dim %a, %c0 : memref<?x64xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c64) step (%c1, %c1) {
    %v = memref.load %a[%i, %j] : memref<?x64xf32>
    memref.store %v, %b[%i, %j] : memref<?x64xf32>
  }
  return
}

// -----

// A reduction stays a serial loop inside each thread.
// CHECK-LABEL: func.func @row_sum
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK: scf.for
// CHECK: {mapping = [#gpu.loop_dim_map<processor = thread_x
// CHECK: {mapping = [#gpu.loop_dim_map<processor = block_x
func.func @row_sum(%a: memref<512x64xf32>, %out: memref<512xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c512) step (%c1) {
    %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%acc = %zero) -> f32 {
      %v = memref.load %a[%i, %k] : memref<512x64xf32>
      %s = arith.addf %acc, %v : f32
      scf.yield %s : f32
    }
    memref.store %sum, %out[%i] : memref<512xf32>
  }
  return
}

// -----

func.func @mapped(%a: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error @+1 {{is already mapped to GPU processors}}
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %a[%i] : memref<4xf32>
    memref.store %v, %a[%i] : memref<4xf32>
  } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
  return
}
