// RUN: rm -rf %t && mkdir -p %t
// Errors, on the hand-written modules below (their archive is written here).
// RUN: %python %S/check_fold.py archive %t/archive.safetensors
// RUN: sed 's|@ARCHIVE@|%t/archive.safetensors|' %s | quant-opt --split-input-file --verify-diagnostics --llm-fold-act-order | FileCheck %s --check-prefix=NOOP

// Our GPTQ with act-order on llama-t, Hessians shared by the linears of one
// input as calibration shares them: q/k/v and gate/up have one permutation
// each, which goes into their norm; down_proj's goes into the rows of gate
// and up; o_proj keeps a gather.
// RUN: quant-import %qf_src/test/fixtures/llama-t -o %t/t.mlir
// RUN: %python %S/gptq_statistics.py make-shared %qf_src/test/fixtures/llama-t %t/stats.safetensors
// RUN: quant-opt %t/t.mlir --llm-quantize-gptq="group-size=32 act-order=true statistics=%t/stats.safetensors output=%t/t.gptq.safetensors progress=false" -o %t/t.gptq.mlir
// RUN: FileCheck %s --check-prefix=GPTQ < %t/t.gptq.mlir
// RUN: quant-opt %t/t.gptq.mlir --llm-fold-act-order="output=%t/t.folded.safetensors" -o %t/t.folded.mlir 2>%t/t.progress
// RUN: FileCheck %s --check-prefix=FOLDED < %t/t.folded.mlir
// RUN: FileCheck %s --check-prefix=PROGRESS < %t/t.progress
// RUN: quant-opt %t/t.gptq.mlir --llm-fold-act-order="output=%t/t.quiet.safetensors progress=false" -o %t/t.quiet.mlir 2>%t/t.quiet.log
// RUN: count 0 < %t/t.quiet.log
// RUN: qf-dequantize-weights %t/t.gptq.mlir %t/t.gptq.deq.safetensors
// RUN: qf-dequantize-weights %t/t.folded.mlir %t/t.folded.deq.safetensors
// RUN: %python %S/check_fold.py weights %t/t.gptq.deq.safetensors %t/t.folded.deq.safetensors %t/t.gptq.safetensors %t/t.folded.safetensors | FileCheck %s --check-prefix=WEIGHTS

// An imported GPTQ desc_act checkpoint, folded by llm-optimize: here every
// linear has its own random permutation, so q/k/v and gate/up keep gathers.
// RUN: %python %qf_src/test/import/gen_checkpoint.py gptq-v1-actorder %t/ckpt
// RUN: quant-import %t/ckpt -o %t/ckpt.mlir
// RUN: quant-opt %t/ckpt.mlir --pass-pipeline='builtin.module(llm-optimize{act-order-output=%t/ckpt.folded.safetensors})' -o %t/ckpt.folded.mlir 2>%t/ckpt.progress
// RUN: FileCheck %s --check-prefix=IMPORTED < %t/ckpt.folded.mlir
// RUN: FileCheck %s --check-prefix=IMPORTED-PROGRESS < %t/ckpt.progress
// RUN: qf-dequantize-weights %t/ckpt.mlir %t/ckpt.deq.safetensors
// RUN: qf-dequantize-weights %t/ckpt.folded.mlir %t/ckpt.folded.deq.safetensors
// RUN: %python %S/check_fold.py weights %t/ckpt.deq.safetensors %t/ckpt.folded.deq.safetensors %t/ckpt/model.safetensors %t/ckpt.folded.safetensors | FileCheck %s --check-prefix=IMPORTED-WEIGHTS
// fold-act-order=false, or no act-order-output, leaves llm-optimize as it was.
// RUN: quant-opt %t/ckpt.mlir --pass-pipeline='builtin.module(llm-optimize{fold-act-order=false act-order-output=%t/unused.safetensors})' | FileCheck %s --check-prefix=OFF
// RUN: quant-opt %t/ckpt.mlir --pass-pipeline='builtin.module(llm-optimize)' | FileCheck %s --check-prefix=OFF

// GPTQ: llm.weight @gptq["model.layers.0.self_attn.q_proj.weight"] : !llm.qweight<128x128xi4, group_size = 32, asym, scale = f32, act_order>

