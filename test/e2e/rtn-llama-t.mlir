// RTN-quantized llama-t against reference.json's simulated quantization:
// perplexity on the whole of valid.txt within 0.5%.
// REQUIRES: shared-data
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=rtn --bits=4 --group-size=128 -o %t.w4.qfa 2>/dev/null
// RUN: quant-eval %t.w4.qfa --text %shared/data/valid.txt --ctx 512 --json > %t.w4.json
// RUN: %python %S/check_generation.py ppl %shared/data/reference.json llama-t %t.w4.json 5e-3 rtn_w4_g128_asym | FileCheck %s
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=rtn --bits=8 --group-size=0 --sym -o %t.w8.qfa 2>/dev/null
// RUN: quant-eval %t.w8.qfa --text %shared/data/valid.txt --ctx 512 --json > %t.w8.json
// RUN: %python %S/check_generation.py ppl %shared/data/reference.json llama-t %t.w8.json 5e-3 rtn_w8_perchannel_sym | FileCheck %s

// CHECK: within 0.005 counts equal
