// RUN: rm -rf %t && split-file %s %t
// RUN: %python %S/awq_check.py tiny %t/data

// llama-t, calibrated by our runtime on a few windows of the README.
// RUN: quant-import %qf_src/test/fixtures/llama-t -o %t/t.mlir
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=awq --emit=statistics --calib %qf_src/README.md --calib-samples 4 --calib-seqlen 128 -o %t/t.stats 2>/dev/null
// RUN: quant-opt %t/t.mlir --llm-quantize-awq="statistics=%t/t.stats output=%t/t.w4.safetensors report=%t/t.w4.json" -o %t/t.w4.mlir 2>%t/t.w4.progress
// RUN: FileCheck %s --check-prefix=LLAMA < %t/t.w4.mlir
// RUN: FileCheck %s --check-prefix=PROGRESS < %t/t.w4.progress
// RUN: %python %S/awq_check.py report %t/t.w4.json | FileCheck %s --check-prefix=REPORT

// At 8 bits without clipping the quantized model computes what the
// checkpoint does: every fold is exact.
// RUN: quant-opt %t/t.mlir --llm-quantize-awq="bits=8 group-size=32 clip=false statistics=%t/t.stats output=%t/t.w8.safetensors progress=false" -o %t/t.w8.mlir
// RUN: qf-dequantize-weights %t/t.w8.mlir %t/t.w8.dequantized.safetensors
// RUN: %python %S/awq_check.py fold %qf_src/test/fixtures/llama-t %t/t.w8.safetensors %t/t.w8.dequantized.safetensors | FileCheck %s --check-prefix=FOLD

// Every other option.
// RUN: quant-opt %t/t.mlir --llm-quantize-awq="bits=3 group-size=32 symmetric=true scale-type=f16 grid=10 clip-grid=10 max-shrink=0.3 statistics=%t/t.stats output=%t/t.w3.safetensors progress=false report=%t/t.w3.json" | FileCheck %s --check-prefix=W3
// RUN: %python %S/awq_check.py report %t/t.w3.json | FileCheck %s --check-prefix=REPORT3
// RUN: quant-opt %t/t.mlir --llm-quantize-awq="clip=false statistics=%t/t.stats output=%t/t.noclip.safetensors progress=false report=%t/t.noclip.json" -o /dev/null
// RUN: %python %S/awq_check.py report %t/t.noclip.json | FileCheck %s --check-prefix=NOCLIP

// Which inputs are scaled: an MLP, attention with grouped KV heads (o_proj
// keeps scale 1) and with one KV head per query head (o_proj folds into
// v_proj).
// RUN: sed "s|WEIGHTS|%t/data/weights.safetensors|" %t/blocks.mlir > %t/blocks.sub.mlir
// RUN: quant-opt %t/blocks.sub.mlir --llm-quantize-awq="group-size=8 statistics=%t/data/stats.safetensors output=%t/blocks.safetensors report=%t/blocks.json progress=false" | FileCheck %s --check-prefix=BLOCKS
// RUN: %python %S/awq_check.py report %t/blocks.json | FileCheck %s --check-prefix=BREPORT

