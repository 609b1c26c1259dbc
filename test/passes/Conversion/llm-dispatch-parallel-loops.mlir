// RUN: quant-opt %s --split-input-file --verify-diagnostics --llm-dispatch-parallel-loops=min-work=4096 | FileCheck %s
// RUN: quant-opt %s --split-input-file --verify-diagnostics --llm-dispatch-parallel-loops | FileCheck %s --check-prefix=DEFAULT

// Large with static bounds: dispatched unconditionally. The outermost
// dimension is split; the other keeps its full range in the body. The
// captures (two buffers and a float) travel in a context struct.
// CHECK: func.func private @qf_parallel_for((!llvm.ptr, i64, i64) -> (), !llvm.ptr, i64, i64)
// CHECK-LABEL: func.func @scale
// CHECK-SAME: (%[[IN:.*]]: memref<64x256xf32> {llvm.noalias}, %[[OUT:.*]]: memref<64x256xf32> {llvm.noalias}, %[[S:.*]]: f32)
// CHECK: %[[ONE:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK: %[[CTX:.*]] = llvm.alloca %[[ONE]] x !llvm.struct<(struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>, f32, struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>)>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-NOT: scf.parallel
// CHECK: %[[D0:.*]] = builtin.unrealized_conversion_cast %[[IN]] : memref<64x256xf32> to !llvm.struct
// CHECK: %[[P0:.*]] = llvm.getelementptr %[[CTX]][0, 0]
// CHECK: llvm.store %[[D0]], %[[P0]]
// CHECK: %[[P1:.*]] = llvm.getelementptr %[[CTX]][0, 1]
// CHECK: llvm.store %[[S]], %[[P1]] : f32, !llvm.ptr
// CHECK: %[[D2:.*]] = builtin.unrealized_conversion_cast %[[OUT]]
// CHECK: %[[P2:.*]] = llvm.getelementptr %[[CTX]][0, 2]
// CHECK: llvm.store %[[D2]], %[[P2]]
// CHECK: %[[FN:.*]] = constant @scale_parallel_0 : (!llvm.ptr, i64, i64) -> ()
// CHECK: %[[LO:.*]] = arith.index_cast %[[C0]] : index to i64
// CHECK: %[[HI:.*]] = arith.index_cast %[[C64]] : index to i64
// CHECK: call @qf_parallel_for(%[[FN]], %[[CTX]], %[[LO]], %[[HI]])
// CHECK-NEXT: return
//
// Buffers arrive as descriptor fields; distinct ones have a noalias aligned
// pointer.
// CHECK-LABEL: func.func private @scale_parallel_0_body
// CHECK-SAME: (%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr {llvm.noalias}, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %[[BS:.*]]: f32, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr {llvm.noalias}, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %[[BEGIN:.*]]: index, %[[END:.*]]: index)
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>}
// CHECK: %[[BIN:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<64x256xf32>
// CHECK: %[[BOUT:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<64x256xf32>
// CHECK-DAG: %[[B1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[B0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[B256:.*]] = arith.constant 256 : index
// CHECK: scf.for %[[I:.*]] = %[[BEGIN]] to %[[END]] step %[[B1]] {
// CHECK-NEXT: scf.for %[[J:.*]] = %[[B0]] to %[[B256]] step %[[B1]] {
// CHECK-NEXT: %[[X:.*]] = memref.load %[[BIN]][%[[I]], %[[J]]]
// CHECK-NEXT: %[[Y:.*]] = arith.mulf %[[X]], %[[BS]] : f32
// CHECK-NEXT: memref.store %[[Y]], %[[BOUT]][%[[I]], %[[J]]]
//
// The function the runtime calls: fields from the context, then the body.
// CHECK-LABEL: func.func private @scale_parallel_0
// CHECK-SAME: (%[[ECTX:.*]]: !llvm.ptr, %[[EBEGIN:.*]]: i64, %[[EEND:.*]]: i64)
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>}
// CHECK: %[[E0:.*]] = llvm.getelementptr %[[ECTX]][0, 0]
// CHECK: llvm.load %[[E0]] : !llvm.ptr -> !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// CHECK: %[[E1:.*]] = llvm.getelementptr %[[ECTX]][0, 1]
// CHECK: %[[ES:.*]] = llvm.load %[[E1]] : !llvm.ptr -> f32
// CHECK: %[[EB:.*]] = arith.index_cast %[[EBEGIN]] : i64 to index
// CHECK: %[[EE:.*]] = arith.index_cast %[[EEND]] : i64 to index
// CHECK: call @scale_parallel_0_body({{.*}}, %[[ES]], {{.*}}, %[[EB]], %[[EE]])
func.func @scale(%in: memref<64x256xf32> {llvm.noalias}, %out: memref<64x256xf32> {llvm.noalias}, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c256) step (%c1, %c1) {
    %x = memref.load %in[%i, %j] : memref<64x256xf32>
    %y = arith.mulf %x, %s : f32
    memref.store %y, %out[%i, %j] : memref<64x256xf32>
    scf.reduce
  }
  return
}

