//===- DispatchParallelLoops.cpp - scf.parallel on the runtime's threads --===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Outlining happens on memrefs, before the LLVM conversion, because there the
// loop nest, its captured values and the buffers behind them are still
// visible; the few LLVM dialect ops it adds (context struct, descriptor
// fields) are what the conversion passes produce anyway, and
// reconcile-unrealized-casts folds the casts between the two.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/Passes.h"

#include "mlir/Conversion/LLVMCommon/MemRefBuilder.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/Support/MathExtras.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMDISPATCHPARALLELLOOPS
#include "passes/Conversion/Passes.h.inc"
} // namespace quantforge

using namespace mlir;

namespace {

/// The runtime's entry point (docs/artifact-and-abi.md).
constexpr llvm::StringLiteral kParallelFor = "qf_parallel_for";

/// The trip count assumed for a loop whose bounds are not constant when
/// estimating work (a context length or a token count).
constexpr uint64_t kDynamicTripCount = 64;

std::optional<uint64_t> staticTripCount(OpFoldResult lb, OpFoldResult ub,
                                        OpFoldResult step) {
  std::optional<int64_t> lower = getConstantIntValue(lb);
  std::optional<int64_t> upper = getConstantIntValue(ub);
  std::optional<int64_t> stride = getConstantIntValue(step);
  if (!lower || !upper || !stride || *stride <= 0)
    return std::nullopt;
  if (*upper <= *lower)
    return 0;
  return llvm::divideCeil(uint64_t(*upper - *lower), uint64_t(*stride));
}

uint64_t estimateWork(Block &block);

/// Iterations of `loop`, dynamic dimensions counted as kDynamicTripCount.
uint64_t estimateTripCount(LoopLikeOpInterface loop) {
  auto lbs = loop.getLoopLowerBounds();
  auto ubs = loop.getLoopUpperBounds();
  auto steps = loop.getLoopSteps();
  if (!lbs || !ubs || !steps)
    return kDynamicTripCount;
  uint64_t trips = 1;
  for (auto [lb, ub, step] : llvm::zip_equal(*lbs, *ubs, *steps))
    trips = llvm::SaturatingMultiply(
        trips, staticTripCount(lb, ub, step).value_or(kDynamicTripCount));
  return trips;
}

/// Operations one run of `block` executes, nested loops multiplied out.
uint64_t estimateWork(Block &block) {
  uint64_t work = 0;
  for (Operation &op : block) {
    uint64_t nested = 0;
    for (Region &region : op.getRegions())
      for (Block &inner : region)
        nested = llvm::SaturatingAdd(nested, estimateWork(inner));
    if (auto loop = dyn_cast<LoopLikeOpInterface>(op))
      nested = llvm::SaturatingMultiply(nested, estimateTripCount(loop));
    work = llvm::SaturatingAdd(work, llvm::SaturatingAdd(nested, uint64_t(1)));
  }
  return work;
}

/// The dimension whose iterations the runtime splits: the outermost one with
/// a static trip count of at least 2, else the outermost dynamic one (token
/// counts, which decode runs with 1). Only unit steps, so that any chunk of
/// [lo, hi) is a set of iterations.
std::optional<unsigned> splitDimension(scf::ParallelOp loop) {
  std::optional<unsigned> dynamic;
  for (unsigned dim = 0; dim < loop.getNumLoops(); ++dim) {
    if (!isConstantIntValue(loop.getStep()[dim], 1))
      continue;
    std::optional<uint64_t> trips =
        staticTripCount(loop.getLowerBound()[dim], loop.getUpperBound()[dim],
                        loop.getStep()[dim]);
    if (trips && *trips >= 2)
      return dim;
    if (!trips && !dynamic)
      dynamic = dim;
  }
  return dynamic;
}

/// Replaces `loop` by a nest of scf.for loops, its dimensions in order.
void serialize(RewriterBase &rewriter, scf::ParallelOp loop) {
  rewriter.setInsertionPoint(loop);
  scf::LoopNest nest =
      scf::buildLoopNest(rewriter, loop.getLoc(), loop.getLowerBound(),
                         loop.getUpperBound(), loop.getStep());
  Operation *before = nest.loops.empty()
                          ? loop.getOperation()
                          : nest.loops.back().getBody()->getTerminator();
  SmallVector<Value> ivs = llvm::map_to_vector(
      nest.loops, [](scf::ForOp serial) { return serial.getInductionVar(); });
  rewriter.eraseOp(loop.getBody()->getTerminator());
  rewriter.inlineBlockBefore(loop.getBody(), before, ivs);
  rewriter.eraseOp(loop);
}

/// Serializes every scf.parallel without results in `root`, `root` included.
void serializeAll(RewriterBase &rewriter, Operation *root) {
  SmallVector<scf::ParallelOp> loops;
  root->walk([&](scf::ParallelOp loop) {
    if (loop.getNumResults() == 0)
      loops.push_back(loop);
  });
  // Post-order: inner loops first, so every loop still has its own body.
  for (scf::ParallelOp loop : loops)
    serialize(rewriter, loop);
}

/// The allocation or argument that `view` is a view of.
Value rootBuffer(Value view) {
  while (auto viewLike = view.getDefiningOp<ViewLikeOpInterface>())
    view = viewLike.getViewSource();
  return view;
}

/// Whether only views of `buffer` reach its memory: a fresh allocation, or a
/// function argument marked `llvm.noalias`.
bool isDistinctBuffer(Value buffer) {
  if (auto arg = dyn_cast<BlockArgument>(buffer)) {
    auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    return func && arg.getOwner()->isEntryBlock() &&
           func.getArgAttr(arg.getArgNumber(),
                           LLVM::LLVMDialect::getNoAliasAttrName());
  }
  return isa_and_present<memref::AllocOp, memref::AllocaOp>(
      buffer.getDefiningOp());
}

/// Outlines loops of one module; see the pass description.
class Dispatcher {
public:
  Dispatcher(ModuleOp module, uint64_t minWork)
      : module(module), symbols(module), converter(module.getContext()),
        rewriter(module.getContext()), minWork(minWork) {}

