//===- GPUHostBuffers.cpp - host temporaries in device memory -------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMGPUHOSTBUFFERS
#include "codegen/CUDA/Passes.h.inc"
} // namespace quantforge

using namespace mlir;

namespace {

bool inKernel(Operation *op) { return op->getParentOfType<gpu::LaunchOp>(); }

/// `gpu.wait async`, then `build(token)` issuing one async op, then a
/// blocking `gpu.wait` on its token: the synchronous shape gpu-to-llvm
/// lowers (it accepts only async allocations).
template <typename Build>
void asyncOnStream(OpBuilder &b, Location loc, Build build) {
  Type tokenType = gpu::AsyncTokenType::get(b.getContext());
  Value start =
      gpu::WaitOp::create(b, loc, tokenType, ValueRange()).getAsyncToken();
  Value done = build(start);
  gpu::WaitOp::create(b, loc, Type(), ValueRange{done});
}

/// Clones `global` at the top of every kernel that uses it.
void sinkIntoKernels(memref::GetGlobalOp global) {
  llvm::SmallDenseMap<Operation *, Value> clones;
  for (OpOperand &use : llvm::make_early_inc_range(global->getUses())) {
    auto launch = use.getOwner()->getParentOfType<gpu::LaunchOp>();
    if (!launch)
      continue;
    Value &clone = clones[launch];
    if (!clone) {
      OpBuilder b = OpBuilder::atBlockBegin(&launch.getBody().front());
      clone = b.clone(*global)->getResult(0);
    }
    use.set(clone);
  }
  if (global->use_empty())
    global.erase();
}

/// The first host operation that reads or writes a memref, if any.
Operation *hostMemoryAccess(func::FuncOp func) {
  Operation *found = nullptr;
  func.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<gpu::LaunchOp>(op))
      return WalkResult::skip();
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects)
      return WalkResult::advance();
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (const MemoryEffects::EffectInstance &effect : instances) {
      if (!isa<MemoryEffects::Read, MemoryEffects::Write>(effect.getEffect()))
        continue;
      Value value = effect.getValue();
      if (value && isa<MemRefType>(value.getType())) {
        found = op;
        return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  return found;
}

struct LLMGPUHostBuffersPass
    : quantforge::impl::LLMGPUHostBuffersBase<LLMGPUHostBuffersPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      SmallVector<Operation *> hostOps;
      func.walk([&](Operation *op) {
        if (isa<memref::AllocOp, memref::DeallocOp, memref::GetGlobalOp>(op) &&
            !inKernel(op))
          hostOps.push_back(op);
      });
      for (Operation *op : hostOps) {
        OpBuilder b(op);
        Location loc = op->getLoc();
        if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
          asyncOnStream(b, loc, [&](Value token) {
            auto device = gpu::AllocOp::create(
                b, loc, alloc.getType(), token.getType(), ValueRange{token},
                alloc.getDynamicSizes(), alloc.getSymbolOperands(),
                /*hostShared=*/false);
            alloc.replaceAllUsesWith(device.getMemref());
            return device.getAsyncToken();
          });
          alloc.erase();
        } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
          asyncOnStream(b, loc, [&](Value token) {
            return gpu::DeallocOp::create(b, loc, token.getType(),
                                          ValueRange{token},
                                          dealloc.getMemref())
                .getAsyncToken();
          });
          dealloc.erase();
        } else {
          sinkIntoKernels(cast<memref::GetGlobalOp>(op));
        }
      }
      if (Operation *access = hostMemoryAccess(func)) {
        access->emitError()
            << "'" << access->getName()
            << "' accesses memory outside a GPU kernel; every memory access "
               "of an entry point must be mapped to the device";
        return signalPassFailure();
      }
    }
  }
};

} // namespace