// -----

// A contraction over a dynamic token count: the static output features are
// split, the reduction stays a serial loop inside the body. 64 features of
// 32-step reductions are enough work whatever the token count; with the
// default min-work they are not, and a run-time test of the token count
// calls the body directly on the calling thread when there are few tokens.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[X:.*]]: memref<?x32xf32>, %[[W:.*]]: memref<64x32xf32> {llvm.noalias})
// CHECK: %[[N:.*]] = memref.dim %[[X]]
// CHECK: %[[Y:.*]] = memref.alloc(%[[N]])
// CHECK-NOT: scf.if
// CHECK: %[[NI:.*]] = builtin.unrealized_conversion_cast %[[N]] : index to i64
// CHECK: llvm.getelementptr %{{.*}}[0, 3]
// CHECK: llvm.store %[[NI]]
// CHECK: call @qf_parallel_for
// CHECK-LABEL: func.func private @matmul_parallel_0_body
// The token count is an argument; only the weights and the new buffer are
// known not to alias.
// CHECK-SAME: (%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr {llvm.noalias}, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr {llvm.noalias}, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %[[BN:.*]]: index, %[[BEGIN:.*]]: index, %[[END:.*]]: index)
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %[[BN]]
// CHECK-NEXT: scf.for %[[F:.*]] = %[[BEGIN]] to %[[END]]
// CHECK-NEXT: scf.for %[[K:.*]] = %{{.*}} to %{{.*}}
// CHECK: memref.store %{{.*}}[%[[T]], %[[F]]]
//
// DEFAULT-LABEL: func.func @matmul
// DEFAULT: %[[N:.*]] = memref.dim
// DEFAULT: %[[TRIPS:.*]] = arith.subi %[[N]], %{{.*}} : index
// DEFAULT: %[[NEEDED:.*]] = arith.constant 5 : index
// DEFAULT: %[[SMALL:.*]] = arith.cmpi slt, %[[TRIPS]], %[[NEEDED]] : index
// DEFAULT: scf.if %[[SMALL]] {
// DEFAULT: func.call @matmul_parallel_0_body(
// DEFAULT: } else {
// DEFAULT: func.call @qf_parallel_for(
func.func @matmul(%x: memref<?x32xf32>, %w: memref<64x32xf32> {llvm.noalias}) -> memref<?x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  %n = memref.dim %x, %c0 : memref<?x32xf32>
  %y = memref.alloc(%n) : memref<?x64xf32>
  scf.parallel (%t, %f) = (%c0, %c0) to (%n, %c64) step (%c1, %c1) {
    scf.for %k = %c0 to %c32 step %c1 {
      %a = memref.load %x[%t, %k] : memref<?x32xf32>
      %b = memref.load %w[%f, %k] : memref<64x32xf32>
      %acc = memref.load %y[%t, %f] : memref<?x64xf32>
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %acc, %p : f32
      memref.store %s, %y[%t, %f] : memref<?x64xf32>
    }
    scf.reduce
  }
  return %y : memref<?x64xf32>
}

// -----

