//===- DropReturnedArguments.cpp - results that are arguments -------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/Passes.h"

#include "dialects/llm/IR/LLMDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMDROPRETURNEDARGUMENTS
#include "passes/Conversion/Passes.h.inc"
} // namespace quantforge

using namespace mlir;

namespace {
/// The buffer `value` is, through casts.
Value getSourceBuffer(Value value) {
  while (auto cast = value.getDefiningOp<memref::CastOp>())
    value = cast.getSource();
  return value;
}

struct LLMDropReturnedArgumentsPass
    : quantforge::impl::LLMDropReturnedArgumentsBase<
          LLMDropReturnedArgumentsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!func->hasAttr(quantforge::llm::LLMDialect::getABIEntryPointAttrName()) ||
          !func.getBody().hasOneBlock())
        continue;
      auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
      BitVector dropped(ret.getNumOperands());
      SmallVector<Value> kept;
      for (auto [index, value] : llvm::enumerate(ret.getOperands())) {
        Value source = getSourceBuffer(value);
        if (isa<BlockArgument>(source))
          dropped.set(index);
        else
          kept.push_back(value);
      }
      // The runtime passes a distinct buffer for every argument it may write
      // (cache, logits); weights are only read. Saying so lets LLVM keep
      // accumulators in registers and vectorize the kernels' inner loops.
      for (BlockArgument arg : func.getArguments())
        if (isa<BaseMemRefType>(arg.getType()))
          func.setArgAttr(arg.getArgNumber(), "llvm.noalias",
                          UnitAttr::get(func.getContext()));
      if (dropped.none())
        continue;
      if (failed(func.eraseResults(dropped)))
        return signalPassFailure();
      ret.getOperandsMutable().assign(kept);
    }
  }
};
} // namespace