  /// Dispatches `loop` to the runtime if that is worth it and possible;
  /// serializes it otherwise.
  LogicalResult run(scf::ParallelOp loop);

private:
  /// A value the loop uses from outside: an argument of the body.
  struct Capture {
    Value value;
    /// Its type in the context struct.
    Type llvmType;
    /// Memrefs only: the aligned pointer is `llvm.noalias`.
    bool noAlias = false;
  };

  FailureOr<func::FuncOp> getOrInsertParallelFor(Location loc);
  bool collectCaptures(scf::ParallelOp loop, unsigned dim,
                       SmallVectorImpl<Capture> &captures,
                       SmallVectorImpl<Operation *> &constants);
  func::FuncOp createBody(func::FuncOp parent, scf::ParallelOp loop,
                          unsigned dim, StringRef name,
                          ArrayRef<Capture> captures,
                          ArrayRef<Operation *> constants);
  func::FuncOp createEntry(func::FuncOp parent, StringRef name,
                           func::FuncOp body, Type contextType,
                           ArrayRef<Capture> captures);
  /// Fills a context struct with `captures` and calls qf_parallel_for with
  /// `entry` over [lo, hi).
  void emitDispatch(OpBuilder &b, Location loc, func::FuncOp parent,
                    func::FuncOp parallelFor, func::FuncOp entry,
                    Type contextType, ArrayRef<Capture> captures, Value lo,
                    Value hi);
  /// The body's operands for `captures`, memref descriptors as fields.
  SmallVector<Value> unpack(OpBuilder &b, Location loc,
                            ArrayRef<Capture> captures, ValueRange values);
  Value workIsSmall(OpBuilder &b, scf::ParallelOp loop, uint64_t staticWork,
                    ArrayRef<unsigned> dynamicDims);
  func::FuncOp insertFunction(func::FuncOp parent, Location loc, StringRef name,
                              FunctionType type);

