// The paged KV cache on the bundled llama-t (docs/kv-cache.md): the same
// perplexity and greedy tokens as the contiguous cache, a generation to
// full context, and a clean error when a small block pool runs out.
// REQUIRES: shared-data
// RUN: head -c 40000 %shared/data/valid.txt > %t.txt
// RUN: quant-compile %qf_src/test/fixtures/llama-t --kv-cache=int8 -o %t.int8.qfa
// RUN: quant-compile %qf_src/test/fixtures/llama-t --kv-cache=int8 --kv-block-size=16 -o %t.paged.qfa
// RUN: quant-eval %t.int8.qfa --text %t.txt --ctx 512 --json > %t.int8.json
// RUN: quant-eval %t.paged.qfa --text %t.txt --ctx 512 --json > %t.paged.json
// RUN: %python %S/compare_ppl.py %t.paged.json %t.int8.json 1e-6 | FileCheck %s --check-prefix=PPL
// RUN: quant-run %t.int8.qfa -p "The Linux kernel is" -n 48 --greedy > %t.int8.txt 2>/dev/null
// RUN: quant-run %t.paged.qfa -p "The Linux kernel is" -n 48 --greedy > %t.paged.txt 2> %t.paged.stats
// RUN: diff %t.int8.txt %t.paged.txt
// RUN: FileCheck %s --check-prefix=STATS < %t.paged.stats

// A prompt of 4 tokens and 1019 new ones fill all 1024 positions.
// RUN: quant-run %t.paged.qfa -p "Debian" -n 1019 --greedy 2>&1 >/dev/null | FileCheck %s --check-prefix=LONG-PAGED
// RUN: quant-run %t.int8.qfa -p "Debian" -n 1019 --greedy 2>&1 >/dev/null | FileCheck %s --check-prefix=LONG

// RUN: not quant-run %t.paged.qfa -p "The Linux kernel is" -n 100 --kv-blocks 2 2>&1 >/dev/null | FileCheck %s --check-prefix=FULL
// RUN: not quant-run %t.int8.qfa -p "The Linux kernel is" --kv-blocks 2 2>&1 | FileCheck %s --check-prefix=CONTIGUOUS

// PPL: relative {{.*}} within 1e-06 counts equal
// STATS: kv cache: 576 bytes/token (i8, f32 scales), capacity 1024 tokens, 589824 bytes
// STATS: kv blocks: 4 of 64 in use, 16 tokens each
// LONG-PAGED: prefill: 4 tokens
// LONG-PAGED: decode: 1019 tokens
// LONG-PAGED: kv blocks: 64 of 64 in use, 16 tokens each
// LONG: decode: 1019 tokens
// FULL: quant-run: error: KV cache full: 2 of 2 blocks of 16 tokens in use
// CONTIGUOUS: --kv-blocks needs an artifact with a paged KV cache
