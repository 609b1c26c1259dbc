// Modules export too, after our passes: the hyperparameters and tokenizer
// come from the checkpoint the module was imported from (llm.source), the
// weights from its archives, quantized ones decoded and re-encoded.
// RUN: rm -rf %t && mkdir -p %t
// RUN: quant-import %qf_src/test/fixtures/llama-t -o %t/llama-t.mlir
// RUN: FileCheck %s --check-prefix=SOURCE < %t/llama-t.mlir
// An unquantized module exports to exactly the checkpoint's own export.
// RUN: quant-export %t/llama-t.mlir --type=f16 -o %t/module.gguf
// RUN: quant-export %qf_src/test/fixtures/llama-t --type=f16 -o %t/checkpoint.gguf
// RUN: cmp %t/module.gguf %t/checkpoint.gguf
// RTN-quantized by our pass, then exported for llama.cpp.
// RUN: quant-opt %t/llama-t.mlir --llm-quantize-rtn="bits=4 group-size=32 output=%t/rtn.safetensors progress=false" -o %t/rtn.mlir
// RUN: quant-export %t/rtn.mlir --type=q4_0 -o %t/rtn.gguf | FileCheck %s --check-prefix=WROTE
// RUN: quant-import %t/rtn.gguf | quant-opt | FileCheck %s --check-prefix=Q4
// RUN: sed -e "s/ attributes {llm.source = [^}]*}//" %t/llama-t.mlir > %t/anonymous.mlir
// RUN: not quant-export %t/anonymous.mlir --type=f16 -o %t/x.gguf 2>&1 | FileCheck %s --check-prefix=NOSOURCE

// SOURCE: module attributes {llm.source = "{{.*}}test/fixtures/llama-t"}
// WROTE: wrote {{.*}}rtn.gguf: 21 tensors
// Q4: llm.weight @gguf["blk.0.attn_q.weight"] : !llm.qweight<128x128xi4, group_size = 32, sym, scale = f16, packing = gguf_q4_0>
// NOSOURCE: quant-export: error: {{.*}}anonymous.mlir: the module does not say which checkpoint it was imported from ('llm.source')
