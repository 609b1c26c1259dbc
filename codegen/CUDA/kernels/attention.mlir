// Decode attention of the CUDA backend (issue #8): one query token against
// an f16 KV cache, in one kernel, where the generic lowering takes about a
// dozen (scores, mask, max, exp, sum, P.V, normalize). Written in upstream
// MLIR dialects and compiled like int4_matmul.mlir; ABI and launch in
// README.md beside this file.
//
// One block of 8 warps per query head. The L = head_dim / 32 lanes of a
// "position group" share one cached position, 32 features (64 bytes of K
// and of V) each, so a warp reads 32 / L positions per step, whole rows.
// Every lane keeps an online softmax of the positions it saw (running max m,
// sum l and the 32 weighted features of V); the (8 * 32 / L) groups then
// meet in shared memory (always 32 KB: groups * head_dim = 8 * 1024).
// Scores and sums are f32, as in the generic lowering.

module attributes {gpu.container_module} {
gpu.module @quantforge_attention {

  // v summed over the L lanes of a position group (L = 1, 2, 4 or 8,
  // neighbouring lanes): xor shuffles, each kept only where it stays in
  // the group, so that every lane runs all three.
  func.func private @group_sum(%v: f32, %lanes: index) -> f32 {
    %w = arith.constant 32 : i32
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c4 = arith.constant 4 : index
    %o1 = arith.constant 1 : i32
    %o2 = arith.constant 2 : i32
    %o4 = arith.constant 4 : i32
    %a, %pa = gpu.shuffle xor %v, %o1, %w : f32
    %use1 = arith.cmpi ugt, %lanes, %c1 : index
    %sa = arith.addf %v, %a : f32
    %s1 = arith.select %use1, %sa, %v : f32
    %b, %pb = gpu.shuffle xor %s1, %o2, %w : f32
    %use2 = arith.cmpi ugt, %lanes, %c2 : index
    %sb = arith.addf %s1, %b : f32
    %s2 = arith.select %use2, %sb, %s1 : f32
    %c, %pc = gpu.shuffle xor %s2, %o4, %w : f32
    %use4 = arith.cmpi ugt, %lanes, %c4 : index
    %sc = arith.addf %s2, %c : f32
    %s3 = arith.select %use4, %sc, %s2 : f32
    return %s3 : f32
  }

  // e^x as 2^(x log2 e) on the special function unit (ex2.approx, within
  // 2 ulp; e^-inf = 0), without libdevice.
  func.func private @exp_approx(%x: f32) -> f32 {
    %log2e = arith.constant 1.44269504 : f32
    %y = arith.mulf %x, %log2e : f32
    %e = llvm.inline_asm asm_dialect = att "ex2.approx.ftz.f32 $0, $1;", "=f,f" %y : (f32) -> f32
    return %e : f32
  }

  // out[h, :] = softmax(scale * q[h, :] . K[0 .. n-1, :]) V for the cached
  // positions first .. n-1 of query head h's KV head (n = start + 1; first
  // = max(0, n - window) with a sliding window, else 0), K and V of layer
  // `layer` of an f16 cache [layers, 2, kv_heads, max_seq, head_dim].
  // q and out are f32 [heads, head_dim]. head_dim is 32, 64, 128 or 256.
  // Block 256 threads, grid (heads).
  gpu.func @decode_attention_f16(%q: memref<?xf32>, %cache: memref<?xf16>,
                                 %out: memref<?xf32>, %layer: index,
                                 %start: index, %kv_heads: index,
                                 %group: index, %max_seq: index,
                                 %dim: index, %window: index, %scale: f32)
      workgroup(%accs: memref<8192xf32, #gpu.address_space<workgroup>>,
                %stats: memref<512xf32, #gpu.address_space<workgroup>>)
      kernel attributes {known_block_size = array<i32: 256, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c8 = arith.constant 8 : index
    %c32 = arith.constant 32 : index
    %c256 = arith.constant 256 : index
    %lowest = arith.constant -3.0e+38 : f32
    %ninf = arith.constant 0xFF800000 : f32
    %fzero = arith.constant 0.0 : f32
    %zeros = arith.constant dense<0.0> : vector<32xf32>
    %tid = gpu.thread_id x
    %h = gpu.block_id x
    %lane = arith.remui %tid, %c32 : index
    %warp = arith.divui %tid, %c32 : index
    // L lanes per position, G = 32 / L positions per warp and step.
    %lanes = arith.divui %dim, %c32 : index
    %per_warp = arith.divui %c32, %lanes : index
    %sub = arith.remui %lane, %lanes : index
    %pg = arith.divui %lane, %lanes : index
    %d0 = arith.muli %sub, %c32 : index
    %kvh = arith.divui %h, %group : index
    %n = arith.addi %start, %c1 : index
    %windowed = arith.cmpi ugt, %window, %c0 : index
    %past = arith.cmpi ugt, %n, %window : index
    %cut = arith.andi %windowed, %past : i1
    %from = arith.subi %n, %window : index
    %first = arith.select %cut, %from, %c0 : index
    %last = arith.subi %n, %c1 : index
    // Row (layer, which, kvh, 0) of the cache.
    %kbase = affine.apply affine_map<(l, k)[hk, t, d] -> (((l * 2) * hk + k) * t * d)>(%layer, %kvh)[%kv_heads, %max_seq, %dim]
    %vbase = affine.apply affine_map<(b)[hk, t, d] -> (b + hk * t * d)>(%kbase)[%kv_heads, %max_seq, %dim]
    %qi = affine.apply affine_map<(h, d0)[d] -> (h * d + d0)>(%h, %d0)[%dim]
    %qraw = vector.load %q[%qi] {alignment = 16} : memref<?xf32>, vector<32xf32>
    %scalev = vector.broadcast %scale : f32 to vector<32xf32>
    %qs = arith.mulf %qraw, %scalev : vector<32xf32>
    %e = affine.apply affine_map<(w, p)[g] -> (w * g + p)>(%warp, %pg)[%per_warp]
    // The loop runs over the warp's first position, so that all its lanes
    // take the same trips (the shuffles need the whole warp).
    %wfirst = affine.apply affine_map<(f, w)[g] -> (f + w * g)>(%first, %warp)[%per_warp]
    %step = arith.muli %per_warp, %c8 : index
    %m, %l, %acc = scf.for %jw = %wfirst to %n step %step
        iter_args(%mi = %lowest, %li = %fzero, %ai = %zeros)
        -> (f32, f32, vector<32xf32>) {
      %j = arith.addi %jw, %pg : index
      // Positions past the end of this step read the last row, weighted 0.
      %valid = arith.cmpi ult, %j, %n : index
      %jc = arith.minui %j, %last : index
      %ko = affine.apply affine_map<(b, j, d0)[d] -> (b + j * d + d0)>(%kbase, %jc, %d0)[%dim]
      %vo = affine.apply affine_map<(b, j, d0)[d] -> (b + j * d + d0)>(%vbase, %jc, %d0)[%dim]
      %kh = vector.load %cache[%ko] {alignment = 16} : memref<?xf16>, vector<32xf16>
      %vh = vector.load %cache[%vo] {alignment = 16} : memref<?xf16>, vector<32xf16>
      %k = arith.extf %kh : vector<32xf16> to vector<32xf32>
      %prod = arith.mulf %qs, %k : vector<32xf32>
      %part = vector.reduction <add>, %prod : vector<32xf32> into f32
      %dot = func.call @group_sum(%part, %lanes) : (f32, index) -> f32
      %s = arith.select %valid, %dot, %ninf : f32
      %mn = arith.maximumf %mi, %s : f32
      %dm = arith.subf %mi, %mn : f32
      %corr = func.call @exp_approx(%dm) : (f32) -> f32
      %ds = arith.subf %s, %mn : f32
      %p = func.call @exp_approx(%ds) : (f32) -> f32
      %lc = arith.mulf %li, %corr : f32
      %ln = arith.addf %lc, %p : f32
      %v = arith.extf %vh : vector<32xf16> to vector<32xf32>
      %corrv = vector.broadcast %corr : f32 to vector<32xf32>
      %pv = vector.broadcast %p : f32 to vector<32xf32>
      %ac = arith.mulf %ai, %corrv : vector<32xf32>
      %an = vector.fma %pv, %v, %ac : vector<32xf32>
      scf.yield %mn, %ln, %an : f32, f32, vector<32xf32>
    }
    // Entry e = (warp, position group): its 32 features at e * dim + d0,
    // (m, l) at 2e.
    %ai = affine.apply affine_map<(e, d0)[d] -> (e * d + d0)>(%e, %d0)[%dim]
    vector.store %acc, %accs[%ai] {alignment = 16} : memref<8192xf32, #gpu.address_space<workgroup>>, vector<32xf32>
    %head = arith.cmpi eq, %sub, %c0 : index
    scf.if %head {
      %si = arith.muli %e, %c2 : index
      %si1 = arith.addi %si, %c1 : index
      memref.store %m, %stats[%si] : memref<512xf32, #gpu.address_space<workgroup>>
      memref.store %l, %stats[%si1] : memref<512xf32, #gpu.address_space<workgroup>>
    }
    gpu.barrier
    // Thread d combines feature d over the entries.
    %entries = arith.muli %per_warp, %c8 : index
    %mine = arith.cmpi ult, %tid, %dim : index
    scf.if %mine {
      %big = scf.for %i = %c0 to %entries step %c1 iter_args(%b = %lowest) -> (f32) {
        %si = arith.muli %i, %c2 : index
        %mv = memref.load %stats[%si] : memref<512xf32, #gpu.address_space<workgroup>>
        %bn = arith.maximumf %b, %mv : f32
        scf.yield %bn : f32
      }
      %num, %den = scf.for %i = %c0 to %entries step %c1
          iter_args(%nu = %fzero, %de = %fzero) -> (f32, f32) {
        %si = arith.muli %i, %c2 : index
        %si1 = arith.addi %si, %c1 : index
        %mv = memref.load %stats[%si] : memref<512xf32, #gpu.address_space<workgroup>>
        %lv = memref.load %stats[%si1] : memref<512xf32, #gpu.address_space<workgroup>>
        %dmv = arith.subf %mv, %big : f32
        %w = func.call @exp_approx(%dmv) : (f32) -> f32
        %xi = affine.apply affine_map<(i, t)[d] -> (i * d + t)>(%i, %tid)[%dim]
        %xv = memref.load %accs[%xi] : memref<8192xf32, #gpu.address_space<workgroup>>
        %nn = math.fma %xv, %w, %nu : f32
        %dn = math.fma %lv, %w, %de : f32
        scf.yield %nn, %dn : f32, f32
      }
      %o = arith.divf %num, %den : f32
      %oi = affine.apply affine_map<(h, t)[d] -> (h * d + t)>(%h, %tid)[%dim]
      memref.store %o, %out[%oi] : memref<?xf32>
    }
    gpu.return
  }
}
}
