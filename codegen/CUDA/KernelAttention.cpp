//===- KernelAttention.cpp - decode attention on the library kernel -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/Passes.h"

#include "codegen/CUDA/LibraryKernels.h"
#include "passes/Conversion/Passes.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMLAUNCHKERNELATTENTION
#include "codegen/CUDA/Passes.h.inc"
} // namespace quantforge

using namespace mlir;
using namespace quantforge;

namespace {

/// codegen/CUDA/kernels/attention.mlir, as a string (generated at build
/// time).
constexpr const char kAttentionKernels[] =
#include "codegen/CUDA/kernels/attention.mlir.inc"
    ;
constexpr StringLiteral kKernelModule = "quantforge_attention";
constexpr int64_t kBlockSize = 256;

struct LLMLaunchKernelAttentionPass
    : quantforge::impl::LLMLaunchKernelAttentionBase<
          LLMLaunchKernelAttentionPass> {
  void runOnOperation() override {
    KernelLibrary library{kAttentionKernels, kKernelModule, "attention.mlir"};
    if (failed(launchLibraryKernels(
            getOperation(), kKernelAttentionAttr, library,
            [&](func::FuncOp func, gpu::GPUModuleOp kernels) {
              return rewrite(func, kernels);
            })))
      signalPassFailure();
  }

  LogicalResult rewrite(func::FuncOp func, gpu::GPUModuleOp kernels) {
    auto info = func->getAttrOfType<DictionaryAttr>(kKernelAttentionAttr);
    auto get = [&](StringRef key) {
      auto attr = info ? info.getAs<IntegerAttr>(key) : IntegerAttr();
      return attr ? attr.getInt() : int64_t(-1);
    };
    int64_t heads = get("heads"), kvHeads = get("kv_heads"),
            dim = get("head_dim"), window = get("window");
    // query, cache, layer, start, scale, out; no results.
    FunctionType type = func.getFunctionType();
    auto memrefAt = [&](unsigned i) {
      return dyn_cast<MemRefType>(type.getInput(i));
    };
    if (heads <= 0 || kvHeads <= 0 || dim <= 0 || window < 0 ||
        type.getNumInputs() != 6 || type.getNumResults() != 0 ||
        !func.getBody().hasOneBlock() || !memrefAt(0) || !memrefAt(1) ||
        !memrefAt(5) || memrefAt(0).getRank() != 3 ||
        memrefAt(1).getRank() != 5 || !type.getInput(2).isIndex() ||
        !type.getInput(3).isIndex() || !type.getInput(4).isF32())
      return func.emitError("is not an outlined attention read in "
                            "destination-passing form with memref arguments");
    MemRefType query = memrefAt(0), cache = memrefAt(1), out = memrefAt(5);
    // What decode_attention_f16 runs (codegen/CUDA/kernels/README.md);
    // anything else keeps the generic code.
    if (!cache.getElementType().isF16() || !query.getElementType().isF32() ||
        !out.getElementType().isF32() ||
        !llvm::is_contained({32, 64, 128, 256}, dim) || heads % kvHeads != 0 ||
        !query.getLayout().isIdentity() || !cache.getLayout().isIdentity() ||
        !out.getLayout().isIdentity())
      return success();

    Block &body = func.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(&body);
    Location loc = func.getLoc();
    auto index = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    auto launch = [&] {
      auto kernel =
          kernels.lookupSymbol<gpu::GPUFuncOp>("decode_attention_f16");
      gpu::LaunchFuncOp::create(
          b, loc, kernel, gpu::KernelDim3{index(heads), index(1), index(1)},
          gpu::KernelDim3{index(kBlockSize), index(1), index(1)}, Value(),
          ValueRange{flatBuffer(b, loc, body.getArgument(0)),
                     flatBuffer(b, loc, body.getArgument(1)),
                     flatBuffer(b, loc, body.getArgument(5)),
                     body.getArgument(2), body.getArgument(3), index(kvHeads),
                     index(heads / kvHeads), index(cache.getDimSize(3)),
                     index(dim), index(window), body.getArgument(4)});
    };
    if (!query.isDynamicDim(0)) {
      if (query.getDimSize(0) != 1)
        return success(); // Prefill of a static length: the generic code.
      // One token: only the kernel.
      for (Operation &op :
           llvm::make_early_inc_range(llvm::reverse(body.without_terminator())))
        op.erase();
      b.setInsertionPoint(body.getTerminator());
      launch();
      return success();
    }
    Value tokens = memref::DimOp::create(b, loc, body.getArgument(0), 0);
    Value one = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tokens,
                                      index(1));
    scf::IfOp ifOne = branchBeforeGenericCode(b, loc, body, one);
    b.setInsertionPointToStart(ifOne.thenBlock());
    launch();
    return success();
  }
};

} // namespace
