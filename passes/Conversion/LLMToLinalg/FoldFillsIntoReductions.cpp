//===- FoldFillsIntoReductions.cpp - start reductions from the constant ---===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMFOLDFILLSINTOREDUCTIONS
#include "passes/Conversion/Passes.h.inc"
} // namespace quantforge

using namespace mlir;

namespace {

/// Whether `loop` runs every element of `buffer` exactly through its
/// induction variables, in order: lower bounds 0, steps 1, upper bounds the
/// buffer's sizes.
bool coversBuffer(scf::ParallelOp loop, memref::AllocOp buffer,
                  ValueRange indices) {
  MemRefType type = buffer.getType();
  if (indices.size() != size_t(type.getRank()) ||
      loop.getNumLoops() != indices.size() ||
      !type.getLayout().isIdentity())
    return false;
  unsigned dynamicIndex = 0;
  for (auto [i, index] : llvm::enumerate(indices)) {
    if (index != loop.getInductionVars()[i] ||
        !matchPattern(loop.getLowerBound()[i], m_Zero()) ||
        !matchPattern(loop.getStep()[i], m_One()))
      return false;
    Value upper = loop.getUpperBound()[i];
    if (type.isDynamicDim(i)) {
      if (upper != buffer.getDynamicSizes()[dynamicIndex++])
        return false;
    } else if (getConstantIntValue(upper) != type.getDimSize(i)) {
      return false;
    }
  }
  return true;
}

/// The constant `fill` stores in every element of a freshly allocated
/// buffer, or null: a loop whose body is one store of a value defined
/// outside it.
Value filledValue(scf::ParallelOp fill, memref::AllocOp &buffer) {
  Block *body = fill.getBody();
  if (body->getOperations().size() != 2)
    return {};
  auto store = dyn_cast<memref::StoreOp>(body->front());
  if (!store || !fill.isDefinedOutsideOfLoop(store.getValueToStore()))
    return {};
  buffer = store.getMemRef().getDefiningOp<memref::AllocOp>();
  if (!buffer || !coversBuffer(fill, buffer, store.getIndices()))
    return {};
  return store.getValueToStore();
}

struct LLMFoldFillsIntoReductionsPass
    : quantforge::impl::LLMFoldFillsIntoReductionsBase<
          LLMFoldFillsIntoReductionsPass> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    getOperation()->walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>())
        loops.push_back(loop);
    });
    for (scf::ParallelOp fill : loops)
      fold(fill);
  }

  /// Erases `fill` if the first op after it that touches its buffer is a
  /// reduction that reads each element once, as its accumulator's start,
  /// and then writes it: that read becomes the constant.
  void fold(scf::ParallelOp fill) {
    memref::AllocOp buffer;
    Value value = filledValue(fill, buffer);
    if (!value)
      return;
    Block *block = fill->getBlock();
    Operation *reduction = nullptr;
    for (Operation *user : buffer->getUsers()) {
      if (fill->isAncestor(user))
        continue;
      Operation *op = block->findAncestorOpInBlock(*user);
      // A user before the fill (a view of the buffer, say) might be read
      // through later: leave it.
      if (!op || op->isBeforeInBlock(fill))
        return;
      if (!reduction || op->isBeforeInBlock(reduction))
        reduction = op;
    }
    auto loop = dyn_cast_or_null<scf::ParallelOp>(reduction);
    if (!loop)
      return;
    memref::LoadOp load;
    memref::StoreOp store;
    for (Operation *user : buffer->getUsers()) {
      if (!loop->isAncestor(user))
        continue;
      if (user->getBlock() != loop.getBody())
        return;
      if (auto candidate = dyn_cast<memref::LoadOp>(user); candidate && !load)
        load = candidate;
      else if (auto candidate = dyn_cast<memref::StoreOp>(user);
               candidate && !store && candidate.getMemRef() == buffer)
        store = candidate;
      else
        return;
    }
    if (!load || !store || !load->isBeforeInBlock(store) ||
        load.getIndices() != store.getIndices() ||
        !coversBuffer(loop, buffer, store.getIndices()))
      return;
    load.replaceAllUsesWith(value);
    load.erase();
    fill.erase();
  }
};

} // namespace
