//===- CpuDevice.cpp - the host CPU driver --------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/driver/cpu/CpuDevice.h"

#include <cerrno>
#include <cstring>

#include <sys/mman.h>

namespace qf {

const char *hostCpuTarget() {
#if defined(__x86_64__)
  return "cpu-x86_64";
#elif defined(__aarch64__)
  return "cpu-aarch64";
#else
  return "cpu-unknown";
#endif
}

namespace {

/// Host memory: anonymous pages we own (zeroed by the kernel, committed
/// lazily, so a large KV cache costs only what is touched), or a view.
class HostBuffer : public Buffer {
public:
  HostBuffer(void *data, size_t size, bool owned)
      : data_(data), size_(size), owned_(owned) {}
  ~HostBuffer() override {
    if (owned_ && data_)
      munmap(data_, size_);
  }
  void *data() override { return data_; }
  size_t size() const override { return size_; }

private:
  void *data_;
  size_t size_;
  bool owned_;
};

class CpuDevice : public Device {
public:
  std::string name() const override { return "cpu"; }
  std::vector<std::string> targets() const override {
    return {hostCpuTarget()};
  }

  Result<std::unique_ptr<Buffer>> allocate(size_t bytes) override {
    if (bytes == 0)
      return std::unique_ptr<Buffer>(new HostBuffer(nullptr, 0, false));
    void *data = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (data == MAP_FAILED)
      return Status::error("cannot allocate " + std::to_string(bytes) +
                           " bytes: " + std::strerror(errno));
    return std::unique_ptr<Buffer>(new HostBuffer(data, bytes, true));
  }

  Result<std::unique_ptr<Buffer>> importHost(const void *data,
                                             size_t size) override {
    // Kernels only read parameters; the ABI's descriptors are not const.
    return std::unique_ptr<Buffer>(
        new HostBuffer(const_cast<void *>(data), size, false));
  }

  Status write(Buffer &buffer, size_t offset, const void *data,
               size_t size) override {
    QF_RETURN_IF_ERROR(checkCopyRange(buffer, offset, size));
    if (size)
      std::memcpy(static_cast<uint8_t *>(buffer.data()) + offset, data, size);
    return Status();
  }

  Status read(Buffer &buffer, size_t offset, void *data, size_t size) override {
    QF_RETURN_IF_ERROR(checkCopyRange(buffer, offset, size));
    if (size)
      std::memcpy(data, static_cast<uint8_t *>(buffer.data()) + offset, size);
    return Status();
  }

  Result<std::unique_ptr<LoadedExecutable>>
  loadExecutable(const ExecutableSource &source) override {
    Result<std::unique_ptr<SharedObject>> object =
        loadSharedObject(source, "cpu");
    if (!object)
      return object.status();
    return std::unique_ptr<LoadedExecutable>(object.take());
  }

  Status dispatch(LoadedExecutable &executable, const std::string &symbol,
                  const std::vector<DispatchArg> &args) override {
    auto *object = dynamic_cast<SharedObject *>(&executable);
    if (!object)
      return Status::error("executable was not loaded by the cpu driver");
    DispatchFunction function = object->find(symbol);
    if (!function)
      return Status::error("symbol '" + symbol +
                           "' was not resolved when the executable was loaded");
    QF_RETURN_IF_ERROR(arguments_.pack(args));
    function(arguments_.pointers());
    return Status();
  }

  Status synchronize() override { return Status(); }

private:
  PackedArguments arguments_;
};

} // namespace

std::unique_ptr<Device> createCpuDevice() {
  return std::make_unique<CpuDevice>();
}

} // namespace qf
