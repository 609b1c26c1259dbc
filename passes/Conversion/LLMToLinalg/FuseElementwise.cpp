//===- FuseElementwise.cpp - elementwise fusion without recomputation -----===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMFUSEELEMENTWISE
#include "passes/Conversion/Passes.h.inc"
} // namespace quantforge

using namespace mlir;

namespace {
struct LLMFuseElementwisePass
    : quantforge::impl::LLMFuseElementwiseBase<LLMFuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *fused) {
          auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
          return consumer &&
                 consumer.getNumLoops() == consumer.getNumParallelLoops();
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
