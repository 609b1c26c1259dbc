//===- ThreadPoolTest.cpp - the threads compiled kernels run on -----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/driver/cpu/ThreadPool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <utility>

#include <dlfcn.h>

using namespace qf;

namespace {

/// What a loop did: every chunk, and how often each iteration ran.
struct Record {
  explicit Record(int64_t lo, int64_t hi) : lo(lo), runs(size_t(hi - lo)) {}

  static void body(void *context, int64_t begin, int64_t end) {
    auto *record = static_cast<Record *>(context);
    {
      std::lock_guard<std::mutex> lock(record->mutex);
      record->chunks.emplace_back(begin, end);
      record->threads.push_back(std::this_thread::get_id());
    }
    for (int64_t i = begin; i < end; ++i)
      record->runs[size_t(i - record->lo)].fetch_add(1);
  }

  /// Checks that the chunks tile [lo, hi) in at most `maxChunks` pieces
  /// whose sizes differ by at most one, and that each iteration ran once.
  void expectCovered(unsigned maxChunks) {
    std::sort(chunks.begin(), chunks.end());
    int64_t next = lo;
    int64_t smallest = INT64_MAX, largest = 0;
    for (auto [begin, end] : chunks) {
      EXPECT_EQ(begin, next);
      EXPECT_LT(begin, end);
      smallest = std::min(smallest, end - begin);
      largest = std::max(largest, end - begin);
      next = end;
    }
    EXPECT_EQ(next, lo + int64_t(runs.size()));
    EXPECT_LE(chunks.size(), maxChunks);
    if (!chunks.empty())
      EXPECT_LE(largest - smallest, 1);
    for (size_t i = 0; i < runs.size(); ++i)
      ASSERT_EQ(runs[i].load(), 1) << "iteration " << lo + int64_t(i);
  }

  int64_t lo;
  std::vector<std::atomic<int>> runs;
  std::mutex mutex;
  std::vector<std::pair<int64_t, int64_t>> chunks;
  std::vector<std::thread::id> threads;
};

TEST(ThreadPoolTest, CoversRandomRangesExactlyOnce) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int64_t> start(-1000, 1000), length(0, 3000);
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    ThreadPool pool(threads);
    ASSERT_EQ(pool.size(), threads);
    for (int round = 0; round < 50; ++round) {
      int64_t lo = start(rng), hi = lo + length(rng);
      Record record(lo, hi);
      pool.parallelFor(Record::body, &record, lo, hi);
      record.expectCovered(threads);
    }
  }
}

TEST(ThreadPoolTest, SplitsIntoBalancedContiguousChunks) {
  ThreadPool pool(4);
  Record record(0, 10);
  pool.parallelFor(Record::body, &record, 0, 10);
  std::sort(record.chunks.begin(), record.chunks.end());
  std::vector<std::pair<int64_t, int64_t>> want = {
      {0, 3}, {3, 6}, {6, 8}, {8, 10}};
  EXPECT_EQ(record.chunks, want);
}

TEST(ThreadPoolTest, EmptyAndReversedRangesRunNothing) {
  ThreadPool pool(2);
  Record record(5, 5);
  pool.parallelFor(Record::body, &record, 5, 5);
  pool.parallelFor(Record::body, &record, 7, 3);
  EXPECT_TRUE(record.chunks.empty());
}

TEST(ThreadPoolTest, ExtremeBoundsDoNotOverflow) {
  ThreadPool pool(3);
  std::vector<std::pair<int64_t, int64_t>> chunks;
  std::mutex mutex;
  struct Context {
    std::vector<std::pair<int64_t, int64_t>> *chunks;
    std::mutex *mutex;
  } context{&chunks, &mutex};
  pool.parallelFor(
      [](void *opaque, int64_t begin, int64_t end) {
        auto *context = static_cast<Context *>(opaque);
        std::lock_guard<std::mutex> lock(*context->mutex);
        context->chunks->emplace_back(begin, end);
      },
      &context, INT64_MIN, INT64_MAX);
  std::sort(chunks.begin(), chunks.end());
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks.front().first, INT64_MIN);
  EXPECT_EQ(chunks[0].second, chunks[1].first);
  EXPECT_EQ(chunks[1].second, chunks[2].first);
  EXPECT_EQ(chunks.back().second, INT64_MAX);
}

