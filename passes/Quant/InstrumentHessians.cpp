//===- InstrumentHessians.cpp - observe the inputs of linear layers -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Quant/Passes.h"

#include "dialects/llm/IR/LLMOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMINSTRUMENTHESSIANS
#include "passes/Quant/Passes.h.inc"
} // namespace quantforge

using namespace mlir;
using namespace quantforge;

namespace {

/// The archive key a bound weight argument stands for, if any.
StringAttr boundKey(Value weight) {
  auto arg = dyn_cast<BlockArgument>(weight);
  if (!arg)
    return {};
  auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
  auto binding = func ? func.getArgAttrOfType<DictionaryAttr>(
                            arg.getArgNumber(),
                            llm::LLMDialect::getParameterAttrName())
                      : DictionaryAttr();
  return binding ? binding.getAs<StringAttr>("key") : StringAttr();
}

/// h + x^T x, with the tokens as the outermost (reduction) loop so that the
/// innermost loop runs along a row of h and of x.
Value accumulateHessian(OpBuilder &b, Location loc, Value x, Value h) {
  MLIRContext *ctx = b.getContext();
  AffineExpr t = getAffineDimExpr(0, ctx), i = getAffineDimExpr(1, ctx),
             j = getAffineDimExpr(2, ctx);
  auto flags = arith::FastMathFlagsAttr::get(
      ctx, arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
  return linalg::GenericOp::create(
             b, loc, TypeRange{h.getType()}, ValueRange{x, x}, ValueRange{h},
             {AffineMap::get(3, 0, {t, i}, ctx), AffineMap::get(3, 0, {t, j}, ctx),
              AffineMap::get(3, 0, {i, j}, ctx)},
             {utils::IteratorType::reduction, utils::IteratorType::parallel,
              utils::IteratorType::parallel},
             "", "",
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value product =
                   arith::MulFOp::create(nb, l, args[0], args[1], flags);
               Value sum = arith::AddFOp::create(nb, l, args[2], product, flags);
               linalg::YieldOp::create(nb, l, ValueRange{sum});
             })
      .getResult(0);
}

struct LLMInstrumentHessiansPass
    : quantforge::impl::LLMInstrumentHessiansBase<LLMInstrumentHessiansPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      auto kind = func->getAttrOfType<llm::EntryPointKindAttr>(
          llm::LLMDialect::getABIEntryPointAttrName());
      // Whole-model calibration observes prefill; block-sequential
      // calibration one stage at a time.
      if (kind && (kind.getValue() == llm::EntryPointKind::prefill ||
                   kind.getValue() == llm::EntryPointKind::stage))
        instrument(func);
    }
  }

  void instrument(func::FuncOp func) {
    MLIRContext *ctx = func.getContext();
    // Linears that share an input (q/k/v, gate/up) share one statistic.
    llvm::MapVector<Value, SmallVector<Attribute>> inputs;
    func.walk([&](llm::LinearOp linear) {
      StringAttr key = boundKey(linear.getWeight());
      auto input = linear.getInput().getType();
      if (key && input.getRank() == 2 && input.getElementType().isF32() &&
          (key.getValue().starts_with("model.layers.") ||
           key.getValue().starts_with("blk.")))
        inputs[linear.getInput()].push_back(key);
    });
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    SmallVector<Value> results(ret.getOperands());
    for (auto &[x, keys] : inputs) {
      int64_t cols = cast<RankedTensorType>(x.getType()).getDimSize(1);
      auto type = RankedTensorType::get({cols, cols}, Float32Type::get(ctx));
      unsigned index = func.getNumArguments();
      NamedAttribute tag(
          StringAttr::get(ctx, "llm.statistic"),
          DictionaryAttr::get(
              ctx, {NamedAttribute(StringAttr::get(ctx, "keys"),
                                   ArrayAttr::get(ctx, keys)),
                    NamedAttribute(StringAttr::get(ctx, "kind"),
                                   StringAttr::get(ctx, "hessian"))}));
      if (failed(func.insertArgument(index, type,
                                     DictionaryAttr::get(ctx, {tag}),
                                     func.getLoc())))
        return signalPassFailure();
      OpBuilder b(ret);
      results.push_back(
          accumulateHessian(b, x.getLoc(), x, func.getArgument(index)));
    }
    SmallVector<Type> resultTypes = llvm::to_vector(ValueRange(results).getTypes());
    ret.getOperandsMutable().assign(results);
    func.setFunctionType(
        FunctionType::get(ctx, func.getArgumentTypes(), resultTypes));
  }
};

} // namespace
