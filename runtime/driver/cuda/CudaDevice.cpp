//===- CudaDevice.cpp - the NVIDIA GPU driver -----------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The executable's entry points run on the host and call back into this
// driver for every kernel (the mgpu* ABI of MLIR's gpu-to-llvm lowering).
// Every call goes to one stream the device owns, in program order:
// mgpuStreamCreate returns it, mgpuStreamSynchronize and mgpuStreamDestroy
// do nothing, and temporaries are stream-ordered allocations
// (cuMemAllocAsync) from the device's pool. Nothing waits until the session
// reads the logits.
//
//===----------------------------------------------------------------------===//

#include "runtime/driver/cuda/CudaDevice.h"

#include "runtime/driver/HostCode.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

#include <dlfcn.h>

namespace qf {

namespace {

// The few driver API types and functions we use, declared here so that no
// CUDA header is needed to build (values from cuda.h, stable since CUDA 11).
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUmemoryPool = struct CUmemPoolHandle_st *;
constexpr CUresult CUDA_SUCCESS = 0;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr unsigned CU_STREAM_NON_BLOCKING = 1;
constexpr int CU_MEMPOOL_ATTR_RELEASE_THRESHOLD = 4;
constexpr int CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
constexpr int CU_JIT_OPTIMIZATION_LEVEL = 7;

/// The driver library and its entry points.
struct CudaApi {
  void *library = nullptr;
#define QF_CUDA_FUNCTIONS(X)                                                   \
  X(cuInit, CUresult (*)(unsigned))                                            \
  X(cuGetErrorName, CUresult (*)(CUresult, const char **))                     \
  X(cuDeviceGetCount, CUresult (*)(int *))                                     \
  X(cuDeviceGet, CUresult (*)(CUdevice *, int))                                \
  X(cuDeviceGetAttribute, CUresult (*)(int *, int, CUdevice))                  \
  X(cuDevicePrimaryCtxRetain, CUresult (*)(CUcontext *, CUdevice))             \
  X(cuDevicePrimaryCtxRelease_v2, CUresult (*)(CUdevice))                      \
  X(cuDeviceGetDefaultMemPool, CUresult (*)(CUmemoryPool *, CUdevice))         \
  X(cuMemPoolSetAttribute, CUresult (*)(CUmemoryPool, int, void *))            \
  X(cuCtxSetCurrent, CUresult (*)(CUcontext))                                  \
  X(cuStreamCreate, CUresult (*)(CUstream *, unsigned))                        \
  X(cuStreamDestroy_v2, CUresult (*)(CUstream))                                \
  X(cuStreamSynchronize, CUresult (*)(CUstream))                               \
  X(cuMemAlloc_v2, CUresult (*)(CUdeviceptr *, size_t))                        \
  X(cuMemFree_v2, CUresult (*)(CUdeviceptr))                                   \
  X(cuMemAllocAsync, CUresult (*)(CUdeviceptr *, size_t, CUstream))            \
  X(cuMemFreeAsync, CUresult (*)(CUdeviceptr, CUstream))                       \
  X(cuMemsetD8Async,                                                           \
    CUresult (*)(CUdeviceptr, unsigned char, size_t, CUstream))                \
  X(cuMemcpyHtoDAsync_v2,                                                      \
    CUresult (*)(CUdeviceptr, const void *, size_t, CUstream))                 \
  X(cuMemcpyDtoHAsync_v2, CUresult (*)(void *, CUdeviceptr, size_t, CUstream)) \
  X(cuModuleLoadData, CUresult (*)(CUmodule *, const void *))                  \
  X(cuModuleLoadDataEx,                                                        \
    CUresult (*)(CUmodule *, const void *, unsigned, int *, void **))          \
  X(cuModuleUnload, CUresult (*)(CUmodule))                                    \
  X(cuModuleGetFunction, CUresult (*)(CUfunction *, CUmodule, const char *))   \
  X(cuLaunchKernel,                                                            \
    CUresult (*)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, \
                 unsigned, unsigned, CUstream, void **, void **))
#define QF_DECLARE(name, ...)                                                  \
  using name##_type = __VA_ARGS__;                                             \
  name##_type name = nullptr;
  QF_CUDA_FUNCTIONS(QF_DECLARE)
#undef QF_DECLARE

