// Calibration text from JSONL: the "text" field of each line, each followed
// by a newline, gives the same windows (so the same statistics) as that text
// in a plain file; malformed lines are errors naming the file and line.
// REQUIRES: shared-data
// RUN: %python -c "import json,sys; paras=[p for p in open(sys.argv[1]).read(20000).split('\n\n') if p]; open(sys.argv[2],'w').write(''.join(json.dumps({'text': p, 'id': i})+'\n' for i,p in enumerate(paras))); open(sys.argv[3],'w').write(''.join(p+'\n' for p in paras))" %shared/data/valid.txt %t.jsonl %t.txt
// RUN: quant-compile %qf_src/test/fixtures/llama-t --emit=statistics --calib %t.jsonl --calib-samples 2 --calib-seqlen 64 -o %t.jsonl.stats 2>/dev/null
// RUN: quant-compile %qf_src/test/fixtures/llama-t --emit=statistics --calib %t.txt --calib-samples 2 --calib-seqlen 64 -o %t.txt.stats 2>/dev/null
// RUN: cmp %t.jsonl.stats %t.txt.stats
// RUN: printf '{"text": "a"}\n{"txt": "b"}\n' > %t.bad.jsonl
// RUN: not quant-compile %qf_src/test/fixtures/llama-t --quant=gptq --calib %t.bad.jsonl -o %t.qfa 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: printf '{"text": "a"}\nnot json\n' > %t.broken.jsonl
// RUN: not quant-compile %qf_src/test/fixtures/llama-t --quant=gptq --calib %t.broken.jsonl -o %t.qfa 2>&1 | FileCheck %s --check-prefix=BROKEN
// RUN: not quant-compile %qf_src/test/fixtures/llama-t --quant=gptq --calib %t.missing.txt -o %t.qfa 2>&1 | FileCheck %s --check-prefix=MISSING

// BAD: bad.jsonl:2: expected an object with a "text" string
// BROKEN: broken.jsonl:2: expected an object with a "text" string
// MISSING: missing.txt: cannot open file
