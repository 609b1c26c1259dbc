// Corrupted or unsuitable artifacts and bad requests: a clear error naming
// the file and the problem, and a non-zero exit; never a crash.
// RUN: rm -rf %t && mkdir -p %t
// RUN: quant-compile %qf_src/test/fixtures/llama-t -o %t/good.qfa
// RUN: head -c 100000 %t/good.qfa > %t/truncated.qfa
// RUN: not quant-run %t/truncated.qfa -p hi -n 1 2>&1 | FileCheck %s --check-prefix=TRUNC
// RUN: %python %S/flip_byte.py %t/good.qfa %t/header.qfa 2
// RUN: not quant-run %t/header.qfa -p hi -n 1 2>&1 | FileCheck %s --check-prefix=HEADER
// RUN: %python %S/flip_byte.py %t/good.qfa %t/plan.qfa 40
// RUN: not quant-run %t/plan.qfa -p hi -n 1 2>&1 | FileCheck %s --check-prefix=PLAN
// RUN: %python %S/flip_byte.py %t/good.qfa %t/weights.qfa -5000
// RUN: not quant-eval %t/weights.qfa --text %s 2>&1 | FileCheck %s --check-prefix=WEIGHTS
// RUN: printf "" > %t/empty.txt
// RUN: not quant-eval %t/good.qfa --text %t/empty.txt 2>&1 | FileCheck %s --check-prefix=EMPTY
// RUN: %python -c "print('word ' * 3000)" > %t/long.txt
// RUN: not quant-run %t/good.qfa -p "$(cat %t/long.txt)" -n 1 2>&1 | FileCheck %s --check-prefix=LONG
// RUN: not quant-run %t/good.qfa -p hi --bogus 2>&1 | FileCheck %s --check-prefix=OPTION

// TRUNC: {{.*}}truncated.qfa: {{.*}}
// HEADER: {{.*}}header.qfa: {{.*}}
// PLAN: {{.*}}plan.qfa: {{.*}}
// WEIGHTS: {{.*}}weights.qfa: section {{[0-9]+}} ({{.*}}) checksum mismatch
// EMPTY: {{.*}}empty.txt{{.*}}
// LONG: {{.*}}context{{.*}}
// OPTION: {{.*}}bogus{{.*}}
