//===- ThreadPool.cpp - the threads compiled CPU kernels run on -----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/driver/cpu/ThreadPool.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

namespace qf {

namespace {

/// How long a thread polls before it sleeps on a condition variable: a
/// forward pass runs its loops back to back, and waking a sleeping thread
/// costs more than most of decode's kernels.
constexpr std::chrono::microseconds kSpinTime(200);

/// Set on workers, and on a caller while its loop runs: a loop started
/// there runs serially.
thread_local bool insideLoop = false;

void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#else
  std::this_thread::yield();
#endif
}

/// Polls `done` for up to kSpinTime.
template <typename Predicate> void spinUntil(Predicate done) {
  auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  for (unsigned i = 1; !done(); ++i) {
    cpuRelax();
    if (i % 64 == 0 && std::chrono::steady_clock::now() > deadline)
      return;
  }
}

} // namespace

ThreadPool::ThreadPool(unsigned threads) {
  for (unsigned i = 1; i < threads; ++i)
    workers_.emplace_back([this] { workerMain(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread &worker : workers_)
    worker.join();
}

int64_t ThreadPool::chunkBegin(unsigned chunk) const {
  // The first count_ % chunks_ chunks get one iteration more; no product of
  // two counts, so no overflow for any [lo, hi).
  uint64_t base = count_ / chunks_, extra = count_ % chunks_;
  return int64_t(uint64_t(lo_) + chunk * base +
                 std::min<uint64_t>(chunk, extra));
}

void ThreadPool::runChunks(std::unique_lock<std::mutex> &lock) {
  while (nextChunk_ < chunks_) {
    unsigned chunk = nextChunk_++;
    qf_parallel_body body = body_;
    void *context = context_;
    int64_t begin = chunkBegin(chunk), end = chunkBegin(chunk + 1);
    lock.unlock();
    body(context, begin, end);
    lock.lock();
    // Release: the caller reads the chunk's results after seeing zero.
    if (unfinished_.fetch_sub(1, std::memory_order_release) == 1)
      finished_.notify_all();
  }
}

void ThreadPool::workerMain() {
  insideLoop = true;
  uint64_t seen = 0;
  for (;;) {
    spinUntil(
        [&] { return generation_.load(std::memory_order_relaxed) != seen; });
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait(lock, [&] {
      return stop_ || generation_.load(std::memory_order_relaxed) != seen;
    });
    if (stop_)
      return;
    seen = generation_.load(std::memory_order_relaxed);
    runChunks(lock);
  }
}

void ThreadPool::parallelFor(qf_parallel_body body, void *context, int64_t lo,
                             int64_t hi) {
  if (hi <= lo)
    return;
  uint64_t count = uint64_t(hi) - uint64_t(lo);
  unsigned chunks = unsigned(std::min<uint64_t>(count, size()));
  std::unique_lock<std::mutex> loop(loopMutex_, std::defer_lock);
  if (chunks < 2 || insideLoop || !loop.try_lock()) {
    body(context, lo, hi);
    return;
  }
  insideLoop = true;
  std::unique_lock<std::mutex> lock(mutex_);
  body_ = body;
  context_ = context;
  lo_ = lo;
  count_ = count;
  chunks_ = chunks;
  nextChunk_ = 0;
  unfinished_.store(chunks, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_relaxed);
  wake_.notify_all();
  runChunks(lock);
  // Workers finish their chunks soon after ours; spin before sleeping.
  lock.unlock();
  spinUntil([&] { return unfinished_.load(std::memory_order_acquire) == 0; });
  lock.lock();
  finished_.wait(
      lock, [&] { return unfinished_.load(std::memory_order_acquire) == 0; });
  insideLoop = false;
}

unsigned threadCountFromEnvironment(const char *value) {
  if (value && *value) {
    char *end = nullptr;
    unsigned long threads = std::strtoul(value, &end, 10);
    if (*end == '\0' && threads >= 1 && threads <= 1024 && value[0] != '-')
      return unsigned(threads);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

ThreadPool &processThreadPool() {
  static ThreadPool pool(
      threadCountFromEnvironment(std::getenv("QF_NUM_THREADS")));
  return pool;
}

} // namespace qf

extern "C" void qf_parallel_for(qf_parallel_body body, void *context,
                                int64_t lo, int64_t hi) {
  qf::processThreadPool().parallelFor(body, context, lo, hi);
}
