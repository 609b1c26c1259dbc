//===- LibraryKernels.cpp - launching codegen/CUDA/kernels ----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/LibraryKernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

gpu::GPUModuleOp quantforge::importKernelModule(ModuleOp module,
                                                StringRef source,
                                                StringRef name,
                                                StringRef fileName) {
  if (auto existing = module.lookupSymbol<gpu::GPUModuleOp>(name))
    return existing;
  ParserConfig config(module.getContext());
  OwningOpRef<ModuleOp> parsed =
      parseSourceString<ModuleOp>(source, config, fileName);
  auto kernels = parsed ? parsed->lookupSymbol<gpu::GPUModuleOp>(name)
                        : gpu::GPUModuleOp();
  if (!kernels) {
    module.emitError("cannot parse gpu.module @")
        << name << " from the embedded " << fileName;
    return {};
  }
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  b.getUnitAttr());
  return cast<gpu::GPUModuleOp>(b.clone(*kernels));
}

void quantforge::eraseUnlaunchedKernels(ModuleOp module,
                                        gpu::GPUModuleOp kernels) {
  llvm::StringSet<> launched;
  module.walk([&](gpu::LaunchFuncOp launch) {
    if (launch.getKernelModuleName() == kernels.getSymName())
      launched.insert(launch.getKernelName());
  });
  if (launched.empty()) {
    kernels.erase();
    return;
  }
  for (auto kernel :
       llvm::make_early_inc_range(kernels.getOps<gpu::GPUFuncOp>()))
    if (!launched.contains(kernel.getName()))
      kernel.erase();
  // A helper may only be called by another unused helper: repeat.
  for (bool erased = true; erased;) {
    erased = false;
    for (auto helper :
         llvm::make_early_inc_range(kernels.getOps<func::FuncOp>()))
      if (SymbolTable::symbolKnownUseEmpty(helper, kernels)) {
        helper.erase();
        erased = true;
      }
  }
}

Value quantforge::flatBuffer(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  if (type.getRank() != 1) {
    ReassociationIndices all;
    for (int64_t i = 0; i < type.getRank(); ++i)
      all.push_back(i);
    buffer = memref::CollapseShapeOp::create(
        b, loc, buffer, ArrayRef<ReassociationIndices>{all});
  }
  auto dynamic = MemRefType::get({ShapedType::kDynamic}, type.getElementType());
  if (buffer.getType() == dynamic)
    return buffer;
  return memref::CastOp::create(b, loc, dynamic, buffer);
}

scf::IfOp quantforge::branchBeforeGenericCode(OpBuilder &b, Location loc,
                                              Block &body, Value condition) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointAfterValue(condition);
  auto branch = scf::IfOp::create(b, loc, condition, /*withElseRegion=*/true);
  Operation *terminator = branch.elseBlock()->getTerminator();
  for (Operation &op : llvm::make_early_inc_range(
           llvm::make_range(std::next(branch->getIterator()),
                            body.getTerminator()->getIterator())))
    op.moveBefore(terminator);
  return branch;
}

LogicalResult quantforge::launchLibraryKernels(
    ModuleOp module, StringRef marker, const KernelLibrary &library,
    function_ref<LogicalResult(func::FuncOp, gpu::GPUModuleOp)> rewrite) {
  SmallVector<func::FuncOp> marked;
  for (auto func : module.getOps<func::FuncOp>())
    if (func->hasAttr(marker))
      marked.push_back(func);
  if (marked.empty())
    return success();
  gpu::GPUModuleOp kernels = importKernelModule(
      module, library.source, library.moduleName, library.fileName);
  if (!kernels)
    return failure();
  for (func::FuncOp func : marked)
    if (failed(rewrite(func, kernels)))
      return failure();
  eraseUnlaunchedKernels(module, kernels);
  return success();
}