  ModuleOp module;
  SymbolTable symbols;
  LLVMTypeConverter converter;
  IRRewriter rewriter;
  uint64_t minWork;
  llvm::DenseMap<Operation *, unsigned> dispatchCounts;
  llvm::DenseMap<Operation *, Operation *> lastInserted;
};

LogicalResult Dispatcher::run(scf::ParallelOp loop) {
  auto parent = loop->getParentOfType<func::FuncOp>();
  std::optional<unsigned> dim = splitDimension(loop);
  if (!parent || loop.getNumResults() != 0 || !dim) {
    serializeAll(rewriter, loop);
    return success();
  }
  // Work of all iterations: static factors folded, dynamic ones kept apart.
  uint64_t staticWork = estimateWork(*loop.getBody());
  SmallVector<unsigned> dynamicDims;
  for (unsigned d = 0; d < loop.getNumLoops(); ++d) {
    std::optional<uint64_t> trips = staticTripCount(
        loop.getLowerBound()[d], loop.getUpperBound()[d], loop.getStep()[d]);
    if (trips)
      staticWork = llvm::SaturatingMultiply(staticWork, *trips);
    else
      dynamicDims.push_back(d);
  }
  SmallVector<Capture> captures;
  SmallVector<Operation *> constants;
  if ((dynamicDims.empty() && staticWork < minWork) ||
      !collectCaptures(loop, *dim, captures, constants)) {
    serializeAll(rewriter, loop);
    return success();
  }
  FailureOr<func::FuncOp> parallelFor = getOrInsertParallelFor(loop.getLoc());
  if (failed(parallelFor))
    return failure();

  std::string name =
      (parent.getSymName() + "_parallel_" + Twine(dispatchCounts[parent]++))
          .str();
  func::FuncOp body =
      createBody(parent, loop, *dim, name + "_body", captures, constants);
  SmallVector<Type> fields = llvm::map_to_vector(
      captures, [](const Capture &capture) { return capture.llvmType; });
  auto contextType =
      LLVM::LLVMStructType::getLiteral(module.getContext(), fields);
  func::FuncOp entry = createEntry(parent, name, body, contextType, captures);
  Value lo = loop.getLowerBound()[*dim], hi = loop.getUpperBound()[*dim];
  if (staticWork >= minWork) {
    rewriter.setInsertionPoint(loop);
    emitDispatch(rewriter, loop.getLoc(), parent, *parallelFor, entry,
                 contextType, captures, lo, hi);
  } else {
    // Run the body on this thread when the run-time work is small.
    rewriter.setInsertionPoint(loop);
    Value small = workIsSmall(rewriter, loop, staticWork, dynamicDims);
    scf::IfOp::create(
        rewriter, loop.getLoc(), small,
        [&](OpBuilder &b, Location loc) {
          SmallVector<Value> operands =
              unpack(b, loc, captures,
                     llvm::map_to_vector(captures, [](const Capture &capture) {
                       return capture.value;
                     }));
          operands.append({lo, hi});
          func::CallOp::create(b, loc, body, operands);
          scf::YieldOp::create(b, loc);
        },
        [&](OpBuilder &b, Location loc) {
          emitDispatch(b, loc, parent, *parallelFor, entry, contextType,
                       captures, lo, hi);
          scf::YieldOp::create(b, loc);
        });
  }
  rewriter.eraseOp(loop);
  return success();
}

void Dispatcher::emitDispatch(OpBuilder &b, Location loc, func::FuncOp parent,
                              func::FuncOp parallelFor, func::FuncOp entry,
                              Type contextType, ArrayRef<Capture> captures,
                              Value lo, Value hi) {
  auto ptr = LLVM::LLVMPointerType::get(module.getContext());
  Type i64 = b.getI64Type();
  Value context;
  {
    // In the entry block, as a loop may run inside another loop.
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&parent.getBody().front());
    Value one = LLVM::ConstantOp::create(b, loc, i64, 1);
    context = LLVM::AllocaOp::create(b, loc, ptr, contextType, one);
  }
  for (auto [index, capture] : llvm::enumerate(captures)) {
    Value field = capture.value;
    if (field.getType() != capture.llvmType)
      field =
          UnrealizedConversionCastOp::create(b, loc, capture.llvmType, field)
              .getResult(0);
    Value slot = LLVM::GEPOp::create(b, loc, ptr, contextType, context,
                                     ArrayRef<LLVM::GEPArg>{0, int32_t(index)});
    LLVM::StoreOp::create(b, loc, field, slot);
  }
  Value function = func::ConstantOp::create(b, loc, entry.getFunctionType(),
                                            SymbolRefAttr::get(entry));
  Value begin = arith::IndexCastOp::create(b, loc, i64, lo);
  Value end = arith::IndexCastOp::create(b, loc, i64, hi);
  func::CallOp::create(b, loc, parallelFor,
                       ValueRange{function, context, begin, end});
}

FailureOr<func::FuncOp> Dispatcher::getOrInsertParallelFor(Location loc) {
  MLIRContext *ctx = module.getContext();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto i64 = IntegerType::get(ctx, 64);
  auto bodyType = FunctionType::get(ctx, {ptr, i64, i64}, {});
  auto type = FunctionType::get(ctx, {bodyType, ptr, i64, i64}, {});
  if (auto existing = symbols.lookup<func::FuncOp>(kParallelFor)) {
    if (existing.getFunctionType() != type)
      return existing.emitOpError("is not the runtime's ")
             << kParallelFor << " of type " << type;
    return existing;
  }
  if (symbols.lookup(kParallelFor))
    return emitError(loc) << "symbol " << kParallelFor << " is taken";
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto declaration = func::FuncOp::create(b, loc, kParallelFor, type);
  declaration.setPrivate();
  symbols.insert(declaration);
  return declaration;
}

