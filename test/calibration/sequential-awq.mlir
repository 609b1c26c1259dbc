// Block-sequential AWQ (the default of --quant=awq): progress per layer,
// input and weight; the report (JSON and HTML) with alpha, fold and clip;
// layer 0's q/k, whose input is the float embedding's in either order,
// quantized exactly as llm-quantize-awq does from the whole-model
// statistics (v too in exact arithmetic; but o's scales fold into v's rows
// after v is quantized here and before in the pass, and float rounding of
// the row scale flips a few near ties); and one seed gives a bit-identical
// artifact at any thread count.
// REQUIRES: shared-data
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=awq --bits=4 --group-size=128 --calib %shared/data/calib.txt --calib-samples 8 --calib-seqlen 128 --seed 7 --report %t.report -o %t.a.qfa 2>%t.log
// RUN: tr '\r' '\n' < %t.log | FileCheck %s --check-prefix=PROGRESS
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=awq --emit=statistics --calib %shared/data/calib.txt --calib-samples 8 --calib-seqlen 128 --seed 7 -o %t.stats 2>/dev/null
// RUN: %python %S/check_report.py %t.report %qf_src/test/fixtures/llama-t %t.stats 4 128 | FileCheck %s --check-prefix=REPORT
// RUN: quant-import %qf_src/test/fixtures/llama-t -o %t.mlir
// RUN: quant-opt %t.mlir --llm-quantize-awq="statistics=%t.stats output=%t.parallel.safetensors progress=false report=%t.parallel" -o /dev/null
// RUN: %python %S/check_report.py compare %t.report %t.parallel 2 | FileCheck %s --check-prefix=SAME
// RUN: env QF_NUM_THREADS=1 quant-compile %qf_src/test/fixtures/llama-t --quant=awq --bits=4 --group-size=128 --calib %shared/data/calib.txt --calib-samples 8 --calib-seqlen 128 --seed 7 -o %t.b.qfa 2>/dev/null
// RUN: cmp %t.a.qfa %t.b.qfa

// Per layer one pass per input, each after the inputs before it are
// quantized: the group's scale search, then its linears.
// PROGRESS: [calibrate] embedding outputs sample 8/8
// PROGRESS: [calibrate] layer 1/2 input 1/4 sample 8/8
// PROGRESS: [awq scales 1/8] model.layers.0.self_attn.q_proj.weight, model.layers.0.self_attn.k_proj.weight, model.layers.0.self_attn.v_proj.weight alpha {{[0-9.]+}} output error
// PROGRESS: [awq 1/14] model.layers.0.self_attn.q_proj.weight [128 x 128] alpha {{[0-9.]+}} clip - rel. error {{.*}} error {{.*}} (rtn
// PROGRESS: [awq 3/14] model.layers.0.self_attn.v_proj.weight [128 x 128] alpha {{[0-9.]+}} clip 0.{{[0-9]+}} rel. error
// PROGRESS: [calibrate] layer 1/2 input 2/4 sample 8/8
// PROGRESS: [awq scales 2/8] model.layers.0.self_attn.o_proj.weight alpha
// PROGRESS: [awq 4/14] model.layers.0.self_attn.o_proj.weight
// PROGRESS: [calibrate] layer 1/2 input 3/4 sample 8/8
// PROGRESS: [awq 6/14] model.layers.0.mlp.up_proj.weight
// PROGRESS: [calibrate] layer 1/2 input 4/4 sample 8/8
// PROGRESS: [awq scales 4/8] model.layers.0.mlp.down_proj.weight alpha
// PROGRESS: [awq 7/14] model.layers.0.mlp.down_proj.weight
// PROGRESS: [calibrate] layer 1/2 outputs sample 8/8
// PROGRESS: [awq 14/14] model.layers.1.mlp.down_proj.weight [128 x 256]
// PROGRESS: [calibrate] layer 2/2 outputs sample 8/8
// PROGRESS: [calibrate] 6 executables compiled for 3 stages

// REPORT: awq 14 linears; true-sequential order ; fields complete ; settings ok
// REPORT: totals consistent ; relative errors plausible
// REPORT: after below before on {{1[2-4]}}/14; total after below before
// REPORT: calibration block-sequential 8 x 128 seed 7
// REPORT: layer 0 q/k/v error_before vs numpy: within 1e-06
// REPORT: awq: alpha on the grid in [0, 1) yes ; folds as expected ; clip q/k none, others in range
// REPORT: html: svg series [('after', 14), ('before', 14)] ; table rows 14 ; external resources 0

// SAME: first 2: keys, alpha and clip equal ; errors within 1e-06
