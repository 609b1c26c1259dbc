//===- Session.h - running a model on a device ------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A Session binds an Artifact to a Device: it loads the executables, binds
// every parameter straight from the artifact's mapping, allocates the KV
// cache and the logits, and runs the entry points `prefill` and `decode` at
// the current position. The runtime never does model math itself; it checks
// what the compiled code cannot (token ids in the vocabulary, room in the
// cache) so bad input is an error, never an out-of-bounds write.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_SESSION_SESSION_H
#define QUANTFORGE_RUNTIME_SESSION_SESSION_H

#include "runtime/artifact/Artifact.h"
#include "runtime/driver/Device.h"
#include "runtime/session/KvBlockPool.h"

#include <memory>

namespace qf {

/// Float32 logits [rows, vocab] of the last call, valid until the next one.
struct LogitsView {
  const float *data = nullptr;
  int64_t rows = 0;
  int64_t vocab = 0;

  const float *row(int64_t index) const { return data + index * vocab; }
  /// The logits of the last token: the distribution of the next one.
  const float *last() const { return row(rows - 1); }
};

class Session {
public:
  /// Prepares `artifact` to run on `device`; an error if the device cannot
  /// run the artifact's target or an executable does not load. A paged
  /// artifact takes its blocks from `pool` (shared with other sessions on
  /// `device`), or without one from a pool of its own that holds one full
  /// context.
  static Result<std::unique_ptr<Session>>
  create(Artifact artifact, std::shared_ptr<Device> device,
         std::shared_ptr<KvBlockPool> pool = nullptr);
  ~Session();
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  /// Runs `prefill` on `count` tokens at the current position and advances
  /// it; returns the logits of every token.
  Result<LogitsView> prefill(const int32_t *tokens, size_t count);
  Result<LogitsView> prefill(const std::vector<int32_t> &tokens) {
    return prefill(tokens.data(), tokens.size());
  }
  /// Runs `decode` on one token at the current position and advances it.
  Result<LogitsView> decode(int32_t token);

  /// Starts a new sequence at position 0. The cache is not cleared: compiled
  /// code attends only to positions before the current ones, which every
  /// sequence writes before it reads them.
  /// A paged cache gives its blocks back to the pool.
  void reset();

  /// Tokens in the cache.
  int64_t position() const { return position_; }
  /// Tokens the cache holds at most.
  int64_t capacity() const { return artifact_.kvCache().capacity; }
  int64_t vocabSize() const { return artifact_.config().vocabSize; }
  const Artifact &artifact() const { return artifact_; }
  /// The pool of a paged cache, else null.
  const std::shared_ptr<KvBlockPool> &blockPool() const { return pool_; }
  /// Bytes of KV cache memory this session reserves: the whole contiguous
  /// cache, or the pool of a paged one.
  int64_t kvCacheBytes() const;
  Device &device() { return *device_; }
  /// The KV cache elements of storage group `group`, laid out as
  /// artifact().kvCache().shape(group) (the pool of a paged cache; for
  /// tests).
  Buffer &kvCacheBuffer(size_t group = 0) {
    return pool_ ? pool_->data(group) : *kvArrays_.data[group];
  }

private:
  struct Entry;
  Session(Artifact artifact, std::shared_ptr<Device> device);
  Status bind();
  Result<LogitsView> run(Entry &entry, const int32_t *tokens, size_t count);
  /// Grows a buffer to at least `bytes`; contents are not kept.
  Status reserve(std::unique_ptr<Buffer> &buffer, size_t bytes);
  /// Takes pool blocks until positions [0, end) have one, and writes the
  /// block table.
  Status ensureBlocks(int64_t end);

  Artifact artifact_;
  std::shared_ptr<Device> device_;
  std::vector<std::unique_ptr<LoadedExecutable>> executables_;
  std::vector<std::unique_ptr<Buffer>> parameters_;
  KvArrays kvArrays_; // a contiguous cache's

  std::shared_ptr<KvBlockPool> pool_;
  std::unique_ptr<Buffer> blockTable_;
  std::vector<int32_t> blocks_;
  std::unique_ptr<Buffer> tokens_;
  std::unique_ptr<Buffer> logits_;
  std::unique_ptr<Entry> prefill_;
  std::unique_ptr<Entry> decode_;
  std::vector<float> hostLogits_;
  int64_t position_ = 0;
};

} // namespace qf

#endif // QUANTFORGE_RUNTIME_SESSION_SESSION_H
