//===- ThreadPool.h - the threads compiled CPU kernels run on ---*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The runtime owns the threads, not the compiled code (as in IREE): a CPU
// executable splits each of its parallel loops by calling qf_parallel_for,
// which every process that loads executables exports to them
// (docs/artifact-and-abi.md). Artifacts thus depend on no threading library.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_DRIVER_CPU_THREADPOOL_H
#define QUANTFORGE_RUNTIME_DRIVER_CPU_THREADPOOL_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

extern "C" {
/// The body of a parallel loop: runs iterations [begin, end) of it.
typedef void (*qf_parallel_body)(void *context, int64_t begin, int64_t end);

/// Runs `body` over [lo, hi) on the process's thread pool, in contiguous
/// chunks that cover every iteration exactly once, and returns when all have
/// finished. The calling thread runs chunks too.
void qf_parallel_for(qf_parallel_body body, void *context, int64_t lo,
                     int64_t hi);
}

namespace qf {

/// A fixed set of threads that run the chunks of one loop at a time.
class ThreadPool {
public:
  /// A pool that runs loops on `threads` threads: the caller and
  /// `threads - 1` workers (at least none).
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  /// The threads a loop runs on, the caller included.
  unsigned size() const { return unsigned(workers_.size()) + 1; }

  /// Runs `body` over [lo, hi) in at most size() contiguous chunks and waits
  /// for them. A call from inside a body, or while another thread's loop
  /// holds the pool, runs the whole range on the calling thread: nesting
  /// cannot deadlock and concurrent sessions still make progress.
  void parallelFor(qf_parallel_body body, void *context, int64_t lo,
                   int64_t hi);

private:
  void workerMain();
  /// Claims and runs chunks of the current loop until none is left.
  void runChunks(std::unique_lock<std::mutex> &lock);
  int64_t chunkBegin(unsigned chunk) const;

  std::vector<std::thread> workers_;
  /// Held by the thread whose loop the pool runs.
  std::mutex loopMutex_;
  /// Guards the loop below, generation_ changes and stop_.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable finished_;
  qf_parallel_body body_ = nullptr;
  void *context_ = nullptr;
  int64_t lo_ = 0;
  uint64_t count_ = 0;
  unsigned chunks_ = 0;
  unsigned nextChunk_ = 0;
  /// Chunks claimed but not finished, or not claimed yet.
  std::atomic<unsigned> unfinished_{0};
  /// Counts loops; idle workers poll it before they sleep.
  std::atomic<uint64_t> generation_{0};
  bool stop_ = false;
};

/// The pool size QF_NUM_THREADS asks for: `value` if it is a positive
/// integer (at most 1024), otherwise the hardware's concurrency.
unsigned threadCountFromEnvironment(const char *value);

/// The pool qf_parallel_for uses, created on first use with
/// threadCountFromEnvironment(getenv("QF_NUM_THREADS")) threads.
ThreadPool &processThreadPool();

} // namespace qf

#endif // QUANTFORGE_RUNTIME_DRIVER_CPU_THREADPOOL_H
