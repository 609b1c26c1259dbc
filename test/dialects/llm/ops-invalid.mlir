// RUN: quant-opt %s --split-input-file --verify-diagnostics
// Every verifier rule of the llm ops, one case each.

// expected-error @+1 {{'llm.param_archive' op needs a non-empty path}}
llm.param_archive @p safetensors ""

// -----

func.func @archive_nested() {
  // expected-error @+1 {{'llm.param_archive' op expects parent op 'builtin.module'}}
  llm.param_archive @p safetensors "a.safetensors"
  return
}

// -----

llm.param_archive @p safetensors "a.safetensors"
func.func @weight_key() {
  // expected-error @+1 {{'llm.weight' op needs a non-empty key}}
  %0 = llm.weight @p[""] : tensor<4x4xf32>
  return
}

// -----

llm.param_archive @p safetensors "a.safetensors"
func.func @weight_dynamic() {
  // expected-error @+1 {{'llm.weight' op weight shapes must be static, got 'tensor<?x4xf32>'}}
  %0 = llm.weight @p["w"] : tensor<?x4xf32>
  return
}

// -----

func.func @weight_symbol() {
  // expected-error @+1 {{'llm.weight' op references 'missing', which is not an llm.param_archive}}
  %0 = llm.weight @missing["w"] : tensor<4x4xf32>
  return
}

// -----

func.func private @not_an_archive()
func.func @weight_symbol_kind() {
  // expected-error @+1 {{'llm.weight' op references 'not_an_archive', which is not an llm.param_archive}}
  %0 = llm.weight @not_an_archive["w"] : tensor<4x4xf32>
  return
}

// -----

func.func @dequantize_shape(%q: !llm.qweight<64x128xi4, group_size = 32, sym, scale = f16>) {
  // expected-error @+1 {{'llm.dequantize' op result shape must be 64x128}}
  %0 = llm.dequantize %q : !llm.qweight<64x128xi4, group_size = 32, sym, scale = f16> -> tensor<128x64xf32>
  return
}

// -----

func.func @embedding_rows(%t: tensor<100x16xf32>, %ids: tensor<5xi32>) {
  // expected-error @+1 {{'llm.embedding' op result has 4 rows for 5 tokens}}
  %0 = llm.embedding %t[%ids] : tensor<100x16xf32>, tensor<5xi32> -> tensor<4x16xf32>
  return
}

// -----

func.func @embedding_width(%t: tensor<100x16xf32>, %ids: tensor<?xi32>) {
  // expected-error @+1 {{'llm.embedding' op result width 32 differs from the table's 16}}
  %0 = llm.embedding %t[%ids] : tensor<100x16xf32>, tensor<?xi32> -> tensor<?x32xf32>
  return
}

// -----

func.func @embedding_ids(%t: tensor<100x16xf32>, %ids: tensor<?xf32>) {
  // expected-error @+1 {{'llm.embedding' op operand #1 must be 1D tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = llm.embedding %t[%ids] : tensor<100x16xf32>, tensor<?xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @rms_norm_weight(%x: tensor<?x64xf32>, %g: tensor<32xf32>) {
  // expected-error @+1 {{'llm.rms_norm' op weight has 32 elements but the normalized dimension has 64}}
  %0 = llm.rms_norm %x, %g {epsilon = 1.0e-5 : f64} : tensor<?x64xf32>, tensor<32xf32>
  return
}

// -----

func.func @rms_norm_epsilon(%x: tensor<?x64xf32>, %g: tensor<64xf32>) {
  // expected-error @+1 {{'llm.rms_norm' op epsilon must be positive}}
  %0 = llm.rms_norm %x, %g {epsilon = 0.0 : f64} : tensor<?x64xf32>, tensor<64xf32>
  return
}

// -----

func.func @rms_norm_scalar(%x: tensor<f32>, %g: tensor<1xf32>) {
  // expected-error @+1 {{'llm.rms_norm' op input must have at least one dimension}}
  %0 = llm.rms_norm %x, %g {epsilon = 1.0e-5 : f64} : tensor<f32>, tensor<1xf32>
  return
}

// -----

func.func @linear_in(%x: tensor<?x64xf32>, %w: tensor<32x48xf32>) {
  // expected-error @+1 {{'llm.linear' op input has 64 features but the weight expects 48}}
  %0 = llm.linear %x, %w : (tensor<?x64xf32>, tensor<32x48xf32>) -> tensor<?x32xf32>
  return
}

// -----

