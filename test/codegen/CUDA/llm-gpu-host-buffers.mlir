// RUN: quant-opt %s --split-input-file --verify-diagnostics --llm-gpu-host-buffers | FileCheck %s

// Host temporaries become stream-ordered device allocations; a constant
// global moves into the kernel that reads it.
// CHECK-LABEL: func.func @temporaries
// CHECK: %[[W0:.*]] = gpu.wait async
// CHECK: %[[BUF:.*]], %[[T0:.*]] = gpu.alloc async [%[[W0]]] (%{{.*}}) : memref<?xf32>
// CHECK: gpu.wait [%[[T0]]]
// CHECK-NOT: memref.get_global
// CHECK: gpu.launch
// CHECK: %[[G:.*]] = memref.get_global @table : memref<4xf32>
// CHECK: memref.load %[[G]]
// CHECK: memref.store %{{.*}}, %[[BUF]]
// CHECK: %[[W1:.*]] = gpu.wait async
// CHECK: %[[T1:.*]] = gpu.dealloc async [%[[W1]]] %[[BUF]] : memref<?xf32>
// CHECK: gpu.wait [%[[T1]]]
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
func.func @temporaries(%n: index) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %table = memref.get_global @table : memref<4xf32>
  %buf = memref.alloc(%n) : memref<?xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    %v = memref.load %table[%tx] : memref<4xf32>
    memref.store %v, %buf[%bx] : memref<?xf32>
    gpu.terminator
  }
  memref.dealloc %buf : memref<?xf32>
  return
}

// -----

func.func @host_load(%a: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'memref.load' accesses memory outside a GPU kernel}}
  %v = memref.load %a[%c0] : memref<4xf32>
  return %v : f32
}
