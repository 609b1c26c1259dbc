/*===- FakeCuda.c - a CUDA driver library without a GPU, for tests --------===*
 *
 * Part of QuantForge.
 *
 * Implements the driver API calls the runtime's CUDA driver makes, on host
 * memory: device pointers are host pointers, kernels never run (a launch
 * only logs). Loaded through $QF_LIBCUDA so that the driver's bookkeeping
 * (module loading from the executable's constructors, the mgpu* ABI,
 * copies, CUDA graphs, errors) is tested where there is no GPU.
 *
 * $QF_FAKE_CUDA_LOG names a file that gets one line per event:
 *   launch <function> <gridX> <blockX> [<parameter bytes in hex>]
 *     a kernel, launched on the stream or as a node of a graph; the bytes
 *     are there when the module was PTX, whose .entry lists the parameters
 *     (cuFuncGetParamInfo reads them there; for a cubin it fails);
 *   programmatic <function>  before the launch line of a kernel launched
 *     with programmatic dependent launch: through cuLaunchKernelEx with
 *     programmatic stream serialization, or as a graph node that hangs on a
 *     programmatic edge;
 *   alloc <bytes>            a stream-ordered allocation;
 *   graph-instantiate <nodes>, graph-launch <nodes>, graph-set <node index>.
 * $QF_FAKE_CUDA_FAIL names one entry point that then always fails (with
 * CUDA_ERROR_INVALID_VALUE), to test the driver's fallbacks.
 *===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum { INVALID_VALUE = 1, NOT_SUPPORTED = 801, INVALID_HANDLE = 400 };

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

/* Whether $QF_FAKE_CUDA_FAIL names `call`. */
static int failing(const char *call) {
  const char *name = getenv("QF_FAKE_CUDA_FAIL");
  return name && strcmp(name, call) == 0;
}

CUresult cuInit(unsigned flags) { return 0; }
CUresult cuGetErrorName(CUresult result, const char **name) {
  *name = result == INVALID_HANDLE  ? "CUDA_ERROR_INVALID_HANDLE"
          : result == INVALID_VALUE ? "CUDA_ERROR_INVALID_VALUE"
                                    : "CUDA_ERROR_FAKE";
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
  FILE *file = logFile();
  if (file)
    fprintf(file, "alloc %zu\n", n);
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
  *module = (void *)(uintptr_t)image;
  return image ? 0 : 400;
}
CUresult cuModuleLoadDataEx(void **module, const void *image, unsigned n,
                            int *options, void **values) {
  return cuModuleLoadData(module, image);
}
CUresult cuModuleUnload(void *module) { return 0; }

/* A kernel: its name and, for a PTX module, its parameters' layout. */
typedef struct {
  const char *name;
  int known; /* the layout was read from PTX */
  size_t count, bytes, *offsets, *sizes;
} Function;

/* Reads the parameters of `.entry name(...)` in PTX text: `.param .u64 x`,
 * `.param .u64 .ptr .align 1 x` (a pointer), `.param .align 8 .b8 x[16]`. */
static void readLayout(Function *f, const char *ptx) {
  size_t length = strlen(f->name);
  const char *at = ptx;
  while ((at = strstr(at, ".entry ")) != NULL) {
    at += 7;
    if (strncmp(at, f->name, length) == 0 && at[length] == '(')
      break;
  }
  if (!at)
    return;
  const char *end = strchr(at, ')');
  f->offsets = calloc(256, sizeof(size_t));
  f->sizes = calloc(256, sizeof(size_t));
  for (const char *p = strstr(at, ".param "); p && p < end && f->count < 256;
       p = strstr(p + 1, ".param ")) {
    const char *type = p + 7;
    size_t align = 0, size = 0;
    if (sscanf(type, ".align %zu", &align) == 1)
      type = strchr(strchr(type, ' ') + 1, ' ') + 1;
    size_t bits = strtoul(type + 2, NULL, 10);
    size = bits / 8;
    const char *bracket = strchr(type, '[');
    const char *comma = strpbrk(type, ",)");
    if (bracket && bracket < comma)
      size *= strtoul(bracket + 1, NULL, 10);
    if (!align)
      align = size;
    f->bytes = (f->bytes + align - 1) / align * align;
    f->offsets[f->count] = f->bytes;
    f->sizes[f->count++] = size;
    f->bytes += size;
  }
  f->known = 1;
}

CUresult cuModuleGetFunction(void **function, void *module, const char *name) {
  if (!module)
    return 400;
  Function *f = calloc(1, sizeof(Function));
  f->name = name;
  if (memcmp(module, "\x7f" "ELF", 4) != 0)
    readLayout(f, module);
  *function = f;
  return 0;
}

