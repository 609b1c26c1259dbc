// RUN: quant-opt %s --verify-diagnostics --pass-pipeline='builtin.module(func.func(llm-map-parallel-loops-to-gpu{block-size=2048}))'

// expected-error @+1 {{block-size must be between 1 and 1024, got 2048}}
func.func @too_large() {
  return
}
