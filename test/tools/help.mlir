// --help of the llvm::cl tools lists their own options, not those of every
// LLVM and MLIR library they link (still accepted, e.g. --mlir-disable-threading).
// RUN: quant-compile --help > %t.compile
// RUN: FileCheck %s --input-file=%t.compile --check-prefixes=GENERIC,COMPILE
// RUN: FileCheck %s --input-file=%t.compile --check-prefix=NOT-LLVM
// RUN: quant-import --help > %t.import
// RUN: FileCheck %s --input-file=%t.import --check-prefixes=GENERIC,IMPORT
// RUN: FileCheck %s --input-file=%t.import --check-prefix=NOT-LLVM
// RUN: quant-export --help > %t.export
// RUN: FileCheck %s --input-file=%t.export --check-prefixes=GENERIC,EXPORT
// RUN: FileCheck %s --input-file=%t.export --check-prefix=NOT-LLVM
// RUN: quant-compile %qf_src/test/fixtures/llama-t --emit=llm --mlir-disable-threading | FileCheck %s --check-prefix=ACCEPTED

// Only NOT lines: none of these anywhere in the output.
// NOT-LLVM-NOT: --x86-align-branch
// NOT-LLVM-NOT: --nvptx-sched4reg
// NOT-LLVM-NOT: --mlir-print-ir-after-failure
// GENERIC: --help
// GENERIC: --version
// COMPILE: quant-compile options:
// COMPILE: --emit=<value>
// COMPILE: --kv-cache=<value>
// COMPILE: --quant=<value>
// IMPORT: quant-import options:
// IMPORT: --kv-cache-type=<string>
// IMPORT: --max-seq=<long>
// EXPORT: quant-export options:
// EXPORT: --type=<value>
// ACCEPTED: func.func @prefill
