//===- ReductionsInnermost.cpp - reductions after parallel iterators ------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMREDUCTIONSINNERMOST
#include "codegen/CUDA/Passes.h.inc"
} // namespace quantforge

using namespace mlir;

namespace {

struct LLMReductionsInnermostPass
    : quantforge::impl::LLMReductionsInnermostBase<LLMReductionsInnermostPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) { generics.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : generics) {
      // Old loop indices in their new order: parallel ones, then the rest.
      SmallVector<unsigned> order;
      for (auto [index, type] : llvm::enumerate(op.getIteratorTypesArray()))
        if (type == utils::IteratorType::parallel)
          order.push_back(index);
      for (auto [index, type] : llvm::enumerate(op.getIteratorTypesArray()))
        if (type != utils::IteratorType::parallel)
          order.push_back(index);
      if (llvm::is_sorted(order))
        continue;
      rewriter.setInsertionPoint(op);
      // Fails only for an invalid permutation, which `order` is not.
      (void)linalg::interchangeGenericOp(rewriter, op, order);
    }
  }
};

} // namespace
