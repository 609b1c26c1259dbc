// AWQ end to end on llama-t: calibrate on calib.txt (128 windows of 512
// tokens, run by the runtime) one decoder layer at a time, each input's
// statistics (H and mean |x|) taken with the layers and inputs before it
// quantized; search and fold the scales, clip, quantize to 4 bits with
// groups of 128, and beat round-to-nearest's perplexity on valid.txt.
// REQUIRES: shared-data
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=awq --bits=4 --group-size=128 --calib %shared/data/calib.txt --awq-report %t.report.json -o %t.qfa 2>%t.log
// RUN: tr '\r' '\n' < %t.log | FileCheck %s --check-prefix=PROGRESS
// RUN: %python %qf_src/test/passes/Quant/awq_check.py report %t.report.json | FileCheck %s --check-prefix=REPORT
// RUN: quant-eval %t.qfa --text %shared/data/valid.txt --ctx 512 --json > %t.json
// RUN: %python %S/check_generation.py below %shared/data/reference.json llama-t %t.json rtn_w4_g128_asym | FileCheck %s

// PROGRESS: [calibrate] layer 2/2 input 4/4 sample 128/128
// PROGRESS: [awq scales 8/8] model.layers.1.mlp.down_proj.weight alpha
// PROGRESS: [awq 14/14] model.layers.1.mlp.down_proj.weight
// REPORT: awq w4 g128 grid 20: 14 linears, fields complete: True, output error below RTN's in total: True
// CHECK: below rtn_w4_g128_asym
