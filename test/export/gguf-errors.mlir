// Bad GGUF input and unsupported exports fail with a message naming the
// file and the problem.
// RUN: rm -rf %t && mkdir -p %t
// RUN: head -c 100 %qf_src/test/fixtures/llama-t/model.safetensors > %t/not.gguf
// RUN: not quant-import %t/not.gguf 2>&1 | FileCheck %s --check-prefix=MAGIC
// RUN: quant-export %qf_src/test/fixtures/llama-t --type=q8_0 -o %t/good.gguf
// RUN: head -c 5000 %t/good.gguf > %t/truncated.gguf
// RUN: not quant-import %t/truncated.gguf 2>&1 | FileCheck %s --check-prefix=TRUNC
// RUN: not quant-export %t/missing-dir --type=f16 -o %t/x.gguf 2>&1 | FileCheck %s --check-prefix=MISSING

// MAGIC: quant-import: error: {{.*}}not.gguf: {{.*}}
// TRUNC: quant-import: error: {{.*}}truncated.gguf: {{.*}}
// MISSING: quant-export: error: {{.*}}missing-dir/config.json: cannot open file
