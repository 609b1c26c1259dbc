//===- BindParameters.cpp - weight references to entry-point arguments ----===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/Passes.h"

#include "dialects/llm/IR/LLMOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMBINDPARAMETERS
#include "passes/Transforms/Passes.h.inc"
} // namespace quantforge

using namespace mlir;
using namespace quantforge;

namespace {

LogicalResult bindParameters(func::FuncOp func) {
  MLIRContext *context = func.getContext();
  llvm::StringLiteral entryName = llm::LLMDialect::getEntryPointAttrName();
  Attribute kind = func->getAttr(entryName);

  WalkResult calls = func.walk([&](CallOpInterface call) {
    call->emitOpError("in entry point '")
        << func.getSymName()
        << "' must be inlined before llm-bind-parameters";
    return WalkResult::interrupt();
  });
  if (calls.wasInterrupted())
    return failure();

  // One argument per distinct (archive, key), in first-use order.
  llvm::MapVector<std::pair<Attribute, Attribute>, SmallVector<llm::WeightOp>>
      uses;
  func.walk([&](llm::WeightOp weight) {
    uses[{weight.getArchiveAttr(), weight.getKeyAttr()}].push_back(weight);
  });
  for (auto &[ref, weights] : uses) {
    unsigned index = func.getNumArguments();
    auto binding = DictionaryAttr::get(
        context, {NamedAttribute(StringAttr::get(context, "archive"), ref.first),
                  NamedAttribute(StringAttr::get(context, "key"), ref.second)});
    NamedAttribute argAttr(
        StringAttr::get(context, llm::LLMDialect::getParameterAttrName()),
        binding);
    if (failed(func.insertArgument(index, weights.front().getType(),
                                   DictionaryAttr::get(context, {argAttr}),
                                   weights.front().getLoc())))
      return failure();
    for (llm::WeightOp weight : weights) {
      weight.replaceAllUsesWith(func.getArgument(index));
      weight.erase();
    }
  }
  func->removeAttr(entryName);
  func->setAttr(llm::LLMDialect::getABIEntryPointAttrName(), kind);
  // Lowering to LLVM then emits _mlir_ciface_<name>, which takes memrefs as
  // descriptor pointers: the form the runtime's packed ABI wraps.
  func->setAttr("llvm.emit_c_interface", UnitAttr::get(context));
  return success();
}

struct LLMBindParametersPass
    : quantforge::impl::LLMBindParametersBase<LLMBindParametersPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func->hasAttr(llm::LLMDialect::getEntryPointAttrName()) &&
          failed(bindParameters(func)))
        return signalPassFailure();
  }
};

} // namespace