CUresult cuFuncGetParamInfo(void *function, size_t index, size_t *offset,
                            size_t *size) {
  Function *f = function;
  if (!f->known || failing("cuFuncGetParamInfo"))
    return NOT_SUPPORTED;
  if (index >= f->count)
    return INVALID_VALUE;
  *offset = f->offsets[index];
  *size = f->sizes[index];
  return 0;
}

static void logLaunch(Function *f, unsigned gx, unsigned bx,
                      const unsigned char *buffer) {
  FILE *file = logFile();
  if (!file)
    return;
  fprintf(file, "launch %s %u %u", f->name, gx, bx);
  if (buffer) {
    fputc(' ', file);
    for (size_t i = 0; i < f->bytes; ++i)
      fprintf(file, "%02x", buffer[i]);
  }
  fputc('\n', file);
}

/* The parameters `params` points at, packed into a new buffer. */
static unsigned char *packParams(Function *f, void **params) {
  if (!f->known)
    return NULL;
  unsigned char *buffer = calloc(1, f->bytes + 1);
  for (size_t i = 0; i < f->count; ++i)
    memcpy(buffer + f->offsets[i], params[i], f->sizes[i]);
  return buffer;
}

CUresult cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned shared,
                        void *s, void **params, void **extra) {
  unsigned char *buffer = packParams(function, params);
  logLaunch(function, gx, bx, buffer);
  free(buffer);
  return s == &stream ? 0 : 400;
}

/* CUlaunchConfig and CUlaunchAttribute (programmatic stream serialization
 * is attribute 6). */
typedef struct {
  int id;
  char pad[4];
  union {
    char bytes[64];
    int value;
  } value;
} LaunchAttribute;
typedef struct {
  unsigned gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  void *hStream;
  LaunchAttribute *attrs;
  unsigned numAttrs;
} LaunchConfig;
CUresult cuLaunchKernelEx(const LaunchConfig *config, void *function,
                          void **params, void **extra) {
  int programmatic = 0;
  for (unsigned i = 0; i < config->numAttrs; ++i)
    if (config->attrs[i].id == 6)
      programmatic = config->attrs[i].value.value == 1;
  FILE *file = logFile();
  if (file && programmatic)
    fprintf(file, "programmatic %s\n", ((Function *)function)->name);
  return cuLaunchKernel(function, config->gridDimX, config->gridDimY,
                        config->gridDimZ, config->blockDimX, config->blockDimY,
                        config->blockDimZ, config->sharedMemBytes,
                        config->hStream, params, extra);
}

/* Graphs: a node list in order (the driver builds chains); an executable
 * graph is a copy of its graph's nodes that set-params calls change. */
typedef struct {
  void *func;
  unsigned gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  void **kernelParams, **extra;
  void *kern, *ctx;
} KernelParams;
typedef struct {
  CUdeviceptr dst;
  size_t pitch;
  unsigned value, elementSize;
  size_t width, height;
} MemsetParams;
typedef struct {
  size_t index;
  /* Added without its edge to the node before (cuGraphAddDependencies
   * follows); over a programmatic edge. */
  int unlinked, programmatic;
  Function *function; /* NULL: a memset */
  unsigned gridX, blockX;
  unsigned char *params;
  MemsetParams memset;
} Node;
typedef struct {
  Node **nodes;
  size_t count;
} Graph;
typedef struct {
  Node *nodes;
  size_t count;
} Exec;

