// GGUF export of the bundled llama-t at every type, imported back without
// dequantizing; exporting an exported file again reproduces it byte for byte.
// RUN: rm -rf %t && mkdir -p %t
// RUN: quant-export %qf_src/test/fixtures/llama-t --type=f16 -o %t/f16.gguf | FileCheck %s --check-prefix=WROTE
// RUN: quant-export %qf_src/test/fixtures/llama-t --type=q8_0 -o %t/q8.gguf
// RUN: quant-export %qf_src/test/fixtures/llama-t --type=q4_0 -o %t/q4.gguf
// RUN: quant-import %t/f16.gguf | quant-opt | FileCheck %s --check-prefix=F16
// RUN: quant-import %t/q8.gguf | quant-opt | FileCheck %s --check-prefix=Q8
// RUN: quant-import %t/q4.gguf | quant-opt | FileCheck %s --check-prefix=Q4
// RUN: quant-export %t/q8.gguf --type=q8_0 -o %t/q8-again.gguf
// RUN: cmp %t/q8.gguf %t/q8-again.gguf
// RUN: quant-export %t/q4.gguf --type=q4_0 -o %t/q4-again.gguf
// RUN: cmp %t/q4.gguf %t/q4-again.gguf
// RUN: quant-export %t/f16.gguf --type=f16 -o %t/f16-again.gguf
// RUN: cmp %t/f16.gguf %t/f16-again.gguf

// WROTE: 21 tensors

// GGUF llama keeps Meta's interleaved rotary pairs.
// F16: llm.param_archive @gguf gguf "{{.*}}f16.gguf"
// F16: llm.weight @gguf["token_embd.weight"] : tensor<4096x128xf16>
// F16: llm.weight @gguf["blk.0.attn_norm.weight"] : tensor<128xf32>
// F16: llm.rope {{.*}} {interleaved, theta = 1.000000e+04 : f64}
// F16: llm.weight @gguf["output.weight"] : tensor<4096x128xf16>

// Q8: llm.weight @gguf["blk.0.ffn_down.weight"] : !llm.qweight<128x256xi8, group_size = 32, sym, scale = f16, packing = gguf_q8_0>
// Q4: llm.weight @gguf["blk.1.ffn_up.weight"] : !llm.qweight<256x128xi4, group_size = 32, sym, scale = f16, packing = gguf_q4_0>
