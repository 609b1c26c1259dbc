// Hot-path int4 kernels of the CUDA backend (issue #8), written in upstream
// MLIR dialects (gpu, vector, arith, nvgpu) and compiled through the upstream
// NVVM path (convert-gpu-to-nvvm, gpu-module-to-binary with ptxas). The ABI,
// grid and layout of each kernel are in README.md beside this file.
//
// Weights are QuantForge's canonical layout (docs/quantization.md): row r of
// qweight is the r-th output feature, its values packed two per byte, low
// nibble first; scales f16 [R, C/G]; zero points packed like the values, or
// absent (has_zeros = 0, implied zero 8). Act-order weights are repacked with
// their columns sorted by group (README.md), so every kernel sees contiguous
// groups.
//
// Dequantization stays in registers: a 32-bit word of 8 nibbles becomes two
// f16 lanes per mask with (w >> 4s) & 0x000F000F | 0x64006400, the f16 values
// 1024 + q; subtracting 1024 + zero is exact, so (q - zero) * x is formed
// without integer-to-float conversions, and the scale is applied once per
// group in f32.

module attributes {gpu.container_module} {
gpu.module @quantforge_int4 {

  // (w & mask) | 0x64006400 per word as one lop3.b32 (LLVM emits and + or
  // with immediates, which ptxas leaves as two LOP3: 4 of the 13 SASS
  // instructions per dequantized word).
  func.func private @mask_magic(%w: vector<4xi32>, %mask: i32) -> vector<4xi32> {
    %magic = arith.constant 1677747200 : i32   // 0x64006400
    %e0 = vector.extract %w[0] : i32 from vector<4xi32>
    %e1 = vector.extract %w[1] : i32 from vector<4xi32>
    %e2 = vector.extract %w[2] : i32 from vector<4xi32>
    %e3 = vector.extract %w[3] : i32 from vector<4xi32>
    %r0 = llvm.inline_asm asm_dialect = att "lop3.b32 $0, $1, $2, $3, 0xea;", "=r,r,r,r" %e0, %mask, %magic : (i32, i32, i32) -> i32
    %r1 = llvm.inline_asm asm_dialect = att "lop3.b32 $0, $1, $2, $3, 0xea;", "=r,r,r,r" %e1, %mask, %magic : (i32, i32, i32) -> i32
    %r2 = llvm.inline_asm asm_dialect = att "lop3.b32 $0, $1, $2, $3, 0xea;", "=r,r,r,r" %e2, %mask, %magic : (i32, i32, i32) -> i32
    %r3 = llvm.inline_asm asm_dialect = att "lop3.b32 $0, $1, $2, $3, 0xea;", "=r,r,r,r" %e3, %mask, %magic : (i32, i32, i32) -> i32
    %v = vector.from_elements %r0, %r1, %r2, %r3 : vector<4xi32>
    return %v : vector<4xi32>
  }

  // The nibbles of a 16-byte vector (4 words of 8) as f16 pairs with the
  // 0x6400 exponent: lanes (2j, 2j+1) of result s are nibbles (s, s+4) of
  // word j, as 1024 + q for s = 0, 2 and, masked in place, 1024 + 16q for
  // s = 1, 3, so a word needs one shift and four lop3.
  func.func private @raw_pairs(%w: vector<4xi32>)
      -> (vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) {
    %c_lo = arith.constant 983055 : i32       // 0x000F000F
    %c_hi = arith.constant 15728880 : i32     // 0x00F000F0
    %eight = arith.constant dense<8> : vector<4xi32>
    %w8 = arith.shrui %w, %eight : vector<4xi32>
    %m0 = func.call @mask_magic(%w, %c_lo) : (vector<4xi32>, i32) -> vector<4xi32>
    %m1 = func.call @mask_magic(%w, %c_hi) : (vector<4xi32>, i32) -> vector<4xi32>
    %m2 = func.call @mask_magic(%w8, %c_lo) : (vector<4xi32>, i32) -> vector<4xi32>
    %m3 = func.call @mask_magic(%w8, %c_hi) : (vector<4xi32>, i32) -> vector<4xi32>
    %f0 = vector.bitcast %m0 : vector<4xi32> to vector<8xf16>
    %f1 = vector.bitcast %m1 : vector<4xi32> to vector<8xf16>
    %f2 = vector.bitcast %m2 : vector<4xi32> to vector<8xf16>
    %f3 = vector.bitcast %m3 : vector<4xi32> to vector<8xf16>
    return %f0, %f1, %f2, %f3 : vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>
  }

  // @raw_pairs finished to (q - zero) as exact small f16 integers: minus
  // `bias` = 1024 + zero for nibbles 0 and 2, one fma with 1/16 and
  // -(64 + zero) for nibbles 1 and 3.
  func.func private @dequant_pairs(%w: vector<4xi32>, %bias: vector<8xf16>)
      -> (vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) {
    %sixteenth = arith.constant dense<6.250000e-02> : vector<8xf16>
    %c960 = arith.constant dense<9.600000e+02> : vector<8xf16>
    %hb = arith.subf %bias, %c960 : vector<8xf16>
    %hbias = arith.negf %hb : vector<8xf16>
    %f:4 = func.call @raw_pairs(%w) : (vector<4xi32>) -> (vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>)
    %d0 = arith.subf %f#0, %bias : vector<8xf16>
    %d1 = math.fma %f#1, %sixteenth, %hbias : vector<8xf16>
    %d2 = arith.subf %f#2, %bias : vector<8xf16>
    %d3 = math.fma %f#3, %sixteenth, %hbias : vector<8xf16>
    return %d0, %d1, %d2, %d3 : vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>
  }

  // The byte of `zeros` that holds the zero point of (row, group); without
  // zero points byte 0, read and ignored (branch-free, so the load can be
  // issued chunks ahead of its use).
  func.func private @zero_byte(%zeros: memref<?xi8>, %has_zeros: i32,
                               %row: index, %group: index,
                               %zero_row_bytes: index) -> i8 {
    %c0 = arith.constant 0 : i32
    %c0i = arith.constant 0 : index
    %c1i = arith.constant 1 : index
    %present = arith.cmpi ne, %has_zeros, %c0 : i32
    %half = arith.shrui %group, %c1i : index
    %at = affine.apply affine_map<(r, h)[n] -> (r * n + h)>(%row, %half)[%zero_row_bytes]
    %safe = arith.select %present, %at, %c0i : index
    %byte = memref.load %zeros[%safe] : memref<?xi8>
    return %byte : i8
  }

  // The zero point of `group` from its @zero_byte as i16: the packed
  // nibble, or the symmetric midpoint 8.
  func.func private @nibble_of(%byte: i8, %has_zeros: i32, %group: index) -> i16 {
    %c0 = arith.constant 0 : i32
    %c1i = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c15 = arith.constant 15 : i16
    %c8 = arith.constant 8 : i16
    %present = arith.cmpi ne, %has_zeros, %c0 : i32
    %odd = arith.andi %group, %c1i : index
    %sh = arith.muli %odd, %c4 : index
    %sh16 = arith.index_cast %sh : index to i16
    %b16 = arith.extui %byte : i8 to i16
    %nib = arith.shrui %b16, %sh16 : i16
    %zq = arith.andi %nib, %c15 : i16
    %z = arith.select %present, %zq, %c8 : i16
    return %z : i16
  }

  // The f16 splat 1024 + zero point from the zero byte of (row, group).
  func.func private @bias_of(%byte: i8, %has_zeros: i32, %group: index) -> vector<8xf16> {
    %z = func.call @nibble_of(%byte, %has_zeros, %group) : (i8, i32, index) -> i16
    %magic = arith.constant 25600 : i16                          // 0x6400
    %bits = arith.ori %z, %magic : i16
    %f = arith.bitcast %bits : i16 to f16
    %splat = vector.broadcast %f : f16 to vector<8xf16>
    return %splat : vector<8xf16>
  }

  // The f16 splat 1024 + zero point of (row, group).
  func.func private @zero_bias(%zeros: memref<?xi8>, %has_zeros: i32,
                               %row: index, %group: index,
                               %zero_row_bytes: index) -> vector<8xf16> {
    %b = func.call @zero_byte(%zeros, %has_zeros, %row, %group, %zero_row_bytes) : (memref<?xi8>, i32, index, index, index) -> i8
    %splat = func.call @bias_of(%b, %has_zeros, %group) : (i8, i32, index) -> vector<8xf16>
    return %splat : vector<8xf16>
  }

  // The scales and zero bytes of rows ra and rb for 128-column chunk c,
  // loaded with the chunk's weights so that no load is waited for in the
  // iteration that issues it.
  func.func private @chunk_meta(%scales: memref<?xf16>, %zeros: memref<?xi8>,
                                %has_zeros: i32, %ra: index, %rb: index,
                                %c: index, %gshift: index, %ngroups: index,
                                %zrow: index) -> (vector<2xf16>, vector<2xi8>) {
    %gi = arith.shrui %c, %gshift : index
    %sia = affine.apply affine_map<(r, g)[n] -> (r * n + g)>(%ra, %gi)[%ngroups]
    %sib = affine.apply affine_map<(r, g)[n] -> (r * n + g)>(%rb, %gi)[%ngroups]
    %sa = memref.load %scales[%sia] : memref<?xf16>
    %sb = memref.load %scales[%sib] : memref<?xf16>
    %za = func.call @zero_byte(%zeros, %has_zeros, %ra, %gi, %zrow) : (memref<?xi8>, i32, index, index, index) -> i8
    %zb = func.call @zero_byte(%zeros, %has_zeros, %rb, %gi, %zrow) : (memref<?xi8>, i32, index, index, index) -> i8
    %s2 = vector.from_elements %sa, %sb : vector<2xf16>
    %z2 = vector.from_elements %za, %zb : vector<2xi8>
    return %s2, %z2 : vector<2xf16>, vector<2xi8>
  }

  // An empty asm statement that clobbers memory: loads issued before it
  // stay before it (LLVM would otherwise sink a pipeline's first loads past
  // the x staging loop to their use, so the weights would only be
  // requested once x has arrived).
  func.func private @keep_loads_here() {
    llvm.inline_asm has_side_effects asm_dialect = att "", "~{memory}" : () -> ()
    return
  }

  // Programmatic dependent launch (README.md): each kernel lets the next
  // launch be scheduled as soon as all of its blocks run, and waits for the
  // previous kernel (its completion and its memory) before it touches what
  // a previous kernel may write: x and y. Weights, scales and zero points
  // are constants of a decode step, so a kernel requests them before the
  // wait and, launched with the PDL attribute, overlaps those loads with
  // the previous kernel's last blocks. Both are no-ops in a plain launch.
  func.func private @release_dependents() {
    nvvm.griddepcontrol launch_dependents
    return
  }
  // LLVM models the wait as touching no memory, so the memory-clobbering
  // asm after it keeps the reads of x from being hoisted above it.
  func.func private @await_prerequisites() {
    nvvm.griddepcontrol wait
    func.call @keep_loads_here() : () -> ()
    return
  }

  // Asks L2 for the 128-byte line %line of row %row of the packed weight
  // (clamped into the row), so the first step's bytes are on their way
  // while the kernel waits for its x.
  func.func private @prefetch_line(%qw: memref<?xi32>, %row: index, %line: index,
                                   %cols: index) {
    %c16 = arith.constant 16 : index
    %base = memref.extract_aligned_pointer_as_index %qw : memref<?xi32> -> index
    %rowbytes = affine.apply affine_map<(c) -> (c floordiv 2)>(%cols)
    %lim = arith.subi %rowbytes, %c16 : index
    %o = affine.apply affine_map<(l) -> (l * 128)>(%line)
    %k = arith.minui %o, %lim : index
    %a = affine.apply affine_map<(b, r, o)[n] -> (b + r * n + o)>(%base, %row, %k)[%rowbytes]
    %i = arith.index_castui %a : index to i64
    llvm.inline_asm has_side_effects asm_dialect = att "prefetch.global.L2 [$0];", "l" %i : (i64) -> ()
    return
  }

  func.func private @warp_sum(%v: f32) -> f32 {
    %w = arith.constant 32 : i32
    %o16 = arith.constant 16 : i32
    %o8 = arith.constant 8 : i32
    %o4 = arith.constant 4 : i32
    %o2 = arith.constant 2 : i32
    %o1 = arith.constant 1 : i32
    %a, %p0 = gpu.shuffle xor %v, %o16, %w : f32
    %s0 = arith.addf %v, %a : f32
    %b, %p1 = gpu.shuffle xor %s0, %o8, %w : f32
    %s1 = arith.addf %s0, %b : f32
    %c, %p2 = gpu.shuffle xor %s1, %o4, %w : f32
    %s2 = arith.addf %s1, %c : f32
    %d, %p3 = gpu.shuffle xor %s2, %o2, %w : f32
    %s3 = arith.addf %s2, %d : f32
    %e, %p4 = gpu.shuffle xor %s3, %o1, %w : f32
    %s4 = arith.addf %s3, %e : f32
    return %s4 : f32
  }

  // sum over 32 columns of (q - zero) * x for one 16-byte weight vector,
  // as the two f16 lanes of a tree; xk[s] lane (2j + h) holds x of nibble
  // s + 4h of word j (see @permute_x).
  func.func private @qdot32_pair(%w: vector<4xi32>, %x0: vector<8xf16>,
                                 %x1: vector<8xf16>, %x2: vector<8xf16>,
                                 %x3: vector<8xf16>, %bias: vector<8xf16>) -> vector<2xf16> {
    %d:4 = func.call @dequant_pairs(%w, %bias) : (vector<4xi32>, vector<8xf16>) -> (vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>)
    // Four products per f16 lane (|q - zero| <= 15), then a tree of f16x2
    // adds down to two lanes: ~2^-11 relative per step, measured ~4e-4 on
    // whole rows, for half the conversions of an f32 tree.
    %p0 = arith.mulf %d#0, %x0 : vector<8xf16>
    %p1 = math.fma %d#1, %x1, %p0 : vector<8xf16>
    %p2 = math.fma %d#2, %x2, %p1 : vector<8xf16>
    %p3 = math.fma %d#3, %x3, %p2 : vector<8xf16>
    %lo4 = vector.shuffle %p3, %p3 [0, 1, 2, 3] : vector<8xf16>, vector<8xf16>
    %hi4 = vector.shuffle %p3, %p3 [4, 5, 6, 7] : vector<8xf16>, vector<8xf16>
    %q4 = arith.addf %lo4, %hi4 : vector<4xf16>
    %lo2 = vector.shuffle %q4, %q4 [0, 1] : vector<4xf16>, vector<4xf16>
    %hi2 = vector.shuffle %q4, %q4 [2, 3] : vector<4xf16>, vector<4xf16>
    %q2 = arith.addf %lo2, %hi2 : vector<2xf16>
    return %q2 : vector<2xf16>
  }

  // @qdot32_pair summed in f32.
  func.func private @qdot32(%w: vector<4xi32>, %x0: vector<8xf16>,
                            %x1: vector<8xf16>, %x2: vector<8xf16>,
                            %x3: vector<8xf16>, %bias: vector<8xf16>) -> f32 {
    %q2 = func.call @qdot32_pair(%w, %x0, %x1, %x2, %x3, %bias) : (vector<4xi32>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) -> vector<2xf16>
    %wide = arith.extf %q2 : vector<2xf16> to vector<2xf32>
    %sum = vector.reduction <add>, %wide : vector<2xf32> into f32
    return %sum : f32
  }

  // Regroups 32 consecutive x values (four vectors of 8) so that lane
  // (2j + h) of result s is x[8j + s + 4h], matching @dequant_pairs.
  func.func private @permute_x(%a: vector<8xf16>, %b: vector<8xf16>,
                               %c: vector<8xf16>, %d: vector<8xf16>)
      -> (vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) {
    %ab = vector.shuffle %a, %b [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xf16>, vector<8xf16>
    %cd = vector.shuffle %c, %d [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xf16>, vector<8xf16>
    %x0 = vector.shuffle %ab, %cd [0, 4, 8, 12, 16, 20, 24, 28] : vector<16xf16>, vector<16xf16>
    %x1 = vector.shuffle %ab, %cd [1, 5, 9, 13, 17, 21, 25, 29] : vector<16xf16>, vector<16xf16>
    %x2 = vector.shuffle %ab, %cd [2, 6, 10, 14, 18, 22, 26, 30] : vector<16xf16>, vector<16xf16>
    %x3 = vector.shuffle %ab, %cd [3, 7, 11, 15, 19, 23, 27, 31] : vector<16xf16>, vector<16xf16>
    return %x0, %x1, %x2, %x3 : vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>
  }

  // scale * (row `r` of W) . x over the 32 columns of weight vector `v`.
  func.func private @row_dot(%qw: memref<?xi32>, %scales: memref<?xf16>,
                             %zeros: memref<?xi8>, %has_zeros: i32,
                             %r: index, %v: index, %nvec: index,
                             %ngroups: index, %gshift: index, %zrow: index,
                             %x0: vector<8xf16>, %x1: vector<8xf16>,
                             %x2: vector<8xf16>, %x3: vector<8xf16>) -> f32 {
    %i = affine.apply affine_map<(r, v)[n] -> ((r * n + v) * 4)>(%r, %v)[%nvec]
    %w = vector.load %qw[%i] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %g = arith.shrui %v, %gshift : index
    %si = affine.apply affine_map<(r, g)[n] -> (r * n + g)>(%r, %g)[%ngroups]
    %sh = memref.load %scales[%si] : memref<?xf16>
    %sc = arith.extf %sh : f16 to f32
    %z = func.call @zero_bias(%zeros, %has_zeros, %r, %g, %zrow) : (memref<?xi8>, i32, index, index, index) -> vector<8xf16>
    %d = func.call @qdot32(%w, %x0, %x1, %x2, %x3, %z) : (vector<4xi32>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) -> f32
    %r2 = arith.mulf %sc, %d : f32
    return %r2 : f32
  }

  // Rows r0..r3 times x over the 32 columns of weight vector `v`: x is loaded
  // and regrouped once for the four rows.
  // The four rows' partial dot products of x vector v (32 values as four
  // vector<8xf16>) for one step of @gemv_int4.
  func.func private @gemv_dots(%qw: memref<?xi32>, %scales: memref<?xf16>,
                               %zeros: memref<?xi8>, %has_zeros: i32, %v: index,
                               %rs: vector<4xindex>, %nvec: index,
                               %ngroups: index, %gshift: index, %zrow: index,
                               %xa: vector<8xf16>, %xb: vector<8xf16>,
                               %xc: vector<8xf16>, %xd: vector<8xf16>) -> vector<4xf32> {
    %p:4 = func.call @permute_x(%xa, %xb, %xc, %xd) : (vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) -> (vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>)
    %r0 = vector.extract %rs[0] : index from vector<4xindex>
    %r1 = vector.extract %rs[1] : index from vector<4xindex>
    %r2 = vector.extract %rs[2] : index from vector<4xindex>
    %r3 = vector.extract %rs[3] : index from vector<4xindex>
    %d0 = func.call @row_dot(%qw, %scales, %zeros, %has_zeros, %r0, %v, %nvec, %ngroups, %gshift, %zrow, %p#0, %p#1, %p#2, %p#3) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) -> f32
    %d1 = func.call @row_dot(%qw, %scales, %zeros, %has_zeros, %r1, %v, %nvec, %ngroups, %gshift, %zrow, %p#0, %p#1, %p#2, %p#3) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) -> f32
    %d2 = func.call @row_dot(%qw, %scales, %zeros, %has_zeros, %r2, %v, %nvec, %ngroups, %gshift, %zrow, %p#0, %p#1, %p#2, %p#3) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) -> f32
    %d3 = func.call @row_dot(%qw, %scales, %zeros, %has_zeros, %r3, %v, %nvec, %ngroups, %gshift, %zrow, %p#0, %p#1, %p#2, %p#3) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) -> f32
    %out = vector.from_elements %d0, %d1, %d2, %d3 : vector<4xf32>
    return %out : vector<4xf32>
  }

  // One step of @gemv_int4 on f16 x.
  func.func private @gemv_step(%qw: memref<?xi32>, %scales: memref<?xf16>,
                               %zeros: memref<?xi8>, %x: memref<?xf16>,
                               %has_zeros: i32, %v: index, %rs: vector<4xindex>,
                               %nvec: index, %ngroups: index, %gshift: index,
                               %zrow: index) -> vector<4xf32> {
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %c24 = arith.constant 24 : index
    %c32 = arith.constant 32 : index
    %xo = arith.muli %v, %c32 : index
    %xo1 = arith.addi %xo, %c8 : index
    %xo2 = arith.addi %xo, %c16 : index
    %xo3 = arith.addi %xo, %c24 : index
    %xa = vector.load %x[%xo] {alignment = 16} : memref<?xf16>, vector<8xf16>
    %xb = vector.load %x[%xo1] {alignment = 16} : memref<?xf16>, vector<8xf16>
    %xc = vector.load %x[%xo2] {alignment = 16} : memref<?xf16>, vector<8xf16>
    %xd = vector.load %x[%xo3] {alignment = 16} : memref<?xf16>, vector<8xf16>
    %out = func.call @gemv_dots(%qw, %scales, %zeros, %has_zeros, %v, %rs, %nvec, %ngroups, %gshift, %zrow, %xa, %xb, %xc, %xd) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, i32, index, vector<4xindex>, index, index, index, index, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) -> vector<4xf32>
    return %out : vector<4xf32>
  }

  // One step of @gemv_int4_f32: f32 x, rounded to f16 (nearest even) as it
  // is loaded, exactly as the conversion kernel it replaces rounded it.
  func.func private @gemv_step_f32(%qw: memref<?xi32>, %scales: memref<?xf16>,
                                   %zeros: memref<?xi8>, %x: memref<?xf32>,
                                   %has_zeros: i32, %v: index, %rs: vector<4xindex>,
                                   %nvec: index, %ngroups: index, %gshift: index,
                                   %zrow: index) -> vector<4xf32> {
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %c24 = arith.constant 24 : index
    %c32 = arith.constant 32 : index
    %xo = arith.muli %v, %c32 : index
    %xo1 = arith.addi %xo, %c8 : index
    %xo2 = arith.addi %xo, %c16 : index
    %xo3 = arith.addi %xo, %c24 : index
    %fa = vector.load %x[%xo] {alignment = 16} : memref<?xf32>, vector<8xf32>
    %fb = vector.load %x[%xo1] {alignment = 16} : memref<?xf32>, vector<8xf32>
    %fc = vector.load %x[%xo2] {alignment = 16} : memref<?xf32>, vector<8xf32>
    %fd = vector.load %x[%xo3] {alignment = 16} : memref<?xf32>, vector<8xf32>
    %xa = arith.truncf %fa : vector<8xf32> to vector<8xf16>
    %xb = arith.truncf %fb : vector<8xf32> to vector<8xf16>
    %xc = arith.truncf %fc : vector<8xf32> to vector<8xf16>
    %xd = arith.truncf %fd : vector<8xf32> to vector<8xf16>
    %out = func.call @gemv_dots(%qw, %scales, %zeros, %has_zeros, %v, %rs, %nvec, %ngroups, %gshift, %zrow, %xa, %xb, %xc, %xd) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, i32, index, vector<4xindex>, index, index, index, index, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) -> vector<4xf32>
    return %out : vector<4xf32>
  }

  // y[r] = sum_c dequant(W)[r][c] * x[c]   (decode, batch 1).
  // Block: 64 threads = 2 warps; each warp owns 4 consecutive rows and
  // strides along them 16 bytes (32 values) per lane, two vectors per step,
  // so 8 independent 16-byte weight loads per lane are in flight and a warp
  // reads 512 contiguous bytes of a row per load. Grid: ceil(rows / 8).
  // Needs cols % 32 == 0 and group a power of two >= 32 (a 16-byte vector
  // never straddles groups).
  gpu.func @gemv_int4(%qw: memref<?xi32>, %scales: memref<?xf16>,
                      %zeros: memref<?xi8>, %x: memref<?xf16>,
                      %y: memref<?xf16>, %rows: index, %cols: index,
                      %group: index, %has_zeros: i32) kernel
      attributes {known_block_size = array<i32: 64, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c32 = arith.constant 32 : index
    %c64 = arith.constant 64 : index
    %zero = arith.constant dense<0.0> : vector<4xf32>
    %offsets = arith.constant dense<[0, 1, 2, 3]> : vector<4xindex>
    %tid = gpu.thread_id x
    %bid = gpu.block_id x
    %lane = arith.remui %tid, %c32 : index
    %warp = arith.divui %tid, %c32 : index
    %row0 = affine.apply affine_map<(b, w) -> (b * 8 + w * 4)>(%bid, %warp)
    %first = vector.broadcast %row0 : index to vector<4xindex>
    %rowv = arith.addi %first, %offsets : vector<4xindex>
    // Rows past the end repeat the last row and are not stored.
    %last = arith.subi %rows, %c1 : index
    %lastv = vector.broadcast %last : index to vector<4xindex>
    %rs = arith.minui %rowv, %lastv : vector<4xindex>
    %nvec = arith.divui %cols, %c32 : index
    %ngroups = arith.divui %cols, %group : index
    // Groups are a power of two (checked by the caller): shift, not divide.
    %vpg = arith.divui %group, %c32 : index
    %gshift = math.cttz %vpg : index
    %zrow = affine.apply affine_map<(g) -> ((g + 1) floordiv 2)>(%ngroups)
    // The second vector of a step repeats the last one past the end,
    // weighted 0.
    %lastvec = arith.subi %nvec, %c1 : index
    // The warp's first step is 1 KB of each of its 4 rows: a line per lane.
    func.call @release_dependents() : () -> ()
    %c8 = arith.constant 8 : index
    %prow = affine.apply affine_map<(r, l) -> (r + l floordiv 8)>(%row0, %lane)
    %prowc = arith.minui %prow, %last : index
    %pline = arith.remui %lane, %c8 : index
    func.call @prefetch_line(%qw, %prowc, %pline, %cols) : (memref<?xi32>, index, index, index) -> ()
    func.call @await_prerequisites() : () -> ()
    %acc = scf.for %v = %lane to %nvec step %c64
        iter_args(%a = %zero) -> (vector<4xf32>) {
      %v2 = arith.addi %v, %c32 : index
      %in = arith.cmpi ult, %v2, %nvec : index
      %vc = arith.minui %v2, %lastvec : index
      %p = func.call @gemv_step(%qw, %scales, %zeros, %x, %has_zeros, %v, %rs, %nvec, %ngroups, %gshift, %zrow) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, memref<?xf16>, i32, index, vector<4xindex>, index, index, index, index) -> vector<4xf32>
      %q = func.call @gemv_step(%qw, %scales, %zeros, %x, %has_zeros, %vc, %rs, %nvec, %ngroups, %gshift, %zrow) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, memref<?xf16>, i32, index, vector<4xindex>, index, index, index, index) -> vector<4xf32>
      %qm = arith.select %in, %q, %zero : vector<4xf32>
      %b = arith.addf %a, %p : vector<4xf32>
      %n = arith.addf %b, %qm : vector<4xf32>
      scf.yield %n : vector<4xf32>
    }
    %isfirst = arith.cmpi eq, %lane, %c0 : index
    affine.for %i = 0 to 4 {
      %e = vector.extract %acc[%i] : f32 from vector<4xf32>
      %t = func.call @warp_sum(%e) : (f32) -> f32
      %row = arith.addi %row0, %i : index
      %inr = arith.cmpi ult, %row, %rows : index
      %st = arith.andi %isfirst, %inr : i1
      scf.if %st {
        %h = arith.truncf %t : f32 to f16
        memref.store %h, %y[%row] : memref<?xf16>
      }
    }
    gpu.return
  }

  // @gemv_int4 on f32 x and y, for f32 activations: the rounding of x to
  // f16 happens in the loads and y is written unrounded, so no conversion
  // kernels run around the launch. Same grid, block and limits.
  gpu.func @gemv_int4_f32(%qw: memref<?xi32>, %scales: memref<?xf16>,
                      %zeros: memref<?xi8>, %x: memref<?xf32>,
                      %y: memref<?xf32>, %rows: index, %cols: index,
                      %group: index, %has_zeros: i32) kernel
      attributes {known_block_size = array<i32: 64, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c32 = arith.constant 32 : index
    %c64 = arith.constant 64 : index
    %zero = arith.constant dense<0.0> : vector<4xf32>
    %offsets = arith.constant dense<[0, 1, 2, 3]> : vector<4xindex>
    %tid = gpu.thread_id x
    %bid = gpu.block_id x
    %lane = arith.remui %tid, %c32 : index
    %warp = arith.divui %tid, %c32 : index
    %row0 = affine.apply affine_map<(b, w) -> (b * 8 + w * 4)>(%bid, %warp)
    %first = vector.broadcast %row0 : index to vector<4xindex>
    %rowv = arith.addi %first, %offsets : vector<4xindex>
    // Rows past the end repeat the last row and are not stored.
    %last = arith.subi %rows, %c1 : index
    %lastv = vector.broadcast %last : index to vector<4xindex>
    %rs = arith.minui %rowv, %lastv : vector<4xindex>
    %nvec = arith.divui %cols, %c32 : index
    %ngroups = arith.divui %cols, %group : index
    // Groups are a power of two (checked by the caller): shift, not divide.
    %vpg = arith.divui %group, %c32 : index
    %gshift = math.cttz %vpg : index
    %zrow = affine.apply affine_map<(g) -> ((g + 1) floordiv 2)>(%ngroups)
    // The second vector of a step repeats the last one past the end,
    // weighted 0.
    %lastvec = arith.subi %nvec, %c1 : index
    // The warp's first step is 1 KB of each of its 4 rows: a line per lane.
    func.call @release_dependents() : () -> ()
    %c8 = arith.constant 8 : index
    %prow = affine.apply affine_map<(r, l) -> (r + l floordiv 8)>(%row0, %lane)
    %prowc = arith.minui %prow, %last : index
    %pline = arith.remui %lane, %c8 : index
    func.call @prefetch_line(%qw, %prowc, %pline, %cols) : (memref<?xi32>, index, index, index) -> ()
    func.call @await_prerequisites() : () -> ()
    %acc = scf.for %v = %lane to %nvec step %c64
        iter_args(%a = %zero) -> (vector<4xf32>) {
      %v2 = arith.addi %v, %c32 : index
      %in = arith.cmpi ult, %v2, %nvec : index
      %vc = arith.minui %v2, %lastvec : index
      %p = func.call @gemv_step_f32(%qw, %scales, %zeros, %x, %has_zeros, %v, %rs, %nvec, %ngroups, %gshift, %zrow) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, memref<?xf32>, i32, index, vector<4xindex>, index, index, index, index) -> vector<4xf32>
      %q = func.call @gemv_step_f32(%qw, %scales, %zeros, %x, %has_zeros, %vc, %rs, %nvec, %ngroups, %gshift, %zrow) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, memref<?xf32>, i32, index, vector<4xindex>, index, index, index, index) -> vector<4xf32>
      %qm = arith.select %in, %q, %zero : vector<4xf32>
      %b = arith.addf %a, %p : vector<4xf32>
      %n = arith.addf %b, %qm : vector<4xf32>
      scf.yield %n : vector<4xf32>
    }
    %isfirst = arith.cmpi eq, %lane, %c0 : index
    affine.for %i = 0 to 4 {
      %e = vector.extract %acc[%i] : f32 from vector<4xf32>
      %t = func.call @warp_sum(%e) : (f32) -> f32
      %row = arith.addi %row0, %i : index
      %inr = arith.cmpi ult, %row, %rows : index
      %st = arith.andi %isfirst, %inr : i1
      scf.if %st {
        memref.store %t, %y[%row] : memref<?xf32>
      }
    }
    gpu.return
  }

  // y = W x like @gemv_int4, for more warps per SM: a block of 4 warps owns
  // 4 rows and splits their columns among its warps (warp w takes vectors
  // 32w + lane + 128i, one 16-byte vector per row per step, so the 4 warps
  // read 2 KB of a row contiguously); partial sums meet in shared memory.
  // minctasm = 5 caps registers at 96 for 5 blocks (20 warps) per SM; at 80
  // sm_80 spills, at 64 both chips do. Block 128 threads, grid
  // ceil(rows / 4); same arguments and limits as @gemv_int4.
  gpu.func @gemv_int4_splitk(%qw: memref<?xi32>, %scales: memref<?xf16>,
                             %zeros: memref<?xi8>, %x: memref<?xf16>,
                             %y: memref<?xf16>, %rows: index, %cols: index,
                             %group: index, %has_zeros: i32)
      workgroup(%part: memref<4x4xf32, #gpu.address_space<workgroup>>)
      kernel attributes {known_block_size = array<i32: 128, 1, 1>,
                         nvvm.minctasm = 5 : i32} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c32 = arith.constant 32 : index
    %c128 = arith.constant 128 : index
    %zero = arith.constant dense<0.0> : vector<4xf32>
    %offsets = arith.constant dense<[0, 1, 2, 3]> : vector<4xindex>
    %tid = gpu.thread_id x
    %bid = gpu.block_id x
    %lane = arith.remui %tid, %c32 : index
    %warp = arith.divui %tid, %c32 : index
    %row0 = arith.muli %bid, %c4 : index
    %first = vector.broadcast %row0 : index to vector<4xindex>
    %rowv = arith.addi %first, %offsets : vector<4xindex>
    %last = arith.subi %rows, %c1 : index
    %lastv = vector.broadcast %last : index to vector<4xindex>
    %rs = arith.minui %rowv, %lastv : vector<4xindex>
    %nvec = arith.divui %cols, %c32 : index
    %ngroups = arith.divui %cols, %group : index
    %vpg = arith.divui %group, %c32 : index
    %gshift = math.cttz %vpg : index
    %zrow = affine.apply affine_map<(g) -> ((g + 1) floordiv 2)>(%ngroups)
    // The block's first two steps are 4 KB of each of its 4 rows: a line
    // per thread.
    func.call @release_dependents() : () -> ()
    %prow = affine.apply affine_map<(r, t) -> (r + t floordiv 32)>(%row0, %tid)
    %prowc = arith.minui %prow, %last : index
    %pline = arith.remui %tid, %c32 : index
    func.call @prefetch_line(%qw, %prowc, %pline, %cols) : (memref<?xi32>, index, index, index) -> ()
    func.call @await_prerequisites() : () -> ()
    %acc = scf.for %v = %tid to %nvec step %c128
        iter_args(%a = %zero) -> (vector<4xf32>) {
      %p = func.call @gemv_step(%qw, %scales, %zeros, %x, %has_zeros, %v, %rs, %nvec, %ngroups, %gshift, %zrow) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, memref<?xf16>, i32, index, vector<4xindex>, index, index, index, index) -> vector<4xf32>
      %n = arith.addf %a, %p : vector<4xf32>
      scf.yield %n : vector<4xf32>
    }
    %isfirst = arith.cmpi eq, %lane, %c0 : index
    affine.for %i = 0 to 4 {
      %e = vector.extract %acc[%i] : f32 from vector<4xf32>
      %t = func.call @warp_sum(%e) : (f32) -> f32
      scf.if %isfirst {
        memref.store %t, %part[%warp, %i] : memref<4x4xf32, #gpu.address_space<workgroup>>
      }
    }
    gpu.barrier
    // Thread i < 4 adds the four warps' sums of row row0 + i.
    %row = arith.addi %row0, %tid : index
    %mine = arith.cmpi ult, %tid, %c4 : index
    %inr = arith.cmpi ult, %row, %rows : index
    %st = arith.andi %mine, %inr : i1
    scf.if %st {
      %s0 = memref.load %part[%c0, %tid] : memref<4x4xf32, #gpu.address_space<workgroup>>
      %c2 = arith.constant 2 : index
      %c3 = arith.constant 3 : index
      %s1 = memref.load %part[%c1, %tid] : memref<4x4xf32, #gpu.address_space<workgroup>>
      %s2 = memref.load %part[%c2, %tid] : memref<4x4xf32, #gpu.address_space<workgroup>>
      %s3 = memref.load %part[%c3, %tid] : memref<4x4xf32, #gpu.address_space<workgroup>>
      %t01 = arith.addf %s0, %s1 : f32
      %t23 = arith.addf %s2, %s3 : f32
      %t = arith.addf %t01, %t23 : f32
      %h = arith.truncf %t : f32 to f16
      memref.store %h, %y[%row] : memref<?xf16>
    }
    gpu.return
  }