// Diagnostics.
// RUN: quant-opt %t/no-statistics.mlir --llm-quantize-awq="output=%t/x.safetensors" -verify-diagnostics
// RUN: quant-opt %t/no-output.mlir --llm-quantize-awq="statistics=%t/data/stats.safetensors" -verify-diagnostics
// RUN: quant-opt %t/bad-scale-type.mlir --llm-quantize-awq="scale-type=bf16 statistics=%t/data/stats.safetensors output=%t/x.safetensors" -verify-diagnostics
// RUN: quant-opt %t/bad-bits.mlir --llm-quantize-awq="bits=9 statistics=%t/data/stats.safetensors output=%t/x.safetensors" -verify-diagnostics
// RUN: quant-opt %t/bad-grid.mlir --llm-quantize-awq="grid=0 statistics=%t/data/stats.safetensors output=%t/x.safetensors" -verify-diagnostics
// RUN: quant-opt %t/bad-grid.mlir --llm-quantize-awq="max-shrink=1.0 statistics=%t/data/stats.safetensors output=%t/x.safetensors" -verify-diagnostics
// RUN: quant-opt %t/no-file.mlir --llm-quantize-awq="statistics=%t/missing.safetensors output=%t/x.safetensors" -verify-diagnostics
// RUN: sed "s|WEIGHTS|%t/data/weights.safetensors|" %t/no-absmean.mlir > %t/no-absmean.sub.mlir
// RUN: quant-opt %t/no-absmean.sub.mlir --llm-quantize-awq="group-size=8 statistics=%t/data/stats-no-absmean.safetensors output=%t/x.safetensors" -verify-diagnostics
// RUN: sed "s|WEIGHTS|%t/data/weights.safetensors|" %t/no-hessian.mlir > %t/no-hessian.sub.mlir
// RUN: quant-opt %t/no-hessian.sub.mlir --llm-quantize-awq="group-size=8 statistics=%t/data/stats-no-up-hessian.safetensors output=%t/x.safetensors progress=false" -verify-diagnostics
// RUN: sed "s|WEIGHTS|%t/data/weights.safetensors|" %t/bad-shape.mlir > %t/bad-shape.sub.mlir
// RUN: quant-opt %t/bad-shape.sub.mlir --llm-quantize-awq="group-size=8 statistics=%t/data/stats-bad-shape.safetensors output=%t/x.safetensors" -verify-diagnostics
// RUN: sed "s|WEIGHTS|%t/data/weights.safetensors|" %t/bad-group.mlir > %t/bad-group.sub.mlir
// RUN: quant-opt %t/bad-group.sub.mlir --llm-quantize-awq="group-size=12 statistics=%t/data/stats.safetensors output=%t/x.safetensors" -verify-diagnostics
// RUN: sed "s|WEIGHTS|%t/data/weights-nan.safetensors|" %t/nan.mlir > %t/nan.sub.mlir
// RUN: quant-opt %t/nan.sub.mlir --llm-quantize-awq="group-size=8 statistics=%t/data/stats.safetensors output=%t/x.safetensors" -verify-diagnostics
// RUN: sed "s|WEIGHTS|%t/data/missing.safetensors|" %t/no-weights.mlir > %t/no-weights.sub.mlir
// RUN: quant-opt %t/no-weights.sub.mlir --llm-quantize-awq="group-size=8 statistics=%t/data/stats.safetensors output=%t/x.safetensors" -verify-diagnostics
// RUN: sed "s|WEIGHTS|%t/data/weights-no-norm.safetensors|" %t/no-norm.mlir > %t/no-norm.sub.mlir
// RUN: quant-opt %t/no-norm.sub.mlir --llm-quantize-awq="group-size=8 statistics=%t/data/stats.safetensors output=%t/x.safetensors progress=false" -verify-diagnostics
// RUN: sed "s|WEIGHTS|%t/data/weights.safetensors|" %t/report-dir.mlir > %t/report-dir.sub.mlir
// RUN: quant-opt %t/report-dir.sub.mlir --llm-quantize-awq="group-size=8 statistics=%t/data/stats.safetensors output=%t/x.safetensors progress=false report=%t/no-such-dir/r.json" -verify-diagnostics

// The rescaled norms and the packed weights come from the new archive; the
// embedding, the final norm and the head keep the checkpoint's.
// LLAMA: llm.param_archive @awq safetensors "{{.*}}t.w4.safetensors"
// LLAMA: llm.weight @shard0["model.embed_tokens.weight"] : tensor<4096x128xf32>
// LLAMA: llm.weight @awq["model.layers.0.input_layernorm.weight"] : tensor<128xf32>
// LLAMA: llm.weight @awq["model.layers.0.self_attn.q_proj.weight"] : !llm.qweight<128x128xi4, per_channel, asym, scale = f32>
// LLAMA: llm.weight @awq["model.layers.0.post_attention_layernorm.weight"] : tensor<128xf32>
// LLAMA: llm.weight @awq["model.layers.0.mlp.down_proj.weight"] : !llm.qweight<128x256xi4, group_size = 128, asym, scale = f32>
// LLAMA: llm.weight @shard0["model.norm.weight"] : tensor<128xf32>
// LLAMA: llm.weight @shard0["lm_head.weight"] : tensor<4096x128xf32>

