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

/// CPU artifacts are compiled for the machine that will run them, this one;
/// GPU host code for the architecture's baseline (HostCodeOptions).
std::unique_ptr<llvm::TargetMachine>
createHostMachine(Location loc, const HostCodeOptions &host) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) {
    emitError(loc) << "no LLVM target for " << triple.str() << ": " << error;
    return nullptr;
  }
  std::string cpu = "generic", features;
  if (host.nativeCPU) {
    cpu = llvm::sys::getHostCPUName().str();
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features +=
          (feature.getValue() ? "+" : "-") + feature.getKey().str() + ",";
  }
  llvm::TargetOptions options;
  // Constructors (a GPU executable's module loads) must run at dlopen: the
  // objects are linked without crt files, so only .init_array is run.
  options.UseInitArray = true;
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, cpu, features, options, llvm::Reloc::PIC_, std::nullopt,
      host.optLevel >= 3 ? llvm::CodeGenOptLevel::Aggressive
                         : llvm::CodeGenOptLevel::Less));
}

/// The module as LLVM IR, optimized at `optLevel` for `machine`.
std::unique_ptr<llvm::Module>
optimizedLLVMIR(ModuleOp module, llvm::TargetMachine &machine,
                unsigned optLevel, llvm::LLVMContext &llvmContext) {
  Location loc = module.getLoc();
  // Archives describe where weights come from; the executable does not
  // need them and LLVM IR cannot express them.
  for (auto archive :
       llvm::make_early_inc_range(module.getOps<llm::ParamArchiveOp>()))
    archive.erase();
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  module.getContext()->appendDialectRegistry(registry);
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule) {
    emitError(loc) << "translation to LLVM IR failed";
    return nullptr;
  }
  llvmModule->setTargetTriple(machine.getTargetTriple());
  llvmModule->setDataLayout(machine.createDataLayout());
  if (llvm::Error err =
          makeOptimizingTransformer(optLevel, 0, &machine)(llvmModule.get())) {
    emitError(loc) << "LLVM optimization failed: "
                   << llvm::toString(std::move(err));
    return nullptr;
  }
  return llvmModule;
}

/// Links the object into a shared object with lld. libc and libm symbols
/// (malloc, expf, ...) stay undefined and bind to the runtime process.
LogicalResult link(Location loc, llvm::StringRef object,
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

class CPUTarget : public TargetBackend {
public:
  llvm::StringRef name() const override { return "cpu"; }

  void buildLoweringPipeline(OpPassManager &pm) const override {
    buildLLMCPULoweringPipeline(pm, LLMToLLVMPipelineOptions());
  }

  FailureOr<Executable> serialize(ModuleOp module) const override {
    std::string arch;
    FailureOr<std::vector<uint8_t>> bytes =
        compileHostSharedObject(module, arch);
    if (failed(bytes))
      return failure();
    Executable executable;
    executable.target = "cpu-" + arch;
    executable.format = "elf-shared-object";
    executable.bytes = std::move(*bytes);
    return executable;
  }

  LogicalResult printTargetIR(ModuleOp module,
                              llvm::raw_ostream &os) const override {
    return printHostLLVMIR(module, os);
  }
};

} // namespace

FailureOr<std::vector<uint8_t>>
quantforge::codegen::compileHostSharedObject(ModuleOp module,
                                             std::string &arch,
                                             const HostCodeOptions &host) {
  Location loc = module.getLoc();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::TargetMachine> machine = createHostMachine(loc, host);
  if (!machine)
    return failure();
  std::unique_ptr<llvm::Module> llvmModule =
      optimizedLLVMIR(module, *machine, host.optLevel, llvmContext);
  if (!llvmModule)
    return failure();

  TempFile object, shared;
  int fd;
  if (llvm::sys::fs::createTemporaryFile("qf-host", "o", fd, object.path) ||
      llvm::sys::fs::createTemporaryFile("qf-host", "so", shared.path))
    return emitError(loc) << "cannot create temporary files";
  {
    llvm::raw_fd_ostream out(fd, /*shouldClose=*/true);
    llvm::legacy::PassManager passes;
    if (machine->addPassesToEmitFile(passes, out, nullptr,
                                     llvm::CodeGenFileType::ObjectFile))
      return emitError(loc) << "LLVM cannot emit objects for "
                            << machine->getTargetTriple().str();
    passes.run(*llvmModule);
  }
  if (failed(link(loc, object.path, shared.path)))
    return failure();
  auto bytes = llvm::MemoryBuffer::getFile(shared.path);
  if (!bytes)
    return emitError(loc) << "cannot read " << shared.path;
  arch = machine->getTargetTriple().getArchName().str();
  return std::vector<uint8_t>((*bytes)->getBufferStart(),
                              (*bytes)->getBufferEnd());
}

LogicalResult
quantforge::codegen::printHostLLVMIR(ModuleOp module, llvm::raw_ostream &os,
                                     const HostCodeOptions &host) {
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::TargetMachine> machine =
      createHostMachine(module.getLoc(), host);
  if (!machine)
    return failure();
  std::unique_ptr<llvm::Module> llvmModule =
      optimizedLLVMIR(module, *machine, host.optLevel, llvmContext);
  if (!llvmModule)
    return failure();
  llvmModule->print(os, nullptr);
  return success();
}

void quantforge::codegen::registerCPUTarget() {
  registerTargetBackend(std::make_unique<CPUTarget>());
}