bool Dispatcher::collectCaptures(scf::ParallelOp loop, unsigned dim,
                                 SmallVectorImpl<Capture> &captures,
                                 SmallVectorImpl<Operation *> &constants) {
  SetVector<Value> used;
  getUsedValuesDefinedAbove(loop.getRegion(), used);
  for (unsigned d = 0; d < loop.getNumLoops(); ++d) {
    if (d != dim) {
      used.insert(loop.getLowerBound()[d]);
      used.insert(loop.getUpperBound()[d]);
    }
    used.insert(loop.getStep()[d]);
  }
  llvm::DenseMap<Value, unsigned> viewsOfRoot;
  for (Value value : used) {
    Operation *def = value.getDefiningOp();
    if (def && def->getNumOperands() == 0 && matchPattern(def, m_Constant())) {
      constants.push_back(def);
      continue;
    }
    Type llvmType = converter.convertType(value.getType());
    if (!llvmType || !LLVM::isCompatibleType(llvmType))
      return false;
    captures.push_back({value, llvmType});
    if (isa<MemRefType>(value.getType()))
      ++viewsOfRoot[rootBuffer(value)];
  }
  for (Capture &capture : captures) {
    if (!isa<MemRefType>(capture.value.getType()))
      continue;
    Value root = rootBuffer(capture.value);
    capture.noAlias = isDistinctBuffer(root) && viewsOfRoot[root] == 1;
  }
  return true;
}

func::FuncOp Dispatcher::insertFunction(func::FuncOp parent, Location loc,
                                        StringRef name, FunctionType type) {
  OpBuilder b(module.getContext());
  auto function = func::FuncOp::create(b, loc, name, type);
  function.setPrivate();
  // Private func.func symbols still become external LLVM functions.
  function->setAttr(
      "llvm.linkage",
      LLVM::LinkageAttr::get(module.getContext(), LLVM::Linkage::Internal));
  // After the parent's earlier outlined functions: they read in loop order.
  Operation *&last = lastInserted[parent];
  if (!last)
    last = parent;
  symbols.insert(function, std::next(Block::iterator(last)));
  last = function;
  return function;
}

func::FuncOp Dispatcher::createBody(func::FuncOp parent, scf::ParallelOp loop,
                                    unsigned dim, StringRef name,
                                    ArrayRef<Capture> captures,
                                    ArrayRef<Operation *> constants) {
  MLIRContext *ctx = module.getContext();
  Type i64 = converter.getIndexType();
  SmallVector<Type> types;
  SmallVector<DictionaryAttr> attrs;
  for (const Capture &capture : captures) {
    auto memref = dyn_cast<MemRefType>(capture.value.getType());
    if (!memref) {
      types.push_back(capture.value.getType());
      attrs.push_back(DictionaryAttr::get(ctx));
      continue;
    }
    // allocated, aligned, offset, sizes, strides: MemRefDescriptor's order.
    unsigned count = MemRefDescriptor::getNumUnpackedValues(memref);
    Type ptr = cast<LLVM::LLVMStructType>(capture.llvmType).getBody().front();
    types.append({ptr, ptr});
    types.append(count - 2, i64);
    attrs.append(count, DictionaryAttr::get(ctx));
    if (capture.noAlias)
      attrs[attrs.size() - count + 1] = DictionaryAttr::get(
          ctx, NamedAttribute(LLVM::LLVMDialect::getNoAliasAttrName(),
                              UnitAttr::get(ctx)));
  }
  types.append(2, IndexType::get(ctx));
  attrs.append(2, DictionaryAttr::get(ctx));
  Location loc = loop.getLoc();
  func::FuncOp body =
      insertFunction(parent, loc, name, FunctionType::get(ctx, types, {}));
  body.setAllArgAttrs(attrs);

  Block *entry = body.addEntryBlock();
  OpBuilder b = OpBuilder::atBlockBegin(entry);
  IRMapping mapping;
  unsigned next = 0;
  for (const Capture &capture : captures) {
    auto memref = dyn_cast<MemRefType>(capture.value.getType());
    if (!memref) {
      mapping.map(capture.value, entry->getArgument(next++));
      continue;
    }
    unsigned count = MemRefDescriptor::getNumUnpackedValues(memref);
    Value descriptor = MemRefDescriptor::pack(
        b, loc, converter, memref, entry->getArguments().slice(next, count));
    next += count;
    mapping.map(capture.value,
                UnrealizedConversionCastOp::create(b, loc, memref, descriptor)
                    .getResult(0));
  }
  for (Operation *constant : constants)
    b.clone(*constant, mapping);
  auto nest = cast<scf::ParallelOp>(b.clone(*loop, mapping));
  nest.getLowerBoundMutable()[dim].set(entry->getArgument(next));
  nest.getUpperBoundMutable()[dim].set(entry->getArgument(next + 1));
  func::ReturnOp::create(b, loc);
  serializeAll(rewriter, nest);
  return body;
}