  /// "cuLaunchKernel: CUDA_ERROR_INVALID_VALUE (1)".
  std::string describe(const char *call, CUresult result) const {
    const char *name = nullptr;
    if (!cuGetErrorName || cuGetErrorName(result, &name) != CUDA_SUCCESS)
      name = "unknown error";
    return std::string(call) + ": " + name + " (" + std::to_string(result) +
           ")";
  }
};

/// Opens `path` and resolves the entry points.
std::string openApi(CudaApi &api, const char *path) {
  api.library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!api.library) {
    const char *why = dlerror();
    return std::string("cannot load the CUDA driver library ") + path + " (" +
           (why ? why : "unknown error") +
           "); this machine needs an NVIDIA GPU and its driver";
  }
#define QF_RESOLVE(name, ...)                                                  \
  api.name = reinterpret_cast<decltype(api.name)>(dlsym(api.library, #name));  \
  if (!api.name)                                                               \
    return std::string("the CUDA driver library ") + path + " has no " +       \
           #name + " (driver too old?)";
  QF_CUDA_FUNCTIONS(QF_RESOLVE)
#undef QF_RESOLVE
  CUresult result = api.cuInit(0);
  if (result != CUDA_SUCCESS)
    return api.describe("cuInit", result);
  return std::string();
}

/// The driver library ($QF_LIBCUDA, else libcuda.so.1), opened once per
/// process and path; a failure is kept too.
Result<const CudaApi *> loadApi() {
  const char *override = std::getenv("QF_LIBCUDA");
  std::string path = override && *override ? override : "libcuda.so.1";
  static std::mutex mutex;
  static std::map<std::string, std::pair<CudaApi, std::string>> opened;
  std::lock_guard<std::mutex> lock(mutex);
  auto [it, inserted] = opened.try_emplace(path);
  if (inserted)
    it->second.second = openApi(it->second.first, path.c_str());
  if (!it->second.second.empty())
    return Status::error(it->second.second);
  return &it->second.first;
}

class CudaDevice;

/// The device whose executable is running on this thread: the mgpu*
/// functions act on it.
thread_local CudaDevice *current = nullptr;

/// Makes `device` current for a scope.
class CurrentDevice {
public:
  explicit CurrentDevice(CudaDevice *device);
  ~CurrentDevice() { current = previous_; }

private:
  CudaDevice *previous_;
};

class CudaBuffer : public Buffer {
public:
  CudaBuffer(const CudaApi &api, CUdeviceptr address, size_t size)
      : api_(api), address_(address), size_(size) {}
  ~CudaBuffer() override {
    if (address_)
      api_.cuMemFree_v2(address_);
  }
  void *data() override { return reinterpret_cast<void *>(address_); }
  size_t size() const override { return size_; }
  CUdeviceptr address() const { return address_; }

private:
  const CudaApi &api_;
  CUdeviceptr address_;
  size_t size_;
};

/// The host code, and the modules its constructors loaded (unloaded here,
/// because an object linked -z nodelete runs its destructors only at exit).
class CudaExecutable : public LoadedExecutable {
public:
  ~CudaExecutable() override;
  CudaDevice *device = nullptr;
  std::unique_ptr<SharedObject> host;
  std::vector<CUmodule> modules;
};

class CudaDevice : public Device {
public:
  CudaDevice(const CudaApi &api, int64_t ordinal)
      : api_(api), ordinal_(ordinal) {}
  ~CudaDevice() override {
    if (stream_) {
      api_.cuCtxSetCurrent(context_);
      api_.cuStreamSynchronize(stream_);
      api_.cuStreamDestroy_v2(stream_);
    }
    if (context_)
      api_.cuDevicePrimaryCtxRelease_v2(device_);
  }

  Status open() {
    int count = 0;
    QF_RETURN_IF_ERROR(
        check("cuDeviceGetCount", api_.cuDeviceGetCount(&count)));
    if (ordinal_ >= count)
      return Status::error("there are " + std::to_string(count) +
                           " CUDA devices");
    QF_RETURN_IF_ERROR(
        check("cuDeviceGet", api_.cuDeviceGet(&device_, int(ordinal_))));
    QF_RETURN_IF_ERROR(
        check("cuDevicePrimaryCtxRetain",
              api_.cuDevicePrimaryCtxRetain(&context_, device_)));
    QF_RETURN_IF_ERROR(
        check("cuCtxSetCurrent", api_.cuCtxSetCurrent(context_)));
    QF_RETURN_IF_ERROR(check(
        "cuDeviceGetAttribute",
        api_.cuDeviceGetAttribute(
            &major_, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device_)));
    QF_RETURN_IF_ERROR(check(
        "cuDeviceGetAttribute",
        api_.cuDeviceGetAttribute(
            &minor_, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device_)));
    QF_RETURN_IF_ERROR(
        check("cuStreamCreate",
              api_.cuStreamCreate(&stream_, CU_STREAM_NON_BLOCKING)));
    // Temporaries are freed and allocated again on every call: keep the
    // pool's memory instead of returning it to the system each time.
    CUmemoryPool pool = nullptr;
    uint64_t keepAll = UINT64_MAX;
    QF_RETURN_IF_ERROR(check("cuDeviceGetDefaultMemPool",
                             api_.cuDeviceGetDefaultMemPool(&pool, device_)));
    QF_RETURN_IF_ERROR(
        check("cuMemPoolSetAttribute",
              api_.cuMemPoolSetAttribute(
                  pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &keepAll)));
    const char *poison = std::getenv("QF_CUDA_POISON");
    poison_ = poison && *poison && std::strcmp(poison, "0") != 0;
    return Status();
  }

  std::string name() const override {
    return "cuda:" + std::to_string(ordinal_);
  }

  /// A cubin runs on its own architecture ("cuda-sm_90", "cuda-sm_90a"),
  /// PTX on any at least as new.
  std::vector<std::string> targets() const override {
    int version = major_ * 10 + minor_;
    std::string own = "sm_" + std::to_string(version);
    std::vector<std::string> names = {"cuda-" + own};
    if (major_ == 9 && minor_ == 0)
      names.push_back("cuda-sm_90a");
    for (int older : {80, 86, 89, 90})
      if (older <= version)
        names.push_back("cuda-ptx-sm_" + std::to_string(older));
    return names;
  }

  Result<std::unique_ptr<Buffer>> allocate(size_t bytes) override {
    api_.cuCtxSetCurrent(context_);
    CUdeviceptr address = 0;
    if (bytes) {
      QF_RETURN_IF_ERROR(
          check("cuMemAlloc", api_.cuMemAlloc_v2(&address, bytes)));
      // Zero-filled as the interface promises; poisoned for checks.
      QF_RETURN_IF_ERROR(check(
          "cuMemsetD8Async",
          api_.cuMemsetD8Async(address, poison_ ? 0xff : 0, bytes, stream_)));
    }
    return std::unique_ptr<Buffer>(new CudaBuffer(api_, address, bytes));
  }

  /// Parameters are copied to the device once, at load.
  Result<std::unique_ptr<Buffer>> importHost(const void *data,
                                             size_t size) override {
    Result<std::unique_ptr<Buffer>> buffer = allocate(size);
    if (!buffer)
      return buffer;
    QF_RETURN_IF_ERROR(write(**buffer, 0, data, size));
    return buffer;
  }

  Status write(Buffer &buffer, size_t offset, const void *data,
               size_t size) override {
    QF_RETURN_IF_ERROR(checkCopyRange(buffer, offset, size));
    if (!size)
      return Status();
    api_.cuCtxSetCurrent(context_);
    // From pageable memory the copy is staged before the call returns, so
    // `data` may change right after.
    return check("cuMemcpyHtoDAsync",
                 api_.cuMemcpyHtoDAsync_v2(address(buffer) + offset, data, size,
                                           stream_));
  }

  Status read(Buffer &buffer, size_t offset, void *data, size_t size) override {
    QF_RETURN_IF_ERROR(checkCopyRange(buffer, offset, size));
    if (!size)
      return Status();
    api_.cuCtxSetCurrent(context_);
    QF_RETURN_IF_ERROR(
        check("cuMemcpyDtoHAsync",
              api_.cuMemcpyDtoHAsync_v2(data, address(buffer) + offset, size,
                                        stream_)));
    return synchronize();
  }

  Result<std::unique_ptr<LoadedExecutable>>
  loadExecutable(const ExecutableSource &source) override {
    auto executable = std::make_unique<CudaExecutable>();
    executable->device = this;
    {
      // The object's constructors load its kernels (mgpuModuleLoad).
      CurrentDevice scope(this);
      loading_ = executable.get();
      error_ = Status();
      Result<std::unique_ptr<SharedObject>> host =
          loadSharedObject(source, "cuda");
      loading_ = nullptr;
      if (!host)
        return host.status();
      executable->host = host.take();
      if (!error_.ok())
        return Status::error(source.name + ": " + error_.message());
    }
    return std::unique_ptr<LoadedExecutable>(executable.release());
  }

  Status dispatch(LoadedExecutable &executable, const std::string &symbol,
                  const std::vector<DispatchArg> &args) override {
    auto *cuda = dynamic_cast<CudaExecutable *>(&executable);
    if (!cuda || cuda->device != this)
      return Status::error("executable was not loaded by this cuda device");
    DispatchFunction function = cuda->host->find(symbol);
    if (!function)
      return Status::error("symbol '" + symbol +
                           "' was not resolved when the executable was loaded");
    QF_RETURN_IF_ERROR(arguments_.pack(args));
    CurrentDevice scope(this);
    error_ = Status();
    function(arguments_.pointers());
    return error_;
  }

  Status synchronize() override {
    api_.cuCtxSetCurrent(context_);
    return check("cuStreamSynchronize", api_.cuStreamSynchronize(stream_));
  }

  // The mgpu* ABI (see the functions at the end of this file). Errors are
  // kept, first one wins, and returned by the dispatch.
  void *loadModule(const void *data, bool ptx, int optLevel) {
    CUmodule module = nullptr;
    CUresult result;
    if (ptx) {
      char log[4096] = {0};
      int options[] = {CU_JIT_ERROR_LOG_BUFFER,
                       CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                       CU_JIT_OPTIMIZATION_LEVEL};
      void *values[] = {log, reinterpret_cast<void *>(uintptr_t(sizeof(log))),
                        reinterpret_cast<void *>(uintptr_t(optLevel))};
      result = api_.cuModuleLoadDataEx(&module, data, 3, options, values);
      if (result != CUDA_SUCCESS && log[0])
        return fail(api_.describe("cuModuleLoadDataEx", result) + ": " + log);
    } else {
      result = api_.cuModuleLoadData(&module, data);
    }
    if (result != CUDA_SUCCESS)
      return fail(api_.describe("cuModuleLoad", result));
    if (loading_)
      loading_->modules.push_back(module);
    return module;
  }

  void unloadModule(CUmodule module) { api_.cuModuleUnload(module); }

  void *function(void *module, const char *name) {
    auto key = std::make_pair(module, name);
    auto it = functions_.find(key);
    if (it != functions_.end())
      return it->second;
    CUfunction function = nullptr;
    CUresult result = api_.cuModuleGetFunction(
        &function, static_cast<CUmodule>(module), name);
    if (result != CUDA_SUCCESS)
      return fail(api_.describe("cuModuleGetFunction", result) + " for " +
                  name);
    functions_[key] = function;
    return function;
  }

  void launch(void *function, intptr_t gridX, intptr_t gridY, intptr_t gridZ,
              intptr_t blockX, intptr_t blockY, intptr_t blockZ,
              int32_t sharedBytes, void **params) {
    if (!function || !error_.ok())
      return;
    // A grid with no blocks (no tokens in a dimension) has nothing to do.
    if (gridX == 0 || gridY == 0 || gridZ == 0)
      return;
    CUresult result = api_.cuLaunchKernel(
        static_cast<CUfunction>(function), unsigned(gridX), unsigned(gridY),
        unsigned(gridZ), unsigned(blockX), unsigned(blockY), unsigned(blockZ),
        unsigned(sharedBytes), stream_, params, nullptr);
    if (result != CUDA_SUCCESS)
      fail(api_.describe("cuLaunchKernel", result));
  }

  void *streamAllocate(uint64_t bytes) {
    if (bytes == 0)
      return nullptr;
    CUdeviceptr address = 0;
    CUresult result = api_.cuMemAllocAsync(&address, bytes, stream_);
    if (result != CUDA_SUCCESS)
      return fail(api_.describe("cuMemAllocAsync", result) + " of " +
                  std::to_string(bytes) + " bytes");
    if (poison_)
      api_.cuMemsetD8Async(address, 0xff, bytes, stream_);
    return reinterpret_cast<void *>(address);
  }

  void streamFree(void *address) {
    if (!address)
      return;
    CUresult result = api_.cuMemFreeAsync(
        CUdeviceptr(reinterpret_cast<uintptr_t>(address)), stream_);
    if (result != CUDA_SUCCESS)
      fail(api_.describe("cuMemFreeAsync", result));
  }

  CUstream stream() const { return stream_; }
  void makeCurrent() { api_.cuCtxSetCurrent(context_); }

private:
  Status check(const char *call, CUresult result) const {
    if (result == CUDA_SUCCESS)
      return Status();
    return Status::error(api_.describe(call, result));
  }
  std::nullptr_t fail(const std::string &message) {
    if (error_.ok())
      error_ = Status::error(message);
    return nullptr;
  }
  static CUdeviceptr address(Buffer &buffer) {
    return CUdeviceptr(reinterpret_cast<uintptr_t>(buffer.data()));
  }

  const CudaApi &api_;
  int64_t ordinal_;
  CUdevice device_ = 0;
  CUcontext context_ = nullptr;
  CUstream stream_ = nullptr;
  int major_ = 0, minor_ = 0;
  bool poison_ = false;
  Status error_;
  CudaExecutable *loading_ = nullptr;
  std::map<std::pair<void *, const char *>, void *> functions_;
  PackedArguments arguments_;
};

CurrentDevice::CurrentDevice(CudaDevice *device) : previous_(current) {
  current = device;
  if (device)
    device->makeCurrent();
}

CudaExecutable::~CudaExecutable() {
  CurrentDevice scope(device);
  host.reset();
  for (CUmodule module : modules)
    device->unloadModule(module);
}

} // namespace

Result<std::unique_ptr<Device>> createCudaDevice(int64_t ordinal) {
  Result<const CudaApi *> api = loadApi();
  if (!api)
    return api.status();
  auto device = std::make_unique<CudaDevice>(**api, ordinal);
  QF_RETURN_IF_ERROR(device->open());
  return std::unique_ptr<Device>(device.release());
}

} // namespace qf

