// Every tokenizer path gives the reference ids for the whole of valid.txt
// (435,485 tokens, sha256 in reference.json): SentencePiece, tokenizer.json,
// and the vocabulary embedded in our own GGUF export.
// REQUIRES: shared-data
// RUN: qf-tokenize sp %qf_src/test/fixtures/llama-t/tokenizer.model %shared/data/valid.txt %t.sp.bin | FileCheck %s --check-prefix=ROUND
// RUN: %python %S/check_ids.py %t.sp.bin %shared/data/reference.json | FileCheck %s
// RUN: qf-tokenize hf %qf_src/test/fixtures/llama-t %shared/data/valid.txt %t.hf.bin | FileCheck %s --check-prefix=ROUND
// RUN: %python %S/check_ids.py %t.hf.bin %shared/data/reference.json | FileCheck %s
// RUN: quant-export %qf_src/test/fixtures/llama-t --type=q8_0 -o %t.gguf
// RUN: qf-tokenize gguf %t.gguf %shared/data/valid.txt %t.gguf.bin | FileCheck %s --check-prefix=ROUND
// RUN: %python %S/check_ids.py %t.gguf.bin %shared/data/reference.json | FileCheck %s

// ROUND: 435485 tokens, decode exact
// CHECK: 435485 ids, sha256 matches the reference
