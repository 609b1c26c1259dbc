/*===- FakeModel.c - a "model" with logits known in closed form -----------===*\
|*                                                                            *|
|* Part of QuantForge.                                                        *|
|*                                                                            *|
|* The session tests run this as a compiled model. Arguments: tokens,         *|
|* start_pos, kv_cache [1, 2, 1, capacity, 2] f32, bias [vocab] f32, logits.  *|
|* Each token writes its id into the cache at its position; its logits row is *|
|*   bias[j] + 10 * (j == (token + 1) % vocab) + 5 * (j == S % vocab)         *|
|* where S is the sum of the ids cached at positions 0..pos, so rows depend   *|
|* on start_pos and on what earlier calls left in the cache. A descriptor     *|
|* that breaks the ABI (strides, a misaligned parameter, decode given more    *|
|* than one token) turns the logits into NaN.                                 *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include <math.h>
#include <stdint.h>

typedef struct {
  int32_t *allocated;
  int32_t *aligned;
  int64_t offset;
  int64_t sizes[1];
  int64_t strides[1];
} Tokens;

typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[5];
  int64_t strides[5];
} Cache;

typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[1];
  int64_t strides[1];
} Vector;

typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
} Matrix;

static void run(void **args, int ok) {
  const Tokens *tokens = args[0];
  int64_t start = *(const int64_t *)args[1];
  Cache *cache = args[2];
  const Vector *bias = args[3];
  Matrix *logits = args[4];
  int64_t count = tokens->sizes[0], vocab = logits->sizes[1];
  ok = ok && logits->sizes[0] == count && bias->sizes[0] == vocab &&
       ((uintptr_t)bias->aligned % 64) == 0 && cache->strides[4] == 1 &&
       cache->strides[3] == cache->sizes[4] && start + count <= cache->sizes[3];
  for (int64_t i = 0; i < count && ok; ++i) {
    int64_t position = start + i;
    int32_t token = tokens->aligned[i];
    cache->aligned[position * cache->strides[3]] = (float)token;
    int64_t sum = 0;
    for (int64_t p = 0; p <= position; ++p)
      sum += (int64_t)cache->aligned[p * cache->strides[3]];
    float *row = logits->aligned + i * logits->strides[0];
    for (int64_t j = 0; j < vocab; ++j)
      row[j] = bias->aligned[j];
    row[(token + 1) % vocab] += 10.0f;
    row[sum % vocab] += 5.0f;
  }
  if (!ok)
    for (int64_t i = 0; i < count * vocab; ++i)
      logits->aligned[i] = NAN;
}

void fake_prefill(void **args) { run(args, 1); }

void fake_decode(void **args) {
  run(args, ((const Tokens *)args[0])->sizes[0] == 1);
}

/* The same model on a paged cache: tokens, start_pos, a pool
 * [blocks, 1, 2, 1, block, 2] f32, the block table [capacity / block] i32,
 * bias, logits. Position p lives in pool block table[p / block], slot
 * p % block; a block index outside the pool turns the logits into NaN. */
typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[6];
  int64_t strides[6];
} Pool;

typedef struct {
  int32_t *allocated;
  int32_t *aligned;
  int64_t offset;
  int64_t sizes[1];
  int64_t strides[1];
} Table;

void fake_paged_step(void **args) {
  const Tokens *tokens = args[0];
  int64_t start = *(const int64_t *)args[1];
  Pool *pool = args[2];
  const Table *table = args[3];
  const Vector *bias = args[4];
  Matrix *logits = args[5];
  int64_t count = tokens->sizes[0], vocab = logits->sizes[1];
  int64_t block = pool->sizes[4];
  int ok = logits->sizes[0] == count && bias->sizes[0] == vocab &&
           start + count <= table->sizes[0] * block;
  for (int64_t p = 0; p < start + count && ok; ++p)
    ok = table->aligned[p / block] >= 0 &&
         table->aligned[p / block] < pool->sizes[0];
#define SLOT(p) (pool->aligned[table->aligned[(p) / block] * pool->strides[0] + \
                               ((p) % block) * pool->strides[4]])
  for (int64_t i = 0; i < count && ok; ++i) {
    int64_t position = start + i;
    int32_t token = tokens->aligned[i];
    SLOT(position) = (float)token;
    int64_t sum = 0;
    for (int64_t p = 0; p <= position; ++p)
      sum += (int64_t)SLOT(p);
    float *row = logits->aligned + i * logits->strides[0];
    for (int64_t j = 0; j < vocab; ++j)
      row[j] = bias->aligned[j];
    row[(token + 1) % vocab] += 10.0f;
    row[sum % vocab] += 5.0f;
  }
#undef SLOT
  if (!ok)
    for (int64_t i = 0; i < count * vocab; ++i)
      logits->aligned[i] = NAN;
}
