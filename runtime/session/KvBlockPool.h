//===- KvBlockPool.h - blocks of a paged KV cache ---------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A paged cache (docs/kv-cache.md) keeps tokens in fixed-size blocks taken
// from one pool, as vLLM's PagedAttention does: sessions of one model share
// the pool and hold only the blocks their tokens fill, so memory is not
// reserved for contexts that are never reached and is not fragmented. The
// pool owns the device buffers of elements (and scales), one per storage
// group of a mixed cache (a block index names the same block in each), and
// a free list; sessions take blocks as tokens are appended and give them
// back on reset.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_SESSION_KVBLOCKPOOL_H
#define QUANTFORGE_RUNTIME_SESSION_KVBLOCKPOOL_H

#include "runtime/artifact/Artifact.h"
#include "runtime/driver/Device.h"

#include <memory>
#include <vector>

namespace qf {

/// The device arrays of a KV cache, one per storage group of KvCacheInfo:
/// elements, and scales for groups that have them (null otherwise).
struct KvArrays {
  std::vector<std::unique_ptr<Buffer>> data;
  std::vector<std::unique_ptr<Buffer>> scales;

  /// The arrays of `kv`: a whole contiguous cache, or `blocks` blocks of a
  /// paged one.
  static Result<KvArrays> allocate(Device &device, const KvCacheInfo &kv,
                                   int64_t blocks = 0);
};

class KvBlockPool {
public:
  /// A pool of `blocks` blocks of the paged cache `kv` on `device`.
  static Result<std::shared_ptr<KvBlockPool>>
  create(Device &device, const KvCacheInfo &kv, int64_t blocks);

  /// A free block, or "KV cache full: ..." when every block is in use.
  Result<int32_t> allocate();
  /// Returns a block from allocate() to the pool.
  void release(int32_t block);

  int64_t blocks() const { return blocks_; }
  int64_t blocksInUse() const { return blocks_ - int64_t(free_.size()); }
  int64_t blockSize() const { return kv_.blockSize; }
  const KvCacheInfo &kvCache() const { return kv_; }
  /// The elements of storage group `group`.
  Buffer &data(size_t group = 0) { return *arrays_.data[group]; }
  /// Null when the group has no scales.
  Buffer *scales(size_t group = 0) { return arrays_.scales[group].get(); }

private:
  KvBlockPool(const KvCacheInfo &kv, int64_t blocks) : kv_(kv), blocks_(blocks) {}

  KvCacheInfo kv_;
  int64_t blocks_;
  KvArrays arrays_;
  /// Free block indices; the lowest is handed out first.
  std::vector<int32_t> free_;
};

} // namespace qf

#endif // QUANTFORGE_RUNTIME_SESSION_KVBLOCKPOOL_H