CUresult cuGraphCreate(Graph **graph, unsigned flags) {
  *graph = calloc(1, sizeof(Graph));
  return 0;
}
CUresult cuGraphDestroy(Graph *graph) {
  for (size_t i = 0; i < graph->count; ++i) {
    free(graph->nodes[i]->params);
    free(graph->nodes[i]);
  }
  free(graph->nodes);
  free(graph);
  return 0;
}
static Node *addNode(Graph *graph, Node **dependencies, size_t count) {
  /* Only chains: each node after the one before, or with no dependency
   * yet (cuGraphAddDependencies_v2 must then add that edge). */
  if (count > 1 || (count && (!graph->count ||
                              dependencies[0] != graph->nodes[graph->count - 1])))
    return NULL;
  graph->nodes = realloc(graph->nodes, (graph->count + 1) * sizeof(Node *));
  Node *node = calloc(1, sizeof(Node));
  node->index = graph->count;
  node->unlinked = graph->count > 0 && count == 0;
  graph->nodes[graph->count++] = node;
  return node;
}
/* CUgraphEdgeData: a programmatic edge has from_port 1 and type 1. */
typedef struct {
  unsigned char from_port, to_port, type, reserved[5];
} EdgeData;
CUresult cuGraphAddDependencies_v2(Graph *graph, Node **from, Node **to,
                                   const EdgeData *edges, size_t count) {
  if (count != 1 || !to[0]->unlinked || to[0]->index == 0 ||
      graph->nodes[to[0]->index - 1] != from[0] ||
      failing("cuGraphAddDependencies_v2"))
    return INVALID_VALUE;
  int programmatic = edges && edges->type == 1;
  if (programmatic && (edges->from_port != 1 || !from[0]->function ||
                       !to[0]->function))
    return INVALID_VALUE; /* between kernels, from the programmatic port */
  to[0]->unlinked = 0;
  to[0]->programmatic = programmatic;
  return 0;
}
static void setKernel(Node *node, const KernelParams *p) {
  node->function = p->func;
  node->gridX = p->gridDimX;
  node->blockX = p->blockDimX;
  free(node->params);
  node->params = packParams(node->function, p->kernelParams);
}
CUresult cuGraphAddKernelNode_v2(Node **node, Graph *graph, Node **deps,
                                 size_t count, const KernelParams *p) {
  if (!p->func || !((Function *)p->func)->known ||
      !(*node = addNode(graph, deps, count)))
    return INVALID_VALUE;
  setKernel(*node, p);
  return 0;
}
CUresult cuGraphAddMemsetNode(Node **node, Graph *graph, Node **deps,
                              size_t count, const MemsetParams *p, void *ctx) {
  if (p->elementSize != 1 || p->height != 1 ||
      !(*node = addNode(graph, deps, count)))
    return INVALID_VALUE;
  (*node)->memset = *p;
  return 0;
}
CUresult cuGraphInstantiateWithFlags(Exec **exec, Graph *graph,
                                     unsigned long long flags) {
  if (failing("cuGraphInstantiateWithFlags"))
    return INVALID_VALUE;
  for (size_t i = 0; i < graph->count; ++i)
    if (graph->nodes[i]->unlinked)
      return INVALID_VALUE; /* not a chain */
  *exec = calloc(1, sizeof(Exec));
  (*exec)->count = graph->count;
  (*exec)->nodes = calloc(graph->count + 1, sizeof(Node));
  for (size_t i = 0; i < graph->count; ++i) {
    Node *node = &(*exec)->nodes[i];
    *node = *graph->nodes[i];
    if (node->function) {
      node->params = malloc(node->function->bytes + 1);
      memcpy(node->params, graph->nodes[i]->params, node->function->bytes);
    }
  }
  FILE *file = logFile();
  if (file)
    fprintf(file, "graph-instantiate %zu\n", graph->count);
  return 0;
}
CUresult cuGraphExecDestroy(Exec *exec) {
  for (size_t i = 0; i < exec->count; ++i)
    free(exec->nodes[i].params);
  free(exec->nodes);
  free(exec);
  return 0;
}
static Node *execNode(Exec *exec, Node *node) {
  return node && node->index < exec->count ? &exec->nodes[node->index] : NULL;
}
CUresult cuGraphExecKernelNodeSetParams_v2(Exec *exec, Node *node,
                                           const KernelParams *p) {
  Node *target = execNode(exec, node);
  if (!target || !target->function ||
      failing("cuGraphExecKernelNodeSetParams_v2"))
    return INVALID_VALUE;
  setKernel(target, p);
  FILE *file = logFile();
  if (file)
    fprintf(file, "graph-set %zu\n", node->index);
  return 0;
}
CUresult cuGraphExecMemsetNodeSetParams(Exec *exec, Node *node,
                                        const MemsetParams *p, void *ctx) {
  Node *target = execNode(exec, node);
  if (!target || target->function)
    return INVALID_VALUE;
  target->memset = *p;
  FILE *file = logFile();
  if (file)
    fprintf(file, "graph-set %zu\n", node->index);
  return 0;
}
CUresult cuGraphLaunch(Exec *exec, void *s) {
  if (s != &stream)
    return INVALID_HANDLE;
  FILE *file = logFile();
  if (file)
    fprintf(file, "graph-launch %zu\n", exec->count);
  for (size_t i = 0; i < exec->count; ++i) {
    Node *node = &exec->nodes[i];
    if (node->programmatic && file)
      fprintf(file, "programmatic %s\n", node->function->name);
    if (node->function)
      logLaunch(node->function, node->gridX, node->blockX, node->params);
    else
      memset((void *)(uintptr_t)node->memset.dst, (int)node->memset.value,
             node->memset.width);
  }
  return 0;
}
