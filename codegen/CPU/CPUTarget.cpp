//===- CPUTarget.cpp - the host CPU code generator ------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "codegen/CPU/CPUTarget.h"

#include "codegen/Target/TargetBackend.h"
#include "dialects/llm/IR/LLMOps.h"
#include "passes/Pipelines/Pipelines.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using namespace quantforge;
using namespace quantforge::codegen;

namespace {

/// Deletes a temporary file when it goes out of scope.
struct TempFile {
  llvm::SmallString<128> path;
  ~TempFile() {
    if (!path.empty())
      llvm::sys::fs::remove(path);
  }
};

class CPUTarget : public TargetBackend {
public:
  llvm::StringRef name() const override { return "cpu"; }

  void buildLoweringPipeline(OpPassManager &pm) const override {
    buildLLMCPULoweringPipeline(pm, LLMToLLVMPipelineOptions());
  }

  FailureOr<Executable> serialize(ModuleOp module) const override {
    Location loc = module.getLoc();
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();

    // Archives describe where weights come from; the executable does not
    // need them and LLVM IR cannot express them.
    for (auto archive :
         llvm::make_early_inc_range(module.getOps<llm::ParamArchiveOp>()))
      archive.erase();

    DialectRegistry registry;
    registerBuiltinDialectTranslation(registry);
    registerLLVMDialectTranslation(registry);
    module.getContext()->appendDialectRegistry(registry);

    std::string triple = llvm::sys::getDefaultTargetTriple();
    std::string error;
    const llvm::Target *target =
        llvm::TargetRegistry::lookupTarget(llvm::Triple(triple), error);
    if (!target)
      return emitError(loc) << "no LLVM target for " << triple << ": " << error;
    // Artifacts are compiled for the machine that will run them: this one.
    llvm::StringMap<bool> hostFeatures = llvm::sys::getHostCPUFeatures();
    std::string features;
    for (const auto &feature : hostFeatures)
      features += (feature.getValue() ? "+" : "-") + feature.getKey().str() + ",";
    llvm::TargetOptions options;
    std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
        llvm::Triple(triple), llvm::sys::getHostCPUName(), features, options,
        llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));

    llvm::LLVMContext llvmContext;
    std::unique_ptr<llvm::Module> llvmModule =
        translateModuleToLLVMIR(module, llvmContext);
    if (!llvmModule)
      return emitError(loc) << "translation to LLVM IR failed";
    llvmModule->setTargetTriple(llvm::Triple(triple));
    llvmModule->setDataLayout(machine->createDataLayout());
    if (llvm::Error err =
            makeOptimizingTransformer(3, 0, machine.get())(llvmModule.get()))
      return emitError(loc) << "LLVM optimization failed: "
                            << llvm::toString(std::move(err));

    TempFile object, shared;
    int fd;
    if (llvm::sys::fs::createTemporaryFile("qf-cpu", "o", fd, object.path) ||
        llvm::sys::fs::createTemporaryFile("qf-cpu", "so", shared.path))
      return emitError(loc) << "cannot create temporary files";
    {
      llvm::raw_fd_ostream out(fd, /*shouldClose=*/true);
      llvm::legacy::PassManager passes;
      if (machine->addPassesToEmitFile(passes, out, nullptr,
                                       llvm::CodeGenFileType::ObjectFile))
        return emitError(loc) << "LLVM cannot emit objects for " << triple;
      passes.run(*llvmModule);
    }
    if (failed(link(loc, object.path, shared.path)))
      return failure();
    auto bytes = llvm::MemoryBuffer::getFile(shared.path);
    if (!bytes)
      return emitError(loc) << "cannot read " << shared.path;
    Executable executable;
    executable.target = "cpu-" + llvm::Triple(triple).getArchName().str();
    executable.format = "elf-shared-object";
    executable.bytes.assign((*bytes)->getBufferStart(),
                            (*bytes)->getBufferEnd());
    return executable;
  }

private:
  /// Links the object into a shared object with lld. libc and libm symbols
  /// (malloc, expf, ...) stay undefined and bind to the runtime process.
  static LogicalResult link(Location loc, llvm::StringRef object,
                            llvm::StringRef shared) {
    auto lld = llvm::sys::findProgramByName("ld.lld", {QF_LLVM_TOOLS_DIR});
    if (!lld)
      return emitError(loc) << "ld.lld not found in " << QF_LLVM_TOOLS_DIR;
    std::string message;
    llvm::StringRef args[] = {*lld, "-shared", "--gc-sections", "-O2",
                              "-o", shared, object};
    if (llvm::sys::ExecuteAndWait(*lld, args, std::nullopt, {}, 0, 0,
                                  &message) != 0)
      return emitError(loc) << "ld.lld failed: " << message;
    return success();
  }
};

} // namespace

void quantforge::codegen::registerCPUTarget() {
  registerTargetBackend(std::make_unique<CPUTarget>());
}