func.func @linear_out(%x: tensor<?x64xf32>, %w: !llm.qweight<32x64xi4, group_size = 32, sym, scale = f16>) {
  // expected-error @+1 {{'llm.linear' op result has 16 features but the weight produces 32}}
  %0 = llm.linear %x, %w : (tensor<?x64xf32>, !llm.qweight<32x64xi4, group_size = 32, sym, scale = f16>) -> tensor<?x16xf32>
  return
}

// -----

func.func @linear_rank(%x: tensor<?x64xf32>, %w: tensor<32x64xf32>) {
  // expected-error @+1 {{'llm.linear' op result rank 3 differs from input rank 2}}
  %0 = llm.linear %x, %w : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<1x?x32xf32>
  return
}

// -----

func.func @linear_rows(%x: tensor<5x64xf32>, %w: tensor<32x64xf32>) {
  // expected-error @+1 {{'llm.linear' op result dim 0 differs from the input's}}
  %0 = llm.linear %x, %w : (tensor<5x64xf32>, tensor<32x64xf32>) -> tensor<6x32xf32>
  return
}

// -----

func.func @linear_type(%x: tensor<?x64xf32>, %w: tensor<32x64xf32>) {
  // expected-error @+1 {{'llm.linear' op result element type must match the input's}}
  %0 = llm.linear %x, %w : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf16>
  return
}

// -----

func.func @linear_bias(%x: tensor<?x64xf32>, %w: tensor<32x64xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{'llm.linear' op bias has 64 elements but the weight produces 32}}
  %0 = llm.linear %x, %w, %b : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<64xf32>) -> tensor<?x32xf32>
  return
}

// -----

func.func @linear_scalar(%x: tensor<f32>, %w: tensor<32x64xf32>) {
  // expected-error @+1 {{'llm.linear' op input must have at least one dimension}}
  %0 = llm.linear %x, %w : (tensor<f32>, tensor<32x64xf32>) -> tensor<f32>
  return
}

// -----

func.func @rope_rank(%x: tensor<?x64xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{'llm.rope' op input must be [seq, heads, head_dim], got rank 2}}
  %0 = llm.rope %x, %p {theta = 1.0e4 : f64} : tensor<?x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @rope_odd(%x: tensor<?x4x63xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{'llm.rope' op head_dim must be even, got 63}}
  %0 = llm.rope %x, %p {theta = 1.0e4 : f64} : tensor<?x4x63xf32>, tensor<?xi32>
  return
}

// -----

func.func @rope_positions(%x: tensor<3x4x64xf32>, %p: tensor<4xi32>) {
  // expected-error @+1 {{'llm.rope' op has 4 positions for 3 tokens}}
  %0 = llm.rope %x, %p {theta = 1.0e4 : f64} : tensor<3x4x64xf32>, tensor<4xi32>
  return
}

// -----

func.func @rope_theta(%x: tensor<?x4x64xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{'llm.rope' op theta must be positive}}
  %0 = llm.rope %x, %p {theta = -1.0 : f64} : tensor<?x4x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @attention_rank(%q: tensor<?x4096xf32>, %k: tensor<?x8x128xf32>, %c: !llm.kv_cache<1x8x64x128xf16>, %s: index) {
  // expected-error @+1 {{'llm.attention' op query, key and value must be [seq, heads, head_dim]}}
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 0} : tensor<?x4096xf32>, tensor<?x8x128xf32>, !llm.kv_cache<1x8x64x128xf16>
  return
}

// -----

func.func @attention_seq(%q: tensor<3x32x128xf32>, %k: tensor<4x8x128xf32>, %c: !llm.kv_cache<1x8x64x128xf16>, %s: index) {
  // expected-error @+1 {{'llm.attention' op query has 3 tokens but key/value have 4}}
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 0} : tensor<3x32x128xf32>, tensor<4x8x128xf32>, !llm.kv_cache<1x8x64x128xf16>
  return
}

// -----

func.func @attention_dynamic_heads(%q: tensor<3x?x128xf32>, %k: tensor<3x8x128xf32>, %c: !llm.kv_cache<1x8x64x128xf16>, %s: index) {
  // expected-error @+1 {{'llm.attention' op head counts must be static}}
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 0} : tensor<3x?x128xf32>, tensor<3x8x128xf32>, !llm.kv_cache<1x8x64x128xf16>
  return
}

// -----

func.func @attention_gqa(%q: tensor<?x12x128xf32>, %k: tensor<?x8x128xf32>, %c: !llm.kv_cache<1x8x64x128xf16>, %s: index) {
  // expected-error @+1 {{'llm.attention' op query heads (12) must be a multiple of key/value heads (8)}}
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 0} : tensor<?x12x128xf32>, tensor<?x8x128xf32>, !llm.kv_cache<1x8x64x128xf16>
  return
}

