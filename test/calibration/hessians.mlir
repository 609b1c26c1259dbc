// Calibration runs the instrumented model through the runtime and collects
// 2/n * sum of x x^T for every decoder linear. With one window covering the
// whole text but its last token (the only possible offset), layer 0's q/k/v
// input is rmsnorm(embedding) * gamma, which numpy recomputes here.
// REQUIRES: shared-data
// RUN: head -c 3000 %shared/data/valid.txt > %t.txt
// RUN: qf-tokenize sp %qf_src/test/fixtures/llama-t/tokenizer.model %t.txt %t.ids
// RUN: quant-compile %qf_src/test/fixtures/llama-t --emit=statistics --calib %t.txt --calib-samples 1 --calib-seqlen $(%python -c "import os; print(os.path.getsize('%t.ids') // 4 - 1)") -o %t.stats 2>/dev/null
// RUN: %python %S/check_hessian.py %qf_src/test/fixtures/llama-t %t.ids $(%python -c "import os; print(os.path.getsize('%t.ids') // 4 - 1)") %t.stats | FileCheck %s
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=awq --emit=statistics --calib %t.txt --calib-samples 1 --calib-seqlen $(%python -c "import os; print(os.path.getsize('%t.ids') // 4 - 1)") -o %t.awq.stats 2>/dev/null
// RUN: %python %S/check_hessian.py %qf_src/test/fixtures/llama-t %t.ids $(%python -c "import os; print(os.path.getsize('%t.ids') // 4 - 1)") %t.awq.stats | FileCheck %s --check-prefix=AWQ
// RUN: not quant-compile %qf_src/test/fixtures/llama-t --quant=gptq -o %t.qfa 2>&1 | FileCheck %s --check-prefix=NOCALIB
// RUN: not quant-compile %qf_src/test/fixtures/llama-t --quant=awq -o %t.qfa 2>&1 | FileCheck %s --check-prefix=NOCALIB
// RUN: printf "too short" > %t.short
// RUN: not quant-compile %qf_src/test/fixtures/llama-t --quant=gptq --calib %t.short -o %t.qfa 2>&1 | FileCheck %s --check-prefix=SHORT

// CHECK: 14 Hessians; layer 0 q/k/v share one: True; relative error {{.*}} ok
// CHECK-NOT: mean |x|
// With --quant=awq calibration also records mean |x| per input channel.
// AWQ: 14 Hessians; layer 0 q/k/v share one: True; relative error {{.*}} ok
// AWQ: 14 mean |x|; relative error {{.*}} ok
// NOCALIB: quant-compile: calibration needs --calib <text file>
// SHORT: {{.*}}short: {{[0-9]+}} tokens, fewer than one window of 512
