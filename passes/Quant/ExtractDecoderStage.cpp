//===- ExtractDecoderStage.cpp - one stage of the model as an entry point -===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Quant/Passes.h"

#include "dialects/llm/IR/LLMOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMEXTRACTDECODERSTAGE
#include "passes/Quant/Passes.h.inc"
} // namespace quantforge

using namespace mlir;
using namespace quantforge;

namespace {

/// The key of the llm.weight that `value` is, or "".
StringRef weightKey(Value value) {
  auto weight = value.getDefiningOp<llm::WeightOp>();
  return weight ? weight.getKey() : StringRef();
}

/// Layer i of "model.layers.{i}.input_layernorm.weight" or
/// "blk.{i}.attn_norm.weight".
std::optional<int64_t> inputNormLayer(StringRef key) {
  for (auto [prefix, suffix] :
       {std::pair<StringRef, StringRef>{"model.layers.", ".input_layernorm.weight"},
        {"blk.", ".attn_norm.weight"}}) {
    StringRef rest = key;
    int64_t layer;
    if (rest.consume_front(prefix) && rest.consume_back(suffix) &&
        !rest.getAsInteger(10, layer))
      return layer;
  }
  return std::nullopt;
}

/// The function holding the model: the prefill entry point, or the function
/// it only forwards its arguments to.
func::FuncOp modelFunction(ModuleOp module) {
  func::FuncOp prefill;
  for (auto func : module.getOps<func::FuncOp>())
    if (auto kind = func->getAttrOfType<llm::EntryPointKindAttr>(
            llm::LLMDialect::getEntryPointAttrName());
        kind && kind.getValue() == llm::EntryPointKind::prefill)
      prefill = func;
  if (!prefill || prefill.isExternal())
    return {};
  func::CallOp call;
  prefill.walk([&](func::CallOp op) { call = op; });
  if (call && ValueRange(call.getOperands()) == ValueRange(prefill.getArguments()))
    if (auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
        callee && !callee.isExternal())
      return callee;
  return prefill;
}

struct LLMExtractDecoderStagePass
    : quantforge::impl::LLMExtractDecoderStageBase<LLMExtractDecoderStagePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    func::FuncOp model = modelFunction(module);
    if (!model || model.getNumArguments() != 3 ||
        !isa<llm::KVCacheType>(model.getArgumentTypes()[2])) {
      module.emitError("llm-extract-decoder-stage needs a prefill entry point "
                       "taking (tokens, start position, KV cache)");
      return signalPassFailure();
    }
    // Residual values entering each layer's input norm, then the final norm.
    std::map<int64_t, Value> starts;
    Value end;
    model.walk([&](llm::RMSNormOp norm) {
      StringRef key = weightKey(norm.getWeight());
      if (std::optional<int64_t> layer = inputNormLayer(key))
        starts[*layer] = norm.getInput();
      else if (key == "model.norm.weight" || key == "output_norm.weight")
        end = norm.getInput();
    });
    auto layers = int64_t(starts.size());
    if (!end) {
      model.emitError("llm-extract-decoder-stage: no final norm "
                      "(model.norm.weight or output_norm.weight)");
      return signalPassFailure();
    }
    if (layer < -1 || layer >= layers) {
      model.emitError("llm-extract-decoder-stage: layer ")
          << int64_t(layer) << " out of range: the model has " << layers
          << " decoder layers";
      return signalPassFailure();
    }
    if (!starts.empty() && starts.rbegin()->first != layers - 1) {
      model.emitError("llm-extract-decoder-stage: decoder layers are not "
                      "numbered 0 to ")
          << layers - 1;
      return signalPassFailure();
    }
    Value first = layer < 0 ? Value() : starts[layer];
    Value last = layer + 1 < layers ? starts[layer + 1] : end;

    MLIRContext *ctx = module.getContext();
    auto cache = cast<llm::KVCacheType>(model.getArgumentTypes()[2]);
    auto stageCache =
        llm::KVCacheType::get(ctx, 1, cache.getKvHeads(), cache.getMaxSeq(),
                              cache.getHeadDim(), cache.getElementType());
    Type hidden = last.getType();
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto stage = func::FuncOp::create(
        b, model.getLoc(), "stage",
        FunctionType::get(ctx,
                          {model.getArgumentTypes()[0],
                           model.getArgumentTypes()[1], stageCache, hidden},
                          {hidden, stageCache}));
    stage->setAttr(llm::LLMDialect::getEntryPointAttrName(),
                   llm::EntryPointKindAttr::get(ctx, llm::EntryPointKind::stage));
    Block *body = stage.addEntryBlock();

    // The stage's ops: what `last` depends on, cut at `first` (the hidden
    // argument) and at every cache value (the one-layer cache argument).
    IRMapping mapping;
    mapping.map(model.getArgument(0), body->getArgument(0));
    mapping.map(model.getArgument(1), body->getArgument(1));
    if (first)
      mapping.map(first, body->getArgument(3));
    llvm::SetVector<Operation *> ops;
    std::function<void(Value)> visit = [&](Value value) {
      if (mapping.contains(value))
        return;
      if (isa<llm::KVCacheType>(value.getType())) {
        mapping.map(value, body->getArgument(2));
        return;
      }
      Operation *op = value.getDefiningOp();
      if (!op || ops.contains(op))
        return;
      for (Value operand : op->getOperands())
        visit(operand);
      llvm::SetVector<Value> captured;
      getUsedValuesDefinedAbove(op->getRegions(), captured);
      for (Value operand : captured)
        visit(operand);
      ops.insert(op);
    };
    visit(last);

    b.setInsertionPointToStart(body);
    Value updatedCache = body->getArgument(2);
    int attentions = 0;
    for (Operation *op : ops) {
      Operation *clone = b.clone(*op, mapping);
      if (auto attention = dyn_cast<llm::AttentionOp>(clone)) {
        attention.setLayer(0);
        attention.getUpdatedCache().setType(stageCache);
        updatedCache = attention.getUpdatedCache();
        ++attentions;
      }
    }
    if (attentions > 1) {
      model.emitError("llm-extract-decoder-stage: layer ")
          << int64_t(layer) << " holds " << attentions << " attentions";
      return signalPassFailure();
    }
    func::ReturnOp::create(b, model.getLoc(),
                           ValueRange{mapping.lookup(last), updatedCache});
    for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
      if (func != stage)
        func.erase();
  }
};

} // namespace