// FOLDED: llm.param_archive @actorder safetensors "{{.*}}t.folded.safetensors"
// FOLDED-NOT: act_order
// FOLDED: %[[P:.*]] = llm.weight @actorder["model.layers.0.self_attn.q_proj.weight.perm"] : tensor<128xi32>
// FOLDED: %[[N:.*]] = llm.rms_norm %{{.*}}, %{{.*}} permutation %[[P]] {{.*}} : tensor<?x128xf32>, tensor<128xf32>, tensor<128xi32>
// FOLDED: %[[Q:.*]] = llm.weight @actorder["model.layers.0.self_attn.q_proj.weight"] : !llm.qweight<128x128xi4, group_size = 32, asym, scale = f32>
// FOLDED: llm.linear %[[N]], %[[Q]]
// FOLDED: llm.linear %[[N]], %{{.*}}
// FOLDED: llm.linear %[[N]], %{{.*}}
// FOLDED: %[[ATT:.*]] = tensor.collapse_shape
// FOLDED: %[[OP:.*]] = llm.weight @actorder["model.layers.0.self_attn.o_proj.weight.perm"] : tensor<128xi32>
// FOLDED: %[[G:.*]] = llm.permute %[[ATT]], %[[OP]] : tensor<?x128xf32>, tensor<128xi32>
// FOLDED: %[[O:.*]] = llm.weight @actorder["model.layers.0.self_attn.o_proj.weight"]
// FOLDED: llm.linear %[[G]], %[[O]]
// FOLDED: llm.rms_norm %{{.*}}, %{{.*}} permutation %{{.*}}
// The down projection's permutation is in gate and up's rows: no perm tensor.
// FOLDED-NOT: mlp.down_proj.weight.perm
// FOLDED: %[[GATE:.*]] = llm.linear
// FOLDED: %[[UP:.*]] = llm.linear
// FOLDED: %[[ACT:.*]] = llm.swiglu %[[GATE]], %[[UP]]
// FOLDED: %[[DOWN:.*]] = llm.weight @actorder["model.layers.0.mlp.down_proj.weight"] : !llm.qweight<128x256xi4, group_size = 32, asym, scale = f32>
// FOLDED: llm.linear %[[ACT]], %[[DOWN]]

// PROGRESS: [fold-act-order] model.layers.0.self_attn.q_proj.weight: folded into the norm
// PROGRESS: [fold-act-order] model.layers.0.self_attn.o_proj.weight: kept a gather (input from tensor.collapse_shape)
// PROGRESS: [fold-act-order] model.layers.0.mlp.down_proj.weight: folded into the producers' rows (model.layers.0.mlp.gate_proj.weight, model.layers.0.mlp.up_proj.weight)
// PROGRESS: [fold-act-order] summary: 10 folded into the norm; 2 folded into the producers' rows; 2 kept a gather;

// WEIGHTS: 14 weights: 10 columns permuted, 4 also rows, 6 permutations, 0 mismatches

// IMPORTED: llm.param_archive @actorder safetensors "{{.*}}ckpt.folded.safetensors"
// IMPORTED-NOT: act_order
// IMPORTED: %[[N:.*]] = llm.rms_norm
// IMPORTED: %[[PQ:.*]] = llm.weight @actorder["model.layers.0.self_attn.q_proj.perm"] : tensor<64xi32>
// IMPORTED: llm.permute %[[N]], %[[PQ]]
// IMPORTED: llm.weight @actorder["model.layers.0.self_attn.q_proj"] : !llm.qweight<64x64xi4, group_size = 32, asym, scale = f16>
// IMPORTED-NOT: act_order
// IMPORTED: llm.weight @actorder["model.layers.0.mlp.down_proj"] : !llm.qweight<64x128xi4, group_size = 32, asym, scale = f16>

// IMPORTED-PROGRESS: [fold-act-order] model.layers.0.self_attn.q_proj: kept a gather (its input's linears differ in permutation)
// IMPORTED-PROGRESS: [fold-act-order] model.layers.0.mlp.down_proj: folded into the producers' rows
// IMPORTED-PROGRESS: summary: 2 folded into the producers' rows; 12 kept a gather;

// IMPORTED-WEIGHTS: 14 weights: 10 columns permuted, 4 also rows, 12 permutations, 0 mismatches

// OFF-NOT: @actorder
// OFF: packing = gptq_v1, act_order

