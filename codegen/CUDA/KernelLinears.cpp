//===- KernelLinears.cpp - int4 linears on the library kernels ------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/Passes.h"

#include "codegen/CUDA/LibraryKernels.h"

#include "dialects/llm/IR/LLMOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMOUTLINEKERNELLINEARS
#define GEN_PASS_DEF_LLMLAUNCHKERNELLINEARS
#include "codegen/CUDA/Passes.h.inc"
} // namespace quantforge

using namespace mlir;
using namespace quantforge;

namespace {

/// codegen/CUDA/kernels/int4_matmul.mlir, as a string (generated at build
/// time, so the compiler needs no file at run time).
constexpr const char kInt4Kernels[] =
#include "codegen/CUDA/kernels/int4_matmul.mlir.inc"
    ;
constexpr StringLiteral kKernelModule = "quantforge_int4";
/// Marks an outlined linear; holds {rows, cols, group, symmetric}.
constexpr StringLiteral kKernelLinearAttr = "qf.kernel_linear";

/// The int4 weight of `op` if the library kernels can run it, else null.
llm::QWeightType kernelWeight(llm::LinearOp op) {
  auto qtype = dyn_cast<llm::QWeightType>(op.getWeight().getType());
  auto input = cast<RankedTensorType>(op.getInput().getType());
  auto isF32OrF16 = [](Type t) { return t.isF32() || t.isF16(); };
  if (!qtype || qtype.getBits() != 4 || qtype.getActOrder() || op.getBias() ||
      qtype.getPacking() != llm::WeightPacking::canonical ||
      !qtype.getScaleType().isF16() || input.getRank() != 2 ||
      !isF32OrF16(input.getElementType()) ||
      !isF32OrF16(op.getType().getElementType()))
    return {};
  int64_t group = qtype.getGroupSize(), cols = qtype.getCols();
  if (cols % 32 != 0 || group < 32 || !llvm::isPowerOf2_64(group) ||
      cols % group != 0)
    return {};
  return qtype;
}

struct LLMOutlineKernelLinearsPass
    : quantforge::impl::LLMOutlineKernelLinearsBase<LLMOutlineKernelLinearsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<llm::LinearOp> linears;
    module.walk([&](llm::LinearOp op) {
      if (kernelWeight(op))
        linears.push_back(op);
    });
    for (llm::LinearOp op : linears)
      outline(op, symbols);
  }

  /// The private function computing `op`'s linear into its last argument,
  /// made once per (shape, types).
  func::FuncOp callee(llm::LinearOp op, SymbolTable &symbols) {
    auto qtype = cast<llm::QWeightType>(op.getWeight().getType());
    auto input = cast<RankedTensorType>(op.getInput().getType());
    RankedTensorType result = op.getType();
    std::string tokens = input.isDynamicDim(0)
                             ? std::string("tn")
                             : llvm::formatv("t{0}", input.getDimSize(0)).str();
    auto typeName = [](Type t) { return t.isF32() ? "f32" : "f16"; };
    std::string name = llvm::formatv(
        "qf_int4_linear_{0}x{1}_g{2}_{3}_{4}_{5}{6}", qtype.getRows(),
        qtype.getCols(), qtype.getGroupSize(),
        qtype.getSymmetric() ? "sym" : "asym", tokens,
        typeName(input.getElementType()), typeName(result.getElementType()));
    if (auto existing = symbols.lookup<func::FuncOp>(name))
      return existing;

    MLIRContext *ctx = op.getContext();
    OpBuilder b(ctx);
    Location loc = op.getLoc();
    auto type = FunctionType::get(ctx, {input, qtype, result}, {result});
    auto func = func::FuncOp::create(b, loc, name, type);
    func.setPrivate();
    func->setAttr(kKernelLinearAttr,
                  b.getDictionaryAttr({
                      b.getNamedAttr("rows", b.getI64IntegerAttr(qtype.getRows())),
                      b.getNamedAttr("cols", b.getI64IntegerAttr(qtype.getCols())),
                      b.getNamedAttr("group",
                                     b.getI64IntegerAttr(qtype.getGroupSize())),
                      b.getNamedAttr("symmetric",
                                     b.getBoolAttr(qtype.getSymmetric())),
                  }));
    Block *body = func.addEntryBlock();
    b.setInsertionPointToStart(body);
    Value y = llm::LinearOp::create(b, loc, result, body->getArgument(0),
                                    body->getArgument(1), Value());
    // Written into the destination argument, so that bufferization makes the
    // result that argument's buffer and the caller owns the allocation.
    Value out = body->getArgument(2);
    SmallVector<OpFoldResult> offsets(2, b.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, y);
    Value written =
        tensor::InsertSliceOp::create(b, loc, y, out, offsets, sizes, strides);
    func::ReturnOp::create(b, loc, written);
    symbols.insert(func);
    return func;
  }

  void outline(llm::LinearOp op, SymbolTable &symbols) {
    func::FuncOp func = callee(op, symbols);
    OpBuilder b(op);
    Location loc = op.getLoc();
    RankedTensorType result = op.getType();
    SmallVector<Value> dynamic;
    if (result.isDynamicDim(0))
      dynamic.push_back(tensor::DimOp::create(b, loc, op.getInput(), 0));
    Value empty = tensor::EmptyOp::create(b, loc, result, dynamic);
    auto call = func::CallOp::create(
        b, loc, func, ValueRange{op.getInput(), op.getWeight(), empty});
    op.replaceAllUsesWith(call.getResult(0));
    op.erase();
  }
};

