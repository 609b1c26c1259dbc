// Bad checkpoints: one clear error naming the file, tensor and problem.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/gen_checkpoint.py bad-shape %t/bad-shape
// RUN: not quant-import %t/bad-shape 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: %python %S/gen_checkpoint.py missing-shard %t/missing-shard
// RUN: not quant-import %t/missing-shard 2>&1 | FileCheck %s --check-prefix=SHARD
// RUN: not quant-import %t/nowhere 2>&1 | FileCheck %s --check-prefix=NODIR
// RUN: not quant-import %qf_src/test/fixtures/llama-t --kv-cache-type=f8 2>&1 | FileCheck %s --check-prefix=KVTYPE

// SHAPE: quant-import: error: {{.*}}bad-shape/model.safetensors: tensor 'model.layers.1.mlp.up_proj.weight' has shape [64, 128] but config.json implies [128, 64]
// SHARD: quant-import: error: {{.*}}model-00002-of-00002.safetensors
// NODIR: quant-import: error: {{.*}}nowhere/config.json: cannot open file
// KVTYPE: quant-import: error: unknown KV cache type 'f8' (expected f32, f16 or bf16)
