// RUN: quant-opt %s --split-input-file --pass-pipeline='builtin.module(gpu.module(llm-gpu-dependent-launch))' | FileCheck %s

// sm_90: a kernel that does not wait gets the release, the wait and the
// memory clobber at its entry; one that waits itself, directly or through
// a call, is left as written; device functions are not kernels.
// CHECK-LABEL: gpu.module @hopper
// CHECK-LABEL: gpu.func @plain
// CHECK-NEXT: nvvm.griddepcontrol launch_dependents
// CHECK-NEXT: nvvm.griddepcontrol wait
// CHECK-NEXT: llvm.inline_asm has_side_effects asm_dialect = att "", "~{memory}"
// CHECK-NEXT: arith.constant
// CHECK-NEXT: memref.load
// CHECK-LABEL: gpu.func @waits_itself
// CHECK-NEXT: arith.constant
// CHECK-NEXT: memref.load
// CHECK-NEXT: nvvm.griddepcontrol wait
// CHECK-NEXT: memref.store
// CHECK-LABEL: gpu.func @waits_in_callee
// CHECK-NEXT: arith.constant
// CHECK-NEXT: memref.load
// CHECK-NEXT: func.call @indirect
// CHECK-LABEL: func.func private @indirect
// CHECK-NEXT: call @await
// CHECK-LABEL: func.func private @await
// CHECK-NEXT: nvvm.griddepcontrol wait
// CHECK-LABEL: gpu.func @not_a_kernel
// CHECK-NOT: griddepcontrol
// CHECK: gpu.return
gpu.module @hopper [#nvvm.target<chip = "sm_90">] {
  gpu.func @plain(%x: memref<4xf32>, %y: memref<4xf32>) kernel {
    %c0 = arith.constant 0 : index
    %v = memref.load %x[%c0] : memref<4xf32>
    memref.store %v, %y[%c0] : memref<4xf32>
    gpu.return
  }
  gpu.func @waits_itself(%w: memref<4xf32>, %y: memref<4xf32>) kernel {
    %c0 = arith.constant 0 : index
    %v = memref.load %w[%c0] : memref<4xf32>
    nvvm.griddepcontrol wait
    memref.store %v, %y[%c0] : memref<4xf32>
    gpu.return
  }
  gpu.func @waits_in_callee(%w: memref<4xf32>, %y: memref<4xf32>) kernel {
    %c0 = arith.constant 0 : index
    %v = memref.load %w[%c0] : memref<4xf32>
    func.call @indirect() : () -> ()
    memref.store %v, %y[%c0] : memref<4xf32>
    gpu.return
  }
  func.func private @indirect() {
    func.call @await() : () -> ()
    return
  }
  func.func private @await() {
    nvvm.griddepcontrol wait
    return
  }
  gpu.func @not_a_kernel(%y: memref<4xf32>) {
    gpu.return
  }
}

// -----

// sm_90a and newer chips count as Hopper or later.
// CHECK-LABEL: gpu.module @hopper_a
// CHECK: nvvm.griddepcontrol launch_dependents
// CHECK-LABEL: gpu.module @blackwell
// CHECK: nvvm.griddepcontrol launch_dependents
gpu.module @hopper_a [#nvvm.target<chip = "sm_90a">] {
  gpu.func @k() kernel {
    gpu.return
  }
}
gpu.module @blackwell [#nvvm.target<chip = "sm_100">] {
  gpu.func @k() kernel {
    gpu.return
  }
}

// -----

// Before sm_90 (and without an NVVM target) griddepcontrol does not exist:
// the library's own ops are removed and nothing is added.
// CHECK-LABEL: gpu.module @ampere
// CHECK-NOT: griddepcontrol
// CHECK: memref.load
// CHECK-NOT: griddepcontrol
// CHECK-LABEL: gpu.module @untargeted
// CHECK-NOT: griddepcontrol
// CHECK: gpu.return
gpu.module @ampere [#nvvm.target<chip = "sm_80">] {
  gpu.func @k(%w: memref<4xf32>, %y: memref<4xf32>) kernel {
    %c0 = arith.constant 0 : index
    nvvm.griddepcontrol launch_dependents
    %v = memref.load %w[%c0] : memref<4xf32>
    nvvm.griddepcontrol wait
    memref.store %v, %y[%c0] : memref<4xf32>
    gpu.return
  }
}
gpu.module @untargeted {
  gpu.func @k() kernel {
    nvvm.griddepcontrol wait
    gpu.return
  }
}
