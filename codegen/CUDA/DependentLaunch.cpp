//===- DependentLaunch.cpp - kernels ready for programmatic launch --------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/Passes.h"
#include "codegen/CUDA/Pipeline.h"

#include "mlir/Interfaces/CallInterfaces.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMGPUDEPENDENTLAUNCH
#include "codegen/CUDA/Passes.h.inc"
} // namespace quantforge

using namespace mlir;

bool quantforge::chipHasDependentLaunch(llvm::StringRef chip) {
  unsigned version = 0;
  if (!chip.consume_front("sm_") ||
      chip.take_while(llvm::isDigit).getAsInteger(10, version))
    return false;
  return version >= 90;
}

namespace {

/// Whether the module's NVVM target has programmatic dependent launch.
bool hasDependentLaunch(gpu::GPUModuleOp module) {
  ArrayAttr targets = module.getTargetsAttr();
  if (!targets)
    return false;
  for (Attribute target : targets)
    if (auto nvvm = dyn_cast<NVVM::NVVMTargetAttr>(target))
      return quantforge::chipHasDependentLaunch(nvvm.getChip());
  return false;
}

bool isWait(NVVM::GriddepcontrolOp op) {
  return op.getKind() == NVVM::GridDepActionKind::wait;
}

/// Whether `function` executes griddepcontrol.wait, itself or in a function
/// of the module that it calls.
bool waits(Operation *function, SymbolTable &symbols,
           llvm::DenseMap<Operation *, bool> &known) {
  auto [it, inserted] = known.try_emplace(function, false);
  if (!inserted)
    return it->second; // decided, or on the call path (a cycle adds nothing)
  bool result = false;
  function->walk([&](Operation *op) {
    if (auto control = dyn_cast<NVVM::GriddepcontrolOp>(op))
      result = result || isWait(control);
    else if (auto call = dyn_cast<CallOpInterface>(op))
      if (auto callee = dyn_cast_if_present<SymbolRefAttr>(
              call.getCallableForCallee()))
        if (Operation *target = symbols.lookup(callee.getLeafReference()))
          result = result || waits(target, symbols, known);
    return result ? WalkResult::interrupt() : WalkResult::advance();
  });
  known[function] = result;
  return result;
}

struct LLMGPUDependentLaunchPass
    : quantforge::impl::LLMGPUDependentLaunchBase<LLMGPUDependentLaunchPass> {
  using Base::Base;
  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    if (!hasDependentLaunch(module)) {
      SmallVector<NVVM::GriddepcontrolOp> controls;
      module.walk([&](NVVM::GriddepcontrolOp op) { controls.push_back(op); });
      for (NVVM::GriddepcontrolOp op : controls)
        op.erase();
      return;
    }
    SymbolTable symbols(module);
    llvm::DenseMap<Operation *, bool> known;
    MLIRContext *context = &getContext();
    for (auto kernel : module.getOps<gpu::GPUFuncOp>()) {
      if (!kernel.isKernel() || waits(kernel, symbols, known))
        continue;
      Location loc = kernel.getLoc();
      auto builder = OpBuilder::atBlockBegin(&kernel.getBody().front());
      NVVM::GriddepcontrolOp::create(
          builder, loc, NVVM::GridDepActionKind::launch_dependents);
      NVVM::GriddepcontrolOp::create(builder, loc,
                                     NVVM::GridDepActionKind::wait);
      LLVM::InlineAsmOp::create(
          builder, loc, TypeRange(), ValueRange(), builder.getStringAttr(""),
          builder.getStringAttr("~{memory}"), builder.getUnitAttr(),
          UnitAttr(),
          LLVM::TailCallKindAttr::get(context, LLVM::tailcallkind::TailCallKind::None),
          LLVM::AsmDialectAttr::get(context, LLVM::AsmDialect::AD_ATT),
          ArrayAttr());
    }
  }
};

} // namespace
