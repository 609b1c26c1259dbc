// RUN: quant-opt %s --split-input-file --verify-diagnostics --llm-launch-kernel-linears

// A function still returning its result was not bufferized in
// destination-passing form.
// expected-error @+1 {{is not an outlined int4 linear in destination-passing form with memref arguments}}
func.func private @returns(%x: memref<1x128xf32>, %q: memref<64x64xi8>,
                           %s: memref<64x4xf16>, %z: memref<64x2xi8>)
    -> memref<1x64xf32>
    attributes {qf.kernel_linear = {cols = 128 : i64, group = 32 : i64, rows = 64 : i64, symmetric = false}} {
  %out = memref.alloc() : memref<1x64xf32>
  return %out : memref<1x64xf32>
}

// -----

// The parts of a symmetric weight are three buffers, not four.
// expected-error @+1 {{is not an outlined int4 linear in destination-passing form with memref arguments}}
func.func private @arity(%x: memref<1x128xf32>, %q: memref<64x64xi8>,
                         %s: memref<64x4xf16>, %z: memref<64x2xi8>,
                         %out: memref<1x64xf32>)
    attributes {qf.kernel_linear = {cols = 128 : i64, group = 32 : i64, rows = 64 : i64, symmetric = true}} {
  return
}
