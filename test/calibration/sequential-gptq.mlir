// Block-sequential GPTQ (the default of --quant=gptq): progress per layer
// and weight, the per-layer report (JSON and HTML), and determinism: the
// same seed gives a bit-identical artifact (parameters included) at any
// thread count, another seed a different one.
// REQUIRES: shared-data
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=gptq --bits=3 --group-size=128 --calib %shared/data/calib.txt --calib-samples 8 --calib-seqlen 128 --seed 7 --report %t.report -o %t.a.qfa 2>%t.log
// RUN: tr '\r' '\n' < %t.log | FileCheck %s --check-prefix=PROGRESS
// RUN: quant-compile %qf_src/test/fixtures/llama-t --emit=statistics --calib %shared/data/calib.txt --calib-samples 8 --calib-seqlen 128 --seed 7 -o %t.stats 2>/dev/null
// RUN: %python %S/check_report.py %t.report %qf_src/test/fixtures/llama-t %t.stats 3 128 | FileCheck %s --check-prefix=REPORT
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=gptq --bits=8 --group-size=128 --calib %shared/data/calib.txt --calib-samples 8 --calib-seqlen 128 --seed 7 --report %t.report8 -o %t.8.qfa 2>/dev/null
// RUN: %python %S/check_report.py %t.report8 %qf_src/test/fixtures/llama-t %t.stats 8 128 all | FileCheck %s --check-prefix=CHAINED
// RUN: env QF_NUM_THREADS=1 quant-compile %qf_src/test/fixtures/llama-t --quant=gptq --bits=3 --group-size=128 --calib %shared/data/calib.txt --calib-samples 8 --calib-seqlen 128 --seed 7 -o %t.b.qfa 2>/dev/null
// RUN: cmp %t.a.qfa %t.b.qfa
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=gptq --bits=3 --group-size=128 --calib %shared/data/calib.txt --calib-samples 8 --calib-seqlen 128 --seed 8 -o %t.c.qfa 2>/dev/null
// RUN: not cmp -s %t.a.qfa %t.c.qfa
// The same report from the parallel flow (llm-quantize-gptq's report=,
// every weight on the float model's statistics) and from RTN (relative
// errors only).
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=gptq --calib-mode=parallel --bits=3 --group-size=128 --calib %shared/data/calib.txt --calib-samples 8 --calib-seqlen 128 --seed 7 --report %t.parallel -o %t.p.qfa 2>/dev/null
// RUN: %python %S/check_report.py %t.parallel %qf_src/test/fixtures/llama-t %t.stats 3 128 all | FileCheck %s --check-prefix=PARALLEL
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=rtn --bits=4 --group-size=128 --report %t.rtn.json -o %t.rtn.qfa 2>/dev/null
// RUN: %python %S/check_report.py %t.rtn %qf_src/test/fixtures/llama-t - 4 128 | FileCheck %s --check-prefix=RTN
// RUN: not quant-compile %qf_src/test/fixtures/llama-t --report %t.r -o %t.d.qfa 2>&1 | FileCheck %s --check-prefix=NOREPORT

// The embedding, then per layer one pass per input (q/k/v, o, gate/up,
// down), each after the weights before it are quantized, then its outputs.
// PROGRESS: [calibrate] embedding outputs sample 8/8
// PROGRESS: [calibrate] layer 1/2 input 1/4 sample 8/8
// PROGRESS: [gptq 1/14] model.layers.0.self_attn.q_proj.weight [128 x 128] rel. error {{.*}} error
// PROGRESS: [gptq 3/14] model.layers.0.self_attn.v_proj.weight
// PROGRESS: [calibrate] layer 1/2 input 2/4 sample 8/8
// PROGRESS: [gptq 4/14] model.layers.0.self_attn.o_proj.weight
// PROGRESS: [calibrate] layer 1/2 input 3/4 sample 8/8
// PROGRESS: [gptq 6/14] model.layers.0.mlp.up_proj.weight
// PROGRESS: [calibrate] layer 1/2 input 4/4 sample 8/8
// PROGRESS: [gptq 7/14] model.layers.0.mlp.down_proj.weight
// PROGRESS: [calibrate] layer 1/2 outputs sample 8/8
// PROGRESS: [calibrate] layer 2/2 input 1/4 sample 8/8
// PROGRESS: [gptq 14/14] model.layers.1.mlp.down_proj.weight [128 x 256] rel. error {{.*}} error
// PROGRESS: [calibrate] layer 2/2 outputs sample 8/8
// Both layers share the embedding's, four observers' and the forward pass's.
// PROGRESS: [calibrate] 6 executables compiled for 3 stages

// REPORT: gptq 14 linears; true-sequential order ; fields complete ; settings ok
// REPORT: totals consistent ; relative errors plausible
// REPORT: after below before on 14/14; total after below before
// REPORT: calibration block-sequential 8 x 128 seed 7
// REPORT: layer 0 q/k/v error_before vs numpy: within 1e-06
// REPORT: html: svg series [('after', 14), ('before', 14)] ; table rows 14 ; external resources 0

// CHAINED: all error_before vs numpy: within 0.002

// PARALLEL: gptq 14 linears; true-sequential order ; fields complete ; settings ok
// PARALLEL: after below before on 14/14; total after below before
// PARALLEL: calibration parallel None x None seed None
// PARALLEL: all error_before vs numpy: within 0.002
// PARALLEL: html: svg series [('after', 14), ('before', 14)] ; table rows 14 ; external resources 0

// RTN: rtn 14 linears; true-sequential order ; fields complete ; settings ok
// RTN: totals consistent ; relative errors plausible
// RTN: relative_error vs numpy: within 1e-05
// RTN: html: svg series [('relative', 14)] ; table rows 14 ; external resources 0

// NOREPORT: quant-compile: --report needs --quant=rtn|gptq|awq
