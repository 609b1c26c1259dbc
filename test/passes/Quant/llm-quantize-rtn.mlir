// RUN: quant-import %qf_src/test/fixtures/llama-t -o %t.mlir
// RUN: quant-opt %t.mlir --llm-quantize-rtn="bits=4 group-size=128 output=%t.w4.safetensors" 2>%t.progress | FileCheck %s
// RUN: FileCheck %s --check-prefix=PROGRESS < %t.progress
// RUN: quant-opt %t.mlir --llm-quantize-rtn="bits=4 group-size=128 output=%t.w4.safetensors progress=false" -o %t.w4.mlir
// RUN: qf-dequantize-weights %t.w4.mlir %t.w4.out.safetensors
// RUN: %python %S/rtn_reference.py %qf_src/test/fixtures/llama-t %t.w4.out.safetensors 4 128 asym | FileCheck %s --check-prefix=VALUES
// RUN: quant-opt %t.mlir --llm-quantize-rtn="bits=8 group-size=0 symmetric=true scale-type=f32 output=%t.w8.safetensors progress=false" -o %t.w8.mlir
// RUN: FileCheck %s --check-prefix=W8 < %t.w8.mlir
// RUN: qf-dequantize-weights %t.w8.mlir %t.w8.out.safetensors
// RUN: %python %S/rtn_reference.py %qf_src/test/fixtures/llama-t %t.w8.out.safetensors 8 0 sym | FileCheck %s --check-prefix=VALUES
// RUN: quant-opt %t.mlir --llm-quantize-rtn="bits=3 group-size=32 scale-type=f16 output=%t.w3.safetensors progress=false" | FileCheck %s --check-prefix=W3
// RUN: not quant-opt %t.mlir --llm-quantize-rtn="bits=4" 2>&1 | FileCheck %s --check-prefix=NOOUT
// RUN: not quant-opt %t.mlir --llm-quantize-rtn="scale-type=bf16 output=%t.x" 2>&1 | FileCheck %s --check-prefix=SCALE
// RUN: not quant-opt %t.mlir --llm-quantize-rtn="bits=4 group-size=48 output=%t.x" 2>&1 | FileCheck %s --check-prefix=GROUP

// The decoder's linears read packed weights from the new archive; the
// embedding and the head keep the checkpoint's.
// CHECK: llm.param_archive @rtn safetensors "{{.*}}w4.safetensors"
// CHECK: llm.weight @shard0["model.embed_tokens.weight"] : tensor<4096x128xf32>
// CHECK: llm.weight @rtn["model.layers.0.self_attn.q_proj.weight"] : !llm.qweight<128x128xi4, per_channel, asym, scale = f32>
// CHECK: llm.weight @rtn["model.layers.0.mlp.down_proj.weight"] : !llm.qweight<128x256xi4, group_size = 128, asym, scale = f32>
// CHECK: llm.weight @shard0["lm_head.weight"] : tensor<4096x128xf32>

// PROGRESS: [rtn 1/14] model.layers.0.self_attn.q_proj.weight [128 x 128] rel. error
// PROGRESS: [rtn 14/14] model.layers.1.mlp.down_proj.weight [128 x 256]

// VALUES: 14 weights, 0 values off the reference

// W8: !llm.qweight<256x128xi8, per_channel, sym, scale = f32>
// W3: !llm.qweight<128x256xi3, group_size = 32, asym, scale = f16>

// NOOUT: llm-quantize-rtn needs output=<parameter file>
// SCALE: scale-type must be f32 or f16, got 'bf16'
// GROUP: 'llm.weight' op cannot be quantized: group size 48 does not divide the 128 columns
