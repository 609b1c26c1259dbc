// Synthetic checkpoints written by gen_checkpoint.py, one per config feature.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/gen_checkpoint.py llama-bf16-sharded %t/sharded
// RUN: quant-import %t/sharded | quant-opt | FileCheck %s --check-prefix=SHARDED
// RUN: quant-import %t/sharded --print-checksums > %t/sharded.sums
// RUN: %python %S/check_checksums.py %t/sharded %t/sharded.sums | FileCheck %s --check-prefix=SUMS
// RUN: %python %S/gen_checkpoint.py qwen2-tied-bias %t/qwen2
// RUN: quant-import %t/qwen2 --kv-cache-type=f16 --max-seq=128 | quant-opt | FileCheck %s --check-prefix=QWEN2
// RUN: %python %S/gen_checkpoint.py mistral-window %t/mistral
// RUN: quant-import %t/mistral | quant-opt | FileCheck %s --check-prefix=MISTRAL
// RUN: %python %S/gen_checkpoint.py llama3-rope %t/llama3
// RUN: quant-import %t/llama3 | quant-opt | FileCheck %s --check-prefix=LLAMA3

// Two shards, BF16 weights, GQA (4 query heads over 2 KV heads).
// SHARDED: llm.param_archive @shard0 safetensors "{{.*}}model-00001-of-00002.safetensors"
// SHARDED: llm.param_archive @shard1 safetensors "{{.*}}model-00002-of-00002.safetensors"
// SHARDED: llm.weight @shard{{[01]}}["model.layers.0.self_attn.k_proj.weight"] : tensor<32x64xbf16>
// SHARDED: llm.attention {{.*}} : tensor<?x4x16xf32>, tensor<?x2x16xf32>, !llm.kv_cache<2x2x256x16xf32>
// SUMS: 21 tensors, 0 mismatches

// Qwen2: q/k/v biases, tied embeddings, a window on layers >= max_window_layers.
// QWEN2: llm.weight @shard0["model.layers.0.self_attn.q_proj.bias"] : tensor<64xf32>
// QWEN2: llm.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x64xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
// QWEN2: llm.attention {{.*}} {layer = 0 : i64} : {{.*}}!llm.kv_cache<2x2x128x16xf16>
// QWEN2: llm.attention {{.*}} {layer = 1 : i64, sliding_window = 32 : i64}
// QWEN2-NOT: lm_head
// QWEN2: llm.linear %{{.*}}, %{{.*}} : (tensor<?x64xf32>, tensor<96x64xf32>) -> tensor<?x96xf32>

// Mistral: one KV head, a window on every layer.
// MISTRAL: llm.attention {{.*}} {layer = 0 : i64, sliding_window = 64 : i64} : tensor<?x4x16xf32>, tensor<?x1x16xf32>
// MISTRAL: llm.attention {{.*}} {layer = 1 : i64, sliding_window = 64 : i64}

// Llama 3 rope scaling.
// LLAMA3: llm.rope {{.*}} {scaling = #llm.rope_scaling<llama3, factor = 8.000000e+00 : f64, low_freq_factor = 1.000000e+00 : f64, high_freq_factor = 4.000000e+00 : f64, original_max_position = 8192 : i64>, theta = 5.000000e+05 : f64}