// The runtime ABI that MLIR's gpu-to-llvm lowering and gpu.binary
// translation call (names and signatures of mlir/lib/ExecutionEngine/
// CudaRuntimeWrappers.cpp), acting on the current device. Executables that
// link this driver export them to the objects they dlopen (CMakeLists.txt).
using qf::current;

extern "C" {

__attribute__((visibility("default"))) void *mgpuModuleLoad(void *data,
                                                            size_t) {
  return current ? current->loadModule(data, false, 0) : nullptr;
}

__attribute__((visibility("default"))) void *mgpuModuleLoadJIT(void *data,
                                                               int optLevel) {
  return current ? current->loadModule(data, true, optLevel) : nullptr;
}

// Modules are unloaded with their executable (CudaExecutable).
__attribute__((visibility("default"))) void mgpuModuleUnload(void *) {}

__attribute__((visibility("default"))) void *
mgpuModuleGetFunction(void *module, const char *name) {
  return current ? current->function(module, name) : nullptr;
}

__attribute__((visibility("default"))) void
mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                 intptr_t blockX, intptr_t blockY, intptr_t blockZ,
                 int32_t sharedBytes, void *, void **params, void **, size_t) {
  if (current)
    current->launch(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                    sharedBytes, params);
}

__attribute__((visibility("default"))) void *mgpuStreamCreate() {
  return current ? current->stream() : nullptr;
}

__attribute__((visibility("default"))) void mgpuStreamDestroy(void *) {}

__attribute__((visibility("default"))) void mgpuStreamSynchronize(void *) {}

__attribute__((visibility("default"))) void *
mgpuMemAlloc(uint64_t bytes, void *, bool hostShared) {
  (void)hostShared; // never set by our lowering (llm-gpu-host-buffers)
  return current ? current->streamAllocate(bytes) : nullptr;
}

__attribute__((visibility("default"))) void mgpuMemFree(void *address, void *) {
  if (current)
    current->streamFree(address);
}

} // extern "C"
