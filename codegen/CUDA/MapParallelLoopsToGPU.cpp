//===- MapParallelLoopsToGPU.cpp - scf.parallel to a 1-D grid -------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The simplest mapping that is correct for every kernel the linalg lowering
// produces: one thread per point of the parallel iteration space, reductions
// serial per thread. Schedules that share work between threads (GEMV over a
// warp, tensor-core tiles) replace it kernel by kernel (docs/cuda.md).
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/Passes.h"

#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

#include <numeric>

namespace quantforge {
#define GEN_PASS_DEF_LLMMAPPARALLELLOOPSTOGPU
#include "codegen/CUDA/Passes.h.inc"
} // namespace quantforge

using namespace mlir;

namespace {

bool isOutermost(scf::ParallelOp op) {
  return !op->getParentOfType<scf::ParallelOp>();
}

SmallVector<scf::ParallelOp> outermostLoops(func::FuncOp func) {
  SmallVector<scf::ParallelOp> loops;
  func.walk([&](scf::ParallelOp op) {
    if (isOutermost(op))
      loops.push_back(op);
  });
  return loops;
}

LogicalResult setMapping(scf::ParallelOp op, gpu::Processor processor) {
  MLIRContext *context = op.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(1, context);
  SmallVector<gpu::ParallelLoopDimMappingAttr> mapping(
      op.getNumLoops(),
      gpu::ParallelLoopDimMappingAttr::get(context, gpu::Processor::Sequential,
                                           identity, identity));
  mapping.front() = gpu::ParallelLoopDimMappingAttr::get(context, processor,
                                                         identity, identity);
  return gpu::setMappingAttr(op, mapping);
}

/// Replaces `loop`, which has no reductions, by a nest of scf.for loops.
/// Upstream's parallel-loops-to-gpu only lowers sequential loops that sit
/// directly in a mapped loop's body; ours sit inside the tile's guard.
LogicalResult serialize(IRRewriter &rewriter, scf::ParallelOp loop) {
  if (loop.getNumReductions() != 0)
    return loop.emitError() << "a nested parallel loop with reductions "
                               "cannot run serially in a thread";
  rewriter.setInsertionPoint(loop);
  scf::LoopNest nest = scf::buildLoopNest(
      rewriter, loop.getLoc(), loop.getLowerBound(), loop.getUpperBound(),
      loop.getStep());
  SmallVector<Value> ivs = llvm::map_to_vector(
      nest.loops, [](scf::ForOp f) -> Value { return f.getInductionVar(); });
  Block *innermost = nest.loops.back().getBody();
  rewriter.eraseOp(loop.getBody()->getTerminator());
  rewriter.inlineBlockBefore(loop.getBody(), innermost->getTerminator(), ivs);
  rewriter.eraseOp(loop);
  return success();
}

struct LLMMapParallelLoopsToGPUPass
    : quantforge::impl::LLMMapParallelLoopsToGPUBase<
          LLMMapParallelLoopsToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (blockSize < 1 || blockSize > 1024) {
      func.emitError() << "block-size must be between 1 and 1024, got "
                       << static_cast<int64_t>(blockSize);
      return signalPassFailure();
    }
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : outermostLoops(func)) {
      // An scf.forall's mapping (a paged cache's row writes say "threads")
      // carries over to its scf.parallel; this pass picks the grid.
      if (auto mapping = loop->getAttrOfType<ArrayAttr>(
              gpu::getMappingAttrName());
          mapping && llvm::all_of(mapping, [](Attribute a) {
            return isa<DeviceMappingAttrInterface>(a);
          }))
        loop->removeAttr(gpu::getMappingAttrName());
      if (loop->hasAttr(gpu::getMappingAttrName())) {
        loop.emitError() << "is already mapped to GPU processors";
        return signalPassFailure();
      }
      if (loop.getNumLoops() < 2)
        continue;
      std::vector<unsigned> all(loop.getNumLoops());
      std::iota(all.begin(), all.end(), 0u);
      rewriter.setInsertionPoint(loop);
      collapseParallelLoops(rewriter, loop, {all});
    }
    for (scf::ParallelOp loop : outermostLoops(func)) {
      auto [tiles, threads] =
          scf::tileParallelLoop(loop, {blockSize}, /*noMinMaxBounds=*/true);
      // Loops nested deeper (a paged cache's row copies) run serially in
      // each thread.
      SmallVector<scf::ParallelOp> nested;
      scf::ParallelOp threadLoop = threads;
      threads.walk([&](scf::ParallelOp op) {
        if (op != threadLoop)
          nested.push_back(op);
      });
      for (scf::ParallelOp op : nested)
        if (failed(serialize(rewriter, op)))
          return signalPassFailure();
      if (failed(setMapping(tiles, gpu::Processor::BlockX)) ||
          failed(setMapping(threads, gpu::Processor::ThreadX)))
        return signalPassFailure();
    }
  }
};

} // namespace
