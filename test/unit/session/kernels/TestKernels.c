/*===- TestKernels.c - dispatch symbols for the CPU driver tests ----------===*\
|*                                                                            *|
|* Part of QuantForge.                                                        *|
|*                                                                            *|
|* Built as a shared object at test build time and loaded from an artifact.   *|
|* Each symbol takes `void **args` per docs/artifact-and-abi.md and checks    *|
|* the descriptors it receives: a wrong layout shows up as NaN outputs.       *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include <math.h>
#include <stdint.h>

typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[1];
  int64_t strides[1];
} MemRef1;

typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
} MemRef2;

static int contiguous1(const MemRef1 *m) {
  return m->allocated == m->aligned && m->offset == 0 && m->strides[0] == 1;
}

/* out = a + scale * b; args: a, b, out (rank-1 f32), scale (int64). */
void qf_test_add(void **args) {
  const MemRef1 *a = args[0], *b = args[1];
  MemRef1 *out = args[2];
  int64_t scale = *(const int64_t *)args[3];
  int ok = contiguous1(a) && contiguous1(b) && contiguous1(out) &&
           a->sizes[0] == out->sizes[0] && b->sizes[0] == out->sizes[0];
  for (int64_t i = 0; i < out->sizes[0]; ++i)
    out->aligned[i] = ok ? a->aligned[i] + (float)scale * b->aligned[i] : NAN;
}

/* out[j][i] = in[i][j]; args: in [R, C], out [C, R] (f32). */
void qf_test_transpose(void **args) {
  const MemRef2 *in = args[0];
  MemRef2 *out = args[1];
  int ok = in->offset == 0 && out->offset == 0 &&
           in->strides[0] == in->sizes[1] && in->strides[1] == 1 &&
           out->strides[0] == out->sizes[1] && out->strides[1] == 1 &&
           in->sizes[0] == out->sizes[1] && in->sizes[1] == out->sizes[0];
  for (int64_t i = 0; i < in->sizes[0]; ++i)
    for (int64_t j = 0; j < in->sizes[1]; ++j)
      out->aligned[j * out->strides[0] + i] =
          ok ? in->aligned[i * in->strides[0] + j] : NAN;
}

/* The runtime's parallel loop (runtime/driver/cpu/ThreadPool.h), undefined
 * here as in compiled executables: loading proves the host exports it. */
void qf_parallel_for(void (*body)(void *, int64_t, int64_t), void *context,
                     int64_t lo, int64_t hi);

static void iotaChunk(void *context, int64_t begin, int64_t end) {
  MemRef1 *out = context;
  for (int64_t i = begin; i < end; ++i)
    out->aligned[i] = (float)i;
}

/* out[i] = i through qf_parallel_for; args: out (rank-1 f32). */
void qf_test_parallel_iota(void **args) {
  MemRef1 *out = args[0];
  qf_parallel_for(iotaChunk, out, 0, out->sizes[0]);
}
