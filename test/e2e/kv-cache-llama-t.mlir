// KV-cache lowering on the bundled llama-t (docs/kv-cache.md): the bytes a
// token takes in each storage, and perplexity on the whole of valid.txt
// against reference.json's simulated int8 and fp8 caches (within 0.2%) and
// the float model (within 0.5%).
// REQUIRES: shared-data
// RUN: quant-compile %qf_src/test/fixtures/llama-t --kv-cache=f16 -o %t.f16.qfa
// RUN: quant-run %t.f16.qfa -p "The Linux kernel is" -n 4 --greedy 2>&1 >/dev/null | FileCheck %s --check-prefix=F16
// RUN: quant-compile %qf_src/test/fixtures/llama-t --kv-cache=int8 -o %t.int8.qfa
// RUN: quant-run %t.int8.qfa -p "The Linux kernel is" -n 4 --greedy 2>&1 >/dev/null | FileCheck %s --check-prefix=INT8
// RUN: quant-compile %qf_src/test/fixtures/llama-t --kv-cache=fp8 -o %t.fp8.qfa
// RUN: quant-run %t.fp8.qfa -p "The Linux kernel is" -n 4 --greedy 2>&1 >/dev/null | FileCheck %s --check-prefix=FP8
// RUN: quant-eval %t.int8.qfa --text %shared/data/valid.txt --ctx 512 --json > %t.int8.json
// RUN: %python %S/check_generation.py ppl %shared/data/reference.json llama-t %t.int8.json 2e-3 kv_int8_per_token_head | FileCheck %s --check-prefix=REF
// RUN: %python %S/check_generation.py ppl %shared/data/reference.json llama-t %t.int8.json 5e-3 | FileCheck %s --check-prefix=FP
// RUN: quant-eval %t.fp8.qfa --text %shared/data/valid.txt --ctx 512 --json > %t.fp8.json
// RUN: %python %S/check_generation.py ppl %shared/data/reference.json llama-t %t.fp8.json 2e-3 kv_fp8_e4m3 | FileCheck %s --check-prefix=REF

// llama-t: 2 layers x 4 KV heads x 32 dims, K and V. f32 is 2048 bytes
// (quant-run-eval-llama-t.mlir); int8 is half of f16 plus an f32 scale per
// layer, K|V and head (2 * 2 * 4 * 4 = 64 bytes).
// F16: kv cache: 1024 bytes/token (f16), capacity 1024 tokens, 1048576 bytes
// INT8: kv cache: 576 bytes/token (i8, f32 scales), capacity 1024 tokens, 589824 bytes
// FP8: kv cache: 512 bytes/token (f8E4M3FN), capacity 1024 tokens, 524288 bytes
// REF: within 0.002 counts equal
// FP: within 0.005 counts equal
