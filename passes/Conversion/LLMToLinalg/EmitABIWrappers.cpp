//===- EmitABIWrappers.cpp - packed-argument entry points -----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/Passes.h"

#include "dialects/llm/IR/LLMDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMEMITABIWRAPPERS
#include "passes/Conversion/Passes.h.inc"
} // namespace quantforge

using namespace mlir;
using namespace quantforge;

namespace {

struct LLMEmitABIWrappersPass
    : quantforge::impl::LLMEmitABIWrappersBase<LLMEmitABIWrappersPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::StringLiteral marker = llm::LLMDialect::getABIEntryPointAttrName();
    SmallVector<LLVM::LLVMFuncOp> wrappers;
    for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
      StringRef name = func.getSymName();
      if (func->hasAttr(marker) && name.consume_front("_mlir_ciface_"))
        wrappers.push_back(func);
    }
    for (LLVM::LLVMFuncOp ciface : wrappers)
      if (failed(emitWrapper(module, ciface)))
        return signalPassFailure();
  }

  LogicalResult emitWrapper(ModuleOp module, LLVM::LLVMFuncOp ciface) {
    MLIRContext *ctx = module.getContext();
    std::string name =
        "qf_" + ciface.getSymName().drop_front(strlen("_mlir_ciface_")).str();
    if (module.lookupSymbol(name))
      return ciface.emitOpError("ABI wrapper name '") << name << "' is taken";
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    Location loc = ciface.getLoc();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptr});
    auto wrapper = LLVM::LLVMFuncOp::create(b, loc, name, type);
    Block *body = wrapper.addEntryBlock(b);
    b.setInsertionPointToStart(body);
    Value args = body->getArgument(0);
    SmallVector<Value> operands;
    for (auto [index, argType] :
         llvm::enumerate(ciface.getFunctionType().getParams())) {
      Value slot = LLVM::GEPOp::create(b, loc, ptr, ptr, args,
                                       ArrayRef<LLVM::GEPArg>{int32_t(index)});
      Value pointer = LLVM::LoadOp::create(b, loc, ptr, slot);
      if (isa<LLVM::LLVMPointerType>(argType))
        operands.push_back(pointer);
      else if (isa<IntegerType, FloatType>(argType))
        operands.push_back(LLVM::LoadOp::create(b, loc, argType, pointer));
      else
        return ciface.emitOpError("argument ")
               << index << " of type " << argType
               << " has no packed ABI form";
    }
    LLVM::CallOp::create(b, loc, ciface, operands);
    LLVM::ReturnOp::create(b, loc, ValueRange());
    return success();
  }
};

} // namespace
