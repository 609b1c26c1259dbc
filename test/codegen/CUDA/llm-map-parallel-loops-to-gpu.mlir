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

// -----

// A paged cache's row writes: scf.forall's thread mapping (carried over by
// scf-forall-to-parallel) gives way to the pass's grid, and the row copy
// nested in each token's iteration becomes scf.for loops inside the tile's
// guard, where upstream's parallel-loops-to-gpu would not lower it.
// CHECK-LABEL: func.func @paged_rows
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK: scf.if
// CHECK: memref.load %{{.*}} : memref<4xi32>
// CHECK: scf.for
// CHECK-NEXT: scf.for
// CHECK-NEXT: memref.load
// CHECK-NEXT: memref.store
// CHECK-NOT: scf.parallel
// CHECK: {mapping = [#gpu.loop_dim_map<processor = thread_x
// CHECK: {mapping = [#gpu.loop_dim_map<processor = block_x
func.func @paged_rows(%rows: memref<?x2x8xi8>, %pool: memref<?x2x4x8xi8>, %table: memref<4xi32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%t) = (%c0) to (%n) step (%c1) {
    %slot = arith.divui %t, %c4 : index
    %entry = memref.load %table[%slot] : memref<4xi32>
    %block = arith.index_cast %entry : i32 to index
    %offset = arith.remui %t, %c4 : index
    scf.parallel (%h, %d) = (%c0, %c0) to (%c2, %c8) step (%c1, %c1) {
      %v = memref.load %rows[%t, %h, %d] : memref<?x2x8xi8>
      memref.store %v, %pool[%block, %h, %offset, %d] : memref<?x2x4x8xi8>
      scf.reduce
    }
    scf.reduce
  } {mapping = [#gpu.thread<linear_dim_0>]}
  return
}

// -----

func.func @nested_reduction(%a: memref<4x8xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    // expected-error @+1 {{a nested parallel loop with reductions cannot run serially in a thread}}
    %sum = scf.parallel (%k) = (%c0) to (%c8) step (%c1) init (%zero) -> f32 {
      %v = memref.load %a[%i, %k] : memref<4x8xf32>
      scf.reduce(%v : f32) {
      ^bb0(%x: f32, %y: f32):
        %s = arith.addf %x, %y : f32
        scf.reduce.return %s : f32
      }
    }
    memref.store %sum, %out[%i] : memref<4xf32>
  }
  return
}
