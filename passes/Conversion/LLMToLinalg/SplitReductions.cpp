//===- SplitReductions.cpp - long reductions split over lanes -------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMSPLITREDUCTIONS
#include "passes/Conversion/Passes.h.inc"
} // namespace quantforge

using namespace mlir;

namespace {

/// The lanes a reduction of `size` elements is split over: the power of two
/// in [8, 64] nearest below sqrt(size) that divides it (each lane then sums
/// about as many elements as the combining op adds lanes); 0 if none does.
int64_t lanesFor(int64_t size) {
  int64_t lanes = 64;
  while (lanes > 8 && lanes * lanes > size)
    lanes /= 2;
  for (; lanes >= 8; lanes /= 2)
    if (size % lanes == 0)
      return lanes;
  return 0;
}

struct LLMSplitReductionsPass
    : quantforge::impl::LLMSplitReductionsBase<LLMSplitReductionsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op.hasPureTensorSemantics() && op.getNumDpsInits() == 1 &&
          op.getNumReductionLoops() == 1)
        generics.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : generics)
      split(rewriter, op);
  }

  void split(IRRewriter &rewriter, linalg::GenericOp op) {
    SmallVector<unsigned> reductions;
    op.getReductionDims(reductions);
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t size = ranges[reductions.front()];
    if (ShapedType::isDynamic(size) || size < minSize)
      return;
    int64_t lanes = lanesFor(size);
    if (!lanes)
      return;
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    int64_t outputs = 1; // past a dynamic dimension: taken as 1, see below
    for (int64_t extent : resultType.getShape())
      if (!ShapedType::isDynamic(extent))
        outputs *= extent;
    if (outputs * lanes * int64_t(resultType.getElementTypeBitWidth() / 8) >
        maxPartialBytes)
      return;
    linalg::ControlSplitReductionFn control = [&](linalg::LinalgOp) {
      // Inner-parallel: lane l takes elements l, l + lanes, ...; the lanes
      // become the partial result's last dimension, so the last (fastest)
      // parallel loop.
      return linalg::SplitReductionOptions{lanes, unsigned(resultType.getRank()),
                                           /*innerParallel=*/true};
    };
    Location loc = op.getLoc();
    rewriter.setInsertionPoint(op);
    // splitReduction needs static shapes: the split op is a copy of the op
    // for dynamic extents of 1 (decode's one token) under an scf.if, the
    // original op runs for any other extent (prefill).
    Value allOne;
    SmallVector<Value> operands;
    for (Value operand : op->getOperands()) {
      auto type = cast<RankedTensorType>(operand.getType());
      SmallVector<int64_t> shape(type.getShape());
      for (auto [i, extent] : llvm::enumerate(shape)) {
        if (!ShapedType::isDynamic(extent))
          continue;
        extent = 1;
        Value dim = tensor::DimOp::create(rewriter, loc, operand, i);
        Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
        Value isOne = arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::eq, dim, one);
        allOne = allOne ? arith::AndIOp::create(rewriter, loc, allOne, isOne)
                        : isOne;
      }
      operands.push_back(operand);
    }
    if (!allOne) {
      (void)linalg::splitReduction(rewriter, op, control);
      return;
    }
    auto branch = scf::IfOp::create(rewriter, loc, op->getResultTypes(), allOne,
                                    /*withElseRegion=*/true);
    rewriter.setInsertionPointToStart(branch.elseBlock());
    Operation *plain = rewriter.clone(*op);
    scf::YieldOp::create(rewriter, loc, plain->getResults());

    rewriter.setInsertionPointToStart(branch.thenBlock());
    SmallVector<Value> casts;
    for (Value operand : operands)
      casts.push_back(tensor::CastOp::create(
          rewriter, loc, staticOnes(operand.getType()), operand));
    Type staticResult = staticOnes(resultType);
    linalg::LinalgOp single = mlir::clone(rewriter, op, staticResult, casts);
    auto back = tensor::CastOp::create(rewriter, loc, resultType,
                                       single->getResult(0));
    scf::YieldOp::create(rewriter, loc, back.getResult());
    rewriter.replaceOp(op, branch.getResults());
    rewriter.setInsertionPoint(single);
    if (succeeded(linalg::splitReduction(rewriter, single, control)))
      return;
    // A combiner splitReduction does not know: keep the op alone.
    rewriter.setInsertionPoint(branch);
    Operation *original = rewriter.clone(*plain);
    rewriter.replaceOp(branch, original->getResults());
  }

  /// `type` with its dynamic extents 1.
  static RankedTensorType staticOnes(Type type) {
    auto ranked = cast<RankedTensorType>(type);
    SmallVector<int64_t> shape(ranked.getShape());
    for (int64_t &extent : shape)
      if (ShapedType::isDynamic(extent))
        extent = 1;
    return ranked.clone(shape);
  }
};

} // namespace
