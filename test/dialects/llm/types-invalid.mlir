// RUN: quant-opt %s --split-input-file --verify-diagnostics
// Every rule of !llm.qweight, !llm.kv_cache and #llm.rope_scaling.

// expected-error @+1 {{expected a 2-D shape}}
func.func private @rank(!llm.qweight<4096xi4, group_size = 128, asym, scale = f16>)

// -----

// expected-error @+1 {{expected a signless integer storage type}}
func.func private @storage(!llm.qweight<64x64xf16, group_size = 32, asym, scale = f16>)

// -----

// expected-error @+1 {{quantized weight bits must be in [2, 8], got 1}}
func.func private @bits_low(!llm.qweight<64x64xi1, group_size = 32, asym, scale = f16>)

// -----

// expected-error @+1 {{quantized weight bits must be in [2, 8], got 9}}
func.func private @bits_high(!llm.qweight<64x64xi9, group_size = 32, asym, scale = f16>)

// -----

// expected-error @+1 {{quantized weight dims must be positive}}
func.func private @zero_rows(!llm.qweight<0x64xi4, group_size = 32, asym, scale = f16>)

// -----

// expected-error @+1 {{group size 48 does not divide the 64 columns}}
func.func private @group(!llm.qweight<64x64xi4, group_size = 48, asym, scale = f16>)

// -----

// expected-error @+1 {{group size 0 does not divide the 64 columns}}
func.func private @group_zero(!llm.qweight<64x64xi4, group_size = 0, asym, scale = f16>)

// -----

// expected-error @+1 {{scale type must be f16, bf16 or f32, got 'f64'}}
func.func private @scale(!llm.qweight<64x64xi4, group_size = 32, asym, scale = f64>)

// -----

// expected-error @+1 {{scale must be a float type}}
func.func private @scale_int(!llm.qweight<64x64xi4, group_size = 32, asym, scale = i16>)

// -----

// expected-error @+1 {{expected 'group_size = N' or 'per_channel'}}
func.func private @no_group(!llm.qweight<64x64xi4, asym, scale = f16>)

// -----

// expected-error @+1 {{expected 'sym' or 'asym'}}
func.func private @no_symmetry(!llm.qweight<64x64xi4, group_size = 32, scale = f16>)

// -----

// expected-error @+1 {{expected 'scale = <float type>'}}
func.func private @no_scale(!llm.qweight<64x64xi4, group_size = 32, asym>)

// -----

// expected-error @+1 {{unknown qweight option 'zero'}}
func.func private @unknown_option(!llm.qweight<64x64xi4, group_size = 32, asym, scale = f16, zero>)

// -----

// expected-error @+1 {{unknown packing 'marlin'}}
func.func private @unknown_packing(!llm.qweight<64x64xi4, group_size = 32, asym, scale = f16, packing = marlin>)

// -----

// expected-error @+1 {{packing 'awq_gemm' cannot hold 8-bit values}}
func.func private @awq_bits(!llm.qweight<64x64xi8, group_size = 32, asym, scale = f16, packing = awq_gemm>)

// -----

// expected-error @+1 {{packing 'gptq_v1' cannot hold 5-bit values}}
func.func private @gptq_bits(!llm.qweight<64x64xi5, group_size = 32, asym, scale = f16, packing = gptq_v1>)

// -----

// expected-error @+1 {{packing 'gptq_v2' is asymmetric}}
func.func private @gptq_sym(!llm.qweight<64x64xi4, group_size = 32, sym, scale = f16, packing = gptq_v2>)

// -----

// expected-error @+1 {{packing 'gguf_q4_0' has groups of 32, got 64}}
func.func private @gguf_group(!llm.qweight<64x128xi4, group_size = 64, sym, scale = f16, packing = gguf_q4_0>)

// -----

// expected-error @+1 {{packing 'gguf_q4_1' is asymmetric}}
func.func private @gguf_sym(!llm.qweight<64x128xi4, group_size = 32, sym, scale = f16, packing = gguf_q4_1>)

// -----

// expected-error @+1 {{packing 'gguf_q4_k' needs columns divisible by 256, got 128}}
func.func private @gguf_superblock(!llm.qweight<64x128xi4, group_size = 32, asym, scale = f16, packing = gguf_q4_k>)

// -----

// expected-error @+1 {{packing 'gguf_q8_0' has no act-order permutation}}
func.func private @gguf_act_order(!llm.qweight<64x128xi8, group_size = 32, sym, scale = f16, packing = gguf_q8_0, act_order>)

// -----

// expected-error @+1 {{KV cache dims must be positive}}
func.func private @kv_zero(!llm.kv_cache<0x8x4096x128xf16>)

// -----

// expected-error @+1 {{KV cache element type must be a float type of 16 bits or more, f8E4M3FN or i8, got 'i32'}}
func.func private @kv_type(!llm.kv_cache<32x8x4096x128xi32>)

// -----

// expected-error @+1 {{KV cache element type must be a float type of 16 bits or more, f8E4M3FN or i8, got 'f8E5M2'}}
func.func private @kv_fp8_kind(!llm.kv_cache<32x8x4096x128xf8E5M2>)

// -----