func::FuncOp Dispatcher::createEntry(func::FuncOp parent, StringRef name,
                                     func::FuncOp body, Type contextType,
                                     ArrayRef<Capture> captures) {
  MLIRContext *ctx = module.getContext();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto i64 = IntegerType::get(ctx, 64);
  Location loc = body.getLoc();
  func::FuncOp entry = insertFunction(
      parent, loc, name, FunctionType::get(ctx, {ptr, i64, i64}, {}));
  Block *block = entry.addEntryBlock();
  OpBuilder b = OpBuilder::atBlockBegin(block);
  Value context = block->getArgument(0);
  SmallVector<Value> values;
  for (auto [index, capture] : llvm::enumerate(captures)) {
    Value slot = LLVM::GEPOp::create(b, loc, ptr, contextType, context,
                                     ArrayRef<LLVM::GEPArg>{0, int32_t(index)});
    Value field = LLVM::LoadOp::create(b, loc, capture.llvmType, slot);
    if (field.getType() != capture.value.getType() &&
        !isa<MemRefType>(capture.value.getType()))
      field = UnrealizedConversionCastOp::create(b, loc,
                                                 capture.value.getType(), field)
                  .getResult(0);
    values.push_back(field);
  }
  SmallVector<Value> operands = unpack(b, loc, captures, values);
  for (Value bound : block->getArguments().drop_front())
    operands.push_back(
        arith::IndexCastOp::create(b, loc, b.getIndexType(), bound));
  func::CallOp::create(b, loc, body, operands);
  func::ReturnOp::create(b, loc);
  return entry;
}

SmallVector<Value> Dispatcher::unpack(OpBuilder &b, Location loc,
                                      ArrayRef<Capture> captures,
                                      ValueRange values) {
  SmallVector<Value> operands;
  for (auto [capture, value] : llvm::zip_equal(captures, values)) {
    auto memref = dyn_cast<MemRefType>(capture.value.getType());
    if (!memref) {
      operands.push_back(value);
      continue;
    }
    if (value.getType() != capture.llvmType)
      value =
          UnrealizedConversionCastOp::create(b, loc, capture.llvmType, value)
              .getResult(0);
    MemRefDescriptor::unpack(b, loc, value, memref, operands);
  }
  return operands;
}

Value Dispatcher::workIsSmall(OpBuilder &b, scf::ParallelOp loop,
                              uint64_t staticWork,
                              ArrayRef<unsigned> dynamicDims) {
  Location loc = loop.getLoc();
  Value trips;
  for (unsigned d : dynamicDims) {
    Value count = arith::SubIOp::create(b, loc, loop.getUpperBound()[d],
                                        loop.getLowerBound()[d]);
    if (!isConstantIntValue(loop.getStep()[d], 1))
      count = arith::CeilDivSIOp::create(b, loc, count, loop.getStep()[d]);
    trips = trips ? arith::MulIOp::create(b, loc, trips, count) : count;
  }
  Value needed = arith::ConstantIndexOp::create(
      b, loc,
      int64_t(llvm::divideCeil(minWork, std::max<uint64_t>(staticWork, 1))));
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, trips,
                               needed);
}

struct LLMDispatchParallelLoopsPass
    : quantforge::impl::LLMDispatchParallelLoopsBase<
          LLMDispatchParallelLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<scf::ParallelOp> outermost;
    getOperation()->walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
      outermost.push_back(loop);
      return WalkResult::skip();
    });
    Dispatcher dispatcher(getOperation(),
                          uint64_t(std::max<int64_t>(minWork, 0)));
    for (scf::ParallelOp loop : outermost)
      if (failed(dispatcher.run(loop)))
        return signalPassFailure();
  }
};

} // namespace
