// llama-s (BF16 weights, 6 query heads over 2 KV heads) as an artifact:
// greedy continuations of every reference prompt are PyTorch's tokens.
// REQUIRES: shared-data
// RUN: quant-compile %shared/models/llama-s -o %t.qfa
// RUN: quant-run %t.qfa -p "The Linux kernel is" -n 32 --greedy > %t.1 2>/dev/null
// RUN: %python %S/check_generation.py greedy %shared/data/reference.json llama-s "The Linux kernel is" %t.1 | FileCheck %s
// RUN: quant-run %t.qfa -p "In Python, a dictionary is" -n 32 --greedy > %t.2 2>/dev/null
// RUN: %python %S/check_generation.py greedy %shared/data/reference.json llama-s "In Python, a dictionary is" %t.2 | FileCheck %s
// RUN: quant-run %t.qfa -p "To configure the network interface," -n 32 --greedy > %t.3 2>/dev/null
// RUN: %python %S/check_generation.py greedy %shared/data/reference.json llama-s "To configure the network interface," %t.3 | FileCheck %s
// CHECK: greedy text identical
