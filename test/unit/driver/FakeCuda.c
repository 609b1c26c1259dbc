/*===- FakeCuda.c - a CUDA driver library without a GPU, for tests --------===*
 *
 * Part of QuantForge.
 *
 * Implements the driver API calls the runtime's CUDA driver makes, on host
 * memory: device pointers are host pointers, modules are the image's
 * address, kernels never run (a launch only counts). Loaded through
 * $QF_LIBCUDA so that the driver's bookkeeping (module loading from the
 * executable's constructors, the mgpu* ABI, copies, errors) is tested where
 * there is no GPU. $QF_FAKE_CUDA_LOG names a file that gets one line per
 * launch: "launch <function> <gridX> <blockX> <params>".
 *===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

static FILE *logFile(void) {
  static FILE *file;
  static int opened;
  if (!opened) {
    const char *path = getenv("QF_FAKE_CUDA_LOG");
    file = path ? fopen(path, "w") : NULL;
    opened = 1;
  }
  return file;
}

CUresult cuInit(unsigned flags) { return 0; }
CUresult cuGetErrorName(CUresult result, const char **name) {
  *name = result == 400 ? "CUDA_ERROR_INVALID_HANDLE" : "CUDA_ERROR_FAKE";
  return 0;
}
CUresult cuDeviceGetCount(int *count) { *count = 1; return 0; }
CUresult cuDeviceGet(int *device, int ordinal) { *device = ordinal; return 0; }
CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
  *value = attribute == 75 ? 9 : 0; /* compute capability 9.0 */
  return 0;
}
static int context;
CUresult cuDevicePrimaryCtxRetain(void **ctx, int device) {
  *ctx = &context;
  return 0;
}
CUresult cuDevicePrimaryCtxRelease_v2(int device) { return 0; }
CUresult cuDeviceGetDefaultMemPool(void **pool, int device) {
  *pool = &context;
  return 0;
}
CUresult cuMemPoolSetAttribute(void *pool, int attribute, void *value) {
  return 0;
}
CUresult cuCtxSetCurrent(void *ctx) { return ctx == &context ? 0 : 201; }
static int stream;
CUresult cuStreamCreate(void **s, unsigned flags) { *s = &stream; return 0; }
CUresult cuStreamDestroy_v2(void *s) { return 0; }
CUresult cuStreamSynchronize(void *s) { return s == &stream ? 0 : 400; }
CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n) {
  *p = (CUdeviceptr)(uintptr_t)malloc(n);
  return 0;
}
CUresult cuMemFree_v2(CUdeviceptr p) { free((void *)(uintptr_t)p); return 0; }
CUresult cuMemAllocAsync(CUdeviceptr *p, size_t n, void *s) {
  return cuMemAlloc_v2(p, n);
}
CUresult cuMemFreeAsync(CUdeviceptr p, void *s) { return cuMemFree_v2(p); }
CUresult cuMemsetD8Async(CUdeviceptr p, unsigned char v, size_t n, void *s) {
  memset((void *)(uintptr_t)p, v, n);
  return 0;
}
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void *h, size_t n,
                              void *s) {
  memcpy((void *)(uintptr_t)d, h, n);
  return 0;
}
CUresult cuMemcpyDtoHAsync_v2(void *h, CUdeviceptr d, size_t n, void *s) {
  memcpy(h, (const void *)(uintptr_t)d, n);
  return 0;
}
CUresult cuModuleLoadData(void **module, const void *image) {
  *module = (void *)image;
  return image ? 0 : 400;
}
CUresult cuModuleLoadDataEx(void **module, const void *image, unsigned n,
                            int *options, void **values) {
  return cuModuleLoadData(module, image);
}
CUresult cuModuleUnload(void *module) { return 0; }
CUresult cuModuleGetFunction(void **function, void *module, const char *name) {
  if (!module)
    return 400;
  *function = (void *)name;
  return 0;
}
CUresult cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned shared,
                        void *s, void **params, void **extra) {
  FILE *file = logFile();
  if (file)
    fprintf(file, "launch %s %u %u\n", (const char *)function, gx, bx);
  return s == &stream ? 0 : 400;
}
