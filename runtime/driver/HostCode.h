//===- HostCode.h - shared objects of host code and their ABI ---*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Every executable the compiler writes today is an ELF shared object of host
// code with one `void SYMBOL(void **args)` per dispatch taking MLIR memref
// descriptors (docs/artifact-and-abi.md); on the CPU it does the work, on a
// GPU its kernels are launched through the driver. This is what both
// drivers share: loading the object from memory and packing the arguments.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_DRIVER_HOSTCODE_H
#define QUANTFORGE_RUNTIME_DRIVER_HOSTCODE_H

#include "runtime/driver/Device.h"

#include <string>
#include <unordered_map>

namespace qf {

/// The executable format of host code: "elf-shared-object".
constexpr const char *kElfSharedObjectFormat = "elf-shared-object";

using DispatchFunction = void (*)(void **);

/// A dlopen()ed object and the memfd it came from. glibc takes a path that
/// matches a loaded object for that object, and /proc/self/fd/N names come
/// back once N is closed: the memfd stays open as long as the object is
/// loaded, so every resident object keeps a name of its own.
class SharedObject : public LoadedExecutable {
public:
  SharedObject(void *handle, int fd, std::string path)
      : handle_(handle), fd_(fd), path_(std::move(path)) {}
  ~SharedObject() override;

  /// The function of a symbol resolved at load, or null.
  DispatchFunction find(const std::string &symbol) const {
    auto it = functions_.find(symbol);
    return it == functions_.end() ? nullptr : it->second;
  }

private:
  friend Result<std::unique_ptr<SharedObject>>
  loadSharedObject(const ExecutableSource &source, const std::string &driver);
  Status resolve(const std::string &symbol);

  void *handle_;
  int fd_;
  std::string path_;
  std::unordered_map<std::string, DispatchFunction> functions_;
};

/// Checks the format and ELF magic of `source`, dlopen()s it (running its
/// constructors) and resolves its symbols; errors name the source and
/// `driver`.
Result<std::unique_ptr<SharedObject>>
loadSharedObject(const ExecutableSource &source, const std::string &driver);

/// MLIR memref descriptors for a dispatch's arguments; array addresses are
/// what Buffer::data() returns (device addresses on a GPU).
class PackedArguments {
public:
  /// Fills the descriptors; an error if an array does not fit its buffer.
  Status pack(const std::vector<DispatchArg> &args);
  void **pointers() { return pointers_.data(); }

private:
  // Reused between dispatches; decode runs one per token.
  std::vector<int64_t> descriptors_;
  std::vector<void *> pointers_;
};

/// An error unless `size` bytes at `offset` lie inside `buffer`.
Status checkCopyRange(const Buffer &buffer, size_t offset, size_t size);

} // namespace qf

#endif // QUANTFORGE_RUNTIME_DRIVER_HOSTCODE_H
