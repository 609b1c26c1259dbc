// GPTQ with act-order end to end on llama-t (4 bits, groups of 32 so that
// every linear has a real permutation): the artifact with the permutations
// folded at compile time computes the same function as the one that looks
// g_idx up in every matmul. Perplexity on the first 30 kB of valid.txt.
// REQUIRES: shared-data
// RUN: head -c 30000 %shared/data/valid.txt > %t.txt
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=gptq --bits=4 --group-size=32 --act-order --calib %shared/data/calib.txt --calib-samples 32 -o %t.folded.qfa 2>%t.log
// RUN: FileCheck %s --check-prefix=PROGRESS < %t.log
// RUN: quant-compile %qf_src/test/fixtures/llama-t --quant=gptq --bits=4 --group-size=32 --act-order --fold-act-order=false --calib %shared/data/calib.txt --calib-samples 32 -o %t.unfolded.qfa 2>%t.unfolded.log
// RUN: FileCheck %s --check-prefix=UNFOLDED < %t.unfolded.log
// RUN: quant-eval %t.folded.qfa --text %t.txt --ctx 512 --json > %t.folded.json
// RUN: quant-eval %t.unfolded.qfa --text %t.txt --ctx 512 --json > %t.unfolded.json
// RUN: %python %S/same_ppl.py %t.folded.json %t.unfolded.json 1e-5 | FileCheck %s
// RUN: not quant-compile %qf_src/test/fixtures/llama-t --quant=rtn --act-order -o %t.x.qfa 2>&1 | FileCheck %s --check-prefix=NEEDS-GPTQ

// PROGRESS: [fold-act-order] model.layers.0.self_attn.q_proj.weight: folded into the norm
// PROGRESS: [fold-act-order] model.layers.0.self_attn.o_proj.weight: kept a gather
// PROGRESS: [fold-act-order] model.layers.0.mlp.down_proj.weight: folded into the producers' rows
// PROGRESS: [fold-act-order] summary: 10 folded into the norm; 2 folded into the producers' rows; 2 kept a gather;
// UNFOLDED-NOT: fold-act-order
// CHECK: within 1e-05, counts equal
// NEEDS-GPTQ: quant-compile: --act-order needs --quant=gptq