/// Emits the kernel path of one outlined linear on memrefs.
struct LaunchBuilder {
  OpBuilder &b;
  Location loc;
  gpu::GPUModuleOp kernels;
  int64_t rows, cols, group;
  bool symmetric;
  Value x, qweight, scales, zeros, out;

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  Value flat(Value buffer) { return flatBuffer(b, loc, buffer); }

  /// Writes `from`'s values into `to`, rounded or widened (f32 <-> f16).
  Value convertInto(Value from, Value to) {
    auto fromType = cast<MemRefType>(from.getType());
    auto toType = cast<MemRefType>(to.getType());
    MLIRContext *ctx = b.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
    SmallVector<utils::IteratorType> parallel(2, utils::IteratorType::parallel);
    linalg::GenericOp::create(
        b, loc, ValueRange{from}, ValueRange{to}, ArrayRef<AffineMap>{id, id},
        parallel,
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value v = args[0];
          if (fromType.getElementType().getIntOrFloatBitWidth() >
              toType.getElementType().getIntOrFloatBitWidth())
            v = arith::TruncFOp::create(nb, l, toType.getElementType(), v);
          else
            v = arith::ExtFOp::create(nb, l, toType.getElementType(), v);
          linalg::YieldOp::create(nb, l, v);
        });
    return to;
  }

  Value allocF16(Value like, Value tokens) {
    auto type = cast<MemRefType>(like.getType());
    auto f16Type = MemRefType::get(type.getShape(), b.getF16Type());
    SmallVector<Value> dynamic;
    if (type.isDynamicDim(0))
      dynamic.push_back(tokens);
    return memref::AllocOp::create(b, loc, f16Type, dynamic);
  }

  /// Emits `body(xh, yh)` between the f16 conversions of x and y.
  void withF16(Value tokens, function_ref<void(Value, Value)> body) {
    Value xh = x, yh = out;
    SmallVector<Value> temporaries;
    if (!cast<MemRefType>(x.getType()).getElementType().isF16()) {
      xh = convertInto(x, allocF16(x, tokens));
      temporaries.push_back(xh);
    }
    if (!cast<MemRefType>(out.getType()).getElementType().isF16()) {
      yh = allocF16(out, tokens);
      temporaries.push_back(yh);
    }
    body(flat(xh), flat(yh));
    if (yh != out)
      convertInto(yh, out);
    for (Value temporary : temporaries)
      memref::DeallocOp::create(b, loc, temporary);
  }

  void launch(StringRef kernel, gpu::KernelDim3 grid, int64_t block, Value xh,
              Value yh) {
    // The packed values as the i32 words the kernels load.
    Value bytes = memref::CollapseShapeOp::create(
        b, loc, qweight, ArrayRef<ReassociationIndices>{{0, 1}});
    int64_t numBytes = cast<MemRefType>(bytes.getType()).getNumElements();
    Value words = memref::ViewOp::create(
        b, loc, MemRefType::get({numBytes / 4}, b.getI32Type()), bytes,
        index(0), ValueRange{});
    // Symmetric weights: any readable buffer, never read (has_zeros = 0).
    Value zeroBytes = zeros ? zeros : qweight;
    Value hasZeros =
        arith::ConstantIntOp::create(b, loc, b.getI32Type(), symmetric ? 0 : 1);
    auto func = kernels.lookupSymbol<gpu::GPUFuncOp>(kernel);
    gpu::KernelDim3 blockDim{index(block), index(1), index(1)};
    gpu::LaunchFuncOp::create(
        b, loc, func, grid, blockDim, Value(),
        ValueRange{flat(words), flat(scales), flat(zeroBytes), xh, yh,
                   index(rows), index(cols), index(group), hasZeros});
  }

  static bool isF32(Value buffer) {
    auto type = cast<MemRefType>(buffer.getType());
    return type.getElementType().isF32() && type.getLayout().isIdentity();
  }

  void gemv(int64_t splitKCols) {
    bool splitK = cols > splitKCols;
    int64_t rowsPerBlock = splitK ? 4 : 8;
    // f32 activations in and out: the kernel rounds x as it loads it.
    if (!splitK && isF32(x) && isF32(out)) {
      launch("gemv_int4_f32",
             {index(llvm::divideCeil(rows, rowsPerBlock)), index(1), index(1)},
             64, flat(x), flat(out));
      return;
    }
    withF16(index(1), [&](Value xh, Value yh) {
      launch(splitK ? "gemv_int4_splitk" : "gemv_int4",
             {index(llvm::divideCeil(rows, rowsPerBlock)), index(1), index(1)},
             splitK ? 128 : 64, xh, yh);
    });
  }

  /// Tokens a multiple of 8: the largest tile of 64, 32, 16, 8 dividing it.
  void gemm(Value tokens) {
    withF16(tokens, [&](Value xh, Value yh) {
      Value tile = index(8);
      for (int64_t n : {16, 32, 64}) {
        Value divides = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::eq,
            arith::RemUIOp::create(b, loc, tokens, index(n)), index(0));
        tile = arith::SelectOp::create(b, loc, divides, index(n), tile);
      }
      SmallVector<int64_t> cases = {16, 32, 64};
      auto choice = scf::IndexSwitchOp::create(b, loc, TypeRange{}, tile,
                                               cases, cases.size());
      auto emit = [&](Region &region, int64_t n) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&region.emplaceBlock());
        Value batches = arith::DivUIOp::create(b, loc, tokens, index(n));
        launch(llvm::formatv("gemm_int4_n{0}", n).str(),
               {index(llvm::divideCeil(rows, 16)), batches, index(1)}, 256, xh,
               yh);
        scf::YieldOp::create(b, loc);
      };
      emit(choice.getDefaultRegion(), 8);
      for (auto [region, n] : llvm::zip(choice.getCaseRegions(), cases))
        emit(region, n);
    });
  }
};

