// Block-sequential GPTQ on a Qwen2 whose layers differ (q/k/v biases, a
// sliding window from layer 1 on): each layer's stages compile on their own,
// and at 8 bits every linear's statistics match the whole float model's
// (parallel calibration), sliding window and biases included.
// RUN: %python %qf_src/test/import/gen_checkpoint.py qwen2-tied-bias %t.qwen2
// A character-level tokenizer within the model's 96 ids.
// RUN: %python -c "import json,sys; v={'<unk>': 0}; v.update({chr(c): c - 31 for c in range(32, 127)}); json.dump({'version': '1.0', 'added_tokens': [], 'normalizer': None, 'pre_tokenizer': None, 'model': {'type': 'BPE', 'vocab': v, 'merges': [], 'unk_token': '<unk>'}}, open(sys.argv[1] + '/tokenizer.json', 'w'))" %t.qwen2
// RUN: head -c 20000 %qf_src/test/fixtures/llama-t/tokenizer.json > %t.txt
// RUN: quant-compile %t.qwen2 --max-seq=128 --quant=gptq --bits=8 --group-size=32 --calib %t.txt --calib-samples 4 --calib-seqlen 64 --report %t.report -o %t.qfa 2>%t.log
// RUN: tr '\r' '\n' < %t.log | FileCheck %s --check-prefix=PROGRESS
// RUN: quant-compile %t.qwen2 --max-seq=128 --emit=statistics --calib %t.txt --calib-samples 4 --calib-seqlen 64 -o %t.stats 2>/dev/null
// RUN: %python %S/check_report.py %t.report %t.qwen2 %t.stats 8 32 all | FileCheck %s
// Act-order in the same flow: the weights get g_idx, then the fold removes it.
// RUN: quant-compile %t.qwen2 --max-seq=128 --quant=gptq --act-order --bits=4 --group-size=32 --calib %t.txt --calib-samples 4 --calib-seqlen 64 --report %t.ao -o %t.ao.qfa 2>&1 | tr '\r' '\n' | FileCheck %s --check-prefix=ACTORDER
// The report says per weight what became of its g_idx: a gather kept is left in the hot loop.
// RUN: %python -c "import json,sys; r=json.load(open(sys.argv[1])); k=[l['act_order'] for l in r['linears'] if 'act_order' in l]; print(len(k), len(r['linears'])); print(*sorted({a.split(' (')[0] for a in k}), sep='; ')" %t.ao.json | FileCheck %s --check-prefix=AOREPORT
// RUN: grep -c 'act-order g_idx' %t.ao.html | FileCheck %s --check-prefix=AOHTML
// RUN: not quant-compile %t.qwen2 --max-seq=128 --quant=gptq --scale-type=bf16 --calib %t.txt --calib-samples 1 --calib-seqlen 16 -o %t.x.qfa 2>&1 | FileCheck %s --check-prefix=SCALES
// RUN: not quant-compile %t.qwen2 --max-seq=128 --quant=gptq --group-size=48 --calib %t.txt --calib-samples 1 --calib-seqlen 16 -o %t.x.qfa 2>&1 | FileCheck %s --check-prefix=GROUP
// RUN: not quant-compile %t.qwen2 --max-seq=128 --quant=gptq --calib %t.txt --group-size=32 --calib-samples 1 --calib-seqlen 16 --report %t.missing/report -o %t.x.qfa 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: not quant-compile %t.qwen2 --max-seq=128 --quant=gptq --group-size=32 --calib %t.txt --calib-seqlen 200 -o %t.x.qfa 2>&1 | FileCheck %s --check-prefix=WINDOW

// PROGRESS: [calibrate] layer 2/2 input 1/4 sample 4/4
// PROGRESS: [gptq 14/14] model.layers.1.mlp.down_proj.weight [64 x 128]
// The embedding's, then four observers and the forward pass per layer.
// PROGRESS: [calibrate] 11 executables compiled for 3 stages
// CHECK: 14 linears; true-sequential order ; fields complete ; settings ok
// CHECK: all error_before vs numpy: within 0.002

// ACTORDER: [gptq 14/14] model.layers.1.mlp.down_proj.weight
// ACTORDER: [fold-act-order] summary:
// SCALES: error: scale type must be f32 or f16, got 'bf16'
// GROUP: error: 'llm.weight' op cannot be quantized: 64 columns are not a multiple of the group size 48
// REPORT: quant-compile: {{.*}}missing/report.json: cannot write the report
// WINDOW: error: calibration windows of 200 tokens do not fit the cache of 128
// AOREPORT: 14 14
// AOREPORT-NEXT: folded into the norm; folded into the producers' rows; kept a gather
// AOHTML: 1
