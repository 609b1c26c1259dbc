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
// Steps (decode, Device::dispatchStep) replay a CUDA graph: the host code
// runs as always, but its launches are recorded instead of queued, and its
// temporaries come from slots that live as long as the graph, so that their
// addresses do not change between steps. The first step builds and
// instantiates the graph, one kernel node per launch in a chain; later steps
// compare each recorded launch with its node and update only those whose
// arguments or grid changed (start_pos and the sizes derived from it), with
// cuGraphExecKernelNodeSetParams, before cuGraphLaunch. A step whose launch
// sequence differs (or whose update the driver refuses) instantiates again.
//
//===----------------------------------------------------------------------===//

#include "runtime/driver/cuda/CudaDevice.h"

#include "runtime/driver/HostCode.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
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
using CUgraph = struct CUgraph_st *;
using CUgraphNode = struct CUgraphNode_st *;
using CUgraphExec = struct CUgraphExec_st *;
/// CUDA_KERNEL_NODE_PARAMS_v2.
struct KernelNodeParams {
  CUfunction func;
  unsigned gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  void **kernelParams;
  void **extra;
  void *kern;
  CUcontext ctx;
};
/// CUDA_MEMSET_NODE_PARAMS.
struct MemsetNodeParams {
  CUdeviceptr dst;
  size_t pitch;
  unsigned value, elementSize;
  size_t width, height;
};
/// CUlaunchAttribute, with the one value we set.
struct LaunchAttribute {
  int id;
  char pad[4];
  union {
    char bytes[64];
    int programmaticStreamSerializationAllowed;
  } value;
};
/// CUlaunchConfig.
struct LaunchConfig {
  unsigned gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  CUstream hStream;
  LaunchAttribute *attrs;
  unsigned numAttrs;
};
/// CUgraphEdgeData.
struct GraphEdgeData {
  unsigned char from_port, to_port, type, reserved[5];
};
constexpr int CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION = 6;
constexpr unsigned char CU_GRAPH_KERNEL_NODE_PORT_PROGRAMMATIC = 1;
constexpr unsigned char CU_GRAPH_DEPENDENCY_TYPE_PROGRAMMATIC = 1;
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
// Graphs need these too (CUDA 12.4 and later); without them steps are
// dispatched as everything else.
#define QF_CUDA_GRAPH_FUNCTIONS(X)                                             \
  X(cuFuncGetParamInfo, CUresult (*)(CUfunction, size_t, size_t *, size_t *))  \
  X(cuGraphCreate, CUresult (*)(CUgraph *, unsigned))                          \
  X(cuGraphDestroy, CUresult (*)(CUgraph))                                     \
  X(cuGraphAddKernelNode_v2,                                                   \
    CUresult (*)(CUgraphNode *, CUgraph, const CUgraphNode *, size_t,          \
                 const KernelNodeParams *))                                    \
  X(cuGraphAddMemsetNode,                                                      \
    CUresult (*)(CUgraphNode *, CUgraph, const CUgraphNode *, size_t,          \
                 const MemsetNodeParams *, CUcontext))                         \
  X(cuGraphInstantiateWithFlags,                                               \
    CUresult (*)(CUgraphExec *, CUgraph, unsigned long long))                  \
  X(cuGraphExecDestroy, CUresult (*)(CUgraphExec))                             \
  X(cuGraphExecKernelNodeSetParams_v2,                                         \
    CUresult (*)(CUgraphExec, CUgraphNode, const KernelNodeParams *))          \
  X(cuGraphExecMemsetNodeSetParams,                                            \
    CUresult (*)(CUgraphExec, CUgraphNode, const MemsetNodeParams *,           \
                 CUcontext))                                                   \
  X(cuGraphLaunch, CUresult (*)(CUgraphExec, CUstream))
// Programmatic dependent launch needs these (CUDA 12.3 and later); without
// them kernels are launched plainly.
#define QF_CUDA_PROGRAMMATIC_FUNCTIONS(X)                                      \
  X(cuLaunchKernelEx,                                                          \
    CUresult (*)(const LaunchConfig *, CUfunction, void **, void **))          \
  X(cuGraphAddDependencies_v2,                                                 \
    CUresult (*)(CUgraph, const CUgraphNode *, const CUgraphNode *,            \
                 const GraphEdgeData *, size_t))