// Chunk 0 waits for chunk 1 to start: only a second thread can run it.
TEST(ThreadPoolTest, RunsChunksOnSeveralThreadsAtOnce) {
  ThreadPool pool(2);
  struct Rendezvous {
    std::atomic<bool> secondStarted{false};
    std::atomic<bool> timedOut{false};
  } rendezvous;
  pool.parallelFor(
      [](void *opaque, int64_t begin, int64_t) {
        auto *rendezvous = static_cast<Rendezvous *>(opaque);
        if (begin == 1) {
          rendezvous->secondStarted = true;
          return;
        }
        auto deadline =
            std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (!rendezvous->secondStarted)
          if (std::chrono::steady_clock::now() > deadline) {
            rendezvous->timedOut = true;
            return;
          }
      },
      &rendezvous, 0, 2);
  EXPECT_TRUE(rendezvous.secondStarted);
  EXPECT_FALSE(rendezvous.timedOut);
}

// A loop inside a body runs on that body's thread, whole, and does not
// deadlock on the busy pool.
TEST(ThreadPoolTest, NestedLoopsRunSeriallyInTheirChunk) {
  ThreadPool pool(4);
  struct Outer {
    ThreadPool *pool;
    std::atomic<int> mismatches{0};
    std::atomic<int64_t> inner{0};
  } outer{&pool};
  pool.parallelFor(
      [](void *opaque, int64_t begin, int64_t end) {
        auto *outer = static_cast<Outer *>(opaque);
        for (int64_t i = begin; i < end; ++i) {
          Record record(0, 100);
          outer->pool->parallelFor(Record::body, &record, 0, 100);
          record.expectCovered(1);
          if (record.threads.front() != std::this_thread::get_id())
            ++outer->mismatches;
          outer->inner += int64_t(record.chunks.size());
        }
      },
      &outer, 0, 16);
  EXPECT_EQ(outer.mismatches.load(), 0);
  EXPECT_EQ(outer.inner.load(), 16);
}

// Threads sharing a pool (sessions on several threads) each get every
// iteration of their own loops exactly once.
TEST(ThreadPoolTest, ConcurrentCallersShareThePool) {
  ThreadPool pool(3);
  std::vector<std::thread> callers;
  std::atomic<int> failures{0};
  for (int caller = 0; caller < 4; ++caller)
    callers.emplace_back([&pool, &failures, caller] {
      std::mt19937 rng(caller);
      std::uniform_int_distribution<int64_t> length(0, 500);
      for (int round = 0; round < 200; ++round) {
        int64_t hi = length(rng);
        Record record(0, hi);
        pool.parallelFor(Record::body, &record, 0, hi);
        for (const std::atomic<int> &runs : record.runs)
          if (runs.load() != 1)
            ++failures;
      }
    });
  for (std::thread &caller : callers)
    caller.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(ThreadPoolTest, OneThreadRunsTheWholeRangeOnTheCaller) {
  ThreadPool pool(1);
  Record record(-3, 40);
  pool.parallelFor(Record::body, &record, -3, 40);
  ASSERT_EQ(record.chunks.size(), 1u);
  EXPECT_EQ(record.threads.front(), std::this_thread::get_id());
  record.expectCovered(1);
}

TEST(ThreadPoolTest, ThreadCountComesFromTheEnvironment) {
  unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(threadCountFromEnvironment("1"), 1u);
  EXPECT_EQ(threadCountFromEnvironment("6"), 6u);
  for (const char *invalid : {"", "0", "-2", "two", "3x", "100000"})
    EXPECT_EQ(threadCountFromEnvironment(invalid), hardware) << invalid;
  EXPECT_EQ(threadCountFromEnvironment(nullptr), hardware);
}

// The process's pool is created once; a fresh process sees QF_NUM_THREADS.
TEST(ThreadPoolTest, QFNumThreadsSizesTheProcessPool) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("QF_NUM_THREADS", "1", 1);
        Record record(0, 64);
        qf_parallel_for(Record::body, &record, 0, 64);
        bool serial = record.chunks.size() == 1 &&
                      record.threads.front() == std::this_thread::get_id();
        std::exit(processThreadPool().size() == 1 && serial ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// Shared objects that the runtime dlopen()s find qf_parallel_for in the
// executable's dynamic symbol table.
TEST(ThreadPoolTest, ExecutablesExportParallelFor) {
  void *symbol = dlsym(RTLD_DEFAULT, "qf_parallel_for");
  EXPECT_EQ(symbol, reinterpret_cast<void *>(&qf_parallel_for));
  Record record(0, 1000);
  qf_parallel_for(Record::body, &record, 0, 1000);
  record.expectCovered(processThreadPool().size());
}

} // namespace