// PROGRESS: [awq scales 1/8] model.layers.0.self_attn.q_proj.weight, model.layers.0.self_attn.k_proj.weight, model.layers.0.self_attn.v_proj.weight alpha
// PROGRESS: [awq scales 8/8] model.layers.1.mlp.down_proj.weight alpha
// PROGRESS: [awq 1/14] model.layers.0.self_attn.q_proj.weight [128 x 128] alpha {{[0-9.]+}} clip - rel. error {{.*}} error {{.*}} (rtn
// PROGRESS: [awq 3/14] model.layers.0.self_attn.v_proj.weight [128 x 128] alpha {{[0-9.]+}} clip 0.{{[0-9]+}} rel. error
// PROGRESS: [awq 14/14] model.layers.1.mlp.down_proj.weight [128 x 256]

// REPORT: awq w4 g128 grid 20: 14 linears, fields complete: True, output error below RTN's in total: True
// q/k are not clipped (their outputs meet in a product); llama-t has one KV
// head per query head, so o_proj's scales fold into v_proj.
// REPORT: model.layers.0.self_attn.q_proj.weight: alpha {{[0-9.]+}} fold model.layers.0.input_layernorm.weight clip -
// REPORT: model.layers.0.self_attn.k_proj.weight: alpha {{[0-9.]+}} fold model.layers.0.input_layernorm.weight clip -
// REPORT: model.layers.0.self_attn.v_proj.weight: alpha {{[0-9.]+}} fold model.layers.0.input_layernorm.weight clip searched
// REPORT: model.layers.0.self_attn.o_proj.weight: alpha {{[0-9.]+}} fold model.layers.0.self_attn.v_proj.weight clip searched
// REPORT: model.layers.0.mlp.gate_proj.weight: alpha {{[0-9.]+}} fold model.layers.0.post_attention_layernorm.weight clip searched
// REPORT: model.layers.0.mlp.down_proj.weight: alpha {{[0-9.]+}} fold model.layers.0.mlp.up_proj.weight clip searched

// FOLD: 2 layers: quantized function within {{.*}} of the checkpoint's ok
// FOLD: without the folds: {{.*}}, far

// W3: llm.weight @awq["model.layers.0.input_layernorm.weight"] : tensor<128xf32>
// W3: llm.weight @awq["model.layers.0.self_attn.q_proj.weight"] : !llm.qweight<128x128xi3, group_size = 32, sym, scale = f16>
// REPORT3: awq w3 g32 grid 10: 14 linears, fields complete: True, output error below RTN's in total: True
// NOCLIP: awq w4 g128 grid 20: 14 linears, fields complete: True, output error below RTN's in total: True
// NOCLIP-NOT: clip searched

// BLOCKS-LABEL: func.func @mlp
// BLOCKS: llm.weight @awq["model.layers.0.post_attention_layernorm.weight"] : tensor<16xf32>
// BLOCKS: llm.weight @awq["model.layers.0.mlp.gate_proj.weight"] : !llm.qweight<32x16xi4, group_size = 8, asym, scale = f32>
// BLOCKS-LABEL: func.func @gqa
// BLOCKS: llm.weight @awq["model.layers.1.input_layernorm.weight"] : tensor<16xf32>
// BLOCKS-LABEL: func.func @mha
// BLOCKS: llm.weight @awq["model.layers.2.input_layernorm.weight"] : tensor<16xf32>
// BREPORT: awq w4 g8 grid 20: 11 linears
// BREPORT: model.layers.0.mlp.down_proj.weight: alpha {{[0-9.]+}} fold model.layers.0.mlp.up_proj.weight clip searched
// BREPORT: model.layers.1.self_attn.o_proj.weight: alpha - fold None clip searched unscaled: query heads share KV heads
// BREPORT: model.layers.2.self_attn.o_proj.weight: alpha {{[0-9.]+}} fold model.layers.2.self_attn.v_proj.weight clip searched