#define QF_DECLARE(name, ...)                                                  \
  using name##_type = __VA_ARGS__;                                             \
  name##_type name = nullptr;
  QF_CUDA_FUNCTIONS(QF_DECLARE)
  QF_CUDA_GRAPH_FUNCTIONS(QF_DECLARE)
  QF_CUDA_PROGRAMMATIC_FUNCTIONS(QF_DECLARE)
#undef QF_DECLARE
  /// Why graphs cannot be used with this library; empty if they can.
  std::string noGraphs;
  /// Why kernels cannot be launched programmatically; empty if they can.
  std::string noProgrammatic;

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
    return std::string("no CUDA driver (") + path + " not found: " +
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
  // Optional groups: the first missing entry point says why the group's
  // feature is off.
  std::string *missing = nullptr;
#define QF_RESOLVE_OPTIONAL(name, ...)                                         \
  api.name = reinterpret_cast<decltype(api.name)>(dlsym(api.library, #name));  \
  if (!api.name && missing->empty())                                           \
    *missing = std::string("the driver library has no ") + #name;
  missing = &api.noGraphs;
  QF_CUDA_GRAPH_FUNCTIONS(QF_RESOLVE_OPTIONAL)
  missing = &api.noProgrammatic;
  QF_CUDA_PROGRAMMATIC_FUNCTIONS(QF_RESOLVE_OPTIONAL)
#undef QF_RESOLVE_OPTIONAL
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

/// Where a kernel's parameters lie in its parameter buffer.
struct ParamLayout {
  std::vector<size_t> offsets, sizes;
  size_t bytes = 0;
  /// Why the driver could not say; empty if it did.
  std::string error;
};

/// One kernel launch, or one poisoning memset, of a step.
struct StepOp {
  CUfunction function = nullptr; // null: a memset of `bytes` at `address`
  /// Launched programmatically: a programmatic edge from the kernel before.
  bool programmatic = false;
  const ParamLayout *layout = nullptr;
  unsigned grid[3] = {}, block[3] = {}, shared = 0;
  /// The parameter buffer, zero between parameters, in 8-byte words so
  /// that every parameter is aligned.
  std::vector<uint64_t> params;
  CUdeviceptr address = 0;
  size_t bytes = 0;

  bool operator==(const StepOp &other) const {
    return function == other.function && programmatic == other.programmatic &&
           std::equal(grid, grid + 3, other.grid) &&
           std::equal(block, block + 3, other.block) &&
           shared == other.shared && params == other.params &&
           address == other.address && bytes == other.bytes;
  }
  /// Pointers to each parameter, as cuLaunchKernel takes them.
  std::vector<void *> pointers() {
    std::vector<void *> result;
    for (size_t offset : layout->offsets)
      result.push_back(reinterpret_cast<char *>(params.data()) + offset);
    return result;
  }
};

/// A step's temporary: the n-th allocation of every step gets the n-th
/// slot, which only grows, so the graph's addresses stay valid.
struct Slot {
  CUdeviceptr address = 0;
  size_t capacity = 0;
};

/// The graph of one step entry point of an executable.
struct StepGraph {
  std::vector<StepOp> ops; // what `exec` runs, node by node
  std::vector<CUgraphNode> nodes;
  CUgraph graph = nullptr;
  CUgraphExec exec = nullptr;
  std::vector<Slot> slots;
  /// Why this entry point runs without a graph; empty while it has one.
  std::string disabled;
};

/// The host code, and the modules its constructors loaded (unloaded here,
/// because an object linked -z nodelete runs its destructors only at exit).
class CudaExecutable : public LoadedExecutable {
public:
  ~CudaExecutable() override;
  CudaDevice *device = nullptr;
  std::unique_ptr<SharedObject> host;
  std::vector<CUmodule> modules;
  std::map<std::string, StepGraph> steps;
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
    const char *graphs = std::getenv("QF_CUDA_GRAPHS");
    if (graphs && std::strcmp(graphs, "0") == 0)
      noGraphs_ = "QF_CUDA_GRAPHS=0";
    else
      noGraphs_ = api_.noGraphs;
    const char *programmatic = std::getenv("QF_CUDA_PDL");
    if (programmatic && std::strcmp(programmatic, "0") == 0)
      noProgrammatic_ = "QF_CUDA_PDL=0";
    else if (major_ < 9)
      noProgrammatic_ = "compute capability " + std::to_string(major_) + "." +
                        std::to_string(minor_) + ", needs 9.0";
    else
      noProgrammatic_ = api_.noProgrammatic;
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
      loadingProgrammatic_ = source.programmaticLaunch;
      programmaticExecutables_ += source.programmaticLaunch;
      error_ = Status();
      Result<std::unique_ptr<SharedObject>> host =
          loadSharedObject(source, "cuda");
      loading_ = nullptr;
      loadingProgrammatic_ = false;
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

  /// Records the step's launches and replays them as a graph (see the top
  /// of this file).
  Status dispatchStep(LoadedExecutable &executable, const std::string &symbol,
                      const std::vector<DispatchArg> &args) override {
    auto *cuda = dynamic_cast<CudaExecutable *>(&executable);
    DispatchFunction function =
        cuda && cuda->device == this ? cuda->host->find(symbol) : nullptr;
    if (!noGraphs_.empty() || !function)
      return dispatch(executable, symbol, args);
    StepGraph &step = cuda->steps[symbol];
    if (!step.disabled.empty())
      return dispatch(executable, symbol, args);
    QF_RETURN_IF_ERROR(arguments_.pack(args));
    CurrentDevice scope(this);
    error_ = Status();
    step_ = &step;
    recording_ = true;
    nextSlot_ = 0;
    recorded_ = 0;
    function(arguments_.pointers());
    step_ = nullptr;
    bool recorded = recording_;
    recording_ = false;
    if (!error_.ok() || !recorded) // an error, or it gave up on the graph
      return error_;
    return replay(step);
  }

  Status synchronize() override {
    api_.cuCtxSetCurrent(context_);
    return check("cuStreamSynchronize", api_.cuStreamSynchronize(stream_));
  }

  std::string executionNote() const override {
    return graphsNote() + "\n" + programmaticNote();
  }

  /// Whether decode steps replayed graphs, and how they were kept current.
  std::string graphsNote() const {
    if (!noGraphs_.empty())
      return "cuda graphs: off (" + noGraphs_ + ")";
    std::string note = "cuda graphs: on, " + std::to_string(graphSteps_) +
                       " steps replayed, " + std::to_string(instantiations_) +
                       " instantiations, " + std::to_string(nodeUpdates_) +
                       " node updates";
    if (graphSteps_) {
      char perStep[32];
      std::snprintf(perStep, sizeof(perStep), " (%.1f per step)",
                    double(nodeUpdates_) / double(graphSteps_));
      note += perStep;
    }
    if (!disabled_.empty())
      note += "; without a graph: " + disabled_;
    return note;
  }

  /// Whether and how often kernels were launched programmatically.
  std::string programmaticNote() const {
    std::string note = "programmatic launch: ";
    if (!noProgrammatic_.empty())
      return note + "off (" + noProgrammatic_ + ")";
    if (!programmaticExecutables_)
      return note + "off (the executable's kernels do not wait for their "
                    "prerequisites: compiled for a chip before sm_90)";
    note += "on, " + std::to_string(programmaticLaunches_) +
            " launches on the stream, " + std::to_string(programmaticEdges_) +
            " graph edges";
    if (!noProgrammaticEdges_.empty())
      note += "; plain graph edges: " + noProgrammaticEdges_;
    return note;
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
    if (loadingProgrammatic_ && noProgrammatic_.empty())
      programmaticModules_.insert(module);
    return module;
  }

  void unloadModule(CUmodule module) {
    // A later module may get the same handle: forget this one's functions.
    for (auto it = functions_.begin(); it != functions_.end();) {
      if (it->first.first != module) {
        ++it;
        continue;
      }
      programmaticFunctions_.erase(static_cast<CUfunction>(it->second));
      it = functions_.erase(it);
    }
    programmaticModules_.erase(module);
    api_.cuModuleUnload(module);
  }

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
    if (programmaticModules_.count(static_cast<CUmodule>(module)))
      programmaticFunctions_.insert(function);
    return function;
  }

  void launch(void *function, intptr_t gridX, intptr_t gridY, intptr_t gridZ,
              intptr_t blockX, intptr_t blockY, intptr_t blockZ,
              int32_t sharedBytes, void **params, size_t paramCount) {
    if (!function || !error_.ok())
      return;
    // A grid with no blocks (no tokens in a dimension) has nothing to do.
    if (gridX == 0 || gridY == 0 || gridZ == 0)
      return;
    if (recording_) {
      const ParamLayout &layout =
          paramLayout(static_cast<CUfunction>(function), paramCount);
      if (layout.error.empty()) {
        StepOp &op = nextOp();
        op.function = static_cast<CUfunction>(function);
        op.programmatic =
            programmaticFunctions_.count(static_cast<CUfunction>(function));
        op.layout = &layout;
        op.grid[0] = unsigned(gridX), op.grid[1] = unsigned(gridY),
        op.grid[2] = unsigned(gridZ);
        op.block[0] = unsigned(blockX), op.block[1] = unsigned(blockY),
        op.block[2] = unsigned(blockZ);
        op.shared = unsigned(sharedBytes);
        op.params.assign((layout.bytes + 7) / 8, 0);
        for (size_t i = 0; i < paramCount; ++i)
          std::memcpy(reinterpret_cast<char *>(op.params.data()) +
                          layout.offsets[i],
                      params[i], layout.sizes[i]);
        op.address = 0, op.bytes = 0;
        return;
      }
      stopRecording(*step_, layout.error);
    }
    unsigned grid[3] = {unsigned(gridX), unsigned(gridY), unsigned(gridZ)};
    unsigned block[3] = {unsigned(blockX), unsigned(blockY), unsigned(blockZ)};
    launchKernel(static_cast<CUfunction>(function), grid, block,
                 unsigned(sharedBytes), params);
  }

  void *streamAllocate(uint64_t bytes) {
    if (bytes == 0)
      return nullptr;
    if (step_)
      return slotAllocate(bytes);
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
    if (!address || step_) // a step's slots outlive it
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

  /// The parameter layout of `function` (cuFuncGetParamInfo), cached.
  const ParamLayout &paramLayout(CUfunction function, size_t count) {
    auto [it, inserted] = layouts_.try_emplace(function);
    ParamLayout &layout = it->second;
    if (!inserted && (!layout.error.empty() || layout.offsets.size() == count))
      return layout;
    layout = ParamLayout();
    for (size_t i = 0; i < count; ++i) {
      size_t offset = 0, size = 0;
      CUresult result = api_.cuFuncGetParamInfo(function, i, &offset, &size);
      if (result != CUDA_SUCCESS) {
        layout.error = api_.describe("cuFuncGetParamInfo", result);
        break;
      }
      layout.offsets.push_back(offset);
      layout.sizes.push_back(size);
      layout.bytes = std::max(layout.bytes, offset + size);
    }
    return layout;
  }

  /// The next op of the step being recorded; reuses the vectors of earlier
  /// steps.
  StepOp &nextOp() {
    if (recorded_ == pending_.size())
      pending_.emplace_back();
    return pending_[recorded_++];
  }

  /// The n-th temporary of the step (see Slot); a slot that must grow moves,
  /// and the launches that use it change with it.
  void *slotAllocate(uint64_t bytes) {
    if (nextSlot_ == step_->slots.size())
      step_->slots.emplace_back();
    Slot &slot = step_->slots[nextSlot_++];
    if (slot.capacity < bytes) {
      // Attention's temporaries grow by a row per step: double, not creep.
      size_t capacity = (std::max<size_t>(bytes, 2 * slot.capacity) + 255) &
                        ~size_t(255);
      if (slot.address)
        api_.cuMemFreeAsync(slot.address, stream_);
      slot = Slot();
      CUresult result = api_.cuMemAllocAsync(&slot.address, capacity, stream_);
      if (result != CUDA_SUCCESS)
        return fail(api_.describe("cuMemAllocAsync", result) + " of " +
                    std::to_string(capacity) + " bytes");
      slot.capacity = capacity;
    }
    if (poison_) {
      if (recording_) {
        StepOp &op = nextOp();
        op.function = nullptr;
        op.layout = nullptr;
        op.params.clear();
        std::fill(op.grid, op.grid + 3, 0u);
        std::fill(op.block, op.block + 3, 0u);
        op.shared = 0;
        op.address = slot.address;
        op.bytes = slot.capacity;
      } else {
        api_.cuMemsetD8Async(slot.address, 0xff, slot.capacity, stream_);
      }
    }
    return reinterpret_cast<void *>(slot.address);
  }

  /// Queues a kernel on the stream: programmatically (it may start while
  /// the kernel before it drains, and waits for it in
  /// griddepcontrol.wait) if its executable allows, else plainly.
  void launchKernel(CUfunction function, const unsigned grid[3],
                    const unsigned block[3], unsigned shared, void **params) {
    if (!programmaticFunctions_.count(function)) {
      CUresult result = api_.cuLaunchKernel(
          function, grid[0], grid[1], grid[2], block[0], block[1], block[2],
          shared, stream_, params, nullptr);
      if (result != CUDA_SUCCESS)
        fail(api_.describe("cuLaunchKernel", result));
      return;
    }
    LaunchAttribute attribute = {};
    attribute.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
    attribute.value.programmaticStreamSerializationAllowed = 1;
    LaunchConfig config = {grid[0],  grid[1],  grid[2], block[0],   block[1],
                           block[2], shared,   stream_, &attribute, 1};
    CUresult result =
        api_.cuLaunchKernelEx(&config, function, params, nullptr);
    if (result != CUDA_SUCCESS)
      fail(api_.describe("cuLaunchKernelEx", result));
    ++programmaticLaunches_;
  }

  /// Queues `op` on the stream, as if it had not been recorded.
  void launchNow(StepOp &op) {
    if (op.function) {
      std::vector<void *> pointers = op.pointers();
      launchKernel(op.function, op.grid, op.block, op.shared, pointers.data());
      return;
    }
    CUresult result = api_.cuMemsetD8Async(op.address, 0xff, op.bytes, stream_);
    if (result != CUDA_SUCCESS)
      fail(api_.describe("cuMemsetD8Async", result));
  }

  /// Gives up the graph of the step being recorded or replayed: what was
  /// recorded is queued now, later steps are dispatched as everything else.
  void stopRecording(StepGraph &step, const std::string &why) {
    step.disabled = why;
    if (disabled_.empty())
      disabled_ = why;
    recording_ = false;
    for (size_t i = 0; i < recorded_; ++i)
      launchNow(pending_[i]);
  }

  void destroyGraph(StepGraph &step) {
    if (step.exec)
      api_.cuGraphExecDestroy(step.exec);
    if (step.graph)
      api_.cuGraphDestroy(step.graph);
    step.exec = nullptr;
    step.graph = nullptr;
    step.nodes.clear();
  }

  /// Node `i` of the executable graph does `op` from now on.
  bool updateNode(StepGraph &step, size_t i, StepOp &op) {
    if (!op.function) {
      MemsetNodeParams params = memsetParams(op);
      return api_.cuGraphExecMemsetNodeSetParams(step.exec, step.nodes[i],
                                                 &params,
                                                 context_) == CUDA_SUCCESS;
    }
    std::vector<void *> pointers = op.pointers();
    KernelNodeParams params = kernelParams(op, pointers);
    return api_.cuGraphExecKernelNodeSetParams_v2(step.exec, step.nodes[i],
                                                  &params) == CUDA_SUCCESS;
  }

  static KernelNodeParams kernelParams(const StepOp &op,
                                       std::vector<void *> &pointers) {
    return KernelNodeParams{op.function, op.grid[0],  op.grid[1],
                            op.grid[2],  op.block[0], op.block[1],
                            op.block[2], op.shared,   pointers.data(),
                            nullptr,     nullptr,     nullptr};
  }
  static MemsetNodeParams memsetParams(const StepOp &op) {
    return MemsetNodeParams{op.address, 0, 0xff, 1, op.bytes, 1};
  }

  /// A new graph of the recorded ops, one node after the other; a
  /// programmatic kernel after a kernel hangs on a programmatic edge.
  Status instantiate(StepGraph &step) {
    destroyGraph(step);
    QF_RETURN_IF_ERROR(
        check("cuGraphCreate", api_.cuGraphCreate(&step.graph, 0)));
    for (size_t i = 0; i < recorded_; ++i) {
      StepOp &op = pending_[i];
      CUgraphNode node = nullptr;
      const CUgraphNode *after =
          step.nodes.empty() ? nullptr : &step.nodes.back();
      size_t count = after ? 1 : 0;
      if (op.function) {
        bool programmatic = op.programmatic && after && pending_[i - 1].function;
        std::vector<void *> pointers = op.pointers();
        KernelNodeParams params = kernelParams(op, pointers);
        QF_RETURN_IF_ERROR(check(
            "cuGraphAddKernelNode",
            api_.cuGraphAddKernelNode_v2(&node, step.graph,
                                         programmatic ? nullptr : after,
                                         programmatic ? 0 : count, &params)));
        if (programmatic)
          QF_RETURN_IF_ERROR(addProgrammaticEdge(step.graph, *after, node));
      } else {
        MemsetNodeParams params = memsetParams(op);
        QF_RETURN_IF_ERROR(check(
            "cuGraphAddMemsetNode",
            api_.cuGraphAddMemsetNode(&node, step.graph, after, count, &params,
                                      context_)));
      }
      step.nodes.push_back(node);
    }
    QF_RETURN_IF_ERROR(check(
        "cuGraphInstantiateWithFlags",
        api_.cuGraphInstantiateWithFlags(&step.exec, step.graph, 0)));
    ++instantiations_;
    return Status();
  }

  /// `from` -> `to` as a programmatic edge (`to` may start once every
  /// block of `from` has released it), or, where the driver refuses that,
  /// as a plain one.
  Status addProgrammaticEdge(CUgraph graph, CUgraphNode from, CUgraphNode to) {
    GraphEdgeData edge = {};
    edge.from_port = CU_GRAPH_KERNEL_NODE_PORT_PROGRAMMATIC;
    edge.type = CU_GRAPH_DEPENDENCY_TYPE_PROGRAMMATIC;
    CUresult result =
        api_.cuGraphAddDependencies_v2(graph, &from, &to, &edge, 1);
    if (result == CUDA_SUCCESS) {
      ++programmaticEdges_;
      return Status();
    }
    if (noProgrammaticEdges_.empty())
      noProgrammaticEdges_ = api_.describe("cuGraphAddDependencies", result);
    return check("cuGraphAddDependencies",
                 api_.cuGraphAddDependencies_v2(graph, &from, &to, nullptr, 1));
  }

  /// Brings the step's executable graph up to the recorded ops and
  /// launches it.
  Status replay(StepGraph &step) {
    bool same = step.exec && step.ops.size() == recorded_;
    for (size_t i = 0; same && i < recorded_; ++i)
      same = (step.ops[i].function == nullptr) ==
             (pending_[i].function == nullptr);
    size_t updates = 0;
    for (size_t i = 0; same && i < recorded_; ++i) {
      if (step.ops[i] == pending_[i])
        continue;
      same = updateNode(step, i, pending_[i]);
      ++updates;
    }
    if (!same) {
      Status built = instantiate(step);
      if (!built.ok()) {
        destroyGraph(step);
        stopRecording(step, built.message());
        return error_;
      }
      updates = 0;
    }
    pending_.resize(recorded_);
    std::swap(step.ops, pending_);
    ++graphSteps_;
    nodeUpdates_ += updates;
    return check("cuGraphLaunch", api_.cuGraphLaunch(step.exec, stream_));
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
  /// Why kernels are launched plainly; empty where programmatic launch is
  /// possible (sm_90+, a driver with cuLaunchKernelEx, not QF_CUDA_PDL=0).
  std::string noProgrammatic_;
  /// While an executable whose kernels wait for their prerequisites loads.
  bool loadingProgrammatic_ = false;
  int64_t programmaticExecutables_ = 0;
  /// The modules of such executables, and their functions: these are
  /// launched programmatically.
  std::set<CUmodule> programmaticModules_;
  std::set<CUfunction> programmaticFunctions_;
  int64_t programmaticLaunches_ = 0, programmaticEdges_ = 0;
  /// Why a graph got a plain edge where a programmatic one was asked for.
  std::string noProgrammaticEdges_;
  PackedArguments arguments_;

  /// Why steps run without graphs; empty where they use them.
  std::string noGraphs_;
  std::map<CUfunction, ParamLayout> layouts_;
  /// The step being run, while its host code runs: allocations come from
  /// its slots, and, while `recording_`, launches go to `pending_`.
  StepGraph *step_ = nullptr;
  bool recording_ = false;
  size_t nextSlot_ = 0, recorded_ = 0;
  std::vector<StepOp> pending_;
  int64_t graphSteps_ = 0, instantiations_ = 0, nodeUpdates_ = 0;
  /// The first reason a step entry point gave up its graph.
  std::string disabled_;

  friend class CudaExecutable;
};

CurrentDevice::CurrentDevice(CudaDevice *device) : previous_(current) {
  current = device;
  if (device)
    device->makeCurrent();
}

CudaExecutable::~CudaExecutable() {
  CurrentDevice scope(device);
  for (auto &[symbol, step] : steps) {
    device->destroyGraph(step);
    for (Slot &slot : step.slots)
      if (slot.address)
        device->api_.cuMemFreeAsync(slot.address, device->stream_);
  }
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
                 int32_t sharedBytes, void *, void **params, void **,
                 size_t paramCount) {
  if (current)
    current->launch(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                    sharedBytes, params, paramCount);
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
