//===- InstrumentLinearInputs.cpp - observe the inputs of linear layers ---===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Quant/Passes.h"

#include "dialects/llm/IR/LLMOps.h"
#include "passes/Quant/QuantizeLinears.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMINSTRUMENTLINEARINPUTS
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

/// out + the sum over tokens (the outermost, reduction loop, so that the
/// innermost loop runs along a row of x) of x^T x (hessian) or |x|.
Value accumulate(OpBuilder &b, Location loc, Value x, Value out,
                 bool hessian) {
  MLIRContext *ctx = b.getContext();
  AffineExpr t = getAffineDimExpr(0, ctx), i = getAffineDimExpr(1, ctx),
             j = getAffineDimExpr(2, ctx);
  auto flags = arith::FastMathFlagsAttr::get(
      ctx, arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
  SmallVector<AffineMap> maps =
      hessian ? SmallVector<AffineMap>{AffineMap::get(3, 0, {t, i}, ctx),
                                       AffineMap::get(3, 0, {t, j}, ctx),
                                       AffineMap::get(3, 0, {i, j}, ctx)}
              : SmallVector<AffineMap>{AffineMap::get(2, 0, {t, i}, ctx),
                                       AffineMap::get(2, 0, {i}, ctx)};
  SmallVector<utils::IteratorType> iterators(maps.front().getNumDims(),
                                             utils::IteratorType::parallel);
  iterators[0] = utils::IteratorType::reduction;
  SmallVector<Value> inputs(hessian ? 2 : 1, x);
  return linalg::GenericOp::create(
             b, loc, TypeRange{out.getType()}, inputs, ValueRange{out}, maps,
             iterators, "", "",
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value term =
                   hessian ? arith::MulFOp::create(nb, l, args[0], args[1],
                                                   flags)
                                 .getResult()
                           : math::AbsFOp::create(nb, l, args[0]).getResult();
               Value sum =
                   arith::AddFOp::create(nb, l, args.back(), term, flags);
               linalg::YieldOp::create(nb, l, ValueRange{sum});
             })
      .getResult(0);
}

/// Gives the prefill entry points (whole-model calibration) and stage entry
/// points (block-sequential calibration) one statistic argument per distinct
/// linear input and kind, accumulated and returned.
LogicalResult instrument(ModuleOp module, bool hessian, bool absMean) {
  for (auto func : module.getOps<func::FuncOp>()) {
    auto kind = func->getAttrOfType<llm::EntryPointKindAttr>(
        llm::LLMDialect::getABIEntryPointAttrName());
    if (!kind || (kind.getValue() != llm::EntryPointKind::prefill &&
                  kind.getValue() != llm::EntryPointKind::stage))
      continue;
    MLIRContext *ctx = func.getContext();
    // Linears that share an input (q/k/v, gate/up) share one statistic.
    llvm::MapVector<Value, SmallVector<Attribute>> inputs;
    func.walk([&](llm::LinearOp linear) {
      StringAttr key = boundKey(linear.getWeight());
      auto input = linear.getInput().getType();
      if (key && input.getRank() == 2 && input.getElementType().isF32() &&
          isDecoderWeight(key.getValue()))
        inputs[linear.getInput()].push_back(key);
    });
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    SmallVector<Value> results(ret.getOperands());
    for (auto &[x, keys] : inputs) {
      int64_t cols = cast<RankedTensorType>(x.getType()).getDimSize(1);
      for (bool isHessian : {true, false}) {
        if (!(isHessian ? hessian : absMean))
          continue;
        auto type = RankedTensorType::get(
            isHessian ? SmallVector<int64_t>{cols, cols}
                      : SmallVector<int64_t>{cols},
            Float32Type::get(ctx));
        unsigned index = func.getNumArguments();
        NamedAttribute tag(
            StringAttr::get(ctx, "llm.statistic"),
            DictionaryAttr::get(
                ctx, {NamedAttribute(StringAttr::get(ctx, "keys"),
                                     ArrayAttr::get(ctx, keys)),
                      NamedAttribute(StringAttr::get(ctx, "kind"),
                                     StringAttr::get(ctx, isHessian
                                                              ? "hessian"
                                                              : "abs-mean"))}));
        if (failed(func.insertArgument(
                index, type, DictionaryAttr::get(ctx, {tag}), func.getLoc())))
          return failure();
        OpBuilder b(ret);
        results.push_back(accumulate(b, x.getLoc(), x,
                                     func.getArgument(index), isHessian));
      }
    }
    SmallVector<Type> resultTypes =
        llvm::to_vector(ValueRange(results).getTypes());
    ret.getOperandsMutable().assign(results);
    func.setFunctionType(
        FunctionType::get(ctx, func.getArgumentTypes(), resultTypes));
  }
  return success();
}

struct LLMInstrumentLinearInputsPass
    : quantforge::impl::LLMInstrumentLinearInputsBase<
          LLMInstrumentLinearInputsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (failed(instrument(getOperation(), hessian, absMean)))
      signalPassFailure();
  }
};

struct LLMInstrumentHessiansPass
    : quantforge::impl::LLMInstrumentHessiansBase<LLMInstrumentHessiansPass> {
  void runOnOperation() override {
    if (failed(instrument(getOperation(), /*hessian=*/true, /*absMean=*/false)))
      signalPassFailure();
  }
};

} // namespace