struct LLMLaunchKernelLinearsPass
    : quantforge::impl::LLMLaunchKernelLinearsBase<LLMLaunchKernelLinearsPass> {
  using Base::Base;

  void runOnOperation() override {
    KernelLibrary library{kInt4Kernels, kKernelModule, "int4_matmul.mlir"};
    if (failed(launchLibraryKernels(
            getOperation(), kKernelLinearAttr, library,
            [&](func::FuncOp func, gpu::GPUModuleOp kernels) {
              return rewrite(func, kernels);
            })))
      signalPassFailure();
  }

  LogicalResult rewrite(func::FuncOp func, gpu::GPUModuleOp kernels) {
    auto info = func->getAttrOfType<DictionaryAttr>(kKernelLinearAttr);
    auto get = [&](StringRef key) {
      auto attr = info ? info.getAs<IntegerAttr>(key) : IntegerAttr();
      return attr ? attr.getInt() : int64_t(-1);
    };
    auto symmetric = info ? info.getAs<BoolAttr>("symmetric") : BoolAttr();
    int64_t rows = get("rows"), cols = get("cols"), group = get("group");
    // x, qweight, scales, [zeros], out; no results (destination-style).
    unsigned numArgs = func.getNumArguments();
    if (rows < 0 || cols < 0 || group < 0 || !symmetric ||
        func.getNumResults() != 0 || !func.getBody().hasOneBlock() ||
        numArgs != (symmetric.getValue() ? 4u : 5u) ||
        !llvm::all_of(func.getArgumentTypes(), llvm::IsaPred<MemRefType>))
      return func.emitError("is not an outlined int4 linear in "
                            "destination-passing form with memref arguments");
    Block &body = func.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(&body);
    Location loc = func.getLoc();
    LaunchBuilder launch{b,    loc,  kernels, rows, cols, group,
                         symmetric.getValue(),
                         body.getArgument(0),
                         body.getArgument(1),
                         body.getArgument(2),
                         symmetric.getValue() ? Value() : body.getArgument(3),
                         body.getArgument(numArgs - 1)};
    auto xType = cast<MemRefType>(launch.x.getType());
    if (!xType.isDynamicDim(0)) {
      if (xType.getDimSize(0) != 1)
        return success(); // A static batch keeps the generic code.
      // One token: only the GEMV; the generic code goes.
      SmallVector<Operation *> generic = llvm::map_to_vector(
          body.without_terminator(), [](Operation &op) { return &op; });
      for (Operation *op : llvm::reverse(generic))
        op->erase();
      b.setInsertionPoint(body.getTerminator());
      launch.gemv(splitKCols);
      return success();
    }
    // A dynamic number of tokens: the kernels where they apply, else the
    // generic code already here.
    Value tokens = memref::DimOp::create(b, loc, launch.x, 0);
    Value one = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tokens,
                                      launch.index(1));
    scf::IfOp ifOne = branchBeforeGenericCode(b, loc, body, one);
    b.setInsertionPointToStart(ifOne.thenBlock());
    launch.gemv(splitKCols);
    if (cols % 128 == 0 && group >= 128) {
      Block *generic = ifOne.elseBlock();
      b.setInsertionPointToStart(generic);
      Value multiple = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::eq,
          arith::RemUIOp::create(b, loc, tokens, launch.index(8)),
          launch.index(0));
      scf::IfOp ifTiles = branchBeforeGenericCode(b, loc, *generic, multiple);
      b.setInsertionPointToStart(ifTiles.thenBlock());
      launch.gemm(tokens);
    }
    return success();
  }
};

} // namespace
