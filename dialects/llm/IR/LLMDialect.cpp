//===- LLMDialect.cpp - llm dialect ---------------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/IR/LLMDialect.h"
#include "dialects/llm/IR/LLMOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Transforms/InliningUtils.h"

using namespace mlir;
using namespace quantforge::llm;

#include "dialects/llm/IR/LLMDialect.cpp.inc"

namespace {
/// Every llm op is pure and region-free, so inlining one is always legal;
/// lowering inlines @forward into the entry points.
struct LLMInlinerInterface : DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

void LLMDialect::initialize() {
  registerTypes();
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "dialects/llm/IR/LLMOps.cpp.inc"
      >();
  addInterfaces<LLMInlinerInterface>();
}

/// An entry point computes logits for a run of tokens starting at a position
/// and returns the cache with those tokens appended:
///   (tokens: tensor<S x i32|i64>, start_pos: index, cache: !llm.kv_cache)
///     -> (logits: tensor<S x vocab x float>, cache)
/// The runtime's token loop relies on exactly this shape.
static LogicalResult verifyEntryPoint(func::FuncOp func, EntryPointKind kind) {
  FunctionType type = func.getFunctionType();
  StringRef kindName = stringifyEntryPointKind(kind);
  auto fail = [&]() {
    return func.emitOpError()
           << "is a " << kindName << " entry point and must have type "
           << "(tensor<Sxi32>, index, !llm.kv_cache<...>) -> "
              "(tensor<SxVxf32>, !llm.kv_cache<...>)";
  };
  if (type.getNumInputs() != 3 || type.getNumResults() != 2)
    return fail();
  auto tokens = dyn_cast<RankedTensorType>(type.getInput(0));
  auto cache = dyn_cast<KVCacheType>(type.getInput(2));
  auto logits = dyn_cast<RankedTensorType>(type.getResult(0));
  if (!tokens || tokens.getRank() != 1 ||
      !tokens.getElementType().isSignlessInteger() ||
      !type.getInput(1).isIndex() || !cache || !logits ||
      logits.getRank() != 2 || !isa<FloatType>(logits.getElementType()) ||
      type.getResult(1) != cache)
    return fail();
  if (kind == EntryPointKind::decode && tokens.getDimSize(0) != 1)
    return func.emitOpError()
           << "is a decode entry point and must take exactly one token, got "
           << tokens;
  if (failed(verifyCompatibleShape(tokens.getShape().take_front(),
                                   logits.getShape().take_front())))
    return func.emitOpError() << "returns logits for " << logits.getDimSize(0)
                              << " tokens but takes " << tokens.getDimSize(0);
  return success();
}

LogicalResult LLMDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name == getSourceAttrName()) {
    if (!isa<ModuleOp>(op) || !isa<StringAttr>(attr.getValue()))
      return op->emitError() << "'" << name
                             << "' must be a string on builtin.module";
    return success();
  }
  if (name != getEntryPointAttrName() && name != getABIEntryPointAttrName())
    return op->emitError() << "unknown llm dialect attribute '" << name << "'";
  auto kind = dyn_cast<EntryPointKindAttr>(attr.getValue());
  if (!kind)
    return op->emitError() << "'" << name
                           << "' must be #llm.entry_point<prefill|decode>";
  // The ABI marker survives lowering to llvm.func; the llm-level contract
  // is only checked on func.func.
  if (name == getABIEntryPointAttrName()) {
    if (!isa<FunctionOpInterface>(op))
      return op->emitError() << "'" << name << "' is only valid on functions";
    return success();
  }
  auto func = dyn_cast<func::FuncOp>(op);
  if (!func)
    return op->emitError() << "'" << name << "' is only valid on func.func";
  return verifyEntryPoint(func, kind.getValue());
}

LogicalResult LLMDialect::verifyRegionArgAttribute(Operation *op,
                                                   unsigned regionIndex,
                                                   unsigned argIndex,
                                                   NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name == "llm.statistic") {
    // Calibration buffers: {keys = [weight keys], kind = "hessian"}.
    auto dict = dyn_cast<DictionaryAttr>(attr.getValue());
    if (!dict || !dict.getAs<ArrayAttr>("keys") || !dict.getAs<StringAttr>("kind"))
      return op->emitError() << "argument " << argIndex
                             << ": 'llm.statistic' must be {keys = [...], kind = \"...\"}";
    return success();
  }
  if (name != getParameterAttrName())
    return op->emitError() << "unknown llm dialect argument attribute '"
                           << name << "'";
  // After lowering, the parts of a quantized weight also name their part.
  auto dict = dyn_cast<DictionaryAttr>(attr.getValue());
  StringAttr part = dict ? dict.getAs<StringAttr>("part") : StringAttr();
  if (!dict || !dict.getAs<FlatSymbolRefAttr>("archive") ||
      !dict.getAs<StringAttr>("key") || dict.size() != (part ? 3u : 2u) ||
      (part && !llvm::is_contained(ArrayRef<StringRef>{"qweight", "scales", "zeros", "g_idx"},
                                   part.getValue())))
    return op->emitError() << "argument " << argIndex << ": '" << name
                           << "' must be {archive = @symbol, key = \"...\"[, "
                              "part = \"qweight|scales|zeros|g_idx\"]}";
  return success();
}
