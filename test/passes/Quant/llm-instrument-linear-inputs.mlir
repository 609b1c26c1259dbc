// RUN: quant-opt %s --llm-instrument-linear-inputs | FileCheck %s --check-prefixes=CHECK,HESSIAN
// RUN: quant-opt %s --llm-instrument-hessians | FileCheck %s --check-prefixes=CHECK,HESSIAN
// RUN: quant-opt %s --llm-instrument-linear-inputs="hessian=true abs-mean=true" | FileCheck %s --check-prefixes=CHECK,BOTH
// RUN: quant-opt %s --llm-instrument-linear-inputs="hessian=false abs-mean=true" | FileCheck %s --check-prefixes=CHECK,ABSMEAN

// One statistic per distinct decoder linear input and kind: q and k share
// theirs; the head's input is not observed. The statistics follow the
// bound arguments and are returned after the results.

// CHECK-LABEL: func.func @prefill
// HESSIAN-SAME: %[[H:[a-z0-9]+]]: tensor<8x8xf32> {llm.statistic = {keys = ["model.layers.0.q.weight", "model.layers.0.k.weight"], kind = "hessian"}})
// HESSIAN-SAME: -> (tensor<?x16xf32>, !llm.kv_cache<1x2x16x4xf32>, tensor<8x8xf32>)
// BOTH-SAME: %[[H:[a-z0-9]+]]: tensor<8x8xf32> {llm.statistic = {keys = ["model.layers.0.q.weight", "model.layers.0.k.weight"], kind = "hessian"}}
// BOTH-SAME: %[[A:[a-z0-9]+]]: tensor<8xf32> {llm.statistic = {keys = ["model.layers.0.q.weight", "model.layers.0.k.weight"], kind = "abs-mean"}})
// BOTH-SAME: -> (tensor<?x16xf32>, !llm.kv_cache<1x2x16x4xf32>, tensor<8x8xf32>, tensor<8xf32>)
// ABSMEAN-SAME: %[[A:[a-z0-9]+]]: tensor<8xf32> {llm.statistic = {keys = ["model.layers.0.q.weight", "model.layers.0.k.weight"], kind = "abs-mean"}})
// ABSMEAN-SAME: -> (tensor<?x16xf32>, !llm.kv_cache<1x2x16x4xf32>, tensor<8xf32>)
// HESSIAN: %[[HS:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "parallel", "parallel"]{{.*}} outs(%[[H]] : tensor<8x8xf32>)
// HESSIAN: arith.mulf
// HESSIAN-NOT: math.absf
// HESSIAN: return {{.*}}, %[[HS]] :
// BOTH: %[[HS:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "parallel", "parallel"]{{.*}} outs(%[[H]] : tensor<8x8xf32>)
// BOTH: %[[AS:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]{{.*}} outs(%[[A]] : tensor<8xf32>)
// BOTH-NEXT: ^bb0(%[[IN:.*]]: f32, %[[OUT:.*]]: f32):
// BOTH-NEXT: %[[ABS:.*]] = math.absf %[[IN]] : f32
// BOTH-NEXT: arith.addf %[[OUT]], %[[ABS]]
// BOTH: return {{.*}}, %[[HS]], %[[AS]] :
// ABSMEAN-NOT: arith.mulf
// ABSMEAN: %[[AS:.*]] = linalg.generic {{.*}} outs(%[[A]] : tensor<8xf32>)
// ABSMEAN: math.absf
// ABSMEAN: return {{.*}}, %[[AS]] :
// CHECK-LABEL: func.func @decode
// CHECK-NOT: llm.statistic
module {
  llm.param_archive @w safetensors "weights.safetensors"
  func.func @prefill(%ids: tensor<?xi32>, %pos: index, %cache: !llm.kv_cache<1x2x16x4xf32>,
                     %x: tensor<?x8xf32> {llm.parameter = {archive = @w, key = "model.embed.weight"}},
                     %q: tensor<8x8xf32> {llm.parameter = {archive = @w, key = "model.layers.0.q.weight"}},
                     %k: tensor<8x8xf32> {llm.parameter = {archive = @w, key = "model.layers.0.k.weight"}},
                     %head: tensor<16x8xf32> {llm.parameter = {archive = @w, key = "lm_head.weight"}})
      -> (tensor<?x16xf32>, !llm.kv_cache<1x2x16x4xf32>) attributes {llm.abi_entry_point = #llm.entry_point<prefill>} {
    %0 = llm.linear %x, %q : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
    %1 = llm.linear %x, %k : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
    %2 = arith.addf %0, %1 : tensor<?x8xf32>
    %3 = llm.linear %2, %head : (tensor<?x8xf32>, tensor<16x8xf32>) -> tensor<?x16xf32>
    return %3, %cache : tensor<?x16xf32>, !llm.kv_cache<1x2x16x4xf32>
  }
  func.func @decode(%ids: tensor<1xi32>, %pos: index, %cache: !llm.kv_cache<1x2x16x4xf32>,
                    %x: tensor<1x8xf32> {llm.parameter = {archive = @w, key = "model.embed.weight"}},
                    %q: tensor<8x8xf32> {llm.parameter = {archive = @w, key = "model.layers.0.q.weight"}})
      -> (tensor<1x8xf32>, !llm.kv_cache<1x2x16x4xf32>) attributes {llm.abi_entry_point = #llm.entry_point<decode>} {
    %0 = llm.linear %x, %q : (tensor<1x8xf32>, tensor<8x8xf32>) -> tensor<1x8xf32>
    return %0, %cache : tensor<1x8xf32>, !llm.kv_cache<1x2x16x4xf32>
  }
}
