//===- FuseSwiGLU.cpp - fuse silu(gate) * up into llm.swiglu --------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/Passes.h"

#include "dialects/llm/IR/LLMOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMFUSESWIGLU
#include "passes/Transforms/Passes.h.inc"
} // namespace quantforge

using namespace mlir;
using namespace quantforge;

namespace {
/// arith.mulf(llm.silu(gate), up) -> llm.swiglu(gate, up), with the silu on
/// either side of the multiplication.
struct FuseSiLUMul : OpRewritePattern<arith::MulFOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::MulFOp mul,
                                PatternRewriter &rewriter) const override {
    for (auto [activated, other] : {std::pair(mul.getLhs(), mul.getRhs()),
                                    std::pair(mul.getRhs(), mul.getLhs())}) {
      auto silu = activated.getDefiningOp<llm::SiLUOp>();
      if (!silu)
        continue;
      // llm.swiglu needs identical types; arith.mulf on tensors already
      // guarantees it, but stay safe if arith ever allows broadcasting.
      if (silu.getInput().getType() != other.getType())
        continue;
      rewriter.replaceOpWithNewOp<llm::SwiGLUOp>(mul, mul.getType(),
                                                 silu.getInput(), other);
      return success();
    }
    return rewriter.notifyMatchFailure(mul, "no llm.silu operand");
  }
};

struct LLMFuseSwiGLUPass
    : quantforge::impl::LLMFuseSwiGLUBase<LLMFuseSwiGLUPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseSiLUMul>(&getContext());
    // The greedy driver erases a silu once its last user is fused.
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
