// GPTQ end to end on llama-t: calibrate on calib.txt (128 windows of 512
// tokens, run by the runtime) one layer at a time, quantize to 4 bits with
// groups of 128, and beat round-to-nearest's perplexity on valid.txt.
// REQUIRES: shared-data
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=gptq --bits=4 --group-size=128 --calib %shared/data/calib.txt -o %t.qfa 2>%t.log
// RUN: FileCheck %s --check-prefix=PROGRESS < %t.log
// RUN: quant-eval %t.qfa --text %shared/data/valid.txt --ctx 512 --json > %t.json
// RUN: %python %S/check_generation.py below %shared/data/reference.json llama-t %t.json rtn_w4_g128_asym | FileCheck %s

// PROGRESS: [calibrate] layer 2/2 input 4/4 sample 128/128
// PROGRESS: [gptq 14/14] model.layers.1.mlp.down_proj.weight
// CHECK: below rtn_w4_g128_asym
