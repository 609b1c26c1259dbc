//===- HostCode.cpp - shared objects of host code and their ABI -----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/driver/HostCode.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

namespace qf {

SharedObject::~SharedObject() {
  dlclose(handle_);
  if (fd_ < 0)
    return;
  // Objects linked with -z nodelete (LLVM's default for shared libraries)
  // stay resident after dlclose; their fd must then stay open for good.
  if (void *resident = dlopen(path_.c_str(), RTLD_LAZY | RTLD_NOLOAD)) {
    dlclose(resident);
    return;
  }
  ::close(fd_);
}

Status SharedObject::resolve(const std::string &symbol) {
  dlerror();
  void *address = dlsym(handle_, symbol.c_str());
  if (!address)
    return Status::error("symbol '" + symbol + "' not found");
  functions_[symbol] = reinterpret_cast<DispatchFunction>(address);
  return Status();
}

namespace {

Status writeAll(int fd, const uint8_t *data, size_t size) {
  while (size > 0) {
    ssize_t written = ::write(fd, data, size);
    if (written < 0 && errno == EINTR)
      continue;
    if (written <= 0)
      return Status::error(std::string("cannot write the shared object: ") +
                           std::strerror(errno));
    data += written;
    size -= size_t(written);
  }
  return Status();
}

/// dlopen()s `size` bytes: from a memfd where the kernel has them, otherwise
/// from a temporary file unlinked right after loading.
Result<std::unique_ptr<SharedObject>> dlopenBytes(const uint8_t *data,
                                                  size_t size) {
  std::string path;
  int fd = memfd_create("quantforge-executable", MFD_CLOEXEC);
  bool temporaryFile = fd < 0;
  if (fd >= 0) {
    path = "/proc/self/fd/" + std::to_string(fd);
  } else {
    const char *dir = std::getenv("TMPDIR");
    path = std::string(dir && *dir ? dir : "/tmp") + "/quantforge-XXXXXX.so";
    fd = mkstemps(path.data(), 3);
    if (fd < 0)
      return Status::error(std::string("cannot create a temporary file: ") +
                           std::strerror(errno));
  }
  Status status = writeAll(fd, data, size);
  void *handle = nullptr;
  if (status.ok()) {
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char *why = dlerror();
      status = Status::error(std::string("dlopen failed: ") +
                             (why ? why : "unknown error"));
    }
  }
  // A temporary file's random name stays unique once unlinked; a memfd's
  // name is reserved only while it is open (see CpuExecutable).
  if (temporaryFile)
    unlink(path.c_str());
  if (temporaryFile || !status.ok()) {
    ::close(fd);
    fd = -1;
  }
  if (!status.ok())
    return status;
  return std::make_unique<SharedObject>(handle, fd, path);
}

/// Words of the memref descriptor of `arg`, or 1 for a scalar.
size_t descriptorWords(const DispatchArg &arg) {
  return arg.isScalar() ? 1 : 3 + 2 * arg.shape.size();
}

/// Checks that the array fits in its buffer, so compiled code indexing within
/// the shape stays inside the allocation.
Status checkFits(const DispatchArg &arg, size_t index) {
  uint64_t bytes = arg.elementSize;
  for (int64_t dim : arg.shape)
    if (dim < 0 || __builtin_mul_overflow(bytes, uint64_t(dim), &bytes))
      return Status::error("argument " + std::to_string(index) +
                           " has an invalid shape");
  if (bytes > arg.buffer->size())
    return Status::error("argument " + std::to_string(index) + " needs " +
                         std::to_string(bytes) + " bytes, its buffer has " +
                         std::to_string(arg.buffer->size()));
  return Status();
}

} // namespace

Result<std::unique_ptr<SharedObject>>
loadSharedObject(const ExecutableSource &source, const std::string &driver) {
  auto fail = [&](const std::string &problem) {
    return Status::error(source.name + ": " + problem);
  };
  if (source.format != kElfSharedObjectFormat)
    return fail("format '" + source.format + "' is not one the " + driver +
                " driver loads (" + kElfSharedObjectFormat + ")");
  static const uint8_t kElfMagic[4] = {0x7f, 'E', 'L', 'F'};
  if (source.size < 4 || std::memcmp(source.data, kElfMagic, 4) != 0)
    return fail("not an ELF shared object");
  Result<std::unique_ptr<SharedObject>> object =
      dlopenBytes(source.data, source.size);
  if (!object)
    return fail(object.message());
  for (const std::string &symbol : source.symbols) {
    Status status = (*object)->resolve(symbol);
    if (!status.ok())
      return fail(status.message());
  }
  return object;
}

Status PackedArguments::pack(const std::vector<DispatchArg> &args) {
  size_t words = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    if (!args[i].isScalar())
      QF_RETURN_IF_ERROR(checkFits(args[i], i));
    words += descriptorWords(args[i]);
  }
  // Memref descriptors are all 8-byte fields:
  // {allocated, aligned, offset, sizes[R], strides[R]}.
  descriptors_.assign(words, 0);
  pointers_.resize(args.size());
  int64_t *word = descriptors_.data();
  for (size_t i = 0; i < args.size(); ++i) {
    const DispatchArg &arg = args[i];
    pointers_[i] = word;
    if (arg.isScalar()) {
      *word++ = arg.value;
      continue;
    }
    int64_t address = int64_t(reinterpret_cast<uintptr_t>(arg.buffer->data()));
    size_t rank = arg.shape.size();
    word[0] = address;
    word[1] = address;
    word[2] = 0;
    int64_t stride = 1;
    for (size_t d = rank; d-- > 0;) {
      word[3 + d] = arg.shape[d];
      word[3 + rank + d] = stride;
      stride *= arg.shape[d];
    }
    word += 3 + 2 * rank;
  }
  return Status();
}

Status checkCopyRange(const Buffer &buffer, size_t offset, size_t size) {
  if (offset > buffer.size() || size > buffer.size() - offset)
    return Status::error("copy of " + std::to_string(size) +
                         " bytes at offset " + std::to_string(offset) +
                         " exceeds a buffer of " +
                         std::to_string(buffer.size()));
  return Status();
}

} // namespace qf
