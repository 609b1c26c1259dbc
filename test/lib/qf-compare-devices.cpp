//===- qf-compare-devices.cpp - test tool: one model on two devices -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
//   qf-compare-devices REF.qfa REF_DEVICE TEST.qfa TEST_DEVICE
//       [--tokens N] [--decode M] [--sequences S] [--seed X] [--tolerance T]
//
// Runs the same random tokens through two artifacts of one model (e.g. the
// CPU and the CUDA build) and compares every output the entry points write:
// the logits of each prefill and decode call, and the KV cache rows they
// filled. Relative error is ||test - ref|| / ||ref|| per call; any
// non-finite value fails (with QF_CUDA_POISON=1 the CUDA driver fills every
// allocation with NaN first, so an element no kernel wrote shows up).
// Later sequences reuse the session (reset, new tokens), as generation does.
// Exits 1 when a call exceeds the tolerance. Test-only.
//
//===----------------------------------------------------------------------===//

#include "runtime/session/Session.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

using namespace qf;

namespace {

struct Error {
  double relative = 0;
  int64_t nonFinite = 0;
};

Error compare(const float *test, const float *ref, size_t count) {
  double difference = 0, norm = 0;
  Error error;
  for (size_t i = 0; i < count; ++i) {
    if (!std::isfinite(test[i])) {
      ++error.nonFinite;
      continue;
    }
    double d = double(test[i]) - double(ref[i]);
    difference += d * d;
    norm += double(ref[i]) * double(ref[i]);
  }
  error.relative =
      norm > 0 ? std::sqrt(difference / norm) : std::sqrt(difference);
  return error;
}

/// The cache rows of positions [0, end) of every layer, K and V, head.
Result<std::vector<float>> cacheRows(Session &session, int64_t end) {
  const KvCacheInfo &kv = session.artifact().kvCache();
  std::vector<float> all(
      size_t(kv.layers * 2 * kv.kvHeads * kv.capacity * kv.headDim));
  QF_RETURN_IF_ERROR(session.device().read(
      session.kvCacheBuffer(), 0, all.data(), all.size() * sizeof(float)));
  std::vector<float> rows;
  size_t block = size_t(kv.capacity * kv.headDim);
  for (size_t start = 0; start < all.size(); start += block)
    rows.insert(rows.end(), all.begin() + start,
                all.begin() + start + size_t(end * kv.headDim));
  return rows;
}

int fail(const std::string &message) {
  std::fprintf(stderr, "qf-compare-devices: %s\n", message.c_str());
  return 2;
}

Result<std::unique_ptr<Session>> open(const std::string &path,
                                      const std::string &device) {
  Result<Artifact> artifact = Artifact::open(path);
  if (!artifact)
    return artifact.status();
  Result<std::unique_ptr<Device>> created = createDevice(device);
  if (!created)
    return created.status();
  return Session::create(artifact.take(),
                         std::shared_ptr<Device>(created.take()));
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 5)
    return fail("usage: REF.qfa REF_DEVICE TEST.qfa TEST_DEVICE [--tokens N] "
                "[--decode M] [--sequences S] [--seed X] [--tolerance T]");
  int64_t tokens = 37, decode = 8, sequences = 2;
  uint64_t seed = 1;
  double tolerance = 1e-4;
  for (int i = 5; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    const char *value = argv[i + 1];
    if (flag == "--tokens")
      tokens = std::atoll(value);
    else if (flag == "--decode")
      decode = std::atoll(value);
    else if (flag == "--sequences")
      sequences = std::atoll(value);
    else if (flag == "--seed")
      seed = std::strtoull(value, nullptr, 10);
    else if (flag == "--tolerance")
      tolerance = std::atof(value);
    else
      return fail("unknown option " + flag);
  }
  Result<std::unique_ptr<Session>> ref = open(argv[1], argv[2]);
  if (!ref)
    return fail(ref.message());
  Result<std::unique_ptr<Session>> test = open(argv[3], argv[4]);
  if (!test)
    return fail(test.message());
  auto isF32 = [](const KvCacheInfo &kv) {
    return kv.groups.size() == 1 && kv.groups[0].dtype == "f32";
  };
  bool compareCache = isF32((*ref)->artifact().kvCache()) &&
                      isF32((*test)->artifact().kvCache());

  std::mt19937_64 random(seed);
  int64_t vocab = (*ref)->vocabSize();
  double worst = 0;
  int64_t nonFinite = 0;
  auto check = [&](const char *what, int64_t sequence, int64_t step,
                   const Error &error) {
    std::printf("sequence %lld %s %lld: relative error %.3g%s\n",
                (long long)sequence, what, (long long)step, error.relative,
                error.nonFinite ? " NON-FINITE" : "");
    worst = std::max(worst, error.relative);
    nonFinite += error.nonFinite;
  };
  for (int64_t sequence = 0; sequence < sequences; ++sequence) {
    (*ref)->reset();
    (*test)->reset();
    std::vector<int32_t> prompt(size_t(tokens + sequence));
    for (int32_t &token : prompt)
      token = int32_t(random() % uint64_t(vocab));
    Result<LogitsView> a = (*ref)->prefill(prompt);
    if (!a)
      return fail(a.message());
    std::vector<float> expected(a->data, a->data + a->rows * a->vocab);
    Result<LogitsView> b = (*test)->prefill(prompt);
    if (!b)
      return fail(b.message());
    check("prefill", sequence, int64_t(prompt.size()),
          compare(b->data, expected.data(), expected.size()));
    for (int64_t step = 0; step < decode; ++step) {
      // Greedy on the reference, so both see the same tokens.
      const float *last = expected.data() + expected.size() - size_t(vocab);
      int32_t next = int32_t(std::max_element(last, last + vocab) - last);
      Result<LogitsView> c = (*ref)->decode(next);
      if (!c)
        return fail(c.message());
      expected.assign(c->data, c->data + vocab);
      Result<LogitsView> d = (*test)->decode(next);
      if (!d)
        return fail(d.message());
      check("decode", sequence, step,
            compare(d->data, expected.data(), expected.size()));
    }
    if (compareCache) {
      int64_t end = (*ref)->position();
      Result<std::vector<float>> cacheA = cacheRows(**ref, end);
      Result<std::vector<float>> cacheB = cacheRows(**test, end);
      if (!cacheA || !cacheB)
        return fail(!cacheA ? cacheA.message() : cacheB.message());
      check("kv cache", sequence, end,
            compare(cacheB->data(), cacheA->data(), cacheA->size()));
    }
  }
  bool ok = worst <= tolerance && nonFinite == 0;
  std::printf("%s: worst relative error %.3g (tolerance %.3g), %lld "
              "non-finite\n",
              ok ? "PASS" : "FAIL", worst, tolerance, (long long)nonFinite);
  return ok ? 0 : 1;
}
