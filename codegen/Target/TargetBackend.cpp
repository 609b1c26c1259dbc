//===- TargetBackend.cpp - target registry --------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "codegen/Target/TargetBackend.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/ManagedStatic.h"

using namespace quantforge::codegen;

std::unique_ptr<TargetBackend>
TargetBackend::configure(const TargetOptions &options,
                         std::string &error) const {
  if (!options.gpuArch.empty() || !options.gpuFormat.empty())
    error = "--gpu-arch and --gpu-format apply to GPU targets, not '" +
            name().str() + "'";
  return nullptr;
}

static llvm::StringMap<std::unique_ptr<TargetBackend>> &registry() {
  static llvm::StringMap<std::unique_ptr<TargetBackend>> backends;
  return backends;
}

void quantforge::codegen::registerTargetBackend(
    std::unique_ptr<TargetBackend> backend) {
  llvm::StringRef name = backend->name();
  registry().try_emplace(name, std::move(backend));
}

const TargetBackend *
quantforge::codegen::lookupTargetBackend(llvm::StringRef name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second.get();
}

std::vector<std::string> quantforge::codegen::registeredTargetNames() {
  std::vector<std::string> names;
  for (const auto &entry : registry())
    names.push_back(entry.getKey().str());
  llvm::sort(names);
  return names;
}