//--- blocks.mlir
module {
  llm.param_archive @w safetensors "WEIGHTS"
  func.func @mlp(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
    %g = llm.weight @w["model.layers.0.post_attention_layernorm.weight"] : tensor<16xf32>
    %h = llm.rms_norm %x, %g {epsilon = 1.0e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    %wg = llm.weight @w["model.layers.0.mlp.gate_proj.weight"] : tensor<32x16xf32>
    %a = llm.linear %h, %wg : (tensor<?x16xf32>, tensor<32x16xf32>) -> tensor<?x32xf32>
    %wu = llm.weight @w["model.layers.0.mlp.up_proj.weight"] : tensor<32x16xf32>
    %b = llm.linear %h, %wu : (tensor<?x16xf32>, tensor<32x16xf32>) -> tensor<?x32xf32>
    %s = llm.swiglu %a, %b : tensor<?x32xf32>
    %wd = llm.weight @w["model.layers.0.mlp.down_proj.weight"] : tensor<16x32xf32>
    %y = llm.linear %s, %wd : (tensor<?x32xf32>, tensor<16x32xf32>) -> tensor<?x16xf32>
    return %y : tensor<?x16xf32>
  }
  func.func @gqa(%x: tensor<?x16xf32>, %pos: tensor<?xi32>, %start: index, %cache: !llm.kv_cache<3x2x64x4xf32>) -> tensor<?x16xf32> {
    %c0 = arith.constant 0 : index
    %n = tensor.dim %x, %c0 : tensor<?x16xf32>
    %g = llm.weight @w["model.layers.1.input_layernorm.weight"] : tensor<16xf32>
    %h = llm.rms_norm %x, %g {epsilon = 1.0e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    %wq = llm.weight @w["model.layers.1.self_attn.q_proj.weight"] : tensor<16x16xf32>
    %q = llm.linear %h, %wq : (tensor<?x16xf32>, tensor<16x16xf32>) -> tensor<?x16xf32>
    %wk = llm.weight @w["model.layers.1.self_attn.k_proj.weight"] : tensor<8x16xf32>
    %k = llm.linear %h, %wk : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
    %wv = llm.weight @w["model.layers.1.self_attn.v_proj.weight"] : tensor<8x16xf32>
    %v = llm.linear %h, %wv : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
    %q3 = tensor.expand_shape %q [[0], [1, 2]] output_shape [%n, 4, 4] : tensor<?x16xf32> into tensor<?x4x4xf32>
    %qr = llm.rope %q3, %pos {theta = 1.000000e+04 : f64} : tensor<?x4x4xf32>, tensor<?xi32>
    %k3 = tensor.expand_shape %k [[0], [1, 2]] output_shape [%n, 2, 4] : tensor<?x8xf32> into tensor<?x2x4xf32>
    %kr = llm.rope %k3, %pos {theta = 1.000000e+04 : f64} : tensor<?x2x4xf32>, tensor<?xi32>
    %v3 = tensor.expand_shape %v [[0], [1, 2]] output_shape [%n, 2, 4] : tensor<?x8xf32> into tensor<?x2x4xf32>
    %o, %c = llm.attention %qr, %kr, %v3, %cache[%start] {layer = 1 : i64} : tensor<?x4x4xf32>, tensor<?x2x4xf32>, !llm.kv_cache<3x2x64x4xf32>
    %o2 = tensor.collapse_shape %o [[0], [1, 2]] : tensor<?x4x4xf32> into tensor<?x16xf32>
    %wo = llm.weight @w["model.layers.1.self_attn.o_proj.weight"] : tensor<16x16xf32>
    %y = llm.linear %o2, %wo : (tensor<?x16xf32>, tensor<16x16xf32>) -> tensor<?x16xf32>
    return %y : tensor<?x16xf32>
  }
  func.func @mha(%x: tensor<?x16xf32>, %pos: tensor<?xi32>, %start: index, %cache: !llm.kv_cache<3x4x64x4xf32>) -> tensor<?x16xf32> {
    %c0 = arith.constant 0 : index
    %n = tensor.dim %x, %c0 : tensor<?x16xf32>
    %g = llm.weight @w["model.layers.2.input_layernorm.weight"] : tensor<16xf32>
    %h = llm.rms_norm %x, %g {epsilon = 1.0e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    %wq = llm.weight @w["model.layers.2.self_attn.q_proj.weight"] : tensor<16x16xf32>
    %q = llm.linear %h, %wq : (tensor<?x16xf32>, tensor<16x16xf32>) -> tensor<?x16xf32>
    %wk = llm.weight @w["model.layers.2.self_attn.k_proj.weight"] : tensor<16x16xf32>
    %k = llm.linear %h, %wk : (tensor<?x16xf32>, tensor<16x16xf32>) -> tensor<?x16xf32>
    %wv = llm.weight @w["model.layers.2.self_attn.v_proj.weight"] : tensor<16x16xf32>
    %v = llm.linear %h, %wv : (tensor<?x16xf32>, tensor<16x16xf32>) -> tensor<?x16xf32>
    %q3 = tensor.expand_shape %q [[0], [1, 2]] output_shape [%n, 4, 4] : tensor<?x16xf32> into tensor<?x4x4xf32>
    %k3 = tensor.expand_shape %k [[0], [1, 2]] output_shape [%n, 4, 4] : tensor<?x16xf32> into tensor<?x4x4xf32>
    %v3 = tensor.expand_shape %v [[0], [1, 2]] output_shape [%n, 4, 4] : tensor<?x16xf32> into tensor<?x4x4xf32>
    %o, %c = llm.attention %q3, %k3, %v3, %cache[%start] {layer = 2 : i64} : tensor<?x4x4xf32>, tensor<?x4x4xf32>, !llm.kv_cache<3x4x64x4xf32>
    %o2 = tensor.collapse_shape %o [[0], [1, 2]] : tensor<?x4x4xf32> into tensor<?x16xf32>
    %wo = llm.weight @w["model.layers.2.self_attn.o_proj.weight"] : tensor<16x16xf32>
    %y = llm.linear %o2, %wo : (tensor<?x16xf32>, tensor<16x16xf32>) -> tensor<?x16xf32>
    return %y : tensor<?x16xf32>
  }
}

//--- no-statistics.mlir
// expected-error @below {{llm-quantize-awq needs statistics=<calibration statistics file>}}
module {}

//--- no-output.mlir
// expected-error @below {{llm-quantize-awq needs output=<parameter file>}}
module {}

//--- bad-scale-type.mlir
// expected-error @below {{llm-quantize-awq: scale-type must be f32 or f16, got 'bf16'}}
module {}

//--- bad-bits.mlir
// expected-error @below {{llm-quantize-awq: bits must be 2 to 8, got 9}}
module {}

//--- bad-grid.mlir
// expected-error @below {{llm-quantize-awq: grid and clip-grid must be positive and 1/clip-grid <= max-shrink < 1}}
module {}

//--- no-file.mlir
// expected-error @below {{missing.safetensors}}
module {}

//--- no-absmean.mlir
module {
  llm.param_archive @w safetensors "WEIGHTS"
  func.func @mlp(%x: tensor<?x16xf32>) -> tensor<?x32xf32> {
    %g = llm.weight @w["model.layers.0.post_attention_layernorm.weight"] : tensor<16xf32>
    %h = llm.rms_norm %x, %g {epsilon = 1.0e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    // expected-error @below {{stats-no-absmean.safetensors: no tensor 'model.layers.0.mlp.gate_proj.weight.absmean'}}
    %wg = llm.weight @w["model.layers.0.mlp.gate_proj.weight"] : tensor<32x16xf32>
    %a = llm.linear %h, %wg : (tensor<?x16xf32>, tensor<32x16xf32>) -> tensor<?x32xf32>
    return %a : tensor<?x32xf32>
  }
}

//--- no-hessian.mlir
module {
  llm.param_archive @w safetensors "WEIGHTS"
  func.func @mlp(%x: tensor<?x16xf32>) -> tensor<?x32xf32> {
    %g = llm.weight @w["model.layers.0.post_attention_layernorm.weight"] : tensor<16xf32>
    %h = llm.rms_norm %x, %g {epsilon = 1.0e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    %wg = llm.weight @w["model.layers.0.mlp.gate_proj.weight"] : tensor<32x16xf32>
    %a = llm.linear %h, %wg : (tensor<?x16xf32>, tensor<32x16xf32>) -> tensor<?x32xf32>
    // expected-error @below {{stats-no-up-hessian.safetensors: no tensor 'model.layers.0.mlp.up_proj.weight.hessian'}}
    %wu = llm.weight @w["model.layers.0.mlp.up_proj.weight"] : tensor<32x16xf32>
    %b = llm.linear %h, %wu : (tensor<?x16xf32>, tensor<32x16xf32>) -> tensor<?x32xf32>
    %s = llm.swiglu %a, %b : tensor<?x32xf32>
    return %s : tensor<?x32xf32>
  }
}

//--- bad-shape.mlir
module {
  llm.param_archive @w safetensors "WEIGHTS"
  func.func @mlp(%x: tensor<?x16xf32>) -> tensor<?x32xf32> {
    %g = llm.weight @w["model.layers.0.post_attention_layernorm.weight"] : tensor<16xf32>
    %h = llm.rms_norm %x, %g {epsilon = 1.0e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    // expected-error @below {{tensor 'model.layers.0.mlp.gate_proj.weight.absmean' must be F32 or F64 of shape [16]}}
    %wg = llm.weight @w["model.layers.0.mlp.gate_proj.weight"] : tensor<32x16xf32>
    %a = llm.linear %h, %wg : (tensor<?x16xf32>, tensor<32x16xf32>) -> tensor<?x32xf32>
    return %a : tensor<?x32xf32>
  }
}

//--- bad-group.mlir
module {
  llm.param_archive @w safetensors "WEIGHTS"
  func.func @mlp(%x: tensor<?x16xf32>) -> tensor<?x32xf32> {
    %g = llm.weight @w["model.layers.0.post_attention_layernorm.weight"] : tensor<16xf32>
    %h = llm.rms_norm %x, %g {epsilon = 1.0e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    // expected-error @below {{AWQ scale search: groups of 12 cannot split 16 columns}}
    %wg = llm.weight @w["model.layers.0.mlp.gate_proj.weight"] : tensor<32x16xf32>
    %a = llm.linear %h, %wg : (tensor<?x16xf32>, tensor<32x16xf32>) -> tensor<?x32xf32>
    return %a : tensor<?x32xf32>
  }
}

//--- nan.mlir
module {
  llm.param_archive @w safetensors "WEIGHTS"
  func.func @mlp(%x: tensor<?x16xf32>) -> tensor<?x32xf32> {
    %g = llm.weight @w["model.layers.0.post_attention_layernorm.weight"] : tensor<16xf32>
    %h = llm.rms_norm %x, %g {epsilon = 1.0e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    // expected-error @below {{AWQ scale search: no finite loss}}
    %wg = llm.weight @w["model.layers.0.mlp.gate_proj.weight"] : tensor<32x16xf32>
    %a = llm.linear %h, %wg : (tensor<?x16xf32>, tensor<32x16xf32>) -> tensor<?x32xf32>
    return %a : tensor<?x32xf32>
  }
}

//--- no-weights.mlir
module {
  llm.param_archive @w safetensors "WEIGHTS"
  func.func @mlp(%x: tensor<?x16xf32>) -> tensor<?x32xf32> {
    %g = llm.weight @w["model.layers.0.post_attention_layernorm.weight"] : tensor<16xf32>
    %h = llm.rms_norm %x, %g {epsilon = 1.0e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    // expected-error @below {{missing.safetensors}}
    %wg = llm.weight @w["model.layers.0.mlp.gate_proj.weight"] : tensor<32x16xf32>
    %a = llm.linear %h, %wg : (tensor<?x16xf32>, tensor<32x16xf32>) -> tensor<?x32xf32>
    return %a : tensor<?x32xf32>
  }
}

//--- no-norm.mlir
module {
  llm.param_archive @w safetensors "WEIGHTS"
  func.func @mlp(%x: tensor<?x16xf32>) -> tensor<?x32xf32> {
    // expected-error @below {{no tensor 'model.layers.0.post_attention_layernorm.weight'}}
    %g = llm.weight @w["model.layers.0.post_attention_layernorm.weight"] : tensor<16xf32>
    %h = llm.rms_norm %x, %g {epsilon = 1.0e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    %wg = llm.weight @w["model.layers.0.mlp.gate_proj.weight"] : tensor<32x16xf32>
    %a = llm.linear %h, %wg : (tensor<?x16xf32>, tensor<32x16xf32>) -> tensor<?x32xf32>
    return %a : tensor<?x32xf32>
  }
}

//--- report-dir.mlir
// expected-error @below {{no-such-dir/r.json: cannot write the report}}
module {
  llm.param_archive @w safetensors "WEIGHTS"
  func.func @mlp(%x: tensor<?x16xf32>) -> tensor<?x32xf32> {
    %g = llm.weight @w["model.layers.0.post_attention_layernorm.weight"] : tensor<16xf32>
    %h = llm.rms_norm %x, %g {epsilon = 1.0e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    %wg = llm.weight @w["model.layers.0.mlp.gate_proj.weight"] : tensor<32x16xf32>
    %a = llm.linear %h, %wg : (tensor<?x16xf32>, tensor<32x16xf32>) -> tensor<?x32xf32>
    return %a : tensor<?x32xf32>
  }
}