  // Element offset in @gemv_int4_stream's x stage of part s (8 values) of
  // vector v (columns 32v..32v+31, regrouped as @permute_x): the four parts
  // of a vector are rotated by (v >> 1) & 3, so the 8 lanes of a quarter
  // warp, which read vectors l..l+7 64 bytes apart, hit distinct banks.
  func.func private @stream_slot(%v: index, %s: index) -> index {
    %o = affine.apply affine_map<(v, s) -> (v * 32 + ((s + v floordiv 2) mod 4) * 8)>(%v, %s)
    return %o : index
  }

  // The step after (piece p, row r) of a @gemv_int4_stream warp: the next
  // piece of the row, or piece 0 of the warp's next row r + W.
  func.func private @stream_next(%p: index, %r: index, %npieces: index,
                                 %nwarps: index) -> (index, index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %p1 = arith.addi %p, %c1 : index
    %wrap = arith.cmpi eq, %p1, %npieces : index
    %pn = arith.select %wrap, %c0, %p1 : index
    %rw = arith.addi %r, %nwarps : index
    %rn = arith.select %wrap, %rw, %r : index
    return %pn, %rn : index, index
  }

  // Lane %lane's 4 vectors of piece p of row r (clamped into the matrix;
  // vectors past the row reload its last one and get scale 0), with their
  // scales and zero bytes: one step of a @gemv_int4_stream warp, loaded
  // two steps ahead of its use. Offsets are i32 (a weight is < 2^31 words),
  // so each address is one 32 x 32 -> 64-bit multiply-add.
  func.func private @stream_load(%qw: memref<?xi32>, %scales: memref<?xf16>,
                                 %zeros: memref<?xi8>, %has_zeros: i32,
                                 %p: index, %r0: index, %rows: index,
                                 %lane: index, %nvec: index, %ngroups: index,
                                 %gshift: index, %zrow: index)
      -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>,
          vector<4xf16>, vector<4xi8>) {
    %c1 = arith.constant 1 : index
    %i0 = arith.constant 0 : i32
    %i1 = arith.constant 1 : i32
    %i2 = arith.constant 2 : i32
    %hzero = arith.constant 0.0 : f16
    %last = arith.subi %rows, %c1 : index
    %r = arith.minui %r0, %last : index
    %vbx = affine.apply affine_map<(p, l) -> (p * 128 + l)>(%p, %lane)
    %ri = arith.index_castui %r : index to i32
    %vb = arith.index_castui %vbx : index to i32
    %nv = arith.index_castui %nvec : index to i32
    %ng = arith.index_castui %ngroups : index to i32
    %zr = arith.index_castui %zrow : index to i32
    %gs = arith.index_castui %gshift : index to i32
    %lastv = arith.subi %nv, %i1 : i32
    %rowv = arith.muli %ri, %nv : i32
    %rows_ = arith.muli %ri, %ng : i32
    %rowz = arith.muli %ri, %zr : i32
    %present = arith.cmpi ne, %has_zeros, %i0 : i32
    %off = arith.constant dense<[0, 32, 64, 96]> : vector<4xi32>
    %vbv = vector.broadcast %vb : i32 to vector<4xi32>
    %v = arith.addi %vbv, %off : vector<4xi32>
    %lastvv = vector.broadcast %lastv : i32 to vector<4xi32>
    %cv = arith.minui %v, %lastvv : vector<4xi32>
    %nvv = vector.broadcast %nv : i32 to vector<4xi32>
    %inv = arith.cmpi ult, %v, %nvv : vector<4xi32>
    %rowvv = vector.broadcast %rowv : i32 to vector<4xi32>
    %wv = arith.addi %rowvv, %cv : vector<4xi32>
    %twov = vector.broadcast %i2 : i32 to vector<4xi32>
    %wi = arith.shli %wv, %twov : vector<4xi32>
    %gsv = vector.broadcast %gs : i32 to vector<4xi32>
    %g = arith.shrui %cv, %gsv : vector<4xi32>
    %rowsv = vector.broadcast %rows_ : i32 to vector<4xi32>
    %si = arith.addi %rowsv, %g : vector<4xi32>
    %onev = vector.broadcast %i1 : i32 to vector<4xi32>
    %gh = arith.shrui %g, %onev : vector<4xi32>
    %rowzv = vector.broadcast %rowz : i32 to vector<4xi32>
    %zi0 = arith.addi %rowzv, %gh : vector<4xi32>
    %zerov = vector.broadcast %i0 : i32 to vector<4xi32>
    %zi = arith.select %present, %zi0, %zerov : vector<4xi32>
    %ws:6 = func.call @stream_gather(%qw, %scales, %zeros, %wi, %si, %zi) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, vector<4xi32>, vector<4xi32>, vector<4xi32>) -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xf16>, vector<4xi8>)
    %hz = vector.broadcast %hzero : f16 to vector<4xf16>
    %sv = arith.select %inv, %ws#4, %hz : vector<4xi1>, vector<4xf16>
    return %ws#0, %ws#1, %ws#2, %ws#3, %sv, %ws#5 : vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xf16>, vector<4xi8>
  }

  // The loads of @stream_load at i32 element offsets: 4 weight vectors
  // (word offsets %wi), 4 scales, 4 zero bytes.
  func.func private @stream_gather(%qw: memref<?xi32>, %scales: memref<?xf16>,
                                   %zeros: memref<?xi8>, %wi: vector<4xi32>,
                                   %si: vector<4xi32>, %zi: vector<4xi32>)
      -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>,
          vector<4xf16>, vector<4xi8>) {
    %wx = arith.index_castui %wi : vector<4xi32> to vector<4xindex>
    %sx = arith.index_castui %si : vector<4xi32> to vector<4xindex>
    %zx = arith.index_castui %zi : vector<4xi32> to vector<4xindex>
    %i0 = vector.extract %wx[0] : index from vector<4xindex>
    %i1 = vector.extract %wx[1] : index from vector<4xindex>
    %i2 = vector.extract %wx[2] : index from vector<4xindex>
    %i3 = vector.extract %wx[3] : index from vector<4xindex>
    %w0 = vector.load %qw[%i0] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %w1 = vector.load %qw[%i1] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %w2 = vector.load %qw[%i2] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %w3 = vector.load %qw[%i3] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %s0i = vector.extract %sx[0] : index from vector<4xindex>
    %s1i = vector.extract %sx[1] : index from vector<4xindex>
    %s2i = vector.extract %sx[2] : index from vector<4xindex>
    %s3i = vector.extract %sx[3] : index from vector<4xindex>
    %s0 = memref.load %scales[%s0i] : memref<?xf16>
    %s1 = memref.load %scales[%s1i] : memref<?xf16>
    %s2 = memref.load %scales[%s2i] : memref<?xf16>
    %s3 = memref.load %scales[%s3i] : memref<?xf16>
    %z0i = vector.extract %zx[0] : index from vector<4xindex>
    %z1i = vector.extract %zx[1] : index from vector<4xindex>
    %z2i = vector.extract %zx[2] : index from vector<4xindex>
    %z3i = vector.extract %zx[3] : index from vector<4xindex>
    %z0 = memref.load %zeros[%z0i] : memref<?xi8>
    %z1 = memref.load %zeros[%z1i] : memref<?xi8>
    %z2 = memref.load %zeros[%z2i] : memref<?xi8>
    %z3 = memref.load %zeros[%z3i] : memref<?xi8>
    %sv = vector.from_elements %s0, %s1, %s2, %s3 : vector<4xf16>
    %zv = vector.from_elements %z0, %z1, %z2, %z3 : vector<4xi8>
    return %w0, %w1, %w2, %w3, %sv, %zv : vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xf16>, vector<4xi8>
  }

  // acc + scale * (q - zero) . x of one lane's vector v as two f16 lanes;
  // %xo: the stage offsets of v's four parts (x is 0 past the row, where
  // the weights repeat the row's last vector).
  func.func private @stream_vec(%xs: memref<16384xf16, #gpu.address_space<workgroup>>,
                                %w: vector<4xi32>, %sh: f16, %zb: i8,
                                %has_zeros: i32, %v: index, %xo32: vector<4xi32>,
                                %gshift: index, %acc: vector<2xf16>) -> vector<2xf16> {
    %xo = arith.index_castui %xo32 : vector<4xi32> to vector<4xindex>
    %o0 = vector.extract %xo[0] : index from vector<4xindex>
    %o1 = vector.extract %xo[1] : index from vector<4xindex>
    %o2 = vector.extract %xo[2] : index from vector<4xindex>
    %o3 = vector.extract %xo[3] : index from vector<4xindex>
    %x0 = vector.load %xs[%o0] {alignment = 16} : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
    %x1 = vector.load %xs[%o1] {alignment = 16} : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
    %x2 = vector.load %xs[%o2] {alignment = 16} : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
    %x3 = vector.load %xs[%o3] {alignment = 16} : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
    %gi = arith.shrui %v, %gshift : index
    %bias = func.call @bias_of(%zb, %has_zeros, %gi) : (i8, i32, index) -> vector<8xf16>
    %d = func.call @qdot32_pair(%w, %x0, %x1, %x2, %x3, %bias) : (vector<4xi32>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) -> vector<2xf16>
    %sc = vector.broadcast %sh : f16 to vector<2xf16>
    %r = math.fma %d, %sc, %acc : vector<2xf16>
    return %r : vector<2xf16>
  }

  // y = W x (decode, batch 1) as a stream: a persistent grid of 8-warp
  // blocks in which global warp gw (of W = 8 * grid) owns rows gw, gw + W,
  // ..., each cut into pieces of 4096 columns; one step of a warp reads one
  // piece, 2 KB contiguous of one row, as 4 x 16 bytes per lane, with its
  // scales and zero bytes, and the warp keeps the next two steps in flight
  // while it computes (4-6 KB per warp, 16 warps per SM). The rows' bytes
  // are read once, in order; x is staged once per block in shared memory
  // (regrouped, bank-conflict free) while the first two steps load. A
  // step's 4 vectors are summed in f16x2 (scaled), then in f32 per row.
  // Any grid is correct; the host sizes it so that every warp gets the
  // same number of rows (README.md). Block 256 threads; needs
  // cols % 32 == 0, cols <= 16384 (else y is left unwritten and the host
  // picks @gemv_int4) and group a power of two >= 32.
  gpu.func @gemv_int4_stream(%qw: memref<?xi32>, %scales: memref<?xf16>,
                             %zeros: memref<?xi8>, %x: memref<?xf16>,
                             %y: memref<?xf16>, %rows: index, %cols: index,
                             %group: index, %has_zeros: i32)
      workgroup(%xs: memref<16384xf16, #gpu.address_space<workgroup>>)
      kernel attributes {known_block_size = array<i32: 256, 1, 1>,
                         nvvm.minctasm = 2 : i32} {
    %cmax = arith.constant 16384 : index
    %fits = arith.cmpi ule, %cols, %cmax : index
    scf.if %fits {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c3 = arith.constant 3 : index
      %c8 = arith.constant 8 : index
      %c32 = arith.constant 32 : index
      %c128 = arith.constant 128 : index
      %fzero = arith.constant 0.0 : f32
      %hzero = arith.constant dense<0.0> : vector<2xf16>
      %tid = gpu.thread_id x
      %bid = gpu.block_id x
      %nblocks = gpu.grid_dim x
      %lane = arith.remui %tid, %c32 : index
      %warp = arith.divui %tid, %c32 : index
      %gw = affine.apply affine_map<(b, w) -> (b * 8 + w)>(%bid, %warp)
      %nwarps = arith.muli %nblocks, %c8 : index
      %nvec = arith.divui %cols, %c32 : index
      %npieces = affine.apply affine_map<(n) -> ((n + 127) floordiv 128)>(%nvec)
      %lastpiece = arith.subi %npieces, %c1 : index
      %ngroups = arith.divui %cols, %group : index
      %vpg = arith.divui %group, %c32 : index
      %gshift = math.cttz %vpg : index
      %zrow = affine.apply affine_map<(g) -> ((g + 1) floordiv 2)>(%ngroups)
      // Rows gw, gw + W, ... below `rows` (gw < W, so this is 0 past the end).
      %nmine = affine.apply affine_map<(r, g)[w] -> ((r + w - 1 - g) floordiv w)>(%rows, %gw)[%nwarps]
      %nsteps = arith.muli %nmine, %npieces : index
      func.call @release_dependents() : () -> ()
      %p1, %r1 = func.call @stream_next(%c0, %gw, %npieces, %nwarps) : (index, index, index, index) -> (index, index)
      %p2, %r2 = func.call @stream_next(%p1, %r1, %npieces, %nwarps) : (index, index, index, index) -> (index, index)
      %a:6 = func.call @stream_load(%qw, %scales, %zeros, %has_zeros, %c0, %gw, %rows, %lane, %nvec, %ngroups, %gshift, %zrow) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index, index, index) -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xf16>, vector<4xi8>)
      %b:6 = func.call @stream_load(%qw, %scales, %zeros, %has_zeros, %p1, %r1, %rows, %lane, %nvec, %ngroups, %gshift, %zrow) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index, index, index) -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xf16>, vector<4xi8>)
      func.call @keep_loads_here() : () -> ()
      func.call @await_prerequisites() : () -> ()

      // Stage x: thread t regroups vectors t, t + 256, ... of the
      // npieces * 128 a warp's steps cover; 0 past the row.
      %nstage = arith.muli %npieces, %c128 : index
      %rounds = affine.apply affine_map<(n) -> ((n + 255) floordiv 256)>(%nstage)
      %lastv = arith.subi %nvec, %c1 : index
      %x8zero = arith.constant dense<0.0> : vector<8xf16>
      scf.for %it = %c0 to %rounds step %c1 {
        %v = affine.apply affine_map<(i, t) -> (i * 256 + t)>(%it, %tid)
        %inx = arith.cmpi ult, %v, %nvec : index
        %vc = arith.minui %v, %lastv : index
        %xo = arith.muli %vc, %c32 : index
        %xo1 = arith.addi %xo, %c8 : index
        %xo2 = arith.addi %xo1, %c8 : index
        %xo3 = arith.addi %xo2, %c8 : index
        %xa = vector.load %x[%xo] {alignment = 16} : memref<?xf16>, vector<8xf16>
        %xb = vector.load %x[%xo1] {alignment = 16} : memref<?xf16>, vector<8xf16>
        %xc = vector.load %x[%xo2] {alignment = 16} : memref<?xf16>, vector<8xf16>
        %xd = vector.load %x[%xo3] {alignment = 16} : memref<?xf16>, vector<8xf16>
        %p:4 = func.call @permute_x(%xa, %xb, %xc, %xd) : (vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) -> (vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>)
        %q0 = arith.select %inx, %p#0, %x8zero : vector<8xf16>
        %q1 = arith.select %inx, %p#1, %x8zero : vector<8xf16>
        %q2 = arith.select %inx, %p#2, %x8zero : vector<8xf16>
        %q3 = arith.select %inx, %p#3, %x8zero : vector<8xf16>
        %ins = arith.cmpi ult, %v, %nstage : index
        scf.if %ins {
          %o0 = func.call @stream_slot(%v, %c0) : (index, index) -> index
          %o1 = func.call @stream_slot(%v, %c1) : (index, index) -> index
          %o2 = func.call @stream_slot(%v, %c2) : (index, index) -> index
          %o3 = func.call @stream_slot(%v, %c3) : (index, index) -> index
          vector.store %q0, %xs[%o0] : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
          vector.store %q1, %xs[%o1] : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
          vector.store %q2, %xs[%o2] : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
          vector.store %q3, %xs[%o3] : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
        }
      }
      gpu.barrier
      // The stage offsets of lane's vectors l + 32k, k = 0, 1, ...: the
      // rotation (v >> 1) & 3 is the lane's own, so vector v's parts are at
      // these plus 32 (v - l).
      %xl0 = func.call @stream_slot(%lane, %c0) : (index, index) -> index
      %xl1 = func.call @stream_slot(%lane, %c1) : (index, index) -> index
      %xl2 = func.call @stream_slot(%lane, %c2) : (index, index) -> index
      %xl3 = func.call @stream_slot(%lane, %c3) : (index, index) -> index
      %xlx = vector.from_elements %xl0, %xl1, %xl2, %xl3 : vector<4xindex>
      %xl = arith.index_castui %xlx : vector<4xindex> to vector<4xi32>

      // Iteration s computes step s = (%pc, %rc) and loads step s + 2 =
      // (%pn, %rn); past the warp's last step the loads stay inside the
      // matrix (last row) and are never used.
      %res:17 = scf.for %s = %c0 to %nsteps step %c1
          iter_args(%acc = %fzero, %pc = %c0, %rc = %gw, %pn = %p2, %rn = %r2,
                    %a0 = %a#0, %a1 = %a#1, %a2 = %a#2, %a3 = %a#3, %as = %a#4, %az = %a#5,
                    %b0 = %b#0, %b1 = %b#1, %b2 = %b#2, %b3 = %b#3, %bs = %b#4, %bz = %b#5)
          -> (f32, index, index, index, index,
              vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xf16>, vector<4xi8>,
              vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xf16>, vector<4xi8>) {
        %n:6 = func.call @stream_load(%qw, %scales, %zeros, %has_zeros, %pn, %rn, %rows, %lane, %nvec, %ngroups, %gshift, %zrow) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index, index, index) -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xf16>, vector<4xi8>)
        %v0 = affine.apply affine_map<(p, l) -> (p * 128 + l)>(%pc, %lane)
        %v1 = affine.apply affine_map<(p, l) -> (p * 128 + l + 32)>(%pc, %lane)
        %v2 = affine.apply affine_map<(p, l) -> (p * 128 + l + 64)>(%pc, %lane)
        %v3 = affine.apply affine_map<(p, l) -> (p * 128 + l + 96)>(%pc, %lane)
        %sh0 = vector.extract %as[0] : f16 from vector<4xf16>
        %sh1 = vector.extract %as[1] : f16 from vector<4xf16>
        %sh2 = vector.extract %as[2] : f16 from vector<4xf16>
        %sh3 = vector.extract %as[3] : f16 from vector<4xf16>
        %zb0 = vector.extract %az[0] : i8 from vector<4xi8>
        %zb1 = vector.extract %az[1] : i8 from vector<4xi8>
        %zb2 = vector.extract %az[2] : i8 from vector<4xi8>
        %zb3 = vector.extract %az[3] : i8 from vector<4xi8>
        %pc32 = arith.index_castui %pc : index to i32
        %x4k = arith.constant 4096 : i32
        %xb = arith.muli %pc32, %x4k : i32
        %xbv = vector.broadcast %xb : i32 to vector<4xi32>
        %xo0 = arith.addi %xl, %xbv : vector<4xi32>
        %k1 = arith.constant dense<1024> : vector<4xi32>
        %xo1 = arith.addi %xo0, %k1 : vector<4xi32>
        %xo2 = arith.addi %xo1, %k1 : vector<4xi32>
        %xo3 = arith.addi %xo2, %k1 : vector<4xi32>
        %d0 = func.call @stream_vec(%xs, %a0, %sh0, %zb0, %has_zeros, %v0, %xo0, %gshift, %hzero) : (memref<16384xf16, #gpu.address_space<workgroup>>, vector<4xi32>, f16, i8, i32, index, vector<4xi32>, index, vector<2xf16>) -> vector<2xf16>
        %d1 = func.call @stream_vec(%xs, %a1, %sh1, %zb1, %has_zeros, %v1, %xo1, %gshift, %d0) : (memref<16384xf16, #gpu.address_space<workgroup>>, vector<4xi32>, f16, i8, i32, index, vector<4xi32>, index, vector<2xf16>) -> vector<2xf16>
        %d2 = func.call @stream_vec(%xs, %a2, %sh2, %zb2, %has_zeros, %v2, %xo2, %gshift, %d1) : (memref<16384xf16, #gpu.address_space<workgroup>>, vector<4xi32>, f16, i8, i32, index, vector<4xi32>, index, vector<2xf16>) -> vector<2xf16>
        %d3 = func.call @stream_vec(%xs, %a3, %sh3, %zb3, %has_zeros, %v3, %xo3, %gshift, %d2) : (memref<16384xf16, #gpu.address_space<workgroup>>, vector<4xi32>, f16, i8, i32, index, vector<4xi32>, index, vector<2xf16>) -> vector<2xf16>
        %wide = arith.extf %d3 : vector<2xf16> to vector<2xf32>
        %d = vector.reduction <add>, %wide : vector<2xf32> into f32
        %acc1 = arith.addf %acc, %d : f32
        // The row's last piece (the same for the whole warp): reduce, store.
        %done = arith.cmpi eq, %pc, %lastpiece : index
        %accn = scf.if %done -> (f32) {
          %t = func.call @warp_sum(%acc1) : (f32) -> f32
          %isfirst = arith.cmpi eq, %lane, %c0 : index
          scf.if %isfirst {
            %h = arith.truncf %t : f32 to f16
            memref.store %h, %y[%rc] : memref<?xf16>
          }
          scf.yield %fzero : f32
        } else {
          scf.yield %acc1 : f32
        }
        %pc2, %rc2 = func.call @stream_next(%pc, %rc, %npieces, %nwarps) : (index, index, index, index) -> (index, index)
        %pn2, %rn2 = func.call @stream_next(%pn, %rn, %npieces, %nwarps) : (index, index, index, index) -> (index, index)
        scf.yield %accn, %pc2, %rc2, %pn2, %rn2, %b0, %b1, %b2, %b3, %bs, %bz, %n#0, %n#1, %n#2, %n#3, %n#4, %n#5
            : f32, index, index, index, index,
              vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xf16>, vector<4xi8>,
              vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xf16>, vector<4xi8>
      }
    }
    gpu.return
  }

  // The first vectors of the two 128-column groups (a, b) that lane %lane
  // covers in piece p of a @gemv_int4_stream_g (%pairs false) or _p (true)
  // step, unclamped, and the lane's vector offset inside a group:
  //   _g: one group, vectors 4l..4l+3 (va = vb, offset 0);
  //   _p: lanes 2m, 2m+1 share groups m and m + 16 of the piece and take
  //       vectors h, h + 2 of each (h = l % 2), so every load instruction
  //       reads whole 32-byte sectors.
  func.func private @sg_groups(%p: index, %lane: index, %pairs: i1)
      -> (index, index, index) {
    %c0 = arith.constant 0 : index
    %ga = affine.apply affine_map<(p, l) -> (p * 128 + l * 4)>(%p, %lane)
    %pa = affine.apply affine_map<(p, l) -> (p * 128 + (l floordiv 2) * 4)>(%p, %lane)
    %pb = affine.apply affine_map<(p, l) -> (p * 128 + (l floordiv 2) * 4 + 64)>(%p, %lane)
    %ph = affine.apply affine_map<(l) -> (l mod 2)>(%lane)
    %va = arith.select %pairs, %pa, %ga : index
    %vb = arith.select %pairs, %pb, %ga : index
    %h = arith.select %pairs, %ph, %c0 : index
    return %va, %vb, %h : index, index, index
  }

  // One group of a step: the word offset of the lane's first vector in row
  // r (the group clamped into the row), the group's scale (0 past the row)
  // and zero byte. i32 offsets.
  func.func private @sg_group_load(%scales: memref<?xf16>, %zeros: memref<?xi8>,
                                   %has_zeros: i32, %ri: i32, %v: index,
                                   %h: index, %nv: i32, %ng: i32, %zr: i32,
                                   %gs: i32) -> (index, f16, i8) {
    %i0 = arith.constant 0 : i32
    %i1 = arith.constant 1 : i32
    %i2 = arith.constant 2 : i32
    %i4 = arith.constant 4 : i32
    %hzero = arith.constant 0.0 : f16
    %vi = arith.index_castui %v : index to i32
    %hi = arith.index_castui %h : index to i32
    %lastv = arith.subi %nv, %i4 : i32
    %vc = arith.minui %vi, %lastv : i32
    %valid = arith.cmpi ult, %vi, %nv : i32
    %rowv = arith.muli %ri, %nv : i32
    %wv0 = arith.addi %rowv, %vc : i32
    %wv = arith.addi %wv0, %hi : i32
    %wi = arith.shli %wv, %i2 : i32
    %wx = arith.index_castui %wi : i32 to index
    %g = arith.shrui %vc, %gs : i32
    %rs = arith.muli %ri, %ng : i32
    %si = arith.addi %rs, %g : i32
    %six = arith.index_castui %si : i32 to index
    %s = memref.load %scales[%six] : memref<?xf16>
    %sv = arith.select %valid, %s, %hzero : f16
    %present = arith.cmpi ne, %has_zeros, %i0 : i32
    %gh = arith.shrui %g, %i1 : i32
    %rz = arith.muli %ri, %zr : i32
    %zi0 = arith.addi %rz, %gh : i32
    %zi = arith.select %present, %zi0, %i0 : i32
    %zix = arith.index_castui %zi : i32 to index
    %z = memref.load %zeros[%zix] : memref<?xi8>
    return %wx, %sv, %z : index, f16, i8
  }

  // One step of a @gemv_int4_stream_g/_p warp: the lane's 4 weight vectors
  // of piece p of row r (clamped into the matrix), with the scales and zero
  // bytes of groups a (vectors 0, 1) and b (2, 3).
  func.func private @sg_load(%qw: memref<?xi32>, %scales: memref<?xf16>,
                             %zeros: memref<?xi8>, %has_zeros: i32,
                             %p: index, %r0: index, %rows: index,
                             %lane: index, %nvec: index, %ngroups: index,
                             %gshift: index, %zrow: index, %pairs: i1)
      -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>,
          vector<2xf16>, vector<2xi8>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c8 = arith.constant 8 : index
    %last = arith.subi %rows, %c1 : index
    %r = arith.minui %r0, %last : index
    %ri = arith.index_castui %r : index to i32
    %nv = arith.index_castui %nvec : index to i32
    %ng = arith.index_castui %ngroups : index to i32
    %zr = arith.index_castui %zrow : index to i32
    %gs = arith.index_castui %gshift : index to i32
    %va, %vb, %h = func.call @sg_groups(%p, %lane, %pairs) : (index, index, i1) -> (index, index, index)
    %wa, %sa, %za = func.call @sg_group_load(%scales, %zeros, %has_zeros, %ri, %va, %h, %nv, %ng, %zr, %gs) : (memref<?xf16>, memref<?xi8>, i32, i32, index, index, i32, i32, i32, i32) -> (index, f16, i8)
    %wb0, %sb, %zb = func.call @sg_group_load(%scales, %zeros, %has_zeros, %ri, %vb, %h, %nv, %ng, %zr, %gs) : (memref<?xf16>, memref<?xi8>, i32, i32, index, index, i32, i32, i32, i32) -> (index, f16, i8)
    // _g: group b is the same group, its vectors 2 and 3 (8 words on);
    // _p: the second vector of a group is 2 vectors (8 words) on.
    %c0 = arith.constant 0 : index
    %boff = arith.select %pairs, %c0, %c8 : index
    %wb = arith.addi %wb0, %boff : index
    %d = arith.select %pairs, %c8, %c4 : index
    %wa1 = arith.addi %wa, %d : index
    %wb1 = arith.addi %wb, %d : index
    %w0 = vector.load %qw[%wa] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %w1 = vector.load %qw[%wa1] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %w2 = vector.load %qw[%wb] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %w3 = vector.load %qw[%wb1] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %s2 = vector.from_elements %sa, %sb : vector<2xf16>
    %z2 = vector.from_elements %za, %zb : vector<2xi8>
    return %w0, %w1, %w2, %w3, %s2, %z2 : vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>
  }

  // Offset in the x stage of part s (8 values, regrouped as @permute_x) of
  // the lane's k-th vector (k = 0..3 in @sg_load's order) of piece p:
  // lane-minor, so a warp's reads of one part are 512 contiguous bytes.
  func.func private @sg_slot(%p: index, %k: index, %s: index, %l: index) -> index {
    %o = affine.apply affine_map<(p, k, s, l) -> (p * 4096 + k * 1024 + s * 256 + l * 8)>(%p, %k, %s, %l)
    return %o : index
  }

  // scale_a * (q - zero_a) . x over vectors 0, 1 plus the same for group b
  // over vectors 2, 3: per vector an f16 tree of 32 products (as @qdot32),
  // then f32; %xo: the stage offset of part 0 of vector 0.
  func.func private @sg_dot(%xs: memref<16384xf16, #gpu.address_space<workgroup>>,
                            %w0: vector<4xi32>, %w1: vector<4xi32>,
                            %w2: vector<4xi32>, %w3: vector<4xi32>,
                            %s2: vector<2xf16>, %z2: vector<2xi8>,
                            %has_zeros: i32, %ga: index, %gb: index,
                            %xo: index) -> f32 {
    %za = vector.extract %z2[0] : i8 from vector<2xi8>
    %zb = vector.extract %z2[1] : i8 from vector<2xi8>
    %biasa = func.call @bias_of(%za, %has_zeros, %ga) : (i8, i32, index) -> vector<8xf16>
    %biasb = func.call @bias_of(%zb, %has_zeros, %gb) : (i8, i32, index) -> vector<8xf16>
    %o1 = arith.constant 1024 : index
    %xo1 = arith.addi %xo, %o1 : index
    %xo2 = arith.addi %xo1, %o1 : index
    %xo3 = arith.addi %xo2, %o1 : index
    %d0 = func.call @sg_vec(%xs, %w0, %xo, %biasa) : (memref<16384xf16, #gpu.address_space<workgroup>>, vector<4xi32>, index, vector<8xf16>) -> vector<2xf32>
    %d1 = func.call @sg_vec(%xs, %w1, %xo1, %biasa) : (memref<16384xf16, #gpu.address_space<workgroup>>, vector<4xi32>, index, vector<8xf16>) -> vector<2xf32>
    %d2 = func.call @sg_vec(%xs, %w2, %xo2, %biasb) : (memref<16384xf16, #gpu.address_space<workgroup>>, vector<4xi32>, index, vector<8xf16>) -> vector<2xf32>
    %d3 = func.call @sg_vec(%xs, %w3, %xo3, %biasb) : (memref<16384xf16, #gpu.address_space<workgroup>>, vector<4xi32>, index, vector<8xf16>) -> vector<2xf32>
    %s01 = arith.addf %d0, %d1 : vector<2xf32>
    %s23 = arith.addf %d2, %d3 : vector<2xf32>
    %sa_ = vector.reduction <add>, %s01 : vector<2xf32> into f32
    %sb_ = vector.reduction <add>, %s23 : vector<2xf32> into f32
    %s2f = arith.extf %s2 : vector<2xf16> to vector<2xf32>
    %sca = vector.extract %s2f[0] : f32 from vector<2xf32>
    %scb = vector.extract %s2f[1] : f32 from vector<2xf32>
    %ra = arith.mulf %sca, %sa_ : f32
    %r = math.fma %scb, %sb_, %ra : f32
    return %r : f32
  }

  // (q - zero) . x of one vector as two f32 lanes; x parts at xo + 256 s.
  func.func private @sg_vec(%xs: memref<16384xf16, #gpu.address_space<workgroup>>,
                            %w: vector<4xi32>, %xo: index, %bias: vector<8xf16>)
      -> vector<2xf32> {
    %o = arith.constant 256 : index
    %xo1 = arith.addi %xo, %o : index
    %xo2 = arith.addi %xo1, %o : index
    %xo3 = arith.addi %xo2, %o : index
    %x0 = vector.load %xs[%xo] {alignment = 16} : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
    %x1 = vector.load %xs[%xo1] {alignment = 16} : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
    %x2 = vector.load %xs[%xo2] {alignment = 16} : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
    %x3 = vector.load %xs[%xo3] {alignment = 16} : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
    %d = func.call @qdot32_pair(%w, %x0, %x1, %x2, %x3, %bias) : (vector<4xi32>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) -> vector<2xf16>
    %wide = arith.extf %d : vector<2xf16> to vector<2xf32>
    return %wide : vector<2xf32>
  }

  // The body of @gemv_int4_stream_g and _p (%pairs, a constant once
  // inlined): @gemv_int4_stream's persistent grid and pipeline (global warp
  // gw owns rows gw, gw + W, ..., cut into 4096-column pieces, two steps
  // in flight, x staged once per block), but a lane's part of a step lies
  // in 128-column groups, so it needs one or two scales, zero points and
  // addresses per step instead of four, and one 16-byte load per 16 bytes
  // with immediate offsets. Needs cols % 128 == 0, cols <= 16384 (else y
  // is left unwritten) and group a power of two >= 128.
  func.func private @stream_g_body(%qw: memref<?xi32>, %scales: memref<?xf16>,
                                   %zeros: memref<?xi8>, %x: memref<?xf16>,
                                   %y: memref<?xf16>, %rows: index, %cols: index,
                                   %group: index, %has_zeros: i32,
                                   %xs: memref<16384xf16, #gpu.address_space<workgroup>>,
                                   %pairs: i1)
      attributes {passthrough = ["alwaysinline"]} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %c8 = arith.constant 8 : index
    %c32 = arith.constant 32 : index
    %c128 = arith.constant 128 : index
    %fzero = arith.constant 0.0 : f32
    %tid = gpu.thread_id x
    %bid = gpu.block_id x
    %nblocks = gpu.grid_dim x
    %lane = arith.remui %tid, %c32 : index
    %warp = arith.divui %tid, %c32 : index
    %gw = affine.apply affine_map<(b, w) -> (b * 8 + w)>(%bid, %warp)
    %nwarps = arith.muli %nblocks, %c8 : index
    %nvec = arith.divui %cols, %c32 : index
    %npieces = affine.apply affine_map<(n) -> ((n + 127) floordiv 128)>(%nvec)
    %lastpiece = arith.subi %npieces, %c1 : index
    %ngroups = arith.divui %cols, %group : index
    %vpg = arith.divui %group, %c32 : index
    %gshift = math.cttz %vpg : index
    %zrow = affine.apply affine_map<(g) -> ((g + 1) floordiv 2)>(%ngroups)
    %nmine = affine.apply affine_map<(r, g)[w] -> ((r + w - 1 - g) floordiv w)>(%rows, %gw)[%nwarps]
    %nsteps = arith.muli %nmine, %npieces : index
    func.call @release_dependents() : () -> ()
    %p1, %r1 = func.call @stream_next(%c0, %gw, %npieces, %nwarps) : (index, index, index, index) -> (index, index)
    %p2, %r2 = func.call @stream_next(%p1, %r1, %npieces, %nwarps) : (index, index, index, index) -> (index, index)
    %a:6 = func.call @sg_load(%qw, %scales, %zeros, %has_zeros, %c0, %gw, %rows, %lane, %nvec, %ngroups, %gshift, %zrow, %pairs) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index, index, index, i1) -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>)
    %b:6 = func.call @sg_load(%qw, %scales, %zeros, %has_zeros, %p1, %r1, %rows, %lane, %nvec, %ngroups, %gshift, %zrow, %pairs) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index, index, index, i1) -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>)
    func.call @keep_loads_here() : () -> ()
    func.call @await_prerequisites() : () -> ()

    // Stage x: thread t regroups vectors v = t, t + 256, ... of the
    // npieces * 128 the steps cover (0 past the row). Within its piece,
    // w = v % 128 is, in _g, vector k = w % 4 of lane w / 4; in _p,
    // vector k = 2 (w / 64) + (w % 4) / 2 of lane 2 ((w % 64) / 4) + w % 2.
    %nstage = arith.muli %npieces, %c128 : index
    %rounds = affine.apply affine_map<(n) -> ((n + 255) floordiv 256)>(%nstage)
    %lastv = arith.subi %nvec, %c1 : index
    %x8zero = arith.constant dense<0.0> : vector<8xf16>
    scf.for %it = %c0 to %rounds step %c1 {
      %v = affine.apply affine_map<(i, t) -> (i * 256 + t)>(%it, %tid)
      %inx = arith.cmpi ult, %v, %nvec : index
      %vc = arith.minui %v, %lastv : index
      %xo = arith.muli %vc, %c32 : index
      %xo1 = arith.addi %xo, %c8 : index
      %xo2 = arith.addi %xo1, %c8 : index
      %xo3 = arith.addi %xo2, %c8 : index
      %xa = vector.load %x[%xo] {alignment = 16} : memref<?xf16>, vector<8xf16>
      %xb = vector.load %x[%xo1] {alignment = 16} : memref<?xf16>, vector<8xf16>
      %xc = vector.load %x[%xo2] {alignment = 16} : memref<?xf16>, vector<8xf16>
      %xd = vector.load %x[%xo3] {alignment = 16} : memref<?xf16>, vector<8xf16>
      %p:4 = func.call @permute_x(%xa, %xb, %xc, %xd) : (vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) -> (vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>)
      %q0 = arith.select %inx, %p#0, %x8zero : vector<8xf16>
      %q1 = arith.select %inx, %p#1, %x8zero : vector<8xf16>
      %q2 = arith.select %inx, %p#2, %x8zero : vector<8xf16>
      %q3 = arith.select %inx, %p#3, %x8zero : vector<8xf16>
      %ins = arith.cmpi ult, %v, %nstage : index
      scf.if %ins {
        %pv = arith.divui %v, %c128 : index
        %kg = affine.apply affine_map<(v) -> (v mod 4)>(%v)
        %lg = affine.apply affine_map<(v) -> ((v mod 128) floordiv 4)>(%v)
        %kp = affine.apply affine_map<(v) -> (((v mod 128) floordiv 64) * 2 + (v mod 4) floordiv 2)>(%v)
        %lp = affine.apply affine_map<(v) -> (((v mod 64) floordiv 4) * 2 + v mod 2)>(%v)
        %k = arith.select %pairs, %kp, %kg : index
        %l = arith.select %pairs, %lp, %lg : index
        %o0 = func.call @sg_slot(%pv, %k, %c0, %l) : (index, index, index, index) -> index
        %o1 = func.call @sg_slot(%pv, %k, %c1, %l) : (index, index, index, index) -> index
        %o2 = func.call @sg_slot(%pv, %k, %c2, %l) : (index, index, index, index) -> index
        %o3 = func.call @sg_slot(%pv, %k, %c3, %l) : (index, index, index, index) -> index
        vector.store %q0, %xs[%o0] : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
        vector.store %q1, %xs[%o1] : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
        vector.store %q2, %xs[%o2] : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
        vector.store %q3, %xs[%o3] : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
      }
    }
    gpu.barrier

    %res:17 = scf.for %s = %c0 to %nsteps step %c1
        iter_args(%acc = %fzero, %pc = %c0, %rc = %gw, %pn = %p2, %rn = %r2,
                  %a0 = %a#0, %a1 = %a#1, %a2 = %a#2, %a3 = %a#3, %as = %a#4, %az = %a#5,
                  %b0 = %b#0, %b1 = %b#1, %b2 = %b#2, %b3 = %b#3, %bs = %b#4, %bz = %b#5)
        -> (f32, index, index, index, index,
            vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>,
            vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>) {
      %n:6 = func.call @sg_load(%qw, %scales, %zeros, %has_zeros, %pn, %rn, %rows, %lane, %nvec, %ngroups, %gshift, %zrow, %pairs) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index, index, index, i1) -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>)
      // The lane's groups (clamped like its loads), for the zero nibbles.
      %va, %vb, %h = func.call @sg_groups(%pc, %lane, %pairs) : (index, index, i1) -> (index, index, index)
      %lastq = arith.subi %nvec, %c4 : index
      %vac = arith.minui %va, %lastq : index
      %vbc = arith.minui %vb, %lastq : index
      %ga = arith.shrui %vac, %gshift : index
      %gb = arith.shrui %vbc, %gshift : index
      %xo = func.call @sg_slot(%pc, %c0, %c0, %lane) : (index, index, index, index) -> index
      %d = func.call @sg_dot(%xs, %a0, %a1, %a2, %a3, %as, %az, %has_zeros, %ga, %gb, %xo) : (memref<16384xf16, #gpu.address_space<workgroup>>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>, i32, index, index, index) -> f32
      %acc1 = arith.addf %acc, %d : f32
      %done = arith.cmpi eq, %pc, %lastpiece : index
      %accn = scf.if %done -> (f32) {
        %t = func.call @warp_sum(%acc1) : (f32) -> f32
        %isfirst = arith.cmpi eq, %lane, %c0 : index
        scf.if %isfirst {
          %hh = arith.truncf %t : f32 to f16
          memref.store %hh, %y[%rc] : memref<?xf16>
        }
        scf.yield %fzero : f32
      } else {
        scf.yield %acc1 : f32
      }
      %pc2, %rc2 = func.call @stream_next(%pc, %rc, %npieces, %nwarps) : (index, index, index, index) -> (index, index)
      %pn2, %rn2 = func.call @stream_next(%pn, %rn, %npieces, %nwarps) : (index, index, index, index) -> (index, index)
      scf.yield %accn, %pc2, %rc2, %pn2, %rn2, %b0, %b1, %b2, %b3, %bs, %bz, %n#0, %n#1, %n#2, %n#3, %n#4, %n#5
          : f32, index, index, index, index,
            vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>,
            vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>
    }
    return
  }

  // y = W x (decode, batch 1): @stream_g_body with a lane's step in one
  // group (64 contiguous bytes: each load instruction reads half of 32
  // sectors, the next one the other half). Block 256 threads, any grid
  // (the host sizes it as for @gemv_int4_stream).
  gpu.func @gemv_int4_stream_g(%qw: memref<?xi32>, %scales: memref<?xf16>,
                               %zeros: memref<?xi8>, %x: memref<?xf16>,
                               %y: memref<?xf16>, %rows: index, %cols: index,
                               %group: index, %has_zeros: i32)
      workgroup(%xs: memref<16384xf16, #gpu.address_space<workgroup>>)
      kernel attributes {known_block_size = array<i32: 256, 1, 1>,
                         nvvm.minctasm = 2 : i32} {
    %cmax = arith.constant 16384 : index
    %fits = arith.cmpi ule, %cols, %cmax : index
    scf.if %fits {
      %false = arith.constant false
      func.call @stream_g_body(%qw, %scales, %zeros, %x, %y, %rows, %cols, %group, %has_zeros, %xs, %false) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, memref<?xf16>, memref<?xf16>, index, index, index, i32, memref<16384xf16, #gpu.address_space<workgroup>>, i1) -> ()
    }
    gpu.return
  }

  // y = W x (decode, batch 1): @stream_g_body with lane pairs sharing two
  // groups, so each load instruction reads 16 whole 32-byte sectors.
  gpu.func @gemv_int4_stream_p(%qw: memref<?xi32>, %scales: memref<?xf16>,
                               %zeros: memref<?xi8>, %x: memref<?xf16>,
                               %y: memref<?xf16>, %rows: index, %cols: index,
                               %group: index, %has_zeros: i32)
      workgroup(%xs: memref<16384xf16, #gpu.address_space<workgroup>>)
      kernel attributes {known_block_size = array<i32: 256, 1, 1>,
                         nvvm.minctasm = 2 : i32} {
    %cmax = arith.constant 16384 : index
    %fits = arith.cmpi ule, %cols, %cmax : index
    scf.if %fits {
      %true = arith.constant true
      func.call @stream_g_body(%qw, %scales, %zeros, %x, %y, %rows, %cols, %group, %has_zeros, %xs, %true) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, memref<?xf16>, memref<?xf16>, index, index, index, i32, memref<16384xf16, #gpu.address_space<workgroup>>, i1) -> ()
    }
    gpu.return
  }

  // 32 consecutive x values from x[xo], each 8 regrouped as
  // [0, 4, 1, 5, 2, 6, 3, 7] to pair with @raw_pairs' nibble pairs: the B
  // operands of @mma_chunk's 8 steps are consecutive 4-value slices.
  func.func private @load_xp(%x: memref<?xf16>, %xo: index) -> vector<32xf16> {
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %c24 = arith.constant 24 : index
    %xo1 = arith.addi %xo, %c8 : index
    %xo2 = arith.addi %xo, %c16 : index
    %xo3 = arith.addi %xo, %c24 : index
    %x0 = vector.load %x[%xo] {alignment = 16} : memref<?xf16>, vector<8xf16>
    %x1 = vector.load %x[%xo1] {alignment = 16} : memref<?xf16>, vector<8xf16>
    %x2 = vector.load %x[%xo2] {alignment = 16} : memref<?xf16>, vector<8xf16>
    %x3 = vector.load %x[%xo3] {alignment = 16} : memref<?xf16>, vector<8xf16>
    %p0 = vector.shuffle %x0, %x1 [0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15] : vector<8xf16>, vector<8xf16>
    %p1 = vector.shuffle %x2, %x3 [0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15] : vector<8xf16>, vector<8xf16>
    %xp = vector.shuffle %p0, %p1 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31] : vector<16xf16>, vector<16xf16>
    return %xp : vector<32xf16>
  }

  // One 128-column chunk of an m16 row tile against n-tile `nt` of x, on the
  // tensor cores (mma.sync m16n8k16, f16 in, f32 accumulate): 8 steps of k16.
  // k is permuted inside the chunk identically for both operands, so each
  // lane dequantizes exactly the 16 contiguous bytes it loaded. Lane
  // (g = lane / 4, t = lane % 4) holds columns 32t..32t+31 of rows g and
  // g + 8; in step (j, u) its fragment slots k = 2t, 2t+1 take nibbles 2u,
  // 2u+4 of word j and slots 2t+8, 2t+9 take nibbles 2u+1, 2u+5.
  // With %split (a constant once inlined), steps (j, 0) and (j, 1)
  // accumulate in two independent chains, so a warp with a single n-tile
  // waits for 4 dependent mma instead of 8; several n-tiles are independent
  // already and keep one chain (fewer registers).
  // %ma / %mb: the four @dequant_pairs results of rows g and g + 8, joined.
  func.func private @mma_chunk(%ma: vector<32xf16>, %mb: vector<32xf16>,
                               %xp: vector<32xf16>, %split: i1)
      -> vector<2x2xf32> {
    %zero4 = arith.constant dense<0.0> : vector<2x2xf32>
    %af00 = vector.shuffle %ma, %mb [0, 1, 32, 33, 8, 9, 40, 41] : vector<32xf16>, vector<32xf16>
    %a00 = vector.shape_cast %af00 : vector<8xf16> to vector<4x2xf16>
    %bf00 = vector.shuffle %xp, %xp [0, 1, 2, 3] : vector<32xf16>, vector<32xf16>
    %b00 = vector.shape_cast %bf00 : vector<4xf16> to vector<2x2xf16>
    %c00 = nvgpu.mma.sync(%a00, %b00, %zero4) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
    %af01 = vector.shuffle %ma, %mb [16, 17, 48, 49, 24, 25, 56, 57] : vector<32xf16>, vector<32xf16>
    %a01 = vector.shape_cast %af01 : vector<8xf16> to vector<4x2xf16>
    %bf01 = vector.shuffle %xp, %xp [4, 5, 6, 7] : vector<32xf16>, vector<32xf16>
    %b01 = vector.shape_cast %bf01 : vector<4xf16> to vector<2x2xf16>
    %init1 = arith.select %split, %zero4, %c00 : vector<2x2xf32>
    %c01 = nvgpu.mma.sync(%a01, %b01, %init1) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
    %af10 = vector.shuffle %ma, %mb [2, 3, 34, 35, 10, 11, 42, 43] : vector<32xf16>, vector<32xf16>
    %a10 = vector.shape_cast %af10 : vector<8xf16> to vector<4x2xf16>
    %bf10 = vector.shuffle %xp, %xp [8, 9, 10, 11] : vector<32xf16>, vector<32xf16>
    %b10 = vector.shape_cast %bf10 : vector<4xf16> to vector<2x2xf16>
    %p10 = arith.select %split, %c00, %c01 : vector<2x2xf32>
    %c10 = nvgpu.mma.sync(%a10, %b10, %p10) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
    %af11 = vector.shuffle %ma, %mb [18, 19, 50, 51, 26, 27, 58, 59] : vector<32xf16>, vector<32xf16>
    %a11 = vector.shape_cast %af11 : vector<8xf16> to vector<4x2xf16>
    %bf11 = vector.shuffle %xp, %xp [12, 13, 14, 15] : vector<32xf16>, vector<32xf16>
    %b11 = vector.shape_cast %bf11 : vector<4xf16> to vector<2x2xf16>
    %p11 = arith.select %split, %c01, %c10 : vector<2x2xf32>
    %c11 = nvgpu.mma.sync(%a11, %b11, %p11) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
    %af20 = vector.shuffle %ma, %mb [4, 5, 36, 37, 12, 13, 44, 45] : vector<32xf16>, vector<32xf16>
    %a20 = vector.shape_cast %af20 : vector<8xf16> to vector<4x2xf16>
    %bf20 = vector.shuffle %xp, %xp [16, 17, 18, 19] : vector<32xf16>, vector<32xf16>
    %b20 = vector.shape_cast %bf20 : vector<4xf16> to vector<2x2xf16>
    %p20 = arith.select %split, %c10, %c11 : vector<2x2xf32>
    %c20 = nvgpu.mma.sync(%a20, %b20, %p20) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
    %af21 = vector.shuffle %ma, %mb [20, 21, 52, 53, 28, 29, 60, 61] : vector<32xf16>, vector<32xf16>
    %a21 = vector.shape_cast %af21 : vector<8xf16> to vector<4x2xf16>
    %bf21 = vector.shuffle %xp, %xp [20, 21, 22, 23] : vector<32xf16>, vector<32xf16>
    %b21 = vector.shape_cast %bf21 : vector<4xf16> to vector<2x2xf16>
    %p21 = arith.select %split, %c11, %c20 : vector<2x2xf32>
    %c21 = nvgpu.mma.sync(%a21, %b21, %p21) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
    %af30 = vector.shuffle %ma, %mb [6, 7, 38, 39, 14, 15, 46, 47] : vector<32xf16>, vector<32xf16>
    %a30 = vector.shape_cast %af30 : vector<8xf16> to vector<4x2xf16>
    %bf30 = vector.shuffle %xp, %xp [24, 25, 26, 27] : vector<32xf16>, vector<32xf16>
    %b30 = vector.shape_cast %bf30 : vector<4xf16> to vector<2x2xf16>
    %p30 = arith.select %split, %c20, %c21 : vector<2x2xf32>
    %c30 = nvgpu.mma.sync(%a30, %b30, %p30) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
    %af31 = vector.shuffle %ma, %mb [22, 23, 54, 55, 30, 31, 62, 63] : vector<32xf16>, vector<32xf16>
    %a31 = vector.shape_cast %af31 : vector<8xf16> to vector<4x2xf16>
    %bf31 = vector.shuffle %xp, %xp [28, 29, 30, 31] : vector<32xf16>, vector<32xf16>
    %b31 = vector.shape_cast %bf31 : vector<4xf16> to vector<2x2xf16>
    %p31 = arith.select %split, %c21, %c30 : vector<2x2xf32>
    %c31 = nvgpu.mma.sync(%a31, %b31, %p31) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
    %both = arith.addf %c30, %c31 : vector<2x2xf32>
    %sum = arith.select %split, %both, %c31 : vector<2x2xf32>
    return %sum : vector<2x2xf32>
  }

  // The dequantized (q - zero) of rows g and g + 8 for one chunk, joined as
  // @mma_chunk expects.
  func.func private @chunk_pairs(%wa: vector<4xi32>, %wb: vector<4xi32>,
                                 %za: vector<8xf16>, %zb: vector<8xf16>)
      -> (vector<32xf16>, vector<32xf16>) {
    %a:4 = func.call @dequant_pairs(%wa, %za) : (vector<4xi32>, vector<8xf16>) -> (vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>)
    %b:4 = func.call @dequant_pairs(%wb, %zb) : (vector<4xi32>, vector<8xf16>) -> (vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>)
    %m:2 = func.call @join_pairs(%a#0, %a#1, %a#2, %a#3, %b#0, %b#1, %b#2, %b#3) : (vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) -> (vector<32xf16>, vector<32xf16>)
    return %m#0, %m#1 : vector<32xf16>, vector<32xf16>
  }

  // The four pair vectors of rows g and g + 8 joined as @mma_chunk expects.
  func.func private @join_pairs(%a0: vector<8xf16>, %a1: vector<8xf16>,
                                %a2: vector<8xf16>, %a3: vector<8xf16>,
                                %b0: vector<8xf16>, %b1: vector<8xf16>,
                                %b2: vector<8xf16>, %b3: vector<8xf16>)
      -> (vector<32xf16>, vector<32xf16>) {
    %a01 = vector.shuffle %a0, %a1 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xf16>, vector<8xf16>
    %a23 = vector.shuffle %a2, %a3 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xf16>, vector<8xf16>
    %b01 = vector.shuffle %b0, %b1 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xf16>, vector<8xf16>
    %b23 = vector.shuffle %b2, %b3 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xf16>, vector<8xf16>
    %ma = vector.shuffle %a01, %a23 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31] : vector<16xf16>, vector<16xf16>
    %mb = vector.shuffle %b01, %b23 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31] : vector<16xf16>, vector<16xf16>
    return %ma, %mb : vector<32xf16>, vector<32xf16>
  }

  // y[i] = f16(v) where p holds.
  func.func private @store_if(%y: memref<?xf16>, %i: index, %v: f32, %p: i1) {
    scf.if %p {
      %h = arith.truncf %v : f32 to f16
      memref.store %h, %y[%i] : memref<?xf16>
    }
    return
  }

  // Y[n][r] = sum_c dequant(W)[r][c] * X[n][c] for the `ntiles` * 8 rows of
  // X from row xoff / cols (prefill).
  // Block: 256 threads = 8 warps on one m16 row tile (rows 16 * block_id.x
  // ..+15); warp w takes the 128-column chunks w, w + 8, ... (split-K) and the
  // warps' partial sums meet in shared memory. Grid: ceil(rows / 16).
  // Needs cols % 128 == 0 and group a power of two >= 128.
  // %red: workgroup memory [8 warps][8 n-tiles][32 lanes][4] f32.
  func.func private @gemm_body(%qw: memref<?xi32>, %scales: memref<?xf16>,
                               %zeros: memref<?xi8>, %x: memref<?xf16>,
                               %y: memref<?xf16>, %rows: index, %cols: index,
                               %group: index, %has_zeros: i32,
                               %red: memref<8x8x32x4xf32, #gpu.address_space<workgroup>>,
                               %ntiles: index, %xoff: index, %yoff: index)
      attributes {passthrough = ["alwaysinline"]} {
    func.call @release_dependents() : () -> ()
    func.call @await_prerequisites() : () -> ()
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %c8 = arith.constant 8 : index
    %c32 = arith.constant 32 : index
    %c128 = arith.constant 128 : index
    %zacc = arith.constant dense<0.0> : vector<8x4xf32>
    %c0_i = arith.constant 0 : index
    %c1_i = arith.constant 1 : index
    %c2_i = arith.constant 2 : index
    %c3_i = arith.constant 3 : index
    %c4_i = arith.constant 4 : index
    %c5_i = arith.constant 5 : index
    %c6_i = arith.constant 6 : index
    %c7_i = arith.constant 7 : index
    %tid = gpu.thread_id x
    %bid = gpu.block_id x
    %lane = arith.remui %tid, %c32 : index
    %warp = arith.divui %tid, %c32 : index
    %g = arith.divui %lane, %c4 : index
    %t = arith.remui %lane, %c4 : index
    %last = arith.subi %rows, %c1 : index
    %rowa = affine.apply affine_map<(b, g) -> (b * 16 + g)>(%bid, %g)
    %rowb = arith.addi %rowa, %c8 : index
    %ra = arith.minui %rowa, %last : index
    %rb = arith.minui %rowb, %last : index
    %split = arith.cmpi eq, %ntiles, %c1 : index
    %nvec = arith.divui %cols, %c32 : index
    %nchunks = arith.divui %cols, %c128 : index
    %ngroups = arith.divui %cols, %group : index
    %cpg = arith.divui %group, %c128 : index
    %gshift = math.cttz %cpg : index
    %zrow = affine.apply affine_map<(g) -> ((g + 1) floordiv 2)>(%ngroups)
    // The weights of a warp's next chunk are loaded before this chunk's
    // math (software pipelining), so each lane keeps 2 x 16 bytes in flight
    // while the tensor cores work; past the end the last chunk is reloaded.
    // (Loading the scales and zero bytes a chunk ahead too, as
    // @gemv_int4_tc does, measured no faster here and cost n32 its
    // register cap: bench/gpu/NOTES.md, v7.)
    %lastc = arith.subi %nchunks, %c1 : index
    %c_first = arith.minui %warp, %lastc : index
    %va0 = affine.apply affine_map<(r, c, t)[n] -> ((r * n + c * 4 + t) * 4)>(%ra, %c_first, %t)[%nvec]
    %vb0 = affine.apply affine_map<(r, c, t)[n] -> ((r * n + c * 4 + t) * 4)>(%rb, %c_first, %t)[%nvec]
    %wa0 = vector.load %qw[%va0] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %wb0 = vector.load %qw[%vb0] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %acc, %wlast_a, %wlast_b = scf.for %c = %warp to %nchunks step %c8
        iter_args(%a = %zacc, %wa = %wa0, %wb = %wb0) -> (vector<8x4xf32>, vector<4xi32>, vector<4xi32>) {
      %cn = arith.addi %c, %c8 : index
      %cnext = arith.minui %cn, %lastc : index
      %van = affine.apply affine_map<(r, c, t)[n] -> ((r * n + c * 4 + t) * 4)>(%ra, %cnext, %t)[%nvec]
      %vbn = affine.apply affine_map<(r, c, t)[n] -> ((r * n + c * 4 + t) * 4)>(%rb, %cnext, %t)[%nvec]
      %wan = vector.load %qw[%van] {alignment = 16} : memref<?xi32>, vector<4xi32>
      %wbn = vector.load %qw[%vbn] {alignment = 16} : memref<?xi32>, vector<4xi32>
      %gi = arith.shrui %c, %gshift : index
      %sia = affine.apply affine_map<(r, g)[n] -> (r * n + g)>(%ra, %gi)[%ngroups]
      %sib = affine.apply affine_map<(r, g)[n] -> (r * n + g)>(%rb, %gi)[%ngroups]
      %sha = memref.load %scales[%sia] : memref<?xf16>
      %shb = memref.load %scales[%sib] : memref<?xf16>
      %sa = arith.extf %sha : f16 to f32
      %sb = arith.extf %shb : f16 to f32
      %za = func.call @zero_bias(%zeros, %has_zeros, %ra, %gi, %zrow) : (memref<?xi8>, i32, index, index, index) -> vector<8xf16>
      %zb = func.call @zero_bias(%zeros, %has_zeros, %rb, %gi, %zrow) : (memref<?xi8>, i32, index, index, index) -> vector<8xf16>
      %m:2 = func.call @chunk_pairs(%wa, %wb, %za, %zb) : (vector<4xi32>, vector<4xi32>, vector<8xf16>, vector<8xf16>) -> (vector<32xf16>, vector<32xf16>)
      %scale = vector.from_elements %sa, %sa, %sb, %sb : vector<4xf32>
      // The n-tiles past the batch are skipped (warp-uniform branches).
      %in0 = arith.cmpi ult, %c0_i, %ntiles : index
      %acc0 = scf.if %in0 -> (vector<8x4xf32>) {
        %xo = affine.apply affine_map<(g, c, t)[k, o] -> (o + (0 + g) * k + c * 128 + t * 32)>(%g, %c, %t)[%cols, %xoff]
        %xp = func.call @load_xp(%x, %xo) : (memref<?xf16>, index) -> vector<32xf16>
        %part = func.call @mma_chunk(%m#0, %m#1, %xp, %split) : (vector<32xf16>, vector<32xf16>, vector<32xf16>, i1) -> vector<2x2xf32>
        %flat = vector.shape_cast %part : vector<2x2xf32> to vector<4xf32>
        %old = vector.extract %a[0] : vector<4xf32> from vector<8x4xf32>
        %new = math.fma %flat, %scale, %old : vector<4xf32>
        %ins = vector.insert %new, %a [0] : vector<4xf32> into vector<8x4xf32>
        scf.yield %ins : vector<8x4xf32>
      } else {
        scf.yield %a : vector<8x4xf32>
      }
      %in1 = arith.cmpi ult, %c1_i, %ntiles : index
      %acc1 = scf.if %in1 -> (vector<8x4xf32>) {
        %xo = affine.apply affine_map<(g, c, t)[k, o] -> (o + (8 + g) * k + c * 128 + t * 32)>(%g, %c, %t)[%cols, %xoff]
        %xp = func.call @load_xp(%x, %xo) : (memref<?xf16>, index) -> vector<32xf16>
        %part = func.call @mma_chunk(%m#0, %m#1, %xp, %split) : (vector<32xf16>, vector<32xf16>, vector<32xf16>, i1) -> vector<2x2xf32>
        %flat = vector.shape_cast %part : vector<2x2xf32> to vector<4xf32>
        %old = vector.extract %acc0[1] : vector<4xf32> from vector<8x4xf32>
        %new = math.fma %flat, %scale, %old : vector<4xf32>
        %ins = vector.insert %new, %acc0 [1] : vector<4xf32> into vector<8x4xf32>
        scf.yield %ins : vector<8x4xf32>
      } else {
        scf.yield %acc0 : vector<8x4xf32>
      }
      %in2 = arith.cmpi ult, %c2_i, %ntiles : index
      %acc2 = scf.if %in2 -> (vector<8x4xf32>) {
        %xo = affine.apply affine_map<(g, c, t)[k, o] -> (o + (16 + g) * k + c * 128 + t * 32)>(%g, %c, %t)[%cols, %xoff]
        %xp = func.call @load_xp(%x, %xo) : (memref<?xf16>, index) -> vector<32xf16>
        %part = func.call @mma_chunk(%m#0, %m#1, %xp, %split) : (vector<32xf16>, vector<32xf16>, vector<32xf16>, i1) -> vector<2x2xf32>
        %flat = vector.shape_cast %part : vector<2x2xf32> to vector<4xf32>
        %old = vector.extract %acc1[2] : vector<4xf32> from vector<8x4xf32>
        %new = math.fma %flat, %scale, %old : vector<4xf32>
        %ins = vector.insert %new, %acc1 [2] : vector<4xf32> into vector<8x4xf32>
        scf.yield %ins : vector<8x4xf32>
      } else {
        scf.yield %acc1 : vector<8x4xf32>
      }
      %in3 = arith.cmpi ult, %c3_i, %ntiles : index
      %acc3 = scf.if %in3 -> (vector<8x4xf32>) {
        %xo = affine.apply affine_map<(g, c, t)[k, o] -> (o + (24 + g) * k + c * 128 + t * 32)>(%g, %c, %t)[%cols, %xoff]
        %xp = func.call @load_xp(%x, %xo) : (memref<?xf16>, index) -> vector<32xf16>
        %part = func.call @mma_chunk(%m#0, %m#1, %xp, %split) : (vector<32xf16>, vector<32xf16>, vector<32xf16>, i1) -> vector<2x2xf32>
        %flat = vector.shape_cast %part : vector<2x2xf32> to vector<4xf32>
        %old = vector.extract %acc2[3] : vector<4xf32> from vector<8x4xf32>
        %new = math.fma %flat, %scale, %old : vector<4xf32>
        %ins = vector.insert %new, %acc2 [3] : vector<4xf32> into vector<8x4xf32>
        scf.yield %ins : vector<8x4xf32>
      } else {
        scf.yield %acc2 : vector<8x4xf32>
      }
      %in4 = arith.cmpi ult, %c4_i, %ntiles : index
      %acc4 = scf.if %in4 -> (vector<8x4xf32>) {
        %xo = affine.apply affine_map<(g, c, t)[k, o] -> (o + (32 + g) * k + c * 128 + t * 32)>(%g, %c, %t)[%cols, %xoff]
        %xp = func.call @load_xp(%x, %xo) : (memref<?xf16>, index) -> vector<32xf16>
        %part = func.call @mma_chunk(%m#0, %m#1, %xp, %split) : (vector<32xf16>, vector<32xf16>, vector<32xf16>, i1) -> vector<2x2xf32>
        %flat = vector.shape_cast %part : vector<2x2xf32> to vector<4xf32>
        %old = vector.extract %acc3[4] : vector<4xf32> from vector<8x4xf32>
        %new = math.fma %flat, %scale, %old : vector<4xf32>
        %ins = vector.insert %new, %acc3 [4] : vector<4xf32> into vector<8x4xf32>
        scf.yield %ins : vector<8x4xf32>
      } else {
        scf.yield %acc3 : vector<8x4xf32>
      }
      %in5 = arith.cmpi ult, %c5_i, %ntiles : index
      %acc5 = scf.if %in5 -> (vector<8x4xf32>) {
        %xo = affine.apply affine_map<(g, c, t)[k, o] -> (o + (40 + g) * k + c * 128 + t * 32)>(%g, %c, %t)[%cols, %xoff]
        %xp = func.call @load_xp(%x, %xo) : (memref<?xf16>, index) -> vector<32xf16>
        %part = func.call @mma_chunk(%m#0, %m#1, %xp, %split) : (vector<32xf16>, vector<32xf16>, vector<32xf16>, i1) -> vector<2x2xf32>
        %flat = vector.shape_cast %part : vector<2x2xf32> to vector<4xf32>
        %old = vector.extract %acc4[5] : vector<4xf32> from vector<8x4xf32>
        %new = math.fma %flat, %scale, %old : vector<4xf32>
        %ins = vector.insert %new, %acc4 [5] : vector<4xf32> into vector<8x4xf32>
        scf.yield %ins : vector<8x4xf32>
      } else {
        scf.yield %acc4 : vector<8x4xf32>
      }
      %in6 = arith.cmpi ult, %c6_i, %ntiles : index
      %acc6 = scf.if %in6 -> (vector<8x4xf32>) {
        %xo = affine.apply affine_map<(g, c, t)[k, o] -> (o + (48 + g) * k + c * 128 + t * 32)>(%g, %c, %t)[%cols, %xoff]
        %xp = func.call @load_xp(%x, %xo) : (memref<?xf16>, index) -> vector<32xf16>
        %part = func.call @mma_chunk(%m#0, %m#1, %xp, %split) : (vector<32xf16>, vector<32xf16>, vector<32xf16>, i1) -> vector<2x2xf32>
        %flat = vector.shape_cast %part : vector<2x2xf32> to vector<4xf32>
        %old = vector.extract %acc5[6] : vector<4xf32> from vector<8x4xf32>
        %new = math.fma %flat, %scale, %old : vector<4xf32>
        %ins = vector.insert %new, %acc5 [6] : vector<4xf32> into vector<8x4xf32>
        scf.yield %ins : vector<8x4xf32>
      } else {
        scf.yield %acc5 : vector<8x4xf32>
      }
      %in7 = arith.cmpi ult, %c7_i, %ntiles : index
      %acc7 = scf.if %in7 -> (vector<8x4xf32>) {
        %xo = affine.apply affine_map<(g, c, t)[k, o] -> (o + (56 + g) * k + c * 128 + t * 32)>(%g, %c, %t)[%cols, %xoff]
        %xp = func.call @load_xp(%x, %xo) : (memref<?xf16>, index) -> vector<32xf16>
        %part = func.call @mma_chunk(%m#0, %m#1, %xp, %split) : (vector<32xf16>, vector<32xf16>, vector<32xf16>, i1) -> vector<2x2xf32>
        %flat = vector.shape_cast %part : vector<2x2xf32> to vector<4xf32>
        %old = vector.extract %acc6[7] : vector<4xf32> from vector<8x4xf32>
        %new = math.fma %flat, %scale, %old : vector<4xf32>
        %ins = vector.insert %new, %acc6 [7] : vector<4xf32> into vector<8x4xf32>
        scf.yield %ins : vector<8x4xf32>
      } else {
        scf.yield %acc6 : vector<8x4xf32>
      }
      scf.yield %acc7, %wan, %wbn : vector<8x4xf32>, vector<4xi32>, vector<4xi32>
    }
    %v0 = vector.extract %acc[0] : vector<4xf32> from vector<8x4xf32>
    vector.store %v0, %red[%warp, %c0_i, %lane, %c0] : memref<8x8x32x4xf32, #gpu.address_space<workgroup>>, vector<4xf32>
    %v1 = vector.extract %acc[1] : vector<4xf32> from vector<8x4xf32>
    vector.store %v1, %red[%warp, %c1_i, %lane, %c0] : memref<8x8x32x4xf32, #gpu.address_space<workgroup>>, vector<4xf32>
    %v2 = vector.extract %acc[2] : vector<4xf32> from vector<8x4xf32>
    vector.store %v2, %red[%warp, %c2_i, %lane, %c0] : memref<8x8x32x4xf32, #gpu.address_space<workgroup>>, vector<4xf32>
    %v3 = vector.extract %acc[3] : vector<4xf32> from vector<8x4xf32>
    vector.store %v3, %red[%warp, %c3_i, %lane, %c0] : memref<8x8x32x4xf32, #gpu.address_space<workgroup>>, vector<4xf32>
    %v4 = vector.extract %acc[4] : vector<4xf32> from vector<8x4xf32>
    vector.store %v4, %red[%warp, %c4_i, %lane, %c0] : memref<8x8x32x4xf32, #gpu.address_space<workgroup>>, vector<4xf32>
    %v5 = vector.extract %acc[5] : vector<4xf32> from vector<8x4xf32>
    vector.store %v5, %red[%warp, %c5_i, %lane, %c0] : memref<8x8x32x4xf32, #gpu.address_space<workgroup>>, vector<4xf32>
    %v6 = vector.extract %acc[6] : vector<4xf32> from vector<8x4xf32>
    vector.store %v6, %red[%warp, %c6_i, %lane, %c0] : memref<8x8x32x4xf32, #gpu.address_space<workgroup>>, vector<4xf32>
    %v7 = vector.extract %acc[7] : vector<4xf32> from vector<8x4xf32>
    vector.store %v7, %red[%warp, %c7_i, %lane, %c0] : memref<8x8x32x4xf32, #gpu.address_space<workgroup>>, vector<4xf32>
    gpu.barrier
    // Warp w sums n-tile w over the 8 warps and stores it: lane (g, t) holds
    // C[g][2t..2t+1] and C[g+8][2t..2t+1] of the tile.
    %mine = arith.cmpi ult, %warp, %ntiles : index
    scf.if %mine {
      %zero = arith.constant 0.0 : f32
      %sum:4 = scf.for %w = %c0 to %c8 step %c1
          iter_args(%s0 = %zero, %s1 = %zero, %s2 = %zero, %s3 = %zero) -> (f32, f32, f32, f32) {
        %e0 = memref.load %red[%w, %warp, %lane, %c0] : memref<8x8x32x4xf32, #gpu.address_space<workgroup>>
        %e1 = memref.load %red[%w, %warp, %lane, %c1] : memref<8x8x32x4xf32, #gpu.address_space<workgroup>>
        %e2 = memref.load %red[%w, %warp, %lane, %c2] : memref<8x8x32x4xf32, #gpu.address_space<workgroup>>
        %e3 = memref.load %red[%w, %warp, %lane, %c3] : memref<8x8x32x4xf32, #gpu.address_space<workgroup>>
        %n0 = arith.addf %s0, %e0 : f32
        %n1 = arith.addf %s1, %e1 : f32
        %n2 = arith.addf %s2, %e2 : f32
        %n3 = arith.addf %s3, %e3 : f32
        scf.yield %n0, %n1, %n2, %n3 : f32, f32, f32, f32
      }
      %n0 = affine.apply affine_map<(w, t) -> (w * 8 + t * 2)>(%warp, %t)
      %n1 = arith.addi %n0, %c1 : index
      %ina = arith.cmpi ult, %rowa, %rows : index
      %inb = arith.cmpi ult, %rowb, %rows : index
      %ia0 = affine.apply affine_map<(n, r)[m, o] -> (o + n * m + r)>(%n0, %rowa)[%rows, %yoff]
      %ia1 = affine.apply affine_map<(n, r)[m, o] -> (o + n * m + r)>(%n1, %rowa)[%rows, %yoff]
      %ib0 = affine.apply affine_map<(n, r)[m, o] -> (o + n * m + r)>(%n0, %rowb)[%rows, %yoff]
      %ib1 = affine.apply affine_map<(n, r)[m, o] -> (o + n * m + r)>(%n1, %rowb)[%rows, %yoff]
      func.call @store_if(%y, %ia0, %sum#0, %ina) : (memref<?xf16>, index, f32, i1) -> ()
      func.call @store_if(%y, %ia1, %sum#1, %ina) : (memref<?xf16>, index, f32, i1) -> ()
      func.call @store_if(%y, %ib0, %sum#2, %inb) : (memref<?xf16>, index, f32, i1) -> ()
      func.call @store_if(%y, %ib1, %sum#3, %inb) : (memref<?xf16>, index, f32, i1) -> ()
    }
    return
  }

  // Lane t's 16 bytes of 128-column chunk c of a row whose lane-t word
  // index is `at`.
  func.func private @load_chunk(%qw: memref<?xi32>, %at: index, %c: index)
      -> vector<4xi32> {
    %i = affine.apply affine_map<(a, c) -> (a + c * 16)>(%at, %c)
    %w = vector.load %qw[%i] {alignment = 16} : memref<?xi32>, vector<4xi32>
    return %w : vector<4xi32>
  }

  // acc + scale * (mma - C - z S) for one row and chunk of @gemv_int4_tc.
  func.func private @tc_row(%sh: f16, %zbyte: i8, %has_zeros: i32,
                            %gi: index, %mma: f32, %cc: f32, %ss: f32,
                            %acc: f32) -> f32 {
    %sc = arith.extf %sh : f16 to f32
    %z = func.call @nibble_of(%zbyte, %has_zeros, %gi) : (i8, i32, index) -> i16
    %zf = arith.uitofp %z : i16 to f32
    %d = arith.subf %mma, %cc : f32
    %nz = arith.negf %zf : f32
    %e = math.fma %nz, %ss, %d : f32
    %r2 = math.fma %sc, %e, %acc : f32
    return %r2 : f32
  }

  // 2^a per element with ex2.approx.ftz.f32 (inline PTX).
  func.func private @ex2x8(%a: vector<8xf32>) -> vector<8xf32> {
    %a0 = vector.extract %a[0] : f32 from vector<8xf32>
    %e0 = llvm.inline_asm asm_dialect = att "ex2.approx.ftz.f32 $0, $1;", "=f,f" %a0 : (f32) -> f32
    %a1 = vector.extract %a[1] : f32 from vector<8xf32>
    %e1 = llvm.inline_asm asm_dialect = att "ex2.approx.ftz.f32 $0, $1;", "=f,f" %a1 : (f32) -> f32
    %a2 = vector.extract %a[2] : f32 from vector<8xf32>
    %e2 = llvm.inline_asm asm_dialect = att "ex2.approx.ftz.f32 $0, $1;", "=f,f" %a2 : (f32) -> f32
    %a3 = vector.extract %a[3] : f32 from vector<8xf32>
    %e3 = llvm.inline_asm asm_dialect = att "ex2.approx.ftz.f32 $0, $1;", "=f,f" %a3 : (f32) -> f32
    %a4 = vector.extract %a[4] : f32 from vector<8xf32>
    %e4 = llvm.inline_asm asm_dialect = att "ex2.approx.ftz.f32 $0, $1;", "=f,f" %a4 : (f32) -> f32
    %a5 = vector.extract %a[5] : f32 from vector<8xf32>
    %e5 = llvm.inline_asm asm_dialect = att "ex2.approx.ftz.f32 $0, $1;", "=f,f" %a5 : (f32) -> f32
    %a6 = vector.extract %a[6] : f32 from vector<8xf32>
    %e6 = llvm.inline_asm asm_dialect = att "ex2.approx.ftz.f32 $0, $1;", "=f,f" %a6 : (f32) -> f32
    %a7 = vector.extract %a[7] : f32 from vector<8xf32>
    %e7 = llvm.inline_asm asm_dialect = att "ex2.approx.ftz.f32 $0, $1;", "=f,f" %a7 : (f32) -> f32
    %r = vector.from_elements %e0, %e1, %e2, %e3, %e4, %e5, %e6, %e7 : vector<8xf32>
    return %r : vector<8xf32>
  }

  // x[xo..xo+7], or with %silu (a constant once inlined) the SwiGLU
  // silu(g) * u of g = x[xo..], u = x[cols + xo..] in f32, rounded to f16
  // like the separate activation kernel it replaces.
  func.func private @tc_input(%x: memref<?xf16>, %xo: index, %cols: index,
                              %silu: i1) -> vector<8xf16> {
    %g = vector.load %x[%xo] {alignment = 16} : memref<?xf16>, vector<8xf16>
    %r = scf.if %silu -> (vector<8xf16>) {
      %uo = arith.addi %xo, %cols : index
      %u = vector.load %x[%uo] {alignment = 16} : memref<?xf16>, vector<8xf16>
      %gf = arith.extf %g : vector<8xf16> to vector<8xf32>
      %uf = arith.extf %u : vector<8xf16> to vector<8xf32>
      // exp(-g) as 2^(-g log2 e) with ex2.approx (the NVVM lowering of
      // math.exp2 wants libdevice).
      %nl2e = arith.constant dense<-1.44269504> : vector<8xf32>
      %one = arith.constant dense<1.0> : vector<8xf32>
      %a = arith.mulf %gf, %nl2e : vector<8xf32>
      %e = func.call @ex2x8(%a) : (vector<8xf32>) -> vector<8xf32>
      %den = arith.addf %e, %one : vector<8xf32>
      %sg = arith.divf %gf, %den : vector<8xf32>
      %m = arith.mulf %sg, %uf : vector<8xf32>
      %h = arith.truncf %m : vector<8xf32> to vector<8xf16>
      scf.yield %h : vector<8xf16>
    } else {
      scf.yield %g : vector<8xf16>
    }
    return %r : vector<8xf16>
  }

  // Sum over each aligned group of 16 lanes.
  func.func private @half_warp_sum(%v: f32) -> f32 {
    %w = arith.constant 32 : i32
    %o8 = arith.constant 8 : i32
    %o4 = arith.constant 4 : i32
    %o2 = arith.constant 2 : i32
    %o1 = arith.constant 1 : i32
    %b, %p1 = gpu.shuffle xor %v, %o8, %w : f32
    %s1 = arith.addf %v, %b : f32
    %c, %p2 = gpu.shuffle xor %s1, %o4, %w : f32
    %s2 = arith.addf %s1, %c : f32
    %d, %p3 = gpu.shuffle xor %s2, %o2, %w : f32
    %s3 = arith.addf %s2, %d : f32
    %e, %p4 = gpu.shuffle xor %s3, %o1, %w : f32
    %s4 = arith.addf %s3, %e : f32
    return %s4 : f32
  }

  // y = W x on the tensor cores with the zero point taken out of the
  // dequantization (decode, batch 1). The mma multiplies the raw
  // @raw_pairs values (1024 + q, or 1024 + 16q for odd columns) by x
  // regrouped as @load_xp does, with odd columns pre-divided by 16, so per
  // 128-column chunk c of a row
  //   sum (q - z) x = mma - C[c] - z S[c],
  //   C[c] = sum_k (k even ? 1024 : 64) x[k],   S[c] = sum_k x[k],
  // and a dequantized word costs one shift and four lop3 (no f16 math); C
  // and S are f32, the mma accumulates in f32 (cancellation of the 1024
  // offset costs ~8 of its 24 bits). The block first stages x, regrouped
  // and scaled, and C, S in shared memory (every warp's B operands come
  // from there: no x loads or permutes in the loop) while the first two
  // weight chunks of each warp are already loading; in the loop each warp
  // keeps the next two chunks in flight. 8 warps split K of an m16 tile.
  // Block 256 threads, grid ceil(rows / 16); needs cols % 128 == 0,
  // cols <= 16384 (the x stage; larger rows leave y unwritten) and group a
  // power of two >= 128. minctasm = 3: 24 warps per SM.
  func.func private @gemv_tc_body(%qw: memref<?xi32>, %scales: memref<?xf16>,
                                  %zeros: memref<?xi8>, %x: memref<?xf16>,
                                  %y: memref<?xf16>, %rows: index, %cols: index,
                                  %group: index, %has_zeros: i32,
                                  %xs: memref<16384xf16, #gpu.address_space<workgroup>>,
                                  %cs: memref<128x2xf32, #gpu.address_space<workgroup>>,
                                  %red: memref<8x16xf32, #gpu.address_space<workgroup>>,
                                  %silu: i1)
      attributes {passthrough = ["alwaysinline"]} {
    func.call @release_dependents() : () -> ()
    func.call @await_prerequisites() : () -> ()
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %c32 = arith.constant 32 : index
    %c128 = arith.constant 128 : index
    %true = arith.constant true
    %fzero = arith.constant 0.0 : f32
    %tid = gpu.thread_id x
    %bid = gpu.block_id x
    %lane = arith.remui %tid, %c32 : index
    %warp = arith.divui %tid, %c32 : index
    %g = arith.divui %lane, %c4 : index
    %t = arith.remui %lane, %c4 : index
    %last = arith.subi %rows, %c1 : index
    %rowa = affine.apply affine_map<(b, g) -> (b * 16 + g)>(%bid, %g)
    %rowb = arith.addi %rowa, %c8 : index
    %ra = arith.minui %rowa, %last : index
    %rb = arith.minui %rowb, %last : index
    %nvec = arith.divui %cols, %c32 : index
    %nchunks = arith.divui %cols, %c128 : index
    %lastc = arith.subi %nchunks, %c1 : index
    %ngroups = arith.divui %cols, %group : index
    %cpg = arith.divui %group, %c128 : index
    %gshift = math.cttz %cpg : index
    %zrow = affine.apply affine_map<(g) -> ((g + 1) floordiv 2)>(%ngroups)
    // i32 word index of lane t's 16 bytes of chunk c in rows ra, rb.
    %wa_at = affine.apply affine_map<(r, t)[n] -> ((r * n + t) * 4)>(%ra, %t)[%nvec]
    %wb_at = affine.apply affine_map<(r, t)[n] -> ((r * n + t) * 4)>(%rb, %t)[%nvec]
    %k0 = arith.minui %warp, %lastc : index
    %k1i = arith.addi %warp, %c8 : index
    %k1 = arith.minui %k1i, %lastc : index
    %wa0 = func.call @load_chunk(%qw, %wa_at, %k0) : (memref<?xi32>, index, index) -> vector<4xi32>
    %wb0 = func.call @load_chunk(%qw, %wb_at, %k0) : (memref<?xi32>, index, index) -> vector<4xi32>
    %wa1 = func.call @load_chunk(%qw, %wa_at, %k1) : (memref<?xi32>, index, index) -> vector<4xi32>
    %wb1 = func.call @load_chunk(%qw, %wb_at, %k1) : (memref<?xi32>, index, index) -> vector<4xi32>
    %m0:2 = func.call @chunk_meta(%scales, %zeros, %has_zeros, %ra, %rb, %k0, %gshift, %ngroups, %zrow) : (memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index) -> (vector<2xf16>, vector<2xi8>)
    %m1:2 = func.call @chunk_meta(%scales, %zeros, %has_zeros, %ra, %rb, %k1, %gshift, %ngroups, %zrow) : (memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index) -> (vector<2xf16>, vector<2xi8>)

    // Stage x: thread i regroups 8-value vectors i, i + 256, ...; the 16
    // threads of a chunk reduce its C and S with shuffles (every lane runs
    // every round, so the shuffles never diverge).
    %scale_odd = arith.constant dense<[1.0, 1.0, 6.250000e-02, 6.250000e-02, 1.0, 1.0, 6.250000e-02, 6.250000e-02]> : vector<8xf16>
    %cw = arith.constant dense<[1024.0, 64.0, 1024.0, 64.0, 1024.0, 64.0, 1024.0, 64.0]> : vector<8xf32>
    %nx8 = arith.divui %cols, %c8 : index
    %rounds = affine.apply affine_map<(n) -> ((n + 255) floordiv 256)>(%nx8)
    %lastx = arith.subi %nx8, %c1 : index
    scf.for %it = %c0 to %rounds step %c1 {
      %v = affine.apply affine_map<(i, t) -> (i * 256 + t)>(%it, %tid)
      %inx = arith.cmpi ult, %v, %nx8 : index
      %vc = arith.minui %v, %lastx : index
      %xo = arith.muli %vc, %c8 : index
      %xv = func.call @tc_input(%x, %xo, %cols, %silu) : (memref<?xf16>, index, index, i1) -> vector<8xf16>
      %xg = vector.shuffle %xv, %xv [0, 4, 1, 5, 2, 6, 3, 7] : vector<8xf16>, vector<8xf16>
      %xq = arith.mulf %xg, %scale_odd : vector<8xf16>
      %xf = arith.extf %xv : vector<8xf16> to vector<8xf32>
      %xw = arith.mulf %xf, %cw : vector<8xf32>
      %cp = vector.reduction <add>, %xw : vector<8xf32> into f32
      %sp = vector.reduction <add>, %xf : vector<8xf32> into f32
      %csum = func.call @half_warp_sum(%cp) : (f32) -> f32
      %ssum = func.call @half_warp_sum(%sp) : (f32) -> f32
      scf.if %inx {
        vector.store %xq, %xs[%xo] : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
        %sub = arith.remui %tid, %c16 : index
        %head = arith.cmpi eq, %sub, %c0 : index
        scf.if %head {
          %ch = arith.divui %v, %c16 : index
          memref.store %csum, %cs[%ch, %c0] : memref<128x2xf32, #gpu.address_space<workgroup>>
          memref.store %ssum, %cs[%ch, %c1] : memref<128x2xf32, #gpu.address_space<workgroup>>
        }
      }
    }
    gpu.barrier

    %res:10 = scf.for %c = %warp to %nchunks step %c8
        iter_args(%oa = %fzero, %ob = %fzero, %wa = %wa0, %wb = %wb0,
                  %na = %wa1, %nb = %wb1, %s2 = %m0#0, %z2 = %m0#1,
                  %ns2 = %m1#0, %nz2 = %m1#1)
        -> (f32, f32, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>,
            vector<2xf16>, vector<2xi8>, vector<2xf16>, vector<2xi8>) {
      // Weights, scales and zero bytes two chunks ahead; past the end the
      // last chunk is reloaded.
      %cn = arith.addi %c, %c16 : index
      %cnc = arith.minui %cn, %lastc : index
      %wa2 = func.call @load_chunk(%qw, %wa_at, %cnc) : (memref<?xi32>, index, index) -> vector<4xi32>
      %wb2 = func.call @load_chunk(%qw, %wb_at, %cnc) : (memref<?xi32>, index, index) -> vector<4xi32>
      %m2:2 = func.call @chunk_meta(%scales, %zeros, %has_zeros, %ra, %rb, %cnc, %gshift, %ngroups, %zrow) : (memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index) -> (vector<2xf16>, vector<2xi8>)
      %xo = affine.apply affine_map<(c, t) -> (c * 128 + t * 32)>(%c, %t)
      %x0 = vector.load %xs[%xo] : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
      %xo1 = arith.addi %xo, %c8 : index
      %x1 = vector.load %xs[%xo1] : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
      %xo2 = arith.addi %xo, %c16 : index
      %x2 = vector.load %xs[%xo2] : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
      %xo3 = arith.addi %xo1, %c16 : index
      %x3 = vector.load %xs[%xo3] : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
      %x01 = vector.shuffle %x0, %x1 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xf16>, vector<8xf16>
      %x23 = vector.shuffle %x2, %x3 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xf16>, vector<8xf16>
      %xp = vector.shuffle %x01, %x23 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31] : vector<16xf16>, vector<16xf16>
      %pa:4 = func.call @raw_pairs(%wa) : (vector<4xi32>) -> (vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>)
      %pb:4 = func.call @raw_pairs(%wb) : (vector<4xi32>) -> (vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>)
      %m:2 = func.call @join_pairs(%pa#0, %pa#1, %pa#2, %pa#3, %pb#0, %pb#1, %pb#2, %pb#3) : (vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) -> (vector<32xf16>, vector<32xf16>)
      %part = func.call @mma_chunk(%m#0, %m#1, %xp, %true) : (vector<32xf16>, vector<32xf16>, vector<32xf16>, i1) -> vector<2x2xf32>
      // Every column of the n8 tile saw x: c[0][0] is row g, c[1][0] row g+8.
      %pa0 = vector.extract %part[0, 0] : f32 from vector<2x2xf32>
      %pb0 = vector.extract %part[1, 0] : f32 from vector<2x2xf32>
      %cc = memref.load %cs[%c, %c0] : memref<128x2xf32, #gpu.address_space<workgroup>>
      %ss = memref.load %cs[%c, %c1] : memref<128x2xf32, #gpu.address_space<workgroup>>
      %gi = arith.shrui %c, %gshift : index
      %sa = vector.extract %s2[0] : f16 from vector<2xf16>
      %sb = vector.extract %s2[1] : f16 from vector<2xf16>
      %za = vector.extract %z2[0] : i8 from vector<2xi8>
      %zb = vector.extract %z2[1] : i8 from vector<2xi8>
      %oa2 = func.call @tc_row(%sa, %za, %has_zeros, %gi, %pa0, %cc, %ss, %oa) : (f16, i8, i32, index, f32, f32, f32, f32) -> f32
      %ob2 = func.call @tc_row(%sb, %zb, %has_zeros, %gi, %pb0, %cc, %ss, %ob) : (f16, i8, i32, index, f32, f32, f32, f32) -> f32
      scf.yield %oa2, %ob2, %na, %nb, %wa2, %wb2, %ns2, %nz2, %m2#0, %m2#1 : f32, f32, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>, vector<2xf16>, vector<2xi8>
    }
    // Lane (g, 0) holds rows g and g + 8 of its warp's K slice.
    %t0 = arith.cmpi eq, %t, %c0 : index
    scf.if %t0 {
      %gb = arith.addi %g, %c8 : index
      memref.store %res#0, %red[%warp, %g] : memref<8x16xf32, #gpu.address_space<workgroup>>
      memref.store %res#1, %red[%warp, %gb] : memref<8x16xf32, #gpu.address_space<workgroup>>
    }
    gpu.barrier
    %row = affine.apply affine_map<(b, t) -> (b * 16 + t)>(%bid, %tid)
    %mine = arith.cmpi ult, %tid, %c16 : index
    %inr = arith.cmpi ult, %row, %rows : index
    %st = arith.andi %mine, %inr : i1
    scf.if %st {
      %sum = scf.for %w = %c0 to %c8 step %c1 iter_args(%a = %fzero) -> (f32) {
        %e = memref.load %red[%w, %tid] : memref<8x16xf32, #gpu.address_space<workgroup>>
        %n = arith.addf %a, %e : f32
        scf.yield %n : f32
      }
      %h = arith.truncf %sum : f32 to f16
      memref.store %h, %y[%row] : memref<?xf16>
    }
    return
  }

  gpu.func @gemv_int4_tc(%qw: memref<?xi32>, %scales: memref<?xf16>,
                         %zeros: memref<?xi8>, %x: memref<?xf16>,
                         %y: memref<?xf16>, %rows: index, %cols: index,
                         %group: index, %has_zeros: i32)
      workgroup(%xs: memref<16384xf16, #gpu.address_space<workgroup>>,
                %cs: memref<128x2xf32, #gpu.address_space<workgroup>>,
                %red: memref<8x16xf32, #gpu.address_space<workgroup>>)
      kernel attributes {known_block_size = array<i32: 256, 1, 1>,
                         nvvm.minctasm = 3 : i32} {
    %cmax = arith.constant 16384 : index
    %fits = arith.cmpi ule, %cols, %cmax : index
    scf.if %fits {
      %false = arith.constant false
      func.call @gemv_tc_body(%qw, %scales, %zeros, %x, %y, %rows, %cols, %group, %has_zeros, %xs, %cs, %red, %false) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, memref<?xf16>, memref<?xf16>, index, index, index, i32, memref<16384xf16, #gpu.address_space<workgroup>>, memref<128x2xf32, #gpu.address_space<workgroup>>, memref<8x16xf32, #gpu.address_space<workgroup>>, i1) -> ()
    }
    gpu.return
  }

  // y = W (silu(g) * u) with x = [g; u] of 2 * cols values (the gate/up
  // GEMV's output): @gemv_int4_tc with the SwiGLU activation of the FFN
  // computed while x is staged, so the decode needs no kernel for it.
  // Same launch and limits as @gemv_int4_tc; x holds 2 * cols values. The
  // activation's registers would spill under the cap of 80, so 2 blocks per
  // SM (at 4096 rows all 256 blocks are resident either way).
  gpu.func @gemv_int4_tc_silu(%qw: memref<?xi32>, %scales: memref<?xf16>,
                              %zeros: memref<?xi8>, %x: memref<?xf16>,
                              %y: memref<?xf16>, %rows: index, %cols: index,
                              %group: index, %has_zeros: i32)
      workgroup(%xs: memref<16384xf16, #gpu.address_space<workgroup>>,
                %cs: memref<128x2xf32, #gpu.address_space<workgroup>>,
                %red: memref<8x16xf32, #gpu.address_space<workgroup>>)
      kernel attributes {known_block_size = array<i32: 256, 1, 1>,
                         nvvm.minctasm = 2 : i32} {
    %cmax = arith.constant 16384 : index
    %fits = arith.cmpi ule, %cols, %cmax : index
    scf.if %fits {
      %true = arith.constant true
      func.call @gemv_tc_body(%qw, %scales, %zeros, %x, %y, %rows, %cols, %group, %has_zeros, %xs, %cs, %red, %true) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, memref<?xf16>, memref<?xf16>, index, index, index, i32, memref<16384xf16, #gpu.address_space<workgroup>>, memref<128x2xf32, #gpu.address_space<workgroup>>, memref<8x16xf32, #gpu.address_space<workgroup>>, i1) -> ()
    }
    gpu.return
  }

  // Y = X W^T for a batch that is a multiple of `tile` (8, 16, 32 or 64):
  // grid (ceil(rows / 16), batch / tile). The tile is a constant of each
  // kernel, so the n-tile branches of @gemm_body fold away once inlined.
  // minctasm caps registers without spilling: n8 at 80 (3 blocks per SM),
  // n16 and n32 at 128 (2 blocks); n64 needs ~234 and runs 1 block per SM.
  gpu.func @gemm_int4_n8(%qw: memref<?xi32>, %scales: memref<?xf16>,
                          %zeros: memref<?xi8>, %x: memref<?xf16>,
                          %y: memref<?xf16>, %rows: index, %cols: index,
                          %group: index, %has_zeros: i32)
      workgroup(%red: memref<8x8x32x4xf32, #gpu.address_space<workgroup>>)
      kernel attributes {known_block_size = array<i32: 256, 1, 1>,
                         nvvm.minctasm = 3 : i32} {
    %tile = arith.constant 8 : index
    %ntiles = arith.constant 1 : index
    %by = gpu.block_id y
    %n0 = arith.muli %by, %tile : index
    %xoff = arith.muli %n0, %cols : index
    %yoff = arith.muli %n0, %rows : index
    func.call @gemm_body(%qw, %scales, %zeros, %x, %y, %rows, %cols, %group, %has_zeros, %red, %ntiles, %xoff, %yoff) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, memref<?xf16>, memref<?xf16>, index, index, index, i32, memref<8x8x32x4xf32, #gpu.address_space<workgroup>>, index, index, index) -> ()
    gpu.return
  }

  gpu.func @gemm_int4_n16(%qw: memref<?xi32>, %scales: memref<?xf16>,
                          %zeros: memref<?xi8>, %x: memref<?xf16>,
                          %y: memref<?xf16>, %rows: index, %cols: index,
                          %group: index, %has_zeros: i32)
      workgroup(%red: memref<8x8x32x4xf32, #gpu.address_space<workgroup>>)
      kernel attributes {known_block_size = array<i32: 256, 1, 1>,
                         nvvm.minctasm = 2 : i32} {
    %tile = arith.constant 16 : index
    %ntiles = arith.constant 2 : index
    %by = gpu.block_id y
    %n0 = arith.muli %by, %tile : index
    %xoff = arith.muli %n0, %cols : index
    %yoff = arith.muli %n0, %rows : index
    func.call @gemm_body(%qw, %scales, %zeros, %x, %y, %rows, %cols, %group, %has_zeros, %red, %ntiles, %xoff, %yoff) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, memref<?xf16>, memref<?xf16>, index, index, index, i32, memref<8x8x32x4xf32, #gpu.address_space<workgroup>>, index, index, index) -> ()
    gpu.return
  }

  gpu.func @gemm_int4_n32(%qw: memref<?xi32>, %scales: memref<?xf16>,
                          %zeros: memref<?xi8>, %x: memref<?xf16>,
                          %y: memref<?xf16>, %rows: index, %cols: index,
                          %group: index, %has_zeros: i32)
      workgroup(%red: memref<8x8x32x4xf32, #gpu.address_space<workgroup>>)
      kernel attributes {known_block_size = array<i32: 256, 1, 1>,
                         nvvm.minctasm = 2 : i32} {
    %tile = arith.constant 32 : index
    %ntiles = arith.constant 4 : index
    %by = gpu.block_id y
    %n0 = arith.muli %by, %tile : index
    %xoff = arith.muli %n0, %cols : index
    %yoff = arith.muli %n0, %rows : index
    func.call @gemm_body(%qw, %scales, %zeros, %x, %y, %rows, %cols, %group, %has_zeros, %red, %ntiles, %xoff, %yoff) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, memref<?xf16>, memref<?xf16>, index, index, index, i32, memref<8x8x32x4xf32, #gpu.address_space<workgroup>>, index, index, index) -> ()
    gpu.return
  }

  gpu.func @gemm_int4_n64(%qw: memref<?xi32>, %scales: memref<?xf16>,
                          %zeros: memref<?xi8>, %x: memref<?xf16>,
                          %y: memref<?xf16>, %rows: index, %cols: index,
                          %group: index, %has_zeros: i32)
      workgroup(%red: memref<8x8x32x4xf32, #gpu.address_space<workgroup>>)
      kernel attributes {known_block_size = array<i32: 256, 1, 1>,
                         nvvm.minctasm = 1 : i32} {
    %tile = arith.constant 64 : index
    %ntiles = arith.constant 8 : index
    %by = gpu.block_id y
    %n0 = arith.muli %by, %tile : index
    %xoff = arith.muli %n0, %cols : index
    %yoff = arith.muli %n0, %rows : index
    func.call @gemm_body(%qw, %scales, %zeros, %x, %y, %rows, %cols, %group, %has_zeros, %red, %ntiles, %xoff, %yoff) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, memref<?xf16>, memref<?xf16>, index, index, index, i32, memref<8x8x32x4xf32, #gpu.address_space<workgroup>>, index, index, index) -> ()
    gpu.return
  }

  // ---- Split-K GEMM for small batches (gemm_int4_sk8 / _sk16) ----------
  // One step of a @gemm_sk_body warp: lane t's 16 bytes of 128-column
  // chunk c in each of the four rows it covers (g and g + 8 of its two m16
  // tiles: ra0, rb0, ra1, rb1, clamped into the matrix; their words of
  // chunk 0 at w*b, chunks cstride words apart), with their scales and zero
  // bytes.
  func.func private @sk_load(%qw: memref<?xi32>, %scales: memref<?xf16>,
                             %zeros: memref<?xi8>, %has_zeros: i32,
                             %ra0: index, %rb0: index, %ra1: index, %rb1: index,
                             %wa0b: index, %wb0b: index, %wa1b: index, %wb1b: index,
                             %c: index, %cstride: index, %gshift: index,
                             %ngroups: index, %zrow: index)
      -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>,
          vector<2xf16>, vector<2xi8>, vector<2xf16>, vector<2xi8>) {
    %co = arith.muli %c, %cstride : index
    %ia0 = arith.addi %wa0b, %co : index
    %ib0 = arith.addi %wb0b, %co : index
    %ia1 = arith.addi %wa1b, %co : index
    %ib1 = arith.addi %wb1b, %co : index
    %wa0 = vector.load %qw[%ia0] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %wb0 = vector.load %qw[%ib0] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %wa1 = vector.load %qw[%ia1] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %wb1 = vector.load %qw[%ib1] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %s0, %z0 = func.call @chunk_meta(%scales, %zeros, %has_zeros, %ra0, %rb0, %c, %gshift, %ngroups, %zrow) : (memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index) -> (vector<2xf16>, vector<2xi8>)
    %s1, %z1 = func.call @chunk_meta(%scales, %zeros, %has_zeros, %ra1, %rb1, %c, %gshift, %ngroups, %zrow) : (memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index) -> (vector<2xf16>, vector<2xi8>)
    return %wa0, %wb0, %wa1, %wb1, %s0, %z0, %s1, %z1 : vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>, vector<2xf16>, vector<2xi8>
  }

  // The word offset of lane t's 16 bytes of chunk 0 in row r, and the
  // words from one chunk to the next: in the canonical layout, or (%tiled)
  // in the m16-tiled copy of the weight (README.md), where the 1 KB of
  // (16-row tile, chunk) is contiguous as [row half (g or g + 8)][lane][16
  // bytes], so each load instruction of a warp reads 512 contiguous bytes
  // and a warp's steps read on in order.
  func.func private @sk_word(%r: index, %t: index, %nvec: index,
                             %tiled: i1) -> (index, index) {
    %c16 = arith.constant 16 : index
    %c256 = arith.constant 256 : index
    %plain = affine.apply affine_map<(r, t)[n] -> ((r * n + t) * 4)>(%r, %t)[%nvec]
    %tile = affine.apply affine_map<(r, t)[n] -> (((r floordiv 16) * (n floordiv 4) * 2 + (r mod 16) floordiv 8) * 128 + ((r mod 8) * 4 + t) * 4)>(%r, %t)[%nvec]
    %w = arith.select %tiled, %tile, %plain : index
    %stride = arith.select %tiled, %c256, %c16 : index
    return %w, %stride : index, index
  }

  // Offset in @gemm_sk_body's x stage of part p (8 values) of lane l's
  // fragment of chunk-and-n-tile slot jn: lane-minor, so one 16-byte read
  // of a warp is 512 contiguous bytes.
  func.func private @sk_slot(%jn: index, %p: index, %l: index) -> index {
    %o = affine.apply affine_map<(j, p, l) -> (((j * 4 + p) * 32 + l) * 8)>(%jn, %p, %l)
    return %o : index
  }

  // Lane l's B fragments (32 values, ordered as @load_xp) of slot jn.
  func.func private @sk_xfrag(%xs: memref<16384xf16, #gpu.address_space<workgroup>>,
                              %jn: index, %l: index) -> vector<32xf16> {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %o0 = func.call @sk_slot(%jn, %c0, %l) : (index, index, index) -> index
    %o1 = func.call @sk_slot(%jn, %c1, %l) : (index, index, index) -> index
    %o2 = func.call @sk_slot(%jn, %c2, %l) : (index, index, index) -> index
    %o3 = func.call @sk_slot(%jn, %c3, %l) : (index, index, index) -> index
    %p0 = vector.load %xs[%o0] {alignment = 16} : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
    %p1 = vector.load %xs[%o1] {alignment = 16} : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
    %p2 = vector.load %xs[%o2] {alignment = 16} : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
    %p3 = vector.load %xs[%o3] {alignment = 16} : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
    %p01 = vector.shuffle %p0, %p1 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xf16>, vector<8xf16>
    %p23 = vector.shuffle %p2, %p3 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xf16>, vector<8xf16>
    %xp = vector.shuffle %p01, %p23 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31] : vector<16xf16>, vector<16xf16>
    return %xp : vector<32xf16>
  }

  // One m16 tile's chunk against one or two n-tiles (%two, a constant once
  // inlined): acc[n] += scale * (q - zero) . x per row, as @gemm_body. The
  // B fragments come from the stage slots jn0, jn0 + 1 when needed, so at
  // most one is live (16 registers fewer for _sk16 than keeping both).
  func.func private @sk_tile(%wa: vector<4xi32>, %wb: vector<4xi32>,
                             %s2: vector<2xf16>, %z2: vector<2xi8>,
                             %has_zeros: i32, %gi: index,
                             %xs: memref<16384xf16, #gpu.address_space<workgroup>>,
                             %jn0: index, %lane: index,
                             %two: i1, %acc: vector<2x4xf32>) -> vector<2x4xf32> {
    %za8 = vector.extract %z2[0] : i8 from vector<2xi8>
    %zb8 = vector.extract %z2[1] : i8 from vector<2xi8>
    %za = func.call @bias_of(%za8, %has_zeros, %gi) : (i8, i32, index) -> vector<8xf16>
    %zb = func.call @bias_of(%zb8, %has_zeros, %gi) : (i8, i32, index) -> vector<8xf16>
    %m:2 = func.call @chunk_pairs(%wa, %wb, %za, %zb) : (vector<4xi32>, vector<4xi32>, vector<8xf16>, vector<8xf16>) -> (vector<32xf16>, vector<32xf16>)
    %sf = arith.extf %s2 : vector<2xf16> to vector<2xf32>
    %scale = vector.shuffle %sf, %sf [0, 0, 1, 1] : vector<2xf32>, vector<2xf32>
    %true = arith.constant true
    %one = arith.xori %two, %true : i1
    %x0 = func.call @sk_xfrag(%xs, %jn0, %lane) : (memref<16384xf16, #gpu.address_space<workgroup>>, index, index) -> vector<32xf16>
    %p0 = func.call @mma_chunk(%m#0, %m#1, %x0, %one) : (vector<32xf16>, vector<32xf16>, vector<32xf16>, i1) -> vector<2x2xf32>
    %f0 = vector.shape_cast %p0 : vector<2x2xf32> to vector<4xf32>
    %o0 = vector.extract %acc[0] : vector<4xf32> from vector<2x4xf32>
    %n0 = math.fma %f0, %scale, %o0 : vector<4xf32>
    %a0 = vector.insert %n0, %acc [0] : vector<4xf32> into vector<2x4xf32>
    %a1 = scf.if %two -> (vector<2x4xf32>) {
      %false = arith.constant false
      %c1 = arith.constant 1 : index
      %jn1 = arith.addi %jn0, %c1 : index
      %x1 = func.call @sk_xfrag(%xs, %jn1, %lane) : (memref<16384xf16, #gpu.address_space<workgroup>>, index, index) -> vector<32xf16>
      %p1 = func.call @mma_chunk(%m#0, %m#1, %x1, %false) : (vector<32xf16>, vector<32xf16>, vector<32xf16>, i1) -> vector<2x2xf32>
      %f1 = vector.shape_cast %p1 : vector<2x2xf32> to vector<4xf32>
      %o1 = vector.extract %a0[1] : vector<4xf32> from vector<2x4xf32>
      %n1 = math.fma %f1, %scale, %o1 : vector<4xf32>
      %r = vector.insert %n1, %a0 [1] : vector<4xf32> into vector<2x4xf32>
      scf.yield %r : vector<2x4xf32>
    } else {
      scf.yield %a0 : vector<2x4xf32>
    }
    return %a1 : vector<2x4xf32>
  }

  // ws[i .. i+1] = (v0, v1) where p holds.
  func.func private @sk_store_pair(%ws: memref<?xf32>, %i: index, %v0: f32, %v1: f32, %p: i1) {
    scf.if %p {
      %v = vector.from_elements %v0, %v1 : vector<2xf32>
      vector.store %v, %ws[%i] {alignment = 8} : memref<?xf32>, vector<2xf32>
    }
    return
  }

  // A tile's partial sums (C fragment: rows g, g + 8 x batch columns 2t,
  // 2t + 1 of each n-tile) into this slice's part of the workspace (rows
  // ra, rb of the [R][nb] matrix at %base).
  func.func private @sk_flush(%ws: memref<?xf32>, %acc: vector<2x4xf32>,
                              %ra: index, %rb: index, %rows: index, %t: index,
                              %nb: index, %two: i1, %base: index) {
    %ina = arith.cmpi ult, %ra, %rows : index
    %inb = arith.cmpi ult, %rb, %rows : index
    %v0 = vector.extract %acc[0] : vector<4xf32> from vector<2x4xf32>
    %e0 = vector.extract %v0[0] : f32 from vector<4xf32>
    %e1 = vector.extract %v0[1] : f32 from vector<4xf32>
    %e2 = vector.extract %v0[2] : f32 from vector<4xf32>
    %e3 = vector.extract %v0[3] : f32 from vector<4xf32>
    %ia = affine.apply affine_map<(r, t)[n, o] -> (o + r * n + t * 2)>(%ra, %t)[%nb, %base]
    %ib = affine.apply affine_map<(r, t)[n, o] -> (o + r * n + t * 2)>(%rb, %t)[%nb, %base]
    func.call @sk_store_pair(%ws, %ia, %e0, %e1, %ina) : (memref<?xf32>, index, f32, f32, i1) -> ()
    func.call @sk_store_pair(%ws, %ib, %e2, %e3, %inb) : (memref<?xf32>, index, f32, f32, i1) -> ()
    scf.if %two {
      %c8 = arith.constant 8 : index
      %v1 = vector.extract %acc[1] : vector<4xf32> from vector<2x4xf32>
      %f0 = vector.extract %v1[0] : f32 from vector<4xf32>
      %f1 = vector.extract %v1[1] : f32 from vector<4xf32>
      %f2 = vector.extract %v1[2] : f32 from vector<4xf32>
      %f3 = vector.extract %v1[3] : f32 from vector<4xf32>
      %ja = arith.addi %ia, %c8 : index
      %jb = arith.addi %ib, %c8 : index
      func.call @sk_store_pair(%ws, %ja, %f0, %f1, %ina) : (memref<?xf32>, index, f32, f32, i1) -> ()
      func.call @sk_store_pair(%ws, %jb, %f2, %f3, %inb) : (memref<?xf32>, index, f32, f32, i1) -> ()
    }
    return
  }

  // The sum of the four floats at ws[i + k * stride] for the parts
  // k = 0..3 that exist (s0 + k < ks), through L2: four loads issued back
  // to back, then added, so the last block waits for one round trip per
  // four slices instead of one per slice.
  func.func private @sk_sum4_l2(%ws: memref<?xf32>, %i: index, %stride: index,
                                %s0: index, %ks: index) -> vector<4xf32> {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %z4 = arith.constant dense<0.0> : vector<4xf32>
    %last = arith.subi %ks, %c1 : index
    %s1 = arith.addi %s0, %c1 : index
    %s2 = arith.addi %s0, %c2 : index
    %s3 = arith.addi %s0, %c3 : index
    %k1 = arith.minui %s1, %last : index
    %k2 = arith.minui %s2, %last : index
    %k3 = arith.minui %s3, %last : index
    %d1 = arith.subi %k1, %s0 : index
    %d2 = arith.subi %k2, %s0 : index
    %d3 = arith.subi %k3, %s0 : index
    %i1 = affine.apply affine_map<(i, d)[s] -> (i + d * s)>(%i, %d1)[%stride]
    %i2 = affine.apply affine_map<(i, d)[s] -> (i + d * s)>(%i, %d2)[%stride]
    %i3 = affine.apply affine_map<(i, d)[s] -> (i + d * s)>(%i, %d3)[%stride]
    %v0 = func.call @sk_load4_l2(%ws, %i) : (memref<?xf32>, index) -> vector<4xf32>
    %v1 = func.call @sk_load4_l2(%ws, %i1) : (memref<?xf32>, index) -> vector<4xf32>
    %v2 = func.call @sk_load4_l2(%ws, %i2) : (memref<?xf32>, index) -> vector<4xf32>
    %v3 = func.call @sk_load4_l2(%ws, %i3) : (memref<?xf32>, index) -> vector<4xf32>
    %in1 = arith.cmpi ult, %s1, %ks : index
    %in2 = arith.cmpi ult, %s2, %ks : index
    %in3 = arith.cmpi ult, %s3, %ks : index
    %w1 = arith.select %in1, %v1, %z4 : vector<4xf32>
    %w2 = arith.select %in2, %v2, %z4 : vector<4xf32>
    %w3 = arith.select %in3, %v3, %z4 : vector<4xf32>
    %a01 = arith.addf %v0, %w1 : vector<4xf32>
    %a23 = arith.addf %w2, %w3 : vector<4xf32>
    %sum = arith.addf %a01, %a23 : vector<4xf32>
    return %sum : vector<4xf32>
  }

  // Four floats from ws[i] through L2 only (ld.global.cg): another block
  // wrote them, and this SM's L1 may hold an older copy of the line.
  func.func private @sk_load4_l2(%ws: memref<?xf32>, %i: index) -> vector<4xf32> {
    %base = memref.extract_aligned_pointer_as_index %ws : memref<?xf32> -> index
    %a = affine.apply affine_map<(b, i) -> (b + i * 4)>(%base, %i)
    %p = arith.index_castui %a : index to i64
    %r = llvm.inline_asm has_side_effects asm_dialect = att "ld.global.cg.v4.f32 {$0, $1, $2, $3}, [$4];", "=f,=f,=f,=f,l" %p : (i64) -> !llvm.struct<(f32, f32, f32, f32)>
    %x0 = llvm.extractvalue %r[0] : !llvm.struct<(f32, f32, f32, f32)>
    %x1 = llvm.extractvalue %r[1] : !llvm.struct<(f32, f32, f32, f32)>
    %x2 = llvm.extractvalue %r[2] : !llvm.struct<(f32, f32, f32, f32)>
    %x3 = llvm.extractvalue %r[3] : !llvm.struct<(f32, f32, f32, f32)>
    %v = vector.from_elements %x0, %x1, %x2, %x3 : vector<4xf32>
    return %v : vector<4xf32>
  }

  // Orders this thread's earlier global writes and atomics before its later
  // ones for the whole GPU (threadfence).
  func.func private @gpu_fence() {
    llvm.inline_asm has_side_effects asm_dialect = att "fence.acq_rel.gpu;", "~{memory}" : () -> ()
    return
  }

  // Y = X W^T for nb = 8 or 16 batch rows (%two) per grid z, split over K
  // ("split-K with fixup"): block (x, y, z) computes the 256 rows
  // 256x..256x+255 (8 warps x two m16 tiles) over the y-th of grid_dim.y
  // equal slices of the 128-column chunks, for batch rows z * nb ..; X's
  // slice is staged once per block in shared memory in fragment order and
  // serves all 16 tiles; each warp streams its rows' bytes of the slice
  // with the next two steps in flight (_sk8; one in _sk16), the first ones
  // requested before griddepcontrol.wait. Each block stores its partial
  // sums in its own part ws[z][y][R][nb] of the f32 workspace; the last
  // block of a row range (counter[z][x], atomic) adds the parts up, writes
  // y in f16 and resets the counter, so counters must be zero before the
  // first launch and stay owned by this kernel. A slice may hold at most
  // 16 / (nb / 8) chunks (the host picks grid_dim.y); a larger one makes y
  // NaN rather than wrong.
  func.func private @gemm_sk_body(%qw: memref<?xi32>, %scales: memref<?xf16>,
                                  %zeros: memref<?xi8>, %x: memref<?xf16>,
                                  %y: memref<?xf16>, %rows: index, %cols: index,
                                  %group: index, %has_zeros: i32,
                                  %ws: memref<?xf32>, %counters: memref<?xi32>,
                                  %xs: memref<16384xf16, #gpu.address_space<workgroup>>,
                                  %flag: memref<1xi32, #gpu.address_space<workgroup>>,
                                  %two: i1, %tiled: i1)
      attributes {passthrough = ["alwaysinline"]} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %c32 = arith.constant 32 : index
    %c128 = arith.constant 128 : index
    %c256 = arith.constant 256 : index
    %i0 = arith.constant 0 : i32
    %i1 = arith.constant 1 : i32
    %fzero = arith.constant 0.0 : f32
    %nan = arith.constant 0x7FC00000 : f32
    %zacc = arith.constant dense<0.0> : vector<2x4xf32>
    %tid = gpu.thread_id x
    %bx = gpu.block_id x
    %by = gpu.block_id y
    %bz = gpu.block_id z
    %ks = gpu.grid_dim y
    %nbx = gpu.grid_dim x
    %lane = arith.remui %tid, %c32 : index
    %warp = arith.divui %tid, %c32 : index
    %g = arith.divui %lane, %c4 : index
    %t = arith.remui %lane, %c4 : index
    %nt = arith.select %two, %c2, %c1 : index
    // Steps in flight beyond the one computed: _sk16 has registers for one.
    %ahead = arith.select %two, %c1, %c2 : index
    %nb = arith.muli %nt, %c8 : index
    %cap = arith.select %two, %c8, %c16 : index
    %nvec = arith.divui %cols, %c32 : index
    %nchunks = arith.divui %cols, %c128 : index
    %ngroups = arith.divui %cols, %group : index
    %cpg = arith.divui %group, %c128 : index
    %gshift = math.cttz %cpg : index
    %zrow = affine.apply affine_map<(g) -> ((g + 1) floordiv 2)>(%ngroups)
    // This block's chunks [cfirst, cfirst + nloc) and batch rows.
    %cfirst = affine.apply affine_map<(s)[n, k] -> ((s * n) floordiv k)>(%by)[%nchunks, %ks]
    %cend = affine.apply affine_map<(s)[n, k] -> (((s + 1) * n) floordiv k)>(%by)[%nchunks, %ks]
    %nloc = arith.subi %cend, %cfirst : index
    %nuse = arith.minui %nloc, %cap : index
    %overflow = arith.cmpi ugt, %nloc, %cap : index
    %nuse1 = arith.maxui %nuse, %c1 : index
    %lastj = arith.subi %nuse1, %c1 : index
    %lastc = arith.subi %nchunks, %c1 : index
    %n0 = arith.muli %bz, %nb : index
    %xoff = arith.muli %n0, %cols : index
    %yoff = arith.muli %n0, %rows : index
    %cntoff = arith.muli %bz, %nbx : index
    %cnt = arith.addi %cntoff, %bx : index
    // The warp's rows: tile 0 is g, g + 8, tile 1 g + 16, g + 24.
    %ra0 = affine.apply affine_map<(b, w, g) -> (b * 256 + w * 32 + g)>(%bx, %warp, %g)
    %rb0 = arith.addi %ra0, %c8 : index
    %ra1 = arith.addi %ra0, %c16 : index
    %rb1 = arith.addi %ra1, %c8 : index
    %lastr = arith.subi %rows, %c1 : index
    %qa0 = arith.minui %ra0, %lastr : index
    %qb0 = arith.minui %rb0, %lastr : index
    %qa1 = arith.minui %ra1, %lastr : index
    %qb1 = arith.minui %rb1, %lastr : index

    %wa0b, %cstride = func.call @sk_word(%qa0, %t, %nvec, %tiled) : (index, index, index, i1) -> (index, index)
    %wb0b, %s1_ = func.call @sk_word(%qb0, %t, %nvec, %tiled) : (index, index, index, i1) -> (index, index)
    %wa1b, %s2_ = func.call @sk_word(%qa1, %t, %nvec, %tiled) : (index, index, index, i1) -> (index, index)
    %wb1b, %s3_ = func.call @sk_word(%qb1, %t, %nvec, %tiled) : (index, index, index, i1) -> (index, index)

    func.call @release_dependents() : () -> ()
    %j1 = arith.minui %c1, %lastj : index
    %ch0u = arith.minui %cfirst, %lastc : index
    %ch1u = arith.addi %cfirst, %j1 : index
    %ch1 = arith.minui %ch1u, %lastc : index
    %a:8 = func.call @sk_load(%qw, %scales, %zeros, %has_zeros, %qa0, %qb0, %qa1, %qb1, %wa0b, %wb0b, %wa1b, %wb1b, %ch0u, %cstride, %gshift, %ngroups, %zrow) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index, index, index, index, index, index, index, index) -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>, vector<2xf16>, vector<2xi8>)
    %b:8 = func.call @sk_load(%qw, %scales, %zeros, %has_zeros, %qa0, %qb0, %qa1, %qb1, %wa0b, %wb0b, %wa1b, %wb1b, %ch1, %cstride, %gshift, %ngroups, %zrow) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index, index, index, index, index, index, index, index) -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>, vector<2xf16>, vector<2xi8>)
    func.call @keep_loads_here() : () -> ()
    func.call @await_prerequisites() : () -> ()

    // Stage X's slice: item i = (slot jn = j * nt + n, lane l) holds the
    // 32 values of batch row n * 8 + l / 4, chunk cfirst + j, columns
    // 32 (l % 4) .. + 31, regrouped by @load_xp.
    %items = affine.apply affine_map<(j)[n] -> (j * n * 32)>(%nuse)[%nt]
    %rounds = affine.apply affine_map<(i) -> ((i + 255) floordiv 256)>(%items)
    scf.for %it = %c0 to %rounds step %c1 {
      %i = affine.apply affine_map<(r, t) -> (r * 256 + t)>(%it, %tid)
      %in = arith.cmpi ult, %i, %items : index
      scf.if %in {
        %jn = arith.divui %i, %c32 : index
        %l = arith.remui %i, %c32 : index
        %j = arith.divui %jn, %nt : index
        %n = arith.remui %jn, %nt : index
        %xo = affine.apply affine_map<(n, l, j)[k, c, o] -> (o + (n * 8 + l floordiv 4) * k + (c + j) * 128 + (l mod 4) * 32)>(%n, %l, %j)[%cols, %cfirst, %xoff]
        %xp = func.call @load_xp(%x, %xo) : (memref<?xf16>, index) -> vector<32xf16>
        %q0 = vector.shuffle %xp, %xp [0, 1, 2, 3, 4, 5, 6, 7] : vector<32xf16>, vector<32xf16>
        %q1 = vector.shuffle %xp, %xp [8, 9, 10, 11, 12, 13, 14, 15] : vector<32xf16>, vector<32xf16>
        %q2 = vector.shuffle %xp, %xp [16, 17, 18, 19, 20, 21, 22, 23] : vector<32xf16>, vector<32xf16>
        %q3 = vector.shuffle %xp, %xp [24, 25, 26, 27, 28, 29, 30, 31] : vector<32xf16>, vector<32xf16>
        %o0 = func.call @sk_slot(%jn, %c0, %l) : (index, index, index) -> index
        %o1 = func.call @sk_slot(%jn, %c1, %l) : (index, index, index) -> index
        %o2 = func.call @sk_slot(%jn, %c2, %l) : (index, index, index) -> index
        %o3 = func.call @sk_slot(%jn, %c3, %l) : (index, index, index) -> index
        vector.store %q0, %xs[%o0] : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
        vector.store %q1, %xs[%o1] : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
        vector.store %q2, %xs[%o2] : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
        vector.store %q3, %xs[%o3] : memref<16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
      }
    }
    gpu.barrier

    %res:18 = scf.for %j = %c0 to %nuse step %c1
        iter_args(%acc0 = %zacc, %acc1 = %zacc,
                  %u0 = %a#0, %u1 = %a#1, %u2 = %a#2, %u3 = %a#3, %us0 = %a#4, %uz0 = %a#5, %us1 = %a#6, %uz1 = %a#7,
                  %v0 = %b#0, %v1 = %b#1, %v2 = %b#2, %v3 = %b#3, %vs0 = %b#4, %vz0 = %b#5, %vs1 = %b#6, %vz1 = %b#7)
        -> (vector<2x4xf32>, vector<2x4xf32>,
            vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>, vector<2xf16>, vector<2xi8>,
            vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>, vector<2xf16>, vector<2xi8>) {
      %j2u = arith.addi %j, %ahead : index
      %j2 = arith.minui %j2u, %lastj : index
      %ch2u = arith.addi %cfirst, %j2 : index
      %ch2 = arith.minui %ch2u, %lastc : index
      %n:8 = func.call @sk_load(%qw, %scales, %zeros, %has_zeros, %qa0, %qb0, %qa1, %qb1, %wa0b, %wb0b, %wa1b, %wb1b, %ch2, %cstride, %gshift, %ngroups, %zrow) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, i32, index, index, index, index, index, index, index, index, index, index, index, index, index) -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>, vector<2xf16>, vector<2xi8>)
      %ch = arith.addi %cfirst, %j : index
      %gi = arith.shrui %ch, %gshift : index
      %jn0 = arith.muli %j, %nt : index
      %na0 = func.call @sk_tile(%u0, %u1, %us0, %uz0, %has_zeros, %gi, %xs, %jn0, %lane, %two, %acc0) : (vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>, i32, index, memref<16384xf16, #gpu.address_space<workgroup>>, index, index, i1, vector<2x4xf32>) -> vector<2x4xf32>
      %na1 = func.call @sk_tile(%u2, %u3, %us1, %uz1, %has_zeros, %gi, %xs, %jn0, %lane, %two, %acc1) : (vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>, i32, index, memref<16384xf16, #gpu.address_space<workgroup>>, index, index, i1, vector<2x4xf32>) -> vector<2x4xf32>
      // Two ahead: the step loaded last iteration is next; one ahead: the
      // step just loaded is (and the second stage is dead code).
      %c0n = arith.select %two, %n#0, %v0 : vector<4xi32>
      %c1n = arith.select %two, %n#1, %v1 : vector<4xi32>
      %c2n = arith.select %two, %n#2, %v2 : vector<4xi32>
      %c3n = arith.select %two, %n#3, %v3 : vector<4xi32>
      %cs0 = arith.select %two, %n#4, %vs0 : vector<2xf16>
      %cz0 = arith.select %two, %n#5, %vz0 : vector<2xi8>
      %cs1 = arith.select %two, %n#6, %vs1 : vector<2xf16>
      %cz1 = arith.select %two, %n#7, %vz1 : vector<2xi8>
      scf.yield %na0, %na1, %c0n, %c1n, %c2n, %c3n, %cs0, %cz0, %cs1, %cz1, %n#0, %n#1, %n#2, %n#3, %n#4, %n#5, %n#6, %n#7
          : vector<2x4xf32>, vector<2x4xf32>,
            vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>, vector<2xf16>, vector<2xi8>,
            vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<2xf16>, vector<2xi8>, vector<2xf16>, vector<2xi8>
    }
    %nanacc = vector.broadcast %nan : f32 to vector<2x4xf32>
    %out0 = arith.select %overflow, %nanacc, %res#0 : vector<2x4xf32>
    %out1 = arith.select %overflow, %nanacc, %res#1 : vector<2x4xf32>
    // This slice's partial sums (zero for an empty slice) into its own
    // [R][nb] part of the workspace: plain stores, no atomics.
    %part = affine.apply affine_map<(z, s)[k, r, n] -> (((z * k + s) * r) * n)>(%bz, %by)[%ks, %rows, %nb]
    func.call @sk_flush(%ws, %out0, %ra0, %rb0, %rows, %t, %nb, %two, %part) : (memref<?xf32>, vector<2x4xf32>, index, index, index, index, index, i1, index) -> ()
    func.call @sk_flush(%ws, %out1, %ra1, %rb1, %rows, %t, %nb, %two, %part) : (memref<?xf32>, vector<2x4xf32>, index, index, index, index, index, i1, index) -> ()
    // The last block of this row range sums the slices' parts into y. One
    // thread signals for the block (a semaphore as CUTLASS's): the barrier
    // orders the block's stores before its fence and counter update, and
    // its fence after the update orders the last block's reads.
    gpu.barrier
    %first = arith.cmpi eq, %tid, %c0 : index
    scf.if %first {
      func.call @gpu_fence() : () -> ()
      %old = memref.atomic_rmw addi %i1, %counters[%cnt] : (i32, memref<?xi32>) -> i32
      func.call @gpu_fence() : () -> ()
      %ksi = arith.index_castui %ks : index to i32
      %km1 = arith.subi %ksi, %i1 : i32
      %islast = arith.cmpi eq, %old, %km1 : i32
      %f = arith.extui %islast : i1 to i32
      memref.store %f, %flag[%c0] : memref<1xi32, #gpu.address_space<workgroup>>
    }
    gpu.barrier
    %fl = memref.load %flag[%c0] : memref<1xi32, #gpu.address_space<workgroup>>
    %last = arith.cmpi ne, %fl, %i0 : i32
    scf.if %last {
      %r = affine.apply affine_map<(b, t) -> (b * 256 + t)>(%bx, %tid)
      %inr = arith.cmpi ult, %r, %rows : index
      scf.if %inr {
        %nq = arith.divui %nb, %c4 : index
        %z4 = arith.constant dense<0.0> : vector<4xf32>
        %ngrp = affine.apply affine_map<(k) -> ((k + 3) floordiv 4)>(%ks)
        %pstride = arith.muli %rows, %nb : index
        scf.for %q = %c0 to %nq step %c1 {
          %sum = scf.for %sg = %c0 to %ngrp step %c1 iter_args(%acc = %z4) -> (vector<4xf32>) {
            %wi = affine.apply affine_map<(g, r, q)[z, k, m, n] -> ((((z * k + g * 4) * m + r) * n) + q * 4)>(%sg, %r, %q)[%bz, %ks, %rows, %nb]
            %s0 = arith.muli %sg, %c4 : index
            %v = func.call @sk_sum4_l2(%ws, %wi, %pstride, %s0, %ks) : (memref<?xf32>, index, index, index, index) -> vector<4xf32>
            %added = arith.addf %acc, %v : vector<4xf32>
            scf.yield %added : vector<4xf32>
          }
          %h = arith.truncf %sum : vector<4xf32> to vector<4xf16>
          scf.for %e = %c0 to %c4 step %c1 {
            %he = vector.extract %h[%e] : f16 from vector<4xf16>
            %yi = affine.apply affine_map<(r, q, e)[m, o] -> (o + (q * 4 + e) * m + r)>(%r, %q, %e)[%rows, %yoff]
            memref.store %he, %y[%yi] : memref<?xf16>
          }
        }
      }
      scf.if %first {
        %o = memref.atomic_rmw assign %i0, %counters[%cnt] : (i32, memref<?xi32>) -> i32
      }
    }
    return
  }

  // Y = X W^T for batch rows in tiles of 8 (_sk8) or 16 (_sk16) as
  // @gemm_sk_body: grid (ceil(R / 256), S slices, B / nb), block 256,
  // ws: f32 [B / nb][S][R][nb], counters: i32 [B / nb][ceil(R / 256)],
  // zero; _skt8 / _skt16 read the weight's m16-tiled copy.
  gpu.func @gemm_int4_sk8(%qw: memref<?xi32>, %scales: memref<?xf16>,
                          %zeros: memref<?xi8>, %x: memref<?xf16>,
                          %y: memref<?xf16>, %rows: index, %cols: index,
                          %group: index, %has_zeros: i32,
                          %ws: memref<?xf32>, %counters: memref<?xi32>)
      workgroup(%xs: memref<16384xf16, #gpu.address_space<workgroup>>,
                %flag: memref<1xi32, #gpu.address_space<workgroup>>)
      kernel attributes {known_block_size = array<i32: 256, 1, 1>,
                         nvvm.minctasm = 2 : i32} {
    %two = arith.constant false
    %tiled = arith.constant false
    func.call @gemm_sk_body(%qw, %scales, %zeros, %x, %y, %rows, %cols, %group, %has_zeros, %ws, %counters, %xs, %flag, %two, %tiled) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, memref<?xf16>, memref<?xf16>, index, index, index, i32, memref<?xf32>, memref<?xi32>, memref<16384xf16, #gpu.address_space<workgroup>>, memref<1xi32, #gpu.address_space<workgroup>>, i1, i1) -> ()
    gpu.return
  }

  gpu.func @gemm_int4_sk16(%qw: memref<?xi32>, %scales: memref<?xf16>,
                          %zeros: memref<?xi8>, %x: memref<?xf16>,
                          %y: memref<?xf16>, %rows: index, %cols: index,
                          %group: index, %has_zeros: i32,
                          %ws: memref<?xf32>, %counters: memref<?xi32>)
      workgroup(%xs: memref<16384xf16, #gpu.address_space<workgroup>>,
                %flag: memref<1xi32, #gpu.address_space<workgroup>>)
      kernel attributes {known_block_size = array<i32: 256, 1, 1>,
                         nvvm.minctasm = 2 : i32} {
    %two = arith.constant true
    %tiled = arith.constant false
    func.call @gemm_sk_body(%qw, %scales, %zeros, %x, %y, %rows, %cols, %group, %has_zeros, %ws, %counters, %xs, %flag, %two, %tiled) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, memref<?xf16>, memref<?xf16>, index, index, index, i32, memref<?xf32>, memref<?xi32>, memref<16384xf16, #gpu.address_space<workgroup>>, memref<1xi32, #gpu.address_space<workgroup>>, i1, i1) -> ()
    gpu.return
  }

  gpu.func @gemm_int4_skt8(%qw: memref<?xi32>, %scales: memref<?xf16>,
                          %zeros: memref<?xi8>, %x: memref<?xf16>,
                          %y: memref<?xf16>, %rows: index, %cols: index,
                          %group: index, %has_zeros: i32,
                          %ws: memref<?xf32>, %counters: memref<?xi32>)
      workgroup(%xs: memref<16384xf16, #gpu.address_space<workgroup>>,
                %flag: memref<1xi32, #gpu.address_space<workgroup>>)
      kernel attributes {known_block_size = array<i32: 256, 1, 1>,
                         nvvm.minctasm = 2 : i32} {
    %two = arith.constant false
    %tiled = arith.constant true
    func.call @gemm_sk_body(%qw, %scales, %zeros, %x, %y, %rows, %cols, %group, %has_zeros, %ws, %counters, %xs, %flag, %two, %tiled) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, memref<?xf16>, memref<?xf16>, index, index, index, i32, memref<?xf32>, memref<?xi32>, memref<16384xf16, #gpu.address_space<workgroup>>, memref<1xi32, #gpu.address_space<workgroup>>, i1, i1) -> ()
    gpu.return
  }

  gpu.func @gemm_int4_skt16(%qw: memref<?xi32>, %scales: memref<?xf16>,
                          %zeros: memref<?xi8>, %x: memref<?xf16>,
                          %y: memref<?xf16>, %rows: index, %cols: index,
                          %group: index, %has_zeros: i32,
                          %ws: memref<?xf32>, %counters: memref<?xi32>)
      workgroup(%xs: memref<16384xf16, #gpu.address_space<workgroup>>,
                %flag: memref<1xi32, #gpu.address_space<workgroup>>)
      kernel attributes {known_block_size = array<i32: 256, 1, 1>,
                         nvvm.minctasm = 2 : i32} {
    %two = arith.constant true
    %tiled = arith.constant true
    func.call @gemm_sk_body(%qw, %scales, %zeros, %x, %y, %rows, %cols, %group, %has_zeros, %ws, %counters, %xs, %flag, %two, %tiled) : (memref<?xi32>, memref<?xf16>, memref<?xi8>, memref<?xf16>, memref<?xf16>, index, index, index, i32, memref<?xf32>, memref<?xi32>, memref<16384xf16, #gpu.address_space<workgroup>>, memref<1xi32, #gpu.address_space<workgroup>>, i1, i1) -> ()
    gpu.return
  }

  // out[i] = x[perm[i]]: the activation of an act-order weight whose columns
  // were sorted by group (README.md). Block 256 threads, grid ceil(n / 256).
  gpu.func @gather_f16(%x: memref<?xf16>, %perm: memref<?xi32>,
                       %out: memref<?xf16>, %n: index) kernel
      attributes {known_block_size = array<i32: 256, 1, 1>} {
    func.call @release_dependents() : () -> ()
    func.call @await_prerequisites() : () -> ()
    %tid = gpu.thread_id x
    %bid = gpu.block_id x
    %i = affine.apply affine_map<(b, t) -> (b * 256 + t)>(%bid, %tid)
    %in = arith.cmpi ult, %i, %n : index
    scf.if %in {
      %p = memref.load %perm[%i] : memref<?xi32>
      %pi = arith.index_castui %p : i32 to index
      %v = memref.load %x[%pi] : memref<?xf16>
      memref.store %v, %out[%i] : memref<?xf16>
    }
    gpu.return
  }
}
}
