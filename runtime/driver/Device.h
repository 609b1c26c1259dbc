//===- Device.h - the interface of device drivers ---------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A driver runs the executables of one kind of target: the CPU driver loads
// ELF shared objects, GPU drivers (CUDA, HIP, Vulkan) will load their code
// objects through vendor libraries opened with dlopen. The session only talks
// to this interface: it allocates buffers, copies tokens in and logits out,
// binds parameters and dispatches symbols with arguments; how an argument
// reaches the kernel (a memref descriptor on the CPU) is the driver's
// business. createDevice() is the registry; drivers are compiled in behind
// switches, and one that is not built is a clear error.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_DRIVER_DEVICE_H
#define QUANTFORGE_RUNTIME_DRIVER_DEVICE_H

#include "runtime/support/Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qf {

/// Memory a dispatch can read and write.
class Buffer {
public:
  virtual ~Buffer() = default;
  /// The address kernels see (a host pointer for the CPU driver).
  virtual void *data() = 0;
  virtual size_t size() const = 0;
};

/// Code a device can dispatch, returned by Device::loadExecutable.
class LoadedExecutable {
public:
  virtual ~LoadedExecutable() = default;
};

/// The bytes of an executable and what to resolve in it.
struct ExecutableSource {
  /// For error messages, e.g. "model.qfa: executable 0".
  std::string name;
  /// e.g. "elf-shared-object".
  std::string format;
  const uint8_t *data = nullptr;
  size_t size = 0;
  /// Symbols that dispatch() will name; loading fails if one is missing.
  std::vector<std::string> symbols;
  /// Its kernels may be launched with programmatic dependent launch
  /// (ExecutableInfo::programmaticLaunch).
  bool programmaticLaunch = false;
};

/// One argument of a dispatch: a contiguous row-major array over a buffer
/// (a memref on the CPU), or a 64-bit integer.
struct DispatchArg {
  static DispatchArg array(Buffer *buffer, std::vector<int64_t> shape,
                           uint64_t elementSize) {
    DispatchArg arg;
    arg.buffer = buffer;
    arg.shape = std::move(shape);
    arg.elementSize = elementSize;
    return arg;
  }
  static DispatchArg scalar(int64_t value) {
    DispatchArg arg;
    arg.value = value;
    return arg;
  }
  bool isScalar() const { return buffer == nullptr; }

  Buffer *buffer = nullptr;
  std::vector<int64_t> shape;
  uint64_t elementSize = 0;
  int64_t value = 0;
};

/// A device and its buffers are used from one thread at a time.
class Device {
public:
  virtual ~Device() = default;

  /// The spelling createDevice accepts, e.g. "cpu".
  virtual std::string name() const = 0;
  /// Artifact targets whose executables this device runs ("cpu-x86_64").
  virtual std::vector<std::string> targets() const = 0;

  /// A zero-filled buffer of `bytes` bytes.
  virtual Result<std::unique_ptr<Buffer>> allocate(size_t bytes) = 0;
  /// A buffer over `size` bytes of host memory that outlives it, which
  /// kernels only read (parameters in the artifact's mapping). Drivers of
  /// host-visible memory do not copy.
  virtual Result<std::unique_ptr<Buffer>> importHost(const void *data,
                                                     size_t size) = 0;
  /// Copies host memory into `buffer` at `offset`.
  virtual Status write(Buffer &buffer, size_t offset, const void *data,
                       size_t size) = 0;
  /// Copies `buffer` from `offset` to host memory.
  virtual Status read(Buffer &buffer, size_t offset, void *data,
                      size_t size) = 0;

  /// Loads code and resolves its symbols.
  virtual Result<std::unique_ptr<LoadedExecutable>>
  loadExecutable(const ExecutableSource &source) = 0;
  /// Runs `symbol` of `executable` (loaded by this device) on `args`. Array
  /// arguments must fit in their buffers.
  virtual Status dispatch(LoadedExecutable &executable,
                          const std::string &symbol,
                          const std::vector<DispatchArg> &args) = 0;
  /// Like dispatch, for an entry point that runs step after step on the same
  /// buffers, where only scalars and sizes derived from them change between
  /// calls (decode). A driver may record a step's work once and replay it
  /// (the CUDA driver's graphs); by default this is dispatch.
  virtual Status dispatchStep(LoadedExecutable &executable,
                              const std::string &symbol,
                              const std::vector<DispatchArg> &args) {
    return dispatch(executable, symbol, args);
  }
  /// Waits for every dispatch issued so far.
  virtual Status synchronize() = 0;
  /// One line on how steps were run, for the tools to print (e.g. whether
  /// CUDA graphs replayed them); empty where there is nothing to say.
  virtual std::string executionNote() const { return std::string(); }
};

/// The device `spec` names: "cpu", or "cuda", "hip", "vulkan" with an
/// optional ":N" ordinal. A driver this runtime was built without, or an
/// unknown name, is an error that lists the available ones. Errors begin
/// with `context` ("device 'SPEC'" when empty), e.g. the option that named
/// the device.
Result<std::unique_ptr<Device>> createDevice(const std::string &spec,
                                             const std::string &context = "");

/// The drivers compiled into this runtime.
std::vector<std::string> availableDrivers();

} // namespace qf

#endif // QUANTFORGE_RUNTIME_DRIVER_DEVICE_H