// A module without act-order weights is left alone (no output needed).
// NOOP-LABEL: func.func @no_act_order
// NOOP: llm.linear %{{.*}}, %{{.*}} : (tensor<?x64xf32>, !llm.qweight<64x64xi4, group_size = 32, asym, scale = f32>)
func.func @no_act_order(%x: tensor<?x64xf32>, %w: !llm.qweight<64x64xi4, group_size = 32, asym, scale = f32>) -> tensor<?x64xf32> {
  %y = llm.linear %x, %w : (tensor<?x64xf32>, !llm.qweight<64x64xi4, group_size = 32, asym, scale = f32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @bound_weight(%x: tensor<?x64xf32>, %w: !llm.qweight<64x64xi4, group_size = 32, asym, scale = f32, act_order>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'llm.linear' op has an act-order weight that is not an llm.weight; run llm-fold-act-order before llm-bind-parameters}}
  %y = llm.linear %x, %w : (tensor<?x64xf32>, !llm.qweight<64x64xi4, group_size = 32, asym, scale = f32, act_order>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

llm.param_archive @a safetensors "@ARCHIVE@"
func.func @bf16_scales(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'llm.weight' op has bf16 scales, which the canonical layout cannot hold}}
  %w = llm.weight @a["good"] : !llm.qweight<64x64xi4, group_size = 32, asym, scale = bf16, packing = gptq_v1, act_order>
  %y = llm.linear %x, %w : (tensor<?x64xf32>, !llm.qweight<64x64xi4, group_size = 32, asym, scale = bf16, packing = gptq_v1, act_order>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

llm.param_archive @a safetensors "@ARCHIVE@"
func.func @other_user(%x: tensor<?x64xf32>) -> (tensor<?x64xf32>, tensor<64x64xf32>) {
  // expected-error @+1 {{'llm.weight' op act-order weight is also used by 'llm.dequantize'; only linear layers can be folded}}
  %w = llm.weight @a["good"] : !llm.qweight<64x64xi4, group_size = 32, asym, scale = f32, act_order>
  %y = llm.linear %x, %w : (tensor<?x64xf32>, !llm.qweight<64x64xi4, group_size = 32, asym, scale = f32, act_order>) -> tensor<?x64xf32>
  %d = llm.dequantize %w : !llm.qweight<64x64xi4, group_size = 32, asym, scale = f32, act_order> -> tensor<64x64xf32>
  return %y, %d : tensor<?x64xf32>, tensor<64x64xf32>
}

// -----

llm.param_archive @a safetensors "@ARCHIVE@"
func.func @unequal_groups(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'llm.weight' op cannot fold act-order: act-order group 0 has 40 columns, expected 32}}
  %w = llm.weight @a["bad"] : !llm.qweight<64x64xi4, group_size = 32, asym, scale = f32, act_order>
  %y = llm.linear %x, %w : (tensor<?x64xf32>, !llm.qweight<64x64xi4, group_size = 32, asym, scale = f32, act_order>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

llm.param_archive @a safetensors "@ARCHIVE@"
func.func @missing_tensor(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error-re @+1 {{'llm.weight' op {{.*}}archive.safetensors: no tensor 'missing.qweight'}}
  %w = llm.weight @a["missing"] : !llm.qweight<64x64xi4, group_size = 32, asym, scale = f32, act_order>
  %y = llm.linear %x, %w : (tensor<?x64xf32>, !llm.qweight<64x64xi4, group_size = 32, asym, scale = f32, act_order>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

llm.param_archive @a safetensors "@ARCHIVE@.absent"
func.func @missing_archive(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error-re @+1 {{'llm.weight' op {{.*}}archive.safetensors.absent{{.*}}}}
  %w = llm.weight @a["good"] : !llm.qweight<64x64xi4, group_size = 32, asym, scale = f32, act_order>
  %y = llm.linear %x, %w : (tensor<?x64xf32>, !llm.qweight<64x64xi4, group_size = 32, asym, scale = f32, act_order>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// expected-error @+1 {{llm-fold-act-order: the module has act-order weights; it needs output=<parameter file>}}
module {
  llm.param_archive @a safetensors "@ARCHIVE@"
  func.func @no_output(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
    %w = llm.weight @a["good"] : !llm.qweight<64x64xi4, group_size = 32, asym, scale = f32, act_order>
    %y = llm.linear %x, %w : (tensor<?x64xf32>, !llm.qweight<64x64xi4, group_size = 32, asym, scale = f32, act_order>) -> tensor<?x64xf32>
    return %y : tensor<?x64xf32>
  }
}