// expected-error @+1 {{an i8 KV cache needs 'scale = f32' or 'scale = f16'}}
func.func private @kv_i8_unscaled(!llm.kv_cache<32x8x4096x128xi8>)

// -----

// expected-error @+1 {{a 'f16' KV cache stores no scales}}
func.func private @kv_f16_scaled(!llm.kv_cache<32x8x4096x128xf16, scale = f32>)

// -----

// expected-error @+1 {{KV cache scales must be f32 or f16, got 'bf16'}}
func.func private @kv_scale_type(!llm.kv_cache<32x8x4096x128xi8, scale = bf16>)

// -----

// expected-error @+1 {{scale must be a float type}}
func.func private @kv_scale_int(!llm.kv_cache<32x8x4096x128xi8, scale = i8>)

// -----

// expected-error @+1 {{KV cache block size 48 does not divide max_seq 4096}}
func.func private @kv_block(!llm.kv_cache<32x8x4096x128xf16, block_size = 48>)

// -----

// expected-error @+1 {{block_size must be positive}}
func.func private @kv_block_zero(!llm.kv_cache<32x8x4096x128xf16, block_size = 0>)

// -----

// expected-error @+1 {{unknown kv_cache option 'layout'}}
func.func private @kv_option(!llm.kv_cache<32x8x4096x128xf16, layout = 4>)

// -----

// expected-error @+1 {{expected layers x kv_heads x max_seq x head_dim}}
func.func private @kv_rank(!llm.kv_cache<8x4096x128xf16>)

// -----

func.func @rope_factor(%x: tensor<?x4x64xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{rope scaling factor must be positive, got -2}}
  %0 = llm.rope %x, %p {theta = 1.0e4 : f64, scaling = #llm.rope_scaling<linear, factor = -2.0 : f64>} : tensor<?x4x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @rope_linear_extra(%x: tensor<?x4x64xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{linear rope scaling takes only 'factor'}}
  %0 = llm.rope %x, %p {theta = 1.0e4 : f64, scaling = #llm.rope_scaling<linear, factor = 2.0 : f64, low_freq_factor = 1.0 : f64>} : tensor<?x4x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @rope_llama3_missing(%x: tensor<?x4x64xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{llama3 rope scaling needs low_freq_factor, high_freq_factor and original_max_position}}
  %0 = llm.rope %x, %p {theta = 1.0e4 : f64, scaling = #llm.rope_scaling<llama3, factor = 8.0 : f64>} : tensor<?x4x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @rope_llama3_order(%x: tensor<?x4x64xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{llama3 rope scaling needs 0 < low_freq_factor < high_freq_factor, got 4.000000e+00 and 1.000000e+00}}
  %0 = llm.rope %x, %p {theta = 1.0e4 : f64, scaling = #llm.rope_scaling<llama3, factor = 8.0 : f64, low_freq_factor = 4.0 : f64, high_freq_factor = 1.0 : f64, original_max_position = 8192>} : tensor<?x4x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @rope_llama3_position(%x: tensor<?x4x64xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{original_max_position must be positive}}
  %0 = llm.rope %x, %p {theta = 1.0e4 : f64, scaling = #llm.rope_scaling<llama3, factor = 8.0 : f64, low_freq_factor = 1.0 : f64, high_freq_factor = 4.0 : f64, original_max_position = 0>} : tensor<?x4x64xf32>, tensor<?xi32>
  return
}

// -----

// expected-error @+1 {{KV cache layer 4 is out of range: the cache has 4 layers}}
func.func private @kv_layer_range(!llm.kv_cache<4x8x4096x128xi8, scale = f32, layers = [4: f16]>)

// -----

// expected-error @+1 {{KV cache layers must be listed once each, in ascending order; got 1 after 1}}
func.func private @kv_layer_twice(!llm.kv_cache<4x8x4096x128xi8, scale = f32, layers = [1: f16, 1: bf16]>)

// -----

// expected-error @+1 {{KV cache layers must be listed once each, in ascending order; got 0 after 2}}
func.func private @kv_layer_order(!llm.kv_cache<4x8x4096x128xi8, scale = f32, layers = [2: f16, 0: f16]>)

// -----

// expected-error @+1 {{KV cache layer 2 repeats the default storage}}
func.func private @kv_layer_default(!llm.kv_cache<4x8x4096x128xi8, scale = f32, layers = [2: i8 scale = f32]>)

// -----

// expected-error @+1 {{every KV cache layer is listed: the default storage must be one of them}}
func.func private @kv_layer_all(!llm.kv_cache<2x8x4096x128xi8, scale = f32, layers = [0: f16, 1: f16]>)

// -----

// Each layer's storage follows the rules of the default one.
// expected-error @+1 {{an i8 KV cache needs 'scale = f32' or 'scale = f16'}}
func.func private @kv_layer_unscaled(!llm.kv_cache<4x8x4096x128xf16, layers = [1: i8]>)

// -----

// expected-error @+1 {{a 'bf16' KV cache stores no scales}}
func.func private @kv_layer_scaled(!llm.kv_cache<4x8x4096x128xf16, layers = [1: bf16 scale = f32]>)

// -----

// expected-error @+1 {{scale must be a float type}}
func.func private @kv_layer_scale_int(!llm.kv_cache<4x8x4096x128xf16, layers = [1: i8 scale = i8]>)
