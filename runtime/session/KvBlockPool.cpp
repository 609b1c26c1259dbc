//===- KvBlockPool.cpp - blocks of a paged KV cache -----------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/session/KvBlockPool.h"

#include <algorithm>
#include <functional>

namespace qf {

namespace {
/// Bytes of `shape` elements of `dtype`.
size_t arrayBytes(const std::vector<int64_t> &shape, const std::string &dtype) {
  size_t bytes = dtypeSize(dtype).value_or(0);
  for (int64_t dim : shape)
    bytes *= size_t(dim);
  return bytes;
}
} // namespace

Result<KvArrays> KvArrays::allocate(Device &device, const KvCacheInfo &kv,
                                    int64_t blocks) {
  KvArrays arrays;
  for (size_t g = 0; g < kv.groups.size(); ++g) {
    const KvGroupInfo &group = kv.groups[g];
    std::string what = kv.groups.size() == 1
                           ? std::string("KV cache")
                           : "KV cache group " + std::to_string(g);
    Result<std::unique_ptr<Buffer>> data =
        device.allocate(arrayBytes(kv.shape(g, blocks), group.dtype));
    if (!data)
      return Status::error(what + ": " + data.message());
    arrays.data.push_back(data.take());
    std::unique_ptr<Buffer> scales;
    if (!group.scaleDtype.empty()) {
      Result<std::unique_ptr<Buffer>> allocated = device.allocate(
          arrayBytes(kv.scaleShape(g, blocks), group.scaleDtype));
      if (!allocated)
        return Status::error(what + " scales: " + allocated.message());
      scales = allocated.take();
    }
    arrays.scales.push_back(std::move(scales));
  }
  return arrays;
}

Result<std::shared_ptr<KvBlockPool>>
KvBlockPool::create(Device &device, const KvCacheInfo &kv, int64_t blocks) {
  if (!kv.paged())
    return Status::error("KV block pool: the cache is not paged");
  if (blocks <= 0 || blocks > INT32_MAX)
    return Status::error("KV block pool: " + std::to_string(blocks) +
                         " blocks is not a positive 32-bit count");
  std::shared_ptr<KvBlockPool> pool(new KvBlockPool(kv, blocks));
  Result<KvArrays> arrays = KvArrays::allocate(device, kv, blocks);
  if (!arrays)
    return Status::error("KV cache pool of " + std::to_string(blocks) +
                         " blocks: " + arrays.message());
  pool->arrays_ = arrays.take();
  // A stack sorted descending: allocation hands out the lowest block.
  for (int64_t i = blocks - 1; i >= 0; --i)
    pool->free_.push_back(int32_t(i));
  return pool;
}

Result<int32_t> KvBlockPool::allocate() {
  if (free_.empty())
    return Status::error("KV cache full: " + std::to_string(blocks_) + " of " +
                         std::to_string(blocks_) + " blocks of " +
                         std::to_string(kv_.blockSize) + " tokens in use");
  int32_t block = free_.back();
  free_.pop_back();
  return block;
}

void KvBlockPool::release(int32_t block) {
  // Keep the stack sorted descending so that allocation stays lowest-first.
  auto at = std::lower_bound(free_.begin(), free_.end(), block,
                             std::greater<int32_t>());
  free_.insert(at, block);
}

} // namespace qf
