//===- KvBlockPoolTest.cpp - the paged KV cache's block pool --------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/session/KvBlockPool.h"
#include "runtime/session/Session.h"
#include "test/unit/session/FakeModel.h"

#include <gtest/gtest.h>

using namespace qf;
using namespace qf::test;

namespace {

KvCacheInfo pagedCache(int64_t blockSize) {
  return KvCacheInfo::uniform(1, 1, 8, 2, "f32", "", blockSize);
}

TEST(KvBlockPool, HandsOutLowestBlocksUntilFull) {
  std::unique_ptr<Device> device = createCpuDevice();
  Result<std::shared_ptr<KvBlockPool>> pool =
      KvBlockPool::create(*device, pagedCache(2), 3);
  ASSERT_TRUE(pool.ok()) << pool.message();
  KvBlockPool &blocks = **pool;
  // [3 blocks, 1 layer, K|V, 1 head, 2 tokens, 2 dims] of f32.
  EXPECT_GE(blocks.data().size(), size_t(3 * 2 * 2 * 2 * 4));
  EXPECT_EQ(blocks.scales(), nullptr);
  EXPECT_EQ(*blocks.allocate(), 0);
  EXPECT_EQ(*blocks.allocate(), 1);
  EXPECT_EQ(*blocks.allocate(), 2);
  EXPECT_EQ(blocks.blocksInUse(), 3);
  Result<int32_t> full = blocks.allocate();
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.message(), "KV cache full: 3 of 3 blocks of 2 tokens in use");
  blocks.release(2);
  blocks.release(0);
  EXPECT_EQ(blocks.blocksInUse(), 1);
  EXPECT_EQ(*blocks.allocate(), 0);
  EXPECT_EQ(*blocks.allocate(), 2);
}

TEST(KvBlockPool, ScalesGetTheirOwnBuffer) {
  std::unique_ptr<Device> device = createCpuDevice();
  KvCacheInfo kv = pagedCache(4);
  kv.groups[0].dtype = "i8";
  kv.groups[0].scaleDtype = "f32";
  Result<std::shared_ptr<KvBlockPool>> pool = KvBlockPool::create(*device, kv, 2);
  ASSERT_TRUE(pool.ok()) << pool.message();
  ASSERT_NE((*pool)->scales(), nullptr);
  // [2, 1, 2, 1, 4] scales of f32; [2, 1, 2, 1, 4, 2] elements of i8.
  EXPECT_GE((*pool)->scales()->size(), size_t(2 * 2 * 4 * 4));
  EXPECT_GE((*pool)->data().size(), size_t(2 * 2 * 4 * 2));
}

TEST(KvBlockPool, RejectsContiguousCachesAndEmptyPools) {
  std::unique_ptr<Device> device = createCpuDevice();
  Result<std::shared_ptr<KvBlockPool>> contiguous =
      KvBlockPool::create(*device, pagedCache(0), 4);
  ASSERT_FALSE(contiguous.ok());
  EXPECT_EQ(contiguous.message(), "KV block pool: the cache is not paged");
  Result<std::shared_ptr<KvBlockPool>> empty =
      KvBlockPool::create(*device, pagedCache(2), 0);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.message(),
            "KV block pool: 0 blocks is not a positive 32-bit count");
}

void expectRow(const float *row, const std::vector<float> &expected) {
  for (size_t j = 0; j < expected.size(); ++j)
    ASSERT_EQ(row[j], expected[j]) << "logit " << j;
}

std::unique_ptr<Session> pagedSession(std::shared_ptr<Device> device,
                                      std::shared_ptr<KvBlockPool> pool) {
  FakeModelOptions options;
  options.blockSize = 2;
  Result<Artifact> artifact = openFakeModel(options);
  EXPECT_TRUE(artifact.ok()) << artifact.message();
  Result<std::unique_ptr<Session>> session =
      Session::create(artifact.take(), std::move(device), std::move(pool));
  EXPECT_TRUE(session.ok()) << session.message();
  return session.take();
}

TEST(KvBlockPool, SessionsShareAPool) {
  std::shared_ptr<Device> device = createCpuDevice();
  Result<std::shared_ptr<KvBlockPool>> created =
      KvBlockPool::create(*device, pagedCache(2), 5);
  ASSERT_TRUE(created.ok()) << created.message();
  std::shared_ptr<KvBlockPool> pool = created.take();
  std::unique_ptr<Session> a = pagedSession(device, pool);
  std::unique_ptr<Session> b = pagedSession(device, pool);

  // Interleaved sequences in one pool: each sees only its own tokens (the
  // fake model's logits depend on the sum of the cached ids).
  Result<LogitsView> logits = a->prefill({3, 1, 4});
  ASSERT_TRUE(logits.ok()) << logits.message();
  expectRow(logits->last(), fakeRow(4, 8, 16));
  logits = b->prefill({5, 9, 2, 6});
  ASSERT_TRUE(logits.ok()) << logits.message();
  expectRow(logits->last(), fakeRow(6, 22, 16));
  EXPECT_EQ(pool->blocksInUse(), 4);
  logits = a->decode(1); // position 3: still A's second block
  ASSERT_TRUE(logits.ok()) << logits.message();
  expectRow(logits->last(), fakeRow(1, 9, 16));
  EXPECT_EQ(pool->blocksInUse(), 4);
  logits = a->decode(5); // position 4: A's third block, the last free one
  ASSERT_TRUE(logits.ok()) << logits.message();
  expectRow(logits->last(), fakeRow(5, 14, 16));
  EXPECT_EQ(pool->blocksInUse(), 5);

  // B needs a block for position 4: a clean error, and B is unchanged.
  logits = b->decode(7);
  ASSERT_FALSE(logits.ok());
  EXPECT_EQ(logits.message(), "KV cache full: 5 of 5 blocks of 2 tokens in use");
  EXPECT_EQ(b->position(), 4);

  // A new sequence in A frees A's blocks, and B goes on where it was.
  a->reset();
  EXPECT_EQ(pool->blocksInUse(), 2);
  logits = b->decode(7);
  ASSERT_TRUE(logits.ok()) << logits.message();
  expectRow(logits->last(), fakeRow(7, 29, 16));
  EXPECT_EQ(pool->blocksInUse(), 3);
  b.reset();
  EXPECT_EQ(pool->blocksInUse(), 0);
}

TEST(KvBlockPool, SessionWithoutAPoolOwnsOneContext) {
  FakeModelOptions options;
  options.blockSize = 2;
  Result<Artifact> artifact = openFakeModel(options);
  ASSERT_TRUE(artifact.ok()) << artifact.message();
  Result<std::unique_ptr<Session>> session =
      Session::create(artifact.take(), createCpuDevice());
  ASSERT_TRUE(session.ok()) << session.message();
  ASSERT_NE((*session)->blockPool(), nullptr);
  EXPECT_EQ((*session)->blockPool()->blocks(), 4);
  ASSERT_TRUE((*session)->prefill({1, 2, 3, 4, 5, 6, 7, 8}).ok());
  EXPECT_EQ((*session)->blockPool()->blocksInUse(), 4);
  Result<LogitsView> logits = (*session)->decode(1);
  ASSERT_FALSE(logits.ok());
  EXPECT_EQ(logits.message(), "context full: 9 tokens > capacity 8");
}

} // namespace
