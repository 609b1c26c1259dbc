// Pre-quantized checkpoints import as !llm.qweight, never dequantized.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/gen_checkpoint.py gptq-v1-actorder %t/gptq
// RUN: quant-import %t/gptq | quant-opt | FileCheck %s --check-prefix=GPTQ
// RUN: %python %S/gen_checkpoint.py gptq-v2-3bit %t/gptq3
// RUN: quant-import %t/gptq3 | quant-opt | FileCheck %s --check-prefix=GPTQ3
// RUN: %python %S/gen_checkpoint.py awq %t/awq
// RUN: quant-import %t/awq | quant-opt | FileCheck %s --check-prefix=AWQ

// GPTQ: llm.weight @shard0["model.layers.0.self_attn.q_proj"] : !llm.qweight<64x64xi4, group_size = 32, asym, scale = f16, packing = gptq_v1, act_order>
// GPTQ: llm.weight @shard0["model.layers.0.mlp.down_proj"] : !llm.qweight<64x128xi4, group_size = 32, asym, scale = f16, packing = gptq_v1, act_order>
// GPTQ: llm.weight @shard0["lm_head.weight"] : tensor<96x64xf32>

// GPTQ3: llm.weight @shard0["model.layers.1.mlp.gate_proj"] : !llm.qweight<128x64xi3, group_size = 32, asym, scale = f16, packing = gptq_v2>

// AWQ: llm.weight @shard0["model.layers.0.self_attn.k_proj"] : !llm.qweight<32x64xi4, group_size = 32, asym, scale = f16, packing = awq_gemm>

// The packed integers, zeros, scales and g_idx dequantize to exactly the
// weights the generator packed (AutoGPTQ's and AutoAWQ's own algorithms).
// RUN: quant-import %t/gptq -o %t/gptq.mlir
// RUN: qf-dequantize-weights %t/gptq.mlir %t/gptq.out.safetensors
// RUN: %python %S/compare_weights.py %t/gptq/expected.npy %t/gptq.out.safetensors | FileCheck %s --check-prefix=VALUES
// RUN: quant-import %t/gptq3 -o %t/gptq3.mlir
// RUN: qf-dequantize-weights %t/gptq3.mlir %t/gptq3.out.safetensors
// RUN: %python %S/compare_weights.py %t/gptq3/expected.npy %t/gptq3.out.safetensors | FileCheck %s --check-prefix=VALUES
// RUN: quant-import %t/awq -o %t/awq.mlir
// RUN: qf-dequantize-weights %t/awq.mlir %t/awq.out.safetensors
// RUN: %python %S/compare_weights.py %t/awq/expected.npy %t/awq.out.safetensors | FileCheck %s --check-prefix=VALUES
// VALUES: 14 weights, 0 mismatches