// -----

func.func @attention_cache_heads(%q: tensor<?x32x128xf32>, %k: tensor<?x8x128xf32>, %c: !llm.kv_cache<1x4x64x128xf16>, %s: index) {
  // expected-error @+1 {{'llm.attention' op key/value have 8 heads but the cache holds 4}}
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 0} : tensor<?x32x128xf32>, tensor<?x8x128xf32>, !llm.kv_cache<1x4x64x128xf16>
  return
}

// -----

func.func @attention_head_dim(%q: tensor<?x32x64xf32>, %k: tensor<?x8x64xf32>, %c: !llm.kv_cache<1x8x64x128xf16>, %s: index) {
  // expected-error @+1 {{'llm.attention' op head_dim 64 differs from the cache's 128}}
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 0} : tensor<?x32x64xf32>, tensor<?x8x64xf32>, !llm.kv_cache<1x8x64x128xf16>
  return
}

// -----

func.func @attention_overflow(%q: tensor<65x32x128xf32>, %k: tensor<65x8x128xf32>, %c: !llm.kv_cache<1x8x64x128xf16>, %s: index) {
  // expected-error @+1 {{'llm.attention' op appends 65 tokens to a cache of 64}}
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 0} : tensor<65x32x128xf32>, tensor<65x8x128xf32>, !llm.kv_cache<1x8x64x128xf16>
  return
}

// -----

func.func @attention_layer(%q: tensor<?x32x128xf32>, %k: tensor<?x8x128xf32>, %c: !llm.kv_cache<2x8x64x128xf16>, %s: index) {
  // expected-error @+1 {{'llm.attention' op layer 2 is outside the cache's 2 layers}}
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 2} : tensor<?x32x128xf32>, tensor<?x8x128xf32>, !llm.kv_cache<2x8x64x128xf16>
  return
}

// -----

func.func @attention_window(%q: tensor<?x32x128xf32>, %k: tensor<?x8x128xf32>, %c: !llm.kv_cache<1x8x64x128xf16>, %s: index) {
  // expected-error @+1 {{'llm.attention' op sliding_window must be positive}}
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 0, sliding_window = 0} : tensor<?x32x128xf32>, tensor<?x8x128xf32>, !llm.kv_cache<1x8x64x128xf16>
  return
}

// -----

func.func @attention_scale(%q: tensor<?x32x128xf32>, %k: tensor<?x8x128xf32>, %c: !llm.kv_cache<1x8x64x128xf16>, %s: index) {
  // expected-error @+1 {{'llm.attention' op scale must be positive}}
  %o, %c1 = llm.attention %q, %k, %k, %c[%s] {layer = 0, scale = 0.0 : f64} : tensor<?x32x128xf32>, tensor<?x8x128xf32>, !llm.kv_cache<1x8x64x128xf16>
  return
}

// -----

// expected-note @+1 {{prior use here}}
func.func @swiglu_types(%g: tensor<?x64xf32>, %u: tensor<?x64xf16>) {
  // expected-error @+1 {{use of value '%u' expects different type than prior uses: 'tensor<?x64xf32>' vs 'tensor<?x64xf16>'}}
  %0 = llm.swiglu %g, %u : tensor<?x64xf32>
  return
}

// -----

func.func @rms_norm_permutation(%x: tensor<?x64xf32>, %g: tensor<64xf32>, %p: tensor<32xi32>) {
  // expected-error @+1 {{'llm.rms_norm' op permutation has 32 elements for 64 features}}
  %0 = llm.rms_norm %x, %g permutation %p {epsilon = 1.0e-5 : f64} : tensor<?x64xf32>, tensor<64xf32>, tensor<32xi32>
  return
}

// -----

func.func @permute_size(%x: tensor<?x64xf32>, %p: tensor<63xi32>) {
  // expected-error @+1 {{'llm.permute' op permutation has 63 elements for 64 features}}
  %0 = llm.permute %x, %p : tensor<?x64xf32>, tensor<63xi32>
  return
}

// -----

func.func @permute_scalar(%x: tensor<f32>, %p: tensor<1xi32>) {
  // expected-error @+1 {{'llm.permute' op input must have at least one dimension}}
  %0 = llm.permute %x, %p : tensor<f32>, tensor<1xi32>
  return
}

// -----

func.func @permute_element_type(%x: tensor<?x64xf32>, %p: tensor<64xi64>) {
  // expected-error @+1 {{'llm.permute' op operand #1 must be 1D tensor of 32-bit signless integer values}}
  %0 = llm.permute %x, %p : tensor<?x64xf32>, tensor<64xi64>
  return
}
