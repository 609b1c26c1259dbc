//===- PromoteReductionAccumulators.cpp - accumulators in registers -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMPROMOTEREDUCTIONACCUMULATORS
#include "passes/Conversion/Passes.h.inc"
} // namespace quantforge

using namespace mlir;

namespace {

/// The load and store of the element `loop` accumulates into, if the loop
/// qualifies (see the pass description).
std::optional<std::pair<memref::LoadOp, memref::StoreOp>>
accumulator(scf::ForOp loop) {
  if (loop.getNumResults() != 0)
    return std::nullopt;
  memref::StoreOp store;
  bool otherWrites = false;
  loop.getBody()->walk([&](Operation *op) {
    if (auto candidate = dyn_cast<memref::StoreOp>(op)) {
      if (store || candidate->getBlock() != loop.getBody())
        otherWrites = true;
      store = candidate;
      return;
    }
    if (isa<memref::LoadOp>(op))
      return;
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects ? op->getNumRegions() == 0 && !isPure(op)
                 : effects.hasEffect<MemoryEffects::Write>() ||
                       effects.hasEffect<MemoryEffects::Free>() ||
                       effects.hasEffect<MemoryEffects::Allocate>())
      otherWrites = true;
  });
  if (!store || otherWrites)
    return std::nullopt;
  Value memref = store.getMemRef();
  auto invariant = [&](Value v) { return loop.isDefinedOutsideOfLoop(v); };
  if (!invariant(memref) || !llvm::all_of(store.getIndices(), invariant))
    return std::nullopt;
  // Exactly one load of the same element before the store, and no other use
  // of the memref inside the loop.
  memref::LoadOp load;
  for (OpOperand &use : memref.getUses()) {
    Operation *user = use.getOwner();
    if (!loop->isAncestor(user) || user == store)
      continue;
    auto candidate = dyn_cast<memref::LoadOp>(user);
    if (load || !candidate || candidate->getBlock() != loop.getBody() ||
        candidate.getIndices() != store.getIndices() ||
        !candidate->isBeforeInBlock(store))
      return std::nullopt;
    load = candidate;
  }
  if (!load || store.getValueToStore().getDefiningOp() == nullptr)
    return std::nullopt;
  return std::make_pair(load, store);
}

struct LLMPromoteReductionAccumulatorsPass
    : quantforge::impl::LLMPromoteReductionAccumulatorsBase<
          LLMPromoteReductionAccumulatorsPass> {
  void runOnOperation() override {
    // Innermost first (post-order), so that a promoted inner loop leaves its
    // load and store in the outer loop's body for the outer loop's turn.
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp loop) { loops.push_back(loop); });
    IRRewriter rewriter(&getContext());
    for (scf::ForOp loop : loops) {
      auto found = accumulator(loop);
      if (!found)
        continue;
      auto [load, store] = *found;
      rewriter.setInsertionPoint(loop);
      auto initial = memref::LoadOp::create(rewriter, load.getLoc(),
                                            load.getMemRef(), load.getIndices());
      auto promoted = scf::ForOp::create(
          rewriter, loop.getLoc(), loop.getLowerBound(), loop.getUpperBound(),
          loop.getStep(), ValueRange{initial.getResult()});
      // The old body, its induction variable and the accumulator mapped (the
      // builder leaves a loop with results without a terminator).
      Block *body = promoted.getBody();
      if (!body->empty())
        rewriter.eraseOp(&body->back());
      rewriter.mergeBlocks(loop.getBody(), body,
                           {promoted.getInductionVar()});
      rewriter.replaceAllUsesWith(load.getResult(), promoted.getRegionIterArgs()[0]);
      Operation *oldYield = body->getTerminator();
      rewriter.setInsertionPoint(oldYield);
      scf::YieldOp::create(rewriter, oldYield->getLoc(),
                           store.getValueToStore());
      rewriter.eraseOp(oldYield);
      Location storeLoc = store.getLoc();
      Value memref = store.getMemRef();
      SmallVector<Value> indices(store.getIndices());
      rewriter.eraseOp(store);
      rewriter.eraseOp(load);
      rewriter.setInsertionPointAfter(promoted);
      memref::StoreOp::create(rewriter, storeLoc, promoted.getResult(0), memref,
                              indices);
      rewriter.eraseOp(loop);
    }
  }
};

} // namespace
