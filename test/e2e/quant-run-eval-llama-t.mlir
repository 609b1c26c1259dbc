// The bundled llama-t as a user runs it: compile to an artifact, generate
// greedily (identical to PyTorch's tokens) and measure perplexity on the
// whole of valid.txt (within 0.1% of PyTorch's float32 number).
// REQUIRES: shared-data
// RUN: quant-compile %qf_src/test/fixtures/llama-t -o %t.qfa
// RUN: quant-run %t.qfa -p "The Linux kernel is" -n 32 --greedy > %t.txt 2> %t.stats
// RUN: %python %S/check_generation.py greedy %shared/data/reference.json llama-t "The Linux kernel is" %t.txt | FileCheck %s --check-prefix=GREEDY
// RUN: FileCheck %s --check-prefix=STATS < %t.stats
// RUN: quant-run %t.qfa -p "In Python, a dictionary is" -n 32 --greedy > %t.2 2>/dev/null
// RUN: %python %S/check_generation.py greedy %shared/data/reference.json llama-t "In Python, a dictionary is" %t.2 | FileCheck %s --check-prefix=GREEDY
// RUN: quant-run %t.qfa -p "To configure the network interface," -n 32 --greedy > %t.3 2>/dev/null
// RUN: %python %S/check_generation.py greedy %shared/data/reference.json llama-t "To configure the network interface," %t.3 | FileCheck %s --check-prefix=GREEDY
// RUN: quant-eval %t.qfa --text %shared/data/valid.txt --ctx 512 --json > %t.json
// RUN: %python %S/check_generation.py ppl %shared/data/reference.json llama-t %t.json 1e-3 | FileCheck %s --check-prefix=PPL

// GREEDY: greedy text identical
// STATS: prefill: 5 tokens
// STATS: decode: 32 tokens
// STATS: kv cache: 2048 bytes/token (f32), capacity 1024 tokens
// PPL: ppl {{.*}} within 0.001 counts equal