// Only dynamic dimensions: the outermost unit-trip dimension is not split,
// the dynamic one is, behind a test of its run-time work (2 operations per
// iteration: 4096 / 2 iterations at least).
// CHECK-LABEL: func.func @ones
// CHECK-SAME: (%[[OUT:.*]]: memref<1x?xf32> {llvm.noalias}, %[[N:.*]]: index)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[TRIPS:.*]] = arith.subi %[[N]], %[[C0]] : index
// CHECK: %[[NEEDED:.*]] = arith.constant 2048 : index
// CHECK: %[[SMALL:.*]] = arith.cmpi slt, %[[TRIPS]], %[[NEEDED]] : index
// CHECK: scf.if %[[SMALL]] {
// CHECK: func.call @ones_parallel_0_body({{.*}}, %[[C0]], %[[N]])
// CHECK: } else {
// CHECK: %[[FN:.*]] = func.constant @ones_parallel_0
// CHECK: %[[LO:.*]] = arith.index_cast %[[C0]] : index to i64
// CHECK: %[[HI:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK: func.call @qf_parallel_for(%[[FN]], %{{.*}}, %[[LO]], %[[HI]])
// CHECK: }
// CHECK-LABEL: func.func private @ones_parallel_0_body
// CHECK-SAME: %[[BEGIN:[^:]*]]: index, %[[END:[^:]*]]: index)
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK-NEXT: scf.for %[[J:.*]] = %[[BEGIN]] to %[[END]] step
// CHECK-NEXT: memref.store %{{.*}}[%[[I]], %[[J]]]
func.func @ones(%out: memref<1x?xf32> {llvm.noalias}, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cst = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c1, %n) step (%c1, %c1) {
    memref.store %cst, %out[%i, %j] : memref<1x?xf32>
    scf.reduce
  }
  return
}

// -----

// Two views of one buffer may overlap: neither is noalias, nor is an
// argument without llvm.noalias. An inner scf.parallel becomes scf.for.
// CHECK-LABEL: func.func @views
// CHECK: call @qf_parallel_for
// CHECK-LABEL: func.func private @views_parallel_0_body
// CHECK-NOT: llvm.noalias
// CHECK-SAME: %[[BEGIN:[^:]*]]: index, %[[END:[^:]*]]: index)
// CHECK-NOT: scf.parallel
// CHECK: scf.for %{{.*}} = %[[BEGIN]] to %[[END]]
// CHECK-NEXT: scf.for
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @views(%cache: memref<2x16x64xf32> {llvm.noalias}, %other: memref<16x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %k = memref.subview %cache[0, 0, 0] [1, 16, 64] [1, 1, 1] : memref<2x16x64xf32> to memref<16x64xf32, strided<[64, 1]>>
  %v = memref.subview %cache[1, 0, 0] [1, 16, 64] [1, 1, 1] : memref<2x16x64xf32> to memref<16x64xf32, strided<[64, 1], offset: 1024>>
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    scf.parallel (%j) = (%c0) to (%c64) step (%c1) {
      %a = memref.load %k[%i, %j] : memref<16x64xf32, strided<[64, 1]>>
      %b = memref.load %other[%i, %j] : memref<16x64xf32>
      %c = arith.addf %a, %b : f32
      memref.store %c, %v[%i, %j] : memref<16x64xf32, strided<[64, 1], offset: 1024>>
      scf.reduce
    }
    scf.reduce
  }
  return
}

// -----

// Too little work with static bounds: serial loops, nothing outlined.
// CHECK-NOT: qf_parallel_for
// CHECK-LABEL: func.func @tiny
// CHECK-SAME: (%[[OUT:.*]]: memref<4x8xf32>)
// CHECK-NOT: scf.parallel
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK-NEXT: scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step
// CHECK-NEXT: memref.store %{{.*}}, %[[OUT]][%[[I]], %[[J]]]
// CHECK-NOT: func.func
func.func @tiny(%out: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    memref.store %cst, %out[%i, %j] : memref<4x8xf32>
    scf.reduce
  }
  return
}

// -----

// Loops that reduce into results are left to scf-to-cf.
// CHECK-LABEL: func.func @reduction
// CHECK: scf.parallel
// CHECK: scf.reduce
// CHECK-NOT: qf_parallel_for
func.func @reduction(%x: memref<4096xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4096 = arith.constant 4096 : index
  %zero = arith.constant 0.0 : f32
  %sum = scf.parallel (%i) = (%c0) to (%c4096) step (%c1) init (%zero) -> f32 {
    %a = memref.load %x[%i] : memref<4096xf32>
    scf.reduce(%a : f32) {
    ^bb0(%l: f32, %r: f32):
      %s = arith.addf %l, %r : f32
      scf.reduce.return %s : f32
    }
  }
  return %sum : f32
}

// -----

// expected-error @below {{'func.func' op is not the runtime's qf_parallel_for of type '((!llvm.ptr, i64, i64) -> (), !llvm.ptr, i64, i64) -> ()'}}
func.func private @qf_parallel_for(i64)

func.func @taken(%out: memref<65536xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 65536 : index
  %cst = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %cst, %out[%i] : memref<65536xf32>
    scf.reduce
  }
  return
}
