// A KV cache whose layers differ in storage (docs/kv-cache.md) on the bundled
// llama-t: layer 0 fp8, layer 1 int8. Its perplexity on a slice of
// valid.txt equals a float64 reference that fake-quantizes each layer's
// cache its own way (tolerance 3e-5: float32 vs float64 flips a few int8
// roundings, ~1e-6; the uniform int8 cache is 3.5e-4 away, the swapped
// assignment 1.5e-3), the paged layout gives the same perplexity and tokens,
// and quant-run reports the summed bytes per token.
// REQUIRES: shared-data
// RUN: head -c 20000 %shared/data/valid.txt > %t.txt
// RUN: qf-tokenize sp %qf_src/test/fixtures/llama-t/tokenizer.model %t.txt %t.ids
// RUN: quant-compile %qf_src/test/fixtures/llama-t --kv-cache=int8 --kv-cache-layers=0:fp8 -o %t.mixed.qfa
// RUN: quant-eval %t.mixed.qfa --text %t.txt --ctx 512 --json > %t.mixed.json
// RUN: %python %S/kv_reference.py %qf_src/test/fixtures/llama-t %t.ids 512 fp8,int8 %t.mixed.json 3e-5 | FileCheck %s --check-prefix=REF
// RUN: not %python %S/kv_reference.py %qf_src/test/fixtures/llama-t %t.ids 512 int8,int8 %t.mixed.json 3e-5 | FileCheck %s --check-prefix=OTHER
// RUN: not %python %S/kv_reference.py %qf_src/test/fixtures/llama-t %t.ids 512 int8,fp8 %t.mixed.json 3e-5 | FileCheck %s --check-prefix=OTHER

// RUN: quant-compile %qf_src/test/fixtures/llama-t --kv-cache=int8 --kv-cache-layers=0:fp8 --kv-block-size=16 -o %t.paged.qfa
// RUN: quant-eval %t.paged.qfa --text %t.txt --ctx 512 --json > %t.paged.json
// RUN: %python %S/compare_ppl.py %t.paged.json %t.mixed.json 1e-6 | FileCheck %s --check-prefix=PAGED
// RUN: quant-run %t.mixed.qfa -p "The Linux kernel is" -n 24 --greedy > %t.mixed.txt 2> %t.mixed.stats
// RUN: quant-run %t.paged.qfa -p "The Linux kernel is" -n 24 --greedy > %t.paged.txt 2> %t.paged.stats
// RUN: diff %t.mixed.txt %t.paged.txt
// RUN: FileCheck %s --check-prefix=STATS < %t.mixed.stats
// RUN: FileCheck %s --check-prefixes=STATS,BLOCKS < %t.paged.stats

// Every layer listed with one storage is exactly the uniform cache.
// RUN: quant-compile %qf_src/test/fixtures/llama-t --kv-cache=f32 --kv-cache-layers=0-1:int8 --emit=optimized -o - | FileCheck %s --check-prefix=ALL
// RUN: not quant-compile %qf_src/test/fixtures/llama-t --kv-cache=int8 --kv-cache-layers=2:fp8 -o %t.bad.qfa 2>&1 | FileCheck %s --check-prefix=RANGE

// REF: ppl {{.*}} within 3e-05 counts equal
// OTHER: ppl {{.*}} exceeds 3e-05 counts equal
// PAGED: relative {{.*}} within 1e-06 counts equal
// llama-t: 4 KV heads x 32 dims, K and V: fp8 256 bytes, int8 256 + 32 of
// f32 scales.
// STATS: kv cache: 544 bytes/token (layer 0: f8E4M3FN; layer 1: i8, f32 scales), capacity 1024 tokens, 557056 bytes
// BLOCKS: kv blocks: 2 of 64 in use, 16 tokens each
// ALL: !llm.kv_cache<2x4x1024x32xi8, scale = f32>)
// RANGE: llm-lower-kv-cache: layer 2 in layers entry '2:fp8' is out of range: the cache has 2 layers
