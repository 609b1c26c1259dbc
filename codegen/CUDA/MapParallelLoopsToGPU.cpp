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
      // Loops nested deeper (none come from linalg today) run serially in
      // each thread.
      threads.walk([&](scf::ParallelOp nested) {
        if (nested != threads)
          (void)setMapping(nested, gpu::Processor::Sequential);
      });
      if (failed(setMapping(tiles, gpu::Processor::BlockX)) ||
          failed(setMapping(threads, gpu::Processor::ThreadX)))
        return signalPassFailure();
    }
  }
};

} // namespace
