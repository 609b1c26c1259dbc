//===- UnshareFills.cpp - one linalg.fill per destination use -------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMUNSHAREFILLS
#include "passes/Conversion/Passes.h.inc"
} // namespace quantforge

using namespace mlir;

namespace {
struct LLMUnshareFillsPass
    : quantforge::impl::LLMUnshareFillsBase<LLMUnshareFillsPass> {
  void runOnOperation() override {
    SmallVector<linalg::FillOp> fills;
    getOperation()->walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics() && !fill->getResult(0).hasOneUse())
        fills.push_back(fill);
    });
    for (linalg::FillOp fill : fills) {
      // Each use gets its own fill right before it: filled where it is
      // written, which keeps the buffer's live range short.
      SmallVector<OpOperand *> uses = llvm::map_to_vector(
          fill->getResult(0).getUses(), [](OpOperand &use) { return &use; });
      for (OpOperand *use : uses) {
        OpBuilder b(use->getOwner());
        use->set(b.clone(*fill)->getResult(0));
      }
      fill->erase();
    }
  }
};
} // namespace
